# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Fixtures of the dataset tests: synthetic MNIST files, no network but loopback, a private cache.

Every test here runs with name resolution and connections refused for anything but
``127.0.0.1``/``localhost`` (so a test that reached for the real mirrors fails instead of
downloading), with proxies bypassed for loopback, and with ``$XDG_CACHE_HOME`` in a temporary
folder and ``$QISKIT_PATCHQNN_DATA`` unset (so nothing lands in the user's cache).
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mnist_idx import raw_mnist, write_idx_dir

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class NetworkRefused(OSError):
    """What the guard raises instead of reaching a non-loopback host."""


@pytest.fixture(autouse=True)
def loopback_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> list[str]:
    """Refuse every host but loopback; returns the refused hosts (a test may assert on it)."""
    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            refused.append(name)
            raise NetworkRefused(errno.ENETUNREACH, f"network disabled in tests ({name})")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            refused.append(str(address[0]))
            raise NetworkRefused(errno.ENETUNREACH, f"network disabled in tests ({address[0]})")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("QISKIT_PATCHQNN_DATA", raising=False)
    return refused


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
