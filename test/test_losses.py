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

from qiskit_patchqnn import SoftmaxCrossEntropyLoss
from qiskit_patchqnn.losses import cross_entropy, log_softmax, one_hot, softmax


def test_loss_value_against_direct_formula():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4)) * 30  # large logits, as with scale 100
    y = np.array([0, 3, 1, 1, 2])
    loss = SoftmaxCrossEntropyLoss()(z, one_hot(y, 4))
    expected = [-(z[n, y[n]] - np.log(np.exp(z[n]).sum())) for n in range(5)]
    np.testing.assert_allclose(loss, expected, rtol=1e-9, atol=1e-12)
    assert cross_entropy(z, y) == pytest.approx(np.mean(expected), rel=1e-9)


def test_loss_gradient_against_finite_differences():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 5)) * 3
    y = one_hot(np.array([4, 0, 2]), 5)
    loss = SoftmaxCrossEntropyLoss()
    grad = loss.gradient(z, y)
    eps = 1e-6
    fd = np.zeros_like(z)
    for n in range(3):
        for c in range(5):
            e = np.zeros_like(z)
            e[n, c] = eps
            fd[n, c] = (loss.evaluate(z + e, y)[n] - loss.evaluate(z - e, y)[n]) / (2 * eps)
    np.testing.assert_allclose(grad, fd, atol=1e-8)


def test_softmax_is_stable_and_normalised():
    z = np.array([[1000.0, 1000.0, -1000.0]])
    p = softmax(z)
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0]], atol=1e-12)
    np.testing.assert_allclose(log_softmax(z), [[-np.log(2), -np.log(2), -2000 - np.log(2)]])


def test_qiskit_ml_cross_entropy_differs_on_logits():
    """The reason this loss exists: Qiskit ML's CrossEntropyLoss is not a logit loss."""
    from qiskit_machine_learning.utils.loss_functions import CrossEntropyLoss

    z = np.array([[2.0, -1.0, 0.5]])
    y = one_hot(np.array([0]), 3)
    ours = SoftmaxCrossEntropyLoss()(z, y)[0]
    theirs = np.asarray(CrossEntropyLoss()(z, y)).ravel()[0]
    assert ours == pytest.approx(-np.log(np.exp(2) / np.exp(z).sum()), rel=1e-12)
    assert abs(ours - theirs) > 0.1


def test_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        SoftmaxCrossEntropyLoss()(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="labels must lie"):
        one_hot(np.array([0, 3]), 3)
