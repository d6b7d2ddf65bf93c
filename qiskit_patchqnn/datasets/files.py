# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""MNIST-format files on disk: the four IDX files (optionally gzipped) or a Keras-style ``.npz``.

:func:`load_mnist` reads files the caller already has; it never downloads anything (fetching
the official files once is :mod:`.fetch`'s job). MNIST and Fashion-MNIST share the format: 28×28
``uint8`` images, labels 0..9.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .dataset import Dataset, _join_notes, _subsample, avg_pool_2x2

MNIST_NAMES = ("mnist", "fashion-mnist")
"""Names of the MNIST-format datasets (also the prefixes of their local-file specs)."""
_LABELS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
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


def load_mnist(
    path: str | os.PathLike[str],
    *,
    pool: bool = True,
    num_train: int | None = None,
    num_test: int | None = None,
    seed: int | np.random.Generator = 0,
    name: str = "mnist",
) -> Dataset:
    """Load MNIST (or Fashion-MNIST) from local files; nothing is ever downloaded.

    ``path`` is either a directory holding the four standard IDX files
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``, each optionally ``.gz``; an uncompressed file wins over its
    ``.gz``), or a ``.npz`` file with arrays ``x_train, y_train, x_test, y_test`` (the Keras
    layout; images ``(N, 28, 28)`` or flattened ``(N, 784)``). A relative path is taken
    against the working directory at the call and ``~`` is expanded; the returned
    :attr:`Dataset.source` holds the absolute form (``"mnist:/abs/path"``). Integer pixels
    ``0 .. 255`` are divided by 255; floating-point pixels must already lie in ``[0, 1]``. Any
    28×28 IDX/npz dataset with labels 0..9 loads the same way.

    With ``pool=True`` each image is reduced to 14×14 by :func:`avg_pool_2x2`, as in the
    reference paper's pipeline; with ``pool=False`` it stays 28×28. Optional stratified
    subsampling (see :meth:`Dataset.subset`; same seed, same images) happens before pooling.

    Args:
        path: directory of IDX files or a ``.npz`` file.
        pool: apply 2×2 average pooling to 14×14.
        num_train: keep a stratified subsample of this many training images.
        num_test: keep a stratified subsample of this many test images.
        seed: seed or generator for the subsampling.
        name: ``"mnist"`` or ``"fashion-mnist"``: the :attr:`Dataset.name` and the prefix of
            its :attr:`Dataset.source`.

    Returns:
        A :class:`Dataset` with 10 classes.

    Raises:
        FileNotFoundError: if ``path`` or one of the IDX files does not exist.
        ValueError: if a file is malformed (bad magic number, truncated, wrong image shape,
            missing npz arrays, label/image count mismatch, labels outside 0..9), a requested
            subsample size is invalid, or ``name`` is not one of the two names.

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
        >>> ds.source == f"mnist:{file}"
        True
        >>> import shutil; shutil.rmtree(file.parent)
    """
    if name not in MNIST_NAMES:
        raise ValueError(f"name must be one of {', '.join(MNIST_NAMES)}, got {name!r}")
    source = absolute_path(path)
    return load_mnist_files(
        source,
        name=name,
        source=f"{name}:{source}",
        pool=pool,
        num_train=num_train,
        num_test=num_test,
        seed=seed,
    )


def absolute_path(path: str | os.PathLike[str]) -> Path:
    """``path`` with ``~`` expanded, made absolute against the working directory, normalised.

    Symbolic links are kept (not resolved), so the path stays the one the user gave.
    """
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def load_mnist_files(
    path: Path,
    *,
    name: str,
    source: str,
    pool: bool,
    num_train: int | None,
    num_test: int | None,
    seed: int | np.random.Generator,
) -> Dataset:
    """Read an absolute ``path`` (IDX directory or ``.npz``) into a :class:`Dataset`."""
    label = _LABELS[name]
    if path.is_dir():
        arrays = _read_idx_dir(path, label)
        origin = f"IDX files in {path}"
    elif path.is_file():
        arrays = _read_npz(path)
        origin = f"npz file {path}"
    else:
        raise FileNotFoundError(
            f"{label} path {str(path)!r} does not exist; expected {_EXPECTED_MNIST}"
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
    notes = f"{label} from {origin}; {scale_note}; {pool_note}"
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        image_shape=image_shape,
        num_classes=_MNIST_CLASSES,
        name=name,
        notes=_join_notes(notes, sub_note),
        source=source,
    )


# --- readers -------------------------------------------------------------------------------


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


def _read_idx_dir(directory: Path, label: str) -> dict[str, np.ndarray]:
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
            f"{label} directory {str(directory)!r} lacks {', '.join(missing)}; expected "
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
