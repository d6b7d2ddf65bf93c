# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The pure model: bindings, logits and the maps that carry derivatives (no estimator)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit

from qiskit_patchqnn import PatchCircuit, PatchLayout, PatchQNN
from qiskit_patchqnn.model import AnglePlan, PatchModel


def _shared_weight_circuit() -> PatchCircuit:
    """3 qubits, 9 inputs, 4 weights; weight 0 drives two gates with scales and offsets."""
    x = ParameterVector("input", 9)
    w = ParameterVector("weight", 4)
    qc = QuantumCircuit(3)
    qc.rx(2 * w[0], 0)
    qc.ry(w[0] - 0.3, 1)
    for i in range(9):
        qc.ry(x[i], i % 3)
        if i % 3 == 2:
            qc.cz(0, 1)
            qc.cz(1, 2)
    for q in range(3):
        qc.rx(w[1 + q], q)
    return PatchCircuit(qc, tuple(x), tuple(w))


def _model(input_bias: bool = False, shared: bool = False) -> PatchModel:
    return PatchModel(
        PatchLayout.grid((4, 4), (3, 3), 4),
        1,
        num_classes=4,
        input_bias=input_bias,
        circuit=_shared_weight_circuit() if shared else None,
    )


def test_local_values_of_many_weight_vectors_equal_one_by_one():
    model = _model(input_bias=True)
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(3, 16))
    many = rng.uniform(0, np.pi, (5, model.num_weights))
    stacked = np.stack([model.local_values(x, w) for w in many])
    np.testing.assert_array_equal(model.local_values(x, many), stacked)
    with pytest.raises(ValueError, match=r"shape \(G, 136\)"):
        model.local_values(x, many[:, :-1])


def test_local_values_hold_scaled_pixels_plus_bias_then_weights():
    model = _model(input_bias=True)
    x = np.random.default_rng(1).uniform(size=(2, 16))
    w = model.initial_weights(0)
    w[-16:] = np.arange(16) / 100
    vals = model.local_values(x, w)
    pix = model.pixels[2]
    np.testing.assert_allclose(vals[1, 2, :9], np.pi / 4 * x[1, pix] + w[-16:][pix])
    np.testing.assert_array_equal(vals[0, 2, 9:], w[model.weight_slices[2]])


@pytest.mark.parametrize("input_bias", [False, True])
@pytest.mark.parametrize("shared", [False, True])
def test_columns_equal_the_materialised_bindings(input_bias: bool, shared: bool) -> None:
    """The broadcast parts that forward and scans send equal the full binding array, patch-major,
    with a trainable input bias and with a weight shared by two scaled gates."""
    model = _model(input_bias, shared)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (5, 16))
    ws = rng.uniform(-1, 1, (3, model.num_weights))
    fv = model.columns(x, ws)
    assert fv.shape == (3, model.num_patches, 5)
    expected = np.swapaxes(model.plan.bind(model.local_values(x, ws)), 1, 2)  # (G, K, N, cols)
    np.testing.assert_array_equal(fv.materialize(), expected.reshape(-1, expected.shape[-1]))


def test_images_outside_the_input_range_are_refused():
    model = _model()
    with pytest.raises(ValueError, match=r"X pixel values must lie in input_range \[0, 1\]"):
        model.check_images(np.full((1, 16), 2.0), "X")
    with pytest.raises(ValueError, match=r"input_range .*8-bit"):
        model.check_images(np.full((2, 16), 255.0))
    with pytest.raises(ValueError, match="NaN"):
        model.check_images(np.full((1, 16), np.nan))
    with pytest.raises(ValueError, match=r"shape \(N, 16\)"):
        model.check_images(np.zeros((1, 15)))
    raw = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, input_range=(0, 255))
    np.testing.assert_allclose(raw.check_images(np.full((1, 16), 51.0)), 0.2)
    with pytest.raises(ValueError, match="input_range must be"):
        PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, input_range=(1, 1))
    assert model.check_images(np.zeros((0, 16))).shape == (0, 16)


def test_logits_aggregate_mean_or_sum():
    layout = PatchLayout.grid((4, 4), (3, 3), 4)
    out = np.random.default_rng(0).normal(size=(3, 4, 4))
    mean = PatchModel(layout, num_classes=4, scale=10.0)
    total = PatchModel(layout, num_classes=4, scale=10.0, aggregation="sum")
    np.testing.assert_allclose(mean.logits(out), 10.0 * out.mean(axis=1))
    np.testing.assert_allclose(total.logits(out), 10.0 * out.sum(axis=1))


@pytest.mark.parametrize("input_bias", [False, True])
@pytest.mark.parametrize("shared", [False, True])
def test_tangents_and_gradients_are_adjoint_maps(input_bias: bool, shared: bool):
    """``weight_gradient`` is the transpose of ``local_tangents`` (summed over samples), and
    ``plan.pull_back`` the transpose of ``plan.push_forward``: <g, T v> = <T^T g, v>."""
    model = _model(input_bias, shared)
    rng = np.random.default_rng(5)
    v = rng.normal(size=model.num_weights)
    g = rng.normal(size=(3, model.num_patches, model.num_features + model.weights_per_patch))
    lhs = np.einsum("nkp,kp->", g, model.local_tangents(v))
    np.testing.assert_allclose(lhs, model.weight_gradient(g) @ v, rtol=1e-12)
    plan = model.plan
    dv = rng.normal(size=(7, len(plan.params)))
    gc = rng.normal(size=(7, plan.num_columns))
    lhs = np.einsum("bc,bc->", gc, plan.push_forward(dv))
    np.testing.assert_allclose(lhs, np.einsum("bp,bp->", plan.pull_back(gc), dv), rtol=1e-12)


def test_push_forward_is_the_derivative_of_bind():
    model = _model(input_bias=True, shared=True)
    plan = model.plan
    rng = np.random.default_rng(6)
    v = rng.normal(size=(2, len(plan.params)))
    t = rng.normal(size=(2, len(plan.params)))
    fd = (plan.bind(v + 1e-3 * t) - plan.bind(v - 1e-3 * t)) / 2e-3
    np.testing.assert_allclose(plan.push_forward(t), fd, atol=1e-10)


def test_local_tangents_move_the_local_values_along_the_weight_direction():
    model = _model(input_bias=True)
    rng = np.random.default_rng(7)
    x = rng.uniform(size=(4, 16))
    w, v = rng.normal(size=(2, model.num_weights))
    diff = model.local_values(x, w + v) - model.local_values(x, w)
    np.testing.assert_allclose(diff, np.broadcast_to(model.local_tangents(v), diff.shape))


def test_input_gradient_matches_finite_differences():
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_classes=4, input_gradients=True)
    rng = np.random.default_rng(8)
    x = rng.uniform(0.1, 0.9, size=(2, 16))
    w = qnn.initial_weights(1)
    u = rng.normal(size=(2, 4))
    _, gi = qnn.vjp(x, w, u)
    for j in (0, 6, 15):
        e = np.zeros(16)
        e[j] = 1e-5
        fd = ((qnn.forward(x + e, w) - qnn.forward(x - e, w)) / 2e-5 * u).sum(axis=1)
        np.testing.assert_allclose(gi[:, j], fd, atol=1e-6 * max(1.0, np.abs(fd).max()))


def test_periodic_weights_need_integer_angle_factors():
    t = ParameterVector("weight", 2)
    x = ParameterVector("input", 4)
    qc = QuantumCircuit(2)
    for q in range(2):
        qc.ry(x[2 * q], q)
        qc.rx(x[2 * q + 1], q)
    qc.rx(2 * t[0], 0)
    qc.ry(0.5 * t[1], 1)
    model = PatchModel(
        PatchLayout.grid((3, 3), (2, 2), 1),
        circuit=PatchCircuit(qc, tuple(x), tuple(t)),
        num_classes=2,
    )
    assert model.periodic_weights().tolist() == [True, False]


def test_angle_plan_errors_name_the_parameter():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a * b, 0)
    with pytest.raises(ValueError, match="'a'.*shares the angle"):
        AnglePlan.build(qc, (a, b), (a,))
    with pytest.raises(ValueError, match="missing"):
        AnglePlan.build(qc, (a,), (a,))


def test_config_round_trip_and_custom_circuit_refusal():
    model = _model(input_bias=True)
    again = PatchModel.from_config(model.to_config())
    assert again.num_weights == model.num_weights and again.input_bias
    bad = dict(model.to_config(), num_weights=7)
    with pytest.raises(ValueError, match="custom circuit"):
        PatchModel.from_config(bad)
