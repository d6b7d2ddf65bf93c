# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The analysis stages of a run, shared by sweeps and the ``patchqnn`` commands.

One sample selection (:func:`sample`, stratified), one checkpoint selection (the Hessian spec's
``checkpoint`` through :meth:`~qiskit_patchqnn.training.TrainResult.checkpoint_index`), one Hessian
stage and one landscape stage: a sweep's runs and ``patchqnn hessian``/``landscape`` compute
their results with these functions and nothing else.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..io import write_json, write_npz
from .sections import HessianSpec, LandscapeSpec

__all__ = ["block_coupling", "hessian_stage", "landscape_stage", "sample", "write_hessian"]


def sample(data: Any, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified sample of ``n`` training images (all when ``n`` is None or too large).

    Example:
        >>> from qiskit_patchqnn.datasets import load_digits
        >>> x, y = sample(load_digits(), 20, seed=0)
        >>> x.shape, np.bincount(y).tolist()
        ((20, 64), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    """
    if n is None or n >= data.num_train:
        return data.x_train, data.y_train
    sub = data.subset(n, None, seed=seed)
    return sub.x_train, sub.y_train


def hessian_stage(
    spec: HessianSpec, qnn: Any, data: Any, result: Any, *, progress: bool = False
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The loss Hessian of a trained run at ``spec.checkpoint``: summary and arrays.

    Returns:
        ``hessian.json``'s content (eigenvalues, trace, outliers, cost, the checkpoint and its
        epoch) and ``hessian.npz``'s arrays (top eigenvalues, outliers, block norms and, when
        ``spec.density``, the spectral density).

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN, TrainConfig, train
        >>> from qiskit_patchqnn.datasets import load_digits
        >>> data = load_digits().subset(20, 10, seed=0)
        >>> qnn = PatchQNN(PatchLayout.grid((8, 8), (5, 5), 1))
        >>> res = train(qnn, data.x_train, data.y_train, config=TrainConfig(epochs=1),
        ...             progress=False)
        >>> summary, arrays = hessian_stage(HessianSpec(num_samples=10, density=False), qnn,
        ...                                 data, res)
        >>> summary["num_samples"], summary["checkpoint"], len(arrays["top_eigenvalues"])
        (10, 'best', 5)
    """
    from ..hessian import loss_hessian

    x, y = sample(data, spec.num_samples, spec.sample_seed)
    index = result.checkpoint_index(spec.checkpoint)
    weights = result.trajectory[index]
    start = time.perf_counter()
    if spec.method == "hvp":
        summary, arrays = _hvp_stage(spec, qnn, data, x, y, weights, progress)
    else:
        hess = loss_hessian(
            qnn,
            x,
            y,
            weights,
            batch_size=spec.batch_size,
            repetitions=spec.repetitions,
            parts=spec.parts,
            bootstrap=spec.bootstrap,
            seed=spec.sample_seed,
            progress=progress,
        )
        summary = hess.summary(top_k=min(spec.top_k, qnn.num_weights))
        if not spec.trace:
            summary["trace"] = float("nan")
        arrays = {
            "top_eigenvalues": np.asarray(summary["top_eigenvalues"]),
            "outliers": np.asarray(summary["outliers"]),
        }
        for key, value in summary.pop("block_norms").items():
            arrays[f"block_norms_{key}"] = np.asarray(value)
        if spec.density:
            _add_density(arrays, hess.density(seed=spec.sample_seed))
    summary.update(
        checkpoint=spec.checkpoint,
        checkpoint_epoch=int(result.history[index]["epoch"]),
        sample_seed=spec.sample_seed,
        seconds=time.perf_counter() - start,
    )
    if spec.repetitions > 1:
        summary["repetitions"] = spec.repetitions
    return summary, arrays


def _add_density(arrays: dict[str, np.ndarray], dens: Any) -> None:
    arrays.update(
        density_grid=dens.grid,
        density=dens.density,
        density_nodes=dens.nodes,
        density_weights=dens.weights,
        density_sigma=np.asarray(dens.sigma),
    )


def _hvp_stage(
    spec: HessianSpec,
    qnn: Any,
    data: Any,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    progress: bool,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The matrix-free route: Lanczos eigenvalues, Hutchinson trace, SLQ density, block norms."""
    from ..hessian import MatrixFreeHessian, class_structure, gap_outliers, hutchinson_trace
    from ..hessian.spectrum import lanczos_spectrum, merge_densities

    hess = MatrixFreeHessian(qnn, x, y, weights, progress=progress)
    k = min(spec.top_k, qnn.num_weights - 1)
    t0 = time.perf_counter()
    run = None
    if spec.lanczos_steps is not None:
        run = lanczos_spectrum(
            hess.matvec,
            hess.num_weights,
            k,
            tol=spec.eigen_tol,
            max_steps=spec.lanczos_steps,
            seed=spec.sample_seed,
        )
        vals = run.eigenvalues[: max(run.converged, 1)]
    else:
        vals = hess.eigenvectors(k, "LA", tol=spec.eigen_tol)[0]
    eig = {"products": hess.num_matvecs, "seconds": time.perf_counter() - t0}
    out = gap_outliers(vals)
    summary: dict[str, Any] = {
        "method": "hvp",
        "lambda_max": float(vals[0]),
        "top_eigenvalues": [float(v) for v in vals],
        "lambda_min": float("nan"),
        "num_outliers": out.count,
        "outliers": [float(v) for v in out.values],
        "loss": hess.loss,
        "num_weights": hess.num_weights,
        "num_samples": hess.num_samples,
        "eigen_products": eig["products"],
        "eigen_seconds": eig["seconds"],
    }
    if run is not None:
        summary.update(
            eigen_method=f"one Lanczos run, at most {spec.lanczos_steps} steps",
            eigen_converged=run.converged,
            eigen_errors=[float(e) for e in run.errors],
        )
    arrays: dict[str, np.ndarray] = {
        "top_eigenvalues": np.asarray(vals),
        "outliers": np.asarray(out.values),
    }
    if spec.trace:
        est, se = hutchinson_trace(
            hess.matvec, hess.num_weights, spec.trace_probes, seed=spec.sample_seed
        )
        summary.update(trace=est, trace_std=se, trace_probes=spec.trace_probes)
    else:
        summary["trace"] = float("nan")
    if spec.density and run is not None:
        dens = run.density
        if spec.density_runs > 1:  # the Lanczos run is the first probe; add the others
            more = hess.density(
                num_runs=spec.density_runs - 1,
                num_steps=spec.density_steps,
                seed=spec.sample_seed + 1,
            )
            dens = merge_densities([dens, more])
        _add_density(arrays, dens)
    elif spec.density:
        dens = hess.density(
            num_runs=spec.density_runs, num_steps=spec.density_steps, seed=spec.sample_seed
        )
        _add_density(arrays, dens)
    if spec.subset_samples is not None and spec.subset_samples < len(x):
        sx, sy = sample(data, spec.subset_samples, spec.sample_seed)
        sub = MatrixFreeHessian(qnn, sx, sy, weights)
        summary["subset_samples"] = len(sx)
        summary["subset_lambda_max"] = float(sub.eigenvectors(1, "LA", tol=spec.eigen_tol)[0][0])
    if spec.class_structure:
        cs = class_structure(hess, tol=max(spec.eigen_tol, 1e-3))
        count = cs.count(vals)
        summary.update(
            bulk_edge=cs.bulk_edge,
            bulk_edge_error=cs.edge_error,
            num_outliers_null=count,
            outliers_censored=bool(count == len(vals)),
            between_above_edge=int(np.sum(cs.between > cs.bulk_edge)),
            class_products=cs.gn_products,
        )
        arrays["between_eigenvalues"] = np.asarray(cs.between)
    if spec.block_norm_probes:
        bx, by = sample(data, spec.block_norm_samples, spec.sample_seed)
        blocks = MatrixFreeHessian(qnn, bx, by, weights)
        norms = blocks.block_norms(num_probes=spec.block_norm_probes, seed=spec.sample_seed)
        for key, value in norms.items():
            arrays[f"block_norms_{key}"] = np.asarray(value)
        summary["block_norm_samples"] = len(bx)
    summary.update(
        num_matvecs=hess.num_matvecs,
        num_sweeps=hess.num_sweeps,
        provenance=hess.provenance.to_dict(),
    )
    return summary, arrays


def block_coupling(arrays: dict[str, np.ndarray], num_patches: int | None = None) -> dict:
    r"""How much of the Hessian lies outside its per-patch diagonal blocks.

    From the Frobenius norms :math:`F_{kl} = \|H_{kl}\|_F` of the patch blocks (the first
    ``num_patches`` blocks; a positional-bias block is left out):

    * ``offdiag_block_ratio``: the mean off-diagonal :math:`F_{kl}` over the mean diagonal
      :math:`F_{kk}`, a typical cross-patch block against a typical own-patch block;
    * ``offdiag_mass``: :math:`\sqrt{\sum_{k \ne l} F_{kl}^2 / \sum_{kl} F_{kl}^2}`, the
      share of :math:`\|H\|_F` outside the diagonal blocks.

    Empty without block norms or with one patch.

    Example:
        >>> f = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> c = block_coupling({"block_norms_frobenius": f})
        >>> c["offdiag_block_ratio"], round(c["offdiag_mass"], 4)
        (0.5, 0.4472)
    """
    fro = arrays.get("block_norms_frobenius")
    if fro is None:
        return {}
    f = np.asarray(fro, dtype=float)
    if num_patches is not None:
        f = f[:num_patches, :num_patches]
    k = len(f)
    if k < 2:
        return {}
    off = ~np.eye(k, dtype=bool)
    diag = float(np.diag(f).mean())
    total = float(np.sum(f**2))
    return {
        "offdiag_block_ratio": float(f[off].mean() / diag) if diag > 0 else float("nan"),
        "offdiag_mass": float(np.sqrt(np.sum(f[off] ** 2) / total)) if total > 0 else float("nan"),
    }


def write_hessian(directory: str | Path, summary: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``hessian.json`` and ``hessian.npz`` (atomically) into ``directory``."""
    d = Path(directory)
    write_json(d / "hessian.json", summary)
    write_npz(d / "hessian.npz", **arrays)


def landscape_stage(
    spec: LandscapeSpec, qnn: Any, data: Any, result: Any, *, progress: bool = False
) -> Any:
    """A loss-landscape scan of a trained run, by ``spec.method``.

    ``pca`` is the paper's plane: the first two principal components of the weight trajectory
    (positional bias excluded and held at the minimum's value) through the trajectory mean,
    ``spec.margin`` radians beyond the trajectory. ``random`` and ``hessian`` scan the plane of
    two random directions normalised per patch, or of the top two Hessian eigenvectors (on
    ``spec.hessian_samples`` stratified samples), through the lowest-loss checkpoint, out to
    ``spec.extent`` on each axis.

    Returns:
        The :class:`~qiskit_patchqnn.landscape.LandscapeScan`.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN, TrainConfig, train
        >>> from qiskit_patchqnn.datasets import load_digits
        >>> data = load_digits().subset(20, 10, seed=0)
        >>> qnn = PatchQNN(PatchLayout.grid((8, 8), (5, 5), 1))
        >>> res = train(qnn, data.x_train, data.y_train, config=TrainConfig(epochs=2),
        ...             progress=False)
        >>> scan = landscape_stage(LandscapeSpec(resolution=3, num_samples=10), qnn, data, res)
        >>> scan.losses.shape, scan.method
        ((3, 3), 'pca')
    """
    from ..landscape import (
        bias_indices,
        hessian_directions,
        pca_plane,
        random_directions,
        scan_plane,
    )

    x, y = sample(data, spec.num_samples, spec.sample_seed)
    traj = np.asarray(result.trajectory, dtype=float)
    origin = traj[result.best_index]
    info: dict[str, Any] = {
        "sample_seed": spec.sample_seed,
        "origin_epoch": int(result.history[result.best_index]["epoch"]),
    }
    box: float | tuple[float, float, float, float]
    scale = None
    if spec.method == "pca":
        losses = np.array([h["train_loss"] for h in result.history], dtype=float)
        plane = pca_plane(traj, losses=losses, exclude=bias_indices(qnn))
        origin, dirs, scale = plane.center, plane.directions, plane.axis_scale
        box = plane.extent(spec.margin)
        labels = ("1st PC", "2nd PC")
        info.update(
            explained_variance_ratio=[float(v) for v in plane.explained_variance_ratio],
            trajectory_coordinates=plane.coordinates.tolist(),
            origin_index=int(plane.origin_index),
            distance_to_plane=float(plane.residual),
            excluded_weights=int(len(plane.excluded)),
            margin=spec.margin,
        )
    elif spec.method == "random":
        dirs = random_directions(qnn, spec.sample_seed, "patch", weights=origin)
        box, labels = spec.extent, ("random direction 1", "random direction 2")
        info.update(direction_seed=spec.sample_seed, normalize="patch", extent=spec.extent)
    else:
        from ..hessian import loss_hessian

        hx, hy = sample(data, spec.hessian_samples, spec.sample_seed)
        hess = loss_hessian(qnn, hx, hy, origin, progress=progress)
        dirs, values = hessian_directions(hess, 2, return_values=True)
        box = spec.extent
        labels = (f"eigenvector 1 (λ = {values[0]:.3g})", f"eigenvector 2 (λ = {values[1]:.3g})")
        info.update(eigenvalues=values.tolist(), hessian_samples=len(hy), extent=spec.extent)
    return scan_plane(
        qnn,
        x,
        y,
        origin,
        dirs,
        box,
        spec.resolution,
        progress=progress,
        labels=labels,
        method=spec.method,
        axis_scale=scale,
        info=info,
    )
