# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The figures of a sweep report: λ_max, training curves, Hessian spectra, landscapes.

Every figure that needs a run's files reads them through :class:`~.report.RunFiles`: a damaged
file leaves that run out of the figure (flagged), and a figure that cannot be drawn at all is
left out of the report (flagged), so a damaged run never stops the report.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from .claims import Cell
from .schema import SweepConfig

__all__ = ["draw_figures"]


def _name(row: dict) -> str:
    return f"p{row['num_patches']}-d{row['depth']}-s{row['seed']}"


def draw_figures(
    fig_dir: Path,
    files: Any,
    config: SweepConfig,
    rows: list[dict],
    cells: dict[tuple[int, int], Cell],
) -> dict[str, Any]:
    """Draw every figure into ``fig_dir``; return what was drawn, by section.

    Returns:
        ``lambda_max`` and ``curves`` (paths relative to the sweep directory, when drawn),
        ``spectra`` (run name, path) and ``landscapes`` (run name, path, scan).

    Example:
        >>> import tempfile
        >>> from qiskit_patchqnn.experiments.report import RunFiles
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> tmp = Path(tempfile.mkdtemp())
        >>> draw_figures(tmp, RunFiles(tmp), load_preset("quick"), [], {})
        {'spectra': [], 'landscapes': []}
    """
    from ..plotting import plot_lambda_max

    out: dict[str, Any] = {"spectra": [], "landscapes": []}
    table = [
        {
            "num_patches": k,
            "depth": d,
            "lambda_max_mean": c.mean("lambda_max"),
            "lambda_max_std": c.std("lambda_max"),
            "num_seeds": len(c.seeds),
        }
        for (k, d), c in cells.items()
        if math.isfinite(c.mean("lambda_max"))
    ]
    title = f"{config.name}: λ_max at the best checkpoint (mean ± std over seeds)"
    path = fig_dir / "lambda_max.png"
    if table and _draw(files, "the λ_max figure", plot_lambda_max, table, title=title, path=path):
        out["lambda_max"] = "figures/lambda_max.png"
    if rows and _draw(files, "the training curves", _curves, files, rows, fig_dir):
        out["curves"] = "figures/curves.png"
    for (k, d), cell in cells.items():
        run = f"p{k}-d{d}-s{cell.seeds[0]}"
        if files.exists(run, "hessian.npz"):
            z = files.npz(run, "hessian.npz", "its spectrum figure is left out")
            if z is not None and "density" in z:
                name = f"spectrum_{run}.png"
                title = f"Hessian spectrum, K={k}, d={d}, seed {cell.seeds[0]}"
                if _draw(files, f"the spectrum of {run}", _spectrum, z, fig_dir / name, title):
                    out["spectra"].append((run, f"figures/{name}"))
    for r in rows:
        run = _name(r)
        if not files.exists(run, "landscape.json"):
            continue
        scan = files.scan(run, "its landscape figure is left out")
        if scan is None:
            continue
        name = f"landscape_{run}.png"
        title = (
            f"training loss, PCA plane, K={r['num_patches']}, d={r['depth']}, "
            f"seed {r['seed']} ({scan.num_samples} samples)"
        )
        if _draw(files, f"the landscape of {run}", _landscape, scan, fig_dir / name, title):
            out["landscapes"].append((run, f"figures/{name}", scan))
    return out


def _draw(files: Any, what: str, func: Any, *args: Any, **kwargs: Any) -> bool:
    """Call a drawing function; a failure is flagged, not raised."""
    try:
        func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a figure is left out, the report goes on
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        files.problems.append(f"{what} could not be drawn ({reason}); it is left out")
        return False
    return True


def _spectrum(z: dict[str, np.ndarray], path: Path, title: str) -> None:
    from ..plotting import plot_spectrum_density

    dens = SimpleNamespace(
        grid=z["density_grid"],
        density=z["density"],
        nodes=z["density_nodes"],
        weights=z["density_weights"],
        sigma=float(z["density_sigma"]),
    )
    plot_spectrum_density(
        dens, eigenvalues=z["top_eigenvalues"], outliers=z["outliers"], path=path, title=title
    )


def _landscape(scan: Any, path: Path, title: str) -> None:
    from ..plotting import plot_landscape_contour

    coords = np.asarray(scan.info.get("trajectory_coordinates"), dtype=float)
    plot_landscape_contour(
        scan,
        coords if coords.ndim == 2 else None,
        min_index=scan.info.get("origin_index"),
        title=title,
        path=path,
    )


def _curves(files: Any, rows: list[dict], fig_dir: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    groups: dict[tuple[int, int], list[list[dict]]] = {}
    for r in rows:
        history = files.json(_name(r), "history.json", "it is left out of the training curves")
        if isinstance(history, list) and history:
            groups.setdefault((r["num_patches"], r["depth"]), []).append(history)
    if not groups:
        raise ValueError("no run has a readable history.json")
    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 3)
    keys = (
        ("train_loss", "train loss"),
        ("test_loss", "test loss"),
        ("test_accuracy", "test accuracy"),
    )
    for i, ((k, d), hists) in enumerate(sorted(groups.items())):
        n = min(len(h) for h in hists)
        epochs = np.array([h["epoch"] for h in hists[0][:n]])
        for ax, (key, label) in zip(axes, keys, strict=True):
            v = np.array([[row[key] for row in h[:n]] for h in hists], dtype=float)
            m = v.mean(axis=0)
            ax.plot(epochs, m, color=f"C{i}", label=f"K={k}, d={d}")
            if len(hists) > 1:
                s = v.std(axis=0, ddof=1)
                ax.fill_between(epochs, m - s, m + s, color=f"C{i}", alpha=0.2)
            ax.set_xlabel("epoch (-1 = initial weights)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(label)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].legend(fontsize=8)
    fig.suptitle("full-set loss and accuracy per epoch (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(fig_dir / "curves.png", dpi=120)
