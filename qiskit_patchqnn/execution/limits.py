# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""How large a job may be, and whether an estimator submits to a real QPU."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.primitives import BaseEstimatorV2

from .primitives import runtime_primitive

__all__ = [
    "IBM_LIMITS",
    "JobLimits",
    "LOCAL_LIMITS",
    "executions_per_binding",
    "is_hardware",
    "job_limits",
    "runtime_backend",
]


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
"""Limits used for Qiskit Runtime estimators (hardware and local testing mode).

The client-side Estimator submits ``Executor`` jobs, which IBM's job validation caps at 10
million executions; the legacy ``EstimatorV2`` is held to the same cap (the service may split
its jobs, but one limit for both keeps job boundaries, and journal keys, the same)."""

LOCAL_LIMITS = JobLimits(max_pubs=None, max_bindings=128, max_executions=10_000_000)
"""Limits used for Qiskit Runtime estimators in local testing mode (fake devices, Aer).

The local simulation holds every bound circuit of a job (one per binding, measurement basis and
twirling randomisation) in memory at once: measured on ``fake_manila`` with the client-side
Estimator's default options and 485 shots, about 7 MB per binding, so a 10-million-execution
job of 10,304 bindings needed more than 24 GB. Local jobs are therefore cut at 128 bindings
(about 1 GB); hardware jobs keep :data:`IBM_LIMITS`."""


def runtime_backend(estimator: Any) -> Any | None:
    """The backend of a qiskit-ibm-runtime estimator (either primitive), ``None`` otherwise.

    Example:
        >>> from qiskit_patchqnn.execution import resolve
        >>> runtime_backend(resolve("fake:manila")[0]).name
        'fake_manila'
    """
    if runtime_primitive(estimator) is None:
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
    if backend is None or _local_mode(estimator, backend):
        return False
    return not bool(getattr(getattr(backend, "configuration", lambda: None)(), "simulator", False))


def _local_mode(estimator: Any, backend: Any) -> bool:
    """Local testing mode: a fake device or an Aer simulator behind a runtime estimator."""
    if getattr(getattr(estimator, "_service", None), "is_local", False):
        return True
    return type(backend).__module__.startswith(("qiskit_ibm_runtime.fake_provider", "qiskit_aer"))


def job_limits(estimator: BaseEstimatorV2) -> JobLimits:
    """Default :class:`JobLimits` for ``estimator``: IBM's, local testing mode's, or none.

    :data:`IBM_LIMITS` for Qiskit Runtime estimators on hardware, :data:`LOCAL_LIMITS` for
    them in local testing mode, no limit for any other estimator.

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> job_limits(BatchedEstimator())
        JobLimits(max_pubs=None, max_bindings=None, max_executions=None)
    """
    backend = runtime_backend(estimator)
    if backend is not None and _local_mode(estimator, backend):
        return LOCAL_LIMITS
    if runtime_primitive(estimator) is not None:
        return IBM_LIMITS
    return JobLimits()


def executions_per_binding(estimator: BaseEstimatorV2, shots: int, num_bases: int = 1) -> int:
    """Circuit executions one parameter binding costs at ``shots`` shots per circuit.

    For the client-side Estimator this follows its options as it will run them: with twirling
    on, ``shots`` become ``num_randomizations * shots_per_randomization`` (rounded up), and
    ZNE runs every circuit once per noise factor (PEC's extra randomizations, which depend on
    the noise model, are not counted). For every other estimator it is ``num_bases * shots``.

    Example:
        >>> from qiskit_patchqnn.execution import resolve
        >>> est, _ = resolve("fake:manila", options={"resilience_level": 0})
        >>> executions_per_binding(est, 1000, num_bases=2)
        2000
        >>> est, _ = resolve("fake:manila", options={"resilience_level": 1})
        >>> executions_per_binding(est, 1000, num_bases=2)  # 16 randomizations x 64 shots
        2048
    """
    per_circuit = int(shots)
    if runtime_primitive(estimator) == "executor":
        per_circuit = _executor_shots(estimator, per_circuit)
    return int(num_bases) * per_circuit


def _executor_shots(estimator: Any, shots: int) -> int:
    """Executions per circuit of the client-side Estimator (twirling rounding, ZNE factors)."""
    try:
        options = estimator.finalize_options()
        twirling, resilience = options.twirling, options.resilience
    except Exception:  # noqa: BLE001 - an estimator we cannot read: the requested shots
        return shots
    if resilience.pec_mitigation:
        per_rand = twirling.shots_per_randomization
        per_rand = 64 if per_rand == "auto" else int(per_rand)
        num = twirling.num_randomizations
        num = math.ceil(shots / per_rand) if num == "auto" else int(num)
        total = num * per_rand
    elif twirling.enable_gates or twirling.enable_measure:
        total = _twirled(shots, twirling.num_randomizations, twirling.shots_per_randomization)
    else:
        total = shots
    if resilience.zne_mitigation:  # every circuit runs once per noise factor
        factors = resilience.zne.noise_factors
        if factors == "auto":
            from qiskit_ibm_runtime.options_models import zne

            factors = getattr(zne, "DEFAULT_NOISE_FACTORS", (1, 3, 5))
        total *= len(factors)
    return total


def _twirled(shots: int, num: int | str, per_rand: int | str) -> int:
    """Shots run when ``shots`` are spread over twirling randomizations (``"auto"`` rules)."""
    if num == "auto" and per_rand == "auto":
        per_rand = max(64, math.ceil(shots / 32))
        num = math.ceil(shots / per_rand)
    elif num == "auto":
        num = math.ceil(shots / int(per_rand))
    elif per_rand == "auto":
        per_rand = math.ceil(shots / int(num))
    return int(num) * int(per_rand)
