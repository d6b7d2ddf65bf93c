# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn train`` killed mid-training (kill -9, Ctrl-C, a full disk): readers refuse the
incomplete run, and ``--resume`` ends with bitwise the trajectory of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.training import CHECKPOINT, checkpoint_progress, load_run

EPOCHS = 8
ARGS = ["--epochs", str(EPOCHS), "--num-train", "300", "--num-test", "40", "--batch-size", "10"]
ARGS += ["--lr", "0.03", "--no-progress"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run."""
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["train", *ARGS, "--out", str(out)]) == 0
    return out


def interrupt(out: Path, sig: int) -> subprocess.CompletedProcess:
    """Start ``patchqnn train`` in a subprocess and send ``sig`` once 2 epochs are saved."""
    cmd = [sys.executable, "-m", "qiskit_patchqnn.cli", "train", *ARGS, "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    try:
        while time.time() < deadline and proc.poll() is None:
            try:
                if checkpoint_progress(out / CHECKPOINT)[0] >= 2:
                    break
            except ValueError:  # not written yet
                pass
            time.sleep(0.01)
        assert proc.poll() is None, "training ended before it could be interrupted"
        os.kill(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def assert_refused(out: Path, capsys: pytest.CaptureFixture) -> None:
    """Every reader refuses the incomplete run with one line: k of E epochs, how to resume."""
    done, total = checkpoint_progress(out / CHECKPOINT)
    assert 2 <= done < total == EPOCHS
    line = f"{out} holds an incomplete run ({done} of {EPOCHS} epochs, no done.json)"
    before = sorted(p.name for p in out.iterdir())
    for argv in (
        ["hessian", str(out), "--samples", "4"],
        ["landscape", str(out), "--resolution", "2"],
        ["train", *ARGS, "--out", str(out)],  # without --resume
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert line in err and "--resume" in err and err.count("\n") == 1, err
    with pytest.raises(ValueError, match=r"incomplete run \(\d of 8 epochs"):
        load_run(out)
    assert sorted(p.name for p in out.iterdir()) == before == [CHECKPOINT, "run.json"]


def assert_same_run(a: Path, b: Path) -> None:
    """Bitwise the same trajectory, history and metrics (apart from wall times)."""
    with np.load(a / "trajectory.npz") as za, np.load(b / "trajectory.npz") as zb:
        assert za["trajectory"].shape == (EPOCHS + 1, 320)
        assert np.array_equal(za["trajectory"], zb["trajectory"])

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    ha, hb = (json.loads((d / "history.json").read_text()) for d in (a, b))
    assert strip(ha) == strip(hb)
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    for key in ("seconds", "timing"):
        ma.pop(key), mb.pop(key)
    assert json.dumps(ma) == json.dumps(mb)
    assert not (b / CHECKPOINT).exists() and (b / "done.json").is_file()


def test_kill_9_mid_training_then_resume(reference, tmp_path, capsys):
    out = tmp_path / "killed"
    proc = interrupt(out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert_refused(out, capsys)
    assert main(["train", *ARGS, "--out", str(out), "--resume"]) == 0
    assert "resuming with" in capsys.readouterr().out
    assert_same_run(reference, out)


def test_ctrl_c_mid_training_then_resume(reference, tmp_path, capsys):
    out = tmp_path / "interrupted"
    proc = interrupt(out, signal.SIGINT)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"patchqnn train: interrupted; the last finished epoch is kept in {out}; run the same "
        "command with --resume to continue"
    )
    assert_refused(out, capsys)
    assert main(["train", *ARGS, "--out", str(out), "--resume"]) == 0
    assert_same_run(reference, out)


def test_full_disk_mid_training_then_resume(reference, tmp_path, capsys, monkeypatch):
    import qiskit_patchqnn.training as training

    out = tmp_path / "full"
    real = training.write_npz
    calls = {"n": 0}

    def write_npz(path, **arrays):  # noqa: ANN001, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 4:  # the initial state and two epochs are saved, the third fails
            raise OSError(28, "No space left on device", str(path))
        return real(path, **arrays)

    monkeypatch.setattr(training, "write_npz", write_npz)
    assert main(["train", *ARGS, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1
    monkeypatch.setattr(training, "write_npz", real)
    assert checkpoint_progress(out / CHECKPOINT) == (2, EPOCHS)
    assert_refused(out, capsys)
    assert main(["train", *ARGS, "--out", str(out), "--resume"]) == 0
    assert_same_run(reference, out)


def test_resume_refuses_other_arguments(tmp_path, capsys, monkeypatch):
    import qiskit_patchqnn.training as training

    out = tmp_path / "run"

    def stop(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    real = training._loss_gradient
    monkeypatch.setattr(training, "_loss_gradient", stop)
    assert main(["train", *ARGS, "--out", str(out)]) == 130
    assert "--resume to continue" in capsys.readouterr().err
    monkeypatch.setattr(training, "_loss_gradient", real)
    assert checkpoint_progress(out / CHECKPOINT) == (0, EPOCHS)
    other = [*ARGS[:1], "9", *ARGS[2:]]  # --epochs 9
    assert main(["train", *other, "--out", str(out), "--resume"]) == 1
    err = capsys.readouterr().err
    assert "holds an incomplete run with other settings" in err and err.count("\n") == 1
    assert main(["train", *ARGS, "--out", str(out), "--overwrite"]) == 0
    assert load_run(out).trajectory.shape == (EPOCHS + 1, 320)
