# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Synthetic MNIST-format data for the dataset tests: IDX encoding, directories, pooling."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

N_TRAIN, N_TEST = 30, 20
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Encode a uint8 array as an IDX file (big-endian header)."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def raw_mnist(seed: int = 0, num_train: int = N_TRAIN, num_test: int = N_TEST) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(num_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": ((np.arange(num_test) * 7) % 10).astype(np.uint8),
    }


def write_idx_dir(directory: Path, raw: dict[str, Any], *, gz: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for key, name in IDX_NAMES.items():
        data = idx_bytes(raw[key])
        if gz:
            with gzip.open(directory / f"{name}.gz", "wb") as handle:
                handle.write(data)
        else:
            (directory / name).write_bytes(data)
    return directory


def hand_pool(image: np.ndarray) -> np.ndarray:
    """2x2 mean written out element by element (independent of the reshape trick)."""
    h, w = image.shape
    out = np.empty((h // 2, w // 2))
    for i in range(h // 2):
        for j in range(w // 2):
            a, b = float(image[2 * i, 2 * j]), float(image[2 * i, 2 * j + 1])
            c, d = float(image[2 * i + 1, 2 * j]), float(image[2 * i + 1, 2 * j + 1])
            out[i, j] = (a + b + c + d) / 4.0
    return out
