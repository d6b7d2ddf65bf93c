# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn hessian`` by Hessian-vector products, and the Gauss-Newton part within a budget."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.hessian import count_evaluations

TINY = ["--num-train", "40", "--num-test", "20", "--batch-size", "10", "--no-progress"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run = tmp_path_factory.mktemp("cli-routes") / "run"
    argv = ["train", "--epochs", "2", "--patches", "4", "--depth", "1", "--lr", "0.03"]
    assert main([*argv, *TINY, "--out", str(run)]) == 0
    return run


def test_hvp_route_matches_the_parameter_shift_route(run_dir, capsys):
    common = ["hessian", str(run_dir), "--samples", "10", "--top-k", "3", "--no-progress"]
    assert main([*common, "--no-density"]) == 0
    dense = json.loads(
        next((run_dir / "derived").glob("hessian-*-k3-exact/hessian.json")).read_text()
    )
    argv = [*common, "--method", "hvp", "--density", "--trace-probes", "4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Hessian-vector products" in out
    (folder,) = (run_dir / "derived").glob("hessian-*-hvp-exact")
    hvp = json.loads((folder / "hessian.json").read_text())
    np.testing.assert_allclose(hvp["top_eigenvalues"], dense["top_eigenvalues"], rtol=1e-6)
    assert hvp["num_samples"] == dense["num_samples"] == 10
    assert hvp["num_matvecs"] > 0 and hvp["trace_probes"] == 4 and "trace_std" in hvp
    with np.load(folder / "hessian.npz") as arrays:
        assert "density" in arrays.files and "block_norms_frobenius" in arrays.files
    assert (folder / "spectrum.png").is_file()


def test_bad_route_combinations_name_the_flag(run_dir, capsys):
    argv = ["hessian", str(run_dir), "--samples", "4", "--no-progress"]
    assert main([*argv, "--method", "hvp", "--parts", "gauss_newton"]) == 1
    assert "bad value for --parts: 'gauss_newton' (method 'hvp'" in capsys.readouterr().err
    assert main([*argv, "--bootstrap", "20"]) == 1
    assert "bad value for --bootstrap: 20" in capsys.readouterr().err
    assert main([*argv, "--budget-shots", "1e6"]) == 1
    assert "add --parts gauss_newton" in capsys.readouterr().err
    assert main([*argv, "--method", "hvp", "--backend", "aer"]) == 1
    assert "method='hvp' needs exact simulation" in capsys.readouterr().err


def test_gauss_newton_within_a_shot_budget(run_dir, capsys):
    argv = ["hessian", str(run_dir), "--samples", "16", "--parts", "gauss_newton"]
    argv += ["--budget-shots", "4e6", "--bootstrap", "20", "--top-k", "3", "--no-progress"]
    argv += ["--backend", "exact"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "plan:" in out and "samples x" in out
    (folder,) = (run_dir / "derived").glob("hessian-*-gn-b20-exact-*shots")
    summary = json.loads((folder / "hessian.json").read_text())
    plan = summary["budget_plan"]
    assert plan["circuits"] * plan["shots"] <= 4e6
    assert summary["parts"] == "gauss_newton" and summary["error_bars"] == "bootstrap"
    assert summary["num_samples"] == plan["num_samples"]
    from qiskit_patchqnn.experiments.rundir import load_run_config

    config, spec = load_run_config(run_dir)
    from qiskit_patchqnn.experiments import build_model

    qnn = build_model(config, spec, 10)
    per = count_evaluations(qnn, plan["num_samples"], "gauss_newton")
    assert summary["num_evaluations"] == per and plan["circuits"] == 2 * per
    assert summary["lambda_max_std"] > 0  # shot noise at the planned shots


def test_budget_on_ibm_hardware_needs_yes(run_dir, capsys, monkeypatch):
    from qiskit_patchqnn.execution import backends, fake_backend

    class Service:
        def backend(self, name):
            return fake_backend(name)

    monkeypatch.setattr(backends, "_connect", lambda service: Service())
    argv = ["hessian", str(run_dir), "--samples", "8", "--parts", "gauss_newton"]
    argv += ["--budget-shots", "1e6", "--backend", "ibm:fake_manila", "--no-progress"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "plan:" in captured.out
    assert "pass --yes to run it" in captured.err and captured.err.count("\n") == 1
