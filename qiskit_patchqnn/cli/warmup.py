# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn warmup``: compile the exact simulator's kernels into Numba's cache ahead of use."""

from __future__ import annotations

import argparse
import sys

from .common import run_guarded

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn warmup``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> parser.parse_args(["warmup"]).handler is run
        True
    """
    w = subparsers.add_parser(
        "warmup",
        help=(
            "compile the simulator's kernels once (under a minute on two idle cores), so runs "
            "start at once"
        ),
        description=(
            "Compile every kernel of the exact simulator into Numba's on-disk cache (next to "
            "the installed package, or $NUMBA_CACHE_DIR). Later processes load them in well "
            "under a second; without it the first run on a machine compiles them on first use."
        ),
    )
    w.set_defaults(handler=run)
    return w


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn warmup``; returns the exit code."""

    def go() -> int:
        from ..simulator.warmup import warm_up

        print("compiling or loading the exact simulator's kernels:", file=sys.stderr)
        seconds = warm_up(progress=True)
        print(f"ready in {sum(seconds.values()):.1f} s")
        return 0

    return run_guarded("warmup", go)
