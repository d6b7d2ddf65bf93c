# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""qiskit-patchqnn: patch-distributed quantum neural networks on Qiskit.

Exact parameter-shift loss Hessians, loss landscapes and reproducible sweeps for models that cut
an image into overlapping patches, give each patch its own small circuit, and average the
circuits' expectation values into class scores (Kawase, arXiv:2504.19239).
"""

from importlib.metadata import PackageNotFoundError, version

from .circuits import PatchCircuit, num_patch_weights, patch_circuit, readout_observables
from .datasets import Dataset, load_digits, load_mnist
from .layout import PatchLayout
from .losses import SoftmaxCrossEntropyLoss
from .qnn import PatchQNN
from .simulator import BatchedEstimator
from .training import TrainConfig, TrainResult, load_run, train

try:
    __version__ = version("qiskit-patchqnn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BatchedEstimator",
    "Dataset",
    "PatchCircuit",
    "PatchLayout",
    "PatchQNN",
    "SoftmaxCrossEntropyLoss",
    "TrainConfig",
    "TrainResult",
    "load_digits",
    "load_mnist",
    "load_run",
    "num_patch_weights",
    "patch_circuit",
    "readout_observables",
    "train",
    "__version__",
]
