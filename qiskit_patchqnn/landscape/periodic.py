# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Periodicity of circuit angles: wrapped differences, distances and shortest-path interpolation.

A weight that enters the circuit only as the angle of Pauli rotations ``exp(-i s θ G / 2)`` with
integer factors ``s`` leaves every expectation value unchanged under ``θ → θ + 2π``, so weight
vectors that differ by multiples of ``2π`` in those entries describe the same model. The
positional bias is treated as **not** periodic (it is a classical offset added to the scaled
pixels). Entries flagged periodic are compared through

.. math::

    \operatorname{wrap}(\delta) = \delta - 2\pi \left\lceil \frac{\delta - \pi}{2\pi} \right\rceil
    \in (-\pi, \pi].
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "interpolate",
    "periodic_difference",
    "periodic_distance",
    "periodic_mask",
    "wrap_angles",
]

TWO_PI = 2.0 * np.pi


def wrap_angles(values: np.ndarray) -> np.ndarray:
    """Map angles into ``(-pi, pi]``.

    Example:
        >>> wrap_angles(np.array([np.pi, -np.pi, 3 * np.pi / 2, 0.5])).round(4).tolist()
        [3.1416, 3.1416, -1.5708, 0.5]
    """
    v = np.asarray(values, dtype=float)
    return np.pi - np.mod(np.pi - v, TWO_PI)


def periodic_mask(qnn: Any) -> np.ndarray:
    """Boolean mask ``(num_weights,)``: ``True`` for the 2π-periodic circuit-angle weights.

    Patch weights are periodic when every occurrence of the weight in the circuit has an
    integer angle factor (true for the default circuit); the positional-bias block, when
    present, is not. ``qnn`` is a :class:`~qiskit_patchqnn.PatchQNN` or its
    :class:`~qiskit_patchqnn.model.PatchModel`.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4, input_bias=True)
        >>> m = periodic_mask(qnn)
        >>> int(m.sum()) == qnn.num_patches * qnn.weights_per_patch, bool(m[-1])
        (True, False)
    """
    model = getattr(qnn, "model", qnn)
    return model.periodic_weights()


def _mask(periodic: Any, size: int) -> np.ndarray:
    """Normalise ``periodic`` (bool, mask, or a model with ``weight_slices``) to a mask."""
    if isinstance(periodic, (bool, np.bool_)):
        return np.full(size, bool(periodic))
    if hasattr(periodic, "weight_slices"):
        m = periodic_mask(periodic)
    else:
        m = np.asarray(periodic, dtype=bool)
    if m.shape != (size,):
        raise ValueError(f"periodic mask must have shape ({size},), got {m.shape}")
    return m


def periodic_difference(start: np.ndarray, end: np.ndarray, periodic: Any = True) -> np.ndarray:
    """``end - start`` with periodic entries wrapped into ``(-pi, pi]`` (the shortest path).

    Args:
        start: weight vector ``(P,)``.
        end: weight vector ``(P,)``.
        periodic: ``True`` (all entries periodic), ``False`` (none), a boolean mask ``(P,)``,
            or a :class:`~qiskit_patchqnn.PatchQNN` (see :func:`periodic_mask`).

    Example:
        >>> periodic_difference(np.array([0.1, 0.1]), np.array([6.2, 6.2]), [True, False])
        array([-0.18318531,  6.1       ])
    """
    a = np.asarray(start, dtype=float)
    b = np.asarray(end, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"start {a.shape} and end {b.shape} must be vectors of equal length")
    m = _mask(periodic, a.shape[0])
    d = b - a
    d[m] = wrap_angles(d[m])
    return d


def periodic_distance(a: np.ndarray, b: np.ndarray, periodic: Any = True) -> float:
    """Euclidean distance with periodic entries compared along the shortest way round.

    Args:
        a: weight vector ``(P,)``.
        b: weight vector ``(P,)``.
        periodic: as in :func:`periodic_difference`.

    Example:
        >>> round(periodic_distance(np.zeros(1), np.array([2 * np.pi + 0.5])), 6)
        0.5
        >>> round(periodic_distance(np.zeros(1), np.array([2 * np.pi]), periodic=False), 4)
        6.2832
    """
    return float(np.linalg.norm(periodic_difference(a, b, periodic)))


def interpolate(
    start: np.ndarray, end: np.ndarray, t: np.ndarray | float, periodic: Any = True
) -> np.ndarray:
    """Points ``start + t * periodic_difference(start, end)``, one row per ``t``.

    With ``periodic`` entries the path runs the short way round the circle (``t = 1`` lands on
    ``end`` modulo ``2π``); other entries move on the straight line.

    Example:
        >>> interpolate(np.array([0.1]), np.array([2 * np.pi - 0.1]), [0.0, 0.5, 1.0]).round(4)
        array([[ 0.1],
               [ 0. ],
               [-0.1]])
    """
    a = np.asarray(start, dtype=float)
    d = periodic_difference(a, end, periodic)
    ts = np.atleast_1d(np.asarray(t, dtype=float))
    return a[None, :] + ts[:, None] * d[None, :]
