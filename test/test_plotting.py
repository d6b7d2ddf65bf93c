# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.plotting: every figure renders under Agg and saves non-empty files."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

matplotlib.use("Agg")

from qiskit_patchqnn.execution import Provenance
from qiskit_patchqnn.landscape import LandscapeScan  # noqa: E402
from qiskit_patchqnn.plotting import (  # noqa: E402
    LOSS_LABEL,
    plot_lambda_max,
    plot_landscape_contour,
    plot_landscape_surface,
    plot_line_scan,
    plot_spectrum_density,
    plot_training_curves,
)


def _plane(scale=(2.0, 0.5)):
    a = np.linspace(-2, 2, 9)
    b = np.linspace(-1, 1, 7)
    z = 0.5 + np.add.outer(a**2, 3 * b**2)
    return LandscapeScan(
        "plane",
        (a, b),
        z,
        np.ones_like(z),
        np.zeros(3),
        np.eye(3)[:2],
        (-2, 2, -1, 1),
        ("1st PC", "2nd PC"),
        method="pca",
        axis_scale=scale,
        num_samples=10,
        provenance=Provenance("patchqnn_exact", "exact", None, None),
    )


TRAJ = np.array([[1.5, 0.8], [1.0, 0.5], [0.5, 0.2], [0.0, 0.0], [0.3, -0.2]])


def _saved(fig, tmp_path, name):
    for ext in ("png", "pdf"):
        p = tmp_path / f"{name}.{ext}"
        fig.savefig(p)
        assert p.stat().st_size > 1000, p


def test_contour_labels_scale_and_trajectory(tmp_path):
    scan = _plane()
    fig = plot_landscape_contour(scan, TRAJ, path=tmp_path / "c.png")
    assert isinstance(fig, Figure) and (tmp_path / "c.png").stat().st_size > 1000
    ax, cax = fig.axes
    assert ax.get_xlabel().startswith("1st PC (normalised") and "2nd PC" in ax.get_ylabel()
    assert cax.get_ylabel() == LOSS_LABEL
    # honest scale: colour limits span exactly the data's min..max
    cs = ax.collections[0]
    assert cs.get_clim() == pytest.approx((scan.losses.min(), scan.losses.max()))
    # axes normalised by axis_scale
    assert ax.get_xlim() == pytest.approx((-1.0, 1.0)) and ax.get_ylim() == pytest.approx((-2, 2))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(legend) == {"init", "epochs", "minimum", "last"}
    colours = {
        c.get_label(): tuple(np.round(c.get_edgecolor()[0][:3], 3))
        for c in ax.collections
        if c.get_label() in legend
    }
    assert colours["init"] == (1.0, 0.0, 0.0) and colours["last"] == (0.0, 0.0, 1.0)
    _saved(fig, tmp_path, "contour")


def test_contour_clipped_scale_is_marked_and_raw_axes():
    fig = plot_landscape_contour(_plane(), vmax=2.0, normalize=False)
    ax = fig.axes[0]
    assert ax.collections[0].extend == "max"  # clipping shown on the colour bar
    assert ax.get_xlabel() == "1st PC (radians)"  # unit directions: coordinates in radians


def test_surface_renders(tmp_path):
    fig = plot_landscape_surface(_plane(), TRAJ, path=tmp_path / "s.pdf")
    ax = fig.axes[0]
    assert ax.get_zlabel() == "loss (nats)" and fig.axes[1].get_ylabel() == LOSS_LABEL
    assert (tmp_path / "s.pdf").stat().st_size > 1000
    _saved(fig, tmp_path, "surface")


def test_line_scan(tmp_path):
    t = np.linspace(-0.5, 1.5, 9)
    scan = LandscapeScan(
        "line",
        (t,),
        1 + t * (1 - t),
        1 - t / 4,
        np.zeros(2),
        np.ones((1, 2)),
        (-0.5, 1.5),
        ("t",),
        method="interpolation",
        periodic=True,
    )
    fig = plot_line_scan(scan, path=tmp_path / "line.png")
    assert fig.axes[0].get_ylabel() == LOSS_LABEL and fig.axes[1].get_ylabel() == "accuracy"
    assert "shortest periodic path" in " ".join(t.get_text() for t in fig.texts)
    assert (tmp_path / "line.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="need a line scan"):
        plot_line_scan(_plane())
    with pytest.raises(ValueError, match="need a plane scan"):
        plot_landscape_contour(scan)


def test_training_curves(tmp_path):
    hist = [
        {
            "epoch": e,
            "train_loss": 2 / (e + 2),
            "train_accuracy": 0.5 + e / 20,
            "test_loss": float("nan") if e < 0 else 2.2 / (e + 2),
            "test_accuracy": 0.4 + e / 25,
        }
        for e in range(-1, 6)
    ]
    fig = plot_training_curves(hist, path=tmp_path / "curves.png")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss (cross-entropy, nats)"
    assert acc_ax.get_ylabel() == "accuracy"
    assert {t.get_text() for t in loss_ax.get_legend().get_texts()} >= {"train", "test"}
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), [h["train_loss"] for h in hist])
    _saved(fig, tmp_path, "curves")
    assert plot_training_curves(SimpleNamespace(history=hist)).axes
    with pytest.raises(ValueError, match="history"):
        plot_training_curves([])


def test_spectrum_density(tmp_path):
    g = np.linspace(-1, 6, 300)
    d = SimpleNamespace(
        grid=g,
        density=np.exp(-(g**2) * 10) + 1e-3 * np.exp(-((g - 5) ** 2) * 10),
        nodes=np.array([[0.0, 0.1, 5.0]]),
        weights=np.array([[0.5, 0.45, 0.05]]),
        sigma=0.1,
    )
    fig = plot_spectrum_density(d, eigenvalues=[5.0, 0.1], outliers=[5.0], path=tmp_path / "d.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "σ = 0.1" in ax.get_ylabel()
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"SLQ density", "top 2 eigenvalues", "outliers", "Ritz values"} <= labels
    assert plot_spectrum_density(d, log_scale=False).axes[0].get_yscale() == "linear"
    _saved(fig, tmp_path, "density")


def test_spectrum_density_from_real_hessian(tmp_path):
    from qiskit_patchqnn import PatchLayout, PatchQNN, hessian

    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4)
    x = np.random.default_rng(0).uniform(size=(2, 16))
    h = hessian.loss_hessian(qnn, x, np.array([0, 1]), qnn.initial_weights(0), progress=False)
    dens = h.density(num_runs=2, num_steps=10)
    fig = plot_spectrum_density(dens, eigenvalues=h.eigenvalues(3), path=tmp_path / "real.png")
    assert (tmp_path / "real.png").stat().st_size > 1000 and fig.axes


def test_lambda_max_rows_and_columns(tmp_path):
    rows = [
        {
            "num_patches": k,
            "depth": d,
            "lambda_max_mean": 40 * d / k,
            "lambda_max_std": 1.0,
            "num_seeds": 3,
        }
        for k in (16, 4, 9)
        for d in (1, 2)
    ]
    fig = plot_lambda_max(rows, path=tmp_path / "lm.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "number of patches K" and "λ_max" in ax.get_ylabel()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"depth d = 1", "depth d = 2"}
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [4, 9, 16])  # sorted by K
    np.testing.assert_allclose(line.get_ydata(), [10, 40 / 9, 2.5])
    assert "±1 std over seeds (n = 3)" in ax.get_title()
    cols = {
        "num_patches": [4, 9],
        "depth": [1, 1],
        "lambda_max_mean": [2.0, 1.0],
        "lambda_max_std": [None, float("nan")],
    }
    assert plot_lambda_max(cols, log_y=True).axes[0].get_yscale() == "log"
    _saved(fig, tmp_path, "lambda")
    with pytest.raises(ValueError, match="lacks keys"):
        plot_lambda_max([{"num_patches": 4}])
    with pytest.raises(ValueError, match="empty"):
        plot_lambda_max([])
