# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Atomic file writes and completion markers.

A reader sees the old file or the new one, never half of one (:func:`atomic_write_bytes`). A
result *directory* is finished only once its completion marker ``done.json`` exists
(:func:`mark_done`, written last); :func:`replace_directory` swaps a finished directory into
place, so that old contents are replaced only by complete new ones.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DONE",
    "atomic_write_bytes",
    "atomic_write_text",
    "fsync_directory",
    "is_done",
    "mark_done",
    "read_json",
    "replace_directory",
    "write_json",
    "write_npz",
]

DONE = "done.json"
"""Name of the completion marker of a result directory."""


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically write UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Atomically write ``data`` as indented JSON (NumPy scalars and arrays allowed)."""
    return atomic_write_text(path, json.dumps(data, indent=2, default=_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read JSON, with a one-line error naming the file when it is missing or broken."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None


def write_npz(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Atomically write a compressed ``.npz`` file."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return atomic_write_bytes(path, buf.getvalue())


def mark_done(directory: str | os.PathLike, **record: Any) -> Path:
    """Write ``directory/done.json`` (the completion marker) after syncing the directory.

    Call it after every other file of the result is written: a directory without the marker is
    never read as a finished result.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> is_done(d), is_done(mark_done(d, run="r").parent)
        (False, True)
    """
    d = Path(directory)
    fsync_directory(d)
    record.setdefault("finished", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    path = write_json(d / DONE, record)
    fsync_directory(d)
    return path


def is_done(directory: str | os.PathLike) -> bool:
    """Whether ``directory`` holds a completion marker.

    Example:
        >>> is_done("no/such/directory")
        False
    """
    return (Path(directory) / DONE).is_file()


def replace_directory(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Move the directory ``source`` to ``target``, replacing whatever ``target`` holds.

    An existing ``target`` is first renamed aside (``.<name>.trash-<random>`` beside it), then
    ``source`` is renamed into place and the old contents are removed: at every moment
    ``target`` is either the old directory or the new one. Both must be on one file system.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "new").mkdir(); _ = (root / "new" / "a.txt").write_text("new")
        >>> (root / "old").mkdir(); _ = (root / "old" / "b.txt").write_text("old")
        >>> sorted(p.name for p in replace_directory(root / "new", root / "old").iterdir())
        ['a.txt']
    """
    source, target = Path(source), Path(target)
    fsync_directory(source)
    trash = None
    if target.exists():
        trash = target.with_name(f".{target.name}.trash-{secrets.token_hex(4)}")
        os.replace(target, trash)
    os.replace(source, target)
    fsync_directory(target.parent)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    return target


def fsync_directory(path: str | os.PathLike) -> None:
    """Flush a directory's entries to disk (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
