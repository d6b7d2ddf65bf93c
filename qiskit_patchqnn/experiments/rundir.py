# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Run directories: what a directory holds, and the rules for writing into one.

A run directory (``patchqnn train --out R``, or ``SWEEP/runs/<name>/``) holds::

    run.json          which run of which configuration (written first)
    checkpoint.npz    while training: everything exact resumption needs (removed at the end)
    config.json, history.json, trajectory.npz, metrics.json[, hessian.*, landscape.*]
    done.json         the completion marker, written last
    derived/<name>/   results computed later (patchqnn hessian/landscape), each with its own
                      done.json, named by their settings

The rules: a directory without ``done.json`` is never read as a finished run (readers refuse
it with one line saying how many epochs it holds and how to resume it); nothing replaces a
finished result unless asked (``--overwrite``), and then only once the new one is complete;
a sweep's runs are written by the sweep only; derived results never replace a run's own files.

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> run_state(root / "new"), run_state(root)
    ('new', 'new')
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..io import is_done, mark_done, read_json, replace_directory, write_json
from ..training import CHECKPOINT, checkpoint_progress, incomplete_message
from .schema import SweepConfig
from .sections import RunSpec

__all__ = [
    "check_target",
    "finish_training",
    "load_run_config",
    "prepare_training",
    "require_finished",
    "run_state",
    "sweep_of",
    "training_progress",
    "write_result",
]

_RUN_NAME = re.compile(r"^p(\d+)-d(\d+)-s(\d+)$")
_OURS = ("run.json", CHECKPOINT, "config.json", "history.json", "trajectory.npz")


def run_state(path: str | Path) -> str:
    """``"new"`` (absent or empty), ``"finished"``, ``"incomplete"`` or ``"foreign"``.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "notes.txt").write_text("mine")
        >>> run_state(d)
        'foreign'
    """
    p = Path(path)
    if not p.exists():
        return "new"
    if not p.is_dir():
        return "foreign"
    if is_done(p):
        return "finished"
    names = {c.name for c in p.iterdir()}
    if not names:
        return "new"
    return "incomplete" if names & set(_OURS) else "foreign"


def sweep_of(path: str | Path) -> Path | None:
    """The sweep directory if ``path`` is ``SWEEP/runs/<name>``, else ``None``.

    Example:
        >>> sweep_of("runs/demo") is None
        True
    """
    p = Path(path)
    if p.parent.name == "runs" and (p.parent.parent / "sweep.json").is_file():
        return p.parent.parent
    return None


def require_finished(path: str | Path) -> Path:
    """Return ``path`` if it holds a finished run; raise one line saying why not.

    Example:
        >>> require_finished("no/such/run")
        Traceback (most recent call last):
        ...
        FileNotFoundError: run directory no/such/run does not exist

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: no ``done.json`` (an incomplete run: how many epochs, how to resume).
    """
    p = Path(path)
    if not p.is_dir():
        raise FileNotFoundError(f"run directory {p} does not exist")
    if not is_done(p):
        raise ValueError(incomplete_message(p))
    return p


def load_run_config(path: str | Path) -> tuple[SweepConfig, RunSpec]:
    """The configuration and grid cell a finished run was made with.

    Read from ``run.json``; runs of sweeps stored before ``run.json`` existed are looked up in
    their sweep's ``sweep.json``.

    Raises:
        FileNotFoundError: not a finished run directory.
        ValueError: no ``run.json`` and not a sweep's run, or a broken file.
    """
    from .config import parse_config
    from .runner import RUN_FORMAT

    p = require_finished(path)
    if (p / "run.json").is_file():
        rec = read_json(p / "run.json")
        if rec.get("format") != RUN_FORMAT:
            raise ValueError(f"{p / 'run.json'} is not a {RUN_FORMAT} file")
        config = parse_config(rec["config"], source=str(p / "run.json"))
        return config, RunSpec(int(rec["num_patches"]), int(rec["depth"]), int(rec["seed"]))
    sweep = sweep_of(p)
    match = _RUN_NAME.match(p.name)
    if sweep is None or match is None:
        raise ValueError(
            f"{p} holds no run.json, so its data and model cannot be rebuilt (a run saved by "
            "TrainResult.save, or by 'patchqnn train' before qiskit-patchqnn 0.2); train it "
            "with 'patchqnn train', or use qiskit_patchqnn.hessian/landscape from Python"
        )
    from .store import SweepStore

    config = SweepStore.open(sweep).config()
    return config, RunSpec(*(int(g) for g in match.groups()))


# ----------------------------------------------------------------------------- training
def prepare_training(
    out: str | Path, config: SweepConfig, run: RunSpec, *, resume: bool, overwrite: bool
) -> Path:
    """Decide where ``patchqnn train --out OUT`` trains, or refuse in one line.

    ``OUT`` new or empty: train there. ``OUT`` holds an incomplete run: continue it with
    ``resume`` (same configuration only), start over with ``overwrite``, else refuse. ``OUT``
    holds a finished run or other files: refuse, unless ``overwrite``. With ``overwrite`` the
    run is trained in ``.<OUT>.overwrite`` beside ``OUT`` and replaces it only when complete
    (:func:`finish_training`). A sweep's run is never a target.

    Returns:
        The directory to train in (``run.json`` written there).

    Raises:
        FileExistsError: one of the refusals above.
    """
    out = Path(out)
    sweep = sweep_of(out)
    if sweep is not None:
        raise FileExistsError(
            f"{out} is run {out.name} of the sweep in {sweep}; a sweep's runs are written by "
            "'patchqnn sweep' only: choose another --out"
        )
    state = run_state(out)
    if resume and overwrite:
        raise ValueError("give --resume or --overwrite, not both")
    if state == "incomplete" and not overwrite:
        _check_resumable(out, config, run, resume)
        return out
    if state in ("finished", "foreign") and not overwrite:
        what = "a finished run" if state == "finished" else "files that are not a run"
        raise FileExistsError(
            f"{out} already holds {what}; choose another --out, or pass --overwrite to replace "
            "it once the new run is complete"
        )
    work = out
    if state != "new":
        work = out.with_name(f".{out.name}.overwrite")
        shutil.rmtree(work, ignore_errors=True)  # an interrupted earlier --overwrite
    work.mkdir(parents=True, exist_ok=True)
    from .runner import run_record

    write_json(work / "run.json", run_record(config, run))
    return work


def _check_resumable(out: Path, config: SweepConfig, run: RunSpec, resume: bool) -> None:
    if not resume:
        raise FileExistsError(incomplete_message(out))
    rec_path = out / "run.json"
    if not rec_path.is_file():
        raise FileExistsError(
            f"{out} holds an incomplete run that cannot be resumed (no run.json); pass "
            "--overwrite to start over"
        )
    rec = read_json(rec_path)
    if rec.get("config_hash") != config.hash or rec.get("run") != run.name:
        raise FileExistsError(
            f"{out} holds an incomplete run with other settings (run {rec.get('run')}, config "
            f"hash {rec.get('config_hash')}; these arguments: {run.name}, {config.hash}); "
            "resume with the arguments it was started with, or pass --overwrite"
        )


def training_progress(path: str | Path) -> tuple[int, int] | None:
    """Epochs finished and planned of the checkpoint in ``path`` (``None``: none)."""
    ckpt = Path(path) / CHECKPOINT
    return checkpoint_progress(ckpt) if ckpt.is_file() else None


def finish_training(work: Path, out: str | Path, files: dict[str, bytes], **marker: Any) -> Path:
    """Write a trained run's files into ``work``, then ``done.json``; move it to ``out``.

    Removes the checkpoint once the marker is written. If ``work`` is a staging directory,
    it replaces ``out`` as a whole (see :func:`~qiskit_patchqnn.io.replace_directory`).
    """
    from ..io import atomic_write_bytes

    out = Path(out)
    for name, data in files.items():
        atomic_write_bytes(work / name, data)
    mark_done(work, files=sorted(files), **marker)
    (work / CHECKPOINT).unlink(missing_ok=True)
    if work != out:
        replace_directory(work, out)
    return out


# ----------------------------------------------------------------------------- results
def check_target(target: str | Path, *, overwrite: bool) -> Path:
    """Refuse (one line) to write a derived result into ``target``, unless it may be.

    ``target`` must be new or empty, or (with ``overwrite``) hold a result or other files; a
    run directory or a sweep's run is never a target.

    Example:
        >>> check_target("runs/demo/derived/new-result", overwrite=False).name
        'new-result'

    Raises:
        FileExistsError: see above.
    """
    target = Path(target)
    state = run_state(target)
    if sweep_of(target) is not None or (state != "new" and (target / "run.json").is_file()):
        raise FileExistsError(f"{target} is a run directory; results go beside it, not over it")
    if state != "new" and not overwrite:
        what = "this result" if state == "finished" else "other files"
        raise FileExistsError(
            f"{target} already holds {what}; pass --overwrite to recompute it, or give another "
            "--out"
        )
    return target


def write_result(target: str | Path, fill: Callable[[Path], Any], *, overwrite: bool) -> Path:
    """Write a derived result directory atomically: ``fill(tmp)``, ``done.json``, rename.

    Args:
        target: the result directory (e.g. ``RUN/derived/hessian-best-n64-s0-k5-exact``).
        fill: writes the result's files into the temporary directory it is given.
        overwrite: replace a finished result or other contents of ``target``; without it they
            are refused.

    Raises:
        FileExistsError: ``target`` is not empty and ``overwrite`` is false, or is a sweep's
            run or a run directory.

    Example:
        >>> import tempfile
        >>> t = Path(tempfile.mkdtemp()) / "r"
        >>> _ = write_result(t, lambda d: (d / "x.txt").write_text("1"), overwrite=False)
        >>> sorted(p.name for p in t.iterdir())
        ['done.json', 'x.txt']
    """
    target = check_target(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
    tmp.mkdir()
    try:
        fill(tmp)
        mark_done(tmp, files=sorted(p.name for p in tmp.iterdir()))
        replace_directory(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
