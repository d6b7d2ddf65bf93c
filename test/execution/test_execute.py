# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for job splitting, the job journal, cost estimates and binding by name."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp

from qiskit_patchqnn.execution import (
    CostEstimate,
    ExecutionLog,
    JobJournal,
    JobLimits,
    SubmissionDeclined,
    estimate_cost,
    execute,
    is_hardware,
    job_limits,
    require_confirmation,
    shots_for_precision,
)
from qiskit_patchqnn.model import FactoredValues
from qiskit_patchqnn.simulator import BatchedEstimator


class _Job:
    def __init__(self, job_id, result):
        self._id = job_id
        self._result = result

    def job_id(self):
        return self._id

    def result(self):
        return self._result


class CountingEstimator(BaseEstimatorV2):
    """Exact estimator whose jobs get ids and live in a shared store (a fake job service)."""

    def __init__(self, store, fail_after=None):
        self.inner = BatchedEstimator()
        self.store = store
        self.submitted_pubs = 0
        self.submitted_bindings = 0
        self.fail_after = fail_after

    def run(self, pubs, *, precision=None):
        if self.fail_after is not None and len(self.store) >= self.fail_after:
            raise RuntimeError("connection lost")
        pubs = list(pubs)
        self.submitted_pubs += len(pubs)
        self.submitted_bindings += sum(len(p[2]) for p in pubs)
        job = _Job(f"job-{len(self.store)}", self.inner.run(pubs, precision=precision).result())
        self.store[job.job_id()] = job
        return job


@pytest.fixture()
def problem():
    theta = ParameterVector("t", 3)
    qc = QuantumCircuit(2)
    qc.ry(theta[0], 0)
    qc.rx(theta[1], 1)
    qc.cz(0, 1)
    qc.ry(theta[2], 1)
    obs = [SparsePauliOp("IZ"), SparsePauliOp("ZI"), SparsePauliOp("XX")]
    rng = np.random.default_rng(3)
    values = [rng.uniform(0, np.pi, (25, 3)), rng.uniform(0, np.pi, (7, 3))]
    ref = execute(BatchedEstimator(), qc, obs, values)
    return qc, obs, values, ref


def test_split_by_bindings_and_pubs(problem):
    qc, obs, values, (ref_evs, _) = problem
    est = CountingEstimator({})
    log = ExecutionLog()
    evs, stds = execute(
        est, qc, obs, values, max_bindings=10, limits=JobLimits(max_bindings=10), log=log
    )
    # PUBs of 10, 10, 5, 7 rows; at most 10 bindings per job -> 4 jobs
    assert log.jobs == 4 and log.pubs == 4 and log.bindings == 32
    assert len(log.job_ids) == 4
    for a, b in zip(evs, ref_evs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    assert [e.shape for e in evs] == [(25, 3), (7, 3)]
    assert [s.shape for s in stds] == [(25, 3), (7, 3)]

    log2 = ExecutionLog()
    execute(
        CountingEstimator({}),
        qc,
        obs,
        values,
        max_bindings=5,
        limits=JobLimits(max_pubs=2),
        log=log2,
    )
    assert log2.pubs == 7 and log2.jobs == 4  # ceil(25/5)+ceil(7/5) PUBs, two per job


def test_split_by_executions(problem):
    qc, obs, values, (ref_evs, _) = problem
    log = ExecutionLog()
    store: dict = {}
    # 3 observables IZ, ZI, XX -> 2 qubit-wise commuting bases; 100 shots (precision 0.1)
    evs, _ = execute(
        CountingEstimator(store),
        qc,
        obs,
        values,
        precision=0.1,
        limits=JobLimits(max_executions=2 * 100 * 8),
        log=log,
    )
    # at most 8 bindings per job: the 25 rows are cut into PUBs of 8, 8, 8, 1 and the last
    # shares a job with the 7 rows of the second array
    per_job = [sum(r.data.evs.shape[-1] for r in job.result()) for job in store.values()]
    assert per_job == [8, 8, 8, 8]
    assert log.jobs == 4 and log.pubs == 5 and log.bindings == 32
    for a, b in zip(evs, ref_evs, strict=True):  # reassembled in order (precision 0.1)
        assert a.shape == b.shape and np.abs(a - b).max() < 5 * 0.1


def test_default_limits():
    assert job_limits(BatchedEstimator()) == JobLimits()
    assert not is_hardware(BatchedEstimator())
    with pytest.raises(ValueError, match="max_pubs"):
        JobLimits(max_pubs=0)


def test_bind_by_name(problem):
    qc, obs, values, (ref_evs, _) = problem
    perm = [2, 0, 1]
    params = [qc.parameters[i] for i in perm]
    evs, _ = execute(BatchedEstimator(), qc, obs, [v[:, perm] for v in values], parameters=params)
    np.testing.assert_allclose(evs[0], ref_evs[0], atol=1e-12)
    names = [p.name for p in params]
    evs, _ = execute(BatchedEstimator(), qc, obs, [values[1][:, perm]], parameters=names)
    np.testing.assert_allclose(evs[0], ref_evs[1], atol=1e-12)
    with pytest.raises(ValueError, match=r"circuit parameters \['t\[1\]'\] have no column"):
        execute(BatchedEstimator(), qc, obs, [values[1][:, :2]], parameters=["t[0]", "t[2]"])
    with pytest.raises(ValueError, match="values have 2 columns but the circuit has 3"):
        execute(BatchedEstimator(), qc, obs, [values[1][:, :2]])


def test_journal_resume_does_not_resubmit(problem, tmp_path):
    qc, obs, values, (ref_evs, _) = problem
    store: dict = {}
    path = tmp_path / "run" / "jobs.jsonl"
    limits = JobLimits(max_bindings=10)
    crashing = CountingEstimator(store, fail_after=2)
    with pytest.raises(RuntimeError, match="connection lost"):
        execute(
            crashing,
            qc,
            obs,
            values,
            max_bindings=10,
            limits=limits,
            journal=JobJournal(path, job_loader=store.__getitem__),
        )
    assert crashing.submitted_pubs == 2
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["job_id"] for e in entries] == ["job-0", "job-1"]
    assert all(e["status"] == "submitted" for e in entries)

    # the re-run retrieves the two finished jobs and submits only the other two
    resumed = CountingEstimator(store)
    log = ExecutionLog()
    journal = JobJournal(path, job_loader=store.__getitem__)
    evs, _ = execute(
        resumed, qc, obs, values, max_bindings=10, limits=limits, journal=journal, log=log
    )
    assert resumed.submitted_pubs == 2 and resumed.submitted_bindings == 12
    assert log.reused_job_ids == ["job-0", "job-1"] and log.job_ids == ["job-2", "job-3"]
    for a, b in zip(evs, ref_evs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)

    # a third run submits nothing at all
    again = CountingEstimator(store)
    execute(again, qc, obs, values, max_bindings=10, limits=limits, journal=journal)
    assert again.submitted_pubs == 0

    # different values -> different keys -> submitted
    other = CountingEstimator(store)
    execute(other, qc, obs, [values[1] + 0.1], max_bindings=10, limits=limits, journal=journal)
    assert other.submitted_pubs == 1


def test_journal_without_loader_resubmits_and_tolerates_torn_line(problem, tmp_path):
    qc, obs, values, _ = problem
    path = tmp_path / "jobs.jsonl"
    execute(CountingEstimator({}), qc, obs, values, journal=JobJournal(path))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"key": "tor')  # a crash in the middle of a write
    journal = JobJournal(path)
    assert len(journal.entries()) == 2  # submitted + done
    est = CountingEstimator({})
    execute(est, qc, obs, values, journal=journal)
    assert est.submitted_pubs == 2  # no loader: resubmitted, not silently dropped


def test_confirm_hook(problem, capsys):
    qc, obs, values, _ = problem
    seen: list[CostEstimate] = []
    est = CountingEstimator({})
    with pytest.raises(SubmissionDeclined, match="declined"):
        execute(
            est, qc, obs, values, precision=0.05, confirm=lambda cost: seen.append(cost) or False
        )
    assert est.submitted_pubs == 0
    assert seen[0] == estimate_cost(32, 400, num_bases=2)

    with pytest.raises(SubmissionDeclined):
        execute(est, qc, obs, values, precision=0.05, confirm=require_confirmation(False))
    err = capsys.readouterr().err
    assert "64 circuits" in err and "not submitted" in err
    assert est.submitted_pubs == 0
    execute(est, qc, obs, values, precision=0.05, confirm=require_confirmation(True))
    assert "64 circuits (32 bindings x 2 measurement bases) x 400 shots = 25,600 shots" in (
        capsys.readouterr().err
    )
    assert est.submitted_pubs == 2


def test_cost_helpers():
    cost = estimate_cost(1000, 4000, num_bases=2)
    assert (cost.circuits, cost.total_shots) == (2000, 8_000_000)
    assert shots_for_precision(0.01) == 10_000
    assert shots_for_precision(0.05) == 400
    with pytest.raises(ValueError, match="shots"):
        estimate_cost(10, -1)
    with pytest.raises(ValueError, match="precision"):
        shots_for_precision(0.0)


def test_factored_values_go_unmaterialised_only_where_accepted(problem):
    """FactoredValues reach a BatchedEstimator as one PUB of broadcast parts; any other
    estimator (or a journaled run) gets the materialised array, with the same numbers."""
    qc, obs, _, _ = problem
    rng = np.random.default_rng(5)
    first = rng.uniform(0, np.pi, (4, 1, 1))  # column 0 varies along axis 0 only
    rest = rng.uniform(0, np.pi, (1, 6, 2))  # columns 1, 2 along axis 1 only
    fv = FactoredValues((4, 6), 3, ((np.array([0]), first), (np.array([1, 2]), rest)))
    full = fv.materialize()
    assert full.shape == (24, 3)
    np.testing.assert_array_equal(full[7], [first[1, 0, 0], *rest[0, 1]])
    ref, _ = execute(BatchedEstimator(), qc, obs, [full])
    log = ExecutionLog()
    got, stds = execute(BatchedEstimator(), qc, obs, [fv, full[:5]], log=log)
    assert got[0].shape == stds[0].shape == (24, 3)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-13)
    np.testing.assert_array_equal(got[1], ref[0][:5])
    assert (log.jobs, log.pubs, log.bindings) == (1, 2, 29)
    counting = CountingEstimator({})  # no accepts_broadcast_bindings: materialised
    other, _ = execute(counting, qc, obs, [fv])
    np.testing.assert_allclose(other[0], ref[0], atol=1e-13)
    assert counting.submitted_bindings == 24


def test_factored_values_validate_their_parts():
    with pytest.raises(ValueError, match="cover each of the 3 columns exactly once"):
        FactoredValues((2,), 3, ((np.array([0, 1]), np.zeros((2, 2))),))
    with pytest.raises(ValueError, match="last axis must match"):
        FactoredValues((2,), 1, ((np.array([0]), np.zeros((2, 2))),))
    with pytest.raises(ValueError, match="does not broadcast to"):
        FactoredValues((2,), 1, ((np.array([0]), np.zeros((3, 1))),))
    with pytest.raises(ValueError, match="does not broadcast to"):  # would enlarge the shape
        FactoredValues((1, 4), 1, ((np.array([0]), np.zeros((3, 1, 1))),))


def test_factored_values_respect_job_limits_and_extra_columns(problem):
    """Factored bindings hold no rows, so max_bindings does not cut them; a job limit on
    bindings does, along their first axis. Columns that name no circuit parameter are dropped,
    as for plain arrays."""
    qc, obs, _, _ = problem
    rng = np.random.default_rng(6)
    first = rng.uniform(0, np.pi, (5, 1, 1))
    rest = rng.uniform(0, np.pi, (1, 4, 3))  # columns 1, 2 (t[1], t[2]) and 3 (not in qc)
    fv = FactoredValues((5, 4), 4, ((np.array([0]), first), (np.array([1, 2, 3]), rest)))
    names = ["t[0]", "t[1]", "t[2]", "unused"]
    ref, _ = execute(BatchedEstimator(), qc, obs, [fv.materialize()], parameters=names)
    log = ExecutionLog()
    got, _ = execute(BatchedEstimator(), qc, obs, [fv], parameters=names, max_bindings=9, log=log)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-13)
    assert (log.jobs, log.pubs, log.bindings) == (1, 1, 20)
    log = ExecutionLog()
    limits = JobLimits(max_bindings=9)
    got, _ = execute(BatchedEstimator(), qc, obs, [fv], parameters=names, limits=limits, log=log)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-13)
    assert (log.jobs, log.pubs, log.bindings) == (3, 3, 20)  # 2 + 2 + 1 rows of axis 0
    assert [p.shape for p in fv.split(9)] == [(2, 4), (2, 4), (1, 4)]
    assert fv.split(3) is None  # one index of the first axis already holds 4 bindings
    limits = JobLimits(max_bindings=3)
    got, _ = execute(BatchedEstimator(), qc, obs, [fv], parameters=names, limits=limits)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-13)  # materialised and split by rows
