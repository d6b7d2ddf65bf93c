# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The lane-batched derivative kernels (``BatchedEstimator.vjp``, ``jvp``, ``hvp``) against
exact parameter-shift references and finite differences, on every supported gate kind, random
circuits of 1-11 qubits and the paper's circuit; chunking, lane counts and threads change no
bit of the results."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, ParameterExpression, ParameterVector, QuantumCircuit
from qiskit.circuit.library import U1Gate, UGate, iSwapGate
from qiskit.quantum_info import SparsePauliOp

import qiskit_patchqnn.simulator.differentiation as differentiation_module
from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.derivatives.shifts import (
    combine_gradient,
    combine_hessian,
    gradient_shifts,
    hessian_pairs,
    pair_shifts,
)
from qiskit_patchqnn.simulator import BatchedEstimator

_ROTATIONS = {"rx", "ry", "rz", "p", "u1"}


# --------------------------------------------------------------------------------------------
# references: exact parameter-shift rules on a circuit with one angle per rotation
# --------------------------------------------------------------------------------------------


def angle_circuit(qc: QuantumCircuit) -> tuple[QuantumCircuit, np.ndarray, tuple]:
    """``qc`` with every parameterised rotation on its own angle parameter.

    Returns the circuit, the map ``S`` ``(P, D)`` from angle derivatives to parameter
    derivatives (``angle_e = shift_e + scale_e * theta[col_e]`` gives
    ``d/dtheta_p = sum_e S[p, e] d/da_e``) and ``(shift, scale, col)`` to compute the angles.
    """
    index = {p: i for i, p in enumerate(qc.parameters)}
    out = QuantumCircuit(qc.num_qubits)
    cols: list[int] = []
    scales: list[float] = []
    shifts: list[float] = []
    for inst in qc.data:
        op = inst.operation
        qubits = [qc.find_bit(q).index for q in inst.qubits]
        expr = op.params[0] if op.params else None
        if op.name in _ROTATIONS and isinstance(expr, ParameterExpression) and expr.parameters:
            (p,) = expr.parameters
            cols.append(index[p])
            scales.append(float(expr.gradient(p)))
            shifts.append(float(expr.bind({p: 0.0}).numeric()))
            angle = Parameter(f"angle{len(cols):05d}")  # sorts in creation order
            if op.name == "u1":
                out.append(U1Gate(angle), qubits)
            else:
                getattr(out, op.name)(angle, *qubits)
        else:
            out.append(op, qubits)
    cols_arr = np.array(cols, dtype=int)
    smap = np.zeros((qc.num_parameters, len(cols)))
    smap[cols_arr, np.arange(len(cols))] = scales
    angles = np.array(shifts)[None, :], np.array(scales)[None, :], cols_arr
    return out, smap, angles


def _angles(values: np.ndarray, angles: tuple) -> np.ndarray:
    shift, scale, cols = angles
    return shift + scale * values[:, cols]


def _evaluate(qc: QuantumCircuit, obs: list, points: np.ndarray) -> np.ndarray:
    """Expectation values ``(N, C)`` (the forward estimator, tested against Qiskit's)."""
    res = BatchedEstimator().run([(qc, [[o] for o in obs], points)]).result()
    return res[0].data.evs.T


def ps_jacobian(qc: QuantumCircuit, obs: list, values: np.ndarray) -> np.ndarray:
    """Exact parameter-shift Jacobian ``(B, C, P)``."""
    aqc, smap, angles = angle_circuit(qc)
    d = smap.shape[1]
    shifts = gradient_shifts(d)
    out = []
    for a in _angles(values, angles):
        grad = combine_gradient(_evaluate(aqc, obs, a[None, :] + shifts))  # (D, C)
        out.append((smap @ grad).T)
    return np.array(out)


def ps_hessian(qc: QuantumCircuit, obs: list, values: np.ndarray) -> np.ndarray:
    """Exact parameter-shift Hessian ``(B, C, P, P)``."""
    aqc, smap, angles = angle_circuit(qc)
    d = smap.shape[1]
    i, j = hessian_pairs(d)
    eye = np.eye(d)
    out = []
    for a in _angles(values, angles):
        pairs = a[None, None, :] + (
            pair_shifts()[None, :, :1] * eye[i][:, None, :]
            + pair_shifts()[None, :, 1:] * eye[j][:, None, :]
        )
        pts = np.concatenate([a[None, :], a[None, :] + gradient_shifts(d), pairs.reshape(-1, d)])
        f = _evaluate(aqc, obs, pts)
        hess = combine_hessian(f[0], f[1 : 2 * d + 1], f[2 * d + 1 :].reshape(len(i), 4, -1), d)
        out.append(np.einsum("pd,cde,qe->cpq", smap, hess, smap))
    return np.array(out)


def ps_hessian_rows(
    qc: QuantumCircuit, obs: list, value: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Rows ``rows`` of the exact Hessian ``(C, R, P)`` at one binding, for circuits whose
    parameters each drive exactly one rotation with scale 1 (the paper's circuit)."""
    aqc, smap, angles = angle_circuit(qc)
    assert np.allclose(np.abs(smap).sum(axis=1), 1.0) and np.allclose(np.abs(smap).sum(0), 1.0)
    d = smap.shape[1]
    a = _angles(value[None, :], angles)[0]
    eye = np.eye(d)
    h = np.pi / 2
    out = np.zeros((len(obs), len(rows), d))
    f0 = _evaluate(aqc, obs, a[None, :])[0]
    for r, p in enumerate(rows):
        e = int(np.flatnonzero(smap[p])[0])
        pts = [a + np.pi * eye[e]]
        for s1, s2 in pair_shifts() / h:  # (e, j) shifted by (s1, s2) pi/2, every j
            pts.append(a[None, :] + h * (s1 * eye[e][None, :] + s2 * eye))
        f = _evaluate(aqc, obs, np.concatenate([np.atleast_2d(x) for x in pts]))
        fpp, fpm, fmp, fmm = (f[1 + k * d : 1 + (k + 1) * d] for k in range(4))
        row = 0.25 * (fpp - fpm - fmp + fmm)  # (D, C)
        row[e] = 0.5 * (f[0] - f0)
        out[:, r, :] = row.T
    return np.einsum("crd,pd->crp", out, smap)


def mixed_circuit() -> tuple[QuantumCircuit, list[SparsePauliOp]]:
    """Every gate kind the compiler supports, with scaled, shifted and shared angles."""
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
    qc.append(iSwapGate(), [1, 2])
    qc.rz(p[5], 1)
    qc.ry(p[1], 2)
    qc.append(U1Gate(0.5 * p[3] - 0.2), [0])
    qc.append(UGate(0.3, -0.4, 1.1), [0])
    qc.rx(2 * p[1] + 0.3, 0)
    qc.cz(0, 1)
    qc.cz(0, 2)
    qc.p(-1.5 * p[4] + 1.0, 1)
    obs = [
        SparsePauliOp(["XYZ", "IIZ", "III"], [0.5, -1.0, 0.3]),
        SparsePauliOp("YXI"),
        SparsePauliOp(["ZZZ", "XIX"], [1.0, -0.7]),
    ]
    return qc, obs


def random_circuit(num_qubits: int, num_gates: int, seed: int) -> QuantumCircuit:
    """Random circuit over the supported gates, three parameters, affine shared angles."""
    rng = np.random.default_rng(seed)
    t = ParameterVector("t", 3)
    qc = QuantumCircuit(num_qubits)
    for _ in range(num_gates):
        r = rng.random()
        q = int(rng.integers(num_qubits))
        if r < 0.5:
            gate = ["rx", "ry", "rz", "p"][rng.integers(4)]
            par = t[rng.integers(3)]
            angle = [par, 2 * par + 0.3, -0.5 * par][rng.integers(3)]
            getattr(qc, gate)(angle, q)
        elif r < 0.7 or num_qubits == 1:
            getattr(qc, ["h", "sx", "t", "y"][rng.integers(4)])(q)
        else:
            a, b = (int(v) for v in rng.choice(num_qubits, 2, replace=False))
            name = ["cx", "cz", "swap", "iswap"][rng.integers(4)]
            if name == "iswap":
                qc.append(iSwapGate(), [a, b])
            else:
                getattr(qc, name)(a, b)
    return qc


def random_observables(num_qubits: int, rng: np.random.Generator) -> list[SparsePauliOp]:
    labels = ["".join(rng.choice(list("IXYZ"), num_qubits)) for _ in range(3)]
    labels[0] = "Y" * num_qubits
    return [
        SparsePauliOp(labels[:2], rng.normal(size=2)),
        SparsePauliOp(["I" * num_qubits, labels[2]], rng.normal(size=2)),
    ]


def close(got: np.ndarray, ref: np.ndarray, rtol: float = 1e-10) -> None:
    """Equal to ``rtol`` relative to the reference's largest entry (and at least 1)."""
    np.testing.assert_allclose(got, ref, rtol=0, atol=rtol * max(1.0, np.abs(ref).max()))


def check_all(qc: QuantumCircuit, obs: list, values: np.ndarray, seed: int = 0) -> None:
    """vjp, jvp and hvp equal the dense parameter-shift Jacobian and Hessian."""
    rng = np.random.default_rng(seed)
    b, p = values.shape
    cot = rng.normal(size=(b, len(obs)))
    tan = rng.normal(size=(b, p))
    wgt = rng.normal(size=(b, len(obs)))
    jac = ps_jacobian(qc, obs, values)
    hess = ps_hessian(qc, obs, values)
    est = BatchedEstimator()
    close(est.vjp(qc, obs, values, cot), np.einsum("bc,bcp->bp", cot, jac))
    evs, jvps = est.jvp(qc, obs, values, tan)
    close(evs, _evaluate(qc, obs, values))
    close(jvps, np.einsum("bcp,bp->bc", jac, tan))
    hvp_ref = np.einsum("bc,bcpq,bq->bp", wgt, hess, tan)
    close(est.hvp(qc, obs, values, tan, wgt), hvp_ref)
    close(est.hvp(qc, obs, values, tan, wgt, cot), hvp_ref + np.einsum("bc,bcp->bp", cot, jac))


# --------------------------------------------------------------------------------------------
# agreement with the references
# --------------------------------------------------------------------------------------------


def test_every_gate_kind_matches_parameter_shift() -> None:
    qc, obs = mixed_circuit()
    values = np.random.default_rng(0).uniform(-3, 3, (7, qc.num_parameters))
    check_all(qc, obs, values)


def test_finite_differences_agree() -> None:
    """An independent check of the references: central differences of the forward."""
    qc, obs = mixed_circuit()
    rng = np.random.default_rng(1)
    values = rng.uniform(-3, 3, (3, qc.num_parameters))
    tan = rng.normal(size=values.shape)
    wgt = rng.normal(size=(3, len(obs)))
    est = BatchedEstimator()
    eps = 1e-5
    fd_jvp = (_evaluate(qc, obs, values + eps * tan) - _evaluate(qc, obs, values - eps * tan)) / (
        2 * eps
    )
    np.testing.assert_allclose(est.jvp(qc, obs, values, tan)[1], fd_jvp, atol=1e-8)
    fd_hvp = (
        est.vjp(qc, obs, values + eps * tan, wgt) - est.vjp(qc, obs, values - eps * tan, wgt)
    ) / (2 * eps)
    np.testing.assert_allclose(est.hvp(qc, obs, values, tan, wgt), fd_hvp, atol=1e-8)


@pytest.mark.parametrize("num_qubits", range(1, 12))
def test_random_circuits_match_parameter_shift(num_qubits: int) -> None:
    """Widths 1-11 (blocks of 64 lanes at every width; the forward changes kernel at 11)."""
    qc = random_circuit(num_qubits, min(6 * num_qubits + 4, 40), seed=num_qubits)
    rng = np.random.default_rng(num_qubits)
    obs = random_observables(num_qubits, rng)
    values = rng.uniform(-3, 3, (5 if num_qubits < 9 else 2, qc.num_parameters))
    check_all(qc, obs, values, seed=num_qubits)


def test_hessian_is_symmetric() -> None:
    qc, obs = mixed_circuit()
    rng = np.random.default_rng(3)
    value = np.repeat(rng.uniform(-3, 3, (1, qc.num_parameters)), 2, axis=0)
    u, v = rng.normal(size=(2, qc.num_parameters))
    wgt = np.repeat(rng.normal(size=(1, len(obs))), 2, axis=0)
    hu, hv = BatchedEstimator().hvp(qc, obs, value, np.stack([u, v]), wgt)
    assert abs(v @ hu - u @ hv) < 1e-12 * np.abs(hu).max()


def _patch_values(
    qc: QuantumCircuit, num_weights: int, samples: int, rows: int, rng: np.random.Generator
) -> np.ndarray:
    """A patch model's bindings: ``rows`` weight vectors, each with ``samples`` inputs
    (inputs are the first columns of the paper circuit)."""
    num_inputs = qc.num_parameters - num_weights
    w = rng.uniform(-np.pi, np.pi, (rows, num_weights))
    x = rng.uniform(0, np.pi / 4, (samples, num_inputs))
    return np.concatenate([np.tile(x, (rows, 1)), np.repeat(w, samples, axis=0)], axis=1)


def test_paper_circuit_five_qubits_matches_parameter_shift() -> None:
    """patch_circuit(5, 25, 2): shared weight rows (uniform lanes), tangents on the weights
    only (a loss direction) and on everything."""
    pc = patch_circuit(5, 25, 2)
    qc = pc.circuit
    obs = readout_observables(5, 4) + [SparsePauliOp(["XXIII", "IZIYI"], [0.4, -0.3])]
    rng = np.random.default_rng(4)
    values = _patch_values(qc, pc.num_weights, 2, 1, rng)
    jac = ps_jacobian(qc, obs, values)
    hess = ps_hessian(qc, obs, values)
    est = BatchedEstimator()
    cot = rng.normal(size=(2, len(obs)))
    wgt = rng.normal(size=(2, len(obs)))
    tan = rng.normal(size=values.shape)
    tan_w = tan.copy()
    tan_w[:, : pc.num_inputs] = 0.0
    tan_w[1] = tan_w[0]
    close(est.vjp(qc, obs, values, cot), np.einsum("bc,bcp->bp", cot, jac))
    for t in (tan, tan_w):
        close(est.jvp(qc, obs, values, t)[1], np.einsum("bcp,bp->bc", jac, t))
        ref = np.einsum("bc,bcpq,bq->bp", wgt, hess, t) + np.einsum("bc,bcp->bp", cot, jac)
        close(est.hvp(qc, obs, values, t, wgt, cot), ref)


def test_paper_circuit_eight_qubits_matches_parameter_shift() -> None:
    """patch_circuit(8, 64, 1) with the paper's readout: full vjp/jvp, Hessian rows for hvp."""
    pc = patch_circuit(8, 64, 1)
    qc = pc.circuit
    obs = readout_observables(8, 10)
    rng = np.random.default_rng(5)
    values = _patch_values(qc, pc.num_weights, 3, 1, rng)
    jac = ps_jacobian(qc, obs, values)
    est = BatchedEstimator()
    cot = rng.normal(size=(3, len(obs)))
    tan = rng.normal(size=values.shape)
    close(est.vjp(qc, obs, values, cot), np.einsum("bc,bcp->bp", cot, jac))
    close(est.jvp(qc, obs, values, tan)[1], np.einsum("bcp,bp->bc", jac, tan))
    wgt = rng.normal(size=(3, len(obs)))
    got = est.hvp(qc, obs, values, tan, wgt)
    rows = np.array([0, 63, 64, 100, 200, 239])  # inputs, block A, encoding, block C
    href = ps_hessian_rows(qc, obs, values[0], rows)  # (C, R, P)
    close(got[0, rows], np.einsum("c,crp,p->r", wgt[0], href, tan[0]))


def test_hvp_is_linear_in_weights_and_cotangent() -> None:
    qc, obs = mixed_circuit()
    rng = np.random.default_rng(6)
    values = rng.uniform(-3, 3, (5, qc.num_parameters))
    tan = rng.normal(size=values.shape)
    wgt, cot = rng.normal(size=(2, 5, len(obs)))
    est = BatchedEstimator()
    both = est.hvp(qc, obs, values, tan, wgt, cot)
    close(both, est.hvp(qc, obs, values, tan, wgt) + est.vjp(qc, obs, values, cot), 1e-13)
    close(est.hvp(qc, obs, values, np.zeros_like(tan), wgt, cot), est.vjp(qc, obs, values, cot))


# --------------------------------------------------------------------------------------------
# chunking, lanes, threads and reuse change nothing
# --------------------------------------------------------------------------------------------


def _all_three(est: BatchedEstimator, qc, obs, values, tan, wgt, cot) -> list[np.ndarray]:
    evs, jvps = est.jvp(qc, obs, values, tan)
    return [est.vjp(qc, obs, values, cot), evs, jvps, est.hvp(qc, obs, values, tan, wgt, cot)]


def test_chunks_lanes_and_threads_change_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bindings with repeated weight rows and shifted copies (uniform lanes, cached angles,
    resumed prefixes) give the same bits in blocks of any size, chunks of any size, on one
    or two threads, and one lane at a time."""
    pc = patch_circuit(4, 8, 2)
    qc = pc.circuit
    obs = readout_observables(4, 3) + [SparsePauliOp(["XYZI", "IIIZ"], [0.5, -1.0])]
    rng = np.random.default_rng(7)
    base = _patch_values(qc, pc.num_weights, 6, 3, rng)  # 18 bindings, 3 weight rows
    shifted = np.repeat(base[:2], 4, axis=0)
    shifted[1::4, pc.num_inputs + 3] += np.pi / 2  # parameter-shift-like rows
    values = np.concatenate([base, shifted, rng.uniform(-3, 3, (3, qc.num_parameters))])
    tan = np.repeat(rng.normal(size=(1, qc.num_parameters)), len(values), axis=0)
    tan[:, : pc.num_inputs] = 0.0
    tan[-2:] = rng.normal(size=(2, qc.num_parameters))
    wgt = rng.normal(size=(len(values), len(obs)))
    cot = rng.normal(size=(len(values), len(obs)))
    cot[:, 1] = 0.0  # a term with no weight in any lane is skipped
    ref = _all_three(BatchedEstimator(), qc, obs, values, tan, wgt, cot)
    close(ref[0], np.einsum("bc,bcp->bp", cot, ps_jacobian(qc, obs, values)))

    def same(est: BatchedEstimator) -> None:
        got = _all_three(est, qc, obs, values, tan, wgt, cot)
        for g, want in zip(got, ref, strict=True):
            np.testing.assert_array_equal(g, want)

    same(BatchedEstimator(chunk_size=1))
    same(BatchedEstimator(chunk_size=5, num_threads=1))
    same(BatchedEstimator(chunk_size=7, num_threads=2))
    for lanes in (1, 3, 5, 8, 64):
        monkeypatch.setattr(differentiation_module, "_derivative_lanes", lambda n, b, t, k=lanes: k)
        same(BatchedEstimator())


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def test_exact_estimator_and_shapes_are_required() -> None:
    qc, obs = mixed_circuit()
    v = np.zeros((2, qc.num_parameters))
    u = np.ones((2, len(obs)))
    noisy = BatchedEstimator(default_precision=0.1)
    with pytest.raises(ValueError, match="exact estimator"):
        noisy.vjp(qc, obs, v, u)
    with pytest.raises(ValueError, match="exact estimator"):
        noisy.jvp(qc, obs, v, v)
    with pytest.raises(ValueError, match="exact estimator"):
        noisy.hvp(qc, obs, v, v, u)
    est = BatchedEstimator()
    with pytest.raises(ValueError, match=r"values must have shape \(B, 6\)"):
        est.vjp(qc, obs, np.zeros((2, 5)), u)
    with pytest.raises(ValueError, match=r"cotangent must have shape \(2, 3\)"):
        est.vjp(qc, obs, v, u[:1])
    with pytest.raises(ValueError, match=r"tangents must have shape \(2, 6\)"):
        est.jvp(qc, obs, v, v[:, :5])
    with pytest.raises(ValueError, match=r"weights must have shape \(2, 3\)"):
        est.hvp(qc, obs, v, v, u.T)
    with pytest.raises(ValueError, match=r"cotangent must have shape \(2, 3\)"):
        est.hvp(qc, obs, v, v, u, u[:, :2])
    with pytest.raises(TypeError, match="tangents must be an array of real numbers"):
        est.jvp(qc, obs, v, [["a"] * 6] * 2)
    with pytest.raises(TypeError, match="values must be an array of real numbers"):
        est.vjp(qc, obs, np.full((2, 6), 1j), u)


def test_empty_batches_and_parameterless_circuits() -> None:
    qc, obs = mixed_circuit()
    est = BatchedEstimator()
    assert est.vjp(qc, obs, np.zeros((0, 6)), np.zeros((0, 3))).shape == (0, 6)
    fixed = QuantumCircuit(2)
    fixed.h(0)
    fixed.cx(0, 1)
    evs, jvps = est.jvp(fixed, ["ZZ", "XX"], np.zeros((2, 0)), np.zeros((2, 0)))
    np.testing.assert_allclose(evs, 1.0, atol=1e-15)
    np.testing.assert_array_equal(jvps, 0.0)
    assert est.hvp(fixed, ["ZZ"], np.zeros((3, 0)), np.zeros((3, 0)), np.ones((3, 1))).shape == (
        3,
        0,
    )


def test_compile_notice_speaks_only_while_a_first_call_is_slow(capsys):
    import time
    from types import SimpleNamespace

    from qiskit_patchqnn.simulator.ops import compile_notice

    with compile_notice(SimpleNamespace(signatures=[]), "a test kernel", after=0.05):
        time.sleep(0.3)  # a first call that compiles
    assert "compiling a test kernel (first use" in capsys.readouterr().err
    with compile_notice(SimpleNamespace(signatures=[]), "a test kernel", after=0.5):
        pass  # loaded from cache: quick, nothing said
    with compile_notice(SimpleNamespace(signatures=["f8(f8)"]), "a test kernel", after=0.0):
        time.sleep(0.1)  # compiled in this process already: never said
    time.sleep(0.6)
    assert capsys.readouterr().err == ""
