# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn hessian``: the loss Hessian at a saved checkpoint."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ..io import write_json
from ..training import load_run
from .compute import loss_hessian

__all__ = ["add_hessian_parser", "run_hessian"]


def add_hessian_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn hessian``."""
    p = subparsers.add_parser(
        "hessian",
        help="exact loss Hessian at a checkpoint of a training run",
        description=(
            "Evaluate the exact parameter-shift loss Hessian at a saved checkpoint (default: the "
            "epoch with the lowest full training loss, as the paper does) and write hessian.json "
            "and spectrum.png into the run directory."
        ),
    )
    p.add_argument("run_dir", type=Path, help="run directory written by 'patchqnn train'")
    p.add_argument("--checkpoint", default="best", help="best, last, init or an epoch number")
    p.add_argument("--samples", type=int, default=64, help="training samples in the loss")
    p.add_argument("--top-k", type=int, default=10, help="number of top eigenvalues")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample subset")
    p.add_argument("--repetitions", type=int, default=1, help="repetitions for error bars")
    from ..cli_common import add_backend_arguments

    add_backend_arguments(p)
    p.set_defaults(handler=run_hessian)
    return p


def run_hessian(args: argparse.Namespace) -> int:
    """Run ``patchqnn hessian``; returns the exit code."""
    from ..cli_common import build_model, load_run_data

    result = load_run(args.run_dir)
    if args.samples < 1:
        raise ValueError(f"--samples must be >= 1, got {args.samples}")
    if args.top_k < 1:
        raise ValueError(f"--top-k must be >= 1, got {args.top_k}")
    weights = result.weights_at(args.checkpoint)
    data = load_run_data(result)
    qnn = build_model(result.model, args)
    rng = np.random.default_rng(args.seed)
    n = min(args.samples, len(data.x_train))
    idx = np.sort(rng.choice(len(data.x_train), n, replace=False))
    start = time.perf_counter()
    hess = loss_hessian(
        qnn,
        data.x_train[idx],
        data.y_train[idx],
        weights,
        repetitions=args.repetitions,
        progress=not args.no_progress,
    )
    summary = hess.summary(top_k=min(args.top_k, qnn.num_weights))
    summary.update(
        checkpoint=str(args.checkpoint),
        sample_seed=args.seed,
        seconds=time.perf_counter() - start,
        backend=args.backend,
    )
    density = hess.density(seed=args.seed)
    write_json(Path(args.run_dir) / "hessian.json", summary)
    from ..plotting import plot_spectrum_density

    plot_spectrum_density(
        density,
        eigenvalues=np.asarray(summary["top_eigenvalues"]),
        path=Path(args.run_dir) / "spectrum.png",
    )
    print(
        f"lambda_max = {summary['lambda_max']:.6g}, trace = {summary['trace']:.6g}, "
        f"outliers = {summary['num_outliers']}, evaluations = {summary['num_evaluations']:,} "
        f"-> {Path(args.run_dir) / 'hessian.json'}"
    )
    return 0
