# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The exact simulator: a batched, compiled statevector ``BaseEstimatorV2`` for small circuits.

The layers, in the order data flows through them:

* :mod:`.program` compiles a circuit into fused single-qubit runs, merged diagonals and
  permutations, and observables into Pauli bit masks;
* :mod:`.bindings` turns a PUB's parameter values into the tables the kernels read (plain, or
  factored into broadcast parts);
* :mod:`.lanes` (blocks of bindings side by side, up to ten qubits) and :mod:`.kernels` (one
  binding at a time) run the program; :mod:`.readout` measures the lane blocks;
* :mod:`.adjoint` differentiates expectation values over blocks of bindings side by side:
  vector-Jacobian products (adjoint method), Jacobian-vector products (tangents carried
  forward) and Hessian-vector products (forward over reverse), from state passes in
  :mod:`.passes` and per-element 2x2 algebra in :mod:`.elements`, driven (checked,
  chunked, threaded) by :mod:`.differentiation`;
* :mod:`.ops` holds the op and element codes every kernel shares and the one place where
  Numba's thread count is set (and restored);
* :mod:`.estimator` is the :class:`~qiskit.primitives.BaseEstimatorV2` on top;
* :func:`warm_up` compiles every kernel into Numba's on-disk cache ahead of first use.
"""

from .estimator import BatchedEstimator, statevectors
from .program import SUPPORTED_GATES, UnsupportedCircuitError, compile_circuit
from .warmup import warm_up

__all__ = [
    "SUPPORTED_GATES",
    "BatchedEstimator",
    "UnsupportedCircuitError",
    "compile_circuit",
    "statevectors",
    "warm_up",
]
