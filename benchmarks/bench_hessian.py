# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Dense parameter-shift loss Hessian: cost against raw Aer, the naive route, and memory.

Workload: 4 patches (5x5 on 8x8 digits, 5 qubits, depth 1, 80 weights each), 16 samples.

Printed, all measured in this one run:

* ``loss_hessian`` wall time / raw Aer time for the same number of bindings (target <= 1.5):
  Aer ``EstimatorV2`` (statevector, runtime parameter binding) on one PUB; Aer is timed on a
  slice of the very same bindings and extrapolated per binding (said in the output);
* ``loss_hessian`` / our own ``BatchedEstimator`` on the same bindings (our overhead);
* naive route / ``loss_hessian`` (target >= 20x): the route a Qiskit ML user can write today,
  central finite differences of each patch's ``EstimatorQNN.backward`` (Aer, default gradient)
  over every weight; timed on a few weights and samples and extrapolated linearly (said in
  the output; its cost is linear in both);
* peak resident memory for N and 4N samples (each in a fresh subprocess): it must stay flat
  because samples are streamed and per-sample Hessians are never stored.

Run: ``python benchmarks/bench_hessian.py``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import numpy as np
from qiskit_aer.primitives import EstimatorV2 as AerEstimator
from qiskit_machine_learning.neural_networks import EstimatorQNN

from qiskit_patchqnn import PatchLayout, PatchQNN, load_digits
from qiskit_patchqnn.derivatives import gradient_shifts, hessian_pairs, pair_shifts
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.hessian.compute import count_evaluations

AER_OPTIONS = {"backend_options": {"method": "statevector", "runtime_parameter_bind_enable": True}}


def model() -> PatchQNN:
    return PatchQNN(PatchLayout.grid((8, 8), (5, 5), 4), 1)


def hessian_bindings(qnn: PatchQNN, x: np.ndarray, w: np.ndarray):
    """Yield the bindings loss_hessian evaluates, in chunks (the same points, same count)."""
    rule = qnn.shift_rule(with_inputs=False)
    plan = qnn.model.plan
    cols = plan.bind(qnn.model.local_values(x, w)).reshape(-1, plan.num_columns)
    occ = rule.columns
    grad = gradient_shifts(rule.num_angles)
    ii, jj = hessian_pairs(rule.num_angles)
    signs = pair_shifts()
    for row in cols:
        yield row[None, :]
        pts = np.repeat(row[None, :], len(grad), axis=0)
        pts[:, occ] += grad
        yield pts
        pairs = np.repeat(row[None, None, :], len(ii), axis=0).repeat(4, axis=1)
        pairs[np.arange(len(ii))[:, None], np.arange(4)[None, :], occ[ii][:, None]] += signs[:, 0]
        pairs[np.arange(len(ii))[:, None], np.arange(4)[None, :], occ[jj][:, None]] += signs[:, 1]
        yield pairs.reshape(-1, row.shape[0])


def memory_probe(n: int) -> None:
    data = load_digits()
    qnn = model()
    w = qnn.initial_weights(0)
    loss_hessian(qnn, data.x_train[:n], data.y_train[:n], w, progress=False)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--aer-bindings", type=int, default=20000)
    parser.add_argument("--naive-weights", type=int, default=2)
    parser.add_argument("--naive-samples", type=int, default=2)
    parser.add_argument("--memory-probe", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe is not None:
        memory_probe(args.memory_probe)
        return

    data = load_digits()
    x, y = data.x_train[: args.samples], data.y_train[: args.samples]
    qnn = model()
    w = qnn.initial_weights(0)
    loss_hessian(qnn, x[:1], y[:1], w, progress=False)  # JIT compile outside the timing

    start = time.perf_counter()
    hess = loss_hessian(qnn, x, y, w, progress=False)
    dense = hess.to_dense()
    t_ours = time.perf_counter() - start
    n_bind = count_evaluations(qnn, len(x))
    assert hess.num_evaluations == n_bind

    # the same bindings through our estimator alone, and a slice through Aer
    obs = [[o] for o in qnn.executor.observables]
    circ = qnn.executor.circuit
    t_raw_ours = 0.0
    aer = AerEstimator(options=AER_OPTIONS)
    aer_rows, t_aer = 0, 0.0
    for block in hessian_bindings(qnn, x, w):
        start = time.perf_counter()
        qnn.estimator.run([(circ, obs, block)]).result()
        t_raw_ours += time.perf_counter() - start
        if aer_rows < args.aer_bindings:
            start = time.perf_counter()
            aer.run([(circ, obs, block)]).result()
            t_aer += time.perf_counter() - start
            aer_rows += len(block)
    t_aer_full = t_aer / aer_rows * n_bind

    # naive: central differences of EstimatorQNN.backward per patch, one weight at a time
    pc = qnn.model.circuit
    plain = EstimatorQNN(
        circuit=pc.circuit,
        observables=list(qnn.model.observables),
        input_params=list(pc.input_params),
        weight_params=list(pc.weight_params),
        estimator=AerEstimator(options=AER_OPTIONS),
    )
    patches = qnn.layout.extract(x) * qnn.model.input_scale
    p = qnn.weights_per_patch
    eps = 1e-4
    ns = min(args.naive_samples, len(x))
    start = time.perf_counter()
    for i in range(args.naive_weights):
        e = np.zeros(p)
        e[i] = eps
        plain.backward(patches[:ns, 0], w[:p] + e)
        plain.backward(patches[:ns, 0], w[:p] - e)
    t_naive_part = time.perf_counter() - start
    t_naive = t_naive_part / (args.naive_weights * ns) * qnn.num_weights * len(x)

    mem = []
    for n in (args.samples, 4 * args.samples):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-probe", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        mem.append(float(out.stdout.strip().splitlines()[-1]))

    print(
        f"workload: 4 patches x {p} weights, {len(x)} samples, dense {dense.shape} Hessian, "
        f"{n_bind:,} circuit evaluations (= N * sum_k (1 + 2 P_k^2))"
    )
    print(f"loss_hessian (exact, BatchedEstimator):   {t_ours:9.2f} s")
    print(f"same bindings, BatchedEstimator alone:    {t_raw_ours:9.2f} s")
    print(f"same bindings, raw Aer (extrapolated from {aer_rows:,} bindings): {t_aer_full:9.2f} s")
    print(
        f"naive FD of EstimatorQNN.backward (extrapolated from {args.naive_weights} of "
        f"{qnn.num_weights} weights and {ns} of {len(x)} samples): {t_naive:9.1f} s"
    )
    print(f"loss_hessian / raw Aer same bindings: {t_ours / t_aer_full:.3f} (target <= 1.5)")
    print(f"loss_hessian / BatchedEstimator alone (our overhead): {t_ours / t_raw_ours:.3f}")
    print(f"naive route / loss_hessian: {t_naive / t_ours:.1f}x (target >= 20x)")
    print(
        f"peak RSS: {mem[0]:.0f} MiB at N={args.samples}, {mem[1]:.0f} MiB at "
        f"N={4 * args.samples} (ratio {mem[1] / mem[0]:.2f}; flat means ~1)"
    )


if __name__ == "__main__":
    main()
