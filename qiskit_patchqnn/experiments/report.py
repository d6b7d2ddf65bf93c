# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``report.md`` and PNG figures for a sweep directory, our numbers beside the paper's.

The report reads only the sweep's own results of its finished run directories (never a run's
``derived/`` results), so it can be written while a sweep is still running or after it was
interrupted; it says how many runs it covers. A run whose files cannot be read is left out of
what needs them and flagged in one line (in the report and to ``on_problem``); the report is
always written whole: figures into a temporary folder that replaces ``figures/`` at once, then
``report.md`` atomically. The figures are drawn by :mod:`.figures`, the text by
:mod:`.markdown`.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write_text, read_json, replace_directory
from .claims import aggregate
from .store import SweepStore

__all__ = ["RunFiles", "write_report"]

_KEYS = (
    "lambda_max",
    "lambda_2",
    "trace",
    "num_outliers",
    "train_loss",
    "test_loss",
    "test_accuracy",
    "train_accuracy",
    "final_test_accuracy",
    "best_epoch",
    "pc1_ratio",
    "pc2_ratio",
    "num_weights",
    "weights_per_patch",
    "seconds",
    "hessian_samples",
)


class RunFiles:
    """Reads the sweep's own files of its runs; a damaged file is recorded, never raised.

    Example:
        >>> import tempfile
        >>> files = RunFiles(Path(tempfile.mkdtemp()))
        >>> files.json("p4-d1-s0", "history.json", "its curves are left out") is None
        True
        >>> print(files.problems[0])
        run p4-d1-s0: history.json is missing or damaged (...does not exist); its curves are...
    """

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = Path(runs_dir)
        self.problems: list[str] = []

    def flag(self, run: str, what: str, exc: BaseException, consequence: str) -> None:
        """Record that ``what`` of ``run`` could not be read or drawn."""
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        self.problems.append(f"run {run}: {what} is missing or damaged ({reason}); {consequence}")

    def exists(self, run: str, name: str) -> bool:
        """Whether the run has the file at all (absent files are not damage)."""
        return (self.runs_dir / run / name).is_file()

    def json(self, run: str, name: str, consequence: str) -> Any | None:
        """The JSON file ``name`` of ``run``, or ``None`` (flagged)."""
        try:
            return read_json(self.runs_dir / run / name)
        except Exception as exc:  # noqa: BLE001 - any damage is reported, never raised
            self.flag(run, name, exc, consequence)
            return None

    def npz(self, run: str, name: str, consequence: str) -> dict[str, np.ndarray] | None:
        """The arrays of ``name`` of ``run``, or ``None`` (flagged)."""
        try:
            with np.load(self.runs_dir / run / name, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except Exception as exc:  # noqa: BLE001
            self.flag(run, name, exc, consequence)
            return None

    def scan(self, run: str, consequence: str) -> Any | None:
        """The run's own landscape scan, or ``None`` (flagged)."""
        from ..landscape import LandscapeScan

        try:
            return LandscapeScan.load(self.runs_dir / run / "landscape")
        except Exception as exc:  # noqa: BLE001
            self.flag(run, "landscape.json/.npz", exc, consequence)
            return None


def write_report(
    directory: str | Path,
    *,
    figures: bool = True,
    on_problem: Callable[[str], None] | None = None,
) -> Path:
    """Write ``DIR/report.md`` and ``DIR/figures/*.png`` from the finished runs of a sweep.

    Args:
        directory: a sweep directory (with ``sweep.json``).
        figures: also draw the PNG figures.
        on_problem: called with one line per damaged run or file (default: printed to
            stderr); the report lists them too.

    Returns:
        The path of ``report.md``.

    Raises:
        FileNotFoundError: not a sweep directory.
        ValueError: no run has finished yet, or ``sweep.json`` is damaged.

    Example:
        >>> import tempfile
        >>> from qiskit_patchqnn.experiments import parse_config, run_sweep
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0, 1]},
        ...     "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8},
        ...     "layout": {"patch_shape": [3, 3], "num_patches": [1, 4]},
        ...     "model": {"depths": [1]}, "training": {"epochs": 2, "batch_size": 8},
        ...     "hessian": {"num_samples": 4, "density": False},
        ...     "landscape": {"enabled": False}})
        >>> out = Path(tempfile.mkdtemp()) / "s"
        >>> _ = run_sweep(cfg, out, progress=False)
        >>> "λ_max falls from 1 to 4 patches" in write_report(out, figures=False).read_text()
        True
    """
    from .figures import draw_figures
    from .markdown import report_markdown

    store = SweepStore.open(directory)
    config = store.config()
    finished = store.finished()
    files = RunFiles(store.runs_dir)
    for name, why in store.damaged().items():
        files.problems.append(f"run {name}: metrics.json is damaged ({why}); the run is left out")
    if not finished:
        raise ValueError(f"{store.root}: no finished runs to report on yet")
    rows = sorted(finished.values(), key=lambda m: (m["num_patches"], m["depth"], m["seed"]))
    cells = aggregate(rows, _KEYS)
    figs: dict[str, Any] = {}
    if figures:
        tmp = store.root / f".figures.tmp-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            figs = draw_figures(tmp, files, config, rows, cells)
            replace_directory(tmp, store.root / "figures")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    text = report_markdown(files, config, rows, cells, store.failed(), figs)
    path = atomic_write_text(store.root / "report.md", text)
    report = on_problem or _to_stderr
    for line in files.problems:
        report(line)
    return path


def _to_stderr(line: str) -> None:
    print(f"report: {line}", file=sys.stderr)
