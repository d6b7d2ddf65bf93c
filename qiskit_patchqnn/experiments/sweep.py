# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Running a sweep: every (patch count, depth, seed) run is one task.

Tasks run in-process by default, on a Dask ``LocalCluster`` with ``workers=N`` (processes, one
thread and one Numba thread each), or on any Dask cluster given its scheduler address. Workers
compute and return the run's files; only this process writes into the sweep directory, run by
run and atomically (see :mod:`.store`), so workers need no shared disk and an interrupted sweep
resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .runner import RunOutput, execute_run
from .schema import SweepConfig
from .sections import RunSpec
from .store import SweepStore

__all__ = ["SweepOutcome", "run_sweep", "WORKER_ENV"]

WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
"""Environment of ``LocalCluster`` workers: one thread each, no oversubscription."""


@dataclass(frozen=True)
class SweepOutcome:
    """What a call to :func:`run_sweep` did.

    Attributes:
        out: the sweep directory.
        completed: runs finished by this call.
        skipped: runs already finished before it (never redone).
        failed: runs that failed in this call (their ``error.json`` is stored).
        summary: path of ``summary.csv``.
        seconds: wall time of the call.
    """

    out: Path
    completed: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]
    summary: Path
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether every run of the sweep is now finished."""
        return not self.failed


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any | None = None,
    progress: bool = True,
    on_result: Callable[[RunOutput], None] | None = None,
) -> SweepOutcome:
    """Run the runs of ``config`` that ``out`` does not hold yet.

    Args:
        config: the sweep.
        out: the sweep directory (created; or resumed if made with the same config).
        workers: start a Dask ``LocalCluster`` with this many single-threaded processes.
        scheduler: address of a running Dask scheduler (``tcp://host:8786``).
        client: an existing ``dask.distributed.Client`` (instead of the two above).
        progress: show a progress bar (runs done / running / left).
        on_result: called with each run's output after it is stored.

    Returns:
        What was done.

    Raises:
        ConfigError: ``out`` holds a different sweep.
        RuntimeError: another sweep is writing to ``out``.
        ValueError: both ``workers`` and ``scheduler`` given.

    Example:
        >>> import tempfile
        >>> from qiskit_patchqnn.experiments import parse_config
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0]},
        ...     "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8},
        ...     "layout": {"patch_shape": [3, 3], "num_patches": [4]},
        ...     "model": {"depths": [1]},
        ...     "training": {"epochs": 2, "batch_size": 8},
        ...     "hessian": {"num_samples": 4, "density": False},
        ...     "landscape": {"resolution": 3, "num_samples": 4}})
        >>> res = run_sweep(cfg, Path(tempfile.mkdtemp()) / "s", progress=False)
        >>> res.completed, res.ok
        (('p4-d1-s0',), True)
    """
    if sum(x is not None for x in (workers, scheduler, client)) > 1:
        raise ValueError("give at most one of workers, scheduler and client")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    start = time.perf_counter()
    store = SweepStore.create(out, config)
    with store.lock():
        store.clean_temporaries()
        done = set(store.finished()) | set(store.damaged())  # never redone
        todo = [r for r in config.runs() if r.name not in done]
        store.write_summary()
        bar = tqdm(
            total=len(config.runs()),
            initial=len(config.runs()) - len(todo),
            desc=f"sweep {config.name}",
            unit="run",
            disable=not progress,
        )
        completed: list[str] = []
        failed: list[str] = []

        def record(output: RunOutput, running: int) -> None:
            store.write_run(output)
            store.write_summary()
            (completed if output.ok else failed).append(output.run.name)
            bar.update(1)
            left = len(todo) - len(completed) - len(failed)
            bar.set_postfix(running=running, left=left, failed=len(failed))
            if not output.ok and progress:
                err = output.error or {}
                tqdm.write(f"run {output.run.name} failed: {err.get('type')}: {err.get('message')}")
            if on_result is not None:
                on_result(output)

        try:
            if todo and workers is None and scheduler is None and client is None:
                _run_local(config, todo, bar, record)
            elif todo:
                _run_dask(config, todo, workers, scheduler, client, bar, record)
        finally:
            bar.close()
    return SweepOutcome(
        out=store.root,
        completed=tuple(completed),
        skipped=tuple(sorted(done & {r.name for r in config.runs()})),
        failed=tuple(failed),
        summary=store.root / "summary.csv",
        seconds=time.perf_counter() - start,
    )


def _run_local(
    config: SweepConfig, todo: list[RunSpec], bar: Any, record: Callable[[RunOutput, int], None]
) -> None:
    for i, run in enumerate(todo):
        bar.set_postfix(running=1, left=len(todo) - i, run=run.name)
        record(execute_run(config, run), 0)


def _run_dask(
    config: SweepConfig,
    todo: list[RunSpec],
    workers: int | None,
    scheduler: str | None,
    client: Any | None,
    bar: Any,
    record: Callable[[RunOutput, int], None],
) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    own_client = client is None
    try:
        if client is None:
            if workers is not None:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    env=WORKER_ENV,
                )
                client = Client(cluster)
            else:
                client = Client(scheduler, timeout="30s")
        # LocalCluster workers run with WORKER_ENV (one Numba thread each); the workers of a
        # cluster given by address are set up by whoever started them.
        futures = {client.submit(execute_run, config, run, pure=False): run for run in todo}
        slots = max(1, sum(client.nthreads().values()))
        pending = len(futures)
        bar.set_postfix(running=min(slots, pending), left=pending)
        for fut in as_completed(futures):
            run = futures[fut]
            try:
                output = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails this run only
                output = RunOutput(
                    run, error={"type": type(exc).__name__, "message": str(exc), "traceback": ""}
                )
            pending -= 1
            record(output, min(slots, pending))
            fut.release()
    finally:
        if own_client and client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
