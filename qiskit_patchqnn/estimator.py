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
import threading
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numba
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
from qiskit.primitives import BaseEstimatorV2
from qiskit.primitives.containers import DataBin, EstimatorPubLike, PrimitiveResult, PubResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.primitives.primitive_job import PrimitiveJob
from qiskit.quantum_info import Operator, SparseObservable

from ._adjoint import adjoint_vjp
from ._kernels import simulate_rows, simulate_states

__all__ = [
    "SUPPORTED_GATES",
    "BatchedEstimator",
    "UnsupportedCircuitError",
    "compile_circuit",
    "statevectors",
]

_ROTATIONS: dict[str, tuple[int, type[Gate]]] = {
    "rx": (1, RXGate),
    "ry": (2, RYGate),
    "rz": (3, RZGate),
    "p": (4, PhaseGate),
    "u1": (4, U1Gate),
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

_OP_FUSED, _OP_DIAG, _OP_CX, _OP_SWAP, _OP_MAT4 = 0, 1, 2, 3, 4
# Numba's workqueue threading layer aborts on concurrent parallel launches; serialise ours.
_KERNEL_LOCK = threading.Lock()
# Largest number of amplitudes a kernel run may keep as saved states (ops + 1) * 2**n for
# resuming consecutive bindings that share their first ops (16 bytes each: 32 MiB).
_MAX_SNAPSHOT = 1 << 21
# One long-lived worker thread runs every BatchedEstimator job. Qiskit's PrimitiveJob starts a
# fresh thread per job, and launching the parallel Numba kernel from a new thread costs a few
# milliseconds each time; the kernels are serialised by _KERNEL_LOCK anyway.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patchqnn-estimator")


class _BatchedJob(PrimitiveJob):
    """A :class:`~qiskit.primitives.primitive_job.PrimitiveJob` run on the shared worker."""

    def _submit(self) -> None:
        if self._future is not None:  # type: ignore[has-type]
            raise RuntimeError("Primitive job has been submitted already.")
        self._future = _EXECUTOR.submit(self._function, *self._args, **self._kwargs)


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
    if kind == 1:
        return np.array([[c, -1j * s], [-1j * s, c]])
    if kind == 2:
        return np.array([[c, -s], [s, c]], dtype=complex)
    if kind == 3:
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
                        elements.append((0, -1, 0.0, 0.0, len(fixed) - 1))
                        acc = None
                    elements.append((kind, pi, a, b, -1))
                    continue
                mat = m if m is not None else _rotation_matrix(kind, b)
                acc = mat if acc is None else mat @ acc
            if acc is not None:
                fixed.append(acc)
                elements.append((0, -1, 0.0, 0.0, len(fixed) - 1))
            ops.append((_OP_FUSED, q, start, len(elements)))
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
            pending.setdefault(qubits[0], []).append((0, -1, 0.0, 0.0, _matrix(op, where)))
            continue
        flush()
        q0, q1 = qubits
        if name == "cz" and isinstance(op, CZGate):
            sign = np.where(((basis >> q0) & 1) & ((basis >> q1) & 1), -1.0, 1.0)
            if ops and ops[-1][0] == _OP_DIAG:
                diags[ops[-1][1]] = diags[ops[-1][1]] * sign
            else:
                diags.append(sign)
                ops.append((_OP_DIAG, len(diags) - 1, 0, 0))
        elif name == "cx" and isinstance(op, CXGate):
            ops.append((_OP_CX, q0, q1, 0))
        elif name == "swap" and isinstance(op, SwapGate):
            ops.append((_OP_SWAP, q0, q1, 0))
        else:
            mats4.append(_matrix(op, where))
            ops.append((_OP_MAT4, q0, q1, len(mats4) - 1))
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


def _max_threads() -> int:
    """Numba's thread pool size (``NUMBA_NUM_THREADS``, all cores by default)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def _evaluate_block(
    payload: tuple[_Program, _Observables],
    values: np.ndarray,
    obs_base: np.ndarray,
    obs_offsets: np.ndarray,
    num_threads: int | None,
) -> np.ndarray:
    """Expectation values of one chunk of bindings, shape ``(k, F)``.

    Entry ``(i, f)`` is observable ``obs_base[i] + obs_offsets[f]`` on binding ``values[i]``.
    Runs in-process or as a Dask task; the numbers do not depend on where or how it is split.
    """
    prog, obs = payload
    k, f = values.shape[0], obs_offsets.shape[0]
    row_param = np.repeat(np.arange(k, dtype=np.int64), f)
    row_obs = (obs_base[:, None] + obs_offsets[None, :]).reshape(-1)
    with _KERNEL_LOCK:
        # Numba's thread count is per calling thread and sticks: always set it.
        numba.set_num_threads(num_threads or _max_threads())
        out = simulate_rows(  # type: ignore[call-arg]
            *prog.kernel_args(),
            np.ascontiguousarray(values, dtype=np.float64),
            row_param,
            row_obs,
            obs.ptr,
            obs.xmask,
            obs.zmask,
            obs.ny,
            obs.coeff,
            8 * numba.get_num_threads(),
            _MAX_SNAPSHOT,
        )
    return out.reshape(k, f)


@dataclass(frozen=True)
class _Plan:
    """How the bindings of a PUB map onto its (broadcast) output array.

    Binding ``b`` (flat index into the parameter-values shape) feeds the outputs
    ``out_base(b) + out_offsets`` with observables ``obs_base(b) + obs_offsets``.
    """

    shape: tuple[int, ...]
    pshape: tuple[int, ...]
    out_strides: np.ndarray
    obs_strides: np.ndarray
    out_offsets: np.ndarray
    obs_offsets: np.ndarray

    @classmethod
    def build(cls, pshape: tuple[int, ...], oshape: tuple[int, ...]) -> _Plan:
        shape = tuple(np.broadcast_shapes(pshape, oshape))
        d = len(shape)
        pp = (1,) * (d - len(pshape)) + tuple(pshape)
        op = (1,) * (d - len(oshape)) + tuple(oshape)
        ostr = np.array([int(np.prod(shape[k + 1 :])) for k in range(d)], dtype=np.int64)
        obstr = np.array(
            [int(np.prod(op[k + 1 :])) if op[k] > 1 else 0 for k in range(d)], dtype=np.int64
        )
        free = [k for k in range(d) if pp[k] == 1]
        if free:
            grid = np.indices([shape[k] for k in free]).reshape(len(free), -1)
            out_off = (ostr[free, None] * grid).sum(axis=0)
            obs_off = (obstr[free, None] * grid).sum(axis=0)
        else:
            out_off = obs_off = np.zeros(1, dtype=np.int64)
        bound = [k for k in range(d) if pp[k] > 1]
        return cls(
            shape=shape,
            pshape=pp,
            out_strides=np.where(np.isin(np.arange(d), bound), ostr, 0),
            obs_strides=np.where(np.isin(np.arange(d), bound), obstr, 0),
            out_offsets=np.asarray(out_off, dtype=np.int64).reshape(-1),
            obs_offsets=np.asarray(obs_off, dtype=np.int64).reshape(-1),
        )

    def bases(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Output and observable base indices of the flat bindings ``lo:hi``."""
        idx = np.unravel_index(np.arange(lo, hi), self.pshape) if self.pshape else ()
        out_base = np.zeros(hi - lo, dtype=np.int64)
        obs_base = np.zeros(hi - lo, dtype=np.int64)
        for k, ik in enumerate(idx):
            out_base += self.out_strides[k] * ik
            obs_base += self.obs_strides[k] * ik
        return out_base, obs_base


class BatchedEstimator(BaseEstimatorV2):
    """Exact statevector estimator, batched and compiled over parameter bindings.

    Every PUB is simulated exactly (no sampling). Bindings are streamed in chunks of
    ``chunk_size``, so besides its parameter values and its result a PUB holds only
    chunk-sized buffers; each chunk runs in parallel over ``num_threads`` cores. With a Dask
    ``client``, PUBs of more than ``chunk_size`` bindings are split into chunk tasks instead
    (the compiled program is scattered to the workers once per PUB) and gathered in order;
    the results are bitwise identical to in-process ones. Expectation values equal Qiskit's
    :class:`~qiskit.primitives.StatevectorEstimator` to floating-point rounding.

    Args:
        default_precision: when positive, Gaussian noise of this standard deviation is added to
            every expectation value (as ``StatevectorEstimator`` does) and reported as ``stds``.
        seed: seed for that noise; an integer gives the same noise on every ``run``.
        chunk_size: bindings simulated per chunk (and per Dask task).
        num_threads: threads for the compiled loop (default: Numba's default, all cores).
        client: an optional ``dask.distributed.Client`` to spread large PUBs over its workers.
        worker_threads: Numba threads per Dask task (default: all of the worker machine's
            cores; use ``1`` with one single-threaded worker process per core).
        max_tasks_in_flight: Dask tasks submitted ahead of the one being gathered (default:
            twice the cluster's thread count); bounds the client's memory.

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
        client: Any | None = None,
        worker_threads: int | None = None,
        max_tasks_in_flight: int | None = None,
    ) -> None:
        if not default_precision >= 0:
            raise ValueError(f"default_precision must be >= 0, got {default_precision}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if num_threads is not None and not 1 <= num_threads <= _max_threads():
            raise ValueError(f"num_threads must be in [1, {_max_threads()}], got {num_threads}")
        if worker_threads is not None and worker_threads < 1:
            raise ValueError(f"worker_threads must be >= 1, got {worker_threads}")
        if max_tasks_in_flight is not None and max_tasks_in_flight < 1:
            raise ValueError(f"max_tasks_in_flight must be >= 1, got {max_tasks_in_flight}")
        self._default_precision = float(default_precision)
        self._seed = seed
        self._chunk_size = int(chunk_size)
        self._num_threads = num_threads
        self._client = client
        self._worker_threads = worker_threads
        self._max_in_flight = max_tasks_in_flight
        self._cache: dict[int, tuple[weakref.ref, object, _Program]] = {}

    def __getstate__(self) -> dict:
        # The compile cache holds weak references and the Dask client a live connection;
        # neither travels (a copy recompiles on first use and runs in-process).
        state = self.__dict__.copy()
        state["_cache"] = {}
        state["_client"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def default_precision(self) -> float:
        """Default precision (0 means exact)."""
        return self._default_precision

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> PrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate expectation values for each PUB (see :class:`~qiskit.primitives.BaseEstimatorV2`).

        Raises:
            UnsupportedCircuitError: at once, if a PUB's circuit cannot be simulated.
        """  # noqa: E501
        if precision is None:
            precision = self._default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        # compile (or look up) once per distinct circuit, in the caller's thread so that an
        # unsupported circuit fails at once; the job reuses these programs
        by_circuit: dict[int, _Program] = {}
        programs = []
        for pub in coerced:
            key = id(pub.circuit)
            if key not in by_circuit:
                by_circuit[key] = self.program(pub.circuit)
            programs.append(by_circuit[key])
        job = _BatchedJob(self._run, coerced, programs)
        job._submit()
        return job

    def program(self, circuit: QuantumCircuit) -> _Program:
        """The compiled program of ``circuit``, cached while the circuit is unchanged."""
        fingerprint = _fingerprint(circuit)
        key = id(circuit)
        hit = self._cache.get(key)
        if hit is not None and fingerprint is not None and hit[0]() is circuit:
            if hit[1] == fingerprint:
                return hit[2]
        prog = compile_circuit(circuit)
        if fingerprint is not None:
            cache = self._cache

            def forget(_: weakref.ref, k: int = key) -> None:
                cache.pop(k, None)

            cache[key] = (weakref.ref(circuit, forget), fingerprint, prog)
        return prog

    def vjp(
        self,
        circuit: QuantumCircuit,
        observables: Sequence[Any],
        values: np.ndarray,
        cotangent: np.ndarray,
    ) -> np.ndarray:
        r"""Vector-Jacobian products by the adjoint method, exact, outside the primitive API.

        For every binding ``b`` returns :math:`\partial_\theta \sum_c u_{bc}\langle O_c\rangle`
        with respect to every column of ``values`` (the parameters of ``circuit`` in
        ``circuit.parameters`` order): one forward and one backward sweep per binding instead
        of ``2P`` parameter-shifted circuits. It equals the parameter-shift gradient to
        rounding (tested); it is only available for exact simulation.

        Args:
            circuit: the circuit.
            observables: ``C`` observables.
            values: ``(B, num_parameters)`` bindings.
            cotangent: ``(B, C)`` weights ``u``.

        Returns:
            ``(B, num_parameters)`` gradients.

        Raises:
            ValueError: with a positive default precision (no sampling noise model exists for
                adjoint gradients) or mismatched shapes.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.ry(t, 0)
            >>> g = BatchedEstimator().vjp(qc, ["Z"], np.array([[0.3]]), np.array([[1.0]]))
            >>> bool(abs(g[0, 0] + np.sin(0.3)) < 1e-12)
            True
        """
        if self._default_precision > 0:
            raise ValueError("adjoint gradients need an exact estimator (default_precision=0)")
        prog = self.program(circuit)
        values = np.ascontiguousarray(np.atleast_2d(values), dtype=np.float64)
        cot = np.atleast_2d(np.asarray(cotangent, dtype=np.float64))
        if values.shape[1] != prog.num_parameters:
            raise ValueError(
                f"values have {values.shape[1]} columns, circuit has {prog.num_parameters} "
                "parameters"
            )
        if cot.shape != (values.shape[0], len(observables)):
            raise ValueError(
                f"cotangent must have shape {(values.shape[0], len(observables))}, got {cot.shape}"
            )
        obs = _compile_observables(ObservablesArray.coerce(list(observables)), circuit.num_qubits)
        term_obs = np.repeat(np.arange(len(observables)), np.diff(obs.ptr))
        out = np.empty_like(values)
        nchunk = 8 * (self._num_threads or _max_threads())
        with _KERNEL_LOCK:
            if self._num_threads is not None:
                numba.set_num_threads(self._num_threads)
            for lo in range(0, len(values), self._chunk_size):
                hi = min(lo + self._chunk_size, len(values))
                weights = np.ascontiguousarray(cot[lo:hi, term_obs] * obs.coeff)
                out[lo:hi] = adjoint_vjp(  # type: ignore[call-arg]
                    *prog.kernel_args(),
                    values[lo:hi],
                    obs.xmask,
                    obs.zmask,
                    obs.ny,
                    weights,
                    nchunk,
                )
        return out

    def _run(
        self, pubs: list[EstimatorPub], programs: list[_Program] | None = None
    ) -> PrimitiveResult[PubResult]:
        rng = np.random.default_rng(self._seed)
        if programs is None:
            programs = [self.program(pub.circuit) for pub in pubs]
        return PrimitiveResult(
            [self._run_pub(pub, rng, prog) for pub, prog in zip(pubs, programs, strict=True)],
            metadata={"version": 2},
        )

    def _run_pub(self, pub: EstimatorPub, rng: np.random.Generator, prog: _Program) -> PubResult:
        circuit = pub.circuit
        payload = (prog, _compile_observables(pub.observables, circuit.num_qubits))
        pshape = tuple(pub.parameter_values.shape)
        nb = math.prod(pshape)
        values = _values_matrix(pub, nb, prog.num_parameters)
        plan = _Plan.build(pshape, tuple(pub.observables.shape))
        evs = np.empty(plan.shape)
        flat = evs.reshape(-1)
        if flat.size:
            for out_base, block in self._blocks(payload, values, plan):
                flat[out_base[:, None] + plan.out_offsets[None, :]] = block
        precision = float(pub.precision)
        if precision > 0:
            for lo in range(0, flat.size, self._chunk_size):
                hi = min(lo + self._chunk_size, flat.size)
                flat[lo:hi] += rng.normal(0.0, precision, size=hi - lo)
        stds = np.full(plan.shape, precision)
        data = DataBin(evs=evs, stds=stds, shape=plan.shape)
        return PubResult(
            data,
            metadata={
                "target_precision": precision,
                "circuit_metadata": circuit.metadata,
                "simulator": "qiskit_patchqnn.BatchedEstimator",
                "num_bindings": nb,
            },
        )

    def _blocks(
        self, payload: tuple[_Program, _Observables], values: np.ndarray, plan: _Plan
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(out_base, block)`` per chunk of bindings, in order."""
        nb = values.shape[0]
        starts = range(0, nb, self._chunk_size)
        if self._client is None or nb <= self._chunk_size:
            for lo in starts:
                hi = min(lo + self._chunk_size, nb)
                out_base, obs_base = plan.bases(lo, hi)
                block = _evaluate_block(
                    payload, values[lo:hi], obs_base, plan.obs_offsets, self._num_threads
                )
                yield out_base, block
            return
        client = self._client
        remote = client.scatter([payload], broadcast=True, hash=False)[0]
        window = self._max_in_flight or max(2, 2 * sum(client.nthreads().values()))
        pending: deque[tuple[np.ndarray, Any]] = deque()
        for lo in starts:
            hi = min(lo + self._chunk_size, nb)
            out_base, obs_base = plan.bases(lo, hi)
            fut = client.submit(
                _evaluate_block,
                remote,
                values[lo:hi],
                obs_base,
                plan.obs_offsets,
                self._worker_threads,
                pure=False,
            )
            pending.append((out_base, fut))
            if len(pending) >= window:
                base0, fut0 = pending.popleft()
                yield base0, fut0.result()
        while pending:
            base0, fut0 = pending.popleft()
            yield base0, fut0.result()


def _values_matrix(pub: EstimatorPub, nb: int, num_parameters: int) -> np.ndarray:
    """The PUB's parameter values as a ``(nb, P)`` array, without a copy when possible."""
    if not num_parameters:
        return np.zeros((nb, 0))
    bindings = pub.parameter_values
    order = [p.name for p in pub.circuit.parameters]
    if len(bindings.data) == 1:  # one array in circuit order: use it as it is
        ((keys, arr),) = bindings.data.items()
        if [getattr(k, "name", k) for k in keys] == order:
            return np.ascontiguousarray(arr.reshape(nb, num_parameters), dtype=np.float64)
    arr = bindings.as_array(pub.circuit.parameters)
    return np.ascontiguousarray(arr.reshape(nb, num_parameters), dtype=np.float64)


def _fingerprint(circuit: QuantumCircuit) -> object | None:
    """A hashable summary of the instructions and parameters, or ``None`` if unhashable."""
    try:
        qindex = {q: i for i, q in enumerate(circuit.qubits)}
        fp = (
            circuit.num_qubits,
            tuple(circuit.parameters),
            tuple(
                (
                    inst.operation.name,
                    tuple(qindex[q] for q in inst.qubits),
                    len(inst.clbits),
                    tuple(inst.operation.params),
                )
                for inst in circuit.data
            ),
        )
        hash(fp)
    except TypeError:
        return None
    return fp


def statevectors(circuit: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    """Final statevectors, shape ``(B, 2**n)``, of ``circuit`` for each row of ``values``.

    Args:
        circuit: a circuit of the supported gate set (see :data:`SUPPORTED_GATES`).
        values: shape ``(B, P)`` or ``(P,)``, one column per parameter of ``circuit`` in
            ``circuit.parameters`` order.

    Returns:
        The statevectors, qubit ``q`` being bit ``q`` of the index (Qiskit's order).

    Raises:
        UnsupportedCircuitError: if the circuit cannot be simulated.
        ValueError: if ``values`` does not have one column per parameter.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.rx(Parameter("a"), 0)
        >>> np.round(statevectors(qc, [[np.pi]]), 12).tolist()
        [[0j, -1j]]
    """
    prog = compile_circuit(circuit)
    arr = np.asarray(values, dtype=np.float64)
    arr = arr.reshape(1, -1) if arr.ndim < 2 else arr
    if arr.ndim != 2 or arr.shape[1] != prog.num_parameters:
        raise ValueError(
            f"values must have shape (B, {prog.num_parameters}) for a circuit with "
            f"{prog.num_parameters} parameters, got {np.shape(values)}"
        )
    with _KERNEL_LOCK:
        return simulate_states(*prog.kernel_args(), np.ascontiguousarray(arr))  # type: ignore[call-arg]
