# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn reproduce``: a preset sweep and its report in one command (resumable)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import run_guarded
from .report import warn
from .sweep import add_execution_arguments, run_into

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn reproduce``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> args = parser.parse_args(["reproduce"])
        >>> args.preset, args.out
        ('quick', None)
    """
    from ..experiments import preset_names

    p = subparsers.add_parser(
        "reproduce",
        help="sweep + report in one command (default: the quick preset, minutes on a laptop)",
        description=(
            "Run a preset sweep and write its report: the paper's two trends (λ_max falls as "
            "patches grow, rises with depth) with error bars over seeds. 'standard' is a study "
            "(three sweeps: the paper's protocol, a fixed learning rate, fewer classes) whose "
            "report judges every claim. Resumable like sweep."
        ),
    )
    p.add_argument("--preset", choices=preset_names(), default="quick")
    p.add_argument("--out", type=Path, default=None, help="sweep directory (default runs/<preset>)")
    add_execution_arguments(p)
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn reproduce``: sweep then report; returns the exit code.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> run(parser.parse_args(["reproduce", "--workers", "0"]))  # stderr: one line
        1
    """

    def go() -> int:
        from ..experiments import write_report
        from ..experiments.study import is_study, load_study
        from ..experiments.study_report import write_study_report

        args.config = None
        out = args.out or Path("runs") / args.preset
        code = run_into(args, out)
        if is_study(args.preset):
            path = write_study_report(out, on_problem=warn)
            print(f"report -> {path}")
            _print_lambda_table(out / load_study(args.preset).main)
        else:
            path = write_report(out, on_problem=warn)
            print(f"report -> {path}")
            _print_lambda_table(out)
        return code

    return run_guarded(
        "reproduce",
        go,
        interrupted="finished runs are kept, run the same command again to resume",
    )


def _print_lambda_table(out: Path) -> None:
    from ..experiments import SweepStore, read_summary
    from ..experiments.claims import aggregate, fmt_mean_std

    cells = aggregate(read_summary(out / "summary.csv"), ["lambda_max"])
    at = SweepStore.open(out).config().hessian.checkpoint
    print(f"λ_max at the {at} checkpoint (mean ± std over seeds):")
    for (k, d), c in cells.items():
        text = fmt_mean_std(c.mean("lambda_max"), c.std("lambda_max"))
        print(f"  K={k:<3} d={d:<4} {text}")
