# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Experiment: top loss-Hessian eigenvalues on a noisy fake device, with error bars.

The same small PatchQNN (four 2x2 patches on 3x3 images, one qubit, depth 0, 2 classes, 32
weights, logit scale 5) and the same samples are evaluated on

* ``exact``            the exact batched statevector estimator (reference, no error bar);
* ``aer:<device>``     Aer with the device's noise model and ``--shots`` precision;
* ``fake:<device>``    qiskit-ibm-runtime local testing mode, ``--shots`` shots per circuit;

each device run transpiles every patch circuit once and lays the observables out. For the noisy
backends the whole Hessian is evaluated ``--repetitions`` times with independent shot noise and
the top eigenvalues are reported as mean ± standard deviation over repetitions
(``LossHessian.eigenvalues(..., return_std=True)``: error bars by repetition), beside the exact
values. Device noise (depolarising and readout errors) shrinks expectation values and hence
curvature: a bias that repetition does not remove; shots add the variance that it measures.

Run (a few minutes on two cores with the defaults)::

    python benchmarks/noisy_hessian.py --device fake_manila --shots 2000 --samples 2
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from qiskit_patchqnn.execution import estimate_cost, measurement_bases, resolve
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.layout import PatchLayout
from qiskit_patchqnn.qnn import PatchQNN


def build(spec: str, args: argparse.Namespace) -> PatchQNN:
    """The benchmark model on ``spec`` (unseeded noise, so repetitions are independent)."""
    shots = None if spec == "exact" else args.shots
    estimator, pm = resolve(spec, shots=shots)
    layout = PatchLayout.grid((3, 3), (2, 2), 4)
    return PatchQNN(
        layout,
        depth=0,
        num_qubits=1,
        num_classes=2,
        scale=5.0,  # small enough that the softmax is not saturated at initialisation
        estimator=estimator,
        pass_manager=pm,
    )


def main() -> None:
    """Run the experiment and print a table, then one JSON provenance record per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="fake_manila")
    parser.add_argument("--shots", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(size=(args.samples, 9))
    y = rng.integers(0, 2, size=args.samples)
    k = args.top_k
    rows = []
    records = []
    for spec in ("exact", f"aer:{args.device}", f"fake:{args.device}"):
        qnn = build(spec, args)
        w = qnn.initial_weights(seed=args.seed)
        reps = 1 if spec == "exact" else args.repetitions
        if spec.startswith("fake:"):
            d = qnn.shift_rule(with_inputs=False).num_angles  # weight angles per patch
            bindings = reps * args.samples * qnn.num_patches * (1 + 2 * d * d)
            bases = measurement_bases(qnn.executor.observables)
            print(f"# {spec}: {estimate_cost(bindings, args.shots, num_bases=bases)}")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # local mode: options without effect
            hess = loss_hessian(qnn, x, y, w, repetitions=reps, progress=False)
        elapsed = time.perf_counter() - start
        vals, stds = hess.eigenvalues(k, return_std=True)
        rows.append((spec, vals, stds, elapsed))
        records.append(qnn.executor.provenance().to_dict())
    exact = rows[0][1]
    print(
        f"top {k} eigenvalues of the loss Hessian ({args.samples} samples, 32 weights); "
        f"noisy rows: mean ± std over {args.repetitions} repetitions, {args.shots} shots"
    )
    print(
        f"{'backend':<22}"
        + "".join(f"{'lambda_' + str(i + 1):>22}" for i in range(k))
        + f"{'seconds':>10}"
    )
    for spec, vals, stds, elapsed in rows:
        cells = "".join(
            f"{v:>22.4f}" if np.isnan(sd) else f"{f'{v:.4f} ± {sd:.4f}':>22}"
            for v, sd in zip(vals, stds, strict=True)
        )
        print(f"{spec:<22}{cells}{elapsed:>10.1f}")
    for spec, vals, stds, _ in rows[1:]:
        z = np.abs(vals - exact) / np.where(stds > 0, stds, np.nan)
        print(f"{spec}: |noisy - exact| / std = " + ", ".join(f"{v:.1f}" for v in z))
    for rec in records:
        print(json.dumps(rec))


if __name__ == "__main__":
    main()
