# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The :class:`Dataset` container, stratified subsampling and 2×2 average pooling.

Everything here is numpy only; the loaders in :mod:`.digits` and :mod:`.files` build on it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split of flattened images with integer labels.

    The arrays are stored as read-only views: ``x_*`` as ``float64`` of shape
    ``(num_samples, H * W)`` with values in ``[0, 1]`` (row-major flattening of ``H × W`` images),
    ``y_*`` as ``int64`` of shape ``(num_samples,)`` with values in ``[0, num_classes)``.
    Instances compare by identity (the fields are arrays).

    Args:
        x_train: training images, ``(num_train, H * W)``.
        y_train: training labels, ``(num_train,)``.
        x_test: held-out images, ``(num_test, H * W)``.
        y_test: held-out labels, ``(num_test,)``.
        image_shape: ``(H, W)``.
        num_classes: number of classes ``C``; labels lie in ``0 .. C - 1``.
        name: short name, e.g. ``"digits"`` or ``"mnist"``.
        notes: provenance in words (preprocessing, splits, subsampling).
        source: the canonical dataset spec the images came from (see
            :func:`~qiskit_patchqnn.datasets.canonical_spec`), e.g. ``"digits"``, ``"mnist"``
            (fetched) or ``"mnist:/abs/path"`` (local files); ``""`` when built by hand.
            Passing it to :func:`~qiskit_patchqnn.datasets.load_dataset` loads the same images
            again, before any subsampling recorded in ``notes``.

    Example:
        >>> import numpy as np
        >>> ds = Dataset(
        ...     x_train=np.zeros((4, 4)), y_train=np.array([0, 1, 0, 1]),
        ...     x_test=np.ones((2, 4)), y_test=np.array([1, 0]),
        ...     image_shape=(2, 2), num_classes=2, name="toy",
        ... )
        >>> ds.num_train, ds.num_test, ds.x_train.dtype, ds.y_test.dtype
        (4, 2, dtype('float64'), dtype('int64'))
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    num_classes: int
    name: str
    notes: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        shape = tuple(int(operator.index(s)) for s in self.image_shape)
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(f"image_shape must be two positive ints, got {self.image_shape!r}")
        num_classes = operator.index(self.num_classes)
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {self.num_classes!r}")
        num_pixels = shape[0] * shape[1]
        for split in ("train", "test"):
            x = np.asarray(getattr(self, f"x_{split}"), dtype=np.float64).view()
            y_raw = np.asarray(getattr(self, f"y_{split}"))
            if x.ndim != 2 or x.shape[1] != num_pixels:
                raise ValueError(
                    f"x_{split} must have shape (num_samples, {num_pixels}) for image_shape "
                    f"{shape}, got {x.shape}"
                )
            if y_raw.ndim != 1 or y_raw.shape[0] != x.shape[0]:
                raise ValueError(
                    f"y_{split} must have shape ({x.shape[0]},) to match x_{split}, "
                    f"got {y_raw.shape}"
                )
            if y_raw.size and not np.issubdtype(y_raw.dtype, np.integer):
                raise ValueError(f"y_{split} must hold integers, got dtype {y_raw.dtype}")
            y = y_raw.astype(np.int64, copy=False).view()
            if x.size and not (np.all(np.isfinite(x)) and x.min() >= 0.0 and x.max() <= 1.0):
                raise ValueError(f"x_{split} values must be finite and lie in [0, 1]")
            if y.size and (y.min() < 0 or y.max() >= num_classes):
                raise ValueError(
                    f"y_{split} labels must lie in [0, {num_classes}), "
                    f"got range [{y.min()}, {y.max()}]"
                )
            x.flags.writeable = False
            y.flags.writeable = False
            object.__setattr__(self, f"x_{split}", x)
            object.__setattr__(self, f"y_{split}", y)
        for field in ("name", "notes", "source"):
            if not isinstance(getattr(self, field), str):
                raise TypeError(f"{field} must be a str, got {getattr(self, field)!r}")
        object.__setattr__(self, "image_shape", shape)
        object.__setattr__(self, "num_classes", num_classes)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, num_train={self.num_train}, num_test={self.num_test}, "
            f"image_shape={self.image_shape}, num_classes={self.num_classes}, "
            f"notes={self.notes!r})"
        )

    @property
    def num_train(self) -> int:
        """Number of training images."""
        return int(self.x_train.shape[0])

    @property
    def num_test(self) -> int:
        """Number of held-out images."""
        return int(self.x_test.shape[0])

    def subset(
        self,
        num_train: int | None = None,
        num_test: int | None = None,
        *,
        seed: int | np.random.Generator,
    ) -> Dataset:
        """Return a stratified random subsample of the train and/or test split.

        Each class keeps its share of the split: class ``c`` with ``n_c`` of ``n`` images gets
        ``floor(m n_c / n)`` of the ``m`` requested, and the remaining slots go to the classes
        with the largest fractional parts (lower label first on ties). The chosen images keep
        their original order. The train split is drawn before the test split from one
        ``numpy.random.default_rng(seed)`` stream, so a seed fixes both.

        Args:
            num_train: training images to keep; ``None`` keeps the split unchanged.
            num_test: held-out images to keep; ``None`` keeps the split unchanged.
            seed: seed or generator for the draw.

        Returns:
            A new :class:`Dataset`; its ``notes`` record the subsampling.

        Raises:
            ValueError: if a requested size is not in ``1 .. current size``.

        Example:
            >>> from qiskit_patchqnn.datasets import load_digits
            >>> ds = load_digits(seed=0).subset(100, 50, seed=1)
            >>> ds.num_train, ds.num_test
            (100, 50)
            >>> [int(n) for n in np.bincount(ds.y_train)]
            [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]
        """
        rng = np.random.default_rng(seed)
        idx_train, idx_test, note = _subsample(
            self.y_train, self.y_test, num_train, num_test, rng, seed
        )
        if not note:
            return self
        return replace(
            self,
            x_train=self.x_train[idx_train],
            y_train=self.y_train[idx_train],
            x_test=self.x_test[idx_test],
            y_test=self.y_test[idx_test],
            notes=_join_notes(self.notes, note),
        )


def avg_pool_2x2(images: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    r"""Average non-overlapping 2×2 blocks of flattened images (``AvgPool2d(2, stride=2)``).

    For an ``H × W`` image :math:`x` the pooled ``H/2 × W/2`` image is

    .. math::

        y_{ij} = \tfrac14\,(x_{2i,2j} + x_{2i,2j+1} + x_{2i+1,2j} + x_{2i+1,2j+1}).

    The sums are taken in ``float64`` (integer input such as ``uint8`` is fine and is not copied
    to ``float64`` first).

    Args:
        images: array whose last axis holds row-major flattened ``H × W`` images, e.g.
            ``(num_samples, H * W)``.
        image_shape: ``(H, W)``, both even.

    Returns:
        ``float64`` array of shape ``images.shape[:-1] + (H * W // 4,)``, flattened row-major.

    Raises:
        ValueError: if ``H`` or ``W`` is odd or the last axis is not ``H * W`` long.

    Example:
        >>> import numpy as np
        >>> avg_pool_2x2(np.arange(16).reshape(1, 16), (4, 4))
        array([[ 2.5,  4.5, 10.5, 12.5]])
    """
    images = np.asarray(images)
    h, w = (int(operator.index(s)) for s in image_shape)
    if h < 2 or w < 2 or h % 2 or w % 2:
        raise ValueError(f"image_shape must be two even ints >= 2, got {tuple(image_shape)}")
    if images.ndim < 1 or images.shape[-1] != h * w:
        raise ValueError(
            f"images must have a last axis of length {h * w} for image_shape {(h, w)}, "
            f"got shape {images.shape}"
        )
    lead = images.shape[:-1]
    blocks = images.reshape(*lead, h // 2, 2, w // 2, 2)
    pooled = blocks.mean(axis=(-3, -1), dtype=np.float64)
    return pooled.reshape(*lead, (h // 2) * (w // 2))


# --- helpers -------------------------------------------------------------------------------


def _join_notes(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _check_size(value: int | None, name: str, available: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int or None, got {value!r}")
    try:
        size = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an int or None, got {value!r}") from None
    if not 1 <= size <= available:
        raise ValueError(f"{name} must be in 1..{available}, got {size}")
    return size


def _stratified_indices(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a stratified sample of ``size`` of the labels ``y``, in original order."""
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = size * counts / len(y)
    take = np.floor(quota).astype(np.int64)
    remainder = size - int(take.sum())
    if remainder:
        # Largest fractional part first; stable sort keeps the lower label first on ties.
        order = np.argsort(-(quota - take), kind="stable")
        take[order[:remainder]] += 1
    chosen = [
        rng.choice(np.flatnonzero(inverse == k), size=int(n), replace=False)
        for k, n in enumerate(take)
        if n
    ]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def _subsample(
    y_train: np.ndarray,
    y_test: np.ndarray,
    num_train: int | None,
    num_test: int | None,
    rng: np.random.Generator,
    seed: int | np.random.Generator,
) -> tuple[slice | np.ndarray, slice | np.ndarray, str]:
    """Stratified train/test indices (train drawn first) and a note; ``""`` when unchanged."""
    n_train = _check_size(num_train, "num_train", len(y_train))
    n_test = _check_size(num_test, "num_test", len(y_test))
    seed_text = "<Generator>" if isinstance(seed, np.random.Generator) else repr(seed)
    idx_train: slice | np.ndarray = slice(None)
    idx_test: slice | np.ndarray = slice(None)
    notes = []
    if n_train is not None and n_train < len(y_train):
        idx_train = _stratified_indices(y_train, n_train, rng)
        notes.append(f"subsampled to {n_train} of {len(y_train)} train images")
    if n_test is not None and n_test < len(y_test):
        idx_test = _stratified_indices(y_test, n_test, rng)
        notes.append(f"subsampled to {n_test} of {len(y_test)} test images")
    if notes:
        notes.append(f"stratified, seed={seed_text}")
    return idx_train, idx_test, ", ".join(notes)
