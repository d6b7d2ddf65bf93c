# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""A batched exact statevector estimator for many parameter bindings of small circuits.

Aer's ``EstimatorV2`` spends most of its time per binding on overhead when circuits are small
(4-8 qubits). :class:`BatchedEstimator` compiles a circuit once into a short program of fused
single-qubit rotations, merged diagonal two-qubit layers and permutation gates, then runs that
program for every binding inside one compiled (Numba) loop, parallel over bindings. It
implements Qiskit's :class:`~qiskit.primitives.BaseEstimatorV2`, so PUB broadcasting, result
shapes and metadata are the same as for any other estimator.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numba
import numpy as np
from qiskit.circuit import Parameter, ParameterExpression, QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.primitives.containers import DataBin, EstimatorPubLike, PrimitiveResult, PubResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.primitive_job import PrimitiveJob
from qiskit.quantum_info import Operator

from ._kernels import simulate_expectations, simulate_states

__all__ = ["BatchedEstimator", "UnsupportedCircuitError", "SUPPORTED_GATES"]

_ROTATIONS = {"rx": 1, "ry": 2, "rz": 3, "p": 4, "u1": 4}
_SKIP = {"barrier", "id", "delay"}
SUPPORTED_GATES = frozenset(
    {"rx", "ry", "rz", "p", "u1", "cz", "cx", "swap"}
    | {"any fixed 1-qubit gate", "any fixed 2-qubit gate"}
)
"""Gates :class:`BatchedEstimator` runs: parameterised ``rx``, ``ry``, ``rz``, ``p``/``u1``
(angle affine in one parameter), and every gate without free parameters on one or two qubits."""

_OP_FUSED, _OP_DIAG, _OP_CX, _OP_SWAP, _OP_MAT4 = 0, 1, 2, 3, 4


class UnsupportedCircuitError(ValueError):
    """A circuit holds an instruction that :class:`BatchedEstimator` cannot simulate."""


@dataclass(frozen=True)
class _Program:
    num_qubits: int
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


def _affine(expr: object, index: dict[Parameter, int], where: str) -> tuple[int, float, float]:
    """Return ``(param_index, a, b)`` with angle ``a * theta + b`` (``-1`` for a constant)."""
    if not isinstance(expr, ParameterExpression):
        return -1, 0.0, float(expr)  # type: ignore[arg-type]
    params = expr.parameters
    if not params:
        return -1, 0.0, float(expr.numeric())
    if len(params) != 1:
        names = sorted(p.name for p in params)
        raise UnsupportedCircuitError(
            f"{where}: angle {expr} depends on several parameters {names}; "
            "only angles affine in one parameter are supported"
        )
    (p,) = params
    b = float(expr.bind({p: 0.0}).numeric())
    a = float(expr.bind({p: 1.0}).numeric()) - b
    check = float(expr.bind({p: 2.7}).numeric())
    if abs(check - (2.7 * a + b)) > 1e-9 * max(1.0, abs(check)):
        raise UnsupportedCircuitError(
            f"{where}: angle {expr} is not affine in parameter {p.name!r}"
        )
    return index[p], a, b


def _rotation_matrix(kind: int, angle: float) -> np.ndarray:
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    if kind == 1:
        return np.array([[c, -1j * s], [-1j * s, c]])
    if kind == 2:
        return np.array([[c, -s], [s, c]], dtype=complex)
    if kind == 3:
        return np.array([[c - 1j * s, 0], [0, c + 1j * s]])
    return np.array([[1, 0], [0, np.exp(1j * angle)]])


def compile_circuit(circuit: QuantumCircuit) -> _Program:
    """Compile a circuit into the fused program that :func:`simulate` runs.

    Raises:
        UnsupportedCircuitError: for measurements, resets, conditionals, parameterised gates
            other than ``rx``, ``ry``, ``rz``, ``p``, and gates on three or more qubits.
    """
    n = circuit.num_qubits
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
            run = pending[q]
            start = len(elements)
            if all(pi < 0 for _, pi, _, _, _ in run):
                mat = np.eye(2, dtype=complex)
                for kind, _, a, b, m in run:
                    mat = (m if m is not None else _rotation_matrix(kind, b)) @ mat
                fixed.append(mat)
                elements.append((0, -1, 0.0, 0.0, len(fixed) - 1))
            else:
                for kind, pi, a, b, m in run:
                    if m is not None:
                        fixed.append(m)
                        elements.append((0, -1, 0.0, 0.0, len(fixed) - 1))
                    else:
                        elements.append((kind, pi, a, b, -1))
            ops.append((_OP_FUSED, q, start, len(elements)))
        pending.clear()

    for pos, inst in enumerate(circuit.data):
        op = inst.operation
        name = op.name
        qubits = [qindex[q] for q in inst.qubits]
        where = f"instruction {pos} ({name} on qubits {qubits})"
        if name in _SKIP:
            continue
        if inst.clbits or name in {"measure", "reset"} or getattr(op, "condition", None):
            raise UnsupportedCircuitError(
                f"{where}: measurements, resets and classical control are not supported; "
                "the estimator needs a unitary circuit"
            )
        free = [p for p in op.params if isinstance(p, ParameterExpression) and p.parameters]
        if len(qubits) == 1 and name in _ROTATIONS:
            pi, a, b = _affine(op.params[0], pindex, where)
            pending.setdefault(qubits[0], []).append((_ROTATIONS[name], pi, a, b, None))
            continue
        if free:
            raise UnsupportedCircuitError(
                f"{where}: parameterised gate {name!r} (parameter "
                f"{sorted(p.name for e in free for p in e.parameters)[0]!r}) is not supported; "
                "transpile to basis ['rx', 'ry', 'rz', 'cz', 'cx'] first"
            )
        if len(qubits) == 1:
            pending.setdefault(qubits[0], []).append((0, -1, 0.0, 0.0, Operator(op).data))
            continue
        if len(qubits) != 2:
            raise UnsupportedCircuitError(
                f"{where}: gates on {len(qubits)} qubits are not supported; "
                "transpile to basis ['rx', 'ry', 'rz', 'cz', 'cx'] first"
            )
        flush()
        q0, q1 = qubits
        if name == "cz":
            sign = np.where(((basis >> q0) & 1) & ((basis >> q1) & 1), -1.0, 1.0)
            if ops and ops[-1][0] == _OP_DIAG:
                diags[ops[-1][1]] = diags[ops[-1][1]] * sign
            else:
                diags.append(sign)
                ops.append((_OP_DIAG, len(diags) - 1, 0, 0))
        elif name == "cx":
            ops.append((_OP_CX, q0, q1, 0))
        elif name == "swap":
            ops.append((_OP_SWAP, q0, q1, 0))
        else:
            try:
                mat = Operator(op).data
            except Exception as exc:  # noqa: BLE001 - any failure means "no matrix"
                raise UnsupportedCircuitError(f"{where}: gate has no matrix ({exc})") from None
            mats4.append(mat)
            ops.append((_OP_MAT4, q0, q1, len(mats4) - 1))
    flush()

    el = np.array(elements, dtype=float).reshape(-1, 5)
    op_arr = np.array(ops, dtype=np.int64).reshape(-1, 4)
    return _Program(
        num_qubits=n,
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


def _pauli_terms(labels: list[str], num_qubits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xmask = np.zeros(len(labels), dtype=np.int64)
    zmask = np.zeros(len(labels), dtype=np.int64)
    ny = np.zeros(len(labels), dtype=np.int64)
    for t, label in enumerate(labels):
        if len(label) != num_qubits:
            raise ValueError(
                f"observable term {label!r} acts on {len(label)} qubits, circuit has {num_qubits}"
            )
        for q, ch in enumerate(reversed(label)):
            if ch in "XY":
                xmask[t] |= 1 << q
            if ch in "ZY":
                zmask[t] |= 1 << q
            if ch == "Y":
                ny[t] += 1
            elif ch not in "IXZ":
                raise ValueError(f"observable term {label!r} is not a Pauli string")
    return xmask, zmask, ny


class BatchedEstimator(BaseEstimatorV2):
    """Exact statevector estimator, batched and compiled over parameter bindings.

    Every PUB is simulated exactly (no sampling). Bindings are processed in chunks of
    ``chunk_size`` so that memory stays bounded, and each chunk runs in parallel over
    ``num_threads`` cores. The expectation values equal Qiskit's
    :class:`~qiskit.primitives.StatevectorEstimator` to floating-point rounding.

    Args:
        default_precision: when positive, Gaussian noise of this standard deviation is added to
            every expectation value (as ``StatevectorEstimator`` does) and reported as ``stds``.
        seed: seed for that noise.
        chunk_size: bindings simulated per chunk.
        num_threads: threads for the compiled loop (default: Numba's default, all cores).

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> theta = Parameter("t")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.ry(theta, 0)
        >>> res = BatchedEstimator().run([(qc, "Z", [[0.0], [np.pi]])]).result()
        >>> np.round(res[0].data.evs, 12).tolist()
        [1.0, -1.0]
    """

    def __init__(
        self,
        *,
        default_precision: float = 0.0,
        seed: int | np.random.Generator | None = None,
        chunk_size: int = 16384,
        num_threads: int | None = None,
    ) -> None:
        if default_precision < 0:
            raise ValueError(f"default_precision must be >= 0, got {default_precision}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self._default_precision = float(default_precision)
        self._seed = seed
        self._chunk_size = int(chunk_size)
        self._num_threads = num_threads
        self._cache: dict[int, tuple[weakref.ref, int, _Program]] = {}

    @property
    def default_precision(self) -> float:
        """Default precision (0 means exact)."""
        return self._default_precision

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> PrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate expectation values for each PUB (see :class:`~qiskit.primitives.BaseEstimatorV2`)."""
        if precision is None:
            precision = self._default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        for pub in coerced:
            self.program(pub.circuit)  # fail early, in the caller's thread
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def program(self, circuit: QuantumCircuit) -> _Program:
        """The compiled program of ``circuit`` (cached per circuit object)."""
        key = id(circuit)
        hit = self._cache.get(key)
        if hit is not None and hit[0]() is circuit and hit[1] == len(circuit.data):
            return hit[2]
        prog = compile_circuit(circuit)
        self._cache[key] = (weakref.ref(circuit), len(circuit.data), prog)
        return prog

    def _run(self, pubs: list[EstimatorPub]) -> PrimitiveResult[PubResult]:
        if self._num_threads is not None:
            numba.set_num_threads(self._num_threads)
        rng = np.random.default_rng(self._seed)
        return PrimitiveResult([self._run_pub(pub, rng) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: EstimatorPub, rng: np.random.Generator) -> PubResult:
        circuit = pub.circuit
        prog = self.program(circuit)
        values = pub.parameter_values.as_array(circuit.parameters)
        pshape = pub.parameter_values.shape
        values = values.reshape(-1, values.shape[-1]) if values.size else np.zeros((1, 0))
        values = np.ascontiguousarray(values, dtype=float)
        if values.shape[0] != int(np.prod(pshape, dtype=int)):
            values = np.zeros((int(np.prod(pshape, dtype=int)), 0))
        obs = pub.observables
        obs_list = obs.ravel().tolist()
        labels: dict[str, int] = {}
        for o in obs_list:
            for label in o:
                labels.setdefault(label, len(labels))
        coeffs = np.zeros((len(obs_list), len(labels)))
        for i, o in enumerate(obs_list):
            for label, c in o.items():
                coeffs[i, labels[label]] += np.real(c)
        term_values = self.expectation_terms(prog, values, list(labels))
        shape = np.broadcast_shapes(pshape, obs.shape)
        p_idx = np.broadcast_to(np.arange(values.shape[0]).reshape(pshape), shape).ravel()
        o_idx = np.broadcast_to(np.arange(len(obs_list)).reshape(obs.shape), shape).ravel()
        if len(obs_list) * values.shape[0] <= 4 * max(len(p_idx), 1):
            evs = (term_values @ coeffs.T)[p_idx, o_idx]
        else:
            evs = np.einsum("st,st->s", term_values[p_idx], coeffs[o_idx])
        evs = evs.reshape(shape)
        precision = pub.precision
        if precision > 0:
            evs = evs + rng.normal(0.0, precision, size=evs.shape)
        stds = np.full(shape, float(precision))
        data = DataBin(evs=evs, stds=stds, shape=shape)
        return PubResult(
            data,
            metadata={
                "target_precision": float(precision),
                "circuit_metadata": circuit.metadata,
                "simulator": "qiskit_patchqnn.BatchedEstimator",
                "num_bindings": int(values.shape[0]),
            },
        )

    def expectation_terms(
        self, prog: _Program, values: np.ndarray, labels: list[str]
    ) -> np.ndarray:
        """Expectation values of Pauli strings for every binding, shape ``(B, len(labels))``.

        Bindings are simulated in chunks of ``chunk_size``; only the output is kept.
        """
        n = prog.num_qubits
        xmask, zmask, ny = _pauli_terms(labels, n)
        out = np.empty((values.shape[0], len(labels)))
        for start in range(0, values.shape[0], self._chunk_size):
            block = np.ascontiguousarray(values[start : start + self._chunk_size], dtype=float)
            out[start : start + len(block)] = simulate_expectations(
                *_program_args(prog), block, xmask, zmask, ny, 8 * numba.get_num_threads()
            )
        return out


def statevectors(circuit: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    """Final statevectors, shape ``(B, 2**n)``, of ``circuit`` for each row of ``values``.

    ``values`` has one column per parameter of ``circuit`` in ``circuit.parameters`` order.
    """
    prog = compile_circuit(circuit)
    values = np.ascontiguousarray(np.atleast_2d(values), dtype=np.float64)
    return simulate_states(*_program_args(prog), values)


def _program_args(prog: _Program) -> tuple:
    return (
        prog.num_qubits,
        prog.op_kind,
        prog.op_a,
        prog.op_b,
        prog.op_c,
        prog.el_kind,
        prog.el_param,
        prog.el_scale,
        prog.el_shift,
        prog.el_fixed,
        prog.fixed,
        prog.diags,
        prog.mats4,
    )
