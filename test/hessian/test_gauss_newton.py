# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Gauss-Newton curvature from first-order shifts, its error bars, and shot budgets."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_patchqnn import PatchCircuit, PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import count_evaluations, loss_hessian, plan_budget, seconds_per_shot
from qiskit_patchqnn.simulator import BatchedEstimator


def _shared_circuit() -> PatchCircuit:
    """Weight 0 enters three gates: D (gate angles) exceeds the weights per patch."""
    x = ParameterVector("input", 4)
    t = ParameterVector("weight", 3)
    qc = QuantumCircuit(2)
    qc.rx(2 * t[0], 0)
    for q in range(2):
        qc.ry(x[2 * q], q)
        qc.rx(x[2 * q + 1], q)
    qc.cz(0, 1)
    qc.ry(t[0] - 0.4, 1)
    qc.rz(t[1], 0)
    qc.rx(-t[0], 0)
    qc.ry(t[2], 1)
    return PatchCircuit(qc, tuple(x), tuple(t))


def _model(bias=False, shared=False, estimator=None):
    if shared:
        return PatchQNN(
            PatchLayout.grid((3, 3), (2, 2), 4),
            circuit=_shared_circuit(),
            observables=[SparsePauliOp("IZ"), SparsePauliOp("XI")],
            num_classes=2,
            scale=3.0,
            input_bias=bias,
            estimator=estimator,
        )
    return PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_qubits=2,
        num_classes=4,
        scale=5.0,
        input_bias=bias,
        estimator=estimator,
    )


def _data(qnn, n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, qnn.num_inputs)), rng.integers(0, qnn.num_classes, n)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("shared", [False, True])
def test_gauss_newton_equals_the_full_hessians_part_at_the_stated_cost(bias, shared):
    qnn = _model(bias, shared)
    x, y = _data(qnn)
    w = qnn.initial_weights(1)
    full = loss_hessian(qnn, x, y, w, progress=False)
    gn = loss_hessian(qnn, x, y, w, parts="gauss_newton", progress=False)
    np.testing.assert_allclose(gn.to_dense(), full.to_dense("gauss_newton"), atol=1e-12)
    d = qnn.shift_rule(bias).num_angles  # gate angles, not weights
    if shared:
        assert d > qnn.weights_per_patch + (qnn.model.num_features if bias else 0)
    expected = len(x) * qnn.num_patches * (1 + 2 * d)
    assert gn.num_evaluations == expected == count_evaluations(qnn, len(x), "gauss_newton")
    assert qnn.executor.log.bindings == full.num_evaluations + expected  # every point once
    assert gn.parts == "gauss_newton" and gn.blocks == []
    np.testing.assert_allclose(gn.eigenvalues(3), full.eigenvalues(3, part="gauss_newton"))
    with pytest.raises(ValueError, match="holds only its Gauss-Newton part"):
        gn.to_dense("full")
    with pytest.raises(ValueError, match="holds only its Gauss-Newton part"):
        gn.eigenvalues(1, part="residual")
    summary = gn.summary(top_k=3)
    assert summary["parts"] == "gauss_newton"
    assert summary["trace"] == pytest.approx(np.trace(full.to_dense("gauss_newton")))


def test_bootstrap_error_bars_match_the_spread_of_repetitions():
    noisy = BatchedEstimator(default_precision=0.02, seed=np.random.default_rng(11))
    qnn = _model(estimator=noisy)
    x, y = _data(qnn, n=4, seed=3)
    w = qnn.initial_weights(2)
    boot = loss_hessian(qnn, x, y, w, parts="gauss_newton", bootstrap=40, seed=5, progress=False)
    vals, stds = boot.eigenvalues(3, return_std=True)
    np.testing.assert_array_equal(vals, boot.eigenvalues(3))  # the point estimate is the data's
    assert boot.error_bars == "bootstrap" and np.all(stds > 0)
    assert boot.num_evaluations == count_evaluations(qnn, 4, "gauss_newton")  # no new circuits
    reps = loss_hessian(qnn, x, y, w, parts="gauss_newton", repetitions=40, progress=False)
    _, rep_stds = reps.eigenvalues(3, return_std=True)
    assert reps.error_bars == "repetition"
    np.testing.assert_allclose(stds, rep_stds, rtol=0.5)  # same noise, two estimates of it
    exact = loss_hessian(_model(), x, y, w, parts="gauss_newton", bootstrap=3, progress=False)
    assert np.all(exact.eigenvalues(2, return_std=True)[1] == 0)  # no shot noise, no spread


def test_bad_part_and_bootstrap_arguments():
    qnn = _model()
    x, y = _data(qnn, n=2)
    w = qnn.initial_weights(0)
    with pytest.raises(ValueError, match="parts must be"):
        loss_hessian(qnn, x, y, w, parts="residual")
    with pytest.raises(ValueError, match="bootstrap error bars need parts='gauss_newton'"):
        loss_hessian(qnn, x, y, w, bootstrap=5)
    with pytest.raises(ValueError, match="at least 2"):
        loss_hessian(qnn, x, y, w, parts="gauss_newton", bootstrap=1)


def test_budget_plan_trades_samples_for_shots():
    qnn = _model()
    x, y = _data(qnn, n=16, seed=4)
    w = qnn.initial_weights(3)
    small = plan_budget(qnn, x, y, w, budget_shots=4e5, repeats=8, seed=1)
    large = plan_budget(qnn, x, y, w, budget_shots=4e8, repeats=8, seed=1)
    per_sample = count_evaluations(qnn, 1, "gauss_newton") * 2  # X and Z readout: two bases
    for plan in (small, large):
        assert plan.circuits == plan.num_samples * per_sample
        assert plan.total_shots == plan.circuits * plan.shots <= plan.budget_shots
        fits = [r for r in plan.candidates if r["shots"] > 0]
        assert plan.predicted_error == min(r["rmse"] for r in fits)
    assert large.predicted_error < small.predicted_error
    row = {r["num_samples"]: r for r in large.candidates}[16]
    assert row["rmse"] < 0.05 * large.reference  # all samples, many shots: close to exact
    assert "plan:" in str(large)
    with pytest.raises(ValueError, match="below one shot per circuit"):
        plan_budget(qnn, x, y, w, budget_shots=10, repeats=2)
    with pytest.raises(ValueError, match="needs rate="):
        plan_budget(qnn, x, y, w, budget_seconds=60.0)
    with pytest.raises(ValueError, match="exact simulator"):
        plan_budget(_model(estimator="aer"), x, y, w, budget_shots=1e6)


def test_seconds_per_shot_from_a_fake_device():
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4), 0, num_qubits=2, num_classes=4, estimator="fake:manila"
    )
    rate = seconds_per_shot(qnn)
    assert rate is not None and 2.5e-4 < rate < 1e-3  # 250 us repetition delay + the circuit
    assert seconds_per_shot(_model()) is None


@pytest.mark.parametrize("parts", ["all", "gauss_newton"])
def test_a_hessians_provenance_lists_its_own_jobs_only(parts: str) -> None:
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_qubits=2,
        num_classes=4,
        estimator="aer",
        precision=0.0,
    )
    x = np.random.default_rng(0).uniform(size=(3, 16))
    w = qnn.initial_weights(0)
    for _ in range(3):
        qnn.forward(x, w)
    before = list(qnn.executor.log.job_ids)
    h = loss_hessian(qnn, x, np.arange(3), w, parts=parts)
    after = qnn.executor.log.job_ids
    assert len(before) == 3
    assert list(h.provenance.job_ids) == after[len(before) :] and len(after) > len(before)
