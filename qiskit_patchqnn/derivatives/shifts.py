# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Parameter-shift rules: which points to evaluate and how to combine them.

For a gate :math:`e^{-i\phi G/2}` with :math:`G^2 = I` (``rx``, ``ry``, ``rz``, ``p``,
``rxx``, ``ryy``, ``rzz``, ``rzx``) an expectation value is a trigonometric polynomial of degree
one in :math:`\phi`, so its derivatives are exact finite combinations of shifted values:

.. math::

    \partial_i f &= \tfrac12\left[f(\phi + \tfrac{\pi}{2} e_i)
        - f(\phi - \tfrac{\pi}{2} e_i)\right],\\
    \partial_i^2 f &= \tfrac12\left[f(\phi + \tfrac{\pi}{2} e_i)
        + f(\phi - \tfrac{\pi}{2} e_i)\right] - f(\phi),\\
    \partial_i \partial_j f &= \tfrac14\left[f_{++} - f_{+-} - f_{-+} + f_{--}\right],
        \quad f_{\pm\pm} = f(\phi \pm \tfrac{\pi}{2} e_i \pm \tfrac{\pi}{2} e_j).

The diagonal rule reuses the gradient points (it is equivalent to the :math:`\pi`-shift rule
:math:`[f(\phi + \pi e_i) - f(\phi)]/2`), so a full output Hessian of ``D`` gate angles costs
:math:`1 + 2D + 4\binom{D}{2} = 1 + 2D^2` evaluations, each shifted point evaluated once.

Shift rules act on *gate angles* (see :class:`~qiskit_patchqnn.model.AnglePlan`). A circuit
parameter that appears in several gates, or with a scale factor (angle :math:`a\theta + b`), is
handled by the chain rule: every occurrence gets its own gate angle
:math:`\phi_o = a_o \theta + b_o`, and

.. math::

    \frac{\partial f}{\partial\theta} = \sum_o a_o \frac{\partial f}{\partial\phi_o}, \qquad
    \frac{\partial^2 f}{\partial\theta\,\partial\theta'} =
        \sum_{o, o'} a_o a_{o'} \frac{\partial^2 f}{\partial\phi_o\,\partial\phi_{o'}}.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SHIFT_GATES",
    "gradient_shifts",
    "hessian_pairs",
    "combine_gradient",
    "combine_hessian",
    "diagonal_rule",
    "pair_rule",
    "pair_shifts",
]

SHIFT_GATES = frozenset({"rx", "ry", "rz", "p", "u1", "rxx", "ryy", "rzz", "rzx"})
"""Gates :math:`e^{-i\\phi G/2}` (up to global phase) with :math:`G^2 = I`."""

_HALF_PI = np.pi / 2


def gradient_shifts(num_angles: int) -> np.ndarray:
    """Shift vectors of the gradient rule, shape ``(2D, D)``: ``+pi/2 e_i`` then ``-pi/2 e_i``.

    Example:
        >>> gradient_shifts(2) / (np.pi / 2)
        array([[ 1.,  0.],
               [ 0.,  1.],
               [-1., -0.],
               [-0., -1.]])
    """
    eye = np.eye(num_angles) * _HALF_PI
    return np.concatenate([eye, -eye])


def hessian_pairs(num_angles: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` of the off-diagonal rule, as two arrays of length ``D(D-1)/2``.

    Example:
        >>> [a.tolist() for a in hessian_pairs(3)]
        [[0, 0, 1], [1, 2, 2]]
    """
    return np.triu_indices(num_angles, k=1)


def combine_gradient(values: np.ndarray) -> np.ndarray:
    """Gradient from the ``2D`` gradient points on axis ``-2``: ``(..., 2D, C) -> (..., D, C)``.

    Example:
        >>> x = 0.3  # d sin / dx = cos, from sin(x + pi/2) and sin(x - pi/2)
        >>> pts = np.array([[np.sin(x + np.pi / 2)], [np.sin(x - np.pi / 2)]])
        >>> bool(np.isclose(combine_gradient(pts)[0, 0], np.cos(x)))
        True
    """
    d = values.shape[-2] // 2
    return 0.5 * (values[..., :d, :] - values[..., d:, :])


def diagonal_rule(center: np.ndarray, grad_points: np.ndarray) -> np.ndarray:
    r"""Second derivatives :math:`\partial_i^2 f` from the gradient points.

    Args:
        center: ``f(phi)``, shape ``(..., C)``.
        grad_points: the ``2D`` gradient points, ``+pi/2`` shifts first, ``(..., 2D, C)``.

    Returns:
        ``(..., D, C)``.

    Example:
        >>> f = lambda x: np.cos(x)[..., None]  # d^2 cos / dx^2 = -cos
        >>> x = 0.3
        >>> pts = np.stack([f(x + np.pi / 2), f(x - np.pi / 2)])
        >>> bool(np.isclose(diagonal_rule(f(x), pts)[0, 0], -np.cos(x)))
        True
    """
    d = grad_points.shape[-2] // 2
    return 0.5 * (grad_points[..., :d, :] + grad_points[..., d:, :]) - center[..., None, :]


def pair_rule(pp: np.ndarray, pm: np.ndarray, mp: np.ndarray, mm: np.ndarray) -> np.ndarray:
    r"""Mixed second derivative from its four ``±pi/2`` points.

    .. math:: \partial_i\partial_j f = \tfrac14 (f_{++} - f_{+-} - f_{-+} + f_{--})

    Example:
        >>> g = lambda a, b: np.sin(a) * np.sin(b)  # d^2 / da db = cos a cos b
        >>> h = np.pi / 2
        >>> a, b = 0.2, 0.7
        >>> v = pair_rule(g(a + h, b + h), g(a + h, b - h), g(a - h, b + h), g(a - h, b - h))
        >>> bool(np.isclose(v, np.cos(a) * np.cos(b)))
        True
    """
    return 0.25 * (pp - pm - mp + mm)


def combine_hessian(
    center: np.ndarray, grad_points: np.ndarray, pair_points: np.ndarray, num_angles: int
) -> np.ndarray:
    """Output Hessian ``(..., C, D, D)`` from the evaluated points.

    Args:
        center: ``f(phi)``, shape ``(..., C)``.
        grad_points: the ``2D`` gradient points, ``(..., 2D, C)``.
        pair_points: for every pair of :func:`hessian_pairs`, the points ``++, +-, -+, --``,
            shape ``(..., M, 4, C)``.
        num_angles: ``D``.

    Example:
        >>> def f(p):  # cos(a) cos(b): Hessian [[-f, sin a sin b], [sin a sin b, -f]]
        ...     return np.array([np.cos(p[0]) * np.cos(p[1])])
        >>> p = np.array([0.3, 0.5])
        >>> grad_pts = np.array([f(p + s) for s in gradient_shifts(2)])
        >>> i, j = hessian_pairs(2)
        >>> def shifted(a, b, s):  # shift angles a and b by the signs s (times pi/2)
        ...     q = p.copy()
        ...     q[[a, b]] += s
        ...     return f(q)
        >>> pair_pts = np.array([[shifted(a, b, s) for s in pair_shifts()] for a, b in zip(i, j)])
        >>> h = combine_hessian(f(p), grad_pts, pair_pts, 2)[0]
        >>> bool(np.allclose(h, [[-f(p)[0], np.sin(0.3) * np.sin(0.5)],
        ...                      [np.sin(0.3) * np.sin(0.5), -f(p)[0]]]))
        True
    """
    d = num_angles
    lead = center.shape[:-1]
    c = center.shape[-1]
    hess = np.zeros((*lead, c, d, d))
    diag = diagonal_rule(center, grad_points)
    idx = np.arange(d)
    hess[..., idx, idx] = np.moveaxis(diag, -1, -2)
    if d > 1:
        i, j = hessian_pairs(d)
        off = pair_rule(
            pair_points[..., 0, :],
            pair_points[..., 1, :],
            pair_points[..., 2, :],
            pair_points[..., 3, :],
        )
        off = np.moveaxis(off, -1, -2)
        hess[..., i, j] = off
        hess[..., j, i] = off
    return hess


def pair_shifts() -> np.ndarray:
    """The four sign patterns ``++, +-, -+, --`` of the off-diagonal rule, times ``pi/2``.

    Example:
        >>> (pair_shifts() / (np.pi / 2)).astype(int).tolist()
        [[1, 1], [1, -1], [-1, 1], [-1, -1]]
    """
    return _HALF_PI * np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
