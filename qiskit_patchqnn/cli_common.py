# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Pieces shared by the command-line subcommands."""

from __future__ import annotations

import argparse

from .datasets import Dataset, load_dataset
from .qnn import PatchQNN
from .training import TrainResult

__all__ = ["add_backend_arguments", "build_model", "load_run_data"]


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend``, ``--shots``, ``--yes`` and ``--no-progress``."""
    parser.add_argument(
        "--backend",
        default="exact",
        help="backend spec: exact (default), aer, aer:<fake device>, fake:<fake device>, "
        "ibm:<backend>",
    )
    parser.add_argument(
        "--shots", type=int, default=None, help="shots per expectation value (default: exact)"
    )
    parser.add_argument(
        "--yes", action="store_true", help="submit to IBM hardware without asking again"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def build_model(model_config: dict, args: argparse.Namespace) -> PatchQNN:
    """Rebuild a model from its config on the backend named by ``args``."""
    from .execution import resolve

    shots = getattr(args, "shots", None)
    if shots is not None and shots < 1:
        raise ValueError(f"--shots must be >= 1, got {shots}")
    from .execution import require_confirmation

    estimator, pass_manager = resolve(args.backend, shots=shots)
    qnn = PatchQNN.from_config(
        model_config,
        estimator=estimator,
        pass_manager=pass_manager,
        confirm=require_confirmation(bool(getattr(args, "yes", False)))
        if args.backend.startswith("ibm:")
        else None,
    )
    qnn.executor.spec = args.backend
    return qnn


def load_run_data(result: TrainResult) -> Dataset:
    """The data set a run was trained on, with the same split and subset."""
    info = result.info
    data = load_dataset(info.get("dataset", "digits"), **info.get("dataset_kwargs", {}))
    if info.get("subset"):
        data = data.subset(**info["subset"])
    return data
