# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Adjoint-method derivatives as a strategy, for exact simulation.

Instead of shifted circuits, the exact simulator (:class:`~qiskit_patchqnn.simulator.
BatchedEstimator`) differentiates a whole binding in sweeps over its statevector, whatever the
number of parameters:

* a vector-Jacobian product :math:`\sum_c u_c \nabla_\theta \langle O_c\rangle` (a forward
  and a backward sweep);
* a Jacobian-vector product :math:`\nabla_\theta \langle O_c\rangle \cdot t` (a forward
  sweep that carries the tangent state);
* a Hessian-vector product :math:`\sum_c w_c \nabla^2_\theta \langle O_c\rangle\, t` (a
  forward-over-reverse, second-order adjoint sweep), optionally plus a vector-Jacobian product.

The numbers equal the parameter-shift ones to rounding. :class:`Adjoint` maps between the
circuit's parameters and the evaluation circuit's columns with the affine map of
:class:`~qiskit_patchqnn.model.AnglePlan`: tangents are pushed forward, gradients pulled back
(the map is affine, so the Hessian pulls back as :math:`A^\top H A` with no extra term).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.angles import AnglePlan

__all__ = ["Adjoint"]


@dataclass(frozen=True, eq=False)
class Adjoint:
    """Adjoint-method derivatives of the circuit of an :class:`AnglePlan`.

    Args:
        plan: the gate angles of the evaluation circuit.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> from qiskit_patchqnn.model import AnglePlan
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> t = Parameter("t")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.ry(2 * t, 0)
        >>> rule = Adjoint(AnglePlan.build(qc, (t,), (t,)))
        >>> g = rule.vjp(BatchedEstimator(), ["Z"], np.array([[0.3]]), np.array([[1.0]]))
        >>> bool(np.isclose(g[0, 0], -2 * np.sin(0.6)))  # d cos(2t) / dt
        True
    """

    plan: AnglePlan

    def vjp(
        self,
        simulator: Any,
        observables: Sequence[Any],
        values: np.ndarray,
        cotangent: np.ndarray,
    ) -> np.ndarray:
        r"""Per binding, :math:`\sum_c u_{bc} \nabla_\theta \langle O_c \rangle`.

        Args:
            simulator: an exact :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
            observables: the ``C`` observables.
            values: parameter values ``(B, len(plan.params))``.
            cotangent: ``(B, C)``.

        Returns:
            ``(B, len(plan.params))``.
        """
        cols = self.plan.bind(values)
        gcols = simulator.vjp(self.plan.circuit, list(observables), cols, cotangent)
        return self.plan.pull_back(gcols)

    def jvp(
        self,
        simulator: Any,
        observables: Sequence[Any],
        values: np.ndarray,
        tangents: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Per binding, the values and their directional derivatives along ``tangents``.

        Returns :math:`\langle O_c\rangle` and :math:`\nabla_\theta \langle O_c \rangle
        \cdot t_b`.

        Args:
            simulator: an exact :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
            observables: the ``C`` observables.
            values: parameter values ``(B, len(plan.params))``.
            tangents: parameter directions ``(B, len(plan.params))``.

        Returns:
            ``(values (B, C), jvps (B, C))``.
        """
        cols = self.plan.bind(values)
        return simulator.jvp(  # type: ignore[no-any-return]
            self.plan.circuit, list(observables), cols, self.plan.push_forward(tangents)
        )

    def hvp(
        self,
        simulator: Any,
        observables: Sequence[Any],
        values: np.ndarray,
        tangents: np.ndarray,
        weights: np.ndarray,
        cotangent: np.ndarray | None = None,
    ) -> np.ndarray:
        r"""Per binding, a Hessian-vector product of weighted observables.

        Returns :math:`\sum_c w_{bc} \nabla^2_\theta \langle O_c\rangle\, t_b`, plus
        :math:`\sum_c u_{bc} \nabla_\theta \langle O_c \rangle` with a cotangent.

        Args:
            simulator: an exact :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
            observables: the ``C`` observables.
            values: parameter values ``(B, len(plan.params))``.
            tangents: parameter directions ``(B, len(plan.params))``.
            weights: ``(B, C)`` weights of the second-order term.
            cotangent: ``(B, C)`` weights of an added first-order term, or ``None``.

        Returns:
            ``(B, len(plan.params))``.
        """
        gcols = simulator.hvp(
            self.plan.circuit,
            list(observables),
            self.plan.bind(values),
            self.plan.push_forward(tangents),
            weights,
            cotangent,
        )
        return self.plan.pull_back(gcols)
