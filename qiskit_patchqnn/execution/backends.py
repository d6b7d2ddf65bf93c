# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Backend specs to estimators: one string names where circuits run.

==========================  =====================================================================
``exact``                   :class:`~qiskit_patchqnn.simulator.BatchedEstimator` (the default)
``aer``                     Aer ``EstimatorV2``, exact statevector, runtime parameter binding
``aer:<fake device>``       Aer with the fake device's noise model (density matrix) + its ISA
``fake:<fake device>``      qiskit-ibm-runtime local testing mode on the fake device
``ibm:<backend>``           an IBM QPU through ``QiskitRuntimeService`` in a ``Batch``/``Session``
==========================  =====================================================================

``fake:`` and ``ibm:`` build the client-side
``qiskit_ibm_runtime.executor_estimator.Estimator``; ``primitive="legacy"`` builds the
deprecated ``qiskit_ibm_runtime.EstimatorV2`` instead (:mod:`.primitives`).

Fake device names may be written ``fake_manila``, ``FakeManilaV2`` or ``manila``. For devices,
:func:`resolve` also returns a preset pass manager: each patch circuit is transpiled **once**
(:func:`~qiskit_patchqnn.execution.isa.transpile_patch`) and its observables are mapped
through the final layout.
"""

from __future__ import annotations

import os
import re
from typing import Any

from qiskit.primitives import BaseEstimatorV2

from .primitives import PRIMITIVES, checked_options, runtime_estimator
from .secrets import TOKEN_ENV, scrub

__all__ = ["SPEC_FORMS", "fake_backend", "fake_backend_names", "resolve"]

SPEC_FORMS = ("exact", "aer", "aer:<fake device>", "fake:<fake device>", "ibm:<backend>")
"""The spec forms :func:`resolve` accepts."""

_INSTANCE_ENV = "QISKIT_IBM_INSTANCE"


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


def _connect(service: Any | None) -> Any:
    """A ``QiskitRuntimeService``: ``service``, the env token, or the saved account."""
    if service is not None:
        return service
    import qiskit_ibm_runtime

    token = os.environ.get(TOKEN_ENV) or None
    kwargs: dict[str, Any] = {}
    if token:
        kwargs = {"channel": "ibm_quantum_platform", "token": token}
        if os.environ.get(_INSTANCE_ENV):
            kwargs["instance"] = os.environ[_INSTANCE_ENV]
    try:
        return qiskit_ibm_runtime.QiskitRuntimeService(**kwargs)
    except Exception as exc:  # noqa: BLE001 - re-raised without the token
        message = scrub(f"{type(exc).__name__}: {exc}", [token or ""])
        source = f"${TOKEN_ENV}" if token else "the saved account"
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
    primitive: str = "executor",
) -> tuple[BaseEstimatorV2, Any | None]:
    """Turn a backend spec string into ``(estimator, pass_manager)``.

    Args:
        spec: one of :data:`SPEC_FORMS`.
        shots: shots per circuit (converted to precision ``1/sqrt(shots)`` for simulators that
            take a precision). At most one of ``shots`` and ``precision``.
        precision: default target precision (standard error) of every expectation value
            (``> 0`` for ``fake:`` and ``ibm:``).
        seed: seeds simulator noise (and, in local testing mode, the twirling randomizations
            of the client-side Estimator) and ``seed_transpiler``. The pass manager always has a
            fixed ``seed_transpiler`` (``seed`` or 0) so ISA circuits, and hence
            :class:`~qiskit_patchqnn.execution.JobJournal` keys, are reproducible.
        mode: ``"batch"``, ``"session"`` or ``"job"``: the Qiskit Runtime execution mode of
            ``fake:`` and ``ibm:`` specs.
        options: Qiskit Runtime estimator options (``resilience_level``, ``resilience``,
            ``twirling``, ``dynamical_decoupling``, ``default_shots``, ``simulator``, ...) for
            ``fake:``/``ibm:``, checked against the chosen ``primitive`` (an option it does not
            accept is a one-line ``ValueError``); Aer ``EstimatorV2`` options
            (``backend_options``, ``run_options``) for ``aer``.
        service: a ``QiskitRuntimeService`` for ``ibm:``; default: built from
            ``$QISKIT_IBM_TOKEN`` (and ``$QISKIT_IBM_INSTANCE``) or the saved account.
        optimization_level: of the preset pass manager.
        primitive: the Qiskit Runtime estimator of ``fake:`` and ``ibm:`` specs:
            ``"executor"`` (default), the client-side
            ``qiskit_ibm_runtime.executor_estimator.Estimator``; ``"legacy"``, the deprecated
            ``qiskit_ibm_runtime.EstimatorV2`` (it emits its ``DeprecationWarning``). Ignored
            for ``exact`` and ``aer`` specs.

    Returns:
        The estimator and the pass manager (``None`` for ``exact`` and ``aer``).

    Raises:
        ValueError: unknown spec, device, mode, primitive or option, or both shots and
            precision.
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
    if primitive not in PRIMITIVES:
        raise ValueError(f"primitive must be one of {', '.join(PRIMITIVES)}, got {primitive!r}")
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"options must be a dict, got {type(options).__name__}")
    kind, _, name = spec.strip().partition(":")
    kind = kind.lower()
    sim_precision = precision if shots is None else shots**-0.5
    if kind == "exact" and not name:
        from ..simulator import BatchedEstimator

        return BatchedEstimator(default_precision=sim_precision or 0.0, seed=seed), None
    if kind == "aer":
        return _resolve_aer(name, sim_precision, seed, options, optimization_level)
    if kind in ("fake", "ibm") and name:
        if precision is not None and not precision > 0:
            raise ValueError(f"precision must be > 0 for {kind}: specs, got {precision!r}")
        opts = checked_options(options, primitive)  # before connecting: fail fast, offline
        if shots is not None:
            opts["default_shots"] = shots
        if precision is not None:
            opts["default_precision"] = precision
        if seed is not None and kind == "fake":
            simulator = opts.setdefault("simulator", {})
            if isinstance(simulator, dict):
                simulator.setdefault("seed_simulator", seed)
        if kind == "fake":
            backend = fake_backend(name)
        else:
            svc = _connect(service)
            try:
                backend = svc.backend(name)
            except Exception as exc:  # noqa: BLE001 - scrubbed and re-raised
                msg = scrub(str(exc))
                raise ValueError(f"IBM backend {name!r} is not available: {msg}") from None
        estimator = runtime_estimator(backend, primitive=primitive, mode=mode, options=opts)
        return estimator, _pass_manager(backend, optimization_level, seed)
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
