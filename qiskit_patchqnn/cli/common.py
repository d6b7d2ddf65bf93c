# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Pieces shared by the ``patchqnn`` subcommands: flags, defaults, errors.

Flags map onto keys of the sweep schema (:mod:`qiskit_patchqnn.experiments`); a flag that is
not given leaves the key at the schema's default (or at the value stored with a run), so every
default is stated once, in the schema. A bad value is reported with the flag's name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "BACKEND_FLAGS",
    "Flag",
    "add_backend_arguments",
    "absolute_dataset",
    "add_out_arguments",
    "changes_from",
    "confirm_hook",
    "default",
    "load_stored_run",
    "run_guarded",
]


class Flag:
    """A command-line flag that sets one schema key.

    Example:
        >>> Flag("--epochs", "training.epochs").dest
        'epochs'
    """

    def __init__(self, flag: str, key: str, dest: str | None = None) -> None:
        self.flag = flag
        self.key = key
        self.dest = dest or flag.lstrip("-").replace("-", "_")


def samples_count(text: str) -> int | str:
    """``--samples``: a number of samples, or ``all``.

    Example:
        >>> samples_count("64"), samples_count("all")
        (64, 'all')
    """
    if text.strip().lower() == "all":
        return "all"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'all', got {text!r}") from None


def default(key: str) -> Any:
    """The schema's default of ``section.key``, for help texts.

    Example:
        >>> default("training.learning_rate"), default("hessian.num_samples")
        (0.01, None)
    """
    from ..experiments.schema import SweepConfig

    section, name = key.split(".")
    model = SweepConfig.model_fields[section].annotation
    return model.model_fields[name].default  # type: ignore[union-attr]


def changes_from(
    args: argparse.Namespace, flags: list[Flag]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Schema changes for the flags that were given, and the key -> flag names for errors.

    Example:
        >>> ns = argparse.Namespace(epochs=0, lr=None)
        >>> changes_from(ns, [Flag("--epochs", "training.epochs"),
        ...                   Flag("--lr", "training.learning_rate")])
        ({'training': {'epochs': 0}}, {'training.epochs': '--epochs', \
'training.learning_rate': '--lr'})
    """
    changes: dict[str, dict[str, Any]] = {}
    for f in flags:
        value = getattr(args, f.dest, None)
        if value is not None:
            section, name = f.key.split(".")
            changes.setdefault(section, {})[name] = value
    return changes, {f.key: f.flag for f in flags}


def absolute_dataset(name: str) -> str:
    """A dataset name with its path made absolute (``datasets.canonical_spec``).

    Names that are not datasets are left alone: loading them fails later with its own message.

    Example:
        >>> absolute_dataset("digits"), absolute_dataset("cifar")
        ('digits', 'cifar')
        >>> import os
        >>> absolute_dataset("fashion-mnist:d/f") == "fashion-mnist:" + os.path.abspath("d/f")
        True
    """
    from ..datasets import canonical_spec

    try:
        return canonical_spec(name)
    except ValueError:
        return name


def add_backend_arguments(parser: argparse.ArgumentParser, *, stored: bool = False) -> None:
    """Add ``--backend``, ``--shots``, ``--yes`` and ``--no-progress``.

    Args:
        parser: the subcommand's parser.
        stored: the command works on a stored run, whose backend is the default.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> add_backend_arguments(p)
        >>> p.parse_args(["--shots", "100"]).shots
        100
    """
    where = "the run's backend" if stored else f"{default('backend.spec')}"
    parser.add_argument(
        "--backend",
        default=None,
        help=f"backend spec: exact, aer, aer:<fake device>, fake:<fake device>, ibm:<backend> "
        f"(default: {where})",
    )
    parser.add_argument(
        "--shots",
        type=int,
        default=None,
        help="shots per expectation value (default: "
        + ("the run's" if stored else "exact expectation values")
        + ")",
    )
    parser.add_argument(
        "--yes", action="store_true", help="submit to IBM hardware without asking again"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


BACKEND_FLAGS = [Flag("--backend", "backend.spec", "backend"), Flag("--shots", "backend.shots")]
"""``--backend`` and ``--shots`` as schema keys."""


def confirm_hook(spec: str, yes: bool) -> Any:
    """The confirmation hook for a backend: ``--yes`` for IBM hardware, none otherwise.

    Example:
        >>> confirm_hook("exact", False) is None
        True
    """
    if not spec.strip().lower().startswith("ibm:"):
        return None
    from ..execution import require_confirmation

    return require_confirmation(yes)


def run_guarded(command: str, func: Callable[[], int], *, interrupted: str = "") -> int:
    """Run a subcommand: errors become one line on stderr and exit code 1; Ctrl-C 130.

    Example:
        >>> run_guarded("demo", lambda: int("x"))
        1
    """
    from ..experiments import ConfigError

    try:
        return int(func() or 0)
    except (KeyboardInterrupt, SystemError) as exc:
        if not _interrupted(exc):
            raise
        message = interrupted or "finished results are kept"
        print(f"patchqnn {command}: interrupted; {message}", file=sys.stderr)
        return 130
    except (
        ConfigError,
        ValueError,
        TypeError,
        FileNotFoundError,
        FileExistsError,
        OSError,
        RuntimeError,
        ImportError,
    ) as exc:
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        print(f"patchqnn {command}: error: {message}", file=sys.stderr)
        return 1


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C.

    A ``KeyboardInterrupt``, or the ``SystemError`` that Numba raises when the interrupt lands
    while compiled code calls back into Python (its cause chain holds the interrupt).
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def add_out_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--overwrite`` for a derived result (``hessian``, ``landscape``).

    Example:
        >>> p = argparse.ArgumentParser()
        >>> add_out_arguments(p)
        >>> p.parse_args([]).out is None
        True
    """
    p.add_argument(
        "--out", type=Path, default=None, help="result directory (default: RUN/derived/<name>)"
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing result")


def load_stored_run(args: argparse.Namespace, flags: list[Flag], section: dict) -> tuple:
    """The run's configuration with the flags applied, its cell, training result, data, model.

    ``section`` holds fixed changes (e.g. ``{"hessian": {"enabled": True}}``).

    Example:
        >>> load_stored_run(argparse.Namespace(run_dir=Path("no/such/run")), [], {})
        Traceback (most recent call last):
        ...
        FileNotFoundError: run directory no/such/run does not exist

    Raises:
        FileNotFoundError: no such run.
        ValueError: an incomplete run, or a stored configuration that does not rebuild it.
    """
    from ..experiments import build_model, load_sweep_data
    from ..experiments.rundir import load_run_config
    from ..training import load_run

    config, spec = load_run_config(args.run_dir)
    changes, names = changes_from(args, flags)
    for key, values in section.items():
        changes[key] = {**changes.get(key, {}), **values}
    config = config.merged(changes, source="", names=names)
    result = load_run(args.run_dir)
    data = load_sweep_data(config.dataset)
    qnn = build_model(
        config, spec, data.num_classes, confirm=confirm_hook(config.backend.spec, args.yes)
    )
    if qnn.num_weights != result.trajectory.shape[1]:
        raise ValueError(
            f"{args.run_dir}: the stored run has {result.trajectory.shape[1]} weights but its "
            f"configuration builds {qnn.num_weights}"
        )
    return config, spec, result, data, qnn
