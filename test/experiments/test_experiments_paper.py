# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The paper preset, down-scaled, end to end: on a Dask cluster given by address, and in-process."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import load_preset, parse_config, read_summary
from qiskit_patchqnn.experiments.sweep import WORKER_ENV


def test_paper_preset_uses_the_matrix_free_hessian():
    cfg = load_preset("paper")
    h = cfg.hessian
    assert (h.method, h.checkpoint, h.num_samples, h.top_k) == ("hvp", "best", None, 1)
    assert not h.trace and not h.density
    assert (h.subset_samples, h.block_norm_samples, h.block_norm_probes) == (6000, 1000, 6)
    assert any("Lanczos" in line and "PyHessian" in line for line in cfg.downscaling)
    assert not any("parameter-shift" in line for line in cfg.downscaling)


def small_paper_config(npz: Path) -> dict:
    """The paper preset's structure (14x14 pooled MNIST, 8x8 patches on 8 qubits, bias on,
    per-depth learning rates, cosine T_max = 5, mini-batches, matrix-free Hessian, landscape),
    down-scaled: depths 1 and 2, 4 and 9 patches, 40 + 20 images, 2 epochs."""
    data = load_preset("paper").to_dict()
    data["sweep"].update(
        name="paper-small",
        downscaling=["depths 1-2, 40 training images, 2 epochs: a test of the pipeline"],
    )
    data["dataset"]["name"] = f"mnist:{npz}"
    data["layout"]["num_patches"] = [4, 9]
    data["model"]["depths"] = [1, 2]
    data["training"].update(epochs=2, batch_size=10, learning_rate={"1": 1e-2, "2": 5e-3})
    data["hessian"].update(subset_samples=20, block_norm_samples=10, block_norm_probes=2)
    data["landscape"]["resolution"] = 4
    return data


def write_mnist_like(path: Path, num_train: int = 40, num_test: int = 20) -> Path:
    """28x28 uint8 images of 10 classes (a bright block whose place depends on the class)."""
    rng = np.random.default_rng(7)

    def images(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(n) % 10
        x = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            r, col = 2 + 8 * (c // 4), 2 + 6 * (c % 4)
            x[i, r : r + 8, col : col + 6] = 200 + rng.integers(0, 56)
        return x, y.astype(np.uint8)

    x_train, y_train = images(num_train)
    x_test, y_test = images(num_test)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def numbers(out: Path) -> dict[str, dict]:
    """Per run: metrics (without timings) and the Hessian summary's numbers."""
    found = {}
    for run in sorted((out / "runs").iterdir()):
        if run.name.startswith("."):
            continue
        metrics = json.loads((run / "metrics.json").read_text())
        hess = json.loads((run / "hessian.json").read_text())
        metrics.pop("timing")
        metrics.pop("seconds")
        keep = ("lambda_max", "top_eigenvalues", "subset_lambda_max", "loss", "num_matvecs")
        found[run.name] = {**metrics, **{f"hessian.{k}": hess[k] for k in keep}}
    return found


def close(a: object, b: object) -> bool:
    """Equal, or floats equal to 1e-10 (kernel threads: one per Dask worker, two here)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-10)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.slow
def test_down_scaled_paper_preset_on_a_dask_cluster_by_address(tmp_path, capsys):
    from dask.distributed import LocalCluster

    npz = write_mnist_like(tmp_path / "mnist.npz")
    config = parse_config(small_paper_config(npz), source="test")
    assert config.model.input_bias and config.hessian.method == "hvp"
    assert config.dataset.pool and config.layout.patch_shape == (8, 8)
    assert config.model.num_qubits == 8 and config.training.t_max == 5
    path = tmp_path / "paper-small.toml"
    path.write_text(_toml(small_paper_config(npz)))
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=WORKER_ENV,
    )
    try:
        out = tmp_path / "dask"
        argv = ["sweep", str(path), "--out", str(out), "--no-progress"]
        assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    finally:
        cluster.close()
    printed = capsys.readouterr().out
    assert f"Dask scheduler {cluster.scheduler_address}" in printed
    assert "4 runs finished now" in printed
    assert main(["report", str(out), "--no-figures"]) == 0
    assert (out / "report.md").is_file()

    summary = read_summary(out / "summary.csv")
    assert sorted((r["num_patches"], r["depth"]) for r in summary) == [
        (4, 1),
        (4, 2),
        (9, 1),
        (9, 2),
    ]
    for row in summary:
        assert row["lambda_max"] > 0 and math.isfinite(row["lambda_max"])
        assert row["hessian_samples"] == 40  # "all" of the 40 training images
        assert row["num_weights"] == row["num_patches"] * (48 * row["depth"] + 128) + 196
    hess = json.loads((out / "runs" / "p4-d1-s1001" / "hessian.json").read_text())
    assert hess["method"] == "hvp" and hess["subset_samples"] == 20
    assert (out / "runs" / "p4-d1-s1001" / "landscape.npz").is_file()
    history = json.loads((out / "runs" / "p4-d2-s1001" / "history.json").read_text())
    assert [round(h["lr"], 12) for h in history] == [
        0.0,
        5e-3,
        round(5e-3 * 0.5 * (1 + math.cos(math.pi / 5)), 12),
    ]

    local = tmp_path / "local"
    assert main(["sweep", str(path), "--out", str(local), "--no-progress"]) == 0
    dask_numbers, local_numbers = numbers(out), numbers(local)
    assert (
        sorted(dask_numbers)
        == sorted(local_numbers)
        == [
            "p4-d1-s1001",
            "p4-d2-s1001",
            "p9-d1-s1001",
            "p9-d2-s1001",
        ]
    )
    for name, found in dask_numbers.items():
        for key, value in found.items():
            assert close(value, local_numbers[name][key]), (name, key, value)


def _toml(data: dict) -> str:
    """A small TOML writer for the config dict (tables of scalars, lists and inline tables)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = []
    for table, entries in data.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {value(v)}" for key, v in entries.items()]
    return "\n".join(lines) + "\n"
