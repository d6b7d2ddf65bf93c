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

Shift rules act on *gate angles*. A circuit parameter that appears in several gates, or with a
scale factor (angle :math:`a\theta + b`), is handled by the chain rule: every occurrence gets its
own gate angle :math:`\phi_o = a_o \theta + b_o`, and

.. math::

    \frac{\partial f}{\partial\theta} = \sum_o a_o \frac{\partial f}{\partial\phi_o}, \qquad
    \frac{\partial^2 f}{\partial\theta\,\partial\theta'} =
        \sum_{o, o'} a_o a_{o'} \frac{\partial^2 f}{\partial\phi_o\,\partial\phi_{o'}}.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from qiskit.circuit import Parameter, ParameterExpression, ParameterVector, QuantumCircuit

__all__ = [
    "SHIFT_GATES",
    "ShiftPlan",
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


@dataclass(frozen=True)
class ShiftPlan:
    """How to evaluate a circuit so that its differentiable parameters can be shifted.

    Attributes:
        circuit: the circuit to evaluate. It equals the given circuit when every differentiable
            parameter is the whole angle of exactly one gate; otherwise each occurrence has been
            given its own parameter.
        params: the parameters of the given circuit, in the order the caller binds them.
        occ_param: for each gate angle (occurrence), the index into ``params`` it depends on.
        occ_scale: the factor ``a`` in ``angle = a * theta + b``.
        occ_offset: the offset ``b``.
        occ_column: column of ``circuit.parameters`` that holds the occurrence's angle.
        passthrough: ``(param index, column)`` pairs bound unchanged (not differentiated).
    """

    circuit: QuantumCircuit
    params: tuple[Parameter, ...]
    occ_param: np.ndarray
    occ_scale: np.ndarray
    occ_offset: np.ndarray
    occ_column: np.ndarray
    passthrough: np.ndarray

    @classmethod
    def build(
        cls, circuit: QuantumCircuit, params: tuple[Parameter, ...], diff: tuple[Parameter, ...]
    ) -> ShiftPlan:
        """Plan the shifts of ``diff`` (a subset of ``params``) in ``circuit``.

        Raises:
            ValueError: if a differentiable parameter sits in a gate without a two-term shift
                rule, or in an angle that is not affine in it alone; the message names it.
        """
        if set(params) != set(circuit.parameters):
            missing = sorted(p.name for p in set(circuit.parameters) - set(params))
            extra = sorted(p.name for p in set(params) - set(circuit.parameters))
            raise ValueError(
                f"params must list every circuit parameter once (missing {missing}, "
                f"not in circuit {extra})"
            )
        pindex = {p: i for i, p in enumerate(params)}
        diffset = set(diff)
        occurrences: list[tuple[int, int, int, float, float]] = []  # (inst, slot, p, a, b)
        for pos, inst in enumerate(circuit.data):
            for slot, expr in enumerate(inst.operation.params):
                if not isinstance(expr, ParameterExpression):
                    continue
                hit = diffset.intersection(expr.parameters)
                if not hit:
                    continue
                names = sorted(p.name for p in hit)
                if inst.operation.name not in SHIFT_GATES:
                    raise ValueError(
                        f"parameter {names[0]!r} enters gate {inst.operation.name!r}, which has "
                        f"no two-term parameter-shift rule (supported: {sorted(SHIFT_GATES)})"
                    )
                if len(expr.parameters) != 1:
                    raise ValueError(
                        f"parameter {names[0]!r} shares the angle {expr} of gate "
                        f"{inst.operation.name!r} with other parameters; no exact shift rule"
                    )
                (p,) = hit
                b = float(expr.bind({p: 0.0}).numeric())
                a = float(expr.bind({p: 1.0}).numeric()) - b
                if abs(float(expr.bind({p: 2.7}).numeric()) - (2.7 * a + b)) > 1e-9:
                    raise ValueError(f"parameter {p.name!r} enters angle {expr} non-linearly")
                occurrences.append((pos, slot, pindex[p], a, b))
        counts = np.bincount([o[2] for o in occurrences], minlength=len(params))
        simple = all(o[3] == 1.0 and o[4] == 0.0 for o in occurrences) and all(
            counts[pindex[p]] == 1 for p in diff
        )
        if simple:
            col = {p: i for i, p in enumerate(circuit.parameters)}
            occ_param = np.array([pindex[p] for p in diff], dtype=np.int64)
            return cls(
                circuit=circuit,
                params=tuple(params),
                occ_param=occ_param,
                occ_scale=np.ones(len(diff)),
                occ_offset=np.zeros(len(diff)),
                occ_column=np.array([col[p] for p in diff], dtype=np.int64),
                passthrough=np.array(
                    [(i, col[p]) for i, p in enumerate(params) if p not in diffset],
                    dtype=np.int64,
                ).reshape(-1, 2),
            )
        phis = ParameterVector("_occ", len(occurrences))
        expanded = circuit.copy()
        for k, (pos, slot, _, _, _) in enumerate(occurrences):
            inst = expanded.data[pos]
            op = inst.operation.to_mutable()
            new_params = list(op.params)
            new_params[slot] = phis[k]
            op.params = new_params
            expanded.data[pos] = inst.replace(operation=op)
        col = {p: i for i, p in enumerate(expanded.parameters)}
        return cls(
            circuit=expanded,
            params=tuple(params),
            occ_param=np.array([o[2] for o in occurrences], dtype=np.int64),
            occ_scale=np.array([o[3] for o in occurrences]),
            occ_offset=np.array([o[4] for o in occurrences]),
            occ_column=np.array([col[phis[k]] for k in range(len(occurrences))], dtype=np.int64),
            passthrough=np.array(
                [(i, col[p]) for i, p in enumerate(params) if p in col], dtype=np.int64
            ).reshape(-1, 2),
        )

    @property
    def num_angles(self) -> int:
        """Number of shiftable gate angles ``D``."""
        return len(self.occ_param)

    @property
    def is_identity(self) -> bool:
        """True when every gate angle is one parameter, unscaled."""
        return (
            self.circuit is not None
            and bool(np.all(self.occ_scale == 1.0) and np.all(self.occ_offset == 0.0))
            and len(np.unique(self.occ_param)) == len(self.occ_param)
        )

    @cached_property
    def _trivial(self) -> bool:
        n = self.circuit.num_parameters
        return (
            len(self.passthrough) == 0
            and len(self.occ_param) == n
            and np.array_equal(self.occ_column, np.arange(n))
            and np.array_equal(self.occ_param, np.arange(n))
            and bool(np.all(self.occ_scale == 1.0))
            and bool(np.all(self.occ_offset == 0.0))
        )

    def bind(self, values: np.ndarray) -> np.ndarray:
        """Map parameter values ``(..., len(params))`` to evaluation-circuit columns.

        When every parameter is its own unscaled gate angle, in circuit order, this returns
        ``values`` itself (no copy).
        """
        values = np.asarray(values, dtype=float)
        if self._trivial:
            return values
        out = np.empty((*values.shape[:-1], self.circuit.num_parameters))
        if len(self.passthrough):
            out[..., self.passthrough[:, 1]] = values[..., self.passthrough[:, 0]]
        out[..., self.occ_column] = values[..., self.occ_param] * self.occ_scale + self.occ_offset
        return out

    def chain(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""The chain rule from selected gate angles to the parameters behind them.

        Args:
            angles: gate-angle indices (into ``occ_param``).

        Returns:
            ``(params, matrix)``: the distinct indices into ``params`` that the angles depend
            on, and the ``(len(angles), len(params))`` matrix :math:`A` with
            :math:`\partial f/\partial\theta = A^\top \partial f/\partial\phi`.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(2 * t, 0)
            >>> _ = qc.ry(t, 0)
            >>> plan = ShiftPlan.build(qc, (t,), (t,))
            >>> params, matrix = plan.chain(np.arange(plan.num_angles))
            >>> params.tolist(), matrix.ravel().tolist()
            ([0], [2.0, 1.0])
        """
        occ = self.occ_param[angles]
        params = np.unique(occ)
        matrix = np.zeros((len(angles), len(params)))
        matrix[np.arange(len(angles)), np.searchsorted(params, occ)] = self.occ_scale[angles]
        return params, matrix


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
