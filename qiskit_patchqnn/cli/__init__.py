# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The ``patchqnn`` command: train, hessian, landscape, sweep, report, reproduce, demo, warmup.

One module per subcommand; every one goes through the sweep runner and run store of
:mod:`qiskit_patchqnn.experiments`, so a run trained by ``patchqnn train`` is a one-run sweep
with the same defaults, model and files. Errors are one line on stderr with a non-zero exit
code; nothing finished is overwritten without ``--overwrite``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``patchqnn`` argument parser with every subcommand.

    Example:
        >>> build_parser().parse_args(["report", "runs/quick"]).command
        'report'
    """
    from .. import __version__
    from . import demo, hessian, landscape, report, reproduce, sweep, train, warmup

    parser = argparse.ArgumentParser(
        prog="patchqnn",
        description="Patch-distributed quantum neural networks: training, exact loss Hessians, "
        "loss landscapes and sweeps.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (train, hessian, landscape, sweep, report, reproduce, demo, warmup):
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``patchqnn`` command; returns the exit code.

    Example:
        >>> main(["report", "no/such/dir"])  # one line on stderr
        1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args))
