# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Shared fixtures; ``--run-slow`` enables tests marked ``slow``."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="run slow tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tiny_qnn():
    """Four 3x3 patches on 4x4 images, 4 classes, depth 1 (30 weights per patch)."""
    from qiskit_patchqnn import PatchLayout, PatchQNN

    return PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4)


@pytest.fixture
def tiny_data():
    rng = np.random.default_rng(1234)
    x = rng.uniform(0.0, 1.0, size=(6, 16))
    y = np.array([0, 1, 2, 3, 1, 2])
    return x, y
