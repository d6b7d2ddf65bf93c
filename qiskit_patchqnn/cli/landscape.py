# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``patchqnn landscape``: a loss-landscape scan of a finished run, with figures.

The run's stored configuration is reloaded and the flags change its ``[landscape]`` section;
the scan is computed by the sweep runner's landscape stage and written, with its own
``done.json``, into ``RUN/derived/<name>/`` where the name spells the settings (e.g.
``landscape-random-r21-nall-s3-e1-exact``). A sweep's own landscape is never replaced.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import (
    BACKEND_FLAGS,
    Flag,
    add_backend_arguments,
    add_out_arguments,
    default,
    load_stored_run,
    run_guarded,
    samples_count,
)
from .hessian import backend_slug

__all__ = ["add_parser", "result_name", "run"]

FLAGS = [
    Flag("--method", "landscape.method"),
    Flag("--resolution", "landscape.resolution"),
    Flag("--samples", "landscape.num_samples"),
    Flag("--seed", "landscape.sample_seed"),
    Flag("--hessian-samples", "landscape.hessian_samples"),
    Flag("--extent", "landscape.margin"),  # pca: the margin; both must be positive
    Flag("--extent", "landscape.extent"),  # random/hessian: the half-width
    *BACKEND_FLAGS,
]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``patchqnn landscape``.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> parser.parse_args(["landscape", "runs/demo", "--resolution", "11"]).resolution
        11
    """
    p = subparsers.add_parser(
        "landscape",
        help="loss landscape of a finished run (trajectory PCA, random or Hessian plane)",
        description=(
            "Scan the training loss on a plane through the run's lowest-loss checkpoint and "
            "write landscape.npz, landscape.json, landscape_contour.png and "
            "landscape_surface.png into RUN/derived/<settings>/. 'pca' is the paper's method: "
            "the plane of the first two principal components of the weight trajectory "
            "(positional bias excluded, held at the minimum's value); 'random' uses two "
            "Gaussian directions normalised per patch; 'hessian' the top two Hessian "
            "eigenvectors. Unset flags keep the run's stored settings."
        ),
    )
    p.add_argument("run_dir", type=Path, help="a finished run directory (train or sweep)")
    p.add_argument("--method", choices=("pca", "random", "hessian"), default=None)
    p.add_argument(
        "--resolution",
        type=int,
        default=None,
        help=f"grid points per axis ({default('landscape.resolution')}, as the paper)",
    )
    p.add_argument(
        "--samples",
        type=samples_count,
        default=None,
        help="stratified training samples, or 'all' (default: the run's setting)",
    )
    p.add_argument(
        "--extent",
        type=float,
        default=None,
        help=f"pca: margin in radians around the trajectory ({default('landscape.margin')}, as "
        f"the paper); random/hessian: half-width in units of the directions "
        f"({default('landscape.extent')})",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the sample and directions")
    p.add_argument(
        "--hessian-samples",
        type=int,
        default=None,
        help=f"--method hessian: Hessian samples ({default('landscape.hessian_samples')})",
    )
    add_out_arguments(p)
    add_backend_arguments(p, stored=True)
    p.set_defaults(handler=run)
    return p


def result_name(config: Any) -> str:
    """The directory name of a scan with ``config.landscape``'s settings.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> result_name(load_preset("quick"))
        'landscape-pca-r21-n256-s0-m5-exact'
    """
    la = config.landscape
    size = f"m{la.margin:g}" if la.method == "pca" else f"e{la.extent:g}"
    name = f"landscape-{la.method}-r{la.resolution}-n{la.num_samples or 'all'}-s{la.sample_seed}"
    name += f"-{size}" + (f"-h{la.hessian_samples}" if la.method == "hessian" else "")
    return f"{name}-{backend_slug(config)}"


def run(args: argparse.Namespace) -> int:
    """Handler of ``patchqnn landscape``; returns the exit code.

    Example:
        >>> parser = argparse.ArgumentParser(prog="patchqnn")
        >>> _ = add_parser(parser.add_subparsers())
        >>> run(parser.parse_args(["landscape", "no/such/run"]))  # stderr: one line
        1
    """
    return run_guarded("landscape", lambda: _landscape(args))


def _landscape(args: argparse.Namespace) -> int:
    from ..experiments.rundir import check_target, write_result
    from ..experiments.stages import landscape_stage
    from ..plotting import plot_landscape_contour, plot_landscape_surface

    fixed: dict[str, Any] = {"enabled": True, "num_patches": None, "depths": None, "seeds": None}
    config, spec, result, data, qnn = load_stored_run(args, FLAGS, {"landscape": fixed})
    target = args.out or Path(args.run_dir) / "derived" / result_name(config)
    check_target(target, overwrite=args.overwrite)  # refuse before computing
    scan = landscape_stage(config.landscape, qnn, data, result, progress=not args.no_progress)
    coords = None
    if scan.method == "pca":
        import numpy as np

        coords = np.asarray(scan.info["trajectory_coordinates"], dtype=float)

    def fill(d: Path) -> None:
        scan.save(d / "landscape")
        plot_landscape_contour(scan, coords, path=d / "landscape_contour.png")
        plot_landscape_surface(scan, coords, path=d / "landscape_surface.png")

    out = write_result(target, fill, overwrite=args.overwrite)
    evr = ""
    if scan.method == "pca":
        ratios = scan.info["explained_variance_ratio"]
        evr = ", PC1/PC2 explained variance " + "/".join(f"{v:.3f}" for v in ratios)
    res = config.landscape.resolution
    print(
        f"landscape ({scan.method}, {res}x{res}, {scan.num_samples} samples): loss "
        f"{scan.losses.min():.4g}..{scan.losses.max():.4g} nats{evr}, "
        f"{scan.num_evaluations:,} evaluations in {scan.num_jobs} jobs, {scan.seconds:.1f} s "
        f"-> {out}"
    )
    return 0
