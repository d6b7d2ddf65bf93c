# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Derivatives of patch outputs: each rule says which points to evaluate and how to combine them.

:mod:`.shifts` holds the parameter-shift rules (gradient, diagonal and off-diagonal second
derivatives) and :class:`~.shifts.ShiftPlan`, the chain rule from circuit parameters to gate
angles.
"""

from .shifts import (
    SHIFT_GATES,
    ShiftPlan,
    combine_gradient,
    combine_hessian,
    diagonal_rule,
    gradient_shifts,
    hessian_pairs,
    pair_rule,
    pair_shifts,
)

__all__ = [
    "SHIFT_GATES",
    "ShiftPlan",
    "combine_gradient",
    "combine_hessian",
    "diagonal_rule",
    "gradient_shifts",
    "hessian_pairs",
    "pair_rule",
    "pair_shifts",
]
