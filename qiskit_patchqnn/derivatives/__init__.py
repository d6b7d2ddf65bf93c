# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Derivatives of patch outputs as strategies: which points to evaluate, how to combine them.

* :mod:`.shifts`: the exact parameter-shift rules (gradient, diagonal and mixed second
  derivatives) as functions on arrays of shifted values;
* :class:`ParameterShift`: builds the shifted bindings of selected gate angles and combines
  their values; runs on any estimator (simulators, fake devices, IBM hardware);
* :class:`Adjoint`: vector-Jacobian products by a forward and a backward sweep of the exact
  simulator, independent of the number of parameters.

Both act on the gate angles of a :class:`~qiskit_patchqnn.model.AnglePlan` and report
derivatives with respect to the circuit's parameters.
"""

from .adjoint import Adjoint
from .parameter_shift import ParameterShift
from .shifts import (
    SHIFT_GATES,
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
    "Adjoint",
    "ParameterShift",
    "combine_gradient",
    "combine_hessian",
    "diagonal_rule",
    "gradient_shifts",
    "hessian_pairs",
    "pair_rule",
    "pair_shifts",
]
