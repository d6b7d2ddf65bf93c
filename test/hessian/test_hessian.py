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

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.hessian import result as hessian_result
from qiskit_patchqnn.hessian.compute import count_evaluations
from qiskit_patchqnn.losses import log_softmax


def _small_model(bias=False, aggregation="mean"):
    # four 2x2 patches on 3x3 images, 2 qubits, 2 classes: 20 weights per patch
    return PatchQNN(
        PatchLayout.grid((3, 3), (2, 2), 4),
        1,
        num_qubits=2,
        num_classes=2,
        scale=5.0,
        input_bias=bias,
        aggregation=aggregation,
    )


def _losses(qnn, x, y, weight_rows):
    """Mean cross-entropy at many weight vectors, in one estimator job."""
    angles = np.stack([qnn.model.local_values(x, w) for w in weight_rows])  # (M, N, K, F+P)
    (outs,) = qnn.executor.run([qnn.model.plan.bind(angles)]).values
    logits = qnn.model.logits(outs)  # (M, N, C)
    return -log_softmax(logits)[:, np.arange(len(y)), y].mean(axis=1)


def _fd_hessian(qnn, x, y, w, eps=1e-3):
    p = len(w)
    eye = np.eye(p) * eps
    rows = []
    for i in range(p):
        for j in range(i, p):
            rows += [
                w + eye[i] + eye[j],
                w + eye[i] - eye[j],
                w - eye[i] + eye[j],
                w - eye[i] - eye[j],
            ]
    vals = _losses(qnn, x, y, np.array(rows)).reshape(-1, 4)
    h = np.zeros((p, p))
    h[np.triu_indices(p)] = (vals[:, 0] - vals[:, 1] - vals[:, 2] + vals[:, 3]) / (4 * eps**2)
    return h + np.triu(h, 1).T


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    return rng.uniform(size=(4, 9)), np.array([0, 1, 1, 0])


@pytest.mark.parametrize("bias", [False, True])
def test_dense_hessian_equals_finite_differences(bias, data):
    x, y = data
    qnn = _small_model(bias)
    rng = np.random.default_rng(3)
    w = qnn.initial_weights(rng)
    if bias:
        w[qnn.weight_slices[-1]] = 0.3 * rng.normal(size=9)
    h = loss_hessian(qnn, x, y, w, progress=False)
    dense = h.to_dense()
    fd = _fd_hessian(qnn, x, y, w)
    # central differences with eps=1e-3 carry O(eps^2) truncation error
    assert np.abs(dense - fd).max() <= 1e-6 * np.abs(fd).max() + 2e-6
    np.testing.assert_allclose(dense, dense.T, atol=1e-13)
    np.testing.assert_allclose(
        dense, h.to_dense("gauss_newton") + h.to_dense("residual"), atol=1e-12
    )
    assert h.num_evaluations == count_evaluations(qnn, len(x))
    d = qnn.weights_per_patch + (4 if bias else 0)  # the 2x2 inputs are shifted too
    assert h.num_evaluations == len(x) * 4 * (1 + 2 * d * d)


def test_residual_is_block_diagonal_without_bias(data):
    x, y = data
    qnn = _small_model()
    h = loss_hessian(qnn, x, y, qnn.initial_weights(1), progress=False)
    r = h.to_dense("residual")
    s = qnn.weight_slices
    for k in range(4):
        for l in range(4):  # noqa: E741
            if k != l:
                assert np.all(r[s[k], s[l]] == 0.0)
    assert np.abs(r[s[0], s[0]]).max() > 1e-3
    # the Gauss-Newton part does couple patches
    assert np.abs(h.to_dense("gauss_newton")[s[0], s[1]]).max() > 1e-6
    norms = h.block_norms()
    assert norms["frobenius"].shape == (4, 4)
    np.testing.assert_allclose(norms["frobenius"][0, 1], np.linalg.norm(h.to_dense()[s[0], s[1]]))
    np.testing.assert_allclose(norms["spectral"][2, 2], np.linalg.norm(h.to_dense()[s[2], s[2]], 2))
    np.testing.assert_allclose(h.patch_block(1, 3), h.to_dense()[s[1], s[3]], atol=1e-14)


def test_bias_couples_patches_exactly(data):
    x, y = data
    qnn = _small_model(bias=True)
    h = loss_hessian(qnn, x, y, qnn.initial_weights(2), progress=False)
    r = h.to_dense("residual")
    s = qnn.weight_slices
    assert np.all(r[s[0], s[1]] == 0.0)  # weights of different patches: still decoupled
    assert np.abs(r[s[0], s[4]]).max() > 1e-4  # patch weights couple to the shared bias
    assert len(h.block_norms()["frobenius"]) == 5


def test_spectral_tools_against_dense(data, monkeypatch):
    x, y = data
    qnn = _small_model()
    h = loss_hessian(qnn, x, y, qnn.initial_weights(4), progress=False)
    dense = h.to_dense()
    ref = np.linalg.eigvalsh(dense)
    np.testing.assert_allclose(h.eigenvalues(3, "LA"), ref[::-1][:3], atol=1e-10)
    np.testing.assert_allclose(h.eigenvalues(2, "SA"), ref[:2], atol=1e-10)
    mags = ref[np.argsort(-np.abs(ref))][:2]
    np.testing.assert_allclose(h.eigenvalues(2, "LM"), mags, atol=1e-10)
    # the sparse eigsh path on the LinearOperator gives the same numbers
    monkeypatch.setattr(hessian_result, "_DENSE_LIMIT", 10)
    np.testing.assert_allclose(h.eigenvalues(3, "LA"), ref[::-1][:3], atol=1e-8)
    vals, vecs = h.eigenvectors(2)
    np.testing.assert_allclose(dense @ vecs, vecs * vals, atol=1e-8)
    v = np.random.default_rng(0).normal(size=(h.num_weights, 3))
    np.testing.assert_allclose(h.to_linear_operator() @ v, dense @ v, atol=1e-12)
    np.testing.assert_allclose(
        h.matvec(v[:, 0], "residual"), h.to_dense("residual") @ v[:, 0], atol=1e-12
    )
    # traces: exact equals the dense trace; Hutchinson within 4 standard errors
    assert h.trace() == pytest.approx(np.trace(dense), abs=1e-10)
    est, err = h.trace(method="hutchinson", num_samples=400, seed=1)
    assert abs(est - np.trace(dense)) < 4 * err
    # SLQ: normalised density whose mean is trace / P and whose support covers the spectrum
    dens = h.density(num_runs=20, num_steps=40, seed=3)
    step = dens.grid[1] - dens.grid[0]
    assert dens.density.sum() * step == pytest.approx(1.0, abs=1e-3)
    mean = (dens.nodes * dens.weights).sum() / len(dens.nodes)
    assert mean == pytest.approx(np.trace(dense) / h.num_weights, abs=0.25 * np.abs(ref).max())
    assert dens.nodes.max() == pytest.approx(ref[-1], rel=1e-6)
    out = h.outliers()
    assert 1 <= out.count <= 2 * qnn.num_classes + 1
    assert out.values[0] == pytest.approx(ref[-1])


def test_chunking_does_not_change_the_result(data):
    x, y = data
    qnn = _small_model()
    w = qnn.initial_weights(6)
    a = loss_hessian(qnn, x, y, w, progress=False).to_dense()
    b = loss_hessian(qnn, x, y, w, batch_size=1, max_points=300, progress=False).to_dense()
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_bad_arguments(data):
    x, y = data
    qnn = _small_model()
    w = qnn.initial_weights(0)
    with pytest.raises(ValueError, match="y must have shape"):
        loss_hessian(qnn, x, y[:2], w, progress=False)
    with pytest.raises(ValueError, match="num_weights"):
        loss_hessian(qnn, x, y, w[:3], progress=False)
    h = loss_hessian(qnn, x, y, w, progress=False)
    with pytest.raises(ValueError, match="part"):
        h.to_dense("diagonal")
    with pytest.raises(ValueError, match="which"):
        h.eigenvalues(1, "XX")


def test_error_bars_by_repetition_on_a_shot_estimator(data):
    from qiskit_patchqnn.simulator import BatchedEstimator

    x, y = data
    exact = _small_model()
    noisy = PatchQNN(
        exact.layout,
        1,
        num_qubits=2,
        num_classes=2,
        scale=5.0,
        estimator=BatchedEstimator(default_precision=0.01, seed=np.random.default_rng(11)),
    )
    w = exact.initial_weights(2)
    ref = loss_hessian(exact, x, y, w, progress=False).eigenvalues(2)
    vals, stds = loss_hessian(noisy, x, y, w, repetitions=4, progress=False).eigenvalues(
        2, return_std=True
    )
    assert np.all(stds > 0)
    assert np.all(np.abs(vals - ref) < 6 * stds + 1e-9)
    _, exact_std = loss_hessian(exact, x, y, w, repetitions=2, progress=False).eigenvalues(
        2, return_std=True
    )
    np.testing.assert_allclose(exact_std, 0.0, atol=1e-10)


def test_theory_mean_aggregation_lowers_lambda_max():
    """lambda_max(G) falls roughly as 1/K with the mean, and grows with the sum."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(12, 36))
    y = np.arange(12) % 4
    lam = {}
    for agg in ("mean", "sum"):
        for k in (1, 4, 9):
            qnn = PatchQNN(
                PatchLayout.grid((6, 6), (3, 3), k), 1, num_classes=4, aggregation=agg, scale=2.0
            )
            h = loss_hessian(qnn, x, y, qnn.initial_weights(0), progress=False)
            lam[agg, k] = h.eigenvalues(1, part="gauss_newton")[0]
    assert lam["mean", 1] > lam["mean", 4] > lam["mean", 9]
    assert lam["sum", 9] > lam["sum", 1]


def test_dask_client_matches_in_process(data):
    from dask import distributed

    x, y = data
    qnn = _small_model()
    w = qnn.initial_weights(8)
    local = loss_hessian(qnn, x, y, w, batch_size=2, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = loss_hessian(qnn, x, y, w, batch_size=2, client=client, progress=False)
    np.testing.assert_allclose(remote.to_dense(), local.to_dense(), atol=1e-12)
    assert remote.num_evaluations == local.num_evaluations


def test_combine_hessian_rules_on_a_trigonometric_function():
    from qiskit_patchqnn.derivatives import combine_hessian, gradient_shifts, hessian_pairs

    def f(phi):  # degree one in every angle, like an expectation value; C = 1
        return (np.cos(phi[..., 0]) * np.sin(phi[..., 1]) * np.cos(phi[..., 2] + 0.4))[..., None]

    phi = np.array([0.3, -1.1, 0.8])
    grad_points = f(phi + gradient_shifts(3))
    i, j = hessian_pairs(3)
    h = np.pi / 2
    signs = np.array([[h, h], [h, -h], [-h, h], [-h, -h]])
    pair_points = np.zeros((len(i), 4, 1))
    for m, (a, b) in enumerate(zip(i, j, strict=True)):
        for s, (sa, sb) in enumerate(signs):
            p = phi.copy()
            p[a] += sa
            p[b] += sb
            pair_points[m, s] = f(p)
    hess = combine_hessian(f(phi), grad_points, pair_points, 3)[0]
    eps = 1e-4
    fd = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            ea, eb = np.eye(3)[a] * eps, np.eye(3)[b] * eps
            fd[a, b] = (f(phi + ea + eb) - f(phi + ea - eb) - f(phi - ea + eb) + f(phi - ea - eb))[
                0
            ] / (4 * eps**2)
    np.testing.assert_allclose(hess, fd, atol=1e-6)
