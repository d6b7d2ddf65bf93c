# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Exact loss Hessians of a :class:`~qiskit_patchqnn.PatchQNN` from parameter-shift rules.

For the mean softmax cross-entropy :math:`L = \frac1N\sum_n \ell(z_n)` of the logits
:math:`z_n = \frac{c}{K}\sum_k f_k(x_n^{(k)};\theta_k)`:

.. math::

    H = \underbrace{\frac1N \sum_n J_n^\top A_n J_n}_{G\ \text{(Gauss-Newton)}}
      + \underbrace{\frac1N \sum_n \sum_a r_{na} \nabla^2 z_{na}}_{R\ \text{(residual)}},
    \qquad A_n = \operatorname{diag}(p_n) - p_n p_n^\top,\quad r_n = p_n - y_n,

with :math:`J_n = \partial z_n / \partial\Theta`. Weights of different patches never share a
circuit, so :math:`\nabla^2 z_{na}` is block-diagonal over patches (the positional bias, shared
by overlapping patches, is the one exception and is scattered exactly); ``G`` is the only
cross-patch coupling. The residual blocks cost :math:`\sum_k 2P_k^2` evaluations per sample
instead of :math:`2(\sum_k P_k)^2`.
"""

from .budget import BudgetPlan, plan_budget, seconds_per_shot
from .classes import ClassStructure, class_structure
from .compute import count_evaluations, loss_hessian
from .hvp import MatrixFreeHessian
from .result import LossHessian
from .spectrum import (
    Outliers,
    PowerIteration,
    SpectralDensity,
    gap_outliers,
    hutchinson_trace,
    power_iteration,
    slq_density,
)

__all__ = [
    "BudgetPlan",
    "ClassStructure",
    "LossHessian",
    "MatrixFreeHessian",
    "Outliers",
    "PowerIteration",
    "SpectralDensity",
    "class_structure",
    "count_evaluations",
    "gap_outliers",
    "hutchinson_trace",
    "loss_hessian",
    "plan_budget",
    "power_iteration",
    "seconds_per_shot",
    "slq_density",
]
