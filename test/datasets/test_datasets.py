# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.datasets."""

from __future__ import annotations

import doctest
import gzip
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn.datasets

from qiskit_patchqnn import datasets
from qiskit_patchqnn.datasets import (
    Dataset,
    avg_pool_2x2,
    load_dataset,
    load_digits,
    load_mnist,
)

N_TRAIN, N_TEST = 30, 20
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


# --- synthetic MNIST helpers ---------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Encode a uint8 array as an IDX file (big-endian header)."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def raw_mnist(seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(N_TRAIN) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": ((np.arange(N_TEST) * 7) % 10).astype(np.uint8),
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


@pytest.fixture
def raw() -> dict[str, Any]:
    return raw_mnist()


@pytest.fixture
def idx_dir(tmp_path: Path, raw: dict[str, Any]) -> Path:
    return write_idx_dir(tmp_path / "mnist", raw)


@pytest.fixture
def npz_file(tmp_path: Path, raw: dict[str, Any]) -> Path:
    file = tmp_path / "mnist.npz"
    np.savez(file, **raw)
    return file


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


# --- digits --------------------------------------------------------------------------------


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


# --- Dataset -------------------------------------------------------------------------------


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


# --- MNIST: round trips --------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_round_trip_unpooled(tmp_path: Path, raw: dict[str, Any], gz: bool) -> None:
    ds = load_mnist(write_idx_dir(tmp_path / "m", raw, gz=gz), pool=False)
    assert (ds.name, ds.image_shape, ds.num_classes) == ("mnist", (28, 28), 10)
    assert ds.x_train.shape == (N_TRAIN, 784) and ds.x_test.shape == (N_TEST, 784)
    np.testing.assert_array_equal(ds.x_train, raw["x_train"].reshape(N_TRAIN, 784) / 255.0)
    np.testing.assert_array_equal(ds.x_test, raw["x_test"].reshape(N_TEST, 784) / 255.0)
    np.testing.assert_array_equal(ds.y_train, raw["y_train"])
    np.testing.assert_array_equal(ds.y_test, raw["y_test"])
    assert ds.y_train.dtype == np.int64
    assert "no pooling" in ds.notes and "IDX files" in ds.notes


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_pooled_matches_hand_mean(tmp_path: Path, raw: dict[str, Any], gz: bool) -> None:
    ds = load_mnist(write_idx_dir(tmp_path / "m", raw, gz=gz))
    assert ds.image_shape == (14, 14) and ds.x_train.shape == (N_TRAIN, 196)
    for k in (0, 7, N_TRAIN - 1):
        expected = hand_pool(raw["x_train"][k]) / 255.0
        np.testing.assert_allclose(ds.x_train[k].reshape(14, 14), expected, rtol=1e-15)
    np.testing.assert_allclose(
        ds.x_test[3].reshape(14, 14), hand_pool(raw["x_test"][3]) / 255.0, rtol=1e-15
    )
    assert "2x2 average pooling to 14x14" in ds.notes


def test_mnist_mixed_gz_and_plain(tmp_path: Path, raw: dict[str, Any]) -> None:
    directory = write_idx_dir(tmp_path / "m", raw, gz=True)
    name = IDX_NAMES["y_test"]
    (directory / f"{name}.gz").unlink()
    (directory / name).write_bytes(idx_bytes(raw["y_test"]))
    np.testing.assert_array_equal(load_mnist(directory).y_test, raw["y_test"])


@pytest.mark.parametrize("layout", ["images", "flat", "float"])
def test_mnist_npz_matches_idx(
    tmp_path: Path, idx_dir: Path, raw: dict[str, Any], layout: str
) -> None:
    arrays: dict[str, Any] = dict(raw)
    for key in ("x_train", "x_test"):
        if layout == "flat":
            arrays[key] = raw[key].reshape(len(raw[key]), 784)
        elif layout == "float":
            arrays[key] = raw[key].astype(np.float64) / 255.0
    file = tmp_path / "keras.npz"
    np.savez_compressed(file, **arrays)
    for pool in (True, False):
        from_npz, from_idx = load_mnist(file, pool=pool), load_mnist(idx_dir, pool=pool)
        np.testing.assert_allclose(from_npz.x_train, from_idx.x_train, rtol=1e-15)
        np.testing.assert_allclose(from_npz.x_test, from_idx.x_test, rtol=1e-15)
        np.testing.assert_array_equal(from_npz.y_train, from_idx.y_train)
        np.testing.assert_array_equal(from_npz.y_test, from_idx.y_test)
        assert from_npz.image_shape == from_idx.image_shape
    assert "npz file" in load_mnist(file).notes


def test_mnist_subsampling(idx_dir: Path) -> None:
    ds = load_mnist(idx_dir, num_train=10, num_test=10, seed=4)
    assert (ds.num_train, ds.num_test) == (10, 10)
    assert np.bincount(ds.y_train).tolist() == [1] * 10
    assert np.bincount(ds.y_test).tolist() == [1] * 10
    assert "subsampled to 10 of 30 train images" in ds.notes
    assert "subsampled to 10 of 20 test images" in ds.notes
    # same seed, same images as subsetting the full dataset afterwards
    full = load_mnist(idx_dir).subset(10, 10, seed=4)
    np.testing.assert_array_equal(ds.x_train, full.x_train)
    np.testing.assert_array_equal(ds.x_test, full.x_test)
    again = load_mnist(idx_dir, num_train=10, num_test=10, seed=4)
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    with pytest.raises(ValueError, match=r"num_train must be in 1\.\.30, got 31"):
        load_mnist(idx_dir, num_train=31)


def test_loaders_never_touch_the_network(
    monkeypatch: pytest.MonkeyPatch, idx_dir: Path, npz_file: Path
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert load_mnist(idx_dir).num_train == N_TRAIN
    assert load_mnist(npz_file).num_test == N_TEST
    assert load_digits().num_train == 1437


# --- MNIST: errors -------------------------------------------------------------------------


def test_mnist_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"does not exist; expected a directory holding"):
        load_mnist(tmp_path / "nowhere")


def test_mnist_missing_files(tmp_path: Path, idx_dir: Path) -> None:
    (idx_dir / IDX_NAMES["y_test"]).unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks t10k-labels-idx1-ubyte\[\.gz\]; expected"):
        load_mnist(idx_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(
        FileNotFoundError,
        match=(
            r"lacks train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], "
            r"t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]"
        ),
    ):
        load_mnist(empty)


def corrupt(directory: Path, key: str, data: bytes) -> Path:
    file = directory / IDX_NAMES[key]
    file.write_bytes(data)
    return file


def test_idx_wrong_magic(idx_dir: Path, raw: dict[str, Any]) -> None:
    corrupt(idx_dir, "x_train", idx_bytes(raw["y_train"]))
    with pytest.raises(
        ValueError, match=r"train-images-idx3-ubyte: bad IDX magic number 2049, expected 2051"
    ):
        load_mnist(idx_dir)


def test_idx_labels_with_image_magic(idx_dir: Path, raw: dict[str, Any]) -> None:
    corrupt(idx_dir, "y_test", idx_bytes(raw["x_test"]))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: bad IDX magic number 2051"):
        load_mnist(idx_dir)


@pytest.mark.parametrize(
    ("cut", "match"),
    [
        (2, r"truncated IDX file \(2 bytes, no 4-byte header\)"),
        (10, r"truncated IDX header \(10 of 16 bytes\)"),
        (16 + 100, r"truncated: header dims \(30, 28, 28\) need 23520 data bytes, found 100"),
    ],
)
def test_idx_truncated(idx_dir: Path, raw: dict[str, Any], cut: int, match: str) -> None:
    corrupt(idx_dir, "x_train", idx_bytes(raw["x_train"])[:cut])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte: " + match):
        load_mnist(idx_dir)


def test_idx_trailing_bytes(idx_dir: Path, raw: dict[str, Any]) -> None:
    corrupt(idx_dir, "y_train", idx_bytes(raw["y_train"]) + b"\x00\x00")
    with pytest.raises(ValueError, match=r"has trailing bytes: .* need 30 data bytes, found 32"):
        load_mnist(idx_dir)


def test_idx_truncated_gzip(tmp_path: Path, raw: dict[str, Any]) -> None:
    directory = write_idx_dir(tmp_path / "m", raw, gz=True)
    file = directory / f"{IDX_NAMES['x_test']}.gz"
    file.write_bytes(file.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz: cannot decompress gzip"):
        load_mnist(directory)
    file.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz: cannot decompress gzip"):
        load_mnist(directory)


def test_idx_wrong_image_size(idx_dir: Path) -> None:
    corrupt(idx_dir, "x_train", idx_bytes(np.zeros((N_TRAIN, 8, 8))))
    with pytest.raises(ValueError, match=r"images are \(8, 8\), expected 28x28"):
        load_mnist(idx_dir)


def test_idx_count_mismatch(idx_dir: Path, raw: dict[str, Any]) -> None:
    corrupt(idx_dir, "y_train", idx_bytes(raw["y_train"][:-1]))
    with pytest.raises(
        ValueError, match=r"holds 30 images but train-labels-idx1-ubyte holds 29 labels"
    ):
        load_mnist(idx_dir)


def test_idx_label_out_of_range(idx_dir: Path, raw: dict[str, Any]) -> None:
    labels = raw["y_test"].copy()
    labels[0] = 10
    corrupt(idx_dir, "y_test", idx_bytes(labels))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9, got range \[0, 10\]"):
        load_mnist(idx_dir)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            {"y_test": None, "x_test": None},
            r"missing arrays x_test, y_test \(has x_train, y_train\)",
        ),
        ({"x_train": np.zeros((N_TRAIN, 28, 27), np.uint8)}, r"x_train has shape \(30, 28, 27\)"),
        (
            {"x_test": np.zeros((N_TEST, 14, 14), np.uint8)},
            r"x_test has shape \(20, 14, 14\), expected \(N, 28, 28\) or \(N, 784\)",
        ),
        ({"y_train": np.zeros((N_TRAIN, 1), np.uint8)}, r"y_train has shape \(30, 1\), expected"),
        ({"y_test": np.zeros(N_TEST - 2, np.uint8)}, "x_test holds 20 images but y_test holds 18"),
        ({"y_train": np.full(N_TRAIN, -1)}, r"y_train: labels must lie in 0\.\.9"),
        ({"y_train": np.zeros(N_TRAIN)}, "y_train: labels have dtype float64, expected integers"),
        ({"x_train": np.full((N_TRAIN, 784), 255.0)}, r"x_train float pixels must lie in \[0, 1\]"),
        ({"x_train": np.full((N_TRAIN, 784), 256)}, r"x_train integer pixels must lie in 0\.\.255"),
        (
            {"x_test": np.full((N_TEST, 784), True)},
            "x_test has dtype bool, expected uint8 or float",
        ),
    ],
)
def test_npz_errors(
    tmp_path: Path, raw: dict[str, Any], change: dict[str, object], match: str
) -> None:
    arrays: dict[str, Any] = {**raw, **change}
    file = tmp_path / "bad.npz"
    np.savez(file, **{k: v for k, v in arrays.items() if v is not None})
    with pytest.raises(ValueError, match=r"bad\.npz: " + match):
        load_mnist(file)


def test_npz_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"definitely not a zip file")
    with pytest.raises(ValueError, match=r"junk\.npz: cannot read as \.npz"):
        load_mnist(junk)
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match=r"array\.npy: not a \.npz archive"):
        load_mnist(npy)


# --- load_dataset --------------------------------------------------------------------------


def test_load_dataset_forms(idx_dir: Path, npz_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digits = load_dataset("digits", seed=2)
    np.testing.assert_array_equal(digits.y_train, load_digits(seed=2).y_train)
    assert load_dataset(" Digits ").name == "digits"
    by_prefix = load_dataset(f"mnist:{idx_dir}", pool=False)
    assert by_prefix.image_shape == (28, 28) and by_prefix.num_train == N_TRAIN
    assert load_dataset(str(npz_file), num_train=10).num_train == 10
    assert load_dataset(idx_dir).image_shape == (14, 14)
    monkeypatch.chdir(npz_file.parent)
    assert load_dataset("mnist.npz").num_test == N_TEST


def test_load_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown dataset 'cifar10'; valid forms: 'digits', 'mnist:<path>', or a path",
    ):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="MNIST is never downloaded; give its local path"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="names no path; use 'mnist:<path>'"):
        load_dataset("mnist:")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset(str(tmp_path / "missing" / "dir"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset("missing.npz")
    with pytest.raises(TypeError):
        load_dataset("digits", pool=True)


# --- docs ----------------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(datasets, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15
    assert result.failed == 0


def test_public_api() -> None:
    assert sorted(datasets.__all__) == [
        "Dataset",
        "avg_pool_2x2",
        "load_dataset",
        "load_digits",
        "load_mnist",
    ]
    for name in datasets.__all__:
        obj = getattr(datasets, name)
        assert obj.__doc__ and "Example:" in obj.__doc__
