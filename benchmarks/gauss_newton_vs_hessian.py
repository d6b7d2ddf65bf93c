# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""How far is the Gauss-Newton part G from the Hessian H at a sweep's best checkpoints?

For every finished run of a sweep directory (e.g. ``patchqnn reproduce`` -> ``runs/quick``),
at its best checkpoint and on the sweep's own Hessian sample: the top eigenvalues of the exact
``H`` and of its Gauss-Newton part ``G`` (matrix-free, Lanczos to 1e-8), the spectral norm of the
residual part ``R = H - G``, and, as an independent check, ``lambda_max(H)`` stored by the sweep's
parameter-shift Hessian.

Run::

    python benchmarks/gauss_newton_vs_hessian.py runs/quick
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qiskit_patchqnn.experiments import SweepStore, load_sweep_data
from qiskit_patchqnn.experiments.stages import sample
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.io import read_json
from qiskit_patchqnn.qnn import PatchQNN
from qiskit_patchqnn.training import load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", type=Path, help="a sweep directory")
    parser.add_argument("--top", type=int, default=5, help="eigenvalues compared")
    args = parser.parse_args()
    store = SweepStore.open(args.sweep)
    cfg = store.config()
    data = load_sweep_data(cfg.dataset)
    x, y = sample(data, cfg.hessian.num_samples, cfg.hessian.sample_seed)
    print(
        f"{args.sweep}: {len(x)} training images, best checkpoints; relative differences "
        f"(G - H) / H"
    )
    print(
        f"{'run':<11}{'loss':>7}{'lmax(H)':>10}{'lmax(G)':>10}{'diff':>8}"
        f"{'max top-' + str(args.top):>11}{'|R|_2':>8}{'|R|/lmax':>9}{'PS lmax(H)':>12}"
    )
    worst, worst_top, worst_r = 0.0, 0.0, 0.0
    for name, _ in sorted(store.finished().items()):
        run = store.runs_dir / name
        res = load_run(run)
        qnn = PatchQNN.from_config(res.model)
        op = loss_hessian(qnn, x, y, res.best_weights, method="hvp", progress=False)
        h = op.eigenvectors(args.top, "LA", tol=1e-8)[0]
        g = op.eigenvectors(args.top, "LA", part="gauss_newton", tol=1e-8)[0]
        r = abs(op.eigenvectors(1, "LM", part="residual", tol=1e-6)[0][0])
        stored = read_json(run / "hessian.json")["lambda_max"]
        d1 = g[0] / h[0] - 1
        dtop = float(np.max(np.abs(g - h) / np.abs(h)))
        worst, worst_top = max(worst, abs(d1)), max(worst_top, dtop)
        worst_r = max(worst_r, r / h[0])
        print(
            f"{name:<11}{op.loss:>7.3f}{h[0]:>10.3f}{g[0]:>10.3f}{d1:>+8.1%}{dtop:>11.1%}"
            f"{r:>8.3f}{r / h[0]:>9.1%}{stored:>12.3f}"
        )
    print(
        f"largest |lmax(G) / lmax(H) - 1| = {worst:.1%}; largest relative difference among the "
        f"top {args.top}: {worst_top:.1%}; largest |R|_2 / lmax(H) = {worst_r:.1%}"
    )


if __name__ == "__main__":
    main()
