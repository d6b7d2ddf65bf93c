# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator, Statevector

from qiskit_patchqnn import num_patch_weights, patch_circuit, readout_observables


@pytest.mark.parametrize("depth", [1, 2, 5, 50])
def test_paper_parameter_count(depth):
    pc = patch_circuit(8, 64, depth)
    assert pc.num_weights == 48 * depth + 128 == num_patch_weights(8, 64, depth)
    assert pc.num_inputs == 64
    assert pc.circuit.num_parameters == pc.num_weights + 64


def test_paper_structure_counts():
    d = 2
    ops = patch_circuit(8, 64, d).circuit.count_ops()
    # rotations: 3 blocks * d layers * 2 * 8 trainable + 64 features * 3 rotations each
    assert ops["rx"] + ops["ry"] == 3 * d * 16 + 64 * 3
    # CZ rings: after every block layer except the very last, plus two after the encodings
    assert ops["cz"] == 8 * (3 * d - 1 + 2)


def test_encoding_pattern_on_qubit():
    pc = patch_circuit(8, 64, 1)
    x = pc.input_params
    # qubit 0 loads features 0..3 in stage 1: RY x RX x RY, then RX y RY x RX ...
    seq = [
        (inst.operation.name, inst.operation.params[0])
        for inst in pc.circuit.data
        if inst.operation.name in ("rx", "ry") and pc.circuit.find_bit(inst.qubits[0]).index == 0
    ]
    names = [n for n, p in seq if p in set(x)]
    assert names[:4] == ["rx", "ry", "rx", "ry"]
    used = [p for n, p in seq if p in set(x)][:4]
    assert used == [x[0], x[1], x[2], x[3]]


def test_readout_is_paper_order():
    labels = [op.paulis[0].to_label() for op in readout_observables(8, 10)]
    assert labels[0] == "IIIIIIIX" and labels[4] == "IIIXIIII"
    assert labels[5] == "IIIIIIIZ" and labels[9] == "IIIZIIII"
    with pytest.raises(ValueError, match="readout qubits"):
        readout_observables(4, 10)


def test_circuit_is_correct_unitary_for_tiny_case():
    # 2 qubits, 2 features, depth 0: RY RX(x0) RY on q0, RY RX(x1) RY on q1, CZ, CZ
    pc = patch_circuit(2, 2, 0)
    vals = np.array([0.3, -0.7, 0.1, 0.2, 0.4, 0.5])  # x0, x1, then weights w0..w3
    params = (*pc.input_params, *pc.weight_params)
    bound = pc.circuit.assign_parameters(dict(zip(params, vals, strict=True)))
    from qiskit.circuit.library import RXGate, RYGate

    def chain(w_a, xv, w_b):
        return RYGate(w_b).to_matrix() @ RXGate(xv).to_matrix() @ RYGate(w_a).to_matrix()

    # stage 1 holds feature 0 on qubit 0; stage 2 holds feature 1 on qubit 0 (array_split)
    u1 = np.kron(np.eye(2), chain(vals[2], vals[0], vals[3]))
    u2 = np.kron(np.eye(2), chain(vals[4], vals[1], vals[5]))
    cz = np.diag([1, 1, 1, -1])
    expected = cz @ u2 @ cz @ u1
    np.testing.assert_allclose(Operator(bound).data, expected, atol=1e-12)
    sv = Statevector(bound)
    assert abs(np.linalg.norm(sv.data) - 1) < 1e-12


def test_bad_sizes():
    with pytest.raises(ValueError, match="num_qubits"):
        patch_circuit(0, 4, 1)
    with pytest.raises(ValueError, match="depth"):
        patch_circuit(2, 4, -1)
