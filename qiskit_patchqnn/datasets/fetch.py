# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Fetch the official MNIST and Fashion-MNIST files once, verify them, and keep them cached.

Downloads go through `pooch <https://www.fatiando.org/pooch/>`_: each file is streamed to a
temporary file in the cache folder and moved to its final name only after its checksum matched,
so the cache never holds a half-written or unverified file. A file already in the cache with
the right checksum is used without any network access. Mirrors are tried in order; the first
that delivers a file with the right checksum wins.

The cache folder is, in order of precedence: the ``data_home`` argument, the environment
variable ``QISKIT_PATCHQNN_DATA``, and the user's cache directory
(``pooch.os_cache("qiskit-patchqnn")``, e.g. ``~/.cache/qiskit-patchqnn`` on Linux). Each data
set lives in its own sub-folder (``mnist/``, ``fashion-mnist/``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .files import absolute_path

DATA_HOME_ENV = "QISKIT_PATCHQNN_DATA"
"""Environment variable that overrides the default cache folder."""

_HASH = re.compile(r"^(md5:[0-9a-f]{32}|sha256:[0-9a-f]{64})$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class DownloadError(OSError):
    """A data file could not be fetched, or the cache folder cannot be written.

    Raised when no mirror delivers a file with the pinned checksum (offline, HTTP error,
    checksum mismatch); the message is one line naming the URLs tried and the local-files
    alternative. A subclass of :class:`OSError`.
    """


@dataclass(frozen=True)
class RemoteFiles:
    """Files to fetch once: their names, the checksum each must have, and where they are mirrored.

    Args:
        name: the data set's name; also the cache sub-folder and the prefix of the local-files
            spec in error messages (``"<name>:/path/to/files"``).
        mirrors: base URLs (``http://`` or ``https://``), tried in order; a trailing ``/`` is
            added when missing.
        files: file name → checksum, ``"md5:<32 hex digits>"`` or ``"sha256:<64 hex digits>"``.
        label: the name shown in messages (default: ``name``).

    Example:
        >>> remote = RemoteFiles(
        ...     "toy", mirrors=("https://example.org/toy",),
        ...     files={"a.gz": "md5:5d41402abc4b2a76b9719d911017c592"},
        ... )
        >>> remote.urls("a.gz")
        ('https://example.org/toy/a.gz',)
    """

    name: str
    mirrors: tuple[str, ...]
    files: Mapping[str, str]
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _FILE_NAME.match(self.name):
            raise ValueError(
                f"name must be a plain folder name (letters, digits, '.', '_', '-'), "
                f"got {self.name!r}"
            )
        if isinstance(self.mirrors, str) or not isinstance(self.mirrors, Iterable):
            raise TypeError(f"mirrors must be a sequence of URLs, got {self.mirrors!r}")
        mirrors = tuple(self.mirrors)
        if not mirrors:
            raise ValueError("mirrors must name at least one base URL, got none")
        for url in mirrors:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError(f"mirrors must be http:// or https:// URLs, got {url!r}")
        if not isinstance(self.files, Mapping) or not self.files:
            raise ValueError(f"files must map file names to checksums, got {self.files!r}")
        for file, checksum in self.files.items():
            if not isinstance(file, str) or not _FILE_NAME.match(file):
                raise ValueError(f"files: {file!r} is not a plain file name")
            if not isinstance(checksum, str) or not _HASH.match(checksum):
                raise ValueError(
                    f"files[{file!r}]: checksum must be 'md5:<32 hex>' or 'sha256:<64 hex>' "
                    f"(lower case), got {checksum!r}"
                )
        object.__setattr__(
            self, "mirrors", tuple(u if u.endswith("/") else u + "/" for u in mirrors)
        )
        object.__setattr__(self, "files", dict(self.files))
        object.__setattr__(self, "label", self.label or self.name)

    def urls(self, file: str) -> tuple[str, ...]:
        """The URLs of ``file``, one per mirror, in the order they are tried.

        Example:
            >>> [u.split("/")[2] for u in remote_files("mnist").urls("t10k-labels-idx1-ubyte.gz")]
            ['ossci-datasets.s3.amazonaws.com', 'yann.lecun.com']
        """
        if file not in self.files:
            raise ValueError(f"file {file!r} is not one of {', '.join(self.files)}")
        return tuple(mirror + file for mirror in self.mirrors)


# The checksums are the MD5s published with the data sets: for MNIST those that torchvision pins
# in torchvision/datasets/mnist.py (class MNIST, `resources`); for Fashion-MNIST the table in
# zalandoresearch/fashion-mnist's README ("Get the Data"), also pinned by torchvision (class
# FashionMNIST). The mirrors are torchvision's (MNIST: its S3 copy first, then Yann LeCun's page;
# Fashion-MNIST: Zalando's S3 website), plus the data folder of Zalando's own repository.
_MNIST = RemoteFiles(
    name="mnist",
    label="MNIST",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    files={
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    },
)
_FASHION_MNIST = RemoteFiles(
    name="fashion-mnist",
    label="Fashion-MNIST",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    files={
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
)
_REMOTES = {remote.name: remote for remote in (_MNIST, _FASHION_MNIST)}


def remote_files(name: str) -> RemoteFiles:
    """The pinned files, checksums and mirrors of ``"mnist"`` or ``"fashion-mnist"``.

    Args:
        name: ``"mnist"`` or ``"fashion-mnist"``.

    Returns:
        Their :class:`RemoteFiles`.

    Raises:
        ValueError: for any other name.

    Example:
        >>> remote = remote_files("fashion-mnist")
        >>> remote.label, remote.files["t10k-labels-idx1-ubyte.gz"]
        ('Fashion-MNIST', 'md5:bb300cfdad3c16e7a12a480ee83cd310')
    """
    if not isinstance(name, str) or name not in _REMOTES:
        raise ValueError(f"name must be one of {', '.join(_REMOTES)}, got {name!r}")
    return _REMOTES[name]


def resolve_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``data_home`` if given, else ``$QISKIT_PATCHQNN_DATA``, else the user's.

    The user's cache folder is ``pooch.os_cache("qiskit-patchqnn")`` (``~/.cache/qiskit-patchqnn``
    on Linux, or under ``$XDG_CACHE_HOME``). An empty environment variable counts as unset. The
    result is absolute (``~`` expanded, relative paths taken against the working directory);
    the folder is not created here.

    Args:
        data_home: an explicit folder, or ``None``.

    Returns:
        The absolute cache folder.

    Raises:
        TypeError: if ``data_home`` is neither ``None``, a ``str`` nor a path.
        ValueError: if ``data_home`` is an empty string.

    Example:
        >>> str(resolve_data_home("/tmp/patchqnn-data"))
        '/tmp/patchqnn-data'
    """
    if data_home is None:
        env = os.environ.get(DATA_HOME_ENV, "").strip()
        if env:
            return absolute_path(env)
        import pooch

        return absolute_path(pooch.os_cache("qiskit-patchqnn"))
    if not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(f"data_home must be a path or None, got {data_home!r}")
    if not os.fspath(data_home).strip():
        raise ValueError(f"data_home must name a folder, got {data_home!r}")
    return absolute_path(data_home)


def fetch_dataset(
    name_or_remote: str | RemoteFiles,
    *,
    mirrors: Iterable[str] | None = None,
    data_home: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Fetch a data set's files into the cache once, verify them, and return their folder.

    Each file already in ``<cache>/<name>/`` with the pinned checksum is used as it is, without
    network access. A missing file (or one with a wrong checksum) is downloaded from the first
    mirror that delivers it with the right checksum; pooch writes it to a temporary file in the
    same folder and renames it only once verified, so the folder never holds a partial file.

    Args:
        name_or_remote: ``"mnist"``, ``"fashion-mnist"``, or a :class:`RemoteFiles`.
        mirrors: base URLs to try instead of the pinned ones (the checksums stay pinned), e.g.
            an institutional copy of the official files.
        data_home: cache folder (see :func:`resolve_data_home` for the default).
        timeout: seconds to wait for a mirror to answer.
        progress: show a progress bar per download (on stderr).

    Returns:
        The absolute folder holding the verified files.

    Raises:
        DownloadError: if a file cannot be had from any mirror (offline, HTTP error, checksum
            mismatch) or the cache folder cannot be written; one line naming the URLs tried
            and the ``"<name>:/path/to/files"`` alternative.
        ValueError: for an unknown name or bad mirrors.

    Example:
        >>> import hashlib, pathlib, tempfile
        >>> home = pathlib.Path(tempfile.mkdtemp())
        >>> (home / "toy").mkdir()
        >>> _ = (home / "toy" / "a.gz").write_bytes(b"hello")
        >>> remote = RemoteFiles(
        ...     "toy", mirrors=("https://example.org/toy/",),
        ...     files={"a.gz": "md5:" + hashlib.md5(b"hello").hexdigest()},
        ... )
        >>> fetch_dataset(remote, data_home=home) == home / "toy"  # cached: no download
        True
        >>> import shutil; shutil.rmtree(home)
    """
    remote = (
        name_or_remote if isinstance(name_or_remote, RemoteFiles) else remote_files(name_or_remote)
    )
    if mirrors is not None:
        if isinstance(mirrors, str):
            raise TypeError(f"mirrors must be a sequence of URLs, got the string {mirrors!r}")
        remote = replace(remote, mirrors=tuple(mirrors))
    if isinstance(timeout, bool) or not float(timeout) > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    folder = resolve_data_home(data_home) / remote.name
    for file, checksum in remote.files.items():
        _fetch_file(remote, file, checksum, folder, float(timeout), bool(progress))
    return folder


def _fetch_file(
    remote: RemoteFiles, file: str, checksum: str, folder: Path, timeout: float, progress: bool
) -> None:
    import pooch
    import requests

    tried = []
    for url in remote.urls(file):
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout, chunk_size=1 << 16)
        try:
            pooch.retrieve(url, known_hash=checksum, fname=file, path=folder, downloader=downloader)
            return
        except requests.exceptions.RequestException as exc:  # an OSError: catch it first
            tried.append(f"{url} ({_reason(exc, timeout)})")
        except ValueError:  # pooch's checksum mismatch; the temporary file is already gone
            tried.append(f"{url} (checksum mismatch, expected {checksum})")
        except OSError as exc:
            raise DownloadError(
                f"cannot write {remote.label} file {file} to {folder} "
                f"({exc.strerror or type(exc).__name__}); choose a writable folder with "
                f"data_home= or ${DATA_HOME_ENV}"
            ) from None
    raise DownloadError(
        f"cannot download {remote.label} file {file}: tried {', '.join(tried)}; without "
        f"network, put the files in a folder yourself and load it with "
        f"'{remote.name}:/path/to/files'"
    )


def _reason(exc: Exception, timeout: float) -> str:
    import requests

    if isinstance(exc, requests.exceptions.HTTPError):
        status = getattr(exc.response, "status_code", None)
        return f"HTTP {status}" if status is not None else "HTTP error"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer in {timeout:g} s"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "transfer broken off"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect"
    return type(exc).__name__
