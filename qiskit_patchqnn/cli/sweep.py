# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn sweep``: every run of a sweep that its directory does not hold yet.

Each run lands atomically in ``DIR/runs/<name>/`` (see
:mod:`qiskit_patchqnn.experiments.store`); start the same command again after an interruption
to finish the missing runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .common import absolute_dataset, run_guarded

__all__ = [
    "add_execution_arguments",
    "add_parser",
    "load_sweep_config",
    "run",
    "run_config_into",
    "run_into",
    "study_of",
    "with_overrides",
]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn sweep``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers(dest="command"))
        >>> args = parser.parse_args(["sweep", "--preset", "quick", "--out", "runs/q"])
        >>> args.preset, args.out, args.handler is run
        ('quick', PosixPath('runs/q'), True)
    """
    from ..experiments import preset_names

    s = subparsers.add_parser(
        "sweep",
        help="run a sweep (patches x depths x seeds) from a TOML config or a preset",
        description=(
            "Run every (patch count, depth, seed) run of a sweep that DIR does not hold yet. "
            "Each run lands atomically in DIR/runs/<name>/; DIR/summary.csv is rewritten after "
            "each run. Start the same command again after an interruption to finish the "
            "missing runs."
        ),
    )
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "config", nargs="?", type=Path, help="sweep TOML file (or a study: [study] and [arms.*])"
    )
    src.add_argument(
        "--preset",
        choices=preset_names(),
        help="a built-in sweep, or a study of several (standard: one sweep per arm in OUT/<arm>)",
    )
    s.add_argument("--out", type=Path, required=True, help="sweep directory (created/resumed)")
    s.add_argument(
        "--estimate",
        action="store_true",
        help=(
            "print the circuits and shots every run would submit (parameter shift) and, on the "
            "exact simulator, each run's wall-clock time on this machine from throughput "
            "measured now (with --workers/--scheduler: on those Dask workers), then exit"
        ),
    )
    add_execution_arguments(s)
    s.set_defaults(handler=run)
    return s


def add_execution_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--workers``/``--scheduler`` and the overrides of a sweep's backend and data.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> add_execution_arguments(p)
        >>> p.parse_args(["--workers", "2"]).workers
        2
    """
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=None, help="start a local Dask cluster of N processes"
    )
    where.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (tcp://host:8786)"
    )
    p.add_argument("--backend", default=None, help="override the config's backend spec")
    p.add_argument("--shots", type=int, default=None, help="override the config's shots")
    p.add_argument(
        "--dataset",
        default=None,
        help="override the dataset: digits, mnist, fashion-mnist (fetched once) or mnist:<path>",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="submit to IBM Quantum hardware (an ibm: backend) without refusing",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def load_sweep_config(args: argparse.Namespace) -> Any:
    """The sweep's configuration with ``--backend``/``--shots``/``--dataset`` applied.

    A dataset path is made absolute (relative to the current directory), so that the stored
    configuration names the same files wherever it is read.

    Example:
        >>> ns = argparse.Namespace(preset="quick", config=None, backend="aer", shots=100,
        ...                         dataset=None, workers=None)
        >>> load_sweep_config(ns).backend.shots
        100
        >>> ns.preset, ns.dataset = "paper", "mnist:/data/mnist"  # an absolute path, as given
        >>> load_sweep_config(ns).dataset.name
        'mnist:/data/mnist'
    """
    from ..experiments import load_config, load_preset

    config = load_preset(args.preset) if args.preset else load_config(args.config)
    return with_overrides(args, config)


def with_overrides(args: argparse.Namespace, config: Any) -> Any:
    """``config`` with the ``--backend``/``--shots``/``--dataset`` of ``args`` applied."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    changes: dict[str, dict[str, Any]] = {}
    names = {"backend.spec": "--backend", "backend.shots": "--shots", "dataset.name": "--dataset"}
    if args.backend is not None:
        changes["backend"] = {"spec": args.backend}
    if args.shots is not None:
        changes.setdefault("backend", {})["shots"] = args.shots
    name = args.dataset or config.dataset.name
    if absolute_dataset(name) != config.dataset.name:
        changes["dataset"] = {"name": absolute_dataset(name)}
    if changes:
        config = config.merged(changes, source="", names=names)
    return config


def run_into(args: argparse.Namespace, out: Path) -> int:
    """Run the sweep (or study) of ``args`` into ``out``; returns the exit code.

    A study preset runs its arms one after the other, each an ordinary sweep in
    ``out/<arm>/``; the exit code is 1 if any run failed.
    """
    from ..experiments.study import prepare_study

    study = study_of(args)
    if study is None:
        return run_config_into(args, load_sweep_config(args), out)
    arms = {a: with_overrides(args, c) for a, c in study.arms.items()}
    if not getattr(args, "estimate", False):
        prepare_study(out, type(study)(study.name, study.description, arms, study.roles))
    print(
        f"study {study.name}: {study.num_runs()} runs in {len(arms)} arms "
        f"({', '.join(arms)}) -> {out}",
        flush=True,
    )
    code = 0
    for arm, config in arms.items():
        code = max(code, run_config_into(args, config, Path(out) / arm))
    return code


def study_of(args: argparse.Namespace) -> Any:
    """The study named by ``--preset`` or held in the config file, or ``None`` for a sweep.

    Example:
        >>> study_of(argparse.Namespace(preset="standard", config=None)).name
        'standard'
        >>> study_of(argparse.Namespace(preset="quick", config=None)) is None
        True
    """
    from ..experiments.study import is_study, load_study, load_study_file

    preset = getattr(args, "preset", None)
    if preset:
        return load_study(preset) if is_study(preset) else None
    config = getattr(args, "config", None)
    return load_study_file(config) if config is not None else None


def run_config_into(args: argparse.Namespace, config: Any, out: Path) -> int:
    """Run one sweep ``config`` into ``out``; returns the exit code (1 if a run failed)."""
    from ..experiments import SweepStore, load_sweep_data, run_sweep, sweep_cost

    hardware = config.backend.spec.startswith("ibm:")
    if getattr(args, "estimate", False) or hardware:
        data = load_sweep_data(config.dataset)
        cost = sweep_cost(config, data)
        if getattr(args, "estimate", False):
            _print_cost(config, cost)
            _print_time(config, data, args)
            return 0
        if not getattr(args, "yes", False):
            raise ValueError(
                f"a sweep on {config.backend.spec} would submit {cost} to IBM Quantum "
                "hardware (every training step by parameter shift, every Hessian and "
                "landscape; --estimate lists them by run); check it on a fake device first "
                "(--backend fake:<device>), then pass --yes"
            )
        print(f"sweep {config.name} on {config.backend.spec}: submitting {cost}", flush=True)
    SweepStore.create(out, config)  # refuses a directory of another sweep before any output
    where = (
        f"{args.workers} local Dask workers"
        if args.workers
        else f"Dask scheduler {args.scheduler}"
        if args.scheduler
        else "in-process"
    )
    print(f"sweep {config.name}: {len(config.runs())} runs -> {out} ({where})", flush=True)
    outcome = run_sweep(
        config, out, workers=args.workers, scheduler=args.scheduler, progress=not args.no_progress
    )
    print(
        f"{len(outcome.completed)} runs finished now, {len(outcome.skipped)} were already "
        f"done, {len(outcome.failed)} failed ({outcome.seconds:.0f} s) -> {outcome.summary}",
        flush=True,
    )
    if outcome.failed:
        print(
            f"patchqnn sweep: error: {len(outcome.failed)} runs failed "
            f"({', '.join(outcome.failed)}); see runs/<name>/error.json; rerun the same "
            "command to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


def _print_cost(config: Any, cost: Any) -> None:
    backend = config.backend.spec
    print(f"estimate for {backend} (parameter-shift gradients; circuit bindings per run):")
    cols = ("training", "evaluation", "hessian", "landscape")
    widths = [max(len(c), *(len(f"{getattr(r, c):,}") for r in cost.runs)) + 2 for c in cols]
    print(f"  {'run':<14}" + "".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True)))
    for r in cost.runs:
        counts = (f"{getattr(r, c):,}" for c in cols)
        print(f"  {r.run:<14}" + "".join(f"{n:>{w}}" for n, w in zip(counts, widths, strict=True)))
    print(f"total: {cost}")
    if config.hessian.enabled and config.hessian.method == "hvp":
        print(
            "  (hessian: the parameter-shift route's bindings; the configured method 'hvp' "
            "runs on the exact simulator only)"
        )


def _print_time(config: Any, data: Any, args: argparse.Namespace) -> None:
    """The wall-clock part of ``--estimate``: measured rates, per-run times, totals."""
    from ..experiments.cost import format_duration, time_estimate

    be = config.backend
    if be.spec.strip().lower() != "exact" or be.shots is not None:
        print(
            f"no wall-clock estimate for {be.spec}"
            f"{'' if be.shots is None else f' with {be.shots} shots'}: times are measured "
            "on the exact simulator (backend 'exact')"
        )
        return
    workers = args.workers
    if args.scheduler:
        workers = _cluster_slots(args.scheduler)
    print()
    est = time_estimate(
        config,
        data,
        workers=workers,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
    )
    tp0 = est.throughput[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        "wall-clock estimate on this machine: exact simulator, adjoint training, Hessian by "
        f"method '{config.hessian.method}'; from throughput measured just now "
        f"({tp0.bindings // tp0.num_patches} images x {tp0.num_patches} patches = "
        f"{tp0.bindings} bindings per call, fastest of {tp0.repeats} to 10 calls, after "
        "compiling)"
    )
    print(f"  ms per binding (load average {load:.1f} on {os.cpu_count()} cores after measuring):")
    print(
        f"  {'depth':>7}{'qubits':>8}{'values':>8}{'threads':>9}"
        f"{'forward':>10}{'vjp':>10}{'jvp':>10}{'hvp':>10}{'HVP':>10}"
    )
    for tp in (*est.throughput, *est.worker_throughput):
        print(
            f"  {tp.depth:>7}{tp.num_qubits:>8}{tp.num_values:>8}{tp.threads:>9}"
            + "".join(f"{1e3 * t:>10.4f}" for t in (tp.forward, tp.vjp, tp.jvp, tp.hvp, tp.product))
        )
    print(
        "  (HVP: one whole loss Hessian-vector product per sample and patch: the jvp and hvp "
        "sweeps and the work around them)"
    )
    hvp = config.hessian.enabled and config.hessian.method == "hvp"
    head = f"  {'run':<14}{'training':>11}{'evaluation':>12}{'hessian':>11}{'landscape':>11}"
    print(head + f"{'total':>11}" + (f"{'HVPs':>7}" if hvp else ""))
    for r in est.runs:
        row = "".join(
            f"{format_duration(t):>{w}}"
            for t, w in (
                (r.training, 11),
                (r.evaluation, 12),
                (r.hessian, 11),
                (r.landscape, 11),
                (r.total, 11),
            )
        )
        print(f"  {r.run:<14}{row}" + (f"{r.hessian_products:>7}" if hvp else ""))
    print(
        f"total in-process (runs one after another, {tp0.threads} kernel threads): "
        f"{format_duration(est.total)}"
    )
    if est.on_workers is not None:
        one = sum(r.total for r in est.worker_runs or ())
        print(
            f"on {est.workers} Dask worker{'s' if est.workers != 1 else ''} (one kernel thread "
            f"each, each as fast as one core here): {format_duration(est.on_workers)}; runs "
            f"are independent tasks (one worker alone: {format_duration(one)}), nothing inside "
            "a run is split"
        )
    else:
        print("  (--workers N or --scheduler ADDRESS: the time on N single-threaded Dask workers)")
    for note in est.notes:
        print(f"  {note}")


def _cluster_slots(address: str) -> int:
    """Task slots (threads) of the Dask cluster at ``address``."""
    from dask.distributed import Client

    with Client(address, timeout="30s") as client:
        return max(1, sum(client.nthreads().values()))


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn sweep``; returns the exit code.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers(dest="command"))
        >>> run(parser.parse_args(["sweep", "no/such.toml", "--out", "x"]))  # stderr: one line
        1
    """
    return run_guarded(
        "sweep",
        lambda: run_into(args, args.out),
        interrupted="finished runs are kept, run the same command again to resume",
    )
