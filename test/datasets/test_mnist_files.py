# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.datasets.files: MNIST from local IDX and .npz files."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mnist_idx import IDX_NAMES, N_TEST, N_TRAIN, hand_pool, idx_bytes, write_idx_dir

from qiskit_patchqnn.datasets import load_digits, load_mnist

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
