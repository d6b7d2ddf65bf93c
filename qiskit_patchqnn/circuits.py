# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Circuit builders for one patch: the paper's layered circuit, generalised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

__all__ = [
    "PatchCircuit",
    "num_patch_weights",
    "patch_circuit",
    "readout_observables",
]


@dataclass(frozen=True)
class PatchCircuit:
    """A parameterised circuit for one patch and the roles of its parameters.

    Attributes:
        circuit: the circuit.
        input_params: parameters that receive the (scaled) patch features, in feature order.
        weight_params: trainable parameters, in weight-vector order.
    """

    circuit: QuantumCircuit
    input_params: tuple[Parameter, ...]
    weight_params: tuple[Parameter, ...]

    @property
    def num_inputs(self) -> int:
        """Number of input parameters."""
        return len(self.input_params)

    @property
    def num_weights(self) -> int:
        """Number of trainable parameters."""
        return len(self.weight_params)


def num_patch_weights(num_qubits: int, num_features: int, depth: int) -> int:
    """Number of weights of :func:`patch_circuit`: ``6 * depth * num_qubits + 2 * num_features``.

    With the paper's 8 qubits and 64 features this is ``48 d + 128``.

    Example:
        >>> num_patch_weights(8, 64, 50)
        2528
    """
    return 6 * depth * num_qubits + 2 * num_features


def patch_circuit(num_qubits: int = 8, num_features: int = 64, depth: int = 1) -> PatchCircuit:
    r"""The paper's patch circuit, for any number of qubits and features.

    Layout (paper-notes §1.2): trainable block A, encoding stage 1, CZ ring, block B, encoding
    stage 2, CZ ring, block C. A block is ``depth`` layers of RX on every qubit, RY on every
    qubit and a CZ ring; the very last layer of block C has no CZ ring. Stage 1 loads the first
    half of the features (rounded up), stage 2 the rest; within a stage the features are dealt to
    the qubits in contiguous runs (feature ``4q + j`` on qubit ``q`` for the paper's sizes), and
    the ``j``-th feature on a qubit is wrapped by two trainable rotations:

    .. math::

        j \text{ even: } R_Y(\phi')\,R_X(x)\,R_Y(\phi), \qquad
        j \text{ odd: } R_X(\phi')\,R_Y(x)\,R_X(\phi).

    Args:
        num_qubits: qubits per patch.
        num_features: features per patch (at least one per qubit and stage is not required).
        depth: layers per trainable block, ``d``.

    Returns:
        The circuit with its input and weight parameters; it has
        ``6 * depth * num_qubits + 2 * num_features`` weights.

    Raises:
        ValueError: for a non-positive size.

    Example:
        >>> pc = patch_circuit(8, 64, depth=1)
        >>> pc.num_weights, pc.num_inputs
        (176, 64)
    """
    for name, value, low in (
        ("num_qubits", num_qubits, 1),
        ("num_features", num_features, 1),
        ("depth", depth, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    n = int(num_qubits)
    # "input" sorts before "weight", so circuit.parameters lists inputs then weights: the same
    # order as PatchQNN's local parameter vectors (binding needs no column permutation).
    x = ParameterVector("input", num_features)
    w = ParameterVector("weight", num_patch_weights(n, num_features, depth))
    qc = QuantumCircuit(n, name=f"patch_q{n}_f{num_features}_d{depth}")
    counter = iter(range(len(w)))

    def ring() -> None:
        if n == 2:
            qc.cz(0, 1)
        elif n > 2:
            for q in range(n):
                qc.cz(q, (q + 1) % n)

    def block(last: bool) -> None:
        for layer in range(depth):
            for q in range(n):
                qc.rx(w[next(counter)], q)
            for q in range(n):
                qc.ry(w[next(counter)], q)
            if not (last and layer == depth - 1):
                ring()

    def encode(features: np.ndarray) -> None:
        for q, run in enumerate(np.array_split(features, n)):
            for j, f in enumerate(run):
                outer, inner = (qc.ry, qc.rx) if j % 2 == 0 else (qc.rx, qc.ry)
                outer(w[next(counter)], q)
                inner(x[int(f)], q)
                outer(w[next(counter)], q)

    half = (num_features + 1) // 2
    block(last=False)
    encode(np.arange(half))
    ring()
    block(last=False)
    encode(np.arange(half, num_features))
    ring()
    block(last=True)
    return PatchCircuit(qc, tuple(x), tuple(w))


def readout_observables(num_qubits: int, num_classes: int) -> list[SparsePauliOp]:
    r"""One single-qubit Pauli observable per class.

    With :math:`m = \lceil C/2 \rceil`, classes ``0..m-1`` read :math:`\langle X_q\rangle` and
    classes ``m..C-1`` read :math:`\langle Z_q\rangle` on qubits ``0, 1, ...``; for ten classes
    this is the paper's :math:`X_0..X_4, Z_0..Z_4`.

    Args:
        num_qubits: width of the circuit.
        num_classes: number of classes ``C``.

    Returns:
        ``C`` observables, in class order.

    Raises:
        ValueError: if ``ceil(C / 2)`` exceeds the number of qubits.

    Example:
        >>> [op.paulis[0].to_label() for op in readout_observables(3, 4)]
        ['IIX', 'IXI', 'IIZ', 'IZI']
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise ValueError(f"num_classes must be an integer, got {num_classes!r}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    m = (num_classes + 1) // 2
    if m > num_qubits:
        raise ValueError(
            f"num_classes={num_classes} needs ceil(C/2)={m} readout qubits but the patch "
            f"circuit has only {num_qubits}"
        )
    ops = []
    for c in range(num_classes):
        pauli, q = ("X", c) if c < m else ("Z", c - m)
        ops.append(SparsePauliOp.from_sparse_list([(pauli, [q], 1.0)], num_qubits))
    return ops
