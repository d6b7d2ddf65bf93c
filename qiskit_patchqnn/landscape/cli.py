# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn landscape``: a loss-landscape scan of a training run, with figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

__all__ = ["add_landscape_parser", "run_landscape"]

_DEFAULT_EXTENT = {"pca": 5.0, "random": 1.0, "hessian": 1.0}


def add_landscape_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn landscape``.

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> _ = add_landscape_parser(parser.add_subparsers())
        >>> parser.parse_args(["landscape", "runs/demo", "--resolution", "11"]).resolution
        11
    """
    p = subparsers.add_parser(
        "landscape",
        help="loss landscape of a training run (trajectory PCA, random or Hessian plane)",
        description=(
            "Scan the training loss on a plane through the run's lowest-loss checkpoint and "
            "write landscape.npz, landscape.json, landscape_contour.png and "
            "landscape_surface.png into the run directory. 'pca' is the paper's method: the "
            "plane of the first two principal components of the weight trajectory (positional "
            "bias excluded, held at the minimum's value); 'random' uses two Gaussian directions "
            "normalised per patch; 'hessian' the top two Hessian eigenvectors."
        ),
    )
    p.add_argument("run_dir", type=Path, help="run directory written by 'patchqnn train'")
    p.add_argument("--method", choices=("pca", "random", "hessian"), default="pca")
    p.add_argument("--resolution", type=int, default=20, help="grid points per axis (paper: 20)")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="training samples in the loss (default: the whole training split, as the paper)",
    )
    p.add_argument(
        "--extent",
        type=float,
        default=None,
        help="pca: margin in radians around the trajectory's box (default 5, as the paper); "
        "random/hessian: half-width of the grid in units of the directions (default 1)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the sample subset and directions")
    p.add_argument(
        "--hessian-samples",
        type=int,
        default=64,
        help="samples in the Hessian for --method hessian (default 64)",
    )
    from ..cli_common import add_backend_arguments

    add_backend_arguments(p)
    p.set_defaults(handler=run_landscape)
    return p


def run_landscape(args: argparse.Namespace) -> int:
    """Run ``patchqnn landscape``; returns the exit code (errors: one line on stderr, 1).

    Example:
        >>> run_landscape(argparse.Namespace(run_dir=Path("no/such/run"), method="pca",
        ...     resolution=5, samples=None, extent=None, seed=0, backend="exact", shots=None,
        ...     yes=False, no_progress=True))
        1
    """
    try:
        return _run(args)
    except KeyboardInterrupt:
        raise
    except (ValueError, TypeError, FileNotFoundError, OSError, RuntimeError, ImportError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"patchqnn landscape: error: {message}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from ..cli_common import build_model, load_run_data
    from ..plotting import plot_landscape_contour, plot_landscape_surface
    from ..training import load_run
    from .directions import bias_indices, hessian_directions, pca_plane, random_directions
    from .scan import scan_plane

    method = getattr(args, "method", "pca")
    if method not in _DEFAULT_EXTENT:
        raise ValueError(f"--method must be pca, random or hessian, got {method!r}")
    resolution = int(getattr(args, "resolution", 20))
    if resolution < 2:
        raise ValueError(f"--resolution must be >= 2, got {resolution}")
    samples = getattr(args, "samples", None)
    if samples is not None and samples < 1:
        raise ValueError(f"--samples must be >= 1, got {samples}")
    extent = getattr(args, "extent", None)
    extent = _DEFAULT_EXTENT[method] if extent is None else float(extent)
    if not extent > 0:
        raise ValueError(f"--extent must be positive, got {extent}")
    seed = int(getattr(args, "seed", 0))
    progress = not getattr(args, "no_progress", False)
    run_dir = Path(args.run_dir)

    result = load_run(run_dir)
    data = load_run_data(result)
    qnn = build_model(result.model, args)
    traj = np.asarray(result.trajectory, dtype=float)
    if traj.shape[1] != qnn.num_weights:
        raise ValueError(
            f"trajectory has {traj.shape[1]} weights but the model has {qnn.num_weights}"
        )
    rng = np.random.default_rng(seed)
    n = len(data.x_train) if samples is None else min(samples, len(data.x_train))
    idx = (
        np.arange(n)
        if n == len(data.x_train)
        else np.sort(rng.choice(len(data.x_train), n, replace=False))
    )
    x, y = data.x_train[idx], data.y_train[idx]
    best = result.best_index
    origin = traj[best]
    info: dict = {
        "run_dir": str(run_dir),
        "dataset": result.info.get("dataset", "digits"),
        "sample_seed": seed,
        "origin_epoch": int(result.history[best]["epoch"]),
    }
    coords = None
    box: float | tuple[float, float, float, float]
    if method == "pca":
        losses = np.array([h.get("train_loss", np.nan) for h in result.history], dtype=float)
        plane = pca_plane(traj, losses=losses, exclude=bias_indices(qnn))
        origin, dirs, scale = plane.center, plane.directions, plane.axis_scale
        box = plane.extent(extent)
        labels = ("1st PC", "2nd PC")
        coords = plane.coordinates
        info.update(
            explained_variance_ratio=plane.explained_variance_ratio.tolist(),
            trajectory_coordinates=plane.coordinates.tolist(),
            origin_index=plane.origin_index,
            distance_to_plane=plane.residual,
            excluded_weights=int(len(plane.excluded)),
            margin=extent,
        )
    elif method == "random":
        dirs = random_directions(qnn, seed, "patch", weights=origin)
        scale, box, labels = None, extent, ("random direction 1", "random direction 2")
        info.update(direction_seed=seed, normalize="patch")
    else:
        from ..hessian import loss_hessian

        m = min(int(getattr(args, "hessian_samples", 64)), n)
        hess = loss_hessian(qnn, x[:m], y[:m], origin, progress=progress)
        dirs, values = hessian_directions(hess, 2, return_values=True)
        scale, box = None, extent
        labels = (f"eigenvector 1 (λ = {values[0]:.3g})", f"eigenvector 2 (λ = {values[1]:.3g})")
        info.update(eigenvalues=values.tolist(), hessian_samples=m)
    scan = scan_plane(
        qnn,
        x,
        y,
        origin,
        dirs,
        box,
        resolution,
        progress=progress,
        labels=labels,
        method=method,
        axis_scale=scale,
        info=info,
    )
    out = scan.save(run_dir / "landscape")
    plot_landscape_contour(scan, coords, path=run_dir / "landscape_contour.png")
    plot_landscape_surface(scan, coords, path=run_dir / "landscape_surface.png")
    evr = ""
    if method == "pca":
        evr = ", PC1/PC2 explained variance " + "/".join(
            f"{v:.3f}" for v in info["explained_variance_ratio"]
        )
    print(
        f"landscape ({method}, {resolution}x{resolution}, {n} samples): loss "
        f"{scan.losses.min():.4g}..{scan.losses.max():.4g} nats{evr}, "
        f"{scan.num_evaluations:,} evaluations in {scan.num_jobs} jobs, {scan.seconds:.1f} s "
        f"-> {out.with_suffix('.npz')}, {out}"
    )
    return 0
