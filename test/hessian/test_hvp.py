# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Matrix-free Hessian-vector products against the dense parameter-shift Hessian."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.circuit.library import U1Gate, iSwapGate
from qiskit.quantum_info import SparsePauliOp

from qiskit_patchqnn import PatchCircuit, PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import MatrixFreeHessian, loss_hessian


def _every_gate_circuit() -> PatchCircuit:
    """3 qubits, 4 inputs, 6 weights: rx, ry, rz, p, u1 (scaled, shifted, shared), fixed
    one-qubit gates, cz, cx, swap and a fixed two-qubit gate."""
    x = ParameterVector("input", 4)
    t = ParameterVector("weight", 6)
    qc = QuantumCircuit(3)
    qc.h(1)
    qc.rx(2 * t[0] + 0.3, 0)
    qc.ry(x[0], 1)
    qc.rz(x[1], 2)
    qc.cz(0, 1)
    qc.ry(t[1], 2)
    qc.p(-0.5 * t[2], 1)
    qc.rx(x[2], 0)
    qc.cx(2, 0)
    qc.append(U1Gate(t[3] - 0.2), [2])
    qc.append(iSwapGate(), [0, 2])
    qc.ry(x[3], 1)
    qc.s(0)
    qc.rz(t[0], 1)  # weight 0 again
    qc.swap(1, 2)
    qc.rx(t[4], 2)
    qc.ry(t[5], 0)
    qc.rz(3 * x[0], 0)  # input 0 again, scaled (reaches the bias through the chain rule)
    return PatchCircuit(qc, tuple(x), tuple(t))


OBS3 = [
    SparsePauliOp("IIZ"),
    SparsePauliOp(["XYI", "ZIZ"], [0.5, -1.0]),
    SparsePauliOp(["III", "YXX"], [0.2, 0.7]),
]


def _models():
    layout = PatchLayout.grid((4, 4), (2, 2), 4)
    return {
        "paper-circuit": lambda bias, agg: PatchQNN(
            PatchLayout.grid((4, 4), (3, 3), 4),
            1,
            num_qubits=2,
            num_classes=4,
            scale=5.0,
            input_bias=bias,
            aggregation=agg,
        ),
        "every-gate": lambda bias, agg: PatchQNN(
            layout,
            circuit=_every_gate_circuit(),
            observables=OBS3,
            num_classes=3,
            scale=4.0,
            input_bias=bias,
            aggregation=agg,
        ),
    }


def _point(qnn, seed):
    rng = np.random.default_rng(seed)
    w = qnn.initial_weights(seed)
    if qnn.model.input_bias:
        w[-qnn.num_inputs :] = rng.normal(scale=0.3, size=qnn.num_inputs)
    x = rng.uniform(size=(5, qnn.num_inputs))
    y = rng.integers(0, qnn.num_classes, 5)
    return x, y, w


@pytest.mark.parametrize("name", ["paper-circuit", "every-gate"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("agg", ["mean", "sum"])
def test_hvp_equals_dense_parameter_shift_hessian(name, bias, agg):
    qnn = _models()[name](bias, agg)
    x, y, w = _point(qnn, 3)
    dense = loss_hessian(qnn, x, y, w, progress=False)
    op = loss_hessian(qnn, x, y, w, method="hvp", max_bindings=7)  # uneven chunks
    assert isinstance(op, MatrixFreeHessian)
    rng = np.random.default_rng(4)
    v = rng.normal(size=(qnn.num_weights, 3))
    for part in ("full", "gauss_newton", "residual"):
        ref = dense.to_dense(part) @ v
        got = op.matvec(v, part)
        scale = np.abs(ref).max()
        assert scale > 1e-3
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(op.matvec(v[:, 0]), dense.to_dense() @ v[:, 0], atol=1e-9)
    assert op.num_matvecs == 10


def test_spectral_toolkit_on_the_operator():
    qnn = _models()["paper-circuit"](True, "mean")
    x, y, w = _point(qnn, 5)
    dense = loss_hessian(qnn, x, y, w, progress=False)
    op = loss_hessian(qnn, x, y, w, method="hvp")
    exact = np.linalg.eigvalsh(dense.to_dense())[::-1]
    np.testing.assert_allclose(op.eigenvalues(3), exact[:3], rtol=1e-8)
    np.testing.assert_allclose(op.eigenvalues(1, "SA"), exact[-1:], rtol=1e-6, atol=1e-9)
    power = op.power_iteration(tol=1e-10, max_iterations=500)
    top = exact[np.argmax(np.abs(exact))]
    assert power.converged and power.value == pytest.approx(top, rel=1e-4)
    est, se = op.trace(num_samples=40, seed=1)
    assert abs(est - np.trace(dense.to_dense())) < 4 * se
    norms = op.block_norms(num_probes=30, seed=2)
    ref = dense.block_norms()["frobenius"]
    assert np.all(np.abs(norms["frobenius"] - ref) < 4 * norms["frobenius_std"] + 1e-9)
    assert op.outliers().count >= 1
    summary = op.summary(top_k=2, trace_probes=4)
    assert summary["lambda_max"] == pytest.approx(exact[0], rel=1e-6)
    assert summary["num_sweeps"] == op.num_sweeps and "trace_std" in summary


def test_hvp_is_refused_off_the_exact_simulator():
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, estimator="aer")
    x = np.random.default_rng(0).uniform(size=(2, 16))
    with pytest.raises(ValueError, match="method='hvp' needs exact simulation.*parameter_shift"):
        loss_hessian(qnn, x, [0, 1], qnn.initial_weights(0), method="hvp")
    exact = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
    with pytest.raises(ValueError, match="no images"):
        loss_hessian(exact, np.zeros((0, 16)), [], exact.initial_weights(0), method="hvp")
    with pytest.raises(ValueError, match="method must be"):
        loss_hessian(exact, x, [0, 1], exact.initial_weights(0), method="finite_difference")
    op = loss_hessian(exact, x, [0, 1], exact.initial_weights(0), method="hvp")
    with pytest.raises(ValueError, match="v must have shape"):
        op.matvec(np.zeros(3))


def test_dask_products_equal_in_process():
    from dask import distributed

    qnn = _models()["paper-circuit"](False, "mean")
    x, y, w = _point(qnn, 7)
    v = np.random.default_rng(8).normal(size=qnn.num_weights)
    local = loss_hessian(qnn, x, y, w, method="hvp", max_bindings=8).matvec(v)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = loss_hessian(qnn, x, y, w, method="hvp", max_bindings=8, client=client)
        np.testing.assert_allclose(remote.matvec(v), local, rtol=1e-12, atol=1e-12)


def test_one_lanczos_run_gives_the_dense_top_eigenvalues() -> None:
    from qiskit_patchqnn.hessian.spectrum import lanczos_spectrum, merge_densities, slq_density

    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_qubits=2, num_classes=4)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(size=(10, 16)), np.arange(10) % 4
    w = qnn.initial_weights(4)
    dense = np.linalg.eigvalsh(loss_hessian(qnn, x, y, w).to_dense())[::-1]
    op = loss_hessian(qnn, x, y, w, method="hvp")
    run = lanczos_spectrum(op.matvec, op.num_weights, 4, tol=1e-9, max_steps=op.num_weights)
    assert run.converged == 4 and run.steps <= op.num_weights
    np.testing.assert_allclose(run.eigenvalues, dense[:4], rtol=1e-8)
    assert np.all(run.errors <= 1e-9 * abs(dense[0]))
    # the quadrature weights of one unit start vector sum to one
    assert run.density.weights.sum() == pytest.approx(1.0)
    both = merge_densities(
        [run.density, slq_density(op.matvec, op.num_weights, num_runs=2, num_steps=5)]
    )
    assert both.nodes.shape[0] == 3 and both.weights.sum() == pytest.approx(3.0)
