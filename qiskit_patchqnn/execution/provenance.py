# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Where and how results were computed: backend, shots or precision, options, versions, job ids."""

from __future__ import annotations

import importlib.metadata
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from qiskit.primitives import BaseEstimatorV2

from .cost import shots_for_precision
from .execute import ExecutionLog
from .isa import device_of
from .primitives import runtime_primitive
from .secrets import SECRET_KEYS, scrub

__all__ = ["Provenance", "backend_name", "primitive_name", "provenance", "runtime_options"]

_PACKAGES = (
    "qiskit",
    "qiskit-aer",
    "qiskit-ibm-runtime",
    "qiskit-machine-learning",
    "qiskit-patchqnn",
)


def backend_name(estimator: BaseEstimatorV2) -> str:
    """A readable name of where ``estimator`` runs.

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> backend_name(BatchedEstimator())
        'patchqnn_exact'
    """
    if type(estimator).__name__ == "BatchedEstimator":
        return "patchqnn_exact"
    backend = device_of(estimator)
    name = getattr(backend, "name", None)
    name = name() if callable(name) else name
    return str(name) if name else type(estimator).__qualname__


def primitive_name(estimator: BaseEstimatorV2) -> str:
    """The estimator class that computed results, as ``module.Class``.

    Qiskit Runtime estimators are named by where they are public:
    ``qiskit_ibm_runtime.executor_estimator.Estimator`` (the client-side one) or
    ``qiskit_ibm_runtime.EstimatorV2`` (the deprecated legacy one).

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> primitive_name(BatchedEstimator())
        'qiskit_patchqnn.simulator.estimator.BatchedEstimator'
        >>> from qiskit_patchqnn.execution import resolve
        >>> primitive_name(resolve("fake:manila")[0])
        'qiskit_ibm_runtime.executor_estimator.Estimator'
    """
    kind = runtime_primitive(estimator)
    if kind == "executor":
        return "qiskit_ibm_runtime.executor_estimator.Estimator"
    if kind == "legacy" and type(estimator).__name__ == "EstimatorV2":
        return "qiskit_ibm_runtime.EstimatorV2"
    return f"{type(estimator).__module__}.{type(estimator).__qualname__}"


def _plain(value: Any) -> Any:
    """JSON-friendly copy of an options object, without unset values or secrets."""
    if isinstance(value, type):
        return scrub(repr(value))
    if callable(getattr(value, "model_dump", None)):  # pydantic options model
        value = value.model_dump(exclude_unset=True)
    elif is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if SECRET_KEYS.search(str(k)) or str(k).startswith("_"):
                continue
            v = _plain(v)
            if v is not None and type(v).__name__ != "UnsetType" and v != {}:
                out[str(k)] = v
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return scrub(value) if isinstance(value, str) else value
    if type(value).__name__ == "UnsetType":
        return None
    return scrub(repr(value))


def runtime_options(estimator: BaseEstimatorV2) -> dict:
    """The estimator's options that were set, as a plain dict without credentials.

    Example:
        >>> from qiskit_patchqnn.execution import resolve
        >>> est, _ = resolve("aer", precision=0.01)
        >>> runtime_options(est)["default_precision"]
        0.01
    """
    options = getattr(estimator, "options", None)
    if options is None:
        return {}
    if type(estimator).__name__ == "BatchedEstimator":
        return {"default_precision": getattr(estimator, "default_precision", None)}
    if callable(getattr(options, "model_dump", None)):  # pydantic (client-side Estimator)
        options = options.model_dump(exclude_unset=True)
    elif not (is_dataclass(options) or isinstance(options, dict)):
        options = getattr(options, "__dict__", {})
    plain = _plain(options)
    return plain if isinstance(plain, dict) else {}


def _versions() -> dict[str, str]:
    out = {}
    for pkg in _PACKAGES:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


@dataclass(frozen=True)
class Provenance:
    """Where and how results were computed. Never holds credentials.

    Attributes:
        backend: backend name (see :func:`backend_name`).
        spec: the spec string, or ``None`` for a user-built estimator.
        shots: shots per circuit, ``None`` for exact or precision-based simulators.
        precision: target precision, ``None`` for exact or shot-based runs.
        options: estimator options that were set (resilience, twirling, DD, ...).
        primitive: the estimator class (see :func:`primitive_name`), e.g.
            ``qiskit_ibm_runtime.executor_estimator.Estimator``.
        versions: versions of qiskit, qiskit-aer, qiskit-ibm-runtime,
            qiskit-machine-learning and qiskit-patchqnn.
        job_ids: ids of the jobs that produced the results (submitted and reused).
    """

    backend: str
    spec: str | None
    shots: int | None
    precision: float | None
    options: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    job_ids: tuple[str, ...] = ()
    primitive: str | None = None

    def to_dict(self) -> dict:
        """JSON-serialisable copy (the inverse of :meth:`from_dict`)."""
        out = asdict(self)
        out["job_ids"] = list(self.job_ids)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Provenance:
        """Rebuild a record written by :meth:`to_dict` (unknown keys are ignored).

        Example:
            >>> p = Provenance("patchqnn_exact", "exact", None, None, job_ids=("a",))
            >>> Provenance.from_dict(p.to_dict()) == p
            True
        """
        return cls(
            backend=str(data.get("backend", "unknown")),
            spec=data.get("spec"),
            shots=data.get("shots"),
            precision=data.get("precision"),
            options=dict(data.get("options") or {}),
            versions=dict(data.get("versions") or {}),
            job_ids=tuple(data.get("job_ids") or ()),
            primitive=data.get("primitive"),
        )


def provenance(
    estimator: BaseEstimatorV2,
    spec: str | None = None,
    *,
    shots: int | None = None,
    precision: float | None = None,
    log: ExecutionLog | None = None,
    job_ids: tuple[str, ...] | list[str] = (),
) -> Provenance:
    """Provenance record of results computed with ``estimator``.

    Shots and precision default to what the estimator's options say; an explicit
    ``precision`` (the one passed to every call, e.g. ``PatchQNN.precision``) wins.

    Example:
        >>> from qiskit_patchqnn.execution import resolve
        >>> est, _ = resolve("exact")
        >>> record = provenance(est, "exact")
        >>> record.backend, record.shots, sorted(record.versions)[0]
        ('patchqnn_exact', None, 'qiskit')
    """
    options = runtime_options(estimator)
    if precision is None and shots is None:
        shots = options.get("default_shots")
        precision = options.get("default_precision") or None
    if shots is None and precision and type(estimator).__module__.startswith("qiskit_ibm_runtime"):
        shots = shots_for_precision(precision)
    ids = list(job_ids)
    if log is not None:
        ids += [*log.job_ids, *log.reused_job_ids]
    record = Provenance(
        backend=backend_name(estimator),
        spec=spec,
        shots=shots,
        precision=precision,
        options=options,
        versions=_versions(),
        job_ids=tuple(dict.fromkeys(ids)),
        primitive=primitive_name(estimator),
    )
    return record
