# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn sweep``, ``patchqnn report`` and ``patchqnn reproduce``.

:func:`add_parsers` registers the three subcommands on the ``patchqnn`` parser; each sets
``handler`` to a function that takes the parsed arguments and returns the exit code. Errors are
one line on stderr and exit code 1; nothing is half-written (see :mod:`.store`). The module also
runs on its own: ``python -m qiskit_patchqnn.experiments.cli sweep --preset quick --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["add_parsers", "main", "run_report", "run_reproduce", "run_sweep_command"]


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sweep``, ``report`` and ``reproduce`` on a ``patchqnn`` subparser set.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> add_parsers(parser.add_subparsers(dest="command"))
        >>> args = parser.parse_args(["sweep", "--preset", "quick", "--out", "runs/q"])
        >>> args.preset, args.out, args.handler is run_sweep_command
        ('quick', PosixPath('runs/q'), True)
    """
    from .config import preset_names

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
    src.add_argument("config", nargs="?", type=Path, help="sweep TOML file")
    src.add_argument("--preset", choices=preset_names(), help="a built-in sweep")
    s.add_argument("--out", type=Path, required=True, help="sweep directory (created/resumed)")
    s.add_argument(
        "--estimate",
        action="store_true",
        help="print the circuits and shots every run would submit (parameter shift) and exit",
    )
    _execution_arguments(s)
    s.set_defaults(handler=run_sweep_command)

    r = subparsers.add_parser(
        "report",
        help="write DIR/report.md and figures from a sweep directory",
        description="Write report.md and figures/*.png from the finished runs in DIR.",
    )
    r.add_argument("dir", type=Path, help="sweep directory")
    r.add_argument("--no-figures", action="store_true", help="markdown only")
    r.set_defaults(handler=run_report)

    p = subparsers.add_parser(
        "reproduce",
        help="sweep + report in one command (default: the quick preset, minutes on a laptop)",
        description=(
            "Run a preset sweep and write its report: the paper's two trends (λ_max falls as "
            "patches grow, rises with depth) with error bars over seeds. Resumable like sweep."
        ),
    )
    p.add_argument("--preset", choices=preset_names(), default="quick")
    p.add_argument("--out", type=Path, default=None, help="sweep directory (default runs/<preset>)")
    _execution_arguments(p)
    p.set_defaults(handler=run_reproduce)


def _execution_arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=None, help="start a local Dask cluster of N processes"
    )
    where.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (tcp://host:8786)"
    )
    p.add_argument("--backend", default=None, help="override the config's backend spec")
    p.add_argument("--shots", type=int, default=None, help="override the config's shots")
    p.add_argument("--dataset", default=None, help="override the dataset (e.g. mnist:/data/mnist)")
    p.add_argument(
        "--yes",
        action="store_true",
        help="submit to IBM Quantum hardware (an ibm: backend) without refusing",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _config(args: argparse.Namespace):
    from .config import load_config, load_preset

    config = load_preset(args.preset) if args.preset else load_config(args.config)
    if args.shots is not None and args.shots < 1:
        raise ValueError(f"--shots must be >= 1, got {args.shots}")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.backend is not None or args.shots is not None:
        config = config.with_backend(args.backend, args.shots)
    if getattr(args, "dataset", None):
        data = config.to_dict()
        data["dataset"]["name"] = args.dataset
        from .config import parse_config

        config = parse_config(data, source="--dataset")
    return config


def _sweep(args: argparse.Namespace, out: Path) -> int:
    from .store import SweepStore
    from .sweep import run_sweep

    config = _config(args)
    hardware = config.backend.spec.startswith("ibm:")
    if getattr(args, "estimate", False) or hardware:
        from .cost import sweep_cost

        cost = sweep_cost(config)
        if getattr(args, "estimate", False):
            _print_cost(config.backend.spec, cost)
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
    runs = config.runs()
    where = (
        f"{args.workers} local Dask workers"
        if args.workers
        else f"Dask scheduler {args.scheduler}"
        if args.scheduler
        else "in-process"
    )
    print(f"sweep {config.name}: {len(runs)} runs -> {out} ({where})", flush=True)
    outcome = run_sweep(
        config,
        out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
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


def _print_cost(backend: str, cost) -> None:
    print(f"estimate for {backend} (parameter-shift gradients; circuit bindings per run):")
    print(f"  {'run':<14}{'training':>14}{'evaluation':>12}{'hessian':>14}{'landscape':>12}")
    for r in cost.runs:
        print(
            f"  {r.run:<14}{r.training:>14,}{r.evaluation:>12,}{r.hessian:>14,}{r.landscape:>12,}"
        )
    print(f"total: {cost}")


def run_sweep_command(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn sweep``; returns the exit code."""
    return _guard("sweep", lambda: _sweep(args, args.out))


def run_report(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn report``; returns the exit code."""

    def go() -> int:
        from .report import write_report

        path = write_report(args.dir, figures=not getattr(args, "no_figures", False))
        print(f"report -> {path}")
        return 0

    return _guard("report", go)


def run_reproduce(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn reproduce``: sweep then report; returns the exit code."""

    def go() -> int:
        from .report import write_report

        args.config = None
        out = args.out or Path("runs") / args.preset
        code = _sweep(args, out)
        path = write_report(out)
        print(f"report -> {path}")
        _print_lambda_table(out)
        return code

    return _guard("reproduce", go)


def _print_lambda_table(out: Path) -> None:
    from .claims import aggregate, fmt_mean_std
    from .store import read_summary

    cells = aggregate(read_summary(out / "summary.csv"), ["lambda_max"])
    print("λ_max at the best checkpoint (mean ± std over seeds):")
    for (k, d), c in cells.items():
        text = fmt_mean_std(c.mean("lambda_max"), c.std("lambda_max"))
        print(f"  K={k:<3} d={d:<4} {text}")


def _guard(command: str, func) -> int:
    from .config import ConfigError

    try:
        return int(func() or 0)
    except KeyboardInterrupt:
        print(
            f"patchqnn {command}: interrupted; finished runs are kept, run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 130
    except (ConfigError, ValueError, TypeError, FileNotFoundError, OSError, RuntimeError) as exc:
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        print(f"patchqnn {command}: error: {message}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sweep``, ``report`` or ``reproduce`` without the rest of the ``patchqnn`` CLI.

    Example:
        >>> main(["report", "no/such/dir"])
        1
    """
    parser = argparse.ArgumentParser(prog="patchqnn")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
