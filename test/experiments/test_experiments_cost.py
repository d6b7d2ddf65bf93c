# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweep cost estimates against the bindings a run actually sends."""

from __future__ import annotations

import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import parse_config
from qiskit_patchqnn.experiments import runner as runner_module
from qiskit_patchqnn.experiments.cost import run_cost, sweep_cost

CONFIG = {
    "sweep": {"name": "cost", "seeds": [0], "downscaling": ["a toy"]},
    "dataset": {"pool": True, "num_classes": 4, "num_train": 12, "num_test": 6},
    "layout": {"patch_shape": [3, 3], "num_patches": [4]},
    "model": {"depths": [1]},
    "training": {"epochs": 2, "batch_size": 5, "learning_rate": 0.05},
    "hessian": {"num_samples": 3, "top_k": 2},
    "landscape": {"num_patches": [4], "seeds": [0], "resolution": 3, "num_samples": 4},
}


@pytest.mark.parametrize("input_bias", [False, True])
def test_run_cost_equals_the_bindings_a_parameter_shift_run_sends(
    monkeypatch: pytest.MonkeyPatch, input_bias: bool
) -> None:
    """Train (parameter shift), Hessian and landscape of one run on the exact estimator with
    adjoint gradients off: the estimator receives exactly the estimated bindings."""
    data = {**CONFIG, "model": {"depths": [1], "input_bias": input_bias}}
    config = parse_config(data, source="test")
    (run,) = config.runs()
    models = []
    build = runner_module.build_model

    def parameter_shift_model(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        qnn = build(*args, **kwargs)
        qnn.gradient = "parameter_shift"
        models.append(qnn)
        return qnn

    monkeypatch.setattr(runner_module, "build_model", parameter_shift_model)
    out = runner_module.execute_run(config, run)
    assert out.ok, out.error
    (qnn,) = models
    assert not qnn.uses_adjoint
    loaded = runner_module.load_sweep_data(config.dataset)
    cost = run_cost(config, run, qnn, len(loaded.x_train), len(loaded.x_test))
    assert cost.hessian > 0 and cost.landscape == 9 * 4 * 4
    assert qnn.executor.log.bindings == cost.total


def test_sweep_cost_totals_and_shots() -> None:
    config = parse_config({**CONFIG, "backend": {"spec": "aer", "shots": 100}}, source="test")
    cost = sweep_cost(config)
    assert cost.num_bases == 2 and cost.shots == 100
    assert cost.num_bindings == sum(r.total for r in cost.runs)
    est = cost.estimate
    assert est is not None and est.total_shots == cost.num_bindings * 2 * 100
    assert "at the backend's default shots" in str(sweep_cost(parse_config(CONFIG, source="t")))


def test_cli_estimate_prints_and_hardware_refusal_names_the_cost(tmp_path, capsys) -> None:
    path = tmp_path / "cost.toml"
    path.write_text(
        "\n".join(
            [
                '[sweep]\nname = "cost"\nseeds = [0]\ndownscaling = ["a toy"]',
                "[dataset]\npool = true\nnum_classes = 4\nnum_train = 12\nnum_test = 6",
                "[layout]\npatch_shape = [3, 3]\nnum_patches = [4]",
                "[model]\ndepths = [1]",
                "[training]\nepochs = 2\nbatch_size = 5\nlearning_rate = 0.05",
            ]
        )
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--out", str(out), "--estimate", "--shots", "10"]) == 0
    printed = capsys.readouterr().out
    assert "p4-d1-s0" in printed and "x 10 shots" in printed
    assert not out.exists()  # an estimate writes nothing
    code = main(["sweep", str(path), "--out", str(out), "--backend", "ibm:ibm_fake_name"])
    err = capsys.readouterr().err
    assert code == 1 and "would submit 1 run:" in err and "--yes" in err
    assert not out.exists()
