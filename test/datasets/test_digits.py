# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.datasets.digits."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.datasets

from qiskit_patchqnn.datasets import load_digits


def test_digits_shapes_dtypes_range() -> None:
    ds = load_digits()
    assert (ds.name, ds.image_shape, ds.num_classes) == ("digits", (8, 8), 10)
    assert ds.x_train.shape == (1437, 64) and ds.x_test.shape == (360, 64)
    assert (ds.num_train, ds.num_test) == (1437, 360)
    assert ds.x_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.x_test.dtype == np.float64 and ds.y_test.dtype == np.int64
    both = np.concatenate([ds.x_train, ds.x_test])
    assert both.min() == 0.0 and both.max() == 1.0
    # pixels are the raw 0..16 counts divided by 16
    np.testing.assert_array_equal(both * 16, np.round(both * 16))
    full = sklearn.datasets.load_digits()
    assert both.sum() == pytest.approx(full.data.sum() / 16)
    np.testing.assert_array_equal(
        np.bincount(np.concatenate([ds.y_train, ds.y_test])), np.bincount(full.target)
    )


def test_digits_split_is_stratified() -> None:
    ds = load_digits(test_size=0.25, seed=3)
    total = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=10)
    test = np.bincount(ds.y_test, minlength=10)
    assert np.all(np.abs(test - 0.25 * total) <= 1)
    assert ds.num_test == 450


def test_digits_deterministic_for_seed() -> None:
    a, b, c = load_digits(seed=5), load_digits(seed=5), load_digits(seed=6)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert "seed=5" in a.notes


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, True])
def test_digits_bad_test_size(bad: float) -> None:
    with pytest.raises(ValueError, match="test_size must be a fraction in \\(0, 1\\)"):
        load_digits(test_size=bad)
