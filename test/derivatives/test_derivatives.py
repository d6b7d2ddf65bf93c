# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Derivative strategies against independent finite differences, on Aer and the exact simulator.

Every gate the shift rules advertise (``rx``, ``ry``, ``rz``, ``p``, ``u1``, ``rxx``, ``ryy``,
``rzz``, ``rzx``) is differentiated here; the two-qubit rotations need Aer (the batched
simulator runs parameterised single-qubit rotations only).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.circuit.library import U1Gate
from qiskit.quantum_info import SparsePauliOp

from qiskit_patchqnn.derivatives import SHIFT_GATES, Adjoint, ParameterShift, hessian_pairs
from qiskit_patchqnn.execution import Executor
from qiskit_patchqnn.model import AnglePlan


def _all_gates_circuit() -> tuple[QuantumCircuit, tuple]:
    """Three qubits, every shift-rule gate, one parameter used twice with scales and offsets."""
    t = ParameterVector("t", 8)
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(0.4, 1)
    qc.rx(2 * t[0] + 0.3, 0)
    qc.ry(t[1], 1)
    qc.rz(t[2], 2)
    qc.rxx(t[3], 0, 1)
    qc.ryy(-0.5 * t[4], 1, 2)
    qc.rzz(t[5], 0, 2)
    qc.rzx(t[6], 2, 1)
    qc.p(t[7], 0)
    qc.append(U1Gate(t[0] - 0.2), [1])  # t[0] again: the chain rule sums both occurrences
    qc.cx(0, 2)
    qc.ry(t[2], 0)
    return qc, tuple(t)


OBSERVABLES = [SparsePauliOp("ZII"), SparsePauliOp("IXY"), SparsePauliOp(["XZI", "YYZ"], [0.5, 1])]


def _exact_aer() -> Executor:
    qc, _ = _all_gates_circuit()
    return Executor(qc, OBSERVABLES, "aer")


def test_the_circuit_covers_every_advertised_gate():
    qc, _ = _all_gates_circuit()
    used = {inst.operation.name for inst in qc.data if inst.operation.params}
    assert SHIFT_GATES <= used


def test_parameter_shift_gradient_and_hessian_match_finite_differences_on_aer():
    qc, params = _all_gates_circuit()
    plan = AnglePlan.build(qc, params, params)
    rule = ParameterShift(plan, np.arange(plan.num_angles))
    ex = Executor(plan.circuit, OBSERVABLES, "aer")
    theta = np.random.default_rng(3).uniform(-np.pi, np.pi, len(params))
    cols = plan.bind(theta)
    d = rule.num_angles
    i, j = hessian_pairs(d)
    center, grad_pts, pair_pts = ex.run(
        [cols, rule.gradient_points(cols), rule.pair_points(cols, i, j)]
    ).values
    # derivatives with respect to the parameters, through the chain rule
    idx, chain = rule.chain()
    assert idx.tolist() == list(range(len(params)))
    grad = chain.T @ rule.gradient(grad_pts)  # (P, C)
    h_angles = np.zeros((d, d, len(OBSERVABLES)))
    h_angles[np.arange(d), np.arange(d)] = rule.diagonal(center, grad_pts)
    h_angles[i, j] = h_angles[j, i] = rule.pairs(pair_pts)
    hess = np.einsum("ap,abc,bq->pqc", chain, h_angles, chain)

    def f(points: np.ndarray) -> np.ndarray:
        (vals,) = ex.run([plan.bind(points)]).values
        return vals

    eps = 1e-4
    eye = np.eye(len(params))
    fd_grad = (f(theta + eps * eye) - f(theta - eps * eye)) / (2 * eps)
    np.testing.assert_allclose(grad, fd_grad, atol=1e-7)
    h = 1e-3
    pp = theta + h * (eye[:, None] + eye[None, :])
    pm = theta + h * (eye[:, None] - eye[None, :])
    mp = theta + h * (-eye[:, None] + eye[None, :])
    mm = theta - h * (eye[:, None] + eye[None, :])
    fd_hess = (f(pp) - f(pm) - f(mp) + f(mm)) / (4 * h * h)
    np.testing.assert_allclose(hess, fd_hess, atol=1e-5)
    assert np.abs(hess).max() > 0.1  # not trivially zero
    assert rule.num_evaluations(2) == 1 + 2 * d * d


def test_pair_points_shift_exactly_the_two_angles():
    qc, params = _all_gates_circuit()
    plan = AnglePlan.build(qc, params, params)
    rule = ParameterShift(plan, np.arange(plan.num_angles))
    cols = plan.bind(np.zeros(len(params)))
    pts = rule.pair_points(cols[None], np.array([0, 3]), np.array([5, 9]))
    assert pts.shape == (1, 2, 2, 2, plan.num_columns)
    delta = pts - cols
    for a, si in enumerate((1, -1)):
        for b, sj in enumerate((1, -1)):
            for m, (ii, jj) in enumerate(((0, 5), (3, 9))):
                expected = np.zeros(plan.num_columns)
                expected[rule.columns[ii]] += si * np.pi / 2
                expected[rule.columns[jj]] += sj * np.pi / 2
                np.testing.assert_allclose(delta[0, a, m, b], expected)


def test_adjoint_equals_parameter_shift_on_the_exact_simulator():
    t = ParameterVector("t", 4)
    qc = QuantumCircuit(2)
    qc.rx(2 * t[0] + 0.3, 0)
    qc.ry(t[1], 1)
    qc.cz(0, 1)
    qc.rz(-0.5 * t[0], 1)
    qc.p(t[2], 0)
    qc.append(U1Gate(t[3]), [1])
    qc.cx(1, 0)
    qc.ry(t[1], 0)
    obs = [SparsePauliOp("ZI"), SparsePauliOp(["XY", "IZ"], [0.3, -1.0])]
    plan = AnglePlan.build(qc, tuple(t), tuple(t))
    ex = Executor(plan.circuit, obs)
    rng = np.random.default_rng(1)
    theta = rng.uniform(-np.pi, np.pi, (5, 4))
    u = rng.normal(size=(5, 2))
    adj = Adjoint(plan).vjp(ex.simulator, ex.observables, theta, u)
    rule = ParameterShift(plan, np.arange(plan.num_angles))
    (pts,) = ex.run([rule.gradient_points(plan.bind(theta))]).values
    idx, chain = rule.chain()
    ps = np.einsum("bdc,dp,bc->bp", rule.gradient(pts), chain, u)
    np.testing.assert_allclose(adj[:, idx], ps, atol=1e-12)


def test_unsupported_gate_is_named():
    t = ParameterVector("theta", 1)
    qc = QuantumCircuit(2)
    qc.crx(t[0], 0, 1)
    plan = AnglePlan.build(qc, tuple(t), tuple(t))
    with pytest.raises(ValueError, match="'theta\\[0\\]' enters gate 'crx'"):
        ParameterShift(plan, np.arange(plan.num_angles))
    with pytest.raises(ValueError, match="order must be"):
        ParameterShift(AnglePlan.build(QuantumCircuit(1), (), ()), []).num_evaluations(3)
