# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Parameter-shift derivatives as a strategy: the points to evaluate, and how to combine them.

:class:`ParameterShift` works on any estimator (simulators, fake devices, hardware): it builds
the shifted bindings of a set of gate angles, and turns their expectation values into
first and second derivatives with the exact rules of :mod:`.shifts`.

For ``D`` gate angles, per binding:

* gradient: the ``2D`` points :math:`\phi \pm \tfrac{\pi}{2} e_i`;
* Hessian diagonal: the same points and the centre;
* Hessian off-diagonal: four points :math:`\phi \pm \tfrac{\pi}{2} e_i \pm \tfrac{\pi}{2} e_j`
  per pair ``i < j``;

so a full output Hessian costs :math:`1 + 2D^2` evaluations, and the Jacobian alone
:math:`1 + 2D` (:meth:`ParameterShift.num_evaluations`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.angles import AnglePlan
from .shifts import SHIFT_GATES, combine_gradient, diagonal_rule, gradient_shifts, pair_rule

__all__ = ["ParameterShift"]

_HALF_PI = np.pi / 2


@dataclass(frozen=True, eq=False)
class ParameterShift:
    """Exact parameter-shift rules for selected gate angles of an :class:`AnglePlan`.

    Args:
        plan: the gate angles of the evaluation circuit.
        angles: indices of the gate angles to differentiate (into ``plan.occ_param``).

    Raises:
        ValueError: if a selected angle belongs to a gate without a two-term shift rule; the
            message names the parameter and the gate.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> from qiskit_patchqnn.model import AnglePlan
        >>> t = Parameter("t")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.ry(t, 0)
        >>> plan = AnglePlan.build(qc, (t,), (t,))
        >>> rule = ParameterShift(plan, np.arange(plan.num_angles))
        >>> pts = rule.gradient_points(np.array([0.3]))  # ry(0.3 +- pi/2)
        >>> z = np.cos(pts)  # <Z> after ry(a) is cos(a)
        >>> bool(np.isclose(rule.gradient(z)[0, 0], -np.sin(0.3)))
        True
    """

    plan: AnglePlan
    angles: np.ndarray

    def __post_init__(self) -> None:
        angles = np.asarray(self.angles, dtype=np.int64).reshape(-1)
        object.__setattr__(self, "angles", angles)
        for o in angles:
            gate = self.plan.occ_gate[o]
            if gate not in SHIFT_GATES:
                name = self.plan.params[self.plan.occ_param[o]].name
                raise ValueError(
                    f"parameter {name!r} enters gate {gate!r}, which has no two-term "
                    f"parameter-shift rule (supported: {sorted(SHIFT_GATES)})"
                )

    @property
    def num_angles(self) -> int:
        """Number of differentiated gate angles ``D``."""
        return len(self.angles)

    @property
    def columns(self) -> np.ndarray:
        """Evaluation-circuit columns of the differentiated angles."""
        return self.plan.occ_column[self.angles]

    def num_evaluations(self, order: int = 1) -> int:
        """Circuit evaluations per binding: ``1 + 2D`` (``order=1``) or ``1 + 2D^2`` (``2``).

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> from qiskit_patchqnn.model import AnglePlan
            >>> a, b = Parameter("a"), Parameter("b")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(a, 0)
            >>> _ = qc.ry(b, 0)
            >>> rule = ParameterShift(AnglePlan.build(qc, (a, b), (a, b)), np.arange(2))
            >>> rule.num_evaluations(1), rule.num_evaluations(2)
            (5, 9)
        """
        d = self.num_angles
        if order == 1:
            return 1 + 2 * d
        if order == 2:
            return 1 + 2 * d * d
        raise ValueError(f"order must be 1 or 2, got {order!r}")

    # ------------------------------------------------------------------ first order
    def gradient_points(self, columns: np.ndarray) -> np.ndarray:
        """The ``2D`` gradient points of each binding: ``+pi/2`` shifts first.

        Args:
            columns: bindings ``(..., num_columns)``.

        Returns:
            ``(..., 2D, num_columns)``.
        """
        cols = np.asarray(columns, dtype=float)
        pts = np.repeat(cols[..., None, :], 2 * self.num_angles, axis=-2)
        pts[..., self.columns] += gradient_shifts(self.num_angles)
        return pts

    def gradient(self, values: np.ndarray) -> np.ndarray:
        """Derivatives ``(..., D, C)`` from the values at the gradient points ``(..., 2D, C)``."""
        return combine_gradient(values)

    # ------------------------------------------------------------------ second order
    def diagonal(self, center: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Second derivatives ``(..., D, C)`` from the centre and the gradient points."""
        return diagonal_rule(center, values)

    def pair_points(self, columns: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The four points of each pair ``(first[m], second[m])`` of selected angles.

        Ordered ``(sign of first, pair, sign of second)``, so that consecutive points differ in
        the later angle only and an estimator that resumes shared prefixes can do so.

        Args:
            columns: bindings ``(..., num_columns)``.
            first: positions (into :attr:`angles`) of the first angle of each pair.
            second: positions of the second angle.

        Returns:
            ``(..., 2, M, 2, num_columns)``.
        """
        cols = np.asarray(columns, dtype=float)
        ci = self.columns[np.asarray(first)]
        cj = self.columns[np.asarray(second)]
        m = len(ci)
        pts = np.empty((*cols.shape[:-1], 2, m, 2, cols.shape[-1]))
        pts[...] = cols[..., None, None, None, :]
        ar = np.arange(m)
        for a, sign in enumerate((_HALF_PI, -_HALF_PI)):
            pts[..., a, :, :, :][..., ar, :, ci] += sign
            pts[..., :, :, a, :][..., ar, cj] += sign
        return pts

    def pairs(self, values: np.ndarray) -> np.ndarray:
        """Mixed second derivatives ``(..., M, C)`` from the pair points' values."""
        v = np.asarray(values)
        return pair_rule(
            v[..., 0, :, 0, :], v[..., 0, :, 1, :], v[..., 1, :, 0, :], v[..., 1, :, 1, :]
        )

    def chain(self) -> tuple[np.ndarray, np.ndarray]:
        """The chain rule to the parameters (see :meth:`AnglePlan.chain`)."""
        return self.plan.chain(self.angles)
