# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Backend specs to estimators, ISA preparation of patch circuits, and provenance.

One spec string names where circuits run, from the exact simulator to an IBM QPU:

==========================  =====================================================================
``exact``                   :class:`~qiskit_patchqnn.estimator.BatchedEstimator` (the default)
``aer``                     Aer ``EstimatorV2``, exact statevector, runtime parameter binding
``aer:<fake device>``       Aer with the fake device's noise model (density matrix) + its ISA
``fake:<fake device>``      qiskit-ibm-runtime local testing mode, ``EstimatorV2(mode=FakeXxx())``
``ibm:<backend>``           an IBM QPU through ``QiskitRuntimeService`` in a ``Batch``/``Session``
==========================  =====================================================================

Fake device names may be written ``fake_manila``, ``FakeManilaV2`` or ``manila``. For devices,
:func:`resolve` also returns a preset pass manager: each patch circuit is transpiled **once**
(:func:`transpile_patch`) and its observables are mapped through the final layout.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import warnings
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp

from .execution import (
    CostEstimate,
    ExecutionLog,
    JobJournal,
    estimate_cost,
    print_cost,
    require_confirmation,
    shots_for_precision,
)

__all__ = [
    "CostEstimate",
    "JobJournal",
    "Provenance",
    "SPEC_FORMS",
    "backend_name",
    "estimate_cost",
    "fake_backend",
    "fake_backend_names",
    "print_cost",
    "provenance",
    "require_confirmation",
    "resolve",
    "runtime_options",
    "scrub",
    "transpile_patch",
]

SPEC_FORMS = ("exact", "aer", "aer:<fake device>", "fake:<fake device>", "ibm:<backend>")
"""The spec forms :func:`resolve` accepts."""

_TOKEN_ENV = "QISKIT_IBM_TOKEN"
_INSTANCE_ENV = "QISKIT_IBM_INSTANCE"
_SECRET_KEYS = re.compile(r"token|api_?key|password|secret|credential|auth", re.IGNORECASE)
_PACKAGES = (
    "qiskit",
    "qiskit-aer",
    "qiskit-ibm-runtime",
    "qiskit-machine-learning",
    "qiskit-patchqnn",
)


# ---------------------------------------------------------------------------------- fake devices
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _fake_classes() -> dict[str, type]:
    from qiskit_ibm_runtime import fake_provider

    out: dict[str, type] = {}
    for attr in dir(fake_provider):
        cls = getattr(fake_provider, attr)
        if not (attr.startswith("Fake") and isinstance(cls, type)) or "Provider" in attr:
            continue
        short = _snake(attr[4:]).removesuffix("_v2")  # FakeManilaV2 -> manila
        if short == "fractional_backend":
            continue
        out.setdefault(short, cls)
    return out


def fake_backend_names() -> list[str]:
    """Names of the fake devices of qiskit-ibm-runtime, as ``fake_<device>``.

    Example:
        >>> "fake_manila" in fake_backend_names()
        True
    """
    return sorted(f"fake_{n}" for n in _fake_classes())


def fake_backend(name: str) -> Any:
    """A qiskit-ibm-runtime fake device by name: ``fake_manila``, ``FakeManilaV2`` or ``manila``.

    Raises:
        ValueError: for an unknown name; the message lists valid ones.

    Example:
        >>> fake_backend("FakeManilaV2").name
        'fake_manila'
    """
    key = _snake(name.strip()).replace("-", "_").replace("__", "_")
    key = key.removeprefix("fake_").removeprefix("fake").removesuffix("_v2").strip("_")
    classes = _fake_classes()
    if key not in classes:
        examples = ", ".join(fake_backend_names()[:8])
        raise ValueError(
            f"unknown fake device {name!r}; valid names include {examples}, ... "
            f"({len(classes)} in all, see fake_backend_names())"
        )
    return classes[key]()


def _spec_error(spec: object, why: str = "") -> ValueError:
    examples = ", ".join(fake_backend_names()[:5])
    return ValueError(
        f"unknown backend spec {spec!r}{why}; valid forms: {', '.join(SPEC_FORMS)} "
        f"(fake devices include {examples}, ...)"
    )


# ---------------------------------------------------------------------------------- secrets
def scrub(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Remove credentials from ``text``: the given secrets and ``$QISKIT_IBM_TOKEN``.

    Example:
        >>> scrub("token abc123 rejected", ["abc123"])
        'token *** rejected'
    """
    values = [*secrets, os.environ.get(_TOKEN_ENV, "")]
    for secret in sorted({s for s in values if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _connect(service: Any | None) -> Any:
    """A ``QiskitRuntimeService``: ``service``, the env token, or the saved account."""
    if service is not None:
        return service
    import qiskit_ibm_runtime

    token = os.environ.get(_TOKEN_ENV) or None
    kwargs: dict[str, Any] = {}
    if token:
        kwargs = {"channel": "ibm_quantum_platform", "token": token}
        if os.environ.get(_INSTANCE_ENV):
            kwargs["instance"] = os.environ[_INSTANCE_ENV]
    try:
        return qiskit_ibm_runtime.QiskitRuntimeService(**kwargs)
    except Exception as exc:  # noqa: BLE001 - re-raised without the token
        message = scrub(f"{type(exc).__name__}: {exc}", [token or ""])
        source = f"${_TOKEN_ENV}" if token else "the saved account"
        err = RuntimeError(f"could not connect to IBM Quantum with {source}: {message}")
    raise err from None  # never chain: the original exception may hold the token


# ---------------------------------------------------------------------------------- resolve
def resolve(
    spec: str = "exact",
    *,
    shots: int | None = None,
    precision: float | None = None,
    seed: int | None = None,
    mode: str = "batch",
    options: dict | None = None,
    service: Any | None = None,
    optimization_level: int = 1,
) -> tuple[BaseEstimatorV2, Any | None]:
    """Turn a backend spec string into ``(estimator, pass_manager)``.

    Args:
        spec: one of :data:`SPEC_FORMS`.
        shots: shots per circuit (converted to precision ``1/sqrt(shots)`` for simulators that
            take a precision). At most one of ``shots`` and ``precision``.
        precision: default target precision (standard error) of every expectation value.
        seed: seeds simulator noise and ``seed_transpiler``. The pass manager always has a
            fixed ``seed_transpiler`` (``seed`` or 0) so ISA circuits, and hence
            :class:`~qiskit_patchqnn.execution.JobJournal` keys, are reproducible.
        mode: ``"batch"``, ``"session"`` or ``"job"``: the Qiskit Runtime execution mode of
            ``fake:`` and ``ibm:`` specs.
        options: Qiskit Runtime ``EstimatorV2`` options (``resilience_level``, ``twirling``,
            ``dynamical_decoupling``, ``resilience``, ...) for ``fake:``/``ibm:``; Aer
            ``EstimatorV2`` options (``backend_options``, ``run_options``) for ``aer``.
        service: a ``QiskitRuntimeService`` for ``ibm:``; default: built from
            ``$QISKIT_IBM_TOKEN`` (and ``$QISKIT_IBM_INSTANCE``) or the saved account.
        optimization_level: of the preset pass manager.

    Returns:
        The estimator and the pass manager (``None`` for ``exact`` and ``aer``).

    Raises:
        ValueError: unknown spec, device, mode, or both shots and precision.
        RuntimeError: connecting to IBM Quantum failed (credentials are scrubbed).

    Example:
        >>> est, pm = resolve("aer:fake_manila", precision=0.01, seed=1)
        >>> type(est).__name__, pm is not None
        ('EstimatorV2', True)
        >>> resolve("exact")[1] is None
        True
    """
    if not isinstance(spec, str):
        raise _spec_error(spec)
    if shots is not None and precision is not None:
        raise ValueError(
            f"give shots or precision, not both (shots={shots}, precision={precision})"
        )
    if shots is not None and (not isinstance(shots, int) or shots < 1):
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
    if precision is not None and not precision >= 0:
        raise ValueError(f"precision must be >= 0, got {precision!r}")
    if mode not in ("batch", "session", "job"):
        raise ValueError(f"mode must be 'batch', 'session' or 'job', got {mode!r}")
    kind, _, name = spec.strip().partition(":")
    kind = kind.lower()
    sim_precision = precision if shots is None else shots**-0.5
    if kind == "exact" and not name:
        from .estimator import BatchedEstimator

        return BatchedEstimator(default_precision=sim_precision or 0.0, seed=seed), None
    if kind == "aer":
        return _resolve_aer(name, sim_precision, seed, options, optimization_level)
    if kind in ("fake", "ibm") and name:
        if kind == "fake":
            backend = fake_backend(name)
        else:
            svc = _connect(service)
            try:
                backend = svc.backend(name)
            except Exception as exc:  # noqa: BLE001 - scrubbed and re-raised
                msg = scrub(str(exc))
                raise ValueError(f"IBM backend {name!r} is not available: {msg}") from None
        opts = dict(options or {})
        if shots is not None:
            opts["default_shots"] = shots
        if precision is not None:
            opts["default_precision"] = precision
        if seed is not None and kind == "fake":
            opts.setdefault("simulator", {}).setdefault("seed_simulator", seed)
        return _runtime_estimator(backend, mode, opts), _pass_manager(
            backend, optimization_level, seed
        )
    raise _spec_error(spec)


def _pass_manager(backend: Any, optimization_level: int, seed: int | None) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(
        optimization_level=optimization_level,
        backend=backend,
        seed_transpiler=0 if seed is None else seed,
    )


def _resolve_aer(
    name: str, precision: float | None, seed: int | None, options: dict | None, level: int
) -> tuple[BaseEstimatorV2, Any | None]:
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import EstimatorV2 as AerEstimator

    opts: dict[str, Any] = {
        k: dict(v) if isinstance(v, dict) else v for k, v in (options or {}).items()
    }
    opts.setdefault("backend_options", {}).setdefault("runtime_parameter_bind_enable", True)
    if precision is not None:
        opts["default_precision"] = precision
    if seed is not None:
        opts.setdefault("run_options", {}).setdefault("seed_simulator", seed)
    if not name:
        opts["backend_options"].setdefault("method", "statevector")
        return AerEstimator(options=opts), None
    device = fake_backend(name)
    # Noisy expectation values need the density matrix (statevector would give one trajectory).
    backend_options = {"method": "density_matrix", **opts["backend_options"]}
    simulator = AerSimulator.from_backend(device, **backend_options)
    estimator = AerEstimator.from_backend(simulator, options=opts)
    return estimator, _pass_manager(device, level, seed)


def _runtime_estimator(backend: Any, mode: str, options: dict) -> BaseEstimatorV2:
    import qiskit_ibm_runtime as rt

    with warnings.catch_warnings():
        # EstimatorV2 is deprecated in favour of the executor-based Estimator, which has no
        # local testing mode yet; it is still the supported path for V2 PUBs.
        warnings.simplefilter("ignore", DeprecationWarning)
        if mode == "job":
            return rt.EstimatorV2(mode=backend, options=options)
        execution = rt.Session(backend=backend) if mode == "session" else rt.Batch(backend=backend)
        return rt.EstimatorV2(mode=execution, options=options)


# ---------------------------------------------------------------------------------- ISA
def _device_of(estimator: Any) -> Any | None:
    for attr in ("_backend", "backend"):
        backend = getattr(estimator, attr, None)
        if backend is not None and hasattr(backend, "num_qubits") and not callable(backend):
            return backend
    return None


def transpile_patch(
    circuit: QuantumCircuit,
    observables: list[SparsePauliOp],
    pass_manager: Any,
    *,
    device: Any | None = None,
) -> tuple[QuantumCircuit, list[SparsePauliOp]]:
    """Transpile ``circuit`` once and lay the observables out on the ISA circuit.

    The observables are mapped with ``apply_layout(isa.layout)`` (initial layout and the
    routing permutation). The ISA circuit keeps every parameter of ``circuit`` under the same
    name and in the same order, so columns bound for ``circuit`` bind the ISA circuit too.

    Args:
        circuit: the logical patch circuit.
        observables: its observables.
        pass_manager: anything with ``run(circuit)`` (a preset pass manager).
        device: the backend, to report a too-wide circuit before transpiling.

    Raises:
        ValueError: the circuit is wider than the device.

    Example:
        >>> from qiskit.providers.fake_provider import GenericBackendV2
        >>> from qiskit.transpiler import generate_preset_pass_manager
        >>> backend = GenericBackendV2(3, coupling_map=[[0, 1], [1, 2]], seed=1)
        >>> pm = generate_preset_pass_manager(1, backend=backend, seed_transpiler=0)
        >>> qc = QuantumCircuit(2)
        >>> _ = qc.cz(0, 1)
        >>> isa, obs = transpile_patch(qc, [SparsePauliOp("IZ")], pm)
        >>> isa.num_qubits, obs[0].num_qubits
        (3, 3)
    """
    name = getattr(device, "name", "?")
    width = getattr(device, "num_qubits", None)
    if isinstance(width, int) and circuit.num_qubits > width:
        raise ValueError(
            f"patch circuit needs {circuit.num_qubits} qubits but device {name} has {width}"
        )
    from qiskit.transpiler.exceptions import TranspilerError

    try:
        isa = pass_manager.run(circuit)
    except TranspilerError as exc:
        if "greater than" in str(exc) or "more virtual qubits" in str(exc):
            raise ValueError(
                f"patch circuit needs {circuit.num_qubits} qubits but device {name} has "
                f"{width if width is not None else 'fewer'} ({exc})"
            ) from exc
        raise
    isa = _restore_parameters(circuit, isa)
    if isa.layout is None:
        return isa, [SparsePauliOp(o) for o in observables]
    return isa, [SparsePauliOp(o).apply_layout(isa.layout) for o in observables]


def _restore_parameters(circuit: QuantumCircuit, isa: QuantumCircuit) -> QuantumCircuit:
    """Give ``isa`` every parameter of ``circuit`` (a transpiler may drop an unused one)."""
    have = {p.name for p in isa.parameters}
    missing = [p for p in circuit.parameters if p.name not in have]
    if missing:
        phase = isa.global_phase
        for p in missing:
            phase = phase + 0 * p  # keeps p in the parameter table, no effect on any value
        isa.global_phase = phase
    logical = [p.name for p in circuit.parameters]
    if [p.name for p in isa.parameters] != logical:
        raise ValueError("transpiled circuit has parameters the patch circuit does not have")
    return isa


# ---------------------------------------------------------------------------------- provenance
def backend_name(estimator: BaseEstimatorV2) -> str:
    """A readable name of where ``estimator`` runs.

    Example:
        >>> from qiskit_patchqnn.estimator import BatchedEstimator
        >>> backend_name(BatchedEstimator())
        'patchqnn_exact'
    """
    if type(estimator).__name__ == "BatchedEstimator":
        return "patchqnn_exact"
    backend = _device_of(estimator)
    name = getattr(backend, "name", None)
    name = name() if callable(name) else name
    return str(name) if name else type(estimator).__qualname__


def _plain(value: Any) -> Any:
    """JSON-friendly copy of an options object, without unset values or secrets."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if _SECRET_KEYS.search(str(k)) or str(k).startswith("_"):
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
        >>> est, _ = resolve("aer", precision=0.01)
        >>> runtime_options(est)["default_precision"]
        0.01
    """
    options = getattr(estimator, "options", None)
    if options is None:
        return {}
    if type(estimator).__name__ == "BatchedEstimator":
        return {"default_precision": getattr(estimator, "default_precision", None)}
    if not (is_dataclass(options) or isinstance(options, dict)):
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

    def to_dict(self) -> dict:
        """JSON-serialisable copy."""
        out = asdict(self)
        out["job_ids"] = list(self.job_ids)
        return out


def provenance(
    estimator: BaseEstimatorV2,
    spec: str | None = None,
    *,
    shots: int | None = None,
    precision: float | None = None,
    log: ExecutionLog | None = None,
    job_ids: tuple[str, ...] | list[str] = (),
) -> dict:
    """Provenance record of results computed with ``estimator``, as a dict.

    Shots and precision default to what the estimator's options say; an explicit
    ``precision`` (the one passed to every call, e.g. ``PatchQNN.precision``) wins.

    Example:
        >>> est, _ = resolve("exact")
        >>> record = provenance(est, "exact")
        >>> record["backend"], record["shots"], sorted(record["versions"])[0]
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
    )
    return record.to_dict()
