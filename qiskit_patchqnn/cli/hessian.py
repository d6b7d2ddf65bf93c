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
    confirm_hook,
    default,
    load_stored_run,
    samples_count,
)

__all__ = ["add_parser", "backend_slug", "result_name", "run"]

FLAGS = [
    Flag("--checkpoint", "hessian.checkpoint"),
    Flag("--samples", "hessian.num_samples"),
    Flag("--top-k", "hessian.top_k"),
    Flag("--seed", "hessian.sample_seed"),
    Flag("--repetitions", "hessian.repetitions"),
    Flag("--method", "hessian.method"),
    Flag("--parts", "hessian.parts"),
    Flag("--bootstrap", "hessian.bootstrap"),
    Flag("--density", "hessian.density"),
    Flag("--trace", "hessian.trace"),
    Flag("--trace-probes", "hessian.trace_probes"),
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
        help=f"best, trough, last, init or an epoch number ({default('hessian.checkpoint')})",
    )
    p.add_argument(
        "--samples",
        type=samples_count,
        default=None,
        help="stratified training samples, or 'all' (default: the run's setting)",
    )
    p.add_argument(
        "--top-k", type=int, default=None, help=f"top eigenvalues ({default('hessian.top_k')})"
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the sample and the density")
    p.add_argument(
        "--repetitions", type=int, default=None, help="repetitions for error bars under shots"
    )
    p.add_argument(
        "--method",
        choices=("parameter_shift", "hvp"),
        default=None,
        help="parameter_shift (dense blocks, any backend) or hvp (matrix-free Hessian-vector "
        f"products, exact simulation; the paper's scale) ({default('hessian.method')})",
    )
    p.add_argument(
        "--parts",
        choices=("all", "gauss_newton"),
        default=None,
        help="all (G + R) or gauss_newton (G from first-order shifts only: 1 + 2D circuits per "
        f"sample and patch, what a QPU affords) ({default('hessian.parts')})",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        help="gauss_newton: bootstrap resamples over shots for eigenvalue error bars",
    )
    p.add_argument(
        "--density",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="spectral density by stochastic Lanczos quadrature",
    )
    p.add_argument(
        "--trace",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the trace (exact, or Hutchinson's estimate with hvp)",
    )
    p.add_argument("--trace-probes", type=int, default=None, help="hvp: Hutchinson probes")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument(
        "--budget-shots",
        type=float,
        default=None,
        help="gauss_newton: plan samples x shots per circuit within this many shots (variances "
        "from the exact simulator), print the plan, then run it",
    )
    budget.add_argument(
        "--budget-seconds",
        type=float,
        default=None,
        help="gauss_newton: the same within this much estimated QPU time (needs a device with "
        "gate durations)",
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
    if h.method == "hvp":
        name += "-hvp"
    if h.parts == "gauss_newton":
        name += "-gn"
    if h.repetitions > 1:
        name += f"-r{h.repetitions}"
    if h.bootstrap:
        name += f"-b{h.bootstrap}"
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
    plan = None
    if args.budget_shots is not None or args.budget_seconds is not None:
        config, qnn, plan = _budget(args, config, spec, result, data, qnn)
    target = args.out or Path(args.run_dir) / "derived" / result_name(config)
    check_target(target, overwrite=args.overwrite)  # refuse before computing
    summary, arrays = hessian_stage(
        config.hessian, qnn, data, result, progress=not args.no_progress
    )
    if plan is not None:
        summary["budget_plan"] = {
            "num_samples": plan.num_samples,
            "shots": plan.shots,
            "circuits": plan.circuits,
            "total_shots": plan.total_shots,
            "predicted_error": plan.predicted_error,
            "reference_lambda_max": plan.reference,
            "budget_shots": plan.budget_shots,
            "seconds": plan.seconds,
        }
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
    cost = (
        f"{summary['num_matvecs']:,} Hessian-vector products"
        if config.hessian.method == "hvp"
        else f"evaluations = {summary['num_evaluations']:,}"
    )
    error = summary.get("lambda_max_std")
    lam = f"{summary['lambda_max']:.6g}" + (f" ± {error:.2g}" if error else "")
    print(
        f"lambda_max = {lam}, trace = {summary['trace']:.6g}, "
        f"outliers = {summary['num_outliers']}, {cost} "
        f"({summary['num_samples']} samples) -> {out / 'hessian.json'}"
    )
    return 0


def _budget(args: argparse.Namespace, config: Any, spec: Any, result: Any, data: Any, qnn: Any):
    """Plan samples x shots within the budget, print the plan, and the config that runs it."""
    from ..experiments import build_model
    from ..experiments.stages import sample
    from ..hessian import plan_budget, seconds_per_shot

    h = config.hessian
    if h.parts != "gauss_newton":
        raise ValueError(
            "--budget-shots/--budget-seconds plan the Gauss-Newton part: add --parts gauss_newton"
        )
    exact = build_model(
        config.merged({"backend": {"spec": "exact", "shots": None}}, source=""),
        spec,
        data.num_classes,
    )
    x, y = sample(data, h.num_samples, h.sample_seed)
    weights = result.trajectory[result.checkpoint_index(h.checkpoint)]
    plan = plan_budget(
        exact,
        x,
        y,
        weights,
        budget_shots=args.budget_shots,
        budget_seconds=args.budget_seconds,
        rate=seconds_per_shot(qnn),
        seed=h.sample_seed,
        progress=not args.no_progress,
    )
    print(plan, flush=True)
    spec_text = config.backend.spec.strip().lower()
    if spec_text.startswith("ibm:") and not args.yes:
        raise ValueError(
            f"the plan submits {plan.circuits:,} circuits x {plan.shots:,} shots to IBM "
            "Quantum hardware; pass --yes to run it"
        )
    planned = config.merged(
        {"hessian": {"num_samples": plan.num_samples}, "backend": {"shots": plan.shots}},
        source="",
    )
    return (
        planned,
        build_model(
            planned, spec, data.num_classes, confirm=confirm_hook(planned.backend.spec, args.yes)
        ),
        plan,
    )
