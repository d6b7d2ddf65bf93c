# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""What a submission costs, and the hooks that confirm it."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from qiskit.quantum_info import SparsePauliOp


def shots_for_precision(precision: float) -> int:
    r"""Shots needed for a standard error of ``precision`` on a ±1 observable: :math:`1/p^2`.

    This is the rule Qiskit Runtime and ``BackendEstimatorV2`` use.

    Example:
        >>> shots_for_precision(0.01)
        10000
    """
    if not precision > 0:
        raise ValueError(f"precision must be > 0, got {precision!r}")
    return math.ceil(1.0 / precision**2 - 1e-9)


@dataclass(frozen=True)
class CostEstimate:
    """Size of a submission, in circuits executed and shots.

    Attributes:
        num_bindings: parameter bindings (circuit instances).
        num_bases: measurement bases per binding (qubit-wise commuting observable groups).
        shots: shots per circuit.
        circuits: circuits executed, ``num_bindings * num_bases``.
        total_shots: ``circuits * shots``.
    """

    num_bindings: int
    num_bases: int
    shots: int
    circuits: int
    total_shots: int

    def __str__(self) -> str:
        return (
            f"{self.circuits:,} circuits ({self.num_bindings:,} bindings x {self.num_bases} "
            f"measurement bases) x {self.shots:,} shots = {self.total_shots:,} shots"
        )


def estimate_cost(num_bindings: int, shots: int, *, num_bases: int = 1) -> CostEstimate:
    """Circuits and total shots of evaluating ``num_bindings`` bindings at ``shots`` shots each.

    Args:
        num_bindings: number of parameter bindings (e.g. ``N * K * (1 + 2 P)`` for a gradient
            of ``N`` samples, ``K`` patches, ``P`` weights per patch).
        shots: shots per circuit (see :func:`shots_for_precision`).
        num_bases: measurement bases per binding; the readout ``X_q``/``Z_q`` observables
            need two.

    Example:
        >>> print(estimate_cost(1000, 4000, num_bases=2))
        2,000 circuits (1,000 bindings x 2 measurement bases) x 4,000 shots = 8,000,000 shots
    """
    for name, value in (("num_bindings", num_bindings), ("shots", shots), ("num_bases", num_bases)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    circuits = int(num_bindings) * int(num_bases)
    return CostEstimate(int(num_bindings), int(num_bases), int(shots), circuits, circuits * shots)


def measurement_bases(observables: Sequence[SparsePauliOp]) -> int:
    """Number of qubit-wise commuting groups (measurement bases) the observables need.

    Example:
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> measurement_bases([SparsePauliOp("IX"), SparsePauliOp("XI"), SparsePauliOp("IZ")])
        2
    """
    paulis = SparsePauliOp.sum([SparsePauliOp(o) for o in observables]).simplify(atol=0)
    return max(1, len(paulis.paulis.group_qubit_wise_commuting()))


class SubmissionDeclined(RuntimeError):
    """A ``confirm`` hook declined a submission; nothing was sent."""


ConfirmHook = Callable[[CostEstimate], bool]


def print_cost(cost: CostEstimate) -> bool:
    """Confirm hook that prints the estimate to stderr and accepts (the default on hardware).

    Example:
        >>> print_cost(estimate_cost(10, 100))
        True
    """
    print(f"qiskit-patchqnn: submitting {cost}", file=sys.stderr)
    return True


def require_confirmation(yes: bool) -> ConfirmHook:
    """Confirm hook for a ``--yes`` flag: print the estimate, accept only when ``yes``.

    Example:
        >>> hook = require_confirmation(False)
        >>> hook(estimate_cost(10, 100))
        False
    """

    def hook(cost: CostEstimate) -> bool:
        print_cost(cost)
        if not yes:
            print("qiskit-patchqnn: not submitted; confirm to run on hardware", file=sys.stderr)
        return yes

    return hook
