# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The adjoint-method vector-Jacobian product equals parameter shift and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.simulator import BatchedEstimator
from qiskit_patchqnn.training import TrainConfig, train


def _fd_vjp(est, qc, obs, values, cot, eps=1e-6):
    out = np.zeros_like(values)
    pubs_obs = [[o] for o in obs]
    for j in range(values.shape[1]):
        e = np.zeros(values.shape[1])
        e[j] = eps
        up = est.run([(qc, pubs_obs, values + e)]).result()[0].data.evs.T
        down = est.run([(qc, pubs_obs, values - e)]).result()[0].data.evs.T
        out[:, j] = ((up - down) / (2 * eps) * cot).sum(axis=1)
    return out


def test_vjp_matches_finite_differences_on_a_mixed_circuit():
    p = ParameterVector("p", 6)
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.rx(p[0], 0)
    qc.ry(2 * p[1] + 0.3, 1)
    qc.rz(p[2], 2)
    qc.cx(0, 1)
    qc.p(p[3], 2)
    qc.cz(1, 2)
    qc.sx(1)
    qc.swap(0, 2)
    qc.ecr(0, 1)
    qc.ry(p[4], 0)
    qc.rx(-p[0], 2)
    qc.t(1)
    qc.iswap(1, 2)
    qc.rz(p[5], 1)
    qc.ry(p[1], 2)
    obs = [SparsePauliOp(["XYZ", "IIZ"], [0.5, -1.0]), SparsePauliOp("YXI"), SparsePauliOp("ZZZ")]
    rng = np.random.default_rng(0)
    values = rng.uniform(-3, 3, (4, 6))
    cot = rng.normal(size=(4, 3))
    est = BatchedEstimator()
    got = est.vjp(qc, obs, values, cot)
    np.testing.assert_allclose(got, _fd_vjp(est, qc, obs, values, cot), atol=1e-8)


def test_vjp_rejects_noisy_estimator_and_bad_shapes():
    p = ParameterVector("p", 1)
    qc = QuantumCircuit(1)
    qc.rx(p[0], 0)
    with pytest.raises(ValueError, match="exact estimator"):
        BatchedEstimator(default_precision=0.1).vjp(qc, ["Z"], np.zeros((1, 1)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="cotangent must have shape"):
        BatchedEstimator().vjp(qc, ["Z"], np.zeros((2, 1)), np.ones((1, 1)))


@pytest.mark.parametrize("bias", [False, True])
def test_patchqnn_vjp_adjoint_equals_parameter_shift(bias):
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_classes=4,
        input_bias=bias,
        input_gradients=True,
    )
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(5, 16))
    w = qnn.initial_weights(0)
    if bias:
        w[qnn.weight_slices[-1]] = 0.2 * rng.normal(size=16)
    u = rng.normal(size=(5, 4))
    assert qnn.uses_adjoint
    wa, ia = qnn.vjp(x, w, u)
    qnn.gradient = "parameter_shift"
    assert not qnn.uses_adjoint
    wp, ip = qnn.vjp(x, w, u)
    np.testing.assert_allclose(wa, wp, atol=1e-10 * np.abs(wp).max())
    np.testing.assert_allclose(ia, ip, atol=1e-10 * np.abs(ip).max())


def test_training_is_identical_with_either_gradient():
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(12, 16))
    y = np.arange(12) % 4
    cfg = TrainConfig(epochs=2, batch_size=6, learning_rate=0.05, seed=0)
    layout = PatchLayout.grid((4, 4), (3, 3), 4)
    adj = train(PatchQNN(layout, 1, num_classes=4), x, y, config=cfg, progress=False)
    ps = train(
        PatchQNN(layout, 1, num_classes=4, gradient="parameter_shift"),
        x,
        y,
        config=cfg,
        progress=False,
    )
    np.testing.assert_allclose(adj.trajectory, ps.trajectory, atol=1e-9)


def test_adjoint_needs_an_exact_estimator():
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_classes=4,
        gradient="adjoint",
        estimator=BatchedEstimator(default_precision=0.01),
    )
    with pytest.raises(ValueError, match="exact BatchedEstimator"):
        qnn.vjp(np.zeros((1, 16)), qnn.initial_weights(0), np.ones((1, 4)))
    with pytest.raises(ValueError, match="gradient must be"):
        PatchQNN(qnn.layout, 1, num_classes=4, gradient="spsa")
