# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.datasets.dataset: the container, subsets, pooling."""

from __future__ import annotations

import numpy as np
import pytest
from mnist_idx import hand_pool

from qiskit_patchqnn.datasets import Dataset, avg_pool_2x2, load_digits


def toy(**overrides: object) -> Dataset:
    fields: dict[str, object] = {
        "x_train": np.full((4, 4), 0.5),
        "y_train": np.array([0, 1, 0, 1]),
        "x_test": np.zeros((2, 4)),
        "y_test": np.array([1, 0]),
        "image_shape": (2, 2),
        "num_classes": 2,
        "name": "toy",
    }
    fields.update(overrides)
    return Dataset(**fields)  # type: ignore[arg-type]


def test_dataset_arrays_are_read_only_and_converted() -> None:
    ds = toy(y_train=np.array([0, 1, 0, 1], dtype=np.uint8), x_train=np.ones((4, 4), np.float32))
    assert ds.y_train.dtype == np.int64 and ds.x_train.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        ds.x_train[0, 0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        ds.y_test[0] = 0
    assert repr(ds) == (
        "Dataset(name='toy', num_train=4, num_test=2, image_shape=(2, 2), num_classes=2, notes='')"
    )


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"x_train": np.zeros((4, 5))}, r"x_train must have shape \(num_samples, 4\)"),
        ({"y_test": np.array([0, 1, 1])}, r"y_test must have shape \(2,\)"),
        ({"y_train": np.array([0, 1, 0, 2])}, r"y_train labels must lie in \[0, 2\)"),
        ({"y_train": np.array([0.0, 1, 0, 1])}, "y_train must hold integers"),
        ({"x_test": np.full((2, 4), 1.5)}, r"x_test values must be finite and lie in \[0, 1\]"),
        ({"x_test": np.full((2, 4), np.nan)}, "x_test values must be finite"),
        ({"image_shape": (2, 0)}, "image_shape must be two positive ints"),
        ({"num_classes": 0}, "num_classes must be positive"),
    ],
)
def test_dataset_validation(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        toy(**overrides)


def test_subset_is_stratified_deterministic_and_noted() -> None:
    ds = load_digits(seed=0)
    sub = ds.subset(100, 50, seed=1)
    assert (sub.num_train, sub.num_test) == (100, 50)
    assert np.bincount(sub.y_train).tolist() == [10] * 10
    assert np.bincount(sub.y_test).tolist() == [5] * 10
    assert "subsampled to 100 of 1437 train images" in sub.notes
    assert "subsampled to 50 of 360 test images" in sub.notes
    assert sub.notes.startswith(ds.notes) and "seed=1" in sub.notes
    # rows are genuine rows of the parent, with their labels, in the parent's order
    rows = {row.tobytes(): i for i, row in enumerate(ds.x_train)}
    picked = [rows[row.tobytes()] for row in sub.x_train]
    assert picked == sorted(picked)
    np.testing.assert_array_equal(ds.y_train[picked], sub.y_train)
    again = ds.subset(100, 50, seed=1)
    np.testing.assert_array_equal(again.x_train, sub.x_train)
    other = ds.subset(100, 50, seed=2)
    assert not np.array_equal(other.x_train, sub.x_train)


def test_subset_uneven_classes_uses_largest_remainder() -> None:
    y = np.array([0] * 6 + [1] * 3 + [2] * 1)
    ds = Dataset(np.zeros((10, 1)), y, np.zeros((1, 1)), np.array([0]), (1, 1), 3, "u")
    sub = ds.subset(5, seed=0)
    # quotas 3.0, 1.5, 0.5 -> floors 3, 1, 0; one slot left, tie goes to the lower label
    assert np.bincount(sub.y_train, minlength=3).tolist() == [3, 2, 0]
    assert sub.num_test == 1 and "test images" not in sub.notes


def test_subset_none_and_full_size_keep_dataset() -> None:
    ds = load_digits()
    assert ds.subset(seed=0) is ds
    assert ds.subset(ds.num_train, ds.num_test, seed=0) is ds
    only_test = ds.subset(num_test=10, seed=np.random.default_rng(0))
    assert only_test.num_train == ds.num_train and only_test.num_test == 10
    assert "seed=<Generator>" in only_test.notes


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_train": 0}, r"num_train must be in 1\.\.1437, got 0"),
        ({"num_train": 1438}, r"num_train must be in 1\.\.1437, got 1438"),
        ({"num_test": -1}, r"num_test must be in 1\.\.360, got -1"),
        ({"num_test": 2.5}, "num_test must be an int or None, got 2.5"),
        ({"num_train": True}, "num_train must be an int or None, got True"),
    ],
)
def test_subset_bad_sizes(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        load_digits().subset(**kwargs, seed=0)  # type: ignore[arg-type]


# --- pooling -------------------------------------------------------------------------------


def test_avg_pool_matches_hand_computed_mean() -> None:
    images = np.random.default_rng(1).integers(0, 256, (3, 6, 4), dtype=np.uint8)
    pooled = avg_pool_2x2(images.reshape(3, 24), (6, 4))
    assert pooled.shape == (3, 6) and pooled.dtype == np.float64
    for k in range(3):
        np.testing.assert_allclose(pooled[k].reshape(3, 2), hand_pool(images[k]), rtol=0, atol=0)
    np.testing.assert_array_equal(
        avg_pool_2x2(np.array([[1.0, 2.0, 3.0, 4.0]]), (2, 2)), np.array([[2.5]])
    )


def test_avg_pool_keeps_leading_axes() -> None:
    images = np.arange(2 * 3 * 16, dtype=float).reshape(2, 3, 16)
    pooled = avg_pool_2x2(images, (4, 4))
    assert pooled.shape == (2, 3, 4)
    np.testing.assert_array_equal(pooled[1, 2], avg_pool_2x2(images[1, 2], (4, 4)))


@pytest.mark.parametrize(
    ("shape", "image_shape", "match"),
    [
        ((2, 15), (3, 5), r"image_shape must be two even ints >= 2, got \(3, 5\)"),
        ((2, 15), (4, 4), r"last axis of length 16 .* got shape \(2, 15\)"),
    ],
)
def test_avg_pool_errors(shape: tuple[int, int], image_shape: tuple[int, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        avg_pool_2x2(np.zeros(shape), image_shape)
