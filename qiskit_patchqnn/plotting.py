# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Matplotlib figures: loss landscapes, training curves, Hessian spectra, λ_max sweeps.

Every function builds a :class:`matplotlib.figure.Figure` directly (no ``pyplot`` state, so it
works under the Agg backend and in threads), returns it, and saves it when given ``path``
(PNG, PDF or anything else matplotlib writes, chosen by the suffix). Colour scales are linear
between the data's minimum and maximum unless told otherwise; a clipped scale is shown with an
extended colour bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = [
    "LOSS_LABEL",
    "plot_lambda_max",
    "plot_landscape_contour",
    "plot_landscape_surface",
    "plot_line_scan",
    "plot_spectrum_density",
    "plot_training_curves",
]

LOSS_LABEL = "training loss (cross-entropy, nats)"
"""Colour-bar and axis label for landscape losses."""

# The paper's trajectory markers.
_MARKERS = {
    "init": ("red", "init"),
    "epochs": ("cyan", "epochs"),
    "min": ("darkorange", "minimum"),
    "last": ("blue", "last"),
}


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p, dpi=150, bbox_inches="tight")
    return fig


def _axis_labels(scan: Any, normalize: bool) -> tuple[list[str], np.ndarray]:
    scale = np.asarray(scan.axis_scale if len(scan.axis_scale) else [1.0] * len(scan.axes))
    scale = scale if normalize else np.ones_like(scale)
    norms = np.linalg.norm(np.atleast_2d(scan.directions), axis=1)
    labels = []
    for label, s, n in zip(scan.labels, scale, norms, strict=True):
        if s != 1.0:
            labels.append(f"{label} (normalised, ÷{s:.3g})")
        elif np.isclose(n, 1.0):
            labels.append(f"{label} (radians)")
        else:
            labels.append(f"{label} (multiples of the direction, norm {n:.3g})")
    return labels, scale


def _plane(scan: Any) -> None:
    if scan.kind != "plane" or len(scan.axes) != 2:
        raise ValueError(f"need a plane scan, got kind={scan.kind!r}")


def _trajectory(coords: Any, scale: np.ndarray, min_index: int | None):
    c = np.asarray(coords, dtype=float)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) < 1:
        raise ValueError(f"trajectory_coords must have shape (T, 2), got {c.shape}")
    c = c / scale[None, :]
    if min_index is None:
        min_index = int(np.argmin(np.linalg.norm(c, axis=1)))
    return c, int(min_index)


def _draw_trajectory(ax: Any, c: np.ndarray, min_index: int, z: np.ndarray | None = None) -> None:
    """Grey path, red ✕ init, cyan ✕ epochs, dark-orange ✕ minimum, blue ✕ last."""
    pts = [c[:, 0], c[:, 1]] + ([z] if z is not None else [])
    ax.plot(*pts, color="0.35", lw=0.8, zorder=4)
    t = len(c)
    mid = [i for i in range(1, t - 1) if i != min_index]
    groups = [("epochs", mid), ("init", [0]), ("last", [t - 1]), ("min", [min_index])]
    for key, idx in groups:
        if not idx or (key == "last" and t == 1):
            continue
        colour, label = _MARKERS[key]
        args = [c[idx, 0], c[idx, 1]] + ([z[idx]] if z is not None else [])
        extra = {"depthshade": False} if z is not None else {}
        size = 30 if key == "epochs" else 60
        ax.scatter(
            *args, marker="x", s=size, linewidths=2, color=colour, label=label, zorder=5, **extra
        )


def _footnote(fig: Figure, scan: Any, bottom: float | None = 0.17) -> None:
    if bottom is not None:
        fig.subplots_adjust(bottom=bottom)
    fig.text(
        0.01,
        0.005,
        f"{scan.num_samples} samples, {scan.backend}"
        + (f", precision {scan.precision:g}" if scan.precision else ", exact")
        + f"; {scan.periodicity_note}",
        fontsize=7,
        color="0.3",
        ha="left",
        va="bottom",
    )


def plot_landscape_contour(
    scan: Any,
    trajectory_coords: np.ndarray | None = None,
    *,
    min_index: int | None = None,
    normalize: bool = True,
    levels: int | Sequence[float] = 20,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Filled contour of a plane scan with the training trajectory on top.

    Args:
        scan: a plane :class:`~qiskit_patchqnn.landscape.LandscapeScan`.
        trajectory_coords: trajectory coordinates ``(T, 2)`` in the scan's raw units (e.g.
            ``TrajectoryPlane.coordinates``); drawn with the paper's markers (red ✕ init, cyan ✕
            epochs, dark-orange ✕ minimum, blue ✕ last).
        min_index: trajectory row of the minimum (default: the row nearest the origin).
        normalize: divide each axis by ``scan.axis_scale`` (the paper's normalisation).
        levels: number of levels or explicit level values.
        vmin: bottom of the colour scale (default: the smallest loss).
        vmax: top of the colour scale (default: the largest loss; lower values clip, shown by
            an extended colour bar).
        cmap: a perceptually uniform colour map by default.
        title: figure title.
        path: save the figure here.

    Example:
        >>> from qiskit_patchqnn.landscape import LandscapeScan
        >>> a = np.linspace(-1, 1, 5)
        >>> scan = LandscapeScan("plane", (a, a), np.add.outer(a**2, a**2), np.ones((5, 5)),
        ...                      np.zeros(2), np.eye(2), (-1, 1, -1, 1), ("1st PC", "2nd PC"))
        >>> fig = plot_landscape_contour(scan, np.array([[1.0, 0.5], [0.0, 0.0]]))
        >>> fig.axes[0].get_xlabel()
        '1st PC (radians)'
    """
    _plane(scan)
    labels, scale = _axis_labels(scan, normalize)
    x = scan.axes[0] / scale[0]
    y = scan.axes[1] / scale[1]
    z = np.asarray(scan.losses, dtype=float).T  # rows = second axis
    lo = float(np.nanmin(z)) if vmin is None else float(vmin)
    hi = float(np.nanmax(z)) if vmax is None else float(vmax)
    if hi <= lo:
        hi = lo + 1e-12
    if isinstance(levels, (int, np.integer)):
        lev = np.linspace(lo, hi, int(levels) + 1)
    else:
        lev = np.asarray(levels, dtype=float)
    extend = {
        (False, False): "neither",
        (True, False): "min",
        (False, True): "max",
        (True, True): "both",
    }[(bool(np.nanmin(z) < lev[0]), bool(np.nanmax(z) > lev[-1]))]
    fig = Figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    cs = ax.contourf(x, y, z, levels=lev, cmap=cmap, extend=extend)
    ax.contour(x, y, z, levels=lev, colors="k", linewidths=0.3, alpha=0.4)
    cbar = fig.colorbar(cs, ax=ax, ticks=MaxNLocator(nbins=8))
    cbar.set_label(LOSS_LABEL)
    if trajectory_coords is not None:
        c, mi = _trajectory(trajectory_coords, scale, min_index)
        _draw_trajectory(ax, c, mi)
        ax.legend(loc="best", fontsize=8, framealpha=0.8)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(
        title
        or f"loss landscape ({scan.method}); min {np.nanmin(z):.3g}, max {np.nanmax(z):.3g} nats",
        fontsize=10,
    )
    _footnote(fig, scan)
    return _save(fig, path)


def plot_landscape_surface(
    scan: Any,
    trajectory_coords: np.ndarray | None = None,
    *,
    trajectory_losses: np.ndarray | None = None,
    min_index: int | None = None,
    normalize: bool = True,
    elev: float = 30.0,
    azim: float = -75.0,
    cmap: str = "viridis",
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """3-D surface of a plane scan (view as in the paper), contours projected below.

    Args:
        scan: a plane scan.
        trajectory_coords: ``(T, 2)`` raw coordinates (see :func:`plot_landscape_contour`).
        trajectory_losses: heights of the trajectory points (default: the scan's surface
            interpolated at their projections; points outside the grid are dropped).
        min_index: trajectory row of the minimum (default: nearest the origin).
        normalize: divide axes by ``scan.axis_scale``.
        elev: elevation of the view.
        azim: azimuth of the view.
        cmap: colour map (linear between min and max loss).
        title: figure title.
        path: save the figure here.

    Example:
        >>> from qiskit_patchqnn.landscape import LandscapeScan
        >>> a = np.linspace(-1, 1, 5)
        >>> scan = LandscapeScan("plane", (a, a), np.add.outer(a**2, a**2), np.ones((5, 5)),
        ...                      np.zeros(2), np.eye(2), (-1, 1, -1, 1), ("PC1", "PC2"))
        >>> plot_landscape_surface(scan).axes[0].get_zlabel()
        'loss (nats)'
    """
    from scipy.interpolate import RegularGridInterpolator

    _plane(scan)
    labels, scale = _axis_labels(scan, normalize)
    x = scan.axes[0] / scale[0]
    y = scan.axes[1] / scale[1]
    z = np.asarray(scan.losses, dtype=float)
    gx, gy = np.meshgrid(x, y, indexing="ij")
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    floor = lo - 0.25 * max(hi - lo, 1e-12)
    fig = Figure(figsize=(7.0, 5.6))
    ax = fig.add_subplot(projection="3d")
    ax.computed_zorder = False  # draw the trajectory over the surface, not hidden behind it
    surf = ax.plot_surface(
        gx,
        gy,
        z,
        cmap=cmap,
        vmin=lo,
        vmax=hi,
        rstride=1,
        cstride=1,
        linewidth=0,
        antialiased=True,
        alpha=0.9,
        zorder=1,
    )
    ax.contour(gx, gy, z, levels=15, zdir="z", offset=floor, cmap=cmap, vmin=lo, vmax=hi, zorder=0)
    ax.set_zlim(floor, hi)
    cbar = fig.colorbar(surf, ax=ax, shrink=0.6, pad=0.1)
    cbar.set_label(LOSS_LABEL)
    if trajectory_coords is not None:
        c, mi = _trajectory(trajectory_coords, scale, min_index)
        if trajectory_losses is None:
            interp = RegularGridInterpolator((x, y), z, bounds_error=False, fill_value=np.nan)
            h = interp(c)
        else:
            h = np.asarray(trajectory_losses, dtype=float)
        keep = np.isfinite(h)
        if keep.any():
            idx = np.flatnonzero(keep)
            mi_k = int(np.searchsorted(idx, mi)) if mi in idx else -1
            _draw_trajectory(ax, c[idx], mi_k if mi_k >= 0 else len(idx) - 1, h[idx])
            ax.legend(loc="upper left", fontsize=8)
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel(labels[0], fontsize=8)
    ax.set_ylabel(labels[1], fontsize=8)
    ax.set_zlabel("loss (nats)")
    ax.set_title(title or f"loss surface ({scan.method})", fontsize=10)
    _footnote(fig, scan, bottom=None)
    return _save(fig, path)


def plot_line_scan(
    scan: Any,
    *,
    show_accuracy: bool = True,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Loss (and accuracy) along a line scan; interpolation endpoints marked.

    Example:
        >>> from qiskit_patchqnn.landscape import LandscapeScan
        >>> t = np.linspace(0, 1, 5)
        >>> scan = LandscapeScan("line", (t,), 1 + t * (1 - t), 1 - t / 2, np.zeros(2),
        ...                      np.ones((1, 2)), (0.0, 1.0), ("t",), method="interpolation")
        >>> plot_line_scan(scan).axes[0].get_ylabel()
        'training loss (cross-entropy, nats)'
    """
    if scan.kind != "line":
        raise ValueError(f"need a line scan, got kind={scan.kind!r}")
    t = scan.axes[0]
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    ax.plot(t, scan.losses, "o-", ms=3, color="C0", label="loss")
    ax.set_xlabel(scan.labels[0])
    ax.set_ylabel(LOSS_LABEL)
    if scan.method == "interpolation":
        for pos, name in ((0.0, "start"), (1.0, "end")):
            if t[0] <= pos <= t[-1]:
                ax.axvline(pos, color="0.5", ls=":", lw=1)
                ax.text(
                    pos,
                    1.0,
                    name,
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
    if show_accuracy:
        ax2 = ax.twinx()
        ax2.plot(t, scan.accuracies, "s--", ms=3, color="C1", label="accuracy")
        ax2.set_ylabel("accuracy", color="C1")
        ax2.set_ylim(-0.02, 1.02)
    ax.set_title(title or f"line scan ({scan.method})", fontsize=10, pad=14)
    _footnote(fig, scan)
    return _save(fig, path)


def _history_rows(history: Any) -> list[Mapping[str, Any]]:
    rows = getattr(history, "history", history)
    rows = list(rows)
    if not rows or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("history must be a non-empty list of per-epoch dicts (or a TrainResult)")
    return rows


def plot_training_curves(
    history: Any, *, title: str | None = None, path: str | Path | None = None
) -> Figure:
    """Full-set loss and accuracy per epoch, train and test; the best epoch marked.

    Args:
        history: ``TrainResult.history`` (dicts with ``epoch``, ``train_loss``,
            ``train_accuracy`` and optionally ``test_loss``, ``test_accuracy``) or a
            ``TrainResult``.
        title: figure title.
        path: save the figure here.

    Example:
        >>> h = [{"epoch": e, "train_loss": 2.0 / (e + 2), "train_accuracy": 0.5 + e / 20,
        ...       "test_loss": 2.2 / (e + 2), "test_accuracy": 0.5 + e / 25} for e in range(-1, 4)]
        >>> [a.get_ylabel() for a in plot_training_curves(h).axes]
        ['loss (cross-entropy, nats)', 'accuracy']
    """
    rows = _history_rows(history)
    epoch = np.array([r.get("epoch", i - 1) for i, r in enumerate(rows)], dtype=float)

    def col(key: str) -> np.ndarray:
        return np.array([np.nan if r.get(key) is None else r.get(key) for r in rows], float)

    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    best = epoch[int(np.nanargmin(col("train_loss")))]
    for ax, metric, ylabel in (
        (axes[0], "loss", "loss (cross-entropy, nats)"),
        (axes[1], "accuracy", "accuracy"),
    ):
        for split, style in (("train", "o-"), ("test", "s--")):
            v = col(f"{split}_{metric}")
            if np.isfinite(v).any():
                ax.plot(epoch, v, style, ms=3, label=split)
        ax.axvline(best, color="0.3", ls=":", lw=1, label=f"min train loss (epoch {best:g})")
        ax.set_xlabel("epoch (-1 = initial weights)")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "training curves (full-set evaluation after each epoch)", fontsize=10)
    return _save(fig, path)


def plot_spectrum_density(
    density: Any,
    eigenvalues: np.ndarray | None = None,
    *,
    log_scale: bool = True,
    outliers: Any = None,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Hessian eigenvalue density from stochastic Lanczos quadrature, outliers marked.

    Args:
        density: a ``SpectralDensity`` (``grid``, ``density``, ``nodes``, ``weights``,
            optionally ``sigma``).
        eigenvalues: exact top eigenvalues (e.g. from ``eigsh``), drawn as red ticks.
        log_scale: logarithmic density axis (values below ``1e-8`` × peak are clipped to it).
        outliers: eigenvalues above the bulk (an array or an object with ``values``), drawn as
            dashed lines; default: none.
        title: figure title.
        path: save the figure here.

    Example:
        >>> from types import SimpleNamespace
        >>> g = np.linspace(-1, 5, 200)
        >>> dens = np.exp(-(g**2) * 20) + 0.01 * np.exp(-((g - 4) ** 2) * 20)
        >>> d = SimpleNamespace(grid=g, density=dens, nodes=np.array([[0.0, 4.0]]),
        ...                     weights=np.array([[0.9, 0.1]]))
        >>> plot_spectrum_density(d, eigenvalues=[4.0]).axes[0].get_yscale()
        'log'
    """
    grid = np.asarray(density.grid, dtype=float)
    dens = np.asarray(density.density, dtype=float)
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    if log_scale:
        floor = max(float(np.nanmax(dens)) * 1e-8, np.finfo(float).tiny)
        ax.semilogy(grid, np.maximum(dens, floor), color="C0", lw=1.2, label="SLQ density")
        ax.set_ylim(bottom=floor)
    else:
        ax.plot(grid, dens, color="C0", lw=1.2, label="SLQ density")
    nodes = np.asarray(getattr(density, "nodes", []), dtype=float).ravel()
    if nodes.size:
        ax.plot(
            nodes,
            np.full_like(nodes, 0.015),
            "|",
            color="0.4",
            ms=8,
            transform=ax.get_xaxis_transform(),
            label="Ritz values",
        )
    if eigenvalues is not None:
        ev = np.atleast_1d(np.asarray(eigenvalues, dtype=float))
        ax.plot(
            ev,
            np.ones_like(ev) * 0.97,
            "v",
            color="red",
            ms=6,
            transform=ax.get_xaxis_transform(),
            label=f"top {ev.size} eigenvalues",
        )
    if outliers is not None:
        ov = np.atleast_1d(np.asarray(getattr(outliers, "values", outliers), dtype=float))
        for i, v in enumerate(ov):
            ax.axvline(v, color="red", ls="--", lw=0.8, label="outliers" if i == 0 else None)
    sigma = getattr(density, "sigma", None)
    ylabel = "density" + (f" (Gaussian σ = {sigma:.3g})" if sigma else "")
    ax.set_xlabel("eigenvalue of the loss Hessian")
    ax.set_ylabel(ylabel + (", log scale" if log_scale else ""))
    ax.set_title(title or "Hessian spectrum (stochastic Lanczos quadrature)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def _table_rows(table: Any) -> list[Mapping[str, Any]]:
    if isinstance(table, Mapping):
        keys = list(table)
        n = len(table[keys[0]]) if keys else 0
        return [{k: table[k][i] for k in keys} for i in range(n)]
    return list(table)


def plot_lambda_max(
    table: Iterable[Mapping[str, Any]] | Mapping[str, Sequence[Any]],
    *,
    log_y: bool = False,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """λ_max vs number of patches, one line per depth, mean ± std over seeds.

    Args:
        table: rows (dicts) or columns (a dict of sequences) with keys ``num_patches``,
            ``depth``, ``lambda_max_mean`` and ``lambda_max_std`` (``None``/NaN: no bar);
            optional ``num_seeds``.
        log_y: logarithmic λ axis.
        title: figure title.
        path: save the figure here.

    Raises:
        ValueError: missing keys or an empty table.

    Example:
        >>> rows = [{"num_patches": k, "depth": d, "lambda_max_mean": 10 * d / k,
        ...          "lambda_max_std": 0.5} for k in (4, 9, 16) for d in (1, 2)]
        >>> len(plot_lambda_max(rows).axes[0].get_lines()) >= 2
        True
    """
    rows = _table_rows(table)
    need = ("num_patches", "depth", "lambda_max_mean", "lambda_max_std")
    if not rows:
        raise ValueError("table is empty")
    for r in rows:
        missing = [k for k in need if k not in r]
        if missing:
            raise ValueError(f"table row {dict(r)} lacks keys {missing}")
    fig = Figure(figsize=(6.0, 4.2))
    ax = fig.add_subplot()
    depths = sorted({r["depth"] for r in rows})
    seeds = {int(r["num_seeds"]) for r in rows if r.get("num_seeds") is not None}
    for i, d in enumerate(depths):
        sub = sorted((r for r in rows if r["depth"] == d), key=lambda r: r["num_patches"])
        k = np.array([r["num_patches"] for r in sub], dtype=float)
        m = np.array([r["lambda_max_mean"] for r in sub], dtype=float)
        s = np.array(
            [np.nan if r["lambda_max_std"] is None else r["lambda_max_std"] for r in sub], float
        )
        ax.errorbar(
            k,
            m,
            yerr=np.where(np.isfinite(s), s, 0.0),
            fmt="o-",
            capsize=4,
            color=f"C{i}",
            label=f"depth d = {d}",
        )
    ax.set_xlabel("number of patches K")
    ax.set_ylabel("λ_max of the loss Hessian")
    ks = sorted({r["num_patches"] for r in rows})
    ax.set_xticks(ks)
    if log_y:
        ax.set_yscale("log")
    bars = "error bars: ±1 std over seeds"
    if seeds:
        bars += f" (n = {', '.join(str(s) for s in sorted(seeds))})"
    ax.set_title(title or f"largest Hessian eigenvalue at the minimum; {bars}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)
