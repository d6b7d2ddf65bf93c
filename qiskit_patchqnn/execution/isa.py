# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""ISA preparation of a patch circuit: transpiled once, observables mapped through its layout."""

from __future__ import annotations

from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

__all__ = ["device_of", "transpile_patch"]


def device_of(estimator: Any) -> Any | None:
    """The device (a backend with ``num_qubits``) an estimator runs on, or ``None``.

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> device_of(BatchedEstimator()) is None
        True
    """
    for attr in ("_backend", "backend"):
        backend = getattr(estimator, attr, None)
        if backend is not None and hasattr(backend, "num_qubits") and not callable(backend):
            return backend
    return None


def transpile_patch(
    circuit: QuantumCircuit,
    observables: list[SparsePauliOp],
    pass_manager: Any,
    *,
    device: Any | None = None,
) -> tuple[QuantumCircuit, list[SparsePauliOp]]:
    """Transpile ``circuit`` once and lay the observables out on the ISA circuit.

    The observables are mapped with ``apply_layout(isa.layout)`` (initial layout and the
    routing permutation). The ISA circuit keeps every parameter of ``circuit`` under the same
    name and in the same order, so columns bound for ``circuit`` bind the ISA circuit too.

    Args:
        circuit: the logical patch circuit.
        observables: its observables.
        pass_manager: anything with ``run(circuit)`` (a preset pass manager).
        device: the backend, to report a too-wide circuit before transpiling.

    Raises:
        ValueError: the circuit is wider than the device.

    Example:
        >>> from qiskit.providers.fake_provider import GenericBackendV2
        >>> from qiskit.transpiler import generate_preset_pass_manager
        >>> backend = GenericBackendV2(3, coupling_map=[[0, 1], [1, 2]], seed=1)
        >>> pm = generate_preset_pass_manager(1, backend=backend, seed_transpiler=0)
        >>> qc = QuantumCircuit(2)
        >>> _ = qc.cz(0, 1)
        >>> isa, obs = transpile_patch(qc, [SparsePauliOp("IZ")], pm)
        >>> isa.num_qubits, obs[0].num_qubits
        (3, 3)
    """
    name = getattr(device, "name", "?")
    width = getattr(device, "num_qubits", None)
    if isinstance(width, int) and circuit.num_qubits > width:
        raise ValueError(
            f"patch circuit needs {circuit.num_qubits} qubits but device {name} has {width}"
        )
    from qiskit.transpiler.exceptions import TranspilerError

    try:
        isa = pass_manager.run(circuit)
    except TranspilerError as exc:
        if "greater than" in str(exc) or "more virtual qubits" in str(exc):
            raise ValueError(
                f"patch circuit needs {circuit.num_qubits} qubits but device {name} has "
                f"{width if width is not None else 'fewer'} ({exc})"
            ) from exc
        raise
    isa = _restore_parameters(circuit, isa)
    if isa.layout is None:
        return isa, [SparsePauliOp(o) for o in observables]
    return isa, [SparsePauliOp(o).apply_layout(isa.layout) for o in observables]


def _restore_parameters(circuit: QuantumCircuit, isa: QuantumCircuit) -> QuantumCircuit:
    """Give ``isa`` every parameter of ``circuit`` (a transpiler may drop an unused one)."""
    have = {p.name for p in isa.parameters}
    missing = [p for p in circuit.parameters if p.name not in have]
    if missing:
        phase = isa.global_phase
        for p in missing:
            phase = phase + 0 * p  # keeps p in the parameter table, no effect on any value
        isa.global_phase = phase
    logical = [p.name for p in circuit.parameters]
    if [p.name for p in isa.parameters] != logical:
        raise ValueError("transpiled circuit has parameters the patch circuit does not have")
    return isa
