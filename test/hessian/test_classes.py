# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The between/within-class split of the Gauss-Newton part against dense matrices."""

from __future__ import annotations

import numpy as np
import pytest

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import ClassStructure, class_structure, loss_hessian


def _dense_split(jac: np.ndarray, probs: np.ndarray, labels: np.ndarray):
    """G, G_between and G_within built sample by sample from the logit Jacobians."""
    n, c, p = jac.shape
    g = np.zeros((p, p))
    between = np.zeros((p, p))
    for y in range(c):
        members = np.flatnonzero(labels == y)
        for cls in range(c):
            grads = [jac[i].T @ (np.eye(c)[cls] - probs[i]) for i in members]
            weights = probs[members, cls]
            if not len(members) or weights.sum() == 0:
                continue
            mean = sum(w * gi for w, gi in zip(weights, grads, strict=True)) / weights.sum()
            between += weights.sum() / n * np.outer(mean, mean)
            for w, gi in zip(weights, grads, strict=True):
                g += w * np.outer(gi, gi) / n
    return g, between, g - between


@pytest.mark.parametrize("num_classes", [2, 4])
def test_class_structure_matches_the_dense_decomposition(num_classes: int) -> None:
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_qubits=2, num_classes=num_classes)
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(12, 16))
    y = np.arange(12) % num_classes
    w = qnn.initial_weights(2)
    dense = loss_hessian(qnn, x, y, w)  # parameter shift: the independent reference
    g, between, within = _dense_split(dense.jacobian, dense.probs, y)
    # the sample-by-sample sum is the Gauss-Newton part of the parameter-shift Hessian
    np.testing.assert_allclose(g, dense.to_dense("gauss_newton"), atol=1e-9)
    assert np.linalg.eigvalsh(within)[0] > -1e-9  # a weighted covariance: PSD

    cs = class_structure(loss_hessian(qnn, x, y, w, method="hvp"), tol=1e-10, max_steps=200)
    assert cs.num_classes == num_classes and cs.vjp_passes == num_classes
    assert cs.bulk_edge == pytest.approx(np.linalg.eigvalsh(within)[-1], rel=1e-7)
    ref = np.sort(np.linalg.eigvalsh(between))[::-1][: len(cs.between)]
    np.testing.assert_allclose(cs.between, ref, rtol=1e-7, atol=1e-9)
    assert len(cs.between) <= num_classes**2
    assert cs.gn_products > 0


def test_outlier_count_is_eigenvalues_above_the_bulk_edge() -> None:
    cs = ClassStructure(2.0, 0.0, np.array([9.0, 5.0]), 2, 10, 2)
    assert cs.count(np.array([11.0, 6.0, 2.0, 1.9])) == 2
    assert cs.count(np.array([1.0])) == 0
