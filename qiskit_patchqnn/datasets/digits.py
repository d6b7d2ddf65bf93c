# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The embedded default: scikit-learn's 8×8 handwritten digits, shipped with scikit-learn."""

from __future__ import annotations

import numpy as np

from .dataset import Dataset


def load_digits(*, test_size: float = 0.2, seed: int = 0) -> Dataset:
    """Load scikit-learn's embedded 8×8 handwritten digits (1,797 images, 10 classes).

    The data ship with scikit-learn, so nothing is downloaded. Pixel values ``0 .. 16`` are
    divided by 16 into ``[0, 1]``; the held-out split is stratified by class and fixed by
    ``seed`` (``sklearn.model_selection.train_test_split(..., stratify=y, random_state=seed)``).

    Args:
        test_size: fraction of images held out, in ``(0, 1)``.
        seed: ``random_state`` of the split.

    Returns:
        A :class:`Dataset` with ``image_shape == (8, 8)`` and ``num_classes == 10``.

    Raises:
        ValueError: if ``test_size`` is not in ``(0, 1)``.

    Example:
        >>> ds = load_digits(seed=0)
        >>> ds.num_train, ds.num_test, ds.image_shape
        (1437, 360, (8, 8))
        >>> float(ds.x_train.max()), ds.source
        (1.0, 'digits')
    """
    from sklearn.datasets import load_digits as _sk_load_digits
    from sklearn.model_selection import train_test_split

    if isinstance(test_size, bool) or not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    bunch = _sk_load_digits()
    x = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=float(test_size), stratify=y, random_state=seed
    )
    notes = (
        f"scikit-learn digits ({len(y)} images), pixels / 16; stratified split "
        f"{len(y_train)} train / {len(y_test)} test (test_size={test_size}, seed={seed})"
    )
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        image_shape=(8, 8),
        num_classes=10,
        name="digits",
        notes=notes,
        source="digits",
    )
