# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Qiskit Runtime estimators: the client-side ``Estimator`` by default, the legacy one on request.

==============  ==========================================================================
``"executor"``  ``qiskit_ibm_runtime.executor_estimator.Estimator`` (the default): PUBs are
                turned into a quantum program on the client, which applies twirling, gate
                folding and dynamical decoupling there and post-processes mitigation (TREX,
                ZNE, PEC) locally; the jobs it submits are ``Executor`` jobs.
``"legacy"``    ``qiskit_ibm_runtime.EstimatorV2``, deprecated since qiskit-ibm-runtime 0.50:
                everything happens on the server. Building it emits the runtime's
                ``DeprecationWarning``; this package never silences it.
==============  ==========================================================================

Both run in ``Batch``, ``Session`` or job mode, on an IBM backend or, in local testing mode,
on a fake device. Options are checked against the chosen class before it is built, and an
option it does not accept is refused with a one-line :class:`ValueError` naming it (and,
where the other class accepts it, what to do instead).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from qiskit.primitives import BaseEstimatorV2

__all__ = ["PRIMITIVES", "checked_options", "runtime_estimator", "runtime_primitive"]

PRIMITIVES = ("executor", "legacy")
"""The Qiskit Runtime estimator classes :func:`runtime_estimator` builds."""

_LABEL = {
    "executor": "the client-side Estimator (qiskit_ibm_runtime.executor_estimator.Estimator)",
    "legacy": "the legacy EstimatorV2",
}

# Options one class accepts and the other does not: what to do instead (one line each).
_INSTEAD = {
    "executor": {
        "seed_estimator": "seed= seeds twirling and sampling in local mode "
        "(simulator.seed_simulator); the client-side Estimator has no estimator seed",
        "simulator.noise_model": "local mode simulates the fake device's own noise; "
        "use the spec 'aer:<device>' for another noise model",
        "simulator.coupling_map": "local mode uses the fake device's coupling map",
        "simulator.basis_gates": "local mode uses the fake device's basis gates",
        "resilience.layer_noise_learning": "the client-side Estimator learns no layer noise: "
        "learn it with NoiseLearnerV3 and set resilience.layer_noise_model",
        "resilience.measure_noise_learning.shots_per_randomization": "the TREX calibration "
        "runs twirling.shots_per_randomization shots per randomization",
    },
    "legacy": {},
}


def runtime_primitive(estimator: Any) -> str | None:
    """Which Qiskit Runtime estimator ``estimator`` is: ``"executor"``, ``"legacy"`` or ``None``.

    Example:
        >>> from qiskit_patchqnn.simulator import BatchedEstimator
        >>> runtime_primitive(BatchedEstimator()) is None
        True
    """
    module = type(estimator).__module__
    if not module.startswith("qiskit_ibm_runtime"):
        return None
    return "executor" if module.startswith("qiskit_ibm_runtime.executor_estimator") else "legacy"


def _options_class(primitive: str) -> type:
    if primitive == "executor":
        from qiskit_ibm_runtime.options_models import EstimatorOptions

        return EstimatorOptions
    from qiskit_ibm_runtime.options import EstimatorOptions as LegacyOptions

    return LegacyOptions


def _model_tree(model: Any) -> dict[str, Any]:
    """Option names of a pydantic options model class: ``{name: subtree or None}``."""
    from pydantic import BaseModel

    tree: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kinds = typing.get_args(info.annotation) or (info.annotation,)
        nested = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        tree[name] = _model_tree(nested[0]) if nested else None
    return tree


def _dataclass_tree(instance: Any) -> dict[str, Any]:
    """Option names of a (legacy) options dataclass instance: ``{name: subtree or None}``."""
    tree: dict[str, Any] = {}
    for f in dataclasses.fields(instance):
        if f.name.startswith("_"):
            continue
        value = getattr(instance, f.name)
        nested = dataclasses.is_dataclass(value) and not isinstance(value, type)
        tree[f.name] = _dataclass_tree(value) if nested else None
    return tree


def _option_tree(primitive: str) -> dict[str, Any]:
    cls = _options_class(primitive)
    return _model_tree(cls) if primitive == "executor" else _dataclass_tree(cls())


def _has(tree: dict[str, Any] | None, path: str) -> bool:
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _check_names(
    options: dict, tree: dict[str, Any], primitive: str, other: dict[str, Any], prefix: str = ""
) -> None:
    for key, value in options.items():
        path = f"{prefix}{key}"
        if not isinstance(key, str) or key not in tree:
            instead = _INSTEAD[primitive]
            hint = next((v for k, v in instead.items() if path.startswith(k)), None)
            if hint is None and _has(other, path):
                alt = "legacy" if primitive == "executor" else "executor"
                hint = f"{_LABEL[alt]} accepts it (primitive={alt!r})"
            if hint is None:
                hint = f"valid names here: {', '.join(sorted(tree))}"
            raise ValueError(f"option {path!r} is not accepted by {_LABEL[primitive]}; {hint}")
        if tree[key] is not None and isinstance(value, dict):
            _check_names(value, tree[key], primitive, other, f"{path}.")


def _one_line(exc: Any, tree: dict[str, Any]) -> str:
    """The most useful error of a pydantic ``ValidationError`` as ``path=value: message``."""
    errors = exc.errors()
    best = next((e for e in errors if "UnsetType" not in str(e.get("msg"))), errors[0])
    names = []
    level: Any = tree
    for part in best.get("loc", ()):  # keep option names, drop pydantic's type tags
        if isinstance(level, dict) and part in level:
            names.append(str(part))
            level = level[part]
    message = " ".join(str(best.get("msg", "")).split())
    return f"{'.'.join(names) or '?'}={best.get('input')!r}: {message}"


def checked_options(options: dict | None, primitive: str = "executor") -> dict:
    """``options`` checked against the option names and values ``primitive`` accepts.

    Args:
        options: nested dict of estimator options, e.g. ``{"resilience_level": 1,
            "twirling": {"enable_gates": True}}``.
        primitive: one of :data:`PRIMITIVES`.

    Returns:
        A copy of ``options`` (nested dicts copied).

    Raises:
        ValueError: an unknown primitive, an option the class does not accept (the message
            names it and, where there is one, the alternative), or a value it rejects.
        TypeError: ``options`` is not a dict.

    Example:
        >>> checked_options({"twirling": {"enable_gates": True}})
        {'twirling': {'enable_gates': True}}
        >>> checked_options({"twirling": {"enable_gate": True}})
        Traceback (most recent call last):
        ...
        ValueError: option 'twirling.enable_gate' is not accepted by ...; valid names here: ...
        >>> checked_options({"seed_estimator": 1}, "legacy")
        {'seed_estimator': 1}
    """
    if primitive not in PRIMITIVES:
        raise ValueError(f"primitive must be one of {', '.join(PRIMITIVES)}, got {primitive!r}")
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(f"options must be a dict, got {type(options).__name__}")
    other = "legacy" if primitive == "executor" else "executor"
    tree = _option_tree(primitive)
    _check_names(options, tree, primitive, _option_tree(other))
    from pydantic import ValidationError

    try:
        _options_class(primitive)(**options)
    except ValidationError as exc:
        raise ValueError(
            f"invalid option for {_LABEL[primitive]}: {_one_line(exc, tree)}"
        ) from None
    return _copy(options)


def _copy(options: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in options.items()}


def runtime_estimator(
    backend: Any,
    *,
    primitive: str = "executor",
    mode: str = "batch",
    options: dict | None = None,
) -> BaseEstimatorV2:
    """A Qiskit Runtime estimator on ``backend``: the client-side one unless asked otherwise.

    Args:
        backend: an ``IBMBackend``, or a fake device (local testing mode).
        primitive: ``"executor"`` (default) for
            ``qiskit_ibm_runtime.executor_estimator.Estimator``, ``"legacy"`` for the deprecated
            ``qiskit_ibm_runtime.EstimatorV2`` (which warns that it is deprecated).
        mode: ``"batch"``, ``"session"`` or ``"job"``.
        options: estimator options, checked first (:func:`checked_options`).

    Raises:
        ValueError: unknown primitive or mode, or an option the class does not accept.

    Example:
        >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
        >>> est = runtime_estimator(FakeManilaV2(), options={"default_shots": 100})
        >>> runtime_primitive(est), est.options.default_shots
        ('executor', 100)
    """
    if mode not in ("batch", "session", "job"):
        raise ValueError(f"mode must be 'batch', 'session' or 'job', got {mode!r}")
    opts = checked_options(options, primitive)
    import qiskit_ibm_runtime as rt

    execution: Any = backend
    if mode == "session":
        execution = rt.Session(backend=backend)
    elif mode == "batch":
        execution = rt.Batch(backend=backend)
    if primitive == "legacy":
        return rt.EstimatorV2(mode=execution, options=opts)
    from qiskit_ibm_runtime.executor_estimator import Estimator

    return Estimator(mode=execution, options=opts)
