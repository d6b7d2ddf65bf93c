# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweep cost estimates against the bindings a run actually sends."""

from __future__ import annotations

from types import SimpleNamespace

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


@pytest.mark.parametrize("hessian", [{"parts": "gauss_newton"}, {"repetitions": 2}])
def test_run_cost_counts_the_hessians_parts_and_repetitions(
    monkeypatch: pytest.MonkeyPatch, hessian: dict
) -> None:
    """The first-order (Gauss-Newton) route and repeated Hessians: still the bindings sent."""
    data = {
        **CONFIG,
        "hessian": {**CONFIG["hessian"], **hessian},
        "landscape": {"enabled": False},
    }
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
    loaded = runner_module.load_sweep_data(config.dataset)
    cost = run_cost(config, run, qnn, len(loaded.x_train), len(loaded.x_test))
    assert qnn.executor.log.bindings == cost.total


# ----------------------------------------------------------------------------- wall-clock time
HVP = {
    **CONFIG,
    "dataset": {**CONFIG["dataset"], "num_train": 16, "num_test": 8},
    "training": {"epochs": 2, "batch_size": 8, "learning_rate": 0.05},
    "hessian": {
        "method": "hvp",
        "num_samples": 12,
        "top_k": 2,
        "trace_probes": 3,
        "density_runs": 2,
        "density_steps": 4,
        "subset_samples": 4,
        "block_norm_samples": 5,
        "block_norm_probes": 2,
    },
    "landscape": {"num_patches": [4], "seeds": [0], "resolution": 3, "num_samples": 6},
}


class FakeClock:
    """``time.perf_counter`` that advances ``step`` seconds per call: every timed call lasts
    exactly ``step``, so the rates are known."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_time_estimate_counts_the_work_in_measured_rates(monkeypatch: pytest.MonkeyPatch):
    from qiskit_patchqnn.experiments import cost as cost_module

    config = parse_config(HVP, source="test")
    monkeypatch.setattr(cost_module, "time", SimpleNamespace(perf_counter=FakeClock(0.004)))
    est = cost_module.time_estimate(config, bindings=8, repeats=2)
    (tp,) = est.throughput
    assert (tp.depth, tp.num_patches, tp.bindings, tp.num_values) == (1, 4, 8, 39)
    # every call "took" 4 ms: 0.5 ms per binding for each kernel
    for rate in (tp.forward, tp.vjp, tp.jvp, tp.hvp, tp.product):
        assert rate == pytest.approx(5e-4)
    assert tp.shift_hessian is None  # method 'hvp': the parameter-shift Hessian is not timed
    (r,) = est.runs
    k, n, n_test, f = 4, 16, 8, 5e-4
    assert r.training == pytest.approx(2 * n * k * 2 * f)  # epochs x N x K x (fwd + vjp)
    assert r.evaluation == pytest.approx(3 * (n + n_test) * k * f)
    products = 40 + 3 + 2 * 4  # Lanczos (assumed) + trace probes + density runs x steps
    assert r.hessian_products == products
    hessian = 12 * k * (f + products * f)  # main set: forward + products
    hessian += 4 * k * (f + 40 * f)  # the subset's lambda_max
    hessian += 5 * k * (f + 2 * 4 * f)  # block norms: probes x 4 blocks (no bias)
    assert r.hessian == pytest.approx(hessian)
    assert r.landscape == pytest.approx(9 * 6 * k * f)
    assert est.total == pytest.approx(r.total)
    assert est.on_workers is None and est.worker_runs is None
    assert any("40 Lanczos products assumed for the top 2" in note for note in est.notes)


def test_time_estimate_on_workers_and_in_real_time() -> None:
    """Real clock: positive rates, one-thread rates for the workers, the makespan of the runs."""
    from qiskit_patchqnn.experiments.cost import makespan, time_estimate

    data = {**HVP, "layout": {"patch_shape": [3, 3], "num_patches": [1, 4]}}
    config = parse_config(data, source="test")
    est = time_estimate(config, workers=2, bindings=16, repeats=1)
    assert [r.run for r in est.runs] == ["p1-d1-s0", "p4-d1-s0"]
    (tp,), (one,) = est.throughput, est.worker_throughput
    assert one.threads == 1 and tp.num_patches == 1  # measured on the fewest patches
    for rate in (tp.forward, tp.vjp, tp.jvp, tp.hvp, tp.product, one.forward, one.product):
        assert 0 < rate < 1.0
    assert est.worker_runs is not None
    worker = [r.total for r in est.worker_runs]
    assert est.on_workers == pytest.approx(max(worker))  # two runs, two workers
    assert makespan([5.0, 3.0, 2.0, 2.0], 2) == 7.0  # in order, each to the first free worker
    assert makespan([1.0, 1.0], 8) == 1.0
    with pytest.raises(ValueError, match="exact simulator; backend.spec is 'aer'"):
        time_estimate(config.with_backend("aer"))


def test_time_estimate_times_the_parameter_shift_hessian(monkeypatch: pytest.MonkeyPatch):
    from qiskit_patchqnn.experiments import cost as cost_module
    from qiskit_patchqnn.hessian.compute import count_evaluations

    config = parse_config(CONFIG, source="test")  # method 'parameter_shift', 3 samples
    monkeypatch.setattr(cost_module, "time", SimpleNamespace(perf_counter=FakeClock(0.004)))
    est = cost_module.time_estimate(config, bindings=8, repeats=1)
    (tp,), (r,) = est.throughput, est.runs
    qnn = runner_module.build_model(config, config.runs()[0], 4)
    one_sample = count_evaluations(qnn, 1)
    assert tp.shift_hessian == pytest.approx(0.004 / one_sample)
    assert r.hessian == pytest.approx(count_evaluations(qnn, 3) * tp.shift_hessian)
    assert r.hessian_products == 0


def test_cli_estimate_prints_measured_times(tmp_path, capsys) -> None:
    path = tmp_path / "hvp.toml"
    path.write_text(
        "\n".join(
            [
                '[sweep]\nname = "t"\nseeds = [0]\ndownscaling = ["a toy"]',
                "[dataset]\npool = true\nnum_classes = 4\nnum_train = 12\nnum_test = 6",
                "[layout]\npatch_shape = [3, 3]\nnum_patches = [4]",
                "[model]\ndepths = [1]",
                "[training]\nepochs = 2\nbatch_size = 5\nlearning_rate = 0.05",
                '[hessian]\nmethod = "hvp"\nnum_samples = 6\ntop_k = 1\ndensity = false',
                "[landscape]\nresolution = 3\nnum_samples = 4",
            ]
        )
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--out", str(out), "--estimate", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "ms per binding" in printed and "p4-d1-s0" in printed
    assert "total in-process" in printed and "on 2 Dask workers" in printed
    assert "40 Lanczos products assumed for the top 1 eigenvalue" in printed
    assert "the configured method 'hvp' runs on the exact simulator only" in printed
    assert not out.exists()
    assert main(["sweep", str(path), "--out", str(out), "--estimate", "--shots", "10"]) == 0
    assert "no wall-clock estimate for exact with 10 shots" in capsys.readouterr().out
