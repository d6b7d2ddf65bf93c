# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The pure patch model: layout and circuit to binding columns, outputs to logits.

* :class:`PatchModel` (``patch_model.py``): images and weights to the rows at which the shared
  patch circuit is evaluated, patch outputs to class logits, and the maps that carry
  derivatives between weight space and each patch's local parameters;
* :class:`AnglePlan` (``angles.py``): the gate angles of the circuit and the chain rule from
  them to its parameters;
* :class:`FactoredValues` (``columns.py``): binding columns given as parts that broadcast
  (weights per patch × inputs per sample), never materialised when the estimator does not need
  it.

Nothing here talks to an estimator; :class:`~qiskit_patchqnn.PatchQNN` composes the model with
an executor and derivative rules.
"""

from .angles import AnglePlan
from .columns import FactoredValues
from .patch_model import PatchModel

__all__ = ["AnglePlan", "FactoredValues", "PatchModel"]
