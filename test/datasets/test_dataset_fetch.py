# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for qiskit_patchqnn.datasets.fetch, offline: a local http.server stands in for the mirrors.

The server runs on 127.0.0.1 in a background thread and serves synthetic MNIST-format IDX.gz
files written by the test (``/mnist/``: 300 + 100 images, ``/fashion/``: 200 + 100 other
images), ``/broken/`` (a response cut short) and 404s elsewhere; it records every path it is
asked for. The conftest refuses every other host, so no test can reach the real mirrors.
"""

from __future__ import annotations

import hashlib
import importlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mnist_idx import IDX_NAMES, raw_mnist, write_idx_dir

from qiskit_patchqnn.datasets import (
    DownloadError,
    RemoteFiles,
    fetch_dataset,
    load_dataset,
    load_mnist,
    remote_files,
    resolve_data_home,
)

fetch_module = importlib.import_module("qiskit_patchqnn.datasets.fetch")

GZ_FILES = [f"{IDX_NAMES[k]}.gz" for k in ("x_train", "y_train", "x_test", "y_test")]
TAIL = "without network, put the files in a folder yourself and load it with"


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/broken/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b" + b"x" * 998)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class Server:
    root: Path
    url: str
    hits: list[str]
    raw: dict[str, dict[str, Any]]

    def remote(
        self, folder: str = "mnist", name: str = "mnist", label: str = "MNIST"
    ) -> RemoteFiles:
        """A RemoteFiles for the served folder, checksums computed from the served files."""
        files = {
            f: "md5:" + hashlib.md5((self.root / folder / f).read_bytes()).hexdigest()
            for f in GZ_FILES
        }
        return RemoteFiles(name, mirrors=(f"{self.url}{folder}/",), files=files, label=label)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "served"
    raw = {
        "mnist": raw_mnist(seed=0, num_train=300, num_test=100),
        "fashion": raw_mnist(seed=1, num_train=200, num_test=100),
    }
    for folder, arrays in raw.items():
        write_idx_dir(root / folder, arrays, gz=True)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(root, f"http://127.0.0.1:{httpd.server_address[1]}/", httpd.hits, raw)  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def dead_url() -> str:
    """A base URL on a loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def contents(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- downloading and the cache -------------------------------------------------------------


def test_first_call_downloads_and_verifies(server: Server, tmp_path: Path) -> None:
    remote = server.remote()
    home = tmp_path / "cache"
    folder = fetch_dataset(remote, data_home=home, progress=False)
    assert folder == home / "mnist"
    assert contents(folder) == sorted(GZ_FILES)
    for file in GZ_FILES:
        assert (folder / file).read_bytes() == (server.root / "mnist" / file).read_bytes()
    assert sorted(server.hits) == sorted(f"/mnist/{f}" for f in GZ_FILES)
    raw = server.raw["mnist"]
    ds = load_mnist(folder, pool=False)
    assert (ds.num_train, ds.num_test) == (300, 100)
    np.testing.assert_array_equal(ds.x_train, raw["x_train"].reshape(300, 784) / 255.0)
    np.testing.assert_array_equal(ds.y_test, raw["y_test"])


def test_second_call_uses_the_cache(server: Server, tmp_path: Path) -> None:
    remote = server.remote()
    first = fetch_dataset(remote, data_home=tmp_path, progress=False)
    assert len(server.hits) == 4
    again = fetch_dataset(remote, data_home=tmp_path, progress=False)
    assert again == first and len(server.hits) == 4
    # with only a dead mirror it still succeeds: the verified files are used as they are
    offline = replace(remote, mirrors=(dead_url(),))
    assert fetch_dataset(offline, data_home=tmp_path, progress=False) == first
    assert len(server.hits) == 4


def test_a_corrupt_cached_file_is_fetched_again(server: Server, tmp_path: Path) -> None:
    remote = server.remote()
    folder = fetch_dataset(remote, data_home=tmp_path, progress=False)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    fetch_dataset(remote, data_home=tmp_path, progress=False)
    assert server.hits[4:] == ["/mnist/t10k-labels-idx1-ubyte.gz"]
    served = (server.root / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    assert (folder / "t10k-labels-idx1-ubyte.gz").read_bytes() == served
    assert contents(folder) == sorted(GZ_FILES)


def test_first_mirror_that_answers_wins(server: Server, tmp_path: Path) -> None:
    dead, missing, good = dead_url(), f"{server.url}missing/", f"{server.url}mnist/"
    remote = replace(server.remote(), mirrors=(dead, missing, good))
    folder = fetch_dataset(remote, data_home=tmp_path, progress=False)
    assert contents(folder) == sorted(GZ_FILES)
    # per file: the dead port (no request reaches the server), a 404, then the good mirror
    expected = [path for f in GZ_FILES for path in (f"/missing/{f}", f"/mnist/{f}")]
    assert server.hits == expected


def test_progress_bar(server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fetch_dataset(server.remote(), data_home=tmp_path, progress=True)
    assert "100%" in capsys.readouterr().err


# --- failures: one line, nothing half-written ----------------------------------------------


def test_wrong_checksum_fails_in_one_line_and_leaves_no_file(
    server: Server, tmp_path: Path
) -> None:
    remote = server.remote()
    wrong = "md5:" + hashlib.md5(b"other bytes").hexdigest()
    remote = replace(remote, files={**remote.files, "train-images-idx3-ubyte.gz": wrong})
    with pytest.raises(DownloadError) as info:
        fetch_dataset(remote, data_home=tmp_path, progress=False)
    url = f"{server.url}mnist/train-images-idx3-ubyte.gz"
    assert str(info.value) == (
        f"cannot download MNIST file train-images-idx3-ubyte.gz: tried {url} (checksum "
        f"mismatch, expected {wrong}); {TAIL} 'mnist:/path/to/files'"
    )
    assert server.hits == ["/mnist/train-images-idx3-ubyte.gz"]
    assert contents(tmp_path / "mnist") == []  # no file, no temporary file


def test_dead_server_fails_in_one_line_naming_the_url(tmp_path: Path) -> None:
    base = dead_url()
    remote = RemoteFiles(
        "fashion-mnist",
        mirrors=(base,),
        files=dict.fromkeys(GZ_FILES, "md5:" + "0" * 32),
        label="Fashion-MNIST",
    )
    with pytest.raises(DownloadError) as info:
        fetch_dataset(remote, data_home=tmp_path, progress=False, timeout=5)
    assert str(info.value) == (
        f"cannot download Fashion-MNIST file train-images-idx3-ubyte.gz: tried "
        f"{base}train-images-idx3-ubyte.gz (cannot connect); {TAIL} "
        "'fashion-mnist:/path/to/files'"
    )
    assert contents(tmp_path / "fashion-mnist") == []


def test_http_error_and_broken_transfer_leave_no_file(server: Server, tmp_path: Path) -> None:
    remote = replace(server.remote(), mirrors=(f"{server.url}missing/", f"{server.url}broken/"))
    with pytest.raises(DownloadError) as info:
        fetch_dataset(remote, data_home=tmp_path, progress=False)
    message = str(info.value)
    assert "\n" not in message
    assert f"tried {server.url}missing/train-images-idx3-ubyte.gz (HTTP 404), " in message
    assert f"{server.url}broken/train-images-idx3-ubyte.gz (transfer broken off);" in message
    assert server.hits == [
        "/missing/train-images-idx3-ubyte.gz",
        "/broken/train-images-idx3-ubyte.gz",
    ]
    assert contents(tmp_path / "mnist") == []


def test_pinned_mirrors_offline_name_them_and_the_local_alternative(
    tmp_path: Path, loopback_only: list[str]
) -> None:
    with pytest.raises(DownloadError) as info:
        load_dataset("mnist", data_home=tmp_path, progress=False)
    assert str(info.value) == (
        "cannot download MNIST file train-images-idx3-ubyte.gz: tried "
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz (cannot "
        "connect), http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz (cannot connect); "
        f"{TAIL} 'mnist:/path/to/files'"
    )
    with pytest.raises(
        DownloadError, match=r"Fashion-MNIST file .* 'fashion-mnist:/path/to/files'$"
    ):
        load_dataset("fashion-mnist", data_home=tmp_path, progress=False)
    assert {"ossci-datasets.s3.amazonaws.com", "yann.lecun.com"} <= set(loopback_only)
    assert "fashion-mnist.s3-website.eu-central-1.amazonaws.com" in loopback_only
    assert contents(tmp_path / "mnist") == [] and contents(tmp_path / "fashion-mnist") == []


def test_mirrors_keyword_replaces_the_pinned_urls(tmp_path: Path) -> None:
    base = dead_url()
    with pytest.raises(DownloadError) as info:
        load_dataset("mnist", mirrors=[base.rstrip("/")], data_home=tmp_path, progress=False)
    assert f"tried {base}train-images-idx3-ubyte.gz (cannot connect);" in str(info.value)
    assert "amazonaws" not in str(info.value)


def test_unwritable_cache_fails_in_one_line(server: Server, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(DownloadError) as info:
        fetch_dataset(server.remote(), data_home=not_a_folder, progress=False)
    assert str(info.value).startswith(
        f"cannot write MNIST file train-images-idx3-ubyte.gz to {not_a_folder}/mnist ("
    )
    assert str(info.value).endswith(
        "); choose a writable folder with data_home= or $QISKIT_PATCHQNN_DATA"
    )
    assert "\n" not in str(info.value) and server.hits == []


# --- where the cache is --------------------------------------------------------------------


def test_cache_folder_precedence(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    if sys.platform.startswith("linux"):
        assert resolve_data_home() == xdg / "qiskit-patchqnn"
    monkeypatch.setenv("QISKIT_PATCHQNN_DATA", "  ")  # blank counts as unset
    if sys.platform.startswith("linux"):
        assert resolve_data_home() == xdg / "qiskit-patchqnn"

    monkeypatch.setenv("QISKIT_PATCHQNN_DATA", str(tmp_path / "env"))
    remote = server.remote()
    assert fetch_dataset(remote, progress=False) == tmp_path / "env" / "mnist"
    assert contents(tmp_path / "env" / "mnist") == sorted(GZ_FILES)
    # the keyword beats the environment
    assert (
        fetch_dataset(remote, data_home=tmp_path / "kw", progress=False)
        == tmp_path / "kw" / "mnist"
    )
    assert contents(tmp_path / "kw" / "mnist") == sorted(GZ_FILES)
    assert len(server.hits) == 8
    # relative values are taken against the working directory
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QISKIT_PATCHQNN_DATA", "rel")
    assert resolve_data_home() == tmp_path / "rel"
    assert resolve_data_home("other") == tmp_path / "other"
    assert not xdg.exists()  # nothing was written to the default cache


def test_resolve_data_home_bad_input() -> None:
    with pytest.raises(ValueError, match="data_home must name a folder, got ''"):
        resolve_data_home("")
    with pytest.raises(TypeError, match="data_home must be a path or None, got 3"):
        resolve_data_home(3)  # type: ignore[arg-type]


# --- load_dataset: mnist and fashion-mnist -------------------------------------------------


def test_load_dataset_fetches_each_set_once_into_its_own_folder(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remotes = {
        "mnist": server.remote("mnist", "mnist", "MNIST"),
        "fashion-mnist": server.remote("fashion", "fashion-mnist", "Fashion-MNIST"),
    }
    monkeypatch.setattr(fetch_module, "_REMOTES", remotes)
    monkeypatch.setenv("QISKIT_PATCHQNN_DATA", str(tmp_path / "cache"))

    mnist = load_dataset("mnist", pool=False, progress=False)
    fashion = load_dataset("Fashion-MNIST", pool=False, progress=False)
    assert (mnist.name, mnist.source, mnist.num_train) == ("mnist", "mnist", 300)
    assert (fashion.name, fashion.source, fashion.num_train) == (
        "fashion-mnist",
        "fashion-mnist",
        200,
    )
    np.testing.assert_array_equal(
        mnist.x_train, server.raw["mnist"]["x_train"].reshape(300, 784) / 255
    )
    np.testing.assert_array_equal(
        fashion.x_test, server.raw["fashion"]["x_test"].reshape(100, 784) / 255
    )
    assert fashion.notes.startswith(
        f"Fashion-MNIST from IDX files in {tmp_path / 'cache' / 'fashion-mnist'}"
    )
    assert sorted(server.hits) == sorted(
        [f"/mnist/{f}" for f in GZ_FILES] + [f"/fashion/{f}" for f in GZ_FILES]
    )
    assert contents(tmp_path / "cache") == ["fashion-mnist", "mnist"]

    # pooled and subsampled: bitwise what the same files give when loaded locally
    fetched = load_dataset("mnist", num_train=50, num_test=20, seed=7, progress=False)
    local = load_mnist(server.root / "mnist", num_train=50, num_test=20, seed=7)
    assert fetched.image_shape == (14, 14)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        assert getattr(fetched, key).tobytes() == getattr(local, key).tobytes()
    assert len(server.hits) == 8  # the third and fourth loads used the cache


# --- RemoteFiles and the pinned sets -------------------------------------------------------


def test_pinned_checksums_and_mirrors() -> None:
    # the MD5s published with the data sets (torchvision's mnist.py; Fashion-MNIST's README)
    assert remote_files("mnist").files == {
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    }
    assert remote_files("fashion-mnist").files == {
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    }
    assert list(remote_files("mnist").files) == GZ_FILES  # fetched in this order
    assert remote_files("mnist").mirrors == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert remote_files("fashion-mnist").mirrors[0] == (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    )
    with pytest.raises(ValueError, match="name must be one of mnist, fashion-mnist, got 'kmnist'"):
        remote_files("kmnist")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "a/b"}, ValueError, "name must be a plain folder name"),
        ({"mirrors": ()}, ValueError, "mirrors must name at least one base URL"),
        ({"mirrors": "http://x/"}, TypeError, "mirrors must be a sequence of URLs"),
        (
            {"mirrors": ("ftp://x/",)},
            ValueError,
            "mirrors must be http:// or https:// URLs, got 'ftp://x/'",
        ),
        ({"files": {}}, ValueError, "files must map file names to checksums"),
        ({"files": {"../a": "md5:" + "0" * 32}}, ValueError, "'../a' is not a plain file name"),
        ({"files": {"a": "md5:" + "A" * 32}}, ValueError, r"checksum must be 'md5:<32 hex>'"),
        ({"files": {"a": "sha1:" + "0" * 40}}, ValueError, r"files\['a'\]: checksum must be"),
    ],
)
def test_remote_files_validation(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    fields: dict[str, Any] = {
        "name": "toy",
        "mirrors": ("https://x/",),
        "files": {"a": "md5:" + "0" * 32},
    }
    with pytest.raises(error, match=match):
        RemoteFiles(**{**fields, **kwargs})


def test_remote_files_urls_and_defaults() -> None:
    remote = RemoteFiles(
        "toy", mirrors=("https://a/x", "http://b/y/"), files={"f.gz": "sha256:" + "0" * 64}
    )
    assert remote.mirrors == ("https://a/x/", "http://b/y/")
    assert remote.urls("f.gz") == ("https://a/x/f.gz", "http://b/y/f.gz")
    assert remote.label == "toy"
    with pytest.raises(ValueError, match="file 'g.gz' is not one of f.gz"):
        remote.urls("g.gz")


def test_fetch_dataset_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name must be one of mnist, fashion-mnist, got 'cifar'"):
        fetch_dataset("cifar", data_home=tmp_path)
    with pytest.raises(TypeError, match="mirrors must be a sequence of URLs, got the string"):
        fetch_dataset("mnist", mirrors="http://x/", data_home=tmp_path)
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds, got 0"):
        fetch_dataset("mnist", timeout=0, data_home=tmp_path)
    assert not any(tmp_path.iterdir())
