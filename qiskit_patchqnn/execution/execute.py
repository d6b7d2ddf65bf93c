# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Running PUBs on an estimator: few jobs per call, split at the backend's limits, journaled.

:func:`execute` is the only place where the package calls ``estimator.run``. One call sends
every array of parameter values it is given; arrays are split into PUBs of at most
``max_bindings`` rows, and PUBs are grouped into as few jobs as the :class:`JobLimits` allow.
Before a submission that costs QPU time a ``confirm`` hook sees a :class:`CostEstimate`; with a
:class:`JobJournal`, job ids are written to disk as jobs are submitted, so an interrupted run
that is started again retrieves finished jobs instead of paying for them twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.primitives.containers.bindings_array import BindingsArray

from ..model.columns import FactoredValues
from .cost import (
    ConfirmHook,
    SubmissionDeclined,
    estimate_cost,
    measurement_bases,
    print_cost,
    shots_for_precision,
)
from .journal import JobJournal
from .limits import JobLimits, executions_per_binding, is_hardware, job_limits, runtime_backend

__all__ = ["ExecutionLog", "execute"]

_LOG = logging.getLogger(__name__)


@dataclass
class ExecutionLog:
    """What was sent to the estimator: counts of jobs, PUBs and bindings, and job ids.

    ``jobs``, ``pubs`` and ``bindings`` count submitted work only; jobs retrieved from a
    :class:`JobJournal` are counted in ``reused_jobs`` and listed in ``reused_job_ids``.
    """

    jobs: int = 0
    pubs: int = 0
    bindings: int = 0
    job_ids: list[str] = field(default_factory=list)
    reused_jobs: int = 0
    reused_bindings: int = 0
    reused_job_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-serialisable summary."""
        return {
            "jobs": self.jobs,
            "pubs": self.pubs,
            "bindings": self.bindings,
            "job_ids": list(self.job_ids),
            "reused_jobs": self.reused_jobs,
            "reused_bindings": self.reused_bindings,
            "reused_job_ids": list(self.reused_job_ids),
        }

    def merge(self, other: ExecutionLog) -> None:
        """Add the counts and job ids of ``other`` to this log."""
        self.jobs += other.jobs
        self.pubs += other.pubs
        self.bindings += other.bindings
        self.job_ids.extend(other.job_ids)
        self.reused_jobs += other.reused_jobs
        self.reused_bindings += other.reused_bindings
        self.reused_job_ids.extend(other.reused_job_ids)


def _default_job_loader(estimator: Any) -> Callable[[str], Any] | None:
    service = getattr(estimator, "_service", None)
    loader = getattr(service, "job", None)
    return loader if callable(loader) else None


def _backend_label(estimator: Any) -> str:
    backend = runtime_backend(estimator)
    name = getattr(backend, "name", None)
    return f"{type(estimator).__qualname__}:{name() if callable(name) else name}"


def _default_shots(estimator: Any, precision: float | None) -> int:
    if precision:
        return shots_for_precision(precision)
    options = getattr(estimator, "options", None)
    shots = getattr(options, "default_shots", None)
    if isinstance(shots, (int, np.integer)):
        return int(shots)
    default_precision = getattr(options, "default_precision", None)
    if isinstance(default_precision, float) and default_precision > 0:
        return shots_for_precision(default_precision)
    return 4096  # Qiskit Runtime's default for resilience level 1


def _column_order(circuit: QuantumCircuit, parameters: Sequence | None, width: int) -> np.ndarray:
    """Columns of ``values`` to take, in ``circuit.parameters`` order (binding by name)."""
    if parameters is None:
        if width != circuit.num_parameters:
            raise ValueError(
                f"values have {width} columns but the circuit has {circuit.num_parameters} "
                "parameters; pass parameters= to bind columns by name"
            )
        return np.arange(width)
    names = [p.name if isinstance(p, Parameter) else str(p) for p in parameters]
    if len(names) != width:
        raise ValueError(f"parameters lists {len(names)} names but values have {width} columns")
    where = {n: i for i, n in enumerate(names)}
    missing = [p.name for p in circuit.parameters if p.name not in where]
    if missing:
        raise ValueError(f"circuit parameters {missing[:5]} have no column in values")
    return np.array([where[p.name] for p in circuit.parameters], dtype=np.int64)


def _binding_cap(limits: JobLimits, per_binding: int) -> int | None:
    """Most bindings one job may hold: ``max_bindings`` and ``max_executions / per_binding``."""
    cap_b = limits.max_bindings
    if limits.max_executions is not None:
        by_exec = max(1, limits.max_executions // max(per_binding, 1))
        cap_b = by_exec if cap_b is None else min(cap_b, by_exec)
    return cap_b


def _split_jobs(sizes: list[int], limits: JobLimits, cap_b: int | None) -> list[list[int]]:
    """Group PUB indices into consecutive jobs of at most ``cap_b`` bindings within ``limits``."""
    jobs: list[list[int]] = []
    current: list[int] = []
    rows = 0
    for i, n in enumerate(sizes):
        full_pubs = limits.max_pubs is not None and len(current) >= limits.max_pubs
        full_rows = cap_b is not None and rows + n > cap_b
        if current and (full_pubs or full_rows):
            jobs.append(current)
            current, rows = [], 0
        current.append(i)
        rows += n
    if current:
        jobs.append(current)
    return jobs


def execute(
    estimator: BaseEstimatorV2,
    circuit: QuantumCircuit,
    observables: Sequence,
    values: Sequence[np.ndarray | FactoredValues],
    *,
    precision: float | None = None,
    max_bindings: int = 1 << 16,
    log: ExecutionLog | None = None,
    parameters: Sequence[Parameter | str] | None = None,
    limits: JobLimits | None = None,
    journal: JobJournal | None = None,
    confirm: ConfirmHook | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Evaluate every observable at every row of every array in ``values``, in as few jobs as fit.

    Args:
        estimator: any :class:`~qiskit.primitives.BaseEstimatorV2`.
        circuit: the (ISA) circuit.
        observables: ``C`` observables (already laid out for ``circuit``).
        values: arrays of shape ``(B_i, num_parameters)``, or :class:`FactoredValues`; these
            go as PUBs of broadcast parts to an estimator whose ``accepts_broadcast_bindings``
            is true (without a journal), cut along their first axis only where ``limits``
            cap the bindings of a job, and are materialised for any other.
        precision: target precision passed to ``estimator.run`` (``None``: estimator default).
        max_bindings: largest number of rows of a materialised array in one PUB; larger arrays
            are split (broadcast :class:`FactoredValues` hold no rows and are not). A PUB is
            also never larger than one job may be (``limits``), so a job that would exceed
            ``max_executions`` is cut into PUBs that fit.
        log: optional accumulator of counts and job ids.
        parameters: the parameters (or names) of the columns of ``values``; columns are bound to
            ``circuit`` by name, so the order of ``circuit.parameters`` after transpilation does
            not matter. Default: ``circuit.parameters`` order.
        limits: largest job; default :func:`job_limits` of the estimator. Work above it goes to
            several jobs, all submitted before any result is awaited. Executions per binding
            are :func:`~qiskit_patchqnn.execution.executions_per_binding` (measurement bases ×
            shots, as the client-side Estimator's twirling and ZNE options run them).
        journal: record job ids as they are submitted and reuse recorded jobs.
        confirm: called with the :class:`CostEstimate` of the jobs about to be submitted; a
            ``False`` return raises :class:`SubmissionDeclined`. Default: :func:`print_cost` on
            hardware (see :func:`is_hardware`), nothing elsewhere.

    Returns:
        ``(evs, stds)``: for each input array, arrays of shape ``(B_i, C)``. ``stds`` are the
        estimator's standard errors; where it also reports a shot-noise
        ``ensemble_standard_error`` (Qiskit Runtime estimators), never less than that (with
        twirling, ``stds`` are the spread over randomizations and can be 0 when they are few).

    Raises:
        SubmissionDeclined: when ``confirm`` returns ``False``.
        ValueError: when the columns of ``values`` do not match the circuit's parameters.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> a = Parameter("a")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.ry(a, 0)
        >>> evs, _ = execute(BatchedEstimator(), qc, [SparsePauliOp("Z")], [np.array([[0.0]])])
        >>> evs[0].round(6).tolist()
        [[1.0]]
    """
    if max_bindings < 1:
        raise ValueError(f"max_bindings must be >= 1, got {max_bindings}")
    obs = np.empty((len(observables), 1), dtype=object)
    for i, o in enumerate(observables):
        obs[i, 0] = o
    ncls = len(observables)
    pubs: list[tuple] = []
    owners: list[int] = []
    broadcast_ok = journal is None and getattr(estimator, "accepts_broadcast_bindings", False)
    limits = job_limits(estimator) if limits is None else limits
    hardware = is_hardware(estimator)
    bases = (
        measurement_bases(list(observables))
        if len(observables) and (hardware or confirm or limits.max_executions)
        else 1
    )
    shots = _default_shots(estimator, precision)
    # the most bindings one job may hold; a PUB is never larger (a factored PUB holds no rows,
    # so only this cap, not max_bindings, cuts it)
    job_cap = _binding_cap(limits, executions_per_binding(estimator, shots, bases))
    pub_rows = max_bindings if job_cap is None else min(max_bindings, job_cap)
    for k, arr in enumerate(values):
        if isinstance(arr, FactoredValues):
            pieces = None
            if broadcast_ok and arr.size:
                pieces = [arr] if job_cap is None else arr.split(job_cap)
            if pieces is not None:
                order = _column_order(circuit, parameters, arr.width)
                for piece in pieces:
                    pubs.append(_factored_pub(circuit, obs, piece, parameters, order))
                    owners.append(k)
                continue
            arr = arr.materialize()
        arr = np.asarray(arr, dtype=float)
        width = arr.shape[-1] if arr.ndim else 0
        if parameters is None and arr.size == 0:
            width = circuit.num_parameters
        order = _column_order(circuit, parameters, width)
        if width:
            arr = arr.reshape(-1, width)
        else:  # a circuit without parameters: one binding per row of shape (rows, 0)
            arr = arr.reshape(int(np.prod(arr.shape[:-1])) if arr.ndim > 1 else 0, 0)
        if not np.array_equal(order, np.arange(width)):
            arr = arr[:, order]
        for start in range(0, len(arr), pub_rows):
            pubs.append((circuit, obs, arr[start : start + pub_rows]))
            owners.append(k)
    evs: list[list[np.ndarray]] = [[] for _ in values]
    stds: list[list[np.ndarray]] = [[] for _ in values]
    if pubs:
        groups = _split_jobs([_num_bindings(p[2]) for p in pubs], limits, job_cap)
        cost = (hardware, bases, shots)
        results = _run_jobs(estimator, pubs, groups, precision, journal, confirm, log, cost)
        for k, res in zip(owners, results, strict=True):
            evs[k].append(np.asarray(res.data.evs, dtype=float).reshape(ncls, -1).T)
            stds[k].append(_standard_errors(res.data).reshape(ncls, -1).T)
    return (
        [np.concatenate(e) if e else np.zeros((0, ncls)) for e in evs],
        [np.concatenate(s) if s else np.zeros((0, ncls)) for s in stds],
    )


def _standard_errors(data: Any) -> np.ndarray:
    """A PUB result's ``stds``, never below its shot-noise ``ensemble_standard_error``.

    With twirling on, a Qiskit Runtime estimator's ``stds`` are the spread over twirling
    randomizations: an estimate that can be far too small (even 0) when there are few of them.
    The shot-noise standard error it also reports is a lower bound on the true one.
    """
    stds = np.asarray(data.stds, dtype=float)
    ensemble = getattr(data, "ensemble_standard_error", None)
    if ensemble is not None and np.shape(ensemble) == stds.shape:
        stds = np.maximum(stds, np.asarray(ensemble, dtype=float))
    return stds


def _num_bindings(values: Any) -> int:
    return int(values.size) if isinstance(values, BindingsArray) else len(values)


def _factored_pub(
    circuit: QuantumCircuit,
    obs: np.ndarray,
    values: FactoredValues,
    parameters: Sequence[Parameter | str] | None,
    order: np.ndarray,
) -> tuple:
    """One PUB whose bindings array holds the broadcast parts (observables ``(C, 1, ...)``).

    ``order`` lists, per circuit parameter, its column (:func:`_column_order`); columns that
    bind no circuit parameter are left out.
    """
    source = list(circuit.parameters) if parameters is None else list(parameters)
    names = [p.name if isinstance(p, Parameter) else str(p) for p in source]
    used = np.zeros(values.width, dtype=bool)
    used[order] = True
    data = {}
    for cols, part in values.parts:
        cols = np.asarray(cols, dtype=np.int64)
        keep = used[cols]
        if keep.any():  # select columns before broadcasting: no copy of the product
            sel = np.asarray(part)[..., keep]
            key = tuple(names[int(c)] for c in cols[keep])
            data[key] = np.broadcast_to(sel, (*values.shape, sel.shape[-1]))
    return (circuit, obs.reshape(obs.shape[0], *([1] * len(values.shape))), BindingsArray(data))


def _job_id(job: Any) -> str | None:
    try:
        return str(job.job_id())
    except Exception:  # noqa: BLE001 - local jobs may have no id
        return None


def _run_jobs(
    estimator: BaseEstimatorV2,
    pubs: list[tuple],
    groups: list[list[int]],
    precision: float | None,
    journal: JobJournal | None,
    confirm: ConfirmHook | None,
    log: ExecutionLog | None,
    cost_inputs: tuple[bool, int, int],
) -> list[Any]:
    """Reuse journaled jobs, confirm, submit the other groups of ``pubs``, gather results."""
    hardware, bases, shots = cost_inputs
    label = _backend_label(estimator)
    loader = None
    if journal is not None:
        loader = journal.job_loader or _default_job_loader(estimator)
    jobs: list[Any] = [None] * len(groups)
    keys: list[str | None] = [None] * len(groups)
    for g, group in enumerate(groups):
        if journal is None:
            continue
        keys[g] = JobJournal.key([pubs[i] for i in group], precision, label)
        job_id = journal.lookup(keys[g])  # type: ignore[arg-type]
        if job_id is None:
            continue
        if loader is None:
            _LOG.warning(
                "journal has job %s but no job_loader to retrieve it; resubmitting", job_id
            )
            continue
        try:
            jobs[g] = loader(job_id)
        except Exception as exc:  # noqa: BLE001 - retrieval failure means resubmission
            _LOG.warning("could not retrieve journaled job %s (%s); resubmitting", job_id, exc)
            continue
        if log is not None:
            log.reused_jobs += 1
            log.reused_bindings += sum(_num_bindings(pubs[i][2]) for i in group)
            log.reused_job_ids.append(job_id)
    todo = [g for g in range(len(groups)) if jobs[g] is None]
    if todo:
        hook = confirm if confirm is not None else (print_cost if hardware else None)
        if hook is not None:
            nb = sum(_num_bindings(pubs[i][2]) for g in todo for i in groups[g])
            cost = estimate_cost(nb, shots, num_bases=bases)
            if not hook(cost):
                raise SubmissionDeclined(f"submission of {cost} declined by the confirm hook")
    for g in todo:
        group_pubs = [pubs[i] for i in groups[g]]
        job = estimator.run(group_pubs, precision=precision)
        jobs[g] = job
        job_id = _job_id(job)
        if journal is not None and job_id is not None:
            journal.record(keys[g], job_id, "submitted", backend=label)  # type: ignore[arg-type]
        if log is not None:
            log.jobs += 1
            log.pubs += len(group_pubs)
            log.bindings += sum(_num_bindings(p[2]) for p in group_pubs)
            if job_id is not None:
                log.job_ids.append(job_id)
    results: list[Any] = []
    for g, job in enumerate(jobs):
        try:
            result = job.result()
        except Exception:
            if journal is not None and keys[g] is not None and _job_id(job) is not None:
                journal.record(keys[g], _job_id(job), "failed")  # type: ignore[arg-type]
            raise
        if len(result) != len(groups[g]):
            raise RuntimeError(
                f"job {_job_id(job)} returned {len(result)} PUB results, expected {len(groups[g])}"
            )
        if journal is not None and g in todo and _job_id(job) is not None:
            journal.record(keys[g], _job_id(job), "done")  # type: ignore[arg-type]
        results.extend(result)
    return results
