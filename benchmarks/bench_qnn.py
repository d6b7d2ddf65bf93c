# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""PatchQNN.backward against plain Qiskit ML and against raw Aer throughput.

Workload: 4 patches (5x5 on 8x8 digits, 5 qubits, depth 1) x 32 digits samples.

Printed ratios, all measured in this one run:

* plain Qiskit ML route / PatchQNN.backward (target >= 10x): each patch's ``EstimatorQNN``
  (Aer ``EstimatorV2``, default parameter-shift gradient) called in turn, the way a Qiskit ML
  user composes patches today;
* PatchQNN.backward / raw Aer (target <= 1.5x): Aer ``EstimatorV2`` with runtime parameter binding
  evaluating the same number of bindings in one PUB;
* our overhead on the same estimator: ``PatchQNN(estimator="aer").backward`` / raw Aer.

Run: ``python benchmarks/bench_qnn.py [--samples 32] [--repeats 3] [--plain-samples 4]``. The
plain Qiskit ML route costs seconds per sample and patch, so by default it is timed on 4 of the
32 samples and extrapolated linearly (the script says so); ``--plain-samples 32`` times all.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from qiskit_aer.primitives import EstimatorV2 as AerEstimator
from qiskit_machine_learning.neural_networks import EstimatorQNN

from qiskit_patchqnn import PatchLayout, PatchQNN, load_digits


def best_of(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--plain-samples",
        type=int,
        default=4,
        help="samples timed on the plain Qiskit ML route (linear in samples; extrapolated)",
    )
    args = parser.parse_args()

    data = load_digits()
    x = data.x_train[: args.samples]
    layout = PatchLayout.grid((8, 8), (5, 5), 4)
    aer_opts = {"backend_options": {"method": "statevector", "runtime_parameter_bind_enable": True}}
    ours = PatchQNN(layout, 1)
    ours_aer = PatchQNN(layout, 1, estimator=AerEstimator(options=aer_opts))
    w = ours.initial_weights(0)
    ours.backward(x, w)  # JIT compile outside the timing

    pc = ours.model.circuit
    plain = [
        EstimatorQNN(
            circuit=pc.circuit,
            observables=list(ours.model.observables),
            input_params=list(pc.input_params),
            weight_params=list(pc.weight_params),
            estimator=AerEstimator(options=aer_opts),
        )
        for _ in range(layout.num_patches)
    ]
    patches = layout.extract(x) * ours.model.input_scale
    p = ours.weights_per_patch

    n_plain = min(args.plain_samples, args.samples)

    def plain_route():
        for k, qnn in enumerate(plain):
            qnn.backward(patches[:n_plain, k], w[k * p : (k + 1) * p])

    # the same bindings PatchQNN.backward sends: forward point + 2 shifts per weight
    rule = ours.shift_rule(with_inputs=False)
    base = ours.model.plan.bind(ours.model.local_values(x, w))
    pts = rule.gradient_points(base)
    bindings = np.concatenate([base.reshape(-1, base.shape[-1]), pts.reshape(-1, base.shape[-1])])
    obs = [[o] for o in ours.executor.observables]
    raw = AerEstimator(options=aer_opts)

    def raw_aer():
        raw.run([(ours.executor.circuit, obs, bindings)]).result()

    t_plain = best_of(plain_route, 1) * args.samples / n_plain
    t_ours = best_of(lambda: ours.backward(x, w), args.repeats)
    t_ours_aer = best_of(lambda: ours_aer.backward(x, w), 1)
    t_raw = best_of(raw_aer, 1)
    n_bind = len(bindings)
    print(
        f"workload: {layout.num_patches} patches x {args.samples} samples, "
        f"{p} weights per patch, {n_bind:,} bindings per backward"
    )
    if n_plain < args.samples:
        print(
            f"plain Qiskit ML route timed on {n_plain} of {args.samples} samples and "
            f"extrapolated linearly (its cost is per sample; --plain-samples {args.samples} "
            "times it all)"
        )
    print(f"{'route':<46}{'seconds':>10}{'us/binding':>12}")
    for name, t in [
        ("plain Qiskit ML (EstimatorQNN per patch, Aer)", t_plain),
        ("raw Aer EstimatorV2, one PUB", t_raw),
        ("PatchQNN.backward on Aer", t_ours_aer),
        ("PatchQNN.backward (default BatchedEstimator)", t_ours),
    ]:
        print(f"{name:<46}{t:>10.3f}{t / n_bind * 1e6:>12.2f}")
    print(f"speed-up over plain Qiskit ML: {t_plain / t_ours:.1f}x (target >= 10x)")
    print(f"PatchQNN.backward / raw Aer same bindings: {t_ours / t_raw:.3f} (target <= 1.5)")
    print(
        f"PatchQNN on Aer / raw Aer (our overhead on the same estimator): {t_ours_aer / t_raw:.3f}"
    )


if __name__ == "__main__":
    main()
