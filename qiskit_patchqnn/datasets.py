# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Image classification data: scikit-learn's embedded digits, and MNIST from local files.

Every loader returns a :class:`Dataset` whose images are flattened row-major to ``float64``
vectors in ``[0, 1]`` and whose labels are ``int64``. Nothing is ever downloaded: MNIST is read
from the four standard IDX files (optionally gzipped) or from a Keras-style ``.npz`` file that
the caller already has. Mapping pixels to rotation angles is not done here.
"""

from __future__ import annotations

import gzip
import operator
import os
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Dataset",
    "avg_pool_2x2",
    "load_dataset",
    "load_digits",
    "load_mnist",
]

_MNIST_SHAPE = (28, 28)
_MNIST_CLASSES = 10
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049
_IDX_FILES = {
    "x_train": ("train-images-idx3-ubyte", _IDX_IMAGES_MAGIC),
    "y_train": ("train-labels-idx1-ubyte", _IDX_LABELS_MAGIC),
    "x_test": ("t10k-images-idx3-ubyte", _IDX_IMAGES_MAGIC),
    "y_test": ("t10k-labels-idx1-ubyte", _IDX_LABELS_MAGIC),
}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_EXPECTED_MNIST = (
    "a directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, "
    "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz), "
    "or a .npz file with arrays x_train, y_train, x_test, y_test"
)


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
        >>> float(ds.x_train.max())
        1.0
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
    )


def load_mnist(
    path: str | os.PathLike[str],
    *,
    pool: bool = True,
    num_train: int | None = None,
    num_test: int | None = None,
    seed: int | np.random.Generator = 0,
) -> Dataset:
    """Load MNIST from local files; nothing is ever downloaded.

    ``path`` is either a directory holding the four standard IDX files
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``, each optionally ``.gz``; an uncompressed file wins over its
    ``.gz``), or a ``.npz`` file with arrays ``x_train, y_train, x_test, y_test`` (the Keras
    layout; images ``(N, 28, 28)`` or flattened ``(N, 784)``). Integer pixels ``0 .. 255`` are
    divided by 255; floating-point pixels must already lie in ``[0, 1]``. Any 28×28 IDX/npz
    dataset with labels 0..9 (e.g. Fashion-MNIST) loads the same way.

    With ``pool=True`` each image is reduced to 14×14 by :func:`avg_pool_2x2`, as in the
    reference paper's pipeline; with ``pool=False`` it stays 28×28. Optional stratified
    subsampling (see :meth:`Dataset.subset`; same seed, same images) happens before pooling.

    Args:
        path: directory of IDX files or a ``.npz`` file.
        pool: apply 2×2 average pooling to 14×14.
        num_train: keep a stratified subsample of this many training images.
        num_test: keep a stratified subsample of this many test images.
        seed: seed or generator for the subsampling.

    Returns:
        A :class:`Dataset` named ``"mnist"`` with 10 classes.

    Raises:
        FileNotFoundError: if ``path`` or one of the IDX files does not exist.
        ValueError: if a file is malformed (bad magic number, truncated, wrong image shape,
            missing npz arrays, label/image count mismatch, labels outside 0..9) or a requested
            subsample size is invalid.

    Example:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "mnist.npz"
        >>> np.savez(
        ...     file,
        ...     x_train=rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        ...     y_train=np.arange(40) % 10,
        ...     x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        ...     y_test=np.arange(20) % 10,
        ... )
        >>> ds = load_mnist(file, num_train=20, seed=0)
        >>> ds.image_shape, ds.x_train.shape, ds.x_test.shape
        ((14, 14), (20, 196), (20, 196))
        >>> [int(n) for n in np.bincount(ds.y_train)]
        [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        >>> import shutil; shutil.rmtree(file.parent)
    """
    source = Path(path)
    if source.is_dir():
        arrays = _read_idx_dir(source)
        origin = f"IDX files in {source}"
    elif source.is_file():
        arrays = _read_npz(source)
        origin = f"npz file {source}"
    else:
        raise FileNotFoundError(
            f"MNIST path {str(source)!r} does not exist; expected {_EXPECTED_MNIST}"
        )

    rng = np.random.default_rng(seed)
    idx_train, idx_test, sub_note = _subsample(
        arrays["y_train"], arrays["y_test"], num_train, num_test, rng, seed
    )
    x_train, y_train = arrays["x_train"][idx_train], arrays["y_train"][idx_train]
    x_test, y_test = arrays["x_test"][idx_test], arrays["y_test"][idx_test]

    if pool:
        x_train = avg_pool_2x2(x_train, _MNIST_SHAPE) / _pixel_scale(x_train)
        x_test = avg_pool_2x2(x_test, _MNIST_SHAPE) / _pixel_scale(x_test)
        image_shape = (14, 14)
        pool_note = "2x2 average pooling to 14x14"
    else:
        x_train = np.true_divide(x_train, _pixel_scale(x_train), dtype=np.float64)
        x_test = np.true_divide(x_test, _pixel_scale(x_test), dtype=np.float64)
        image_shape = _MNIST_SHAPE
        pool_note = "28x28, no pooling"
    scale_note = "pixels / 255" if _pixel_scale(arrays["x_train"]) > 1 else "pixels as stored"
    notes = f"MNIST from {origin}; {scale_note}; {pool_note}"
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        image_shape=image_shape,
        num_classes=_MNIST_CLASSES,
        name="mnist",
        notes=_join_notes(notes, sub_note),
    )


def load_dataset(name_or_path: str | os.PathLike[str], **kwargs: Any) -> Dataset:
    """Load a dataset by name or MNIST path.

    Accepted forms:

    * ``"digits"``: :func:`load_digits` (the embedded default);
    * ``"mnist:<path>"``: :func:`load_mnist` on ``<path>``;
    * a path (a ``Path``, an existing file or directory, a string containing a path separator,
      or a string ending in ``.npz``): :func:`load_mnist` on it.

    Args:
        name_or_path: one of the forms above.
        **kwargs: passed on to the loader.

    Returns:
        The loaded :class:`Dataset`.

    Raises:
        ValueError: for an unknown name.

    Example:
        >>> load_dataset("digits", seed=0).name
        'digits'
    """
    if isinstance(name_or_path, os.PathLike):
        return load_mnist(name_or_path, **kwargs)
    text = str(name_or_path)
    if text.strip().lower() == "digits":
        return load_digits(**kwargs)
    if text[:6].lower() == "mnist:":
        target = text[6:]
        if not target:
            raise ValueError(f"dataset {text!r} names no path; use 'mnist:<path>'")
        return load_mnist(target, **kwargs)
    separators = {os.sep} | ({os.altsep} if os.altsep else set())
    if os.path.exists(text) or any(s in text for s in separators) or text.endswith(".npz"):
        return load_mnist(text, **kwargs)
    hint = " (MNIST is never downloaded; give its local path)" if text.lower() == "mnist" else ""
    raise ValueError(
        f"unknown dataset {text!r}{hint}; valid forms: 'digits', 'mnist:<path>', or a path to "
        "a directory of MNIST IDX files or a .npz file"
    )


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


def _open_bytes(file: Path) -> bytes:
    try:
        if file.suffix == ".gz":
            with gzip.open(file, "rb") as handle:
                return handle.read()
        return file.read_bytes()
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"{file}: cannot decompress gzip data ({exc})") from None


def _parse_idx(file: Path, expected_magic: int) -> np.ndarray:
    """Parse one IDX file of unsigned bytes into an array of the header's shape."""
    data = _open_bytes(file)
    if len(data) < 4:
        raise ValueError(f"{file}: truncated IDX file ({len(data)} bytes, no 4-byte header)")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        kind = "images" if expected_magic == _IDX_IMAGES_MAGIC else "labels"
        raise ValueError(
            f"{file}: bad IDX magic number {magic}, expected {expected_magic} (unsigned-byte "
            f"{kind}); is this the right file?"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{file}: truncated IDX header ({len(data)} of {header} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64))
    found = len(data) - header
    if found != expected:
        problem = "truncated" if found < expected else "has trailing bytes"
        raise ValueError(
            f"{file}: {problem}: header dims {dims} need {expected} data bytes, found {found}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _read_idx_dir(directory: Path) -> dict[str, np.ndarray]:
    files: dict[str, Path] = {}
    missing = []
    for key, (base, _) in _IDX_FILES.items():
        for candidate in (directory / base, directory / f"{base}.gz"):
            if candidate.is_file():
                files[key] = candidate
                break
        else:
            missing.append(f"{base}[.gz]")
    if missing:
        raise FileNotFoundError(
            f"MNIST directory {str(directory)!r} lacks {', '.join(missing)}; expected "
            f"{_EXPECTED_MNIST}"
        )
    arrays = {key: _parse_idx(files[key], _IDX_FILES[key][1]) for key in _IDX_FILES}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        x_file, y_file = files[f"x_{split}"], files[f"y_{split}"]
        if x.shape[1:] != _MNIST_SHAPE:
            raise ValueError(f"{x_file}: images are {x.shape[1:]}, expected 28x28")
        if len(x) != len(y):
            raise ValueError(
                f"{x_file} holds {len(x)} images but {y_file.name} holds {len(y)} labels"
            )
        arrays[f"x_{split}"] = x.reshape(len(x), -1)
        _check_labels(y, str(y_file))
    return arrays


def _read_npz(file: Path) -> dict[str, np.ndarray]:
    try:
        npz = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{file}: cannot read as .npz ({exc}); expected {_EXPECTED_MNIST}"
        ) from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"{file}: not a .npz archive; expected {_EXPECTED_MNIST}")
    with npz:
        missing = [k for k in _NPZ_KEYS if k not in npz.files]
        if missing:
            present = ", ".join(npz.files) or "none"
            raise ValueError(f"{file}: missing arrays {', '.join(missing)} (has {present})")
        arrays = {k: npz[k] for k in _NPZ_KEYS}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.shape[1:] not in (_MNIST_SHAPE, (784,)):
            raise ValueError(
                f"{file}: x_{split} has shape {x.shape}, expected (N, 28, 28) or (N, 784)"
            )
        if y.ndim != 1:
            raise ValueError(f"{file}: y_{split} has shape {y.shape}, expected (N,)")
        if len(x) != len(y):
            raise ValueError(
                f"{file}: x_{split} holds {len(x)} images but y_{split} holds {len(y)} labels"
            )
        if np.issubdtype(x.dtype, np.integer):
            if x.size and (x.min() < 0 or x.max() > 255):
                raise ValueError(f"{file}: x_{split} integer pixels must lie in 0..255")
        elif np.issubdtype(x.dtype, np.floating):
            if x.size and not (np.all(np.isfinite(x)) and x.min() >= 0.0 and x.max() <= 1.0):
                raise ValueError(
                    f"{file}: x_{split} float pixels must lie in [0, 1] (store uint8 0..255 "
                    "or divide by 255)"
                )
        else:
            raise ValueError(f"{file}: x_{split} has dtype {x.dtype}, expected uint8 or float")
        arrays[f"x_{split}"] = x.reshape(len(x), -1)
        _check_labels(y, f"{file}: y_{split}")
    return arrays


def _pixel_scale(x: np.ndarray) -> float:
    """255 for integer pixels (0..255), 1 for floating pixels already in [0, 1]."""
    return 255.0 if np.issubdtype(x.dtype, np.integer) else 1.0


def _check_labels(y: np.ndarray, where: str) -> None:
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{where}: labels have dtype {y.dtype}, expected integers")
    if y.size and (y.min() < 0 or y.max() >= _MNIST_CLASSES):
        raise ValueError(f"{where}: labels must lie in 0..9, got range [{y.min()}, {y.max()}]")
