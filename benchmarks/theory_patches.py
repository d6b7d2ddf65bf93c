# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Theory check: lambda_max of the Gauss-Newton part against the number of patches.

With the mean aggregation ``z = c/K sum_k f_k`` the Gauss-Newton term carries ``(c/K)^2`` while
``sum_k J_k J_k^T`` grows about like ``K``, so lambda_max(G) should fall roughly as ``1/K``;
with the sum aggregation it should grow (paper-notes §5, our reconstruction). Fixed model
family: 6x6 random images, 3x3 patches on a grid, 4 classes, depth 1, scale ``c = 2`` (small so
that the softmax is not saturated at random initialisation), 12 samples, weights at the paper's
initialisation U[0, pi), 3 seeds. Prints mean ± std over seeds and ``K * lambda_max``.

Run: ``python benchmarks/theory_patches.py [--seeds 3] [--samples 12]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import loss_hessian


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--scale", type=float, default=2.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(args.samples, 36))
    y = np.arange(args.samples) % 4
    print(f"{'aggregation':<12}{'K':>4}{'lambda_max(G)':>26}{'K * lambda_max':>18}")
    for agg in ("mean", "sum"):
        for k in (1, 4, 9, 16):
            lams = []
            for seed in range(args.seeds):
                qnn = PatchQNN(
                    PatchLayout.grid((6, 6), (3, 3), k),
                    1,
                    num_classes=4,
                    aggregation=agg,
                    scale=args.scale,
                )
                h = loss_hessian(qnn, x, y, qnn.initial_weights(seed), progress=False)
                lams.append(h.eigenvalues(1, part="gauss_newton")[0])
            m, s = float(np.mean(lams)), float(np.std(lams, ddof=1)) if len(lams) > 1 else 0.0
            print(f"{agg:<12}{k:>4}{m:>16.4f} ± {s:<7.4f}{k * m:>18.4f}")


if __name__ == "__main__":
    main()
