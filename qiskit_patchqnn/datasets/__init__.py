# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Image classification data: the embedded digits, and MNIST / Fashion-MNIST fetched or local.

Every loader returns a :class:`Dataset` whose images are flattened row-major to ``float64``
vectors in ``[0, 1]`` and whose labels are ``int64``. Mapping pixels to rotation angles is not
done here.

* ``"digits"`` (:func:`load_digits`): scikit-learn's 8×8 digits, shipped with scikit-learn; the
  default, never downloaded.
* ``"mnist"``, ``"fashion-mnist"``: the official IDX files, fetched once with pooch (checksums
  pinned, :func:`fetch_dataset`) into the user's cache folder, ``$QISKIT_PATCHQNN_DATA``, or
  ``data_home=`` (:func:`resolve_data_home`); offline they fail with one line.
* ``"mnist:<path>"``, ``"fashion-mnist:<path>"`` (:func:`load_mnist`): IDX files or a ``.npz``
  the caller already has; never downloaded.

:func:`load_dataset` takes any of these spec strings and :func:`canonical_spec` gives the form
to store (local paths made absolute). The modules, one concept each: :mod:`.dataset` (the
container, subsampling, pooling), :mod:`.digits`, :mod:`.files` (IDX and ``.npz`` readers),
:mod:`.fetch` (downloads and the cache), :mod:`.spec` (spec strings).
"""

from .dataset import Dataset, avg_pool_2x2
from .digits import load_digits
from .fetch import DownloadError, RemoteFiles, fetch_dataset, remote_files, resolve_data_home
from .files import load_mnist
from .spec import canonical_spec, load_dataset

__all__ = [
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
