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
single-qubit rotations, merged diagonal two-qubit layers and permutation gates
(:func:`compile_circuit`), then runs that program for every binding inside compiled (Numba)
loops, parallel over bindings: blocks of bindings side by side for up to ten qubits
(``lanes.py``), one binding at a time above that (``kernels.py``). It implements Qiskit's
:class:`~qiskit.primitives.BaseEstimatorV2`, so PUB broadcasting, result shapes and metadata are
the same as for any other estimator. Outside the primitive API it also differentiates exactly:
:meth:`BatchedEstimator.vjp`, :meth:`~BatchedEstimator.jvp` and :meth:`~BatchedEstimator.hvp`
(``adjoint.py``, driven by ``differentiation.py``).
"""

from __future__ import annotations

import functools
import math
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.primitives.containers import DataBin, EstimatorPubLike, PrimitiveResult, PubResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.primitives.primitive_job import PrimitiveJob

from .adjoint import MODE_HVP, MODE_JVP, MODE_VJP
from .bindings import Bindings, Plan, bindings_from_pub
from .differentiation import bindings_matrix, differentiate, weights_matrix
from .kernels import simulate_rows, simulate_states
from .lanes import simulate_lanes
from .ops import kernel_threads, max_threads
from .program import _compile_observables, _Observables, _Program, compile_circuit

__all__ = ["BatchedEstimator", "statevectors"]

# Largest number of amplitudes a kernel run may keep as saved states (ops + 1) * 2**n for
# resuming consecutive bindings that share their first ops (16 bytes each: 32 MiB).
_MAX_SNAPSHOT = 1 << 21
# Circuits up to this width run in the lane kernel (lanes.py), which simulates blocks of
# bindings side by side; wider ones, whose statevectors alone fill the vector units, run one
# binding at a time (kernels.simulate_rows).
_LANE_MAX_QUBITS = 10
_LANE_AMPLITUDES = 4096


@functools.cache
def _job_worker() -> ThreadPoolExecutor:
    """The one long-lived thread that runs every BatchedEstimator job, started on first use.

    Qiskit's PrimitiveJob starts a fresh thread per job, and launching the parallel Numba
    kernel from a new thread costs a few milliseconds each time; the kernels are serialised by
    the kernel lock anyway.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="patchqnn-estimator")


class _BatchedJob(PrimitiveJob):
    """A :class:`~qiskit.primitives.primitive_job.PrimitiveJob` run on the shared worker."""

    def _submit(self) -> None:
        if self._future is not None:  # type: ignore[has-type]
            raise RuntimeError("Primitive job has been submitted already.")
        self._future = _job_worker().submit(self._function, *self._args, **self._kwargs)


def _lane_count(num_qubits: int, num_bindings: int, threads: int) -> int:
    """Bindings per block of the lane kernel.

    A ``2**n x lanes`` block of about 4096 amplitudes (it stays in the L1/L2 cache), at most
    64, and no more than a fair share of the bindings per thread (a power of two, at least 4).
    """
    lanes = max(4, min(64, _LANE_AMPLITUDES >> num_qubits))
    share = max(1, -(-num_bindings // (2 * threads)))
    return max(4, min(lanes, 1 << (share - 1).bit_length()))


def _evaluate_block(
    payload: tuple[_Program, _Observables],
    bindings: Bindings,
    obs_base: np.ndarray,
    obs_offsets: np.ndarray,
    num_threads: int | None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Expectation values of one chunk of bindings, shape ``(k, F)``.

    Entry ``(i, f)`` is observable ``obs_base[i] + obs_offsets[f]`` on binding ``i`` (of
    ``bindings``, or of its tables at ``rows`` when given). Runs in-process or as a Dask task;
    the numbers do not depend on where or how it is split.
    """
    if rows is not None:
        bindings = replace(bindings, rows=rows)
    prog, obs = payload
    k, f = len(bindings), obs_offsets.shape[0]
    with kernel_threads(num_threads) as threads:
        if prog.num_qubits <= _LANE_MAX_QUBITS:
            lanes = _lane_count(prog.num_qubits, k, threads)
            if obs.max_weight <= 1:
                tail = prog.tail
                term_q, term_w = obs.reduced_forms
            else:
                tail = len(prog.op_kind)
                term_q, term_w = np.zeros(0, dtype=np.int64), np.zeros((0, 4))
            return simulate_lanes(  # type: ignore[call-arg]
                *prog.kernel_args(),
                bindings.table,
                bindings.rows,
                bindings.pgroup,
                bindings.tcos,
                bindings.tsin,
                np.ascontiguousarray(obs_base, dtype=np.int64),
                np.ascontiguousarray(obs_offsets, dtype=np.int64),
                obs.ptr,
                obs.xmask,
                obs.zmask,
                obs.ny,
                obs.coeff,
                tail,
                prog.tail_op,
                term_q,
                term_w,
                lanes=lanes,
                nruns=threads,  # one contiguous run per thread: fewer cold starts of its caches
            )
        row_param = np.repeat(np.arange(k, dtype=np.int64), f)
        row_obs = (obs_base[:, None] + obs_offsets[None, :]).reshape(-1)
        out = simulate_rows(  # type: ignore[call-arg]
            *prog.kernel_args(),
            bindings.matrix(),
            row_param,
            row_obs,
            obs.ptr,
            obs.xmask,
            obs.zmask,
            obs.ny,
            obs.coeff,
            8 * threads,
            _MAX_SNAPSHOT,
        )
    return out.reshape(k, f)


class BatchedEstimator(BaseEstimatorV2):
    """Exact statevector estimator, batched and compiled over parameter bindings.

    Every PUB is simulated exactly (no sampling). Bindings are streamed in chunks of
    ``chunk_size``, so besides its parameter values and its result a PUB holds only
    chunk-sized buffers; each chunk runs in parallel over ``num_threads`` cores. With a Dask
    ``client``, PUBs of more than ``chunk_size`` bindings are split into chunk tasks instead
    (the compiled program is scattered to the workers once per PUB) and gathered in order;
    the results are bitwise identical to in-process ones. Expectation values equal Qiskit's
    :class:`~qiskit.primitives.StatevectorEstimator` to floating-point rounding.

    Circuits of up to ten qubits are simulated in blocks of bindings side by side, vectorised
    across the block. A bindings array made of several arrays that broadcast against each
    other (zero strides, as from :func:`numpy.broadcast_to`: weight vectors × samples) is used
    as it is: only its distinct rows are stored and their rotation angles evaluated once.
    When every observable term acts on at most one qubit, the single-qubit gates after the
    last two-qubit gate are folded into the measurement of reduced density matrices.

    For exact simulation (``default_precision=0``) :meth:`vjp`, :meth:`jvp` and :meth:`hvp`
    give vector-Jacobian, Jacobian-vector and Hessian-vector products of the expectation
    values with respect to the circuit's parameters, for plain ``(B, P)`` arrays of bindings,
    in-process (the Dask ``client`` is not used), streamed in chunks of ``chunk_size`` on
    ``num_threads`` threads.

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

    accepts_broadcast_bindings = True
    """:func:`~qiskit_patchqnn.execution.execute` may pass broadcast bindings unmaterialised."""

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
        if num_threads is not None and not 1 <= num_threads <= max_threads():
            raise ValueError(f"num_threads must be in [1, {max_threads()}], got {num_threads}")
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
        key = id(circuit)
        hit = self._cache.get(key)
        if hit is not None and hit[0]() is circuit:
            stored = hit[1]
            if isinstance(stored, _Snapshot):
                unchanged = stored.matches(circuit)
            else:
                unchanged = stored == _fingerprint(circuit)
            if unchanged:
                return hit[2]
        fingerprint = _fingerprint(circuit)
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
        ``circuit.parameters`` order, chain factors of scaled angles included): one forward
        and one backward sweep per binding instead of ``2P`` parameter-shifted circuits,
        blocks of bindings side by side. It equals the parameter-shift gradient to rounding
        (tested); it is only available for exact simulation.

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
        prog, obs, vals = self._derivative_inputs(circuit, observables, values)
        cot = weights_matrix("cotangent", cotangent, vals.shape[0], len(observables))
        grads, _, _ = differentiate(prog, obs, MODE_VJP, vals, None, cot, None, *self._chunks)
        return grads

    def jvp(
        self,
        circuit: QuantumCircuit,
        observables: Sequence[Any],
        values: np.ndarray,
        tangents: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Expectation values and Jacobian-vector products (forward mode), exact.

        For every binding ``b`` and observable ``c`` returns
        :math:`\langle O_c\rangle(\theta_b)` and
        :math:`\sum_p \partial_{\theta_p}\langle O_c\rangle(\theta_b)\, t_{bp}`: the state
        and its tangent :math:`\dot\psi` are carried through one sweep, and
        :math:`\mathrm{jvp}_c = 2\,\mathrm{Re}\langle\psi|O_c|\dot\psi\rangle`.

        Args:
            circuit: the circuit.
            observables: ``C`` observables.
            values: ``(B, num_parameters)`` bindings (columns in ``circuit.parameters`` order).
            tangents: ``(B, num_parameters)`` directions ``t``.

        Returns:
            ``(evs, jvps)``, both ``(B, C)``.

        Raises:
            ValueError: with a positive default precision or mismatched shapes.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.ry(2 * t, 0)
            >>> evs, jv = BatchedEstimator().jvp(qc, ["Z"], np.array([[0.3]]), np.array([[1.0]]))
            >>> bool(np.isclose(evs[0, 0], np.cos(0.6)) and np.isclose(jv[0, 0], -2 * np.sin(0.6)))
            True
        """
        prog, obs, vals = self._derivative_inputs(circuit, observables, values)
        tan = weights_matrix("tangents", tangents, vals.shape[0], prog.num_parameters)
        _, evs, jvps = differentiate(prog, obs, MODE_JVP, vals, tan, None, None, *self._chunks)
        return evs, jvps

    def hvp(
        self,
        circuit: QuantumCircuit,
        observables: Sequence[Any],
        values: np.ndarray,
        tangents: np.ndarray,
        weights: np.ndarray,
        cotangent: np.ndarray | None = None,
    ) -> np.ndarray:
        r"""Hessian-vector products of weighted expectation values (second-order adjoint), exact.

        For every binding ``b`` returns

        .. math::

            \sum_c w_{bc} \nabla^2_\theta\langle O_c\rangle(\theta_b)\, t_b
            + \sum_c u_{bc} \nabla_\theta\langle O_c\rangle(\theta_b),

        the second term only with a ``cotangent`` ``u``: a loss Hessian-vector product needs
        both (the Gauss-Newton part through ``u``, the residual part through ``w``) and they
        come from one sweep. Forward over reverse: the state and its tangent are carried
        forward, then the adjoint state and its tangent backward.

        Args:
            circuit: the circuit.
            observables: ``C`` observables.
            values: ``(B, num_parameters)`` bindings (columns in ``circuit.parameters`` order).
            tangents: ``(B, num_parameters)`` directions ``t``.
            weights: ``(B, C)`` weights ``w`` of the Hessians.
            cotangent: optional ``(B, C)`` weights ``u`` of the gradients.

        Returns:
            ``(B, num_parameters)``.

        Raises:
            ValueError: with a positive default precision or mismatched shapes.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.ry(t, 0)
            >>> h = BatchedEstimator().hvp(qc, ["Z"], [[0.3]], [[2.0]], [[1.0]])
            >>> bool(np.isclose(h[0, 0], -2 * np.cos(0.3)))  # d2 cos / dt2 = -cos, times 2
            True
        """
        prog, obs, vals = self._derivative_inputs(circuit, observables, values)
        nb, nc = vals.shape[0], len(observables)
        tan = weights_matrix("tangents", tangents, nb, prog.num_parameters)
        wgt = weights_matrix("weights", weights, nb, nc)
        cot = (
            np.zeros((nb, nc))
            if cotangent is None
            else weights_matrix("cotangent", cotangent, nb, nc)
        )
        grads, _, _ = differentiate(prog, obs, MODE_HVP, vals, tan, wgt, cot, *self._chunks)
        return grads

    @property
    def _chunks(self) -> tuple[int, int | None]:
        """``(chunk_size, num_threads)`` for :func:`.differentiation.differentiate`."""
        return self._chunk_size, self._num_threads

    def _derivative_inputs(
        self, circuit: QuantumCircuit, observables: Sequence[Any], values: np.ndarray
    ) -> tuple[_Program, _Observables, np.ndarray]:
        """The program, observables and ``(B, P)`` values of a derivative call, checked."""
        if self._default_precision > 0:
            raise ValueError(
                "adjoint gradients need an exact estimator (default_precision=0), got "
                f"default_precision={self._default_precision}"
            )
        prog = self.program(circuit)
        vals = bindings_matrix(values, prog.num_parameters)
        obs = _compile_observables(ObservablesArray.coerce(list(observables)), circuit.num_qubits)
        return prog, obs, vals

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
        bindings = bindings_from_pub(pub, prog, self._num_threads or max_threads())
        plan = Plan.build(pshape, tuple(pub.observables.shape))
        evs = np.empty(plan.shape)
        flat = evs.reshape(-1)
        if flat.size:
            for out_base, block in self._blocks(payload, bindings, plan):
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
        self, payload: tuple[_Program, _Observables], bindings: Bindings, plan: Plan
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(out_base, block)`` per chunk of bindings, in order."""
        nb = len(bindings)
        step = self._chunk_size
        starts = range(0, nb, step)
        if self._client is None or nb <= step:
            for lo in starts:
                hi = min(lo + step, nb)
                out_base, obs_base = plan.bases(lo, hi)
                block = _evaluate_block(
                    payload, bindings.chunk(lo, hi), obs_base, plan.obs_offsets, self._num_threads
                )
                yield out_base, block
            return
        client = self._client
        remote = client.scatter([payload], broadcast=True, hash=False)[0]
        shared = None
        if bindings.factored:  # the tables go once to every worker; tasks carry their rows
            empty = replace(bindings, rows=bindings.rows[:0])
            shared = client.scatter([empty], broadcast=True, hash=False)[0]
        window = self._max_in_flight or max(2, 2 * sum(client.nthreads().values()))
        pending: deque[tuple[np.ndarray, Any]] = deque()
        for lo in starts:
            hi = min(lo + step, nb)
            out_base, obs_base = plan.bases(lo, hi)
            part = bindings.chunk(lo, hi)
            fut = client.submit(
                _evaluate_block,
                remote,
                part if shared is None else shared,
                obs_base,
                plan.obs_offsets,
                self._worker_threads,
                None if shared is None else part.rows,
                pure=False,
            )
            pending.append((out_base, fut))
            if len(pending) >= window:
                base0, fut0 = pending.popleft()
                yield base0, fut0.result()
        while pending:
            base0, fut0 = pending.popleft()
            yield base0, fut0.result()


def _fingerprint(circuit: QuantumCircuit) -> object | None:
    """A snapshot to tell later whether ``circuit`` changed in place, or ``None``.

    A copy of the circuit's Rust-side instruction table: comparing two of them is one call
    into Qiskit's core (under a millisecond for a thousand instructions, where a Python
    tuple of the instructions took 25 ms and a fifth of every training step). Equality covers
    operations, their parameters and expressions, qubits and the global phase. Falls back to
    a hashable tuple where the table is not available.
    """
    data = getattr(circuit, "_data", None)
    if data is not None and hasattr(data, "copy"):
        return _Snapshot(data.copy())
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


class _Snapshot:
    """A copied instruction table that compares equal to a circuit's current one."""

    __slots__ = ("data",)

    def __init__(self, data: object) -> None:
        self.data = data

    def matches(self, circuit: QuantumCircuit) -> bool:
        try:
            return bool(circuit._data == self.data)
        except Exception:  # noqa: BLE001 - any failure: recompile
            return False


def statevectors(circuit: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    """Final statevectors, shape ``(B, 2**n)``, of ``circuit`` for each row of ``values``.

    Args:
        circuit: a circuit of the supported gate set (see
            :data:`~qiskit_patchqnn.simulator.SUPPORTED_GATES`).
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
    with kernel_threads():
        return simulate_states(*prog.kernel_args(), np.ascontiguousarray(arr))  # type: ignore[call-arg]
