# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""How large a job may be, and whether an estimator submits to a real QPU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.primitives import BaseEstimatorV2

__all__ = ["IBM_LIMITS", "JobLimits", "is_hardware", "job_limits", "runtime_backend"]


@dataclass(frozen=True)
class JobLimits:
    """Largest job :func:`execute` submits; ``None`` means unlimited.

    Attributes:
        max_pubs: PUBs per job.
        max_bindings: parameter bindings (rows over all PUBs) per job.
        max_executions: bindings × measurement bases × shots per job (IBM's job validation
            rejects jobs above 10 million executions).
    """

    max_pubs: int | None = None
    max_bindings: int | None = None
    max_executions: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_pubs", "max_bindings", "max_executions"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")


IBM_LIMITS = JobLimits(max_pubs=None, max_bindings=None, max_executions=10_000_000)
"""Limits used for Qiskit Runtime estimators (hardware and local testing mode)."""


def runtime_backend(estimator: Any) -> Any | None:
    """The backend of a qiskit-ibm-runtime primitive, ``None`` for other estimators."""
    if not type(estimator).__module__.startswith("qiskit_ibm_runtime"):
        return None
    return getattr(estimator, "_backend", None)


def is_hardware(estimator: BaseEstimatorV2) -> bool:
    """Whether ``estimator`` submits to a real IBM QPU (not a simulator, fake or local mode).

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> is_hardware(BatchedEstimator())
        False
    """
    backend = runtime_backend(estimator)
    if backend is None or not type(estimator).__module__.startswith("qiskit_ibm_runtime"):
        return False
    if type(backend).__module__.startswith("qiskit_ibm_runtime.fake_provider"):
        return False
    return not bool(getattr(getattr(backend, "configuration", lambda: None)(), "simulator", False))


def job_limits(estimator: BaseEstimatorV2) -> JobLimits:
    """Default :class:`JobLimits` for ``estimator``: IBM's for Qiskit Runtime, none otherwise.

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> job_limits(BatchedEstimator())
        JobLimits(max_pubs=None, max_bindings=None, max_executions=None)
    """
    if type(estimator).__module__.startswith("qiskit_ibm_runtime"):
        return IBM_LIMITS
    return JobLimits()
