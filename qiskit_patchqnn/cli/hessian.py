# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn hessian``: the loss Hessian at a checkpoint of a finished run.

The run's stored configuration is reloaded (data, model, backend) and the flags change its
``[hessian]`` section; the Hessian is computed by the sweep runner's Hessian stage and written,
with its own ``done.json``, into ``RUN/derived/<name>/`` where the name spells the settings
(e.g. ``hessian-best-n64-s0-k5-exact``). A run's own ``hessian.json`` (a sweep's) is never
replaced.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from .common import (
    BACKEND_FLAGS,
    Flag,
    add_backend_arguments,
    add_out_arguments,
    default,
    load_stored_run,
)

__all__ = ["add_parser", "backend_slug", "result_name", "run"]

FLAGS = [
    Flag("--checkpoint", "hessian.checkpoint"),
    Flag("--samples", "hessian.num_samples"),
    Flag("--top-k", "hessian.top_k"),
    Flag("--seed", "hessian.sample_seed"),
    Flag("--repetitions", "hessian.repetitions"),
    *BACKEND_FLAGS,
]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn hessian``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> args = parser.parse_args(["hessian", "runs/d1", "--samples", "64"])
        >>> args.samples, args.top_k, args.out
        (64, None, None)
    """
    p = subparsers.add_parser(
        "hessian",
        help="exact loss Hessian at a checkpoint of a finished run",
        description=(
            "Evaluate the exact parameter-shift loss Hessian at a checkpoint of a finished run "
            "(default: the epoch with the lowest full training loss, as the paper does) and "
            "write hessian.json, hessian.npz and spectrum.png into RUN/derived/<settings>/. "
            "Unset flags keep the run's stored settings."
        ),
    )
    p.add_argument("run_dir", type=Path, help="a finished run directory (train or sweep)")
    p.add_argument(
        "--checkpoint",
        default=None,
        help=f"best, last, init or an epoch number ({default('hessian.checkpoint')})",
    )
    p.add_argument(
        "--samples", type=int, default=None, help="stratified training samples (default: all)"
    )
    p.add_argument(
        "--top-k", type=int, default=None, help=f"top eigenvalues ({default('hessian.top_k')})"
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the sample and the density")
    p.add_argument(
        "--repetitions", type=int, default=None, help="repetitions for error bars under shots"
    )
    add_out_arguments(p)
    add_backend_arguments(p, stored=True)
    p.set_defaults(handler=run)
    return p


def backend_slug(config: Any) -> str:
    """The backend part of a result's name: ``exact``, ``aer-fake_manila-1000shots``.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> backend_slug(load_preset("quick").with_backend("aer:fake_manila", 1000))
        'aer-fake_manila-1000shots'
    """
    be = config.backend
    slug = re.sub(r"[^a-z0-9_]+", "-", be.spec.strip().lower()).strip("-")
    return slug + (f"-{be.shots}shots" if be.shots else "")


def result_name(config: Any) -> str:
    """The directory name of a Hessian with ``config.hessian``'s settings.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> result_name(load_preset("quick"))
        'hessian-best-n40-s0-k12-exact'
    """
    h = config.hessian
    name = f"hessian-{h.checkpoint}-n{h.num_samples or 'all'}-s{h.sample_seed}-k{h.top_k}"
    if h.repetitions > 1:
        name += f"-r{h.repetitions}"
    return f"{name}-{backend_slug(config)}"


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn hessian``; returns the exit code.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> run(parser.parse_args(["hessian", "no/such/run"]))  # stderr: one line
        1
    """
    from .common import run_guarded

    return run_guarded("hessian", lambda: _hessian(args))


def _hessian(args: argparse.Namespace) -> int:
    import numpy as np

    from ..experiments.rundir import check_target, write_result
    from ..experiments.stages import hessian_stage, write_hessian
    from ..plotting import plot_spectrum_density

    config, spec, result, data, qnn = load_stored_run(args, FLAGS, {"hessian": {"enabled": True}})
    target = args.out or Path(args.run_dir) / "derived" / result_name(config)
    check_target(target, overwrite=args.overwrite)  # refuse before computing
    summary, arrays = hessian_stage(
        config.hessian, qnn, data, result, progress=not args.no_progress
    )
    summary.update(
        run=str(args.run_dir),
        backend=config.backend.spec,
        shots=config.backend.shots,
        settings=config.to_dict()["hessian"],
    )

    def fill(d: Path) -> None:
        write_hessian(d, summary, arrays)
        if "density" in arrays:
            from types import SimpleNamespace

            dens = SimpleNamespace(
                grid=arrays["density_grid"],
                density=arrays["density"],
                nodes=arrays["density_nodes"],
                weights=arrays["density_weights"],
                sigma=float(arrays["density_sigma"]),
            )
            plot_spectrum_density(
                dens, eigenvalues=np.asarray(summary["top_eigenvalues"]), path=d / "spectrum.png"
            )

    out = write_result(target, fill, overwrite=args.overwrite)
    print(
        f"lambda_max = {summary['lambda_max']:.6g}, trace = {summary['trace']:.6g}, "
        f"outliers = {summary['num_outliers']}, evaluations = {summary['num_evaluations']:,} "
        f"({summary['num_samples']} samples) -> {out / 'hessian.json'}"
    )
    return 0
