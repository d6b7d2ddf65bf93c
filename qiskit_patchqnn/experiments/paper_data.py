# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The reference paper's numbers, for reports to put ours beside.

Kawase, "The effect of the number of parameters and the number of local feature patches on loss
landscapes in distributed quantum neural networks", arXiv 2504.19239. The paper's tables were not
readable; these numbers are the printed outputs of the author's notebooks in
github.com/puyokw/qnns_with_patches (HEAD 948b4d4, 2025-07-03), as collected in our
``paper-notes.md`` §7. Keys are ``(num_patches, depth)``; one run (seed 1001) per cell, so there
are no error bars. Epochs are 0-indexed.

Example:
    >>> LAMBDA_MAX[(4, 50)], PCA_RATIOS[(16, 200)][0]
    (15.987028, 0.96908724)
"""

from __future__ import annotations

__all__ = [
    "DEPTHS",
    "LANDSCAPE_RANGE",
    "LANDSCAPE_RANGE_SOURCE",
    "LAMBDA_MAX",
    "LAMBDA_MAX_SOURCE",
    "BEST_EPOCH_METRICS",
    "METRICS_SOURCE",
    "NUM_PATCHES",
    "PCA_RATIOS",
    "PCA_SOURCE",
]

NUM_PATCHES = (4, 9, 16)
DEPTHS = (50, 100, 150, 200)

LAMBDA_MAX: dict[tuple[int, int], float] = {
    (4, 50): 15.987028,
    (4, 100): 22.540470,
    (4, 150): 25.397289,
    (4, 200): 55.236229,
    (9, 50): 4.482332,
    (9, 100): 5.953966,
    (9, 150): 6.091053,
    (9, 200): 10.016173,
    (16, 50): 3.340638,
    (16, 100): 4.172467,
    (16, 150): 4.515500,
    (16, 200): 6.688076,
}
"""Largest Hessian eigenvalue at the minimum-train-loss checkpoint, full 60k training set."""

LAMBDA_MAX_SOURCE = (
    "paper-notes §7.1: `Top Eigenvalues:` outputs of src_hessian_analysis/*.ipynb; 9qnn200, "
    "16qnn150, 16qnn200 from src_miyabi/*_top_eigen_values.csv (PyHessian power iteration)"
)

BEST_EPOCH_METRICS: dict[tuple[int, int], dict[str, float]] = {
    (4, 50): {
        "epoch": 36,
        "train_loss": 0.022878,
        "train_accuracy": 0.994267,
        "test_loss": 0.066075,
        "test_accuracy": 0.979800,
    },
    (4, 100): {
        "epoch": 36,
        "train_loss": 0.014436,
        "train_accuracy": 0.996583,
        "test_loss": 0.063848,
        "test_accuracy": 0.981800,
    },
    (4, 150): {
        "epoch": 46,
        "train_loss": 0.010396,
        "train_accuracy": 0.997967,
        "test_loss": 0.056083,
        "test_accuracy": 0.982200,
    },
    (4, 200): {
        "epoch": 46,
        "train_loss": 0.011307,
        "train_accuracy": 0.998200,
        "test_loss": 0.060616,
        "test_accuracy": 0.981500,
    },
    (9, 50): {
        "epoch": 26,
        "train_loss": 0.012646,
        "train_accuracy": 0.998017,
        "test_loss": 0.055520,
        "test_accuracy": 0.982300,
    },
    (9, 100): {
        "epoch": 36,
        "train_loss": 0.007693,
        "train_accuracy": 0.998667,
        "test_loss": 0.053698,
        "test_accuracy": 0.983200,
    },
    (9, 150): {
        "epoch": 46,
        "train_loss": 0.005108,
        "train_accuracy": 0.999400,
        "test_loss": 0.051799,
        "test_accuracy": 0.984400,
    },
    (9, 200): {
        "epoch": 46,
        "train_loss": 0.005077,
        "train_accuracy": 0.999667,
        "test_loss": 0.048134,
        "test_accuracy": 0.983900,
    },
    (16, 50): {
        "epoch": 46,
        "train_loss": 0.014042,
        "train_accuracy": 0.998167,
        "test_loss": 0.049571,
        "test_accuracy": 0.984000,
    },
    (16, 100): {
        "epoch": 36,
        "train_loss": 0.009095,
        "train_accuracy": 0.998967,
        "test_loss": 0.049161,
        "test_accuracy": 0.983700,
    },
    (16, 150): {
        "epoch": 46,
        "train_loss": 0.007198,
        "train_accuracy": 0.999150,
        "test_loss": 0.049736,
        "test_accuracy": 0.984800,
    },
    (16, 200): {
        "epoch": 44,
        "train_loss": 0.007071,
        "train_accuracy": 0.999383,
        "test_loss": 0.050033,
        "test_accuracy": 0.985400,
    },
}
"""Full-set metrics at the minimum-train-loss epoch (0-indexed)."""

METRICS_SOURCE = "paper-notes §7.2: src_vis/mnist_plot_loss.ipynb (full 60k/10k sets)"

PCA_RATIOS: dict[tuple[int, int], tuple[float, float]] = {
    (4, 50): (0.87535346, 0.08494658),
    (4, 100): (0.8295821, 0.14673775),
    (4, 150): (0.9386886, 0.03717016),
    (4, 200): (0.95784444, 0.02807508),
    (9, 50): (0.8880086, 0.07840756),
    (9, 100): (0.8489502, 0.08698555),
    (9, 150): (0.9217599, 0.04549652),
    (9, 200): (0.958652, 0.0284366),
    (16, 50): (0.8585936, 0.06993448),
    (16, 100): (0.9024543, 0.05673793),
    (16, 150): (0.9410402, 0.03545934),
    (16, 200): (0.96908724, 0.02061185),
}
"""Explained-variance ratios of PC1 and PC2 of the 51-snapshot weight trajectory (Table B1?)."""

PCA_SOURCE = (
    "paper-notes §7.4: src_vis/*_vis.ipynb and mnist_plot_vis_2d_loss_*.ipynb (agree to 6-7 "
    "digits); probably the paper's Table B1"
)

LANDSCAPE_RANGE: dict[tuple[int, int], tuple[float, float]] = {
    (4, 50): (6.79, 0.04),
    (4, 100): (6.45, 0.02),
    (4, 150): (5.88, 0.01),
    (4, 200): (6.02, 0.01),
    (9, 50): (4.42, 0.02),
    (9, 100): (3.96, 0.01),
    (9, 150): (3.48, 0.00),
    (9, 200): (3.66, 0.00),
    (16, 50): (3.41, 0.02),
    (16, 100): (3.72, 0.01),
    (16, 150): (3.32, 0.00),
    (16, 200): (3.45, 0.00),
}
"""(max, min) of the training loss over the 20×20 trajectory-PCA grid, two decimals."""

LANDSCAPE_RANGE_SOURCE = "paper-notes §7.5: the plot notebooks (full 60k training loss per point)"
