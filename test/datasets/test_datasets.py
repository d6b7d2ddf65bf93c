# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for the qiskit_patchqnn.datasets package: spec strings, the public API, docs."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest
from mnist_idx import N_TEST, N_TRAIN

from qiskit_patchqnn import datasets
from qiskit_patchqnn.datasets import canonical_spec, load_dataset, load_digits, load_mnist

# --- load_dataset --------------------------------------------------------------------------


def test_load_dataset_forms(idx_dir: Path, npz_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digits = load_dataset("digits", seed=2)
    np.testing.assert_array_equal(digits.y_train, load_digits(seed=2).y_train)
    assert load_dataset(" Digits ").name == "digits"
    by_prefix = load_dataset(f"mnist:{idx_dir}", pool=False)
    assert by_prefix.image_shape == (28, 28) and by_prefix.num_train == N_TRAIN
    assert by_prefix.source == f"mnist:{idx_dir}"
    assert load_dataset(str(npz_file), num_train=10).num_train == 10
    assert load_dataset(idx_dir).image_shape == (14, 14)
    monkeypatch.chdir(npz_file.parent)
    relative = load_dataset("mnist.npz")
    assert relative.num_test == N_TEST and relative.source == f"mnist:{npz_file}"
    fashion = load_dataset("Fashion-MNIST:mnist", pool=False)
    assert (fashion.name, fashion.source) == ("fashion-mnist", f"fashion-mnist:{idx_dir}")
    assert fashion.notes.startswith(f"Fashion-MNIST from IDX files in {idx_dir}")
    np.testing.assert_array_equal(fashion.x_train, by_prefix.x_train)


def test_local_numbers_are_bitwise_those_of_load_mnist(idx_dir: Path) -> None:
    for pool in (True, False):
        a = load_dataset(f"mnist:{idx_dir}", pool=pool, num_train=10, seed=3)
        b = load_mnist(idx_dir, pool=pool, num_train=10, seed=3)
        for key in ("x_train", "y_train", "x_test", "y_test"):
            assert getattr(a, key).tobytes() == getattr(b, key).tobytes()


def test_load_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match=(
            r"unknown dataset 'cifar10'; valid forms: 'digits', 'mnist' or 'fashion-mnist' "
            r"\(fetched once\), 'mnist:<path>', 'fashion-mnist:<path>', or a path"
        ),
    ):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="names no path; use 'mnist:<path>'"):
        load_dataset("mnist:")
    with pytest.raises(ValueError, match="names no path; use 'fashion-mnist:<path>'"):
        load_dataset("fashion-mnist:  ")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset(str(tmp_path / "missing" / "dir"))
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST path .* does not exist"):
        load_dataset(f"fashion-mnist:{tmp_path / 'missing'}")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset("missing.npz")
    with pytest.raises(TypeError):
        load_dataset("digits", pool=True)
    with pytest.raises(TypeError):
        load_dataset(f"mnist:{tmp_path}", data_home=tmp_path)
    with pytest.raises(TypeError, match="dataset must be a spec string or a path, got 3"):
        load_dataset(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name must be one of mnist, fashion-mnist, got 'kmnist'"):
        load_mnist(tmp_path, name="kmnist")


# --- canonical_spec ------------------------------------------------------------------------


def test_canonical_spec_names_and_paths(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert canonical_spec("Digits") == "digits"
    assert canonical_spec(" MNIST ") == "mnist"
    assert canonical_spec("fashion-MNIST") == "fashion-mnist"
    assert canonical_spec("mnist:mnist") == f"mnist:{idx_dir}"
    assert canonical_spec("MNIST:./mnist/../mnist") == f"mnist:{idx_dir}"
    assert canonical_spec("./mnist") == f"mnist:{idx_dir}"
    assert canonical_spec(Path("mnist")) == f"mnist:{idx_dir}"
    assert canonical_spec("fashion-mnist:data/f.npz") == f"fashion-mnist:{tmp_path}/data/f.npz"
    assert canonical_spec("x.npz") == f"mnist:{tmp_path}/x.npz"  # need not exist
    monkeypatch.setenv("HOME", str(tmp_path))
    assert canonical_spec("mnist:~/mnist") == f"mnist:{idx_dir}"
    # a folder called "mnist" in the working directory does not hijack the name
    assert (tmp_path / "mnist").is_dir() and canonical_spec("mnist") == "mnist"


def test_canonical_spec_keeps_symlinks(tmp_path: Path, idx_dir: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(idx_dir, target_is_directory=True)
    assert canonical_spec(f"mnist:{link}") == f"mnist:{link}"


def test_source_round_trips_from_another_directory(
    tmp_path: Path, idx_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(idx_dir.parent)
    first = load_dataset("./mnist", pool=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = load_dataset(first.source, pool=False)
    assert again.source == first.source == canonical_spec(first.source)
    assert again.x_train.tobytes() == first.x_train.tobytes()
    assert load_digits().source == canonical_spec(load_digits().source) == "digits"
    with pytest.raises(ValueError, match="unknown dataset"):
        canonical_spec("")


# --- package -------------------------------------------------------------------------------

SUBMODULES = ("dataset", "digits", "files", "fetch", "spec")


def test_docstring_examples_run() -> None:
    attempted = 0
    for name in SUBMODULES:
        module = importlib.import_module(f"qiskit_patchqnn.datasets.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted >= 30


def test_public_api() -> None:
    assert sorted(datasets.__all__) == [
        "Dataset",
        "DownloadError",
        "RemoteFiles",
        "avg_pool_2x2",
        "canonical_spec",
        "fetch_dataset",
        "load_dataset",
        "load_digits",
        "load_mnist",
        "remote_files",
        "resolve_data_home",
    ]
    for name in datasets.__all__:
        obj = getattr(datasets, name)
        assert obj.__doc__
        if name != "DownloadError":
            assert "Example:" in obj.__doc__, name
    assert issubclass(datasets.DownloadError, OSError)


def test_the_data_howto_runs_and_prints_what_it_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Python blocks of docs/howtos/data.rst run (no download) and print their comments."""
    import re
    import tempfile
    import textwrap

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the example's mkdtemp lands here

    page = Path(__file__).resolve().parents[2] / "docs" / "howtos" / "data.rst"
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)", page.read_text())
    assert len(blocks) == 2
    for block in blocks:
        code = textwrap.dedent(block)
        expected = [
            line.split("#")[-1].strip() for line in code.splitlines() if line.startswith("print(")
        ]
        exec(compile(code, str(page), "exec"), {})
        assert capsys.readouterr().out.split("\n")[:-1] == expected
