# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.landscape: PCA planes, directions, scans, periodicity.

The ``patchqnn landscape`` command is tested in ``test/cli``.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.landscape import (
    LandscapeScan,
    bias_indices,
    evaluate_points,
    hessian_directions,
    interpolate,
    pca_plane,
    periodic_difference,
    periodic_distance,
    periodic_mask,
    project_trajectory,
    random_directions,
    scan_line,
    scan_plane,
    wrap_angles,
)
from qiskit_patchqnn.losses import cross_entropy


@pytest.fixture(scope="module")
def qnn():
    return PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4)


@pytest.fixture(scope="module")
def bias_qnn():
    return PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4, input_bias=True)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return rng.uniform(size=(6, 16)), np.array([0, 1, 2, 3, 0, 1])


def _direct(qnn, x, y, w):
    logits = qnn.forward(x, w)
    return cross_entropy(logits, y), float(np.mean(np.argmax(logits, 1) == y))


def _trajectory(p, t=8, seed=0):
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(t, p)) * np.linspace(1.0, 0.1, p)
    return np.cumsum(steps, axis=0)


# ---------------------------------------------------------------- PCA plane
def test_pca_matches_sklearn():
    traj = _trajectory(30)
    losses = np.array([9, 7, 5, 3, 1, 2, 2.5, 4.0])
    plane = pca_plane(traj, losses)
    ref = PCA(n_components=2).fit(traj)
    np.testing.assert_allclose(plane.explained_variance_ratio, ref.explained_variance_ratio_)
    assert plane.origin_index == 4
    np.testing.assert_allclose(plane.coordinates[4], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.mean, traj.mean(axis=0))
    # coordinates are PC scores shifted to the origin; centre = its projection on the plane
    scores = ref.transform(traj)
    np.testing.assert_allclose(np.abs(plane.coordinates), np.abs(scores - scores[4]), atol=1e-10)
    np.testing.assert_allclose(plane.center, ref.mean_ + scores[4] @ ref.components_, atol=1e-10)
    np.testing.assert_allclose(plane.axis_scale, np.linalg.norm(plane.coordinates, axis=0))
    assert plane.residual == pytest.approx(np.linalg.norm(traj[4] - plane.center))
    # each snapshot is center + coords @ directions up to its off-plane residual
    recon = plane.center + plane.coordinates @ plane.directions
    np.testing.assert_allclose(ref.transform(recon), scores, atol=1e-10)


def test_pca_default_origin_is_last_and_exclude(bias_qnn):
    p = bias_qnn.num_weights
    traj = _trajectory(p, t=6, seed=3)
    excl = bias_indices(bias_qnn)
    assert len(excl) == 16 and excl[0] == bias_qnn.weight_slices[-1].start
    plane = pca_plane(traj, exclude=excl)
    keep = np.setdiff1d(np.arange(p), excl)
    ref = PCA(n_components=2).fit(traj[:, keep])
    np.testing.assert_allclose(plane.explained_variance_ratio, ref.explained_variance_ratio_)
    assert plane.origin_index == 5
    assert np.all(plane.directions[:, excl] == 0)
    np.testing.assert_array_equal(plane.center[excl], traj[-1, excl])
    # the same exclusion given as a slice list and as a mask
    same = pca_plane(traj, exclude=bias_qnn.weight_slices[4:])
    np.testing.assert_allclose(same.directions, plane.directions)
    mask = np.zeros(p, bool)
    mask[excl] = True
    np.testing.assert_allclose(pca_plane(traj, exclude=mask).center, plane.center)


def test_pca_errors():
    with pytest.raises(ValueError, match="T >= 3 snapshots"):
        pca_plane(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="losses must have shape"):
        pca_plane(np.zeros((4, 5)), losses=[1, 2])
    with pytest.raises(ValueError, match="NaN"):
        pca_plane(np.full((4, 5), np.nan))
    with pytest.raises(ValueError, match="exclude indices"):
        pca_plane(_trajectory(5), exclude=[9])


# ---------------------------------------------------------------- directions
def test_random_directions_patch_normalisation(bias_qnn):
    w = bias_qnn.initial_weights(seed=2)
    w[-16:] = 0.3
    d = random_directions(bias_qnn, seed=5, weights=w)
    assert d.shape == (2, bias_qnn.num_weights)
    for s in bias_qnn.weight_slices[:4]:
        np.testing.assert_allclose(np.linalg.norm(d[:, s], axis=1), np.linalg.norm(w[s]))
    assert np.all(d[:, bias_qnn.weight_slices[-1]] == 0)  # bias held fixed by default
    np.testing.assert_array_equal(d, random_directions(bias_qnn, seed=5, weights=w))
    assert not np.allclose(d, random_directions(bias_qnn, seed=6, weights=w))
    with_bias = random_directions(bias_qnn, seed=5, weights=w, include_bias=True)
    np.testing.assert_allclose(np.linalg.norm(with_bias[:, -16:], axis=1), np.linalg.norm(w[-16:]))
    g = random_directions(bias_qnn, seed=5, normalize="global", weights=w)
    np.testing.assert_allclose(np.linalg.norm(g, axis=1), np.linalg.norm(w[:-16]))
    no_w = random_directions(bias_qnn, seed=5)
    s0 = bias_qnn.weight_slices[0]
    np.testing.assert_allclose(np.linalg.norm(no_w[:, s0], axis=1), np.sqrt(s0.stop - s0.start))
    raw = random_directions(bias_qnn, seed=5, normalize=None)
    assert not np.allclose(np.linalg.norm(raw[:, s0], axis=1), np.linalg.norm(w[s0]))
    with pytest.raises(ValueError, match="normalize must be"):
        random_directions(bias_qnn, 0, normalize="filter")


class _StandInHessian:
    """Dense stand-in with the LossHessian.eigenvectors interface (ascending order on purpose)."""

    def __init__(self, m):
        self.m = m

    def eigenvectors(self, k, which="LA"):
        vals, vecs = np.linalg.eigh(self.m)
        return vals[-k:], vecs[:, -k:]


def test_hessian_directions_stand_in():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    lam = np.array([5.0, 3.0, 1.0, 0.5, 0.1, -0.2])
    h = _StandInHessian(q @ np.diag(lam) @ q.T)
    dirs, vals = hessian_directions(h, 2, return_values=True)
    np.testing.assert_allclose(vals, [5.0, 3.0])
    for i in range(2):
        assert abs(dirs[i] @ q[:, i]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k must be"):
        hessian_directions(h, 0)


def test_hessian_directions_real(qnn, data):
    from qiskit_patchqnn import hessian

    x, y = data
    w = qnn.initial_weights(seed=1)
    h = hessian.loss_hessian(qnn, x[:2], y[:2], w, progress=False)
    dirs = hessian_directions(h, 2)
    dense = h.to_dense()
    top = np.linalg.eigvalsh(dense)[::-1][:2]
    np.testing.assert_allclose([d @ dense @ d for d in dirs], top, rtol=1e-8, atol=1e-8)


def test_project_trajectory_recovers_plane_coordinates():
    traj = _trajectory(12)
    plane = pca_plane(traj)
    coords = project_trajectory(traj, plane.center, plane.directions)
    np.testing.assert_allclose(coords, plane.coordinates, atol=1e-10)


# ---------------------------------------------------------------- scans
def test_plane_origin_and_corner_equal_forward(qnn, data):
    x, y = data
    w = qnn.initial_weights(seed=0)
    dirs = random_directions(qnn, seed=1, weights=w) * 0.2
    scan = scan_plane(qnn, x, y, w, dirs, (-1.0, 0.5, -0.4, 0.8), (5, 4), progress=False)
    assert scan.losses.shape == (5, 4) and scan.accuracies.shape == (5, 4)
    # origin: a = 0 is axes[0][2]; build a grid containing (0, 0) too
    sym = scan_plane(qnn, x, y, w, dirs, 0.5, 3, progress=False)
    loss0, acc0 = _direct(qnn, x, y, w)
    assert sym.losses[1, 1] == pytest.approx(loss0, abs=1e-10)
    assert sym.accuracies[1, 1] == pytest.approx(acc0)
    for i, j in [(0, 0), (4, 3), (0, 3)]:
        wc = w + scan.axes[0][i] * dirs[0] + scan.axes[1][j] * dirs[1]
        np.testing.assert_allclose(scan.point(i, j), wc)
        loss, acc = _direct(qnn, x, y, wc)
        assert scan.losses[i, j] == pytest.approx(loss, abs=1e-10)
        assert scan.accuracies[i, j] == pytest.approx(acc)
    assert scan.num_evaluations == 5 * 4 * len(x) * qnn.num_patches
    assert scan.backend == "patchqnn_exact" and scan.kind == "plane"
    assert scan.provenance is not None and scan.provenance.spec == "exact"
    assert scan.extent == (-1.0, 0.5, -0.4, 0.8)


def test_scan_batched_equals_point_by_point_and_deterministic(qnn, data):
    x, y = data
    w = qnn.initial_weights(seed=4)
    dirs = random_directions(qnn, seed=2, weights=w)
    jobs0 = qnn.executor.log.jobs
    batched = scan_plane(qnn, x, y, w, dirs, 0.3, 4, progress=False)
    assert qnn.executor.log.jobs - jobs0 == 1 == batched.num_jobs  # all 16 grid points in one job
    again = scan_plane(qnn, x, y, w, dirs, 0.3, 4, progress=False)
    np.testing.assert_array_equal(batched.losses, again.losses)
    single = scan_plane(qnn, x, y, w, dirs, 0.3, 4, progress=False, chunk_points=1)
    assert single.num_jobs == 16
    np.testing.assert_allclose(single.losses, batched.losses, atol=1e-12)
    chunked = scan_plane(qnn, x, y, w, dirs, 0.3, 4, progress=False, chunk_points=5)
    assert chunked.num_jobs == 4
    np.testing.assert_allclose(chunked.losses, batched.losses, atol=1e-12)
    loop = np.array(
        [[_direct(qnn, x, y, batched.point(i, j))[0] for j in range(4)] for i in range(4)]
    )
    np.testing.assert_allclose(batched.losses, loop, atol=1e-10)


def test_progress_bar_over_chunks(qnn, data, capsys):
    x, y = data
    w = qnn.initial_weights(seed=0)
    pts = w[None] + np.linspace(0, 1, 3)[:, None]
    loss, _ = evaluate_points(qnn, x, y, pts, progress=True, chunk_points=2, desc="scanbar")
    assert "scanbar" in capsys.readouterr().err
    np.testing.assert_allclose(loss, evaluate_points(qnn, x, y, pts, progress=False)[0])


def test_evaluate_points_errors(qnn, data):
    x, y = data
    w = qnn.initial_weights(seed=0)
    with pytest.raises(ValueError, match="points must have shape"):
        evaluate_points(qnn, x, y, np.zeros((2, 3)), progress=False)
    with pytest.raises(ValueError, match="y must have shape"):
        evaluate_points(qnn, x, y[:2], w[None], progress=False)
    with pytest.raises(ValueError, match="integer labels"):
        evaluate_points(qnn, x, y + 10, w[None], progress=False)
    with pytest.raises(ValueError, match="chunk_points"):
        evaluate_points(qnn, x, y, w[None], progress=False, chunk_points=0)


def test_scan_plane_errors(qnn, data):
    x, y = data
    w = qnn.initial_weights(seed=0)
    d = np.ones((2, qnn.num_weights))
    with pytest.raises(ValueError, match="directions must have shape"):
        scan_plane(qnn, x, y, w, d[:1], 1.0, 3, progress=False)
    with pytest.raises(ValueError, match="non-zero"):
        scan_plane(qnn, x, y, w, 0 * d, 1.0, 3, progress=False)
    with pytest.raises(ValueError, match="resolution"):
        scan_plane(qnn, x, y, w, d, 1.0, 1, progress=False)
    with pytest.raises(ValueError, match="extent"):
        scan_plane(qnn, x, y, w, d, (1.0, 0.0, 0.0, 1.0), 3, progress=False)
    with pytest.raises(ValueError, match="weights must be a vector"):
        scan_plane(qnn, x, y, w[:-1], d, 1.0, 3, progress=False)


# ---------------------------------------------------------------- periodicity
def test_wrap_and_periodic_distance():
    np.testing.assert_allclose(
        wrap_angles(np.array([np.pi, -np.pi, 3 * np.pi, 2 * np.pi, -0.5, 7.0])),
        [np.pi, np.pi, np.pi, 0.0, -0.5, 7.0 - 2 * np.pi],
        atol=1e-12,
    )
    a = np.array([0.1, 0.1, 0.0])
    b = np.array([2 * np.pi - 0.1, 0.3, 5.0])
    np.testing.assert_allclose(periodic_difference(a, b, [True, True, False]), [-0.2, 0.2, 5.0])
    assert periodic_distance(a, b, [True, True, False]) == pytest.approx(np.sqrt(0.08 + 25))
    assert periodic_distance(a, b, False) == pytest.approx(np.linalg.norm(b - a))
    assert periodic_distance(a, a + 4 * np.pi) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="periodic mask"):
        periodic_difference(a, b, [True])


def test_interpolation_wraps_angles_not_bias(bias_qnn):
    mask = periodic_mask(bias_qnn)
    assert mask.sum() == 4 * bias_qnn.weights_per_patch and not mask[-16:].any()
    start = np.full(bias_qnn.num_weights, 0.1)
    end = np.full(bias_qnn.num_weights, 2 * np.pi - 0.1)
    pts = interpolate(start, end, [0.0, 0.5, 1.0], periodic=bias_qnn)
    np.testing.assert_allclose(pts[1, mask], 0.0, atol=1e-12)  # short way through 0
    np.testing.assert_allclose(pts[2, mask], -0.1, atol=1e-12)  # end modulo 2π
    np.testing.assert_allclose(pts[1, ~mask], np.pi)  # bias: straight line
    np.testing.assert_allclose(pts[2, ~mask], end[~mask])


def test_scan_line_periodic_endpoint_equals_end(bias_qnn, data):
    x, y = data
    a = bias_qnn.initial_weights(seed=0)
    b = bias_qnn.initial_weights(seed=1) + 2 * np.pi  # same model as seed 1, far away
    b[-16:] = 0.05
    wrapped = scan_line(bias_qnn, x, y, a, end=b, resolution=5, periodic=True, progress=False)
    straight = scan_line(bias_qnn, x, y, a, end=b, resolution=5, periodic=False, progress=False)
    loss_a, _ = _direct(bias_qnn, x, y, a)
    loss_b, _ = _direct(bias_qnn, x, y, b)
    for scan in (wrapped, straight):
        assert scan.losses[0] == pytest.approx(loss_a, abs=1e-10)
        assert scan.losses[-1] == pytest.approx(loss_b, abs=1e-9)
    # the wrapped path is shorter and differs in the middle
    assert np.linalg.norm(wrapped.directions) < np.linalg.norm(straight.directions)
    assert not np.allclose(wrapped.losses[1:-1], straight.losses[1:-1])
    assert wrapped.periodic and "shortest periodic path" in wrapped.periodicity_note
    assert "not wrapped" in straight.periodicity_note
    assert wrapped.info["num_periodic_weights"] == 4 * bias_qnn.weights_per_patch


def test_scan_line_direction_and_errors(qnn, data):
    x, y = data
    w = qnn.initial_weights(seed=0)
    d = random_directions(qnn, seed=0, weights=w)[0]
    scan = scan_line(qnn, x, y, w, direction=d, extent=0.5, resolution=5, progress=False)
    assert scan.method == "direction" and scan.axes[0].tolist() == [-0.5, -0.25, 0.0, 0.25, 0.5]
    assert scan.losses[2] == pytest.approx(_direct(qnn, x, y, w)[0], abs=1e-10)
    ext = scan_line(qnn, x, y, w, end=w + d, extent=0.5, resolution=5, progress=False)
    assert ext.extent == (-0.5, 1.5)
    with pytest.raises(ValueError, match="exactly one of end and direction"):
        scan_line(qnn, x, y, w, progress=False)
    with pytest.raises(ValueError, match="same point"):
        scan_line(qnn, x, y, w, end=w, progress=False)
    with pytest.raises(ValueError, match="periodic=True applies"):
        scan_line(qnn, x, y, w, direction=d, periodic=True, progress=False)


# ---------------------------------------------------------------- persistence
def test_save_load_round_trip(qnn, data, tmp_path):
    x, y = data
    w = qnn.initial_weights(seed=0)
    dirs = random_directions(qnn, seed=1, weights=w)
    scan = scan_plane(
        qnn,
        x,
        y,
        w,
        dirs,
        0.2,
        3,
        progress=False,
        labels=("a", "b"),
        method="random",
        axis_scale=(2.0, 3.0),
        info={"seed": 1},
    )
    path = scan.save(tmp_path / "sub" / "landscape.npz")
    assert path == tmp_path / "sub" / "landscape.json"
    assert (tmp_path / "sub" / "landscape.npz").stat().st_size > 0
    back = LandscapeScan.load(tmp_path / "sub" / "landscape")
    for name in ("losses", "accuracies", "origin", "directions"):
        np.testing.assert_array_equal(getattr(back, name), getattr(scan, name))
    for a, b in zip(back.axes, scan.axes, strict=True):
        np.testing.assert_array_equal(a, b)
    for name in (
        "kind",
        "extent",
        "labels",
        "method",
        "axis_scale",
        "num_samples",
        "backend",
        "num_evaluations",
        "num_jobs",
        "periodic",
        "info",
    ):
        assert getattr(back, name) == getattr(scan, name), name
    line = scan_line(qnn, x, y, w, end=w + dirs[0], resolution=3, periodic=True, progress=False)
    line.save(tmp_path / "line")
    assert LandscapeScan.load(tmp_path / "line.json").periodic
    with pytest.raises(FileNotFoundError):
        LandscapeScan.load(tmp_path / "missing")
