# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Plane scan: batched ``scan_plane`` vs ``forward`` point by point vs raw estimator time.

Workload: ``PatchQNN(PatchLayout.grid((8, 8), (5, 5), 4), 1)`` (4 patches of 5×5 pixels on the
8×8 digits, depth 1, 5 qubits, 80 weights per patch), a 21×21 plane through initial weights
spanned by two patch-normalised random directions, mean cross-entropy over 200 training digits:
441 × 200 × 4 = 352,800 circuit bindings.

Three timings, each the best of ``--repeats`` runs, measured in the same process:

* **scan**: :func:`qiskit_patchqnn.landscape.scan_plane` (all grid points in shared jobs);
* **point by point**: ``qnn.forward(X, w)`` and the loss, one job per grid point, timed on
  ``--subset`` evenly spaced grid points and **extrapolated** to all 441 (printed with ``~``);
* **raw**: ``qnn.estimator.run`` on ONE PUB holding exactly the scan's bindings of
  ``qnn.evaluation_circuit`` (building the array is not timed): the roofline of our overhead;
* **raw Aer**: Aer ``EstimatorV2`` with runtime parameter binding on the first
  ``--aer-bindings`` of those bindings, **extrapolated** per binding (printed with ``~``).

The script checks that all three give the same losses, then prints
``speedup = point-by-point / scan`` (target >= 5), ``scan / raw Aer`` (target <= 1.5) and
``overhead = scan / raw`` (our own overhead on the same estimator). Usage::

    python benchmarks/bench_landscape.py            # the issue's workload (~1 minute, 2 cores)
    python benchmarks/bench_landscape.py --samples 20 --resolution 11   # smaller
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np
import qiskit

from qiskit_patchqnn import PatchLayout, PatchQNN, load_digits
from qiskit_patchqnn.landscape import random_directions, scan_plane
from qiskit_patchqnn.losses import cross_entropy, log_softmax


def best_of(repeats: int, func):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--resolution", type=int, default=21)
    parser.add_argument("--subset", type=int, default=42, help="grid points timed one by one")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--aer-bindings", type=int, default=20000, help="bindings timed on raw Aer (extrapolated)"
    )
    args = parser.parse_args()

    qnn = PatchQNN(PatchLayout.grid((8, 8), (5, 5), 4), 1)
    data = load_digits(seed=0)
    x, y = data.x_train[: args.samples], data.y_train[: args.samples]
    w0 = qnn.initial_weights(seed=0)
    dirs = random_directions(qnn, seed=1, weights=w0)
    r = args.resolution
    g = r * r
    print(f"# bench_landscape.py  {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, numba threads "
        f"{numba.get_num_threads()}, load average {os.getloadavg()[0]:.2f}, "
        f"python {platform.python_version()}, qiskit {qiskit.__version__}, numpy {np.__version__}"
    )
    print(
        f"# workload: {qnn.num_patches} patches, {qnn.weights_per_patch} weights/patch, "
        f"{qnn.patch_circuit.circuit.num_qubits} qubits, {r}x{r} grid, {len(x)} samples: "
        f"{g * len(x) * qnn.num_patches:,} bindings; estimator {type(qnn.estimator).__name__}"
    )
    qnn.forward(x[:2], w0)  # compile once, outside every timing

    # --- batched scan
    t_scan, scan = best_of(
        args.repeats, lambda: scan_plane(qnn, x, y, w0, dirs, 1.0, r, progress=False)
    )
    points = np.stack([scan.point(i, j) for i in range(r) for j in range(r)])
    flat = scan.losses.reshape(-1)

    # --- point by point (subset, extrapolated)
    subset = np.unique(np.linspace(0, g - 1, min(args.subset, g)).round().astype(int))

    def one_by_one():
        return np.array([cross_entropy(qnn.forward(x, points[i]), y) for i in subset])

    t_sub, slow = best_of(args.repeats, one_by_one)
    t_slow = t_sub * g / len(subset)
    np.testing.assert_allclose(slow, flat[subset], atol=1e-9)

    # --- raw estimator on one PUB with exactly the scan's bindings
    angles = np.stack([qnn.patch_angles(x, w) for w in points])
    values = qnn.bind(angles).reshape(-1, qnn.evaluation_circuit.num_parameters)
    obs = [[o] for o in qnn.evaluation_observables]

    def raw():
        return qnn.estimator.run([(qnn.evaluation_circuit, obs, values)]).result()[0].data.evs

    t_raw, evs = best_of(args.repeats, raw)
    outputs = np.asarray(evs).T.reshape(g, len(x), qnn.num_patches, qnn.num_classes)
    logits = qnn.logits_from_outputs(outputs)
    raw_loss = -log_softmax(logits)[:, np.arange(len(y)), y].mean(axis=1)
    np.testing.assert_allclose(raw_loss, flat, atol=1e-9)

    # --- raw Aer (runtime parameter binding) on a slice of the same bindings, extrapolated
    from qiskit_aer.primitives import EstimatorV2 as AerEstimator

    aer = AerEstimator(
        options={
            "backend_options": {"method": "statevector", "runtime_parameter_bind_enable": True}
        }
    )
    rows = min(args.aer_bindings, len(values))
    start = time.perf_counter()
    aer_evs = aer.run([(qnn.evaluation_circuit, obs, values[:rows])]).result()[0].data.evs
    t_aer = (time.perf_counter() - start) * len(values) / rows
    np.testing.assert_allclose(np.asarray(aer_evs), np.asarray(evs)[:, :rows], atol=1e-10)

    speedup = t_slow / t_scan
    overhead = t_scan / t_raw
    print(f"{'route':<44}{'seconds':>10}{'per point (ms)':>16}")
    print(
        f"{'scan_plane (batched, ' + str(scan.num_jobs) + ' jobs)':<44}{t_scan:>10.3f}"
        f"{1e3 * t_scan / g:>16.2f}"
    )
    print(
        f"{'forward point by point (' + str(len(subset)) + ' of ' + str(g) + ', extrap.)':<44}"
        f"{'~' + format(t_slow, '.3f'):>10}{1e3 * t_sub / len(subset):>16.2f}"
    )
    print(
        f"{'raw estimator.run, one PUB, same bindings':<44}{t_raw:>10.3f}{1e3 * t_raw / g:>16.2f}"
    )
    print(
        f"{'raw Aer EstimatorV2, same bindings (' + format(rows, ',') + ', extrap.)':<44}"
        f"{'~' + format(t_aer, '.3f'):>10}{1e3 * t_aer / g:>16.2f}"
    )
    print(f"speedup  (point by point / scan) = {speedup:.2f}x   (target >= 5)")
    print(f"scan / raw Aer on the same bindings = {t_scan / t_aer:.3f}   (target <= 1.5)")
    print(f"overhead (scan / raw BatchedEstimator) = {overhead:.2f}x")
    print(f"all routes agree: max |loss difference| <= 1e-9 over {g} points")


if __name__ == "__main__":
    main()
