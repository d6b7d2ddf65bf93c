# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Backend specs to estimators, and ISA preparation of patch circuits."""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp

__all__ = ["resolve", "transpile_patch"]


def resolve(spec: str = "exact") -> tuple[BaseEstimatorV2, object | None]:
    """Turn a backend spec string into ``(estimator, pass_manager)``."""
    if spec == "exact":
        from .estimator import BatchedEstimator

        return BatchedEstimator(), None
    if spec == "aer":
        from qiskit_aer.primitives import EstimatorV2

        return EstimatorV2(
            options={
                "backend_options": {"method": "statevector", "runtime_parameter_bind_enable": True}
            }
        ), None
    raise ValueError(f"unknown backend spec {spec!r}; valid forms: 'exact', 'aer'")


def transpile_patch(
    circuit: QuantumCircuit, observables: list[SparsePauliOp], pass_manager: object
) -> tuple[QuantumCircuit, list[SparsePauliOp]]:
    """Transpile ``circuit`` once and lay the observables out on the ISA circuit."""
    isa = pass_manager.run(circuit)  # type: ignore[attr-defined]
    return isa, [o.apply_layout(isa.layout) for o in observables]
