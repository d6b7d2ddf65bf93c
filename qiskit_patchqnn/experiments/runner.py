# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""One run: data, model, training, Hessian at a checkpoint, landscape.

Every run goes through here: a sweep's cells and ``patchqnn train`` (a one-run configuration).
:func:`execute_run` is a pure function of ``(config, run)``: every random draw has an explicit
seed, so the same run gives the same numbers in-process, in a Dask worker, or after a restart.
It writes nothing into the sweep directory; it returns the run's files as bytes
(:class:`RunOutput`) and the caller stores them atomically, so workers need no shared disk.
:func:`run_one` is the same without the error capture, and can checkpoint training after every
epoch and resume it.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .schema import SweepConfig
from .sections import DatasetSpec, RunSpec

__all__ = [
    "RUN_FORMAT",
    "RunOutput",
    "build_model",
    "execute_run",
    "load_sweep_data",
    "run_one",
    "run_record",
    "SUMMARY_COLUMNS",
    "EXTRA_COLUMNS",
]

RUN_FORMAT = "qiskit-patchqnn run v1"
"""``format`` of a run directory's ``run.json``."""

SUMMARY_COLUMNS = (
    "num_patches",
    "depth",
    "seed",
    "num_weights",
    "best_epoch",
    "train_loss",
    "test_loss",
    "test_accuracy",
    "lambda_max",
    "trace",
    "num_outliers",
    "seconds",
    "weights_per_patch",
    "train_accuracy",
    "final_test_accuracy",
    "lambda_2",
    "lambda_min",
    "hessian_samples",
    "pc1_ratio",
    "pc2_ratio",
)
"""Columns of ``summary.csv`` (and keys of each run's ``metrics.json``), in order."""

EXTRA_COLUMNS = (
    "learning_rate",
    "num_classes",
    "checkpoint_epoch",
    "checkpoint_loss",
    "checkpoint_lr_fraction",
    "period_loss_change",
    "grad_norm",
    "grad_norm_init",
    "trace_std",
    "subset_lambda_max",
    "subset_samples",
    "bulk_edge",
    "num_outliers_null",
    "between_above_edge",
    "offdiag_block_ratio",
    "offdiag_mass",
    "landscape_loss_max",
    "landscape_loss_min",
)
"""Columns added after :data:`SUMMARY_COLUMNS`; ``summary.csv`` has those that any run has
(convergence, the matrix-free Hessian's extras, class structure, block coupling, landscape
range; see :mod:`.convergence` and :mod:`qiskit_patchqnn.hessian.classes`)."""


@dataclass(frozen=True)
class RunOutput:
    """What one run produced.

    Attributes:
        run: the grid cell.
        files: file name -> contents, to be written into the run directory.
        metrics: the run's ``summary.csv`` row (``None`` if it failed).
        error: ``{"type", "message", "traceback"}`` if it failed.
        seconds: wall time of the run.
    """

    run: RunSpec
    files: dict[str, bytes] = field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the run finished."""
        return self.error is None


def load_sweep_data(spec: DatasetSpec) -> Any:
    """Load the sweep's data set: load, keep classes, subsample (stratified), pool.

    Example:
        >>> ds = load_sweep_data(DatasetSpec(pool=True, num_classes=4, num_train=40, num_test=20))
        >>> ds.image_shape, ds.num_classes, ds.num_train, ds.num_test
        ((4, 4), 4, 40, 20)
    """
    from dataclasses import replace

    from ..datasets import avg_pool_2x2, load_dataset

    if spec.is_digits:
        data = load_dataset("digits", test_size=spec.test_size, seed=spec.split_seed)
    else:
        data = load_dataset(spec.name, pool=spec.pool)
    if spec.num_classes is not None and spec.num_classes < data.num_classes:
        c = spec.num_classes
        tr, te = data.y_train < c, data.y_test < c
        data = replace(
            data,
            x_train=data.x_train[tr],
            y_train=data.y_train[tr],
            x_test=data.x_test[te],
            y_test=data.y_test[te],
            num_classes=c,
            notes=f"{data.notes}; classes 0..{c - 1} only",
        )
    data = data.subset(spec.num_train, spec.num_test, seed=spec.subset_seed)
    if spec.pool and spec.is_digits:
        shape = data.image_shape
        data = replace(
            data,
            x_train=avg_pool_2x2(data.x_train, shape),
            x_test=avg_pool_2x2(data.x_test, shape),
            image_shape=(shape[0] // 2, shape[1] // 2),
            notes=f"{data.notes}; 2x2 average pooling",
        )
    return data


def build_model(
    config: SweepConfig,
    run: RunSpec,
    num_classes: int | None = None,
    *,
    confirm: Any | None = None,
) -> Any:
    """The :class:`~qiskit_patchqnn.PatchQNN` of one run (estimator from ``config.backend``).

    With shots, expectation values get precision ``1/sqrt(shots)`` and the simulator a seed
    derived from ``(backend.seed, K, d, seed)``.

    Args:
        config: the sweep.
        run: which cell.
        num_classes: classes of the loaded data (default: the dataset spec's, or 10).
        confirm: confirmation hook for IBM hardware jobs (see
            :func:`~qiskit_patchqnn.execution.require_confirmation`).

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> cfg = load_preset("paper")
        >>> qnn = build_model(cfg, RunSpec(9, 50, 1001), num_classes=10)
        >>> qnn.weights_per_patch, qnn.num_weights
        (2528, 22948)
    """
    from ..execution import resolve
    from ..layout import PatchLayout
    from ..qnn import PatchQNN

    layout = PatchLayout.grid(config.layout.image_shape, config.layout.patch_shape, run.num_patches)
    be = config.backend
    if be.shots is None and be.spec.strip().lower() == "exact":
        estimator: Any = "exact"
        pass_manager = None
        precision = None
    else:
        seed = int(
            np.random.SeedSequence([be.seed, run.num_patches, run.depth, run.seed]).generate_state(
                1
            )[0]
        )
        estimator, pass_manager = resolve(be.spec, shots=be.shots, seed=seed)
        precision = None if be.shots is None else be.shots**-0.5
    qnn = PatchQNN(
        layout,
        run.depth,
        num_qubits=config.model.num_qubits,
        num_classes=num_classes or config.dataset.num_classes or 10,
        scale=config.model.scale,
        aggregation=config.model.aggregation,
        input_bias=config.model.input_bias,
        estimator=estimator,
        pass_manager=pass_manager,
        precision=precision,
        confirm=confirm,
    )
    qnn.executor.spec = be.spec  # the spec the estimator was resolved from, for provenance
    return qnn


def run_record(config: SweepConfig, run: RunSpec) -> dict[str, Any]:
    """The content of a run directory's ``run.json``: which run of which configuration.

    ``patchqnn hessian`` and ``patchqnn landscape`` rebuild the run's data and model from it.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> rec = run_record(load_preset("quick"), RunSpec(4, 1, 0))
        >>> rec["run"], rec["config_hash"] == load_preset("quick").hash
        ('p4-d1-s0', True)
    """
    return {
        "format": RUN_FORMAT,
        "run": run.name,
        "num_patches": run.num_patches,
        "depth": run.depth,
        "seed": run.seed,
        "config_hash": config.hash,
        "config": config.to_dict(),
    }


def execute_run(config: SweepConfig, run: RunSpec, *, progress: bool = False) -> RunOutput:
    """Train one run, then its Hessian and (if selected) its landscape; never raises.

    Numba's thread count is left alone: the simulator sets and restores it around its kernels,
    and Dask workers started by :func:`~qiskit_patchqnn.experiments.run_sweep` have
    ``NUMBA_NUM_THREADS=1`` in their environment.

    Args:
        config: the sweep.
        run: which cell.
        progress: show the inner progress bars.

    Returns:
        The files and the summary row, or the error.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset, parse_config
        >>> data = load_preset("quick").to_dict()
        >>> data["dataset"]["name"] = "mnist:/no/such/dir"  # fails inside the run: reported
        >>> data["layout"]["image_shape"] = [28, 28]
        >>> cfg = parse_config(data)
        >>> out = execute_run(cfg, cfg.runs()[0])
        >>> out.ok, out.error["type"]
        (False, 'FileNotFoundError')
    """
    start = time.perf_counter()
    try:
        return run_one(config, run, progress=progress)
    except Exception as exc:  # noqa: BLE001 - recorded in error.json, the sweep goes on
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }
        return RunOutput(run, {}, None, error, time.perf_counter() - start)


def run_one(
    config: SweepConfig,
    run: RunSpec,
    *,
    progress: bool = False,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    info: dict[str, Any] | None = None,
    confirm: Any | None = None,
    data: Any | None = None,
    qnn: Any | None = None,
) -> RunOutput:
    """Train one run, then its Hessian and landscape as configured; errors are raised.

    Args:
        config: the configuration (a sweep, or the one-run configuration of ``patchqnn train``).
        run: which cell.
        progress: show the inner progress bars.
        checkpoint: training checkpoint file, written after every epoch (see
            :func:`~qiskit_patchqnn.training.train`).
        resume: continue training from ``checkpoint``.
        info: extra provenance for ``config.json`` (e.g. the command line).
        confirm: confirmation hook for IBM hardware jobs.
        data: the run's data set if already loaded (:func:`load_sweep_data`).
        qnn: the run's model if already built (:func:`build_model`).

    Returns:
        The run's files (``run.json``, the training run, ``hessian.*``, ``landscape.*``,
        ``metrics.json``; not ``done.json``, which the caller writes last) and its summary row.

    Example:
        >>> from qiskit_patchqnn.experiments import parse_config
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0]},
        ...     "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8},
        ...     "layout": {"patch_shape": [3, 3], "num_patches": [4]}, "model": {"depths": [1]},
        ...     "training": {"epochs": 1, "batch_size": 8},
        ...     "hessian": {"enabled": False}, "landscape": {"enabled": False}})
        >>> out = run_one(cfg, cfg.runs()[0])
        >>> sorted(out.files), out.metrics["num_weights"]
        (['config.json', 'history.json', 'metrics.json', 'run.json', 'trajectory.npz'], 120)
    """
    start = time.perf_counter()
    if data is None:
        data = load_sweep_data(config.dataset)
    if qnn is None:
        qnn = build_model(config, run, data.num_classes, confirm=confirm)
    files, metrics = _execute(config, run, data, qnn, progress, start, checkpoint, resume, info)
    return RunOutput(run, files, metrics, None, time.perf_counter() - start)


def _execute(
    config: SweepConfig,
    run: RunSpec,
    data: Any,
    qnn: Any,
    progress: bool,
    start: float,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, bytes], dict[str, Any]]:
    from ..io import DONE, write_json
    from ..training import train
    from .convergence import convergence_metrics
    from .stages import block_coupling, hessian_stage, landscape_stage, write_hessian

    info = {**_run_info(config, run, data), **(extra or {})}
    result = train(
        qnn,
        data.x_train,
        data.y_train,
        data.x_test,
        data.y_test,
        config=config.training.train_config(run.depth, run.seed),
        progress=progress,
        info=info,
        checkpoint=checkpoint,
        resume=resume,
    )
    train_seconds = time.perf_counter() - start
    best = result.history[result.best_index]
    metrics: dict[str, Any] = {
        "num_patches": run.num_patches,
        "depth": run.depth,
        "seed": run.seed,
        "num_weights": int(qnn.num_weights),
        "best_epoch": result.best_epoch,
        "train_loss": float(best["train_loss"]),
        "test_loss": float(best["test_loss"]),
        "test_accuracy": float(best["test_accuracy"]),
        "lambda_max": float("nan"),
        "trace": float("nan"),
        "num_outliers": None,
        "seconds": 0.0,
        "weights_per_patch": int(qnn.weights_per_patch),
        "train_accuracy": float(best["train_accuracy"]),
        "final_test_accuracy": float(result.history[-1]["test_accuracy"]),
        "lambda_2": float("nan"),
        "lambda_min": float("nan"),
        "hessian_samples": 0,
        "pc1_ratio": float("nan"),
        "pc2_ratio": float("nan"),
    }
    tr = config.training
    metrics.update(learning_rate=tr.learning_rate_for(run.depth), num_classes=data.num_classes)
    at = result.checkpoint_index(config.hessian.checkpoint) if config.hessian.enabled else None
    metrics.update(convergence_metrics(qnn, data.x_train, data.y_train, result, tr.t_max, at))
    with tempfile.TemporaryDirectory(prefix="patchqnn-run-") as tmp:
        d = Path(tmp)
        write_json(d / "run.json", run_record(config, run))
        result.save(d)
        if config.hessian.enabled:
            summary, arrays = hessian_stage(config.hessian, qnn, data, result, progress=progress)
            write_hessian(d, summary, arrays)
            top = summary["top_eigenvalues"]
            metrics.update(
                lambda_max=summary["lambda_max"],
                trace=summary["trace"],
                num_outliers=summary["num_outliers"],
                lambda_2=top[1] if len(top) > 1 else float("nan"),
                lambda_min=summary["lambda_min"],
                hessian_samples=summary["num_samples"],
            )
            metrics.update(
                {k: summary[k] for k in _HESSIAN_EXTRAS if k in summary},
                **block_coupling(arrays, run.num_patches),
            )
        if config.landscape.selects(run):
            scan = landscape_stage(config.landscape, qnn, data, result, progress=progress)
            scan.save(d / "landscape")
            ratios = scan.info.get("explained_variance_ratio", [float("nan")] * 2)
            metrics.update(pc1_ratio=ratios[0], pc2_ratio=ratios[1])
            losses = np.asarray(scan.losses, dtype=float)
            metrics.update(
                landscape_loss_max=float(np.nanmax(losses)),
                landscape_loss_min=float(np.nanmin(losses)),
            )
        metrics["seconds"] = time.perf_counter() - start
        timing = {"train_seconds": train_seconds, "seconds": metrics["seconds"]}
        write_json(d / "metrics.json", {**metrics, "timing": timing, "run": run.name})
        files = {
            p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file() and p.name != DONE
        }
    return files, metrics


_HESSIAN_EXTRAS = (
    "trace_std",
    "subset_lambda_max",
    "subset_samples",
    "bulk_edge",
    "num_outliers_null",
    "between_above_edge",
)


def _run_info(config: SweepConfig, run: RunSpec, data: Any) -> dict:
    """Provenance stored in the run's ``config.json``."""
    return {
        "sweep": config.name,
        "sweep_hash": config.hash,
        "run": run.name,
        "dataset": config.dataset.name,
        "dataset_spec": config.to_dict()["dataset"],
        "dataset_notes": data.notes,
        "backend": config.backend.spec,
        "shots": config.backend.shots,
    }
