# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Compiling circuits and observables into the arrays the Numba kernels run.

:func:`compile_circuit` turns a circuit into a short program of fused single-qubit gates,
merged diagonal two-qubit layers, permutations and fixed 4x4 gates; observables become Pauli
terms (bit masks). Public names are re-exported by :mod:`qiskit_patchqnn.simulator`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import ControlFlowOp, Gate, Parameter, ParameterExpression, QuantumCircuit
from qiskit.circuit.library import (
    CXGate,
    CZGate,
    PhaseGate,
    RXGate,
    RYGate,
    RZGate,
    SwapGate,
    U1Gate,
)
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.quantum_info import Operator, SparseObservable

from .ops import EL_FIXED, EL_P, EL_RX, EL_RY, EL_RZ, OP_CX, OP_DIAG, OP_FUSED, OP_MAT4, OP_SWAP
from .readout import reduced_forms

__all__ = ["SUPPORTED_GATES", "UnsupportedCircuitError", "compile_circuit"]

_ROTATIONS: dict[str, tuple[int, type[Gate]]] = {
    "rx": (EL_RX, RXGate),
    "ry": (EL_RY, RYGate),
    "rz": (EL_RZ, RZGate),
    "p": (EL_P, PhaseGate),
    "u1": (EL_P, U1Gate),
}
_SKIP = {"barrier", "id", "delay", "global_phase"}
_MAX_QUBITS = 30
SUPPORTED_GATES = frozenset(
    {"rx", "ry", "rz", "p", "u1", "cz", "cx", "swap"}
    | {"any fixed 1-qubit gate", "any fixed 2-qubit gate"}
)
"""Gates :class:`BatchedEstimator` runs: parameterised ``rx``, ``ry``, ``rz``, ``p``/``u1``
(angle affine in one parameter), and every gate without free parameters on one or two qubits.
``barrier``, ``id``, ``delay`` and global phases are ignored."""


class UnsupportedCircuitError(ValueError):
    """A circuit holds an instruction that :class:`BatchedEstimator` cannot simulate."""


@dataclass(frozen=True)
class _Program:
    """A compiled circuit: the arrays that the Numba kernels run (picklable)."""

    num_qubits: int
    num_parameters: int
    op_kind: np.ndarray
    op_a: np.ndarray
    op_b: np.ndarray
    op_c: np.ndarray
    el_kind: np.ndarray
    el_param: np.ndarray
    el_scale: np.ndarray
    el_shift: np.ndarray
    el_fixed: np.ndarray
    fixed: np.ndarray
    diags: np.ndarray
    mats4: np.ndarray

    @functools.cached_property
    def tail(self) -> int:
        """First op of the trailing single-qubit gates (one per qubit, after all 2-qubit ops)."""
        two = np.flatnonzero(self.op_kind != OP_FUSED)
        return int(two[-1]) + 1 if two.size else 0

    @functools.cached_property
    def tail_op(self) -> np.ndarray:
        """For each qubit, the index of its trailing single-qubit op, or -1."""
        out = np.full(self.num_qubits, -1, dtype=np.int64)
        for o in range(self.tail, len(self.op_kind)):
            out[self.op_a[o]] = o
        return out

    @functools.cached_property
    def adjoint_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the derivative kernels need beside :meth:`kernel_args`.

        ``(mats4_adj, fixed_rot, op_param)``: the conjugate transposes of the fixed 4x4 gates;
        for each fixed 2x2 matrix ``f`` the rotation ``R[a, b] = Re tr(s_b f^dag s_a f) / 2``
        of the Pauli vector ``s = (X, Y, Z)`` under conjugation; per op, whether it has an
        element with a parameter.
        """
        mats4_adj = np.ascontiguousarray(np.conj(np.transpose(self.mats4, (0, 2, 1))))
        paulis = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
        f = self.fixed
        conj = np.einsum("fji,ajk,fkl->fail", np.conj(f), paulis, f)  # f^dag s_a f
        fixed_rot = np.ascontiguousarray(0.5 * np.einsum("bli,fail->fab", paulis, conj).real)
        op_param = np.zeros(len(self.op_kind), dtype=np.bool_)
        for o in np.flatnonzero(self.op_kind == OP_FUSED):
            op_param[o] = bool(np.any(self.el_param[self.op_b[o] : self.op_c[o]] >= 0))
        return mats4_adj, fixed_rot, op_param

    def kernel_args(self) -> tuple:
        """The program arrays in the kernels' argument order."""
        return (
            self.num_qubits,
            self.op_kind,
            self.op_a,
            self.op_b,
            self.op_c,
            self.el_kind,
            self.el_param,
            self.el_scale,
            self.el_shift,
            self.el_fixed,
            self.fixed,
            self.diags,
            self.mats4,
        )


@dataclass(frozen=True)
class _Observables:
    """Observables flattened to Pauli terms: observable ``o`` is terms ``ptr[o]:ptr[o + 1]``."""

    ptr: np.ndarray
    xmask: np.ndarray
    zmask: np.ndarray
    ny: np.ndarray
    coeff: np.ndarray

    @functools.cached_property
    def reduced_forms(self) -> tuple[np.ndarray, np.ndarray]:
        """Terms as linear forms of one-qubit reduced density matrices (lane kernel)."""
        return reduced_forms(self.xmask, self.zmask, self.ny, self.coeff)

    @functools.cached_property
    def max_weight(self) -> int:
        """Largest number of qubits a term acts on (0 without terms)."""
        support = self.xmask | self.zmask
        return max((bin(int(s)).count("1") for s in support), default=0)


def _affine(expr: object, index: dict[Parameter, int], where: str) -> tuple[int, float, float]:
    """Return ``(param_index, a, b)`` with angle ``a * theta + b`` (``-1`` for a constant)."""
    try:
        if not isinstance(expr, ParameterExpression):
            return -1, 0.0, float(expr)  # type: ignore[arg-type]
        params = expr.parameters
        if not params:
            return -1, 0.0, float(expr.numeric())
    except TypeError as exc:
        raise UnsupportedCircuitError(f"{where}: angle {expr} is not a real number") from exc
    if len(params) != 1:
        names = sorted(p.name for p in params)
        raise UnsupportedCircuitError(
            f"{where}: angle {expr} depends on several parameters {names}; "
            "only angles affine in one parameter are supported"
        )
    (p,) = params
    try:
        grad = expr.gradient(p)
        if isinstance(grad, ParameterExpression):
            if grad.parameters:
                raise TypeError("non-constant derivative")
            grad = grad.numeric()
        a = float(grad)  # type: ignore[arg-type]
        b = float(expr.bind({p: 0.0}).numeric())  # type: ignore[arg-type]
    except (TypeError, ValueError, RuntimeError) as exc:
        raise UnsupportedCircuitError(
            f"{where}: angle {expr} is not affine in parameter {p.name!r} ({exc})"
        ) from None
    return index[p], a, b


def _rotation_matrix(kind: int, angle: float) -> np.ndarray:
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    if kind == EL_RX:
        return np.array([[c, -1j * s], [-1j * s, c]])
    if kind == EL_RY:
        return np.array([[c, -s], [s, c]], dtype=complex)
    if kind == EL_RZ:
        return np.array([[c - 1j * s, 0], [0, c + 1j * s]])
    return np.array([[1, 0], [0, np.exp(1j * angle)]])


def _matrix(op: Any, where: str) -> np.ndarray:
    try:
        return Operator(op).data
    except Exception as exc:  # noqa: BLE001 - any failure means "no unitary matrix"
        raise UnsupportedCircuitError(
            f"{where}: instruction {op.name!r} has no unitary matrix ({exc})"
        ) from None


def compile_circuit(circuit: QuantumCircuit) -> _Program:
    """Compile a circuit into the fused program that the batched kernels run.

    Runs of single-qubit gates are fused per qubit (constant stretches into one matrix),
    consecutive ``cz`` gates merge into one diagonal, ``cx`` and ``swap`` become index
    permutations and any other fixed two-qubit gate a 4x4 matrix.

    Args:
        circuit: a unitary circuit of at most 30 qubits.

    Returns:
        The compiled program (an opaque, picklable object).

    Raises:
        UnsupportedCircuitError: for measurements, resets, control flow, parameterised gates
            other than ``rx``, ``ry``, ``rz``, ``p``/``u1``, angles that are not affine in one
            parameter, and gates on three or more qubits; the message names the instruction.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> qc = QuantumCircuit(2)
        >>> _ = qc.ry(2 * Parameter("a") + 0.3, 0)
        >>> _ = qc.cz(0, 1)
        >>> prog = compile_circuit(qc)
        >>> prog.num_qubits, prog.num_parameters
        (2, 1)
    """
    n = circuit.num_qubits
    if n > _MAX_QUBITS:
        raise UnsupportedCircuitError(
            f"circuit has {n} qubits; BatchedEstimator simulates at most {_MAX_QUBITS}"
        )
    qindex = {q: i for i, q in enumerate(circuit.qubits)}
    pindex = {p: i for i, p in enumerate(circuit.parameters)}
    fixed: list[np.ndarray] = []
    mats4: list[np.ndarray] = []
    diags: list[np.ndarray] = []
    elements: list[tuple[int, int, float, float, int]] = []
    ops: list[tuple[int, int, int, int]] = []
    pending: dict[int, list[tuple[int, int, float, float, np.ndarray | None]]] = {}
    basis = np.arange(1 << n)

    def flush() -> None:
        for q in sorted(pending):
            start = len(elements)
            acc: np.ndarray | None = None
            for kind, pi, a, b, m in pending[q]:
                if pi >= 0:
                    if acc is not None:
                        fixed.append(acc)
                        elements.append((EL_FIXED, -1, 0.0, 0.0, len(fixed) - 1))
                        acc = None
                    elements.append((kind, pi, a, b, -1))
                    continue
                mat = m if m is not None else _rotation_matrix(kind, b)
                acc = mat if acc is None else mat @ acc
            if acc is not None:
                fixed.append(acc)
                elements.append((EL_FIXED, -1, 0.0, 0.0, len(fixed) - 1))
            ops.append((OP_FUSED, q, start, len(elements)))
        pending.clear()

    for pos, inst in enumerate(circuit.data):
        op: Any = inst.operation
        name = op.name
        qubits = [qindex[q] for q in inst.qubits]
        where = f"instruction {pos} ({name!r} on qubits {qubits})"
        if name in _SKIP or (not qubits and not inst.clbits and isinstance(op, Gate)):
            continue
        if (
            inst.clbits
            or name in {"measure", "reset", "initialize"}
            or isinstance(op, ControlFlowOp)
            or getattr(op, "condition", None) is not None
        ):
            raise UnsupportedCircuitError(
                f"{where}: {name!r} is not supported (no measurements, resets, state "
                "initialisation or classical control); the estimator needs a unitary circuit"
            )
        if len(qubits) == 1 and name in _ROTATIONS and isinstance(op, _ROTATIONS[name][1]):
            pi, a, b = _affine(op.params[0], pindex, where)
            pending.setdefault(qubits[0], []).append((_ROTATIONS[name][0], pi, a, b, None))
            continue
        free = sorted(
            {p.name for e in op.params if isinstance(e, ParameterExpression) for p in e.parameters}
        )
        if free:
            raise UnsupportedCircuitError(
                f"{where}: parameterised gate {name!r} (parameters {free}) is not supported; "
                "only rx, ry, rz and p may carry parameters: transpile to basis "
                "['rx', 'ry', 'rz', 'cz', 'cx'] first"
            )
        if len(qubits) > 2:
            raise UnsupportedCircuitError(
                f"{where}: gate {name!r} acts on {len(qubits)} qubits; only 1- and 2-qubit "
                "gates are supported: transpile to basis ['rx', 'ry', 'rz', 'cz', 'cx'] first"
            )
        if len(qubits) == 1:
            pending.setdefault(qubits[0], []).append((EL_FIXED, -1, 0.0, 0.0, _matrix(op, where)))
            continue
        flush()
        q0, q1 = qubits
        if name == "cz" and isinstance(op, CZGate):
            sign = np.where(((basis >> q0) & 1) & ((basis >> q1) & 1), -1.0, 1.0)
            if ops and ops[-1][0] == OP_DIAG:
                diags[ops[-1][1]] = diags[ops[-1][1]] * sign
            else:
                diags.append(sign)
                ops.append((OP_DIAG, len(diags) - 1, 0, 0))
        elif name == "cx" and isinstance(op, CXGate):
            ops.append((OP_CX, q0, q1, 0))
        elif name == "swap" and isinstance(op, SwapGate):
            ops.append((OP_SWAP, q0, q1, 0))
        else:
            mats4.append(_matrix(op, where))
            ops.append((OP_MAT4, q0, q1, len(mats4) - 1))
    flush()

    el = np.array(elements, dtype=float).reshape(-1, 5)
    op_arr = np.array(ops, dtype=np.int64).reshape(-1, 4)
    return _Program(
        num_qubits=n,
        num_parameters=len(pindex),
        op_kind=op_arr[:, 0].copy(),
        op_a=op_arr[:, 1].copy(),
        op_b=op_arr[:, 2].copy(),
        op_c=op_arr[:, 3].copy(),
        el_kind=el[:, 0].astype(np.int64),
        el_param=el[:, 1].astype(np.int64),
        el_scale=el[:, 2].copy(),
        el_shift=el[:, 3].copy(),
        el_fixed=el[:, 4].astype(np.int64),
        fixed=np.array(fixed, dtype=complex).reshape(-1, 2, 2),
        diags=np.array(diags, dtype=float).reshape(-1, 1 << n),
        mats4=np.array(mats4, dtype=complex).reshape(-1, 4, 4),
    )


def _compile_observables(observables: ObservablesArray, num_qubits: int) -> _Observables:
    """Flatten every observable of ``observables`` (in ravelled order) to Pauli terms."""
    ptr = [0]
    xm: list[int] = []
    zm: list[int] = []
    ny: list[int] = []
    coeff: list[float] = []
    for obs in observables.ravel().tolist():
        for label, c in obs.items():
            if set(label) <= set("IXYZ"):
                terms = [(label, complex(c))]
            else:  # projectors such as "0", "+", "r": expand into Paulis
                paulis = SparseObservable.from_list([(label, c)]).as_paulis()
                terms = [
                    (_dense_label(lab, idx, num_qubits), complex(cc))
                    for lab, idx, cc in paulis.to_sparse_list()
                ]
            for lab, cc in terms:
                x = z = y = 0
                for q, ch in enumerate(reversed(lab)):
                    if ch in "XY":
                        x |= 1 << q
                    if ch in "ZY":
                        z |= 1 << q
                    y += ch == "Y"
                xm.append(x)
                zm.append(z)
                ny.append(y)
                coeff.append(cc.real)
        ptr.append(len(coeff))
    return _Observables(
        ptr=np.array(ptr, dtype=np.int64),
        xmask=np.array(xm, dtype=np.int64),
        zmask=np.array(zm, dtype=np.int64),
        ny=np.array(ny, dtype=np.int64),
        coeff=np.array(coeff, dtype=float),
    )


def _dense_label(label: str, indices: list[int], num_qubits: int) -> str:
    chars = ["I"] * num_qubits
    for ch, q in zip(label, indices, strict=True):
        chars[num_qubits - 1 - q] = ch
    return "".join(chars)
