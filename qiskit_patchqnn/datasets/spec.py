# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Dataset spec strings: ``"digits"``, ``"mnist"``, ``"fashion-mnist"``, ``"mnist:<path>"``, ...

:func:`canonical_spec` puts a spec in the one form that names the same images wherever it is
read again (local paths made absolute); :func:`load_dataset` loads any spec.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import Dataset
from .digits import load_digits
from .fetch import fetch_dataset
from .files import MNIST_NAMES, absolute_path, load_mnist, load_mnist_files

_FORMS = (
    "'digits', 'mnist' or 'fashion-mnist' (fetched once), 'mnist:<path>', "
    "'fashion-mnist:<path>', or a path to a directory of MNIST IDX files or a .npz file"
)


def canonical_spec(spec: str | os.PathLike[str]) -> str:
    """The canonical form of a dataset spec: the same images, named the same way everywhere.

    * ``"digits"``, ``"mnist"``, ``"fashion-mnist"`` (any case, surrounding blanks ignored) stay
      as they are, in lower case: the first ships with scikit-learn, the other two are the
      official files fetched once with pinned checksums, so the name alone fixes the images.
    * ``"mnist:<path>"``, ``"fashion-mnist:<path>"`` and bare paths (a ``Path``, an existing
      file or folder, a string containing a path separator or ending in ``.npz``) become
      ``"mnist:/abs/path"`` or ``"fashion-mnist:/abs/path"``: ``~`` expanded, a relative path
      taken against the working directory now, symbolic links kept. A bare path is MNIST.

    Store this form (experiment configs, run records) rather than the spec as typed, so that a
    relative path still names the same files from another working directory.
    :attr:`Dataset.source` of a loaded dataset holds the same string.

    Args:
        spec: a dataset spec, as accepted by :func:`load_dataset`.

    Returns:
        The canonical spec string.

    Raises:
        ValueError: for an unknown name or a prefix without a path.
        TypeError: if ``spec`` is neither a ``str`` nor a path.

    Example:
        >>> import os
        >>> canonical_spec(" MNIST "), canonical_spec("digits")
        ('mnist', 'digits')
        >>> canonical_spec("fashion-mnist:data/fmnist") == (
        ...     "fashion-mnist:" + os.path.join(os.getcwd(), "data", "fmnist"))
        True
    """
    kind, path = _parse(spec)
    return kind if path is None else f"{kind}:{path}"


def load_dataset(name_or_path: str | os.PathLike[str], **kwargs: Any) -> Dataset:
    """Load a dataset from its spec.

    Accepted forms (see :func:`canonical_spec`):

    * ``"digits"``: :func:`load_digits` (the embedded default; keywords ``test_size``,
      ``seed``);
    * ``"mnist"``, ``"fashion-mnist"``: the official IDX files, fetched once into the cache
      with :func:`fetch_dataset` (keywords ``data_home``, ``mirrors``, ``timeout``,
      ``progress``) and read like local files (keywords ``pool``, ``num_train``, ``num_test``,
      ``seed``, as for :func:`load_mnist`);
    * ``"mnist:<path>"``, ``"fashion-mnist:<path>"``, or a bare path (MNIST): :func:`load_mnist`
      on local files, never downloading.

    A folder that happens to be called ``mnist`` is not read by the bare name ``"mnist"``
    (which always fetches): write ``"mnist:mnist"`` or ``"./mnist"``.

    Args:
        name_or_path: one of the forms above.
        **kwargs: passed on to the loader (and to the fetcher for the fetched names).

    Returns:
        The loaded :class:`Dataset`; its ``source`` is ``canonical_spec(name_or_path)``.

    Raises:
        ValueError: for an unknown name.
        TypeError: for a keyword the loader does not take.
        FileNotFoundError: for a local path that does not exist.
        DownloadError: if a fetched name's files cannot be downloaded (one line naming the
            URLs tried and the ``"mnist:/path/to/files"`` alternative).

    Example:
        >>> ds = load_dataset("digits", seed=0)
        >>> ds.name, ds.source
        ('digits', 'digits')
    """
    kind, path = _parse(name_or_path)
    if kind == "digits":
        return load_digits(**kwargs)
    if path is not None:
        return load_mnist(path, name=kind, **kwargs)
    fetch_keys = ("data_home", "mirrors", "timeout", "progress")
    fetch_kwargs = {key: kwargs.pop(key) for key in fetch_keys if key in kwargs}
    folder = fetch_dataset(kind, **fetch_kwargs)
    return _load_fetched(folder, kind, **kwargs)


def _load_fetched(
    folder: Path,
    kind: str,
    *,
    pool: bool = True,
    num_train: int | None = None,
    num_test: int | None = None,
    seed: int | np.random.Generator = 0,
) -> Dataset:
    return load_mnist_files(
        folder,
        name=kind,
        source=kind,
        pool=pool,
        num_train=num_train,
        num_test=num_test,
        seed=seed,
    )


def _parse(spec: str | os.PathLike[str]) -> tuple[str, Path | None]:
    """``(kind, absolute path or None)`` of a spec; kind is ``digits`` or an MNIST name."""
    if isinstance(spec, os.PathLike):
        return "mnist", absolute_path(spec)
    if not isinstance(spec, str):
        raise TypeError(f"dataset must be a spec string or a path, got {spec!r}")
    key = spec.strip().lower()
    if key == "digits" or key in MNIST_NAMES:
        return key, None
    for name in sorted(MNIST_NAMES, key=len, reverse=True):
        prefix = f"{name}:"
        if spec[: len(prefix)].lower() == prefix:
            target = spec[len(prefix) :]
            if not target.strip():
                raise ValueError(f"dataset {spec!r} names no path; use '{name}:<path>'")
            return name, absolute_path(target)
    if _looks_like_path(spec):
        return "mnist", absolute_path(spec)
    raise ValueError(f"unknown dataset {spec!r}; valid forms: {_FORMS}")


def _looks_like_path(text: str) -> bool:
    separators: Iterable[str] = {os.sep} | ({os.altsep} if os.altsep else set())
    return os.path.exists(text) or any(s in text for s in separators) or text.endswith(".npz")
