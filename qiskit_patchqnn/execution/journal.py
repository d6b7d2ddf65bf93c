# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""An append-only journal of submitted jobs, for resuming without paying twice."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp


def _circuit_digest(circuit: QuantumCircuit, h: Any) -> None:
    """Feed a name-based description of ``circuit`` into the hash ``h`` (stable across runs)."""
    h.update(f"{circuit.num_qubits}|{circuit.global_phase}|".encode())
    index = {q: i for i, q in enumerate(circuit.qubits)}
    for inst in circuit.data:
        qubits = ",".join(str(index[q]) for q in inst.qubits)
        params = ",".join(str(p) for p in inst.operation.params)
        h.update(f"{inst.operation.name}({params})[{qubits}];".encode())


class JobJournal:
    """Append-only JSON-lines file of submitted jobs, keyed by a hash of their PUBs.

    Every submission appends ``{"key", "job_id", "status": "submitted", ...}`` (flushed and
    fsynced before waiting for the result) and, once the result is in, a ``"done"`` line. A run
    that is interrupted and started again with the same journal finds the key of each job it is
    about to submit and retrieves the recorded job instead (with ``job_loader(job_id)``; by
    default the Qiskit Runtime service's ``job``). The key covers the circuit (gates, qubits,
    parameter names), observables, parameter values, precision and backend, so transpile with a
    fixed ``seed_transpiler`` (:func:`~qiskit_patchqnn.execution.resolve` does) to get the same
    keys on a re-run. A partly written last line (a crash mid-write) is ignored.

    Args:
        path: the journal file; created with its folder if missing.
        job_loader: ``job_id -> job`` with a ``result()`` method.

    Example:
        >>> import tempfile, os
        >>> journal = JobJournal(os.path.join(tempfile.mkdtemp(), "jobs.jsonl"))
        >>> journal.record("abc", "job-1")
        >>> journal.lookup("abc")
        'job-1'
    """

    def __init__(
        self, path: str | os.PathLike, *, job_loader: Callable[[str], Any] | None = None
    ) -> None:
        self.path = Path(path)
        self.job_loader = job_loader
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def entries(self) -> list[dict]:
        """All complete entries, oldest first."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and "key" in entry and "job_id" in entry:
                    out.append(entry)
        return out

    def lookup(self, key: str) -> str | None:
        """Latest job id recorded for ``key`` and not marked failed, or ``None``."""
        found = None
        for entry in self.entries():
            if entry["key"] == key:
                found = None if entry.get("status") == "failed" else entry["job_id"]
        return found

    def record(self, key: str, job_id: str, status: str = "submitted", **info: Any) -> None:
        """Append one entry and fsync it."""
        entry = {"key": key, "job_id": str(job_id), "status": status, "time": time.time(), **info}
        line = json.dumps(entry, sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def key(pubs: Sequence[tuple], precision: float | None, backend: str = "") -> str:
        """Hash of the PUBs of one job (circuits, observables, values), precision and backend."""
        h = hashlib.sha256(f"{backend}|{precision!r}|{len(pubs)}|".encode())
        seen: dict[int, str] = {}
        for circuit, observables, values in pubs:
            if id(circuit) not in seen:
                hc = hashlib.sha256()
                _circuit_digest(circuit, hc)
                seen[id(circuit)] = hc.hexdigest()
            h.update(seen[id(circuit)].encode())
            for o in np.ravel(observables):
                h.update(repr(SparsePauliOp(o).to_list()).encode())
            arr = np.ascontiguousarray(values, dtype=np.float64)
            h.update(repr(arr.shape).encode())
            h.update(arr.tobytes())
        return h.hexdigest()
