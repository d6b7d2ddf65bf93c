# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The ``patchqnn`` command: train, hessian, landscape, errors, and what is never overwritten."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import load_sweep_data
from qiskit_patchqnn.experiments.rundir import load_run_config
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.landscape import LandscapeScan, pca_plane
from qiskit_patchqnn.qnn import PatchQNN
from qiskit_patchqnn.training import load_run

# digits 8x8, four 5x5 patches on 5 qubits: 80 weights per patch
TINY = ["--num-train", "40", "--num-test", "20", "--batch-size", "10", "--no-progress"]


def tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` (relative name -> SHA-256 of its bytes)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished ``patchqnn train`` run (3 epochs)."""
    run = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--epochs", "3", "--lr", "0.03", *TINY, "--out", str(run)]) == 0
    return run


def test_train_writes_a_complete_run_with_the_schema_defaults(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "config.json",
        "done.json",
        "history.json",
        "metrics.json",
        "run.json",
        "trajectory.npz",
    ]
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["model"]["num_weights"] == 4 * 80
    assert cfg["train"] == {
        "epochs": 3,
        "batch_size": 10,
        "learning_rate": 0.03,
        "weight_decay": 5e-5,
        "schedule": "cosine",
        "t_max": 5,  # the schema's (and TrainConfig's) default, no longer --epochs
        "seed": 0,
    }
    assert cfg["info"]["dataset"] == "digits" and cfg["info"]["command"].startswith("patchqnn")
    config, spec = load_run_config(run_dir)
    assert spec.name == "p4-d1-s0" and config.dataset.num_train == 40
    assert not config.hessian.enabled and not config.landscape.enabled
    metrics = json.loads((run_dir / "metrics.json").read_text())
    result = load_run(run_dir)
    assert metrics["best_epoch"] == result.best_epoch
    assert metrics["train_loss"] == result.history[result.best_index]["train_loss"]
    assert result.trajectory.shape == (4, 320)


def test_hessian_goes_to_a_derived_directory_named_by_its_settings(run_dir, capsys):
    before = tree(run_dir)
    assert main(["hessian", str(run_dir), "--samples", "4", "--top-k", "3", "--no-progress"]) == 0
    out = run_dir / "derived" / "hessian-best-n4-s0-k3-exact"
    assert str(out / "hessian.json") in capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == {
        "done.json",
        "hessian.json",
        "hessian.npz",
        "spectrum.png",
    }
    assert {k: v for k, v in tree(run_dir).items() if not k.startswith("derived")} == before
    summary = json.loads((out / "hessian.json").read_text())
    # the same numbers as loss_hessian on the run's stratified sample at the best checkpoint
    config, spec = load_run_config(run_dir)
    data = load_sweep_data(config.dataset)
    sub = data.subset(4, None, seed=0)
    result = load_run(run_dir)
    qnn = PatchQNN.from_config(result.model)
    hess = loss_hessian(qnn, sub.x_train, sub.y_train, result.best_weights, progress=False)
    np.testing.assert_allclose(summary["top_eigenvalues"], hess.eigenvalues(3), rtol=1e-9)
    assert summary["num_evaluations"] == 4 * 4 * (1 + 2 * 80**2)
    assert summary["checkpoint_epoch"] == result.best_epoch
    # the same settings again: refused, nothing changed; --overwrite recomputes
    stamp = (out / "done.json").stat().st_mtime_ns
    assert main(["hessian", str(run_dir), "--samples", "4", "--top-k", "3"]) == 1
    err = capsys.readouterr().err
    assert "already holds this result" in err and "--overwrite" in err and err.count("\n") == 1
    assert (out / "done.json").stat().st_mtime_ns == stamp
    args = ["hessian", str(run_dir), "--samples", "4", "--top-k", "3", "--overwrite"]
    assert main([*args, "--no-progress"]) == 0
    assert json.loads((out / "hessian.json").read_text())["top_eigenvalues"] == pytest.approx(
        summary["top_eigenvalues"], rel=1e-12
    )


def test_samples_all_takes_the_whole_training_set(run_dir, capsys):
    argv = ["hessian", str(run_dir), "--samples", "all", "--method", "hvp", "--top-k", "2"]
    assert main([*argv, "--no-density", "--no-trace", "--no-progress"]) == 0
    path = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    assert json.loads(Path(path).read_text())["num_samples"] == 40  # --num-train 40
    with pytest.raises(SystemExit) as stop:
        main(["hessian", str(run_dir), "--samples", "lots"])
    assert stop.value.code == 2 and "expected a number or 'all'" in capsys.readouterr().err


def test_landscape_pca_random_and_hessian(run_dir, capsys):
    before = {k: v for k, v in tree(run_dir).items() if not k.startswith("derived")}
    base = ["landscape", str(run_dir), "--samples", "8", "--no-progress"]
    assert main([*base, "--resolution", "3"]) == 0
    assert "explained variance" in capsys.readouterr().out
    pca = run_dir / "derived" / "landscape-pca-r3-n8-s0-m5-exact"
    for name in ("landscape.npz", "landscape.json", "landscape_contour.png", "done.json"):
        assert (pca / name).stat().st_size > 0, name
    scan = LandscapeScan.load(pca / "landscape")
    result = load_run(run_dir)
    plane = pca_plane(result.trajectory, [h["train_loss"] for h in result.history])
    np.testing.assert_allclose(
        scan.info["explained_variance_ratio"], plane.explained_variance_ratio
    )
    assert scan.losses.shape == (3, 3) and scan.num_samples == 8 and scan.method == "pca"
    assert main([*base, "--method", "random", "--resolution", "2", "--extent", "0.5"]) == 0
    scan = LandscapeScan.load(run_dir / "derived/landscape-random-r2-n8-s0-e0.5-exact/landscape")
    assert scan.method == "random" and scan.info["extent"] == 0.5
    argv = [*base, "--method", "hessian", "--resolution", "2", "--hessian-samples", "2"]
    assert main(argv) == 0
    scan = LandscapeScan.load(run_dir / "derived/landscape-hessian-r2-n8-s0-e1-h2-exact/landscape")
    assert len(scan.info["eigenvalues"]) == 2 and scan.info["hessian_samples"] == 2
    after = {k: v for k, v in tree(run_dir).items() if not k.startswith("derived")}
    assert after == before  # the run's own files are never touched


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--patches", "5"], "bad value for --patches: 5 (num_patches must be a positive"),
        (["train", "--dataset", "cifar"], "unknown dataset 'cifar'"),
        (["train", "--backend", "qpu:foo"], "bad value for --backend: 'qpu:foo'"),
        (["train", "--epochs", "0"], "bad value for --epochs: 0 (expected an integer >= 1)"),
        (["train", "--patch-size", "0"], "bad value for --patch-size: 0 (expected an integer"),
        (["train", "--t-max", "0"], "bad value for --t-max: 0 (expected an integer >= 1)"),
        (["train", "--batch-size", "0"], "bad value for --batch-size: 0"),
        (["train", "--lr", "0"], "bad value for --lr: 0.0 (expected a number > 0"),
        (["train", "--shots", "0"], "bad value for --shots: 0 (expected an integer >= 1)"),
        (["train", "--qubits", "2"], "bad value for --qubits: 2 (need >= 5 qubits"),
        (["train", "--num-train", "0"], "bad value for --num-train: 0"),
        (["hessian", "does/not/exist"], "run directory does/not/exist does not exist"),
        (["report", "does/not/exist"], "is not a sweep directory"),
    ],
)
def test_errors_are_one_line_name_the_flag_and_write_nothing(
    argv, message, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    if argv[0] == "train":
        argv = [*argv, "--out", "X"]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert message in err
    assert len(err.splitlines()) == 1 and err.startswith(f"patchqnn {argv[0]}: error: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--samples", "0"], "bad value for --samples: 0 (expected an integer >= 1)"),
        (["--top-k", "0"], "bad value for --top-k: 0 (expected an integer >= 1)"),
        (["--checkpoint", "7"], "bad value for --checkpoint: 7 (expected an epoch in -1..2)"),
        (["--repetitions", "0"], "bad value for --repetitions: 0"),
        (["--seed", "-1"], "bad value for --seed: -1 (expected an integer >= 0)"),
    ],
)
def test_hessian_zero_flags_are_refused(run_dir, argv, message, capsys):
    before = tree(run_dir)
    assert main(["hessian", str(run_dir), *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert tree(run_dir) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resolution", "1"], "bad value for --resolution: 1 (expected an integer >= 2)"),
        (["--samples", "0"], "bad value for --samples: 0 (expected an integer >= 1)"),
        (["--extent", "0"], "bad value for --extent: 0.0 (expected a number > 0"),
        (["--hessian-samples", "0"], "bad value for --hessian-samples: 0"),
    ],
)
def test_landscape_zero_flags_are_refused(run_dir, argv, message, capsys):
    before = tree(run_dir)
    assert main(["landscape", str(run_dir), *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert tree(run_dir) == before


def test_train_refuses_finished_and_foreign_directories(run_dir, tmp_path, capsys):
    before = tree(run_dir)
    assert main(["train", "--epochs", "1", *TINY, "--out", str(run_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{run_dir} already holds a finished run" in err and "--overwrite" in err
    assert tree(run_dir) == before
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (foreign / "hessian.json").write_text("{}")
    assert main(["train", "--epochs", "1", *TINY, "--out", str(foreign)]) == 1
    err = capsys.readouterr().err
    assert "already holds files that are not a run" in err and err.count("\n") == 1
    assert sorted(p.name for p in foreign.iterdir()) == ["hessian.json", "notes.txt"]


def test_overwrite_replaces_only_once_the_new_run_is_complete(tmp_path, capsys, monkeypatch):
    import qiskit_patchqnn.experiments.runner as runner

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (foreign / "hessian.json").write_text("{}")  # an old result beside another model
    real = runner.run_one

    def full_disk(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "run_one", full_disk)
    argv = ["train", "--epochs", "1", *TINY, "--out", str(foreign), "--overwrite"]
    assert main(argv) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["hessian.json", "notes.txt"]
    monkeypatch.setattr(runner, "run_one", real)
    assert main(argv) == 0
    assert "hessian.json" not in {p.name for p in foreign.iterdir()}
    assert (foreign / "done.json").is_file() and load_run(foreign).trajectory.shape == (2, 320)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign"]  # no staging left


def test_relative_dataset_path_is_stored_absolute(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        "y_train": np.arange(40) % 10,
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": np.arange(20) % 10,
    }
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "mnist.npz", **arrays)
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--dataset", "mnist:data/mnist.npz", "--pool", "--patches", "1"]
    argv += ["--patch-size", "7", "--epochs", "1", "--batch-size", "20", "--out", "r"]
    assert main([*argv, "--no-progress"]) == 0
    absolute = "mnist:" + str(tmp_path / "data" / "mnist.npz")
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["config"]["dataset"]["name"] == absolute
    assert json.loads((tmp_path / "r" / "config.json").read_text())["info"]["dataset"] == absolute
    monkeypatch.chdir(tmp_path / "data")  # readable from anywhere now
    config, _ = load_run_config(tmp_path / "r")
    assert load_sweep_data(config.dataset).image_shape == (14, 14)


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: patchqnn" in capsys.readouterr().out


def test_sweep_on_ibm_hardware_needs_yes(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", "--preset", "quick", "--out", str(out), "--backend", "ibm:ibm_foo"])
    err = capsys.readouterr().err
    assert code == 1
    assert "pass --yes" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
