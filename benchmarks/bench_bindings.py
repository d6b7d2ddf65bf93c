# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Bindings per second of exact estimators on the patch circuits, measured in one run.

Every option evaluates the same PUB: a patch circuit with ``B`` random parameter bindings
(shape ``(B,)``) against its readout observables broadcast as shape ``(C, 1)``. The reference
for every ratio is Aer's ``EstimatorV2`` (statevector) with runtime parameter binding on. Slow
options run on the first ``cap`` bindings only and their per-binding rate is extrapolated to
``B`` (marked ``~``). Usage::

    python benchmarks/bench_bindings.py            # full run (~5 minutes on 2 cores)
    python benchmarks/bench_bindings.py --quick    # smoke run (~1 minute)
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
import qiskit
import qiskit_aer
from qiskit.primitives import StatevectorEstimator
from qiskit_aer.primitives import EstimatorV2 as AerEstimator

from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.simulator import BatchedEstimator

try:  # optional: a simulator that vectorises over a batch of parameter values
    import pennylane as qml
except ImportError:  # pragma: no cover - optional dependency
    qml = None

Runner = Callable[[np.ndarray], np.ndarray]  # (B, P) values -> (C, B) expectation values


@dataclass
class Workload:
    name: str
    circuit: qiskit.QuantumCircuit
    observables: list
    values: np.ndarray  # (max B, P)


@dataclass
class Option:
    name: str
    make: Callable[[Workload], Runner]
    cap: int | None = None  # largest number of bindings actually simulated
    max_batch: int | None = None  # skip batches above this (no extrapolation either)


def qiskit_runner(estimator: object) -> Callable[[Workload], Runner]:
    def make(w: Workload) -> Runner:
        obs = [[o] for o in w.observables]
        return lambda v: estimator.run([(w.circuit, obs, v)]).result()[0].data.evs  # type: ignore[attr-defined]

    return make


def aer(**backend_options: object) -> AerEstimator:
    opts = {"method": "statevector", **backend_options}
    return AerEstimator(options={"backend_options": opts})


def ours(num_threads: int | None) -> Callable[[Workload], Runner]:
    def make(w: Workload) -> Runner:
        est = BatchedEstimator(num_threads=num_threads)
        return qiskit_runner(est)(w)

    return make


def ours_dask(client: object, tasks: int) -> Callable[[Workload], Runner]:
    def make(w: Workload) -> Runner:
        obs = [[o] for o in w.observables]
        # warm the workers up (imports, Numba cache load): 8 tasks of 8 bindings
        warm = BatchedEstimator(client=client, chunk_size=8, worker_threads=1)
        warm.run([(w.circuit, obs, w.values[:64])]).result()

        def run(values: np.ndarray) -> np.ndarray:
            chunk = max(64, -(-len(values) // tasks))  # about `tasks` chunks per PUB
            est = BatchedEstimator(client=client, chunk_size=chunk, worker_threads=1)
            return est.run([(w.circuit, obs, values)]).result()[0].data.evs

        return run

    return make


def pennylane_runner(w: Workload) -> Runner:
    """The same circuit in PennyLane ``default.qubit``, parameters broadcast over the batch."""
    assert qml is not None
    n = w.circuit.num_qubits
    pindex = {p: i for i, p in enumerate(w.circuit.parameters)}
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ, "cz": qml.CZ, "cx": qml.CNOT}
    prog = []
    for inst in w.circuit.data:
        qubits = [w.circuit.find_bit(q).index for q in inst.qubits]
        param = pindex[inst.operation.params[0]] if inst.operation.params else None
        prog.append((gates[inst.operation.name], param, qubits))
    paulis = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}
    meas = []
    for op in w.observables:
        ((label, coeff),) = op.to_list()
        (q,) = [n - 1 - i for i, ch in enumerate(label) if ch != "I"]
        meas.append((paulis[label[n - 1 - q]], q, float(np.real(coeff))))
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method=None)
    def circuit(values: np.ndarray) -> list:
        for gate, param, qubits in prog:
            if param is None:
                gate(wires=qubits)
            else:
                gate(values[:, param], wires=qubits)
        return [qml.expval(c * p(q)) for p, q, c in meas]

    def run(values: np.ndarray) -> np.ndarray:
        return np.array(circuit(values)).reshape(len(meas), values.shape[0])

    return run


def time_run(run: Runner, values: np.ndarray, min_time: float) -> tuple[float, np.ndarray]:
    """Best wall time over repeats (at least one, more while the total stays under min_time)."""
    best, total, evs = np.inf, 0.0, None
    while total < min_time or evs is None:
        t0 = time.perf_counter()
        evs = run(values)
        dt = time.perf_counter() - t0
        best, total = min(best, dt), total + dt
        if dt > min_time / 3:
            break
    return best, np.asarray(evs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small batches, smoke run")
    args = parser.parse_args()
    batches = [100, 1000] if args.quick else [1_000, 10_000, 100_000]
    min_time = 0.2 if args.quick else 1.0
    ref_cap = 1000 if args.quick else 10_000
    slow_cap = 300 if args.quick else 4000

    rng = np.random.default_rng(1234)
    workloads = []
    for n, f, c in [(4, 16, 8), (8, 64, 10)]:
        pc = patch_circuit(n, f, depth=1)
        vals = rng.uniform(-np.pi, np.pi, (max(batches), pc.circuit.num_parameters))
        workloads.append(Workload(f"{n} qubits", pc.circuit, readout_observables(n, c), vals))

    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)

    reference = "Aer EstimatorV2, runtime binding ON"
    options = [
        Option(reference, qiskit_runner(aer(runtime_parameter_bind_enable=True)), cap=ref_cap),
        Option(
            "Aer, runtime binding OFF",
            qiskit_runner(aer(runtime_parameter_bind_enable=False)),
            cap=slow_cap // 4,
        ),
        Option(
            "Aer, runtime binding ON, fusion off",
            qiskit_runner(aer(runtime_parameter_bind_enable=True, fusion_enable=False)),
            cap=slow_cap,
        ),
        Option(
            "Aer, runtime binding ON, max_parallel_threads=1",
            qiskit_runner(aer(runtime_parameter_bind_enable=True, max_parallel_threads=1)),
            cap=slow_cap,
        ),
        Option(
            "Aer, runtime binding OFF, max_parallel_experiments=0",
            qiskit_runner(aer(runtime_parameter_bind_enable=False, max_parallel_experiments=0)),
            cap=slow_cap // 4,
        ),
        Option("qiskit StatevectorEstimator", qiskit_runner(StatevectorEstimator()), cap=100),
    ]
    if qml is not None:
        options.append(
            Option(
                f"PennyLane {qml.__version__} default.qubit, broadcast",
                pennylane_runner,
                cap=slow_cap,
            )
        )
    options += [
        Option("BatchedEstimator, 1 thread", ours(1)),
        Option("BatchedEstimator, 2 threads (default)", ours(None)),
        Option("BatchedEstimator, Dask 2 workers x 1 thread", ours_dask(client, 8)),
    ]

    print("# bench_bindings: exact expectation values, bindings per second")
    print(
        f"# {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}, "
        f"qiskit {qiskit.__version__}, qiskit-aer {qiskit_aer.__version__}, "
        f"numba {numba.__version__}, numba threads {numba.get_num_threads()}"
    )
    print("# PUB: params (B,) x observables (C, 1); '~' = rate measured on the first `cap`")
    print("# bindings and extrapolated to B; ratio = rate / rate of the reference at that B.")
    print("# Dask: LocalCluster(2 workers, 1 thread each, processes), each PUB split into 8")
    print("# tasks of >= 64 bindings; cluster start-up not timed. Wall times are the best of")
    print(f"# repeats; load average at start {os.getloadavg()[0]:.1f} (other processes skew it).")
    if qml is None:
        print("# PennyLane not installed: its row is skipped (pip install pennylane).")
    headline: dict[str, float] = {}
    last: dict[tuple[str, str], float] = {}
    for w in workloads:
        print(
            f"\n## {w.name}: {w.circuit.num_parameters} parameters, "
            f"{len(w.observables)} observables, {len(w.circuit.data)} gates"
        )
        head = f"{'option':54s}" + "".join(f"{'B=' + str(b):>22s}" for b in batches)
        print(head + f"{'cap':>8s}{'max|dev|':>10s}")
        ref_rate: dict[int, float] = {}
        ref_evs = None
        for opt in options:
            run = opt.make(w)
            run(w.values[:8])  # warm-up: compilation, JIT, worker imports
            cells, dev = [], 0.0
            measured: dict[int, float] = {}
            for b in batches:
                n_eff = b if opt.cap is None else min(b, opt.cap)
                if n_eff not in measured:
                    t, evs = time_run(run, w.values[:n_eff], min_time)
                    measured[n_eff] = n_eff / t
                    if ref_evs is None:
                        ref_evs = evs
                    k = min(evs.shape[1], ref_evs.shape[1])
                    dev = max(dev, float(np.max(np.abs(evs[:, :k] - ref_evs[:, :k]))))
                rate = measured[n_eff]
                if opt.name == reference:
                    ref_rate[b] = rate
                mark = "~" if n_eff < b else " "
                cells.append(f"{mark}{rate:10.0f}/s {rate / ref_rate[b]:7.1f}x")
                if opt.name.endswith("(default)"):
                    headline[w.name] = rate / ref_rate[b]
            cap = str(opt.cap) if opt.cap else "-"
            row = f"{opt.name:54s}" + "".join(f"{c:>22s}" for c in cells)
            print(row + f"{cap:>8s}{dev:10.1e}")
            last[(w.name, opt.name)] = measured[max(measured)]
            assert dev <= 1e-10, f"{opt.name} deviates from Aer by {dev:.2e}"
    client.close()
    cluster.close()
    four, eight = headline["4 qubits"], headline["8 qubits"]
    print(
        f"\nnew default vs Aer runtime-binding (B={batches[-1]}): "
        f"{four:.0f}x at 4 qubits, {eight:.0f}x at 8 qubits (targets >= 10x and >= 5x)"
    )
    for w in workloads:
        one = last[(w.name, "BatchedEstimator, 1 thread")]
        two = last[(w.name, "BatchedEstimator, 2 threads (default)")]
        dsk = last[(w.name, "BatchedEstimator, Dask 2 workers x 1 thread")]
        print(
            f"{w.name}, B={batches[-1]}: 2 threads vs 1 thread {two / one:.2f}x, "
            f"Dask 2 workers vs 1 thread {dsk / one:.2f}x"
        )
    print(f"# load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
