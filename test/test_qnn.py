# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from qiskit_patchqnn import PatchCircuit, PatchLayout, PatchQNN


def _fd_weights(qnn, x, w, idx, eps=1e-5):
    out = []
    for i in idx:
        e = np.zeros_like(w)
        e[i] = eps
        out.append((qnn.forward(x, w + e) - qnn.forward(x, w - e)) / (2 * eps))
    return np.stack(out, axis=-1)


def test_forward_equals_statevector_one_patch():
    layout = PatchLayout((3, 3), (3, 3), ((0, 0),))
    qnn = PatchQNN(layout, depth=1, num_classes=4, scale=7.0)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 9))
    w = qnn.initial_weights(3)
    logits = qnn.forward(x, w)
    pc = qnn.model.circuit
    for n in range(2):
        vals = {p: v * np.pi / 4 for p, v in zip(pc.input_params, x[n], strict=True)}
        vals.update(dict(zip(pc.weight_params, w, strict=True)))
        sv = Statevector(pc.circuit.assign_parameters(vals))
        expected = [7.0 * sv.expectation_value(o).real for o in qnn.model.observables]
        np.testing.assert_allclose(logits[n], expected, atol=1e-10)


def test_mean_and_sum_aggregation(tiny_qnn, tiny_data):
    x, _ = tiny_data
    w = tiny_qnn.initial_weights(0)
    outs = tiny_qnn.patch_outputs(x, w)
    np.testing.assert_allclose(tiny_qnn.forward(x, w), 100.0 * outs.mean(axis=1), atol=1e-10)
    qsum = PatchQNN(tiny_qnn.layout, 1, num_classes=4, aggregation="sum")
    np.testing.assert_allclose(qsum.forward(x, w), 100.0 * outs.sum(axis=1), atol=1e-10)


def test_patch_features_reach_their_circuit(tiny_qnn):
    w = tiny_qnn.initial_weights(0)
    x = np.zeros((1, 16))
    base = tiny_qnn.patch_outputs(x, w)
    x2 = x.copy()
    x2[0, 15] = 1.0  # pixel (3, 3) is only in the last patch
    changed = np.abs(tiny_qnn.patch_outputs(x2, w) - base).max(axis=-1)[0]
    assert changed[3] > 1e-3
    np.testing.assert_allclose(changed[:3], 0.0, atol=1e-14)


@pytest.mark.parametrize("bias", [False, True])
def test_gradients_match_finite_differences(bias, tiny_data):
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_classes=4,
        input_bias=bias,
        input_gradients=True,
    )
    x, _ = tiny_data
    rng = np.random.default_rng(7)
    w = qnn.initial_weights(1)
    if bias:
        w[-16:] = 0.2 * rng.normal(size=16)
    igrad, wgrad = qnn.backward(x, w)
    assert wgrad.shape == (6, 4, qnn.num_weights)
    assert igrad.shape == (6, 4, 16)
    idx = list(rng.choice(qnn.num_weights, 10, replace=False))
    if bias:
        idx += [qnn.num_weights - 1, qnn.num_weights - 11]
    fd = _fd_weights(qnn, x, w, idx)
    np.testing.assert_allclose(wgrad[:, :, idx], fd, atol=1e-6 * max(1, np.abs(fd).max()))
    for j in (0, 5, 15):
        e = np.zeros(16)
        e[j] = 1e-5
        fd_in = (qnn.forward(x + e, w) - qnn.forward(x - e, w)) / 2e-5
        np.testing.assert_allclose(igrad[:, :, j], fd_in, atol=1e-6 * max(1, np.abs(fd_in).max()))


def test_one_job_per_call(tiny_qnn, tiny_data):
    x, _ = tiny_data
    w = tiny_qnn.initial_weights(0)
    log = tiny_qnn.executor.log
    jobs, bindings = log.jobs, log.bindings
    tiny_qnn.backward(x, w)
    assert log.jobs == jobs + 1
    d = tiny_qnn.weights_per_patch
    # forward point + 2 shifts per weight, for every sample and patch
    assert log.bindings - bindings == 6 * 4 * (1 + 2 * d)
    tiny_qnn.forward(x, w)
    assert log.jobs == jobs + 2 and log.bindings - bindings == 6 * 4 * (2 + 2 * d)


def test_weight_slices_and_bias_slice():
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_classes=4, input_bias=True)
    sl = qnn.weight_slices
    assert len(sl) == 5
    assert sl[0] == slice(0, 30) and sl[3] == slice(90, 120) and sl[4] == slice(120, 136)
    w = qnn.initial_weights(0)
    assert np.all(w[sl[4]] == 0) and np.all((w[:120] >= 0) & (w[:120] < np.pi))


def test_bad_input_messages(tiny_qnn):
    w = tiny_qnn.initial_weights(0)
    with pytest.raises(ValueError, match="last dimension 16"):
        tiny_qnn.forward(np.zeros((2, 15)), w)
    with pytest.raises(ValueError, match="NaN"):
        tiny_qnn.forward(np.full((1, 16), np.nan), w)
    with pytest.raises(ValueError, match="num_weights=120"):
        tiny_qnn.forward(np.zeros((1, 16)), w[:-1])
    with pytest.raises(ValueError, match="NaN or infinite"):
        tiny_qnn.forward(np.zeros((1, 16)), np.full(120, np.inf))
    with pytest.raises(ValueError, match="aggregation"):
        PatchQNN(tiny_qnn.layout, 1, num_classes=4, aggregation="max")
    with pytest.raises(ValueError, match="readout qubits"):
        PatchQNN(tiny_qnn.layout, 1, num_qubits=2, num_classes=10)
    with pytest.raises(ValueError, match=r"input_range \[0, 1\], got \[255, 255\]"):
        tiny_qnn.forward(np.full((1, 16), 255.0), w)  # raw 8-bit pixels are not silently used
    with pytest.raises(ValueError, match="gradient must be"):
        PatchQNN(tiny_qnn.layout, 1, num_classes=4, gradient="finite_difference")


def test_input_range_rescales_only_when_asked(tiny_qnn, tiny_data):
    x, _ = tiny_data
    w = tiny_qnn.initial_weights(0)
    raw = PatchQNN(tiny_qnn.layout, 1, num_classes=4, input_range=(0, 255))
    np.testing.assert_allclose(raw.forward(255 * x, w), tiny_qnn.forward(x, w), atol=1e-12)
    again = PatchQNN.from_config(raw.to_config())
    assert again.model.input_range == (0.0, 255.0)


def _custom_circuit(shared: bool):
    x = ParameterVector("x", 4)
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    for q in range(2):
        qc.ry(x[2 * q], q)
        qc.rx(x[2 * q + 1], q)
    qc.rx(2 * t[0] + 0.3, 0)
    qc.cz(0, 1)
    qc.ry(t[1], 1)
    if shared:
        qc.rz(-0.5 * t[0], 1)  # the same weight again, scaled: needs the chain rule
    qc.cx(1, 0)
    qc.ry(t[1], 0)
    return PatchCircuit(qc, tuple(x), tuple(t))


def test_custom_circuit_with_repeated_scaled_parameters():
    pc = _custom_circuit(shared=True)
    obs = [SparsePauliOp("IZ"), SparsePauliOp("XI")]
    qnn = PatchQNN(PatchLayout.grid((3, 3), (2, 2), 4), circuit=pc, observables=obs, num_classes=2)
    assert qnn.model.plan.circuit is not pc.circuit  # each occurrence got its own angle
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(3, 9))
    w = rng.uniform(0, np.pi, qnn.num_weights)
    _, wgrad = qnn.backward(x, w)
    fd = _fd_weights(qnn, x, w, range(qnn.num_weights))
    np.testing.assert_allclose(wgrad, fd, atol=1e-6)


def test_gate_without_shift_rule_is_named():
    x = ParameterVector("x", 4)
    t = Parameter("theta")
    qc = QuantumCircuit(2)
    for q in range(2):
        qc.ry(x[2 * q], q)
        qc.rx(x[2 * q + 1], q)
    qc.crx(t, 0, 1)
    pc = PatchCircuit(qc, tuple(x), (t,))
    with pytest.raises(ValueError, match="'theta'.*'crx'"):
        PatchQNN(
            PatchLayout.grid((3, 3), (2, 2), 4),
            circuit=pc,
            observables=[SparsePauliOp("IZ"), SparsePauliOp("ZI")],
            num_classes=2,
        )


def test_patch_qnns_are_estimator_qnns_that_agree_with_the_batched_pass(tiny_qnn, tiny_data):
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    qnns = tiny_qnn.patch_qnns
    assert len(qnns) == 4 and all(isinstance(q, EstimatorQNN) for q in qnns)
    assert qnns[0].num_weights == tiny_qnn.weights_per_patch
    assert qnns[0].num_inputs == 9
    x, _ = tiny_data
    w = tiny_qnn.initial_weights(2)
    outs = tiny_qnn.patch_outputs(x, w)  # (N, K, C), one job for every patch
    angles = tiny_qnn.model.local_values(x, w)[..., :9]
    for k in (0, 3):
        mine = qnns[k].forward(angles[:, k], w[tiny_qnn.weight_slices[k]])
        np.testing.assert_allclose(mine, outs[:, k], atol=1e-12)


def test_config_round_trip(tiny_qnn):
    again = PatchQNN.from_config(tiny_qnn.to_config())
    assert again.num_weights == tiny_qnn.num_weights
    x = np.random.default_rng(0).uniform(size=(2, 16))
    w = tiny_qnn.initial_weights(0)
    np.testing.assert_allclose(again.forward(x, w), tiny_qnn.forward(x, w), atol=1e-12)
    with pytest.raises(ValueError, match="missing key 'depth'"):
        PatchQNN.from_config({k: v for k, v in tiny_qnn.to_config().items() if k != "depth"})


def test_patch_outputs_of_many_weight_vectors_equal_one_by_one(tiny_data) -> None:
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_classes=4, input_bias=True)
    x, _ = tiny_data
    ws = np.random.default_rng(2).uniform(-1, 1, (3, qnn.num_weights))
    many = qnn.patch_outputs(x, ws)
    assert many.shape == (3, 6, qnn.num_patches, 4)
    for g in range(3):
        np.testing.assert_allclose(many[g], qnn.patch_outputs(x, ws[g]), atol=1e-13)
    with pytest.raises(ValueError, match=r"shape \(G, 136\)"):
        qnn.patch_outputs(x, ws[:, :-1])


@pytest.mark.parametrize("gradient", ["adjoint", "parameter_shift"])
def test_vjp_equals_backward_contracted(gradient, tiny_data) -> None:
    qnn = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_classes=4,
        input_bias=True,
        input_gradients=True,
        gradient=gradient,
    )
    x, _ = tiny_data
    w = qnn.initial_weights(5)
    w[-16:] = np.random.default_rng(3).normal(scale=0.3, size=16)
    u = np.random.default_rng(4).normal(size=(6, 4))
    igrad, wgrad = qnn.backward(x, w)
    gw, gi = qnn.vjp(x, w, u)
    assert qnn.uses_adjoint == (gradient == "adjoint")
    np.testing.assert_allclose(gw, np.einsum("nc,ncw->w", u, wgrad), atol=1e-10)
    np.testing.assert_allclose(gi, np.einsum("nc,nci->ni", u, igrad), atol=1e-10)


def test_adjoint_is_refused_without_an_exact_simulator() -> None:
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, estimator="aer")
    assert not qnn.uses_adjoint
    strict = PatchQNN(
        PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, estimator="aer", gradient="adjoint"
    )
    with pytest.raises(ValueError, match="exact BatchedEstimator"):
        _ = strict.uses_adjoint
