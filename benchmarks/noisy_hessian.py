# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Experiment: how far a noisy / shot-based loss Hessian is from the exact one.

The same small PatchQNN and the same samples are evaluated on

* ``exact``            the exact batched statevector estimator (reference);
* ``aer:<device>``     Aer with the device's noise model, exact expectation values;
* ``fake:<device>``    qiskit-ibm-runtime local testing mode, ``--shots`` shots per circuit;

each device run transpiles every patch circuit once and lays the observables out. Reported per
backend: relative Frobenius error of the dense Hessian, extreme eigenvalues, bindings evaluated
and wall time relative to the exact run, and the provenance record. Noise (depolarising and
readout errors) shrinks expectation values and hence curvature; shots add variance on top.

Run (about a minute on two cores with the defaults)::

    python benchmarks/noisy_hessian.py --device fake_manila --shots 2000 --samples 2
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from qiskit_patchqnn.backends import estimate_cost, provenance, resolve
from qiskit_patchqnn.execution import measurement_bases
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.layout import PatchLayout
from qiskit_patchqnn.qnn import PatchQNN


def build(spec: str, args: argparse.Namespace) -> tuple[PatchQNN, str]:
    """The benchmark model on ``spec``."""
    shots = None if spec == "exact" or spec.startswith("aer:") else args.shots
    estimator, pm = resolve(spec, shots=shots, seed=args.seed)
    layout = PatchLayout.grid((3, 3), (2, 2), 4)
    qnn = PatchQNN(
        layout, depth=0, num_qubits=1, num_classes=2, estimator=estimator, pass_manager=pm
    )
    return qnn, spec


def main() -> None:
    """Run the experiment and print one JSON record per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="fake_manila")
    parser.add_argument("--shots", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(size=(args.samples, 9))
    y = rng.integers(0, 2, size=args.samples)
    reference = None
    t_exact = None
    for spec in ("exact", f"aer:{args.device}", f"fake:{args.device}"):
        qnn, _ = build(spec, args)
        w = qnn.initial_weights(seed=args.seed)
        if spec.startswith("fake:"):
            d = len(qnn.angle_mask(with_inputs=False))  # weight angles per patch
            bindings = args.samples * qnn.num_patches * (1 + 2 * d * d)
            bases = measurement_bases(qnn.evaluation_observables)
            print(f"# {spec}: {estimate_cost(bindings, args.shots, num_bases=bases)}")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # local mode: options without effect
            h = loss_hessian(qnn, x, y, w, progress=False).to_dense()
        elapsed = time.perf_counter() - start
        if reference is None:
            reference, t_exact = h, elapsed
        eig = np.linalg.eigvalsh(h)
        record = {
            "spec": spec,
            "rel_frobenius_error": float(np.linalg.norm(h - reference) / np.linalg.norm(reference)),
            "eig_min": float(eig[0]),
            "eig_max": float(eig[-1]),
            "bindings": qnn.log.bindings,
            "time_ratio_vs_exact": elapsed / t_exact,
            "provenance": provenance(qnn.estimator, spec, log=qnn.log),
        }
        print(json.dumps(record))


if __name__ == "__main__":
    main()
