# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn demo``: one run end to end (train, Hessian, landscape) through the same commands.

The demo is the three commands a user would type; its settings are spelled out in
:data:`STEPS`, so it shows the same numbers as ``patchqnn train ...`` with those flags.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["STEPS", "add_parser", "run"]

STEPS = (
    ["train", "--patches", "4", "--patch-size", "5", "--depth", "1", "--epochs", "10"]
    + ["--lr", "0.03", "--t-max", "10", "--seed", "0"],
    ["hessian", "--samples", "32", "--top-k", "10", "--seed", "0"],
    ["landscape", "--method", "pca", "--resolution", "15", "--samples", "200", "--seed", "0"],
)
"""The demo's commands, without the run directory (inserted) and the common flags."""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn demo``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> parser.parse_args(["demo"]).out
        PosixPath('runs/demo')
    """
    d = subparsers.add_parser(
        "demo",
        help="one run end to end in about two minutes: train, Hessian, landscape",
        description="Run 'patchqnn train', 'hessian' and 'landscape' on the embedded digits: "
        + " ; ".join("patchqnn " + " ".join(s) for s in STEPS),
    )
    d.add_argument("--out", type=Path, default=Path("runs/demo"))
    d.add_argument("--overwrite", action="store_true", help="replace an earlier demo in --out")
    d.add_argument("--no-progress", action="store_true")
    d.set_defaults(handler=run)
    return d


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn demo``; returns the exit code of the first step that fails.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp())
        >>> _ = (out / "notes.txt").write_text("mine")
        >>> run(argparse.Namespace(out=out, overwrite=False, no_progress=True))  # refused
        1
    """
    from . import main

    common = ["--no-progress"] if args.no_progress else []
    if args.overwrite:
        common.append("--overwrite")
    train, hessian, landscape = STEPS
    steps = [
        [*train, "--out", str(args.out)],
        [hessian[0], str(args.out), *hessian[1:]],
        [landscape[0], str(args.out), *landscape[1:]],
    ]
    for step in steps:
        code = main([*step, *common])
        if code:
            return code
    return 0
