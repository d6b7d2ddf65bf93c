# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The figures of a study report: λ_max against weights per patch, cross-patch coupling."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .claims import Cell
from .study_sections import Arm, fixed_cells

__all__ = ["draw_study_figures"]


def draw_study_figures(fig_dir: Path, arms: Mapping[str, Arm]) -> dict[str, str]:
    """Draw the study's figures into ``fig_dir``: name -> path relative to the study."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    main = next(a for a in arms.values() if a.role == "main")
    fixed = next((a for a in arms.values() if a.role == "fixed_lr"), None)
    cells = main.cells()
    ks = sorted({k for k, _ in cells})
    colors = dict(zip(ks, plt.get_cmap("viridis")(np.linspace(0.1, 0.8, len(ks))), strict=True))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k in ks:
        pts = _by_weights(cells, k)
        x = [p for p, _ in pts]
        ax.errorbar(
            x,
            [c.mean("lambda_max") for _, c in pts],
            yerr=[c.std("lambda_max") for _, c in pts],
            color=colors[k],
            marker="o",
            capsize=3,
            label=f"K = {k}, lr falling with d",
        )
    if fixed is not None:
        fcells = fixed_cells(main, fixed)
        for k in sorted({k for k, _ in fcells}):
            pts = _by_weights(fcells, k)
            ax.errorbar(
                [p for p, _ in pts],
                [c.mean("lambda_max") for _, c in pts],
                yerr=[c.std("lambda_max") for _, c in pts],
                color=colors.get(k, "grey"),
                marker="s",
                linestyle="--",
                capsize=3,
                label=f"K = {k}, fixed lr",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("weights per patch")
    ax.set_ylabel("λ_max (whole training set)")
    ax.legend(fontsize=7)
    ax.set_title("λ_max against weights per patch (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(fig_dir / "lambda_depth.png", dpi=120)
    plt.close(fig)
    out["lambda_depth"] = "figures/lambda_depth.png"
    if any(math.isfinite(c.mean("offdiag_mass")) for c in cells.values()):
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        for d in sorted({d for _, d in cells}):
            pts = [(k, cells[(k, d)]) for k in ks if (k, d) in cells]
            ax.errorbar(
                [k for k, _ in pts],
                [c.mean("offdiag_mass") for _, c in pts],
                yerr=[c.std("offdiag_mass") for _, c in pts],
                marker="o",
                capsize=3,
                label=f"d = {d}",
            )
        ax.set_xlabel("patches K")
        ax.set_ylabel("share of ‖H‖_F off the diagonal blocks")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(fig_dir / "coupling.png", dpi=120)
        plt.close(fig)
        out["coupling"] = "figures/coupling.png"
    return out


def _by_weights(cells: Mapping[tuple[int, int], Cell], k: int) -> list[tuple[float, Cell]]:
    pts = [(c.mean("weights_per_patch"), c) for (kk, _), c in cells.items() if kk == k]
    return sorted(pts, key=lambda p: p[0])
