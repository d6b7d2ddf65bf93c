# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

from __future__ import annotations

import json

import numpy as np
import pytest

from qiskit_patchqnn.cli import main


def test_train_then_hessian_end_to_end(tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        [
            "train",
            "--patches",
            "4",
            "--depth",
            "1",
            "--epochs",
            "2",
            "--num-train",
            "60",
            "--num-test",
            "30",
            "--batch-size",
            "30",
            "--out",
            str(run),
            "--no-progress",
        ]
    )
    assert code == 0
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["model"]["num_weights"] == 4 * 80
    assert cfg["info"]["dataset"] == "digits"
    history = json.loads((run / "history.json").read_text())
    assert len(history) == 3
    code = main(["hessian", str(run), "--samples", "4", "--top-k", "3", "--no-progress"])
    assert code == 0
    summary = json.loads((run / "hessian.json").read_text())
    assert len(summary["top_eigenvalues"]) == 3
    assert summary["top_eigenvalues"][0] == pytest.approx(summary["lambda_max"])
    assert np.all(np.diff(summary["top_eigenvalues"]) <= 0)
    assert summary["num_evaluations"] == 4 * 4 * (1 + 2 * 80**2)
    assert (run / "spectrum.png").stat().st_size > 1000
    assert "lambda_max" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["train", "--patches", "5", "--out", "X"],
            "num_patches must be a positive perfect square",
        ),
        (["train", "--dataset", "cifar", "--out", "X"], "cifar"),
        (["train", "--backend", "qpu:foo", "--out", "X"], "unknown backend spec"),
        (["train", "--epochs", "0", "--out", "X"], "epochs must be >= 1"),
        (["hessian", "does/not/exist"], "does not exist"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "X").exists()


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
