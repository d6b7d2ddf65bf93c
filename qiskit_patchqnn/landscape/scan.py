# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Loss and accuracy on planes and lines in weight space, every grid point in shared jobs.

For a plane through ``origin`` spanned by ``directions`` :math:`(u_1, u_2)`, the scan evaluates

.. math::

    L(a, b) = \frac{1}{N} \sum_{n} \ell\big(z_n(w_0 + a u_1 + b u_2),\, y_n\big)

(mean softmax cross-entropy, natural log) and the accuracy at every grid point. The local
parameter points of all grid points × samples × patches of a chunk of grid points go to
:meth:`PatchQNN.evaluate` together, i.e. into one estimator job (split into PUBs by the
model's ``max_bindings``); chunks keep memory bounded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from ..execution import Evaluation
from ..execution.provenance import Provenance
from ..losses import accuracy, check_labels, cross_entropy
from .periodic import periodic_difference, periodic_mask
from .result import LandscapeScan

if TYPE_CHECKING:
    from ..qnn import PatchQNN

__all__ = ["evaluate_points", "scan_line", "scan_plane"]

DEFAULT_CHUNK_BINDINGS = 1 << 16
"""Default number of circuit bindings (grid points × samples × patches) per chunk."""
BROADCAST_CHUNK_BINDINGS = 1 << 18
"""The same when the model's bindings go to the estimator as broadcast parts
(``qnn.executor.accepts_broadcast`` and no trainable input bias: the default estimator without
a journal): then
the product of points and samples is never held, only the outputs, so jobs can be four times
larger."""


def evaluate_points(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    points: np.ndarray,
    *,
    progress: bool = True,
    chunk_points: int | None = None,
    desc: str = "landscape",
) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy and accuracy at many weight vectors, batched into shared jobs.

    Args:
        qnn: the model.
        X: images ``(N, H*W)``.
        y: integer labels ``(N,)``.
        points: weight vectors ``(G, P)``.
        progress: show a progress bar (one step per chunk).
        chunk_points: weight vectors per estimator job; default keeps each job at about
            ``65536`` circuit bindings (``G × N × K``), or ``262144`` when
            the bindings go as broadcast parts (``BROADCAST_CHUNK_BINDINGS``).
        desc: progress-bar label.

    Returns:
        ``(losses (G,), accuracies (G,))``.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> w = qnn.initial_weights(seed=0)
        >>> loss, acc = evaluate_points(qnn, np.zeros((2, 16)), [0, 1], w[None], progress=False)
        >>> loss.shape, acc.shape
        ((1,), (1,))
    """
    losses, accs, _ = _evaluate(qnn, X, y, points, progress, chunk_points, desc)
    return losses, accs


def _evaluate(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    points: np.ndarray,
    progress: bool,
    chunk_points: int | None,
    desc: str,
) -> tuple[np.ndarray, np.ndarray, list[Evaluation]]:
    """:func:`evaluate_points` that also returns each executor call's cost."""
    model, executor = qnn.model, qnn.executor
    x = model.check_images(X, "X")
    if len(x) == 0:
        raise ValueError("X holds no images: a loss needs at least one sample")
    labels = check_labels(y, len(x), qnn.num_classes, "y")
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    if pts.ndim != 2 or pts.shape[1] != qnn.num_weights:
        raise ValueError(f"points must have shape (G, {qnn.num_weights}), got {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points contain NaN or infinite values")
    g = len(pts)
    per_point = max(1, len(x) * int(qnn.num_patches))
    if chunk_points is None:
        broadcast = executor.accepts_broadcast and not model.input_bias
        budget = BROADCAST_CHUNK_BINDINGS if broadcast else DEFAULT_CHUNK_BINDINGS
        chunk_points = max(1, budget // per_point)
    if chunk_points < 1:
        raise ValueError(f"chunk_points must be >= 1, got {chunk_points}")
    losses = np.empty(g)
    accs = np.empty(g)
    costs: list[Evaluation] = []
    with tqdm(total=g, desc=desc, unit="pt", disable=not progress, leave=False) as bar:
        for lo in range(0, g, chunk_points):
            hi = min(lo + chunk_points, g)
            ev = executor.run([model.columns(x, pts[lo:hi])])
            costs.append(ev)
            logits = model.logits(np.swapaxes(ev.values[0], -3, -2))  # (g, N, C)
            losses[lo:hi] = cross_entropy(logits, labels)
            accs[lo:hi] = accuracy(logits, labels)
            bar.update(hi - lo)
    return losses, accs, costs


def _resolution(resolution: int | tuple[int, ...], naxes: int) -> tuple[int, ...]:
    if isinstance(resolution, (int, np.integer)):
        res: tuple = (resolution,) * naxes
    else:
        res = tuple(resolution)
    if len(res) != naxes or any(int(r) != r or r < 2 for r in res):
        raise ValueError(f"resolution must be {naxes} integer(s) >= 2, got {resolution!r}")
    return tuple(int(r) for r in res)


def _extent(extent: float | tuple[float, ...], naxes: int) -> tuple[float, ...]:
    if np.ndim(extent) == 0:
        e = float(extent)  # type: ignore[arg-type]
        if not e > 0:
            raise ValueError(f"extent must be positive, got {extent!r}")
        return (-e, e) * naxes
    ext = tuple(float(v) for v in extent)  # type: ignore[union-attr]
    if len(ext) != 2 * naxes or any(ext[2 * i] >= ext[2 * i + 1] for i in range(naxes)):
        raise ValueError(f"extent must be a number or {naxes} (min, max) pairs, got {extent!r}")
    return ext


def _directions(qnn: PatchQNN, directions: Any, count: int) -> np.ndarray:
    d = np.atleast_2d(np.asarray(directions, dtype=float))
    if d.shape != (count, qnn.num_weights):
        raise ValueError(
            f"directions must have shape ({count}, {qnn.num_weights}), got {np.shape(directions)}"
        )
    if not np.all(np.isfinite(d)) or np.any(np.linalg.norm(d, axis=1) == 0):
        raise ValueError("directions must be finite and non-zero")
    return d


@dataclass(frozen=True)
class _Scanned:
    losses: np.ndarray
    accuracies: np.ndarray
    bindings: int
    jobs: int
    seconds: float
    provenance: Provenance


def _run(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    origin: np.ndarray,
    dirs: np.ndarray,
    axes: tuple[np.ndarray, ...],
    progress: bool,
    chunk_points: int | None,
    desc: str,
) -> _Scanned:
    mesh = np.meshgrid(*axes, indexing="ij")
    coef = np.stack([m.reshape(-1) for m in mesh], axis=1)  # (G, d)
    points = origin[None, :] + coef @ dirs
    start = time.perf_counter()
    loss, acc, costs = _evaluate(qnn, X, y, points, progress, chunk_points, desc)
    seconds = time.perf_counter() - start
    shape = tuple(len(a) for a in axes)
    ids = [i for ev in costs for i in ev.job_ids]
    return _Scanned(
        loss.reshape(shape),
        acc.reshape(shape),
        sum(ev.bindings for ev in costs),
        sum(ev.jobs for ev in costs),
        seconds,
        qnn.executor.provenance(ids),
    )


def scan_plane(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    origin: np.ndarray,
    directions: np.ndarray,
    extent: float | tuple[float, float, float, float],
    resolution: int | tuple[int, int],
    *,
    progress: bool = True,
    chunk_points: int | None = None,
    labels: tuple[str, str] = ("direction 1", "direction 2"),
    method: str = "custom",
    axis_scale: tuple[float, float] | np.ndarray | None = None,
    info: dict | None = None,
) -> LandscapeScan:
    """Loss and accuracy on a 2-D grid ``origin + a * directions[0] + b * directions[1]``.

    Args:
        qnn: the model.
        X: images ``(N, H*W)`` (the paper uses the full training set).
        y: integer labels ``(N,)``.
        origin: weights at ``(0, 0)`` (e.g. ``TrajectoryPlane.center``).
        directions: ``(2, P)``.
        extent: half-width ``e`` (grid ``[-e, e]²``) or ``(a_min, a_max, b_min, b_max)``
            (e.g. ``TrajectoryPlane.extent(5.0)``).
        resolution: points per axis (an int or a pair).
        progress: progress bar over the chunks of grid points.
        chunk_points: grid points per estimator job (default: about 65536 bindings per job).
        labels: axis names (``("1st PC", "2nd PC")`` for the paper's plane).
        method: recorded in the result.
        axis_scale: per-axis plot normalisation (``TrajectoryPlane.axis_scale``).
        info: extra provenance to record.

    Returns:
        A :class:`LandscapeScan` with ``losses[i, j]`` at ``(axes[0][i], axes[1][j])``.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> w = qnn.initial_weights(seed=0)
        >>> d = np.random.default_rng(1).normal(size=(2, qnn.num_weights))
        >>> x = np.random.default_rng(2).uniform(size=(3, 16))
        >>> scan = scan_plane(qnn, x, [0, 1, 2], w, d, 0.5, 3, progress=False)
        >>> scan.losses.shape, scan.num_evaluations == 9 * 3 * 4
        ((3, 3), True)
    """
    w0 = qnn.model.check_weights(origin)
    dirs = _directions(qnn, directions, 2)
    res = _resolution(resolution, 2)
    ext = _extent(extent, 2)
    axes = (np.linspace(ext[0], ext[1], res[0]), np.linspace(ext[2], ext[3], res[1]))
    out = _run(qnn, X, y, w0, dirs, axes, progress, chunk_points, "plane")
    scale = (1.0, 1.0) if axis_scale is None else tuple(float(s) for s in axis_scale)
    return LandscapeScan(
        kind="plane",
        axes=axes,
        losses=out.losses,
        accuracies=out.accuracies,
        origin=w0.copy(),
        directions=dirs,
        extent=ext,
        labels=tuple(labels),
        method=method,
        periodic=False,
        axis_scale=scale,
        num_samples=int(len(np.atleast_2d(X))),
        provenance=out.provenance,
        num_evaluations=int(out.bindings),
        num_jobs=int(out.jobs),
        seconds=out.seconds,
        info=dict(info or {}),
    )


def scan_line(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    start: np.ndarray,
    end: np.ndarray | None = None,
    direction: np.ndarray | None = None,
    *,
    extent: float | tuple[float, float] | None = None,
    resolution: int = 41,
    periodic: bool = False,
    progress: bool = True,
    chunk_points: int | None = None,
    label: str | None = None,
    info: dict | None = None,
) -> LandscapeScan:
    """Loss and accuracy along a line: interpolation ``start → end`` or a 1-D cut.

    With ``end``: points ``start + t * (end - start)``; ``extent`` is the ``(t_min, t_max)``
    range (default ``(0, 1)``; a number ``m`` gives ``(-m, 1 + m)``). With ``periodic=True``
    the difference of the 2π-periodic angle weights is wrapped into ``(-π, π]`` (the shortest
    periodic path, see :func:`~qiskit_patchqnn.landscape.periodic_mask`; the positional bias
    is not wrapped), so ``t = 1`` is ``end`` modulo ``2π``.

    With ``direction``: points ``start + t * direction`` for ``t`` in ``[-e, e]`` (``extent``
    a number, default 1) or ``(t_min, t_max)``.

    Args:
        qnn: the model.
        X: images ``(N, H*W)``.
        y: integer labels ``(N,)``.
        start: weights at ``t = 0``.
        end: weights at ``t = 1`` (give ``end`` or ``direction``).
        direction: a direction ``(P,)``.
        extent: see above.
        resolution: number of points.
        periodic: interpolate along the shortest periodic path (``end`` only).
        progress: progress bar.
        chunk_points: line points per estimator job.
        label: axis name (default ``"t"``).
        info: extra provenance.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> a, b = qnn.initial_weights(seed=0), qnn.initial_weights(seed=1)
        >>> x = np.random.default_rng(2).uniform(size=(3, 16))
        >>> scan = scan_line(qnn, x, [0, 1, 2], a, end=b, resolution=5, progress=False)
        >>> scan.axes[0].tolist(), scan.method
        ([0.0, 0.25, 0.5, 0.75, 1.0], 'interpolation')
    """
    w0 = qnn.model.check_weights(start)
    if (end is None) == (direction is None):
        raise ValueError("give exactly one of end and direction")
    if end is not None:
        w1 = qnn.model.check_weights(end)
        mask = periodic_mask(qnn) if periodic else False
        d = periodic_difference(w0, w1, mask)
        if not np.any(d):
            raise ValueError("start and end are the same point")
        if extent is None:
            ext: tuple[float, ...] = (0.0, 1.0)
        elif np.ndim(extent) == 0:
            ext = (-float(extent), 1.0 + float(extent))  # type: ignore[arg-type]
        else:
            ext = _extent(extent, 1)
        method = "interpolation"
    else:
        if periodic:
            raise ValueError("periodic=True applies to interpolation (end=...), not direction")
        d = _directions(qnn, direction, 1)[0]
        ext = _extent(1.0 if extent is None else extent, 1)
        method = "direction"
    res = _resolution(resolution, 1)
    axes = (np.linspace(ext[0], ext[1], res[0]),)
    dirs = d[None, :]
    out = _run(qnn, X, y, w0, dirs, axes, progress, chunk_points, "line")
    extra = dict(info or {})
    if end is not None:
        extra.setdefault("num_periodic_weights", int(periodic_mask(qnn).sum()) if periodic else 0)
    return LandscapeScan(
        kind="line",
        axes=axes,
        losses=out.losses,
        accuracies=out.accuracies,
        origin=w0.copy(),
        directions=dirs,
        extent=tuple(ext),
        labels=(label or "t",),
        method=method,
        periodic=bool(periodic),
        axis_scale=(1.0,),
        num_samples=int(len(np.atleast_2d(X))),
        provenance=out.provenance,
        num_evaluations=int(out.bindings),
        num_jobs=int(out.jobs),
        seconds=out.seconds,
        info=extra,
    )
