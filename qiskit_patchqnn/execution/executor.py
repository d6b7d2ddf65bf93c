# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The executor: one circuit and its observables on one estimator, with the policy around it.

An :class:`Executor` owns everything about *where and how* a circuit runs: the estimator (from a
spec string or given), the pass manager and the ISA circuit transpiled once, the precision used
for every call, job limits, the job journal, the confirmation hook and the provenance. Each
:meth:`Executor.run` returns the expectation values together with what the call cost
(:class:`Evaluation`), so callers count work from results, not from a shared log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp

from ..model.columns import FactoredValues
from .cost import CostEstimate
from .execute import ExecutionLog, execute
from .journal import JobJournal
from .limits import JobLimits
from .provenance import Provenance, provenance

__all__ = ["Evaluation", "Executor"]


@dataclass(frozen=True)
class Evaluation:
    """Expectation values of one :meth:`Executor.run` call, and what the call cost.

    Attributes:
        values: for each array of bindings, the values ``(*shape, C)``.
        stds: their standard errors (zero for exact simulation).
        bindings: circuit bindings evaluated (submitted, plus those of journaled jobs reused).
        submitted: bindings of the jobs submitted by this call.
        jobs: jobs submitted by this call.
        job_ids: ids of the jobs submitted or reused.
    """

    values: tuple[np.ndarray, ...]
    stds: tuple[np.ndarray, ...]
    bindings: int = 0
    submitted: int = 0
    jobs: int = 0
    job_ids: tuple[str, ...] = field(default_factory=tuple)


class Executor:
    """Runs bindings of one circuit on one estimator: ISA, precision, limits, journal, cost.

    Args:
        circuit: the logical circuit whose parameters the bindings' columns are, in
            ``circuit.parameters`` order.
        observables: ``C`` observables.
        estimator: a :class:`~qiskit.primitives.BaseEstimatorV2` or a backend spec string
            (see :func:`~qiskit_patchqnn.execution.resolve`); default: the exact
            :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
        pass_manager: transpiles ``circuit`` **once** to an ISA circuit; observables are mapped
            through its layout (a spec string brings the device's own).
        precision: target precision for every call (values and all derivatives alike);
            ``None`` leaves the estimator's default.
        max_bindings: largest number of rows in one PUB of materialised parameter values.
        journal: a :class:`~qiskit_patchqnn.execution.JobJournal` (or its path) recording job
            ids as they are submitted, so that an interrupted computation re-run with the same
            journal reuses finished jobs instead of paying for them twice.
        confirm: hook called with the cost estimate before any submission (see
            :func:`~qiskit_patchqnn.execution.execute`); default: print the estimate on
            hardware.
        limits: largest job (default: the estimator's, see
            :func:`~qiskit_patchqnn.execution.job_limits`).

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> t = Parameter("t")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.ry(t, 0)
        >>> ex = Executor(qc, ["Z"])
        >>> ev = ex.run([np.array([[0.0], [np.pi]])])
        >>> ev.values[0].round(12).tolist(), ev.bindings
        ([[1.0], [-1.0]], 2)
    """

    def __init__(
        self,
        circuit: QuantumCircuit,
        observables: Sequence[Any],
        estimator: BaseEstimatorV2 | str | None = None,
        *,
        pass_manager: Any | None = None,
        precision: float | None = None,
        max_bindings: int = 1 << 15,
        journal: JobJournal | str | os.PathLike | None = None,
        confirm: Callable[[CostEstimate], bool] | None = None,
        limits: JobLimits | None = None,
    ) -> None:
        if precision is not None and not precision >= 0:
            raise ValueError(f"precision must be >= 0 or None, got {precision}")
        if max_bindings < 1:
            raise ValueError(f"max_bindings must be >= 1, got {max_bindings}")
        self.spec: str | None = None
        if isinstance(estimator, str) or estimator is None:
            from .backends import resolve

            self.spec = estimator or "exact"
            estimator, spec_pm = resolve(self.spec)
            pass_manager = pass_manager if pass_manager is not None else spec_pm
        if not isinstance(estimator, BaseEstimatorV2):
            raise TypeError(
                f"estimator must be a BaseEstimatorV2 or a backend spec string, got "
                f"{type(estimator).__name__}"
            )
        if journal is not None and not isinstance(journal, JobJournal):
            journal = JobJournal(journal)
        self.estimator = estimator
        self.pass_manager = pass_manager
        self.precision = precision
        self.max_bindings = int(max_bindings)
        self.journal = journal
        self.confirm = confirm
        self.limits = limits
        self.logical_circuit = circuit
        self.logical_observables = [SparsePauliOp(o) for o in observables]
        self.log = ExecutionLog()
        """Everything this executor submitted (counts and job ids), for provenance."""
        self.circuit, self.observables = self._isa()

    def _isa(self) -> tuple[QuantumCircuit, list[SparsePauliOp]]:
        if self.pass_manager is None:
            return self.logical_circuit, self.logical_observables
        from .isa import device_of, transpile_patch

        return transpile_patch(
            self.logical_circuit,
            self.logical_observables,
            self.pass_manager,
            device=device_of(self.estimator),
        )

    @property
    def num_observables(self) -> int:
        """Number of observables ``C``."""
        return len(self.observables)

    @property
    def accepts_broadcast(self) -> bool:
        """Whether :class:`~qiskit_patchqnn.model.FactoredValues` reach the estimator as parts.

        True for an estimator that takes broadcast bindings (the default
        :class:`~qiskit_patchqnn.simulator.BatchedEstimator`) without a job journal.
        """
        accepts = bool(getattr(self.estimator, "accepts_broadcast_bindings", False))
        return accepts and self.journal is None

    @property
    def simulator(self) -> Any | None:
        """The exact :class:`~qiskit_patchqnn.simulator.BatchedEstimator`, or ``None``.

        Set when the estimator simulates expectation values exactly (no sampling noise, no
        precision, no pass manager): only then are adjoint derivatives available.
        """
        from ..simulator import BatchedEstimator

        exact = (
            isinstance(self.estimator, BatchedEstimator)
            and self.estimator.default_precision == 0
            and not self.precision
            and self.pass_manager is None
        )
        return self.estimator if exact else None

    def run(self, values: Sequence[np.ndarray | FactoredValues]) -> Evaluation:
        """Evaluate every observable at every binding of every array, in as few jobs as fit.

        Args:
            values: arrays ``(..., num_parameters)`` of bindings (columns in the logical
                circuit's parameter order), or :class:`~qiskit_patchqnn.model.FactoredValues`.

        Returns:
            The values ``(..., C)`` of each array and the cost of the call.
        """
        ncols = self.logical_circuit.num_parameters
        shapes = [v.shape if isinstance(v, FactoredValues) else np.shape(v)[:-1] for v in values]
        log = ExecutionLog()
        evs, stds = execute(
            self.estimator,
            self.circuit,
            self.observables,
            [v if isinstance(v, FactoredValues) else np.reshape(v, (-1, ncols)) for v in values],
            precision=self.precision,
            max_bindings=self.max_bindings,
            log=log,
            parameters=self.logical_circuit.parameters,
            limits=self.limits,
            journal=self.journal,
            confirm=self.confirm,
        )
        self.log.merge(log)
        c = self.num_observables
        return Evaluation(
            values=tuple(e.reshape(*s, c) for e, s in zip(evs, shapes, strict=True)),
            stds=tuple(d.reshape(*s, c) for d, s in zip(stds, shapes, strict=True)),
            bindings=int(log.bindings + log.reused_bindings),
            submitted=int(log.bindings),
            jobs=int(log.jobs),
            job_ids=tuple(dict.fromkeys([*log.job_ids, *log.reused_job_ids])),
        )

    def mark(self) -> tuple[int, int]:
        """A position in this executor's job log, for :meth:`jobs_since`."""
        return len(self.log.job_ids), len(self.log.reused_job_ids)

    def jobs_since(self, mark: tuple[int, int]) -> list[str]:
        """Ids of the jobs submitted or reused after ``mark`` (see :meth:`mark`).

        Example:
            >>> from qiskit.circuit import QuantumCircuit
            >>> ex = Executor(QuantumCircuit(1), ["Z"])
            >>> m = ex.mark()
            >>> ex.jobs_since(m)
            []
        """
        return [*self.log.job_ids[mark[0] :], *self.log.reused_job_ids[mark[1] :]]

    def provenance(self, job_ids: Sequence[str] | None = None) -> Provenance:
        """Where and how this executor's results were computed.

        Args:
            job_ids: the jobs behind a particular result (``None``: every job this executor
                submitted or reused).

        Example:
            >>> from qiskit.circuit import QuantumCircuit
            >>> Executor(QuantumCircuit(1), ["Z"]).provenance().backend
            'patchqnn_exact'
        """
        if job_ids is None:
            job_ids = [*self.log.job_ids, *self.log.reused_job_ids]
        ids = list(job_ids)
        return provenance(self.estimator, self.spec, precision=self.precision, job_ids=ids)
