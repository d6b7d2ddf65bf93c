# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweeps: in-process vs Dask, kill -9 and resume, failures, refusals, the report."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import (
    ConfigError,
    SweepStore,
    load_config,
    load_preset,
    read_summary,
    run_sweep,
    write_report,
)
from qiskit_patchqnn.experiments import runner as runner_module

# 4x4 images (digits pooled 2x2), 3x3 patches, 4 classes: 2 qubits, 30 weights per patch.
TINY = """
[sweep]
name = "tiny"
seeds = [0, 1, 2]
downscaling = ["a toy"]
[dataset]
pool = true
num_classes = 4
num_train = 24
num_test = 12
[layout]
patch_shape = [3, 3]
num_patches = [1, 4]
[model]
depths = [1]
[training]
epochs = 3
batch_size = 8
learning_rate = 0.05
[hessian]
num_samples = 8
top_k = 3
[landscape]
num_patches = [4]
seeds = [0]
resolution = 3
num_samples = 8
"""
NAMES = [f"p{k}-d1-s{s}" for k in (1, 4) for s in (0, 1, 2)]


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def reference(tiny_config, tmp_path_factory):
    """The uninterrupted in-process sweep."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    outcome = run_sweep(load_config(tiny_config), out, progress=False)
    assert outcome.completed == tuple(NAMES) and outcome.ok
    return out


def rows(out: Path) -> list[dict]:
    with (out / "summary.csv").open() as fh:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(fh)]


def same_rows(a: list[dict], b: list[dict]) -> bool:
    """Equal rows: identical text, or floats equal to 1e-10 (BLAS/thread rounding)."""
    if [r.keys() for r in a] != [r.keys() for r in b]:
        return False
    for ra, rb in zip(a, b, strict=True):
        for key, va in ra.items():
            vb = rb[key]
            if va != vb and not (va and vb and math.isclose(float(va), float(vb), rel_tol=1e-10)):
                return False
    return True


def finished(out: Path) -> list[str]:
    """Names of the runs with a done.json (not temporaries)."""
    if not (out / "runs").is_dir():
        return []
    return sorted(
        p.name
        for p in (out / "runs").iterdir()
        if not p.name.startswith(".") and (p / "done.json").is_file()
    )


def test_inprocess_sweep_writes_complete_runs(reference):
    summary = read_summary(reference / "summary.csv")
    assert [(r["num_patches"], r["depth"], r["seed"]) for r in summary] == [
        (k, 1, s) for k in (1, 4) for s in (0, 1, 2)
    ]
    for r in summary:
        assert r["num_weights"] == 30 * r["num_patches"]
        assert r["lambda_max"] > 0 and r["num_outliers"] >= 1
        assert 0 <= r["test_accuracy"] <= 1 and r["hessian_samples"] == 8
        assert -1 <= r["best_epoch"] <= 2
    for name in NAMES:
        files = {p.name for p in (reference / "runs" / name).iterdir()}
        assert {
            "run.json",
            "done.json",
            "metrics.json",
            "config.json",
            "history.json",
            "trajectory.npz",
            "hessian.json",
            "hessian.npz",
        } <= files
        assert ("landscape.npz" in files) == (name == "p4-d1-s0")
    assert not [p for p in (reference / "runs").iterdir() if p.name.startswith(".")]
    # the run directory is a training run the rest of the package can reload
    from qiskit_patchqnn.training import load_run

    res = load_run(reference / "runs" / "p4-d1-s0")
    assert res.trajectory.shape == (4, 120) and res.config.seed == 0


def test_rerun_redoes_nothing(reference, tiny_config):
    before = {n: (reference / "runs" / n / "done.json").stat().st_mtime_ns for n in NAMES}
    outcome = run_sweep(load_config(tiny_config), reference, progress=False)
    assert outcome.completed == () and outcome.skipped == tuple(NAMES)
    after = {n: (reference / "runs" / n / "done.json").stat().st_mtime_ns for n in NAMES}
    assert before == after


def test_dask_local_cluster_gives_identical_rows(reference, tiny_config, tmp_path):
    out = tmp_path / "dask"
    outcome = run_sweep(load_config(tiny_config), out, workers=2, progress=False)
    assert sorted(outcome.completed) == NAMES
    assert same_rows(rows(out), rows(reference))


def test_kill_9_and_resume(reference, tiny_config, tmp_path):
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "qiskit_patchqnn.cli",
        "sweep",
        str(tiny_config),
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            if finished(out):
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep ended before the first run finished"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    done_before = finished(out)
    assert 1 <= len(done_before) < len(NAMES)
    stamps = {n: (out / "runs" / n / "done.json").stat().st_mtime_ns for n in done_before}
    # summary.csv is whole: at most the finished runs, no partial or duplicate rows
    partial = rows(out)
    assert len(partial) == len({(r["num_patches"], r["seed"]) for r in partial}) <= len(done_before)

    assert main(["sweep", str(tiny_config), "--out", str(out), "--no-progress"]) == 0
    assert same_rows(rows(out), rows(reference))  # same results as the uninterrupted sweep
    for n, stamp in stamps.items():  # finished runs were not redone
        assert (out / "runs" / n / "done.json").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in (out / "runs").iterdir()) == NAMES  # no temporaries left


def test_failed_run_is_recorded_and_retried(tiny_config, tmp_path, monkeypatch):
    out = tmp_path / "failing"
    real = runner_module.run_one

    def flaky(config, run, **kwargs):
        if run.name == "p1-d1-s1":
            raise RuntimeError("simulated failure")
        return real(config, run, **kwargs)

    monkeypatch.setattr(runner_module, "run_one", flaky)
    outcome = run_sweep(load_config(tiny_config), out, progress=False)
    assert outcome.failed == ("p1-d1-s1",) and len(outcome.completed) == 5
    err = json.loads((out / "runs" / "p1-d1-s1" / "error.json").read_text())
    assert err["type"] == "RuntimeError" and err["message"] == "simulated failure"
    assert "simulated failure" in err["traceback"]
    assert len(read_summary(out / "summary.csv")) == 5
    assert SweepStore(out).failed().keys() == {"p1-d1-s1"}

    monkeypatch.setattr(runner_module, "run_one", real)
    outcome = run_sweep(load_config(tiny_config), out, progress=False)
    assert outcome.completed == ("p1-d1-s1",) and len(outcome.skipped) == 5
    assert not (out / "runs" / "p1-d1-s1" / "error.json").exists()
    assert len(read_summary(out / "summary.csv")) == 6


def test_refuses_other_config_other_dir_and_concurrent_sweep(
    reference, tiny_config, tmp_path, capsys
):
    other = tmp_path / "other.toml"
    other.write_text(TINY.replace("epochs = 3", "epochs = 4"))
    with pytest.raises(ConfigError, match="holds a sweep made with a different config"):
        run_sweep(load_config(other), reference, progress=False)
    assert main(["sweep", str(other), "--out", str(reference)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "different config" in err
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds no sweep.json"):
        run_sweep(load_config(tiny_config), stray, progress=False)
    with SweepStore(reference).lock():
        with pytest.raises(RuntimeError, match="another sweep is writing"):
            run_sweep(load_config(tiny_config), reference, progress=False)


def test_report_is_generated_from_the_numbers(reference):
    path = write_report(reference)
    text = path.read_text()
    summary = read_summary(reference / "summary.csv")
    lam = {k: [r["lambda_max"] for r in summary if r["num_patches"] == k] for k in (1, 4)}
    import numpy as np

    from qiskit_patchqnn.experiments.claims import fmt_mean_std

    a = fmt_mean_std(np.mean(lam[1]), np.std(lam[1], ddof=1))
    b = fmt_mean_std(np.mean(lam[4]), np.std(lam[4], ddof=1))
    assert f"λ_max falls from 1 to 4 patches at depth 1: {a} → {b}" in text
    verdict = "does not hold" if np.mean(lam[4]) >= np.mean(lam[1]) else "holds"
    assert verdict in text.split("λ_max falls from 1 to 4 patches at depth 1")[1].splitlines()[0]
    for section in (
        "## Largest Hessian eigenvalue",
        "## Accuracy and loss",
        "## Down-scaling",
        "Table B1",
        "a toy",
        "15.987",
        "0.87535346"[:5],
    ):
        assert section in text
    for fig in ("lambda_max.png", "curves.png", "landscape_p4-d1-s0.png", "spectrum_p1-d1-s0.png"):
        assert (reference / "figures" / fig).stat().st_size > 1000
        assert f"figures/{fig}" in text


def tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` (relative name -> SHA-256), ``derived/`` results left out."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "derived" not in p.relative_to(path).parts
    }


def test_commands_pointed_at_a_finished_sweep_run_change_nothing(
    reference, tiny_config, tmp_path, capsys
):
    sweep = tmp_path / "sweep"
    shutil.copytree(reference, sweep)
    assert main(["report", str(sweep)]) == 0
    before = tree(sweep)
    report = (sweep / "report.md").read_text()
    run = sweep / "runs" / "p4-d1-s0"
    quiet = ["--no-progress"]
    assert main(["landscape", str(run), "--method", "random", "--resolution", "2", *quiet]) == 0
    assert main(["landscape", str(run), "--resolution", "2", "--samples", "4", *quiet]) == 0
    assert main(["hessian", str(run), "--samples", "4", "--top-k", "2", *quiet]) == 0
    assert main(["hessian", str(run), *quiet]) == 0  # the sweep's own settings, recomputed
    derived = sorted(p.name for p in (run / "derived").iterdir())
    assert derived == [
        "hessian-best-n4-s0-k2-exact",
        "hessian-best-n8-s0-k3-exact",
        "landscape-pca-r2-n4-s0-m5-exact",
        "landscape-random-r2-n8-s0-e1-exact",
    ]
    # the sweep's own Hessian, recomputed from the stored config: the same numbers
    own = json.loads((run / "hessian.json").read_text())
    again = json.loads((run / "derived" / derived[1] / "hessian.json").read_text())
    assert again["top_eigenvalues"] == pytest.approx(own["top_eigenvalues"], rel=1e-10)
    capsys.readouterr()
    for argv in (
        ["train", "--epochs", "1", "--out", str(run)],
        ["train", "--epochs", "1", "--out", str(run), "--overwrite"],
        ["train", "--epochs", "1", "--out", str(run), "--resume"],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"{run} is run p4-d1-s0 of the sweep in {sweep}" in err and err.count("\n") == 1
    assert main(["sweep", str(tiny_config), "--out", str(sweep), "--no-progress"]) == 0
    assert main(["report", str(sweep)]) == 0
    assert tree(sweep) == before  # every file of every run, summary.csv, figures
    assert (sweep / "report.md").read_text() == report


def test_hessian_of_a_run_stored_before_run_json(reference, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(reference, sweep)
    run = sweep / "runs" / "p1-d1-s1"
    (run / "run.json").unlink()  # as written by qiskit-patchqnn 0.1
    assert main(["hessian", str(run), "--top-k", "1", "--no-progress"]) == 0
    summary = json.loads((run / "derived/hessian-best-n8-s0-k1-exact/hessian.json").read_text())
    own = json.loads((run / "hessian.json").read_text())
    assert summary["lambda_max"] == pytest.approx(own["lambda_max"], rel=1e-10)


def test_report_flags_damaged_runs_and_is_written_whole(reference, tmp_path, capsys):
    sweep = tmp_path / "sweep"
    shutil.copytree(reference, sweep)
    runs = sweep / "runs"
    npz = runs / "p1-d1-s0" / "hessian.npz"
    npz.write_bytes(npz.read_bytes()[:200])  # truncated
    (runs / "p4-d1-s0" / "landscape.npz").write_bytes(b"")
    (runs / "p4-d1-s1" / "history.json").write_text("[{")
    (runs / "p1-d1-s2" / "metrics.json").write_text("{")
    assert main(["report", str(sweep)]) == 0
    captured = capsys.readouterr()
    warnings = captured.err.strip().splitlines()
    assert len(warnings) == 4 and all(
        w.startswith("patchqnn report: warning: run ") for w in warnings
    )
    assert "p1-d1-s0: hessian.npz is missing or damaged" in captured.err
    assert "p1-d1-s2: metrics.json is damaged" in captured.err
    text = (sweep / "report.md").read_text()
    assert "runs finished: 5 of 6" in text and "Damaged files" in text
    assert "p1-d1-s0: hessian.npz" in text and "p4-d1-s0: landscape.json/.npz" in text
    figures = sorted(p.name for p in (sweep / "figures").iterdir())
    # K=1's spectrum is drawn from its first seed, whose hessian.npz is damaged: left out
    assert figures == ["curves.png", "lambda_max.png", "spectrum_p4-d1-s0.png"]
    assert not [p for p in sweep.iterdir() if p.name.startswith(".figures")]


def test_report_interrupted_while_drawing_keeps_the_old_figures(reference, tmp_path, monkeypatch):
    import qiskit_patchqnn.experiments.figures as figures

    sweep = tmp_path / "sweep"
    shutil.copytree(reference, sweep)
    write_report(sweep)
    before = tree(sweep)

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "_landscape", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(sweep)
    assert tree(sweep) == before
    assert not [p for p in sweep.iterdir() if p.name.startswith(".figures")]
    monkeypatch.setattr(figures, "_landscape", lambda *a: 1 / 0)  # a figure that fails
    problems: list[str] = []
    write_report(sweep, on_problem=problems.append)
    assert problems == [
        "the landscape of p4-d1-s0 could not be drawn (division by zero); it is left out"
    ]
    assert not (sweep / "figures" / "landscape_p4-d1-s0.png").exists()
    assert (sweep / "figures" / "lambda_max.png").is_file()


@pytest.mark.slow
def test_quick_preset_end_to_end(tmp_path, capsys):
    """The README's main job (about 5 minutes on two idle cores)."""
    out = tmp_path / "quick"
    assert main(["reproduce", "--out", str(out), "--no-progress"]) == 0
    summary = read_summary(out / "summary.csv")
    runs = load_preset("quick").runs()
    assert len(runs) == 18  # 4, 9 and 16 patches x depth 1, 2 x 3 seeds
    cells = sorted((r["num_patches"], r["depth"], r["seed"]) for r in summary)
    assert cells == sorted((r.num_patches, r.depth, r.seed) for r in runs)
    assert all(r["lambda_max"] > 0 for r in summary)
    assert all(r["test_accuracy"] > 0.3 for r in summary)  # trained, not just initialised
    text = (out / "report.md").read_text()
    assert "λ_max falls as the number of patches grows: **" in text
    assert "λ_max rises with depth (more parameters): **" in text
    assert "λ_max at the best checkpoint (mean ± std over seeds):" in capsys.readouterr().out
