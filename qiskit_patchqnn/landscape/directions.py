# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Directions for loss-landscape scans: trajectory PCA, random per-patch, Hessian eigenvectors.

The paper's plane (Kawase, following Li et al. 2018): fit ``PCA(n_components=2)`` to the
weight snapshots (centred at their mean), map grid point :math:`(a, b)` to

.. math::

    w(a, b) = \bar w + (a + o_1)\, u_1 + (b + o_2)\, u_2,

where :math:`o` are the PC coordinates of the lowest-loss snapshot (the origin of the plot),
and divide each plot axis by the L2 norm of the trajectory's coordinates on that axis. Weights
excluded from the PCA (the positional bias) stay at their value in the lowest-loss snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "TrajectoryPlane",
    "bias_indices",
    "hessian_directions",
    "pca_plane",
    "project_trajectory",
    "random_directions",
]


@dataclass(frozen=True, eq=False)
class TrajectoryPlane:
    """The PCA plane of a training trajectory.

    Attributes:
        center: weights at the plane's origin ``(P,)``: the lowest-loss snapshot projected onto
            the plane through the trajectory mean (excluded weights keep the snapshot's value).
        directions: unit principal axes ``(2, P)`` (zero on excluded weights).
        explained_variance_ratio: PCA explained-variance ratios of PC1 and PC2.
        coordinates: trajectory coordinates ``(T, 2)`` relative to the origin (raw, radians).
        origin_index: trajectory row of the origin (lowest loss; default the last row).
        axis_scale: per-axis normalisation for plots: the L2 norm of ``coordinates[:, i]``.
        mean: the trajectory mean ``(P,)`` (the PCA centre).
        excluded: weight indices left out of the PCA.
        residual: distance between the origin snapshot and ``center`` (its distance from the
            plane; the scan's origin is ``center``, not the snapshot itself).
    """

    center: np.ndarray
    directions: np.ndarray
    explained_variance_ratio: np.ndarray
    coordinates: np.ndarray
    origin_index: int
    axis_scale: np.ndarray
    mean: np.ndarray
    excluded: np.ndarray
    residual: float

    def extent(self, margin: float = 5.0) -> tuple[float, float, float, float]:
        """The paper's grid box: the trajectory's coordinate range plus ``margin`` on each side.

        Example:
            >>> plane = pca_plane(np.array([[0.0, 0.0], [1.0, 0.1], [2.0, 0.0]]))
            >>> [round(v, 3) for v in plane.extent(1.0)][:2]  # PC1: origin at the last row
            [-3.0, 1.0]
        """
        lo = self.coordinates.min(axis=0) - margin
        hi = self.coordinates.max(axis=0) + margin
        return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def bias_indices(qnn: Any) -> np.ndarray:
    """Indices of the positional-bias weights (empty without ``input_bias``).

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, input_bias=True)
        >>> len(bias_indices(qnn))
        16
    """
    slices = list(qnn.weight_slices)
    k = int(qnn.num_patches)
    if len(slices) <= k:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(s.start, s.stop) for s in slices[k:]]).astype(np.int64)


def _indices(exclude: Any, size: int) -> np.ndarray:
    """Indices from ``None``, a slice, a boolean mask, ints, or a list of slices/ints."""
    if exclude is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(exclude, slice):
        return np.arange(size)[exclude]
    if isinstance(exclude, (list, tuple)) and any(isinstance(e, slice) for e in exclude):
        return np.unique(np.concatenate([_indices(e, size) for e in exclude]))
    arr = np.asarray(exclude)
    if arr.dtype == bool:
        if arr.shape != (size,):
            raise ValueError(f"exclude mask must have shape ({size},), got {arr.shape}")
        return np.flatnonzero(arr)
    arr = np.atleast_1d(arr).astype(np.int64)
    if arr.size and (arr.min() < -size or arr.max() >= size):
        raise ValueError(f"exclude indices must lie in [0, {size}), got {arr.min()}..{arr.max()}")
    return np.unique(np.mod(arr, size))


def pca_plane(
    trajectory: np.ndarray,
    losses: np.ndarray | None = None,
    exclude: Any = None,
) -> TrajectoryPlane:
    """The paper's PCA plane of a weight trajectory.

    Args:
        trajectory: weight snapshots ``(T, P)`` (row 0 = initial weights), ``T >= 3``.
        losses: one loss per snapshot; the origin is the lowest. Default: the last snapshot.
        exclude: weights left out of the PCA and held at the origin snapshot's value: indices,
            a boolean mask, a slice or a list of slices (e.g. ``qnn.weight_slices[K:]`` or
            :func:`bias_indices`).

    Returns:
        A :class:`TrajectoryPlane`.

    Raises:
        ValueError: bad shapes, non-finite values, or fewer than 3 snapshots.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> traj = np.cumsum(rng.normal(size=(6, 10)), axis=0)
        >>> plane = pca_plane(traj, losses=[5, 4, 3, 1, 2, 2.5])
        >>> plane.origin_index, plane.directions.shape, plane.coordinates[3].round(12).tolist()
        (3, (2, 10), [0.0, 0.0])
    """
    from sklearn.decomposition import PCA

    traj = np.asarray(trajectory, dtype=float)
    if traj.ndim != 2 or traj.shape[0] < 3:
        raise ValueError(
            f"trajectory must have shape (T, P) with T >= 3 snapshots (init + 2 epochs), "
            f"got {traj.shape}"
        )
    if not np.all(np.isfinite(traj)):
        raise ValueError("trajectory contains NaN or infinite values")
    t, p = traj.shape
    if losses is None:
        origin = t - 1
    else:
        lv = np.asarray(losses, dtype=float)
        if lv.shape != (t,):
            raise ValueError(f"losses must have shape ({t},), got {lv.shape}")
        if np.all(np.isnan(lv)):
            raise ValueError("losses are all NaN")
        origin = int(np.nanargmin(lv))
    excl = _indices(exclude, p)
    keep = np.setdiff1d(np.arange(p), excl)
    if keep.size < 2:
        raise ValueError(f"need at least 2 weights outside exclude, got {keep.size}")
    pca = PCA(n_components=2)
    proj = pca.fit_transform(traj[:, keep])
    mean = traj.mean(axis=0)
    directions = np.zeros((2, p))
    directions[:, keep] = pca.components_
    center = traj[origin].copy()
    center[keep] = pca.mean_ + proj[origin] @ pca.components_
    coords = proj - proj[origin]
    scale = np.linalg.norm(coords, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return TrajectoryPlane(
        center=center,
        directions=directions,
        explained_variance_ratio=np.asarray(pca.explained_variance_ratio_, dtype=float),
        coordinates=coords,
        origin_index=origin,
        axis_scale=scale,
        mean=mean,
        excluded=excl,
        residual=float(np.linalg.norm(traj[origin] - center)),
    )


def random_directions(
    qnn: Any,
    seed: int | np.random.Generator | None,
    normalize: str | None = "patch",
    *,
    weights: np.ndarray | None = None,
    include_bias: bool = False,
) -> np.ndarray:
    r"""Two random Gaussian directions ``(2, P)``, normalised per patch block.

    ``"patch"`` is the quantum analogue of filter normalisation (Li et al. 2018): each patch's
    block :math:`d_k` of each direction is rescaled to :math:`\|d_k\| = \|\theta_k\|`, the norm
    of that patch's weights (``weights``; without them, :math:`\sqrt{P_k}`, i.e. one radian RMS
    per weight). ``"global"`` rescales the whole direction to ``||weights||`` (or
    :math:`\sqrt{P}`); ``None`` leaves the raw Gaussian draw. The positional-bias block is zero
    unless ``include_bias`` (then it gets the same treatment as a patch block).

    Args:
        qnn: the model (uses ``weight_slices``, ``num_patches``, ``num_weights``).
        seed: seed or generator of the draw.
        normalize: ``"patch"``, ``"global"`` or ``None``.
        weights: the weights the scan is centred on (for the block norms).
        include_bias: also move the positional bias.

    Raises:
        ValueError: unknown ``normalize`` or bad ``weights``.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> w = qnn.initial_weights(seed=0)
        >>> d = random_directions(qnn, seed=1, weights=w)
        >>> s = qnn.weight_slices[0]
        >>> bool(np.isclose(np.linalg.norm(d[0, s]), np.linalg.norm(w[s])))
        True
    """
    if normalize not in ("patch", "global", None):
        raise ValueError(f"normalize must be 'patch', 'global' or None, got {normalize!r}")
    p = int(qnn.num_weights)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (p,):
            raise ValueError(f"weights must have shape ({p},), got {weights.shape}")
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(2, p))
    slices = list(qnn.weight_slices)
    k = int(qnn.num_patches)
    moving = slices if include_bias else slices[:k]
    for s in slices[len(moving) :]:
        d[:, s] = 0.0
    if normalize == "patch":
        for s in moving:
            target = np.sqrt(s.stop - s.start) if weights is None else np.linalg.norm(weights[s])
            norms = np.linalg.norm(d[:, s], axis=1, keepdims=True)
            d[:, s] *= target / np.where(norms > 0, norms, 1.0)
    elif normalize == "global":
        idx = np.concatenate([np.arange(s.start, s.stop) for s in moving])
        target = np.sqrt(idx.size) if weights is None else np.linalg.norm(weights[idx])
        d *= target / np.linalg.norm(d, axis=1, keepdims=True)
    return d


def hessian_directions(
    hessian: Any, k: int = 2, *, return_values: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Top-``k`` Hessian eigenvectors as directions ``(k, P)``, largest eigenvalue first.

    Args:
        hessian: anything with ``eigenvectors(k, which="LA") -> (values (k,), vectors (P, k))``
            (e.g. :func:`qiskit_patchqnn.hessian.loss_hessian`'s result).
        k: number of directions.
        return_values: also return the eigenvalues ``(k,)``.

    Example:
        >>> class Dense:
        ...     def __init__(self, m): self.m = m
        ...     def eigenvectors(self, k, which="LA"):
        ...         v, u = np.linalg.eigh(self.m); return v[-k:], u[:, -k:]
        >>> hessian_directions(Dense(np.diag([1.0, 3.0, 2.0]))).round(3).tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    values, vectors = hessian.eigenvectors(k, which="LA")
    values = np.asarray(values, dtype=float).reshape(-1)
    vectors = np.asarray(vectors, dtype=float)
    if vectors.ndim != 2 or vectors.shape[1] != values.size:
        raise ValueError(f"eigenvectors returned shapes {values.shape} and {vectors.shape}")
    order = np.argsort(values)[::-1]
    dirs = vectors[:, order].T
    dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    return (dirs, values[order]) if return_values else dirs


def project_trajectory(
    trajectory: np.ndarray, origin: np.ndarray, directions: np.ndarray
) -> np.ndarray:
    """Least-squares coordinates ``(T, d)`` of ``trajectory - origin`` on ``directions (d, P)``.

    Example:
        >>> project_trajectory(np.array([[1.0, 2.0, 5.0]]), np.zeros(3), np.eye(3)[:2]).tolist()
        [[1.0, 2.0]]
    """
    traj = np.atleast_2d(np.asarray(trajectory, dtype=float))
    dirs = np.atleast_2d(np.asarray(directions, dtype=float))
    delta = traj - np.asarray(origin, dtype=float)[None, :]
    coef, *_ = np.linalg.lstsq(dirs.T, delta.T, rcond=None)
    return coef.T
