# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The sweep directory: one atomic directory per run, resumable, loss-free.

Layout of ``DIR``::

    sweep.json            the config and its hash (refuses a resume with another config)
    summary.csv           one row per finished run, rewritten atomically after each run
    runs/<name>/          a finished run: its files, then done.json (written last); see
                          :mod:`.rundir` (``derived/`` holds results added later)
    runs/<name>/error.json  a failed run (no done.json): retried on the next start
    .lock                 held while a sweep writes here (a second sweep is refused)

A run directory is assembled in ``runs/.tmp-<name>-<random>/`` and renamed into place only when
complete, so a sweep killed at any moment (Ctrl-C or ``kill -9``) leaves finished runs intact and
at most a temporary directory, which the next start removes.
"""

from __future__ import annotations

import csv
import io
import math
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..io import (
    atomic_write_bytes,
    atomic_write_text,
    fsync_directory,
    is_done,
    mark_done,
    read_json,
    write_json,
)
from .config import parse_config
from .runner import EXTRA_COLUMNS, SUMMARY_COLUMNS, RunOutput
from .schema import ConfigError, SweepConfig

__all__ = ["SweepStore", "read_summary"]

_FORMAT = "qiskit-patchqnn sweep v1"


class SweepStore:
    """Reads and writes one sweep directory.

    Example:
        >>> import tempfile
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> root = Path(tempfile.mkdtemp()) / "sweep"
        >>> store = SweepStore.create(root, load_preset("quick"))
        >>> sorted(p.name for p in root.iterdir()), store.finished()
        (['runs', 'sweep.json'], {})
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, root: str | Path, config: SweepConfig) -> SweepStore:
        """Open ``root`` for ``config``: new, empty, or a sweep made with the same config.

        Raises:
            ConfigError: ``root`` holds another sweep (different config hash) or other files.
        """
        store = cls(root)
        root = store.root
        if root.exists() and not root.is_dir():
            raise ConfigError(f"--out {str(root)!r} exists and is not a directory")
        meta_path = root / "sweep.json"
        if meta_path.is_file():
            meta = read_json(meta_path)
            if meta.get("config_hash") != config.hash:
                raise ConfigError(
                    f"{root} holds a sweep made with a different config (hash "
                    f"{meta.get('config_hash')}, this one {config.hash}); use another --out or "
                    "the original config"
                )
        else:
            if root.is_dir() and any(p.name != ".lock" for p in root.iterdir()):
                raise ConfigError(
                    f"{root} exists, is not empty and holds no sweep.json; choose another --out"
                )
            store.runs_dir.mkdir(parents=True, exist_ok=True)
            write_json(
                meta_path,
                {
                    "format": _FORMAT,
                    "config_hash": config.hash,
                    "config": config.to_dict(),
                    "runs": [r.name for r in config.runs()],
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "package_version": _package_version(),
                },
            )
        store.runs_dir.mkdir(parents=True, exist_ok=True)
        return store

    @classmethod
    def open(cls, root: str | Path) -> SweepStore:
        """Open an existing sweep directory (for reports).

        Raises:
            FileNotFoundError: no ``sweep.json`` in ``root``.
        """
        store = cls(root)
        if not (store.root / "sweep.json").is_file():
            raise FileNotFoundError(f"{store.root} is not a sweep directory (no sweep.json)")
        return store

    def config(self) -> SweepConfig:
        """The sweep's config, from ``sweep.json``."""
        meta = read_json(self.root / "sweep.json")
        if meta.get("format") != _FORMAT or "config" not in meta:
            raise ValueError(f"{self.root / 'sweep.json'} is not a {_FORMAT} file")
        return parse_config(meta["config"], source=str(self.root / "sweep.json"))

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``DIR/.lock`` (an OS file lock, released even by ``kill -9``).

        Raises:
            RuntimeError: another process holds it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")  # noqa: SIM115 - held for the context
        try:
            try:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # pragma: no cover - Windows: no lock
                pass
            except OSError:
                raise RuntimeError(
                    f"another sweep is writing to {self.root}; wait for it or use another --out"
                ) from None
            yield
        finally:
            fh.close()

    def clean_temporaries(self) -> list[str]:
        """Remove leftovers of an interrupted sweep (``.tmp-*`` and ``.trash-*`` folders)."""
        removed = []
        if self.runs_dir.is_dir():
            for p in self.runs_dir.iterdir():
                if p.name.startswith((".tmp-", ".trash-")):
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(p.name)
        return removed

    # ------------------------------------------------------------------ runs
    def finished(self) -> dict[str, dict[str, Any]]:
        """Finished runs: name -> metrics (``done.json`` and a readable ``metrics.json``).

        See :meth:`damaged` for finished runs whose metrics cannot be read.
        """
        return self._scan()[0]

    def damaged(self) -> dict[str, str]:
        """Finished runs (``done.json``) whose ``metrics.json`` cannot be read: name -> why."""
        return self._scan()[1]

    def _scan(self) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        good: dict[str, dict[str, Any]] = {}
        bad: dict[str, str] = {}
        if not self.runs_dir.is_dir():
            return good, bad
        for p in sorted(self.runs_dir.iterdir()):
            if p.name.startswith(".") or not is_done(p):
                continue
            try:
                metrics = read_json(p / "metrics.json")
                if not isinstance(metrics, dict):
                    raise ValueError(f"{p / 'metrics.json'} holds no table")
                good[p.name] = metrics
            except (OSError, ValueError) as exc:
                bad[p.name] = (str(exc).splitlines() or [type(exc).__name__])[0]
        return good, bad

    def failed(self) -> dict[str, dict[str, Any]]:
        """Failed runs: name -> error (directories with ``error.json`` and no ``done.json``)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.runs_dir.is_dir():
            return out
        for p in sorted(self.runs_dir.iterdir()):
            if not p.name.startswith(".") and (p / "error.json").is_file():
                if not is_done(p):
                    out[p.name] = read_json(p / "error.json")
        return out

    def write_run(self, output: RunOutput) -> Path:
        """Store a run's output atomically as ``runs/<name>/`` and return that path.

        A finished run is never replaced; a failed one is replaced by the new attempt.
        """
        name = output.run.name
        final = self.runs_dir / name
        if is_done(final):
            return final
        tmp = self.runs_dir / f".tmp-{name}-{secrets.token_hex(4)}"
        tmp.mkdir(parents=True)
        try:
            for fname, data in output.files.items():
                atomic_write_bytes(tmp / fname, data)
            if output.ok:
                mark_done(tmp, run=name, files=sorted(output.files), seconds=output.seconds)
            else:
                write_json(tmp / "error.json", {"run": name, **(output.error or {})})
                fsync_directory(tmp)
            if final.exists():  # an earlier failed attempt: move it aside, then replace
                trash = self.runs_dir / f".trash-{name}-{secrets.token_hex(4)}"
                os.replace(final, trash)
                os.replace(tmp, final)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(tmp, final)
            fsync_directory(self.runs_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    # ------------------------------------------------------------------ summary
    def write_summary(self) -> Path:
        """Rewrite ``summary.csv`` atomically from the finished run directories."""
        rows = sorted(
            self.finished().values(), key=lambda m: (m["num_patches"], m["depth"], m["seed"])
        )
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        columns = SUMMARY_COLUMNS + tuple(c for c in EXTRA_COLUMNS if any(c in row for row in rows))
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return atomic_write_text(self.root / "summary.csv", buf.getvalue())


def read_summary(path: str | Path) -> list[dict[str, Any]]:
    r"""Read ``summary.csv`` back into typed rows (ints, floats; empty cells as NaN).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "summary.csv"
        >>> _ = p.write_text("num_patches,depth,lambda_max\n4,1,12.5\n")
        >>> read_summary(p)
        [{'num_patches': 4, 'depth': 1, 'lambda_max': 12.5}]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _parse(text: str) -> Any:
    if text == "":
        return float("nan")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qiskit-patchqnn")
    except PackageNotFoundError:  # pragma: no cover
        return "0.0.0"
