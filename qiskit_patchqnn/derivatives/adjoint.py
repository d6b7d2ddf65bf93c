# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Adjoint-method derivatives as a strategy, for exact simulation.

Instead of shifted circuits, the exact simulator (:class:`~qiskit_patchqnn.simulator.
BatchedEstimator`) differentiates a whole binding in a forward and a backward sweep: a
vector-Jacobian product :math:`\sum_c u_c \nabla_\theta \langle O_c\rangle` costs a few circuit
evaluations whatever the number of parameters. The numbers equal the parameter-shift ones to
rounding. :class:`Adjoint` maps the simulator's derivatives with respect to the evaluation
circuit's columns back to the circuit's parameters (the chain rule of
:class:`~qiskit_patchqnn.model.AnglePlan`).
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
