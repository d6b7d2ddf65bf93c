# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""One run of a sweep: data, model, training, Hessian at a checkpoint, landscape.

:func:`execute_run` is a pure function of ``(config, run)``: every random draw has an explicit
seed, so the same run gives the same numbers in-process, in a Dask worker, or after a restart.
It writes nothing into the sweep directory; it returns the run's files as bytes
(:class:`RunOutput`) and the caller stores them atomically, so workers need no shared disk.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import DatasetSpec, RunSpec, SweepConfig

__all__ = ["RunOutput", "build_model", "execute_run", "load_sweep_data", "SUMMARY_COLUMNS"]

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


def build_model(config: SweepConfig, run: RunSpec, num_classes: int | None = None) -> Any:
    """The :class:`~qiskit_patchqnn.PatchQNN` of one run (estimator from ``config.backend``).

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
    return PatchQNN(
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
    )


def execute_run(
    config: SweepConfig, run: RunSpec, *, threads: int | None = None, progress: bool = False
) -> RunOutput:
    """Train one run, then its Hessian and (if selected) its landscape; never raises.

    Args:
        config: the sweep.
        run: which cell.
        threads: Numba threads for this process (Dask workers: 1); ``None`` leaves it.
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
        if threads is not None:
            import numba

            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
        files, metrics = _execute(config, run, progress, start)
        return RunOutput(run, files, metrics, None, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - recorded in error.json, the sweep goes on
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }
        return RunOutput(run, {}, None, error, time.perf_counter() - start)


def _execute(
    config: SweepConfig, run: RunSpec, progress: bool, start: float
) -> tuple[dict[str, bytes], dict[str, Any]]:
    from ..io import write_json, write_npz
    from ..training import train

    data = load_sweep_data(config.dataset)
    qnn = build_model(config, run, data.num_classes)
    info = _run_info(config, run, data)
    result = train(
        qnn,
        data.x_train,
        data.y_train,
        data.x_test,
        data.y_test,
        config=config.training.train_config(run.depth, run.seed),
        progress=progress,
        info=info,
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
    with tempfile.TemporaryDirectory(prefix="patchqnn-run-") as tmp:
        d = Path(tmp)
        result.save(d)
        if config.hessian.enabled:
            summary, arrays = _hessian(config, qnn, data, result, progress)
            write_json(d / "hessian.json", summary)
            write_npz(d / "hessian.npz", **arrays)
            top = summary["top_eigenvalues"]
            metrics.update(
                lambda_max=summary["lambda_max"],
                trace=summary["trace"],
                num_outliers=summary["num_outliers"],
                lambda_2=top[1] if len(top) > 1 else float("nan"),
                lambda_min=summary["lambda_min"],
                hessian_samples=summary["num_samples"],
            )
        if config.landscape.selects(run):
            ratios = _landscape(config, qnn, data, result, d, progress)
            metrics.update(pc1_ratio=ratios[0], pc2_ratio=ratios[1])
        metrics["seconds"] = time.perf_counter() - start
        timing = {"train_seconds": train_seconds, "seconds": metrics["seconds"]}
        write_json(d / "metrics.json", {**metrics, "timing": timing, "run": run.name})
        files = {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}
    return files, metrics


def _run_info(config: SweepConfig, run: RunSpec, data: Any) -> dict:
    """Provenance stored in the run's ``config.json``; readable by ``patchqnn hessian``."""
    ds = config.dataset
    info: dict[str, Any] = {
        "sweep": config.name,
        "sweep_hash": config.hash,
        "run": run.name,
        "dataset_spec": {k: v for k, v in config.to_dict()["dataset"].items()},
        "dataset_notes": data.notes,
        "backend": config.backend.spec,
        "shots": config.backend.shots,
    }
    if not ds.pool and ds.num_classes is None:  # the same data `patchqnn hessian RUN` reloads
        info["dataset"] = "digits" if ds.is_digits else ds.name
        info["dataset_kwargs"] = (
            {"test_size": ds.test_size, "seed": ds.split_seed} if ds.is_digits else {}
        )
        if ds.num_train is not None or ds.num_test is not None:
            info["subset"] = {
                "num_train": ds.num_train,
                "num_test": ds.num_test,
                "seed": ds.subset_seed,
            }
    return info


def _sample(data: Any, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified sample of ``n`` training images (all when ``n`` is None or too large)."""
    if n is None or n >= data.num_train:
        return data.x_train, data.y_train
    sub = data.subset(n, None, seed=seed)
    return sub.x_train, sub.y_train


def _hessian(config: SweepConfig, qnn: Any, data: Any, result: Any, progress: bool):
    from ..hessian import loss_hessian

    spec = config.hessian
    x, y = _sample(data, spec.num_samples, spec.sample_seed)
    index = {"best": result.best_index, "last": len(result.trajectory) - 1, "init": 0}.get(
        spec.checkpoint
    )
    if index is None:
        index = int(spec.checkpoint) + 1
    weights = result.trajectory[index]
    t0 = time.perf_counter()
    hess = loss_hessian(qnn, x, y, weights, batch_size=spec.batch_size, progress=progress)
    summary = hess.summary(top_k=spec.top_k)
    if not spec.trace:
        summary["trace"] = float("nan")
    arrays: dict[str, np.ndarray] = {
        "top_eigenvalues": np.asarray(summary["top_eigenvalues"]),
        "outliers": np.asarray(summary["outliers"]),
    }
    for key, value in summary.pop("block_norms").items():
        arrays[f"block_norms_{key}"] = np.asarray(value)
    if spec.density:
        dens = hess.density(seed=spec.sample_seed)
        arrays.update(
            density_grid=dens.grid,
            density=dens.density,
            density_nodes=dens.nodes,
            density_weights=dens.weights,
            density_sigma=np.asarray(dens.sigma),
        )
    summary.update(
        checkpoint=spec.checkpoint,
        checkpoint_epoch=int(result.history[index]["epoch"]),
        sample_seed=spec.sample_seed,
        seconds=time.perf_counter() - t0,
    )
    return summary, arrays


def _landscape(
    config: SweepConfig, qnn: Any, data: Any, result: Any, out: Path, progress: bool
) -> tuple[float, float]:
    from ..landscape import bias_indices, pca_plane, scan_plane

    spec = config.landscape
    x, y = _sample(data, spec.num_samples, spec.sample_seed)
    losses = np.array([h["train_loss"] for h in result.history])
    plane = pca_plane(result.trajectory, losses=losses, exclude=bias_indices(qnn))
    evr = [float(v) for v in plane.explained_variance_ratio]
    scan = scan_plane(
        qnn,
        x,
        y,
        plane.center,
        plane.directions,
        plane.extent(spec.margin),
        spec.resolution,
        progress=progress,
        labels=("1st PC", "2nd PC"),
        method="pca",
        axis_scale=plane.axis_scale,
        info={
            "explained_variance_ratio": evr,
            "trajectory_coordinates": plane.coordinates.tolist(),
            "origin_index": int(plane.origin_index),
            "distance_to_plane": float(plane.residual),
            "margin": spec.margin,
            "sample_seed": spec.sample_seed,
        },
    )
    scan.save(out / "landscape")
    return evr[0], evr[1]
