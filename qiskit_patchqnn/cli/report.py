# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn report``: ``report.md`` and figures from a sweep directory.

The report covers the sweep's own results of its finished runs; a damaged run or file is
flagged in one line on stderr and in the report, and the report is still written whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import run_guarded

__all__ = ["add_parser", "run", "warn"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn report``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> parser.parse_args(["report", "runs/quick", "--no-figures"]).no_figures
        True
    """
    r = subparsers.add_parser(
        "report",
        help="write DIR/report.md and figures from a sweep or study directory",
        description=(
            "Write report.md and figures/*.png from the finished runs in DIR (a sweep, or a "
            "study: one report per arm and the study's report judging the claims)."
        ),
    )
    r.add_argument("dir", type=Path, help="sweep or study directory")
    r.add_argument("--no-figures", action="store_true", help="markdown only")
    r.set_defaults(handler=run)
    return r


def warn(line: str) -> None:
    """Print one line about a damaged run to stderr.

    Example:
        >>> warn("run p4-d1-s0: hessian.npz is damaged")  # printed to stderr
    """
    print(f"patchqnn report: warning: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn report``; returns the exit code.

    Example:
        >>> run(argparse.Namespace(dir=Path("no/such/dir"), no_figures=True))  # stderr
        1
    """

    def go() -> int:
        from ..experiments import write_report
        from ..experiments.study_report import write_study_report

        write = write_study_report if (args.dir / "study.json").is_file() else write_report
        path = write(args.dir, figures=not args.no_figures, on_problem=warn)
        print(f"report -> {path}")
        return 0

    return run_guarded("report", go)
