# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweep configurations: TOML files and built-in presets, validated by :mod:`.schema`.

A sweep is the grid ``num_patches × depths × seeds``; everything else (dataset, training recipe,
Hessian and landscape settings, backend) is shared by all runs. Every section and key is checked:
an unknown key or a bad value is rejected with one line that names the file and the key, e.g.
``sweep.toml: unknown key 'training.lr0' (valid: batch_size, epochs, ...)``.

Example:
    >>> cfg = load_preset("quick")
    >>> cfg.name, cfg.layout.num_patches, cfg.model.depths
    ('quick', (4, 9, 16), (1, 2))
    >>> len(cfg.runs()) == len(cfg.layout.num_patches) * len(cfg.model.depths) * len(cfg.seeds)
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .schema import ConfigError, SweepConfig

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["load_config", "load_preset", "parse_config", "preset_names"]

_PRESETS = ("quick", "paper")
_STUDY_PRESETS = ("standard",)  # several sweeps each: see :mod:`.study`


def preset_names() -> tuple[str, ...]:
    """Names of the built-in presets: sweeps, then studies (several sweeps, :mod:`.study`).

    Example:
        >>> preset_names()
        ('quick', 'paper', 'standard')
    """
    return _PRESETS + _STUDY_PRESETS


def load_preset(name: str) -> SweepConfig:
    """Load a built-in preset (``presets/<name>.toml`` inside the package).

    Example:
        >>> cfg = load_preset("quick")
        >>> len(cfg.runs()), cfg.training.epochs
        (18, 10)

    Raises:
        ConfigError: unknown preset name.
    """
    if name in _STUDY_PRESETS:
        raise ConfigError(
            f"preset {name!r} is a study of several sweeps: load it with load_study({name!r}) "
            f"or run it with 'patchqnn reproduce --preset {name}'"
        )
    if name not in _PRESETS:
        raise ConfigError(f"unknown preset {name!r} (valid: {', '.join(preset_names())})")
    text = (
        resources.files(__package__).joinpath("presets").joinpath(f"{name}.toml").read_text("utf-8")
    )
    return parse_config(_parse_toml(text, f"preset {name}"), source=f"preset {name}")


def load_config(path: str | Path) -> SweepConfig:
    r"""Load and validate a sweep TOML file.

    Example:
        >>> import tempfile, pathlib
        >>> text = (
        ...     '[sweep]\nname = "toy"\nseeds = [0]\ndownscaling = ["a toy"]\n'
        ...     "[layout]\npatch_shape = [5, 5]\nnum_patches = [4]\n[model]\ndepths = [1]\n"
        ... )
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "toy.toml"
        ...     _ = path.write_text(text)
        ...     [run.name for run in load_config(path).runs()]
        ['p4-d1-s0']

    Raises:
        ConfigError: missing file, invalid TOML, unknown key or bad value (one line, naming the
            file and the key).
    """
    path = Path(path)
    return parse_config(read_toml_file(path), source=path.name)


def read_toml_file(path: Path) -> dict[str, Any]:
    """The TOML table in ``path``.

    Raises:
        ConfigError: missing or unreadable file, or invalid TOML (one line, naming the file).
    """
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read config: {exc}") from None
    return _parse_toml(text, path.name)


def _parse_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None


def parse_config(
    data: Mapping[str, Any],
    *,
    source: str = "config",
    names: Mapping[str, str] | None = None,
) -> SweepConfig:
    """Validate plain data (as read from TOML) into a :class:`~.schema.SweepConfig`.

    Args:
        data: sections ``sweep`` (required: ``seeds``), ``dataset``, ``layout`` (required:
            ``patch_shape``, ``num_patches``), ``model`` (required: ``depths``), ``training``,
            ``hessian``, ``landscape``, ``backend``.
        source: file name used in error messages (``""``: none).
        names: how to call a key in messages, e.g. ``{"training.epochs": "--epochs"}`` for a
            configuration built from command-line flags.

    Raises:
        ConfigError: naming the key, e.g. ``"x.toml: unknown key 'training.lr0' (valid: ...)"``.

    Example:
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0]}, "layout": {"patch_shape": [5, 5], "num_patches": [4]},
        ...     "model": {"depths": [1]}})
        >>> cfg.layout.image_shape, cfg.runs()[0].name
        ((8, 8), 'p4-d1-s0')
        >>> parse_config({"sweep": {"seeds": [0], "sed": 1}}, source="x.toml")
        Traceback (most recent call last):
        ...
        qiskit_patchqnn.experiments.schema.ConfigError: x.toml: unknown key 'sweep.sed' (valid: \
description, downscaling, name, seeds)
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the top level must be a table, got {type(data).__name__}")
    try:
        return SweepConfig.model_validate(dict(data))
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        message = _message(errors[0], names or {})
        raise ConfigError(f"{source}: {message}" if source else message) from None


def _message(error: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """One line for a pydantic error: the key (or its flag), the value and what was expected."""
    ctx = error.get("ctx") or {}
    path, holder, model = _walk(error["loc"])
    key = ctx.get("key", ".".join(path))
    shown = names.get(key, f"'{key}'")
    kind = error["type"]
    if kind == "extra_forbidden":
        what = "key" if len(path) > 1 else "section"
        return f"unknown {what} {shown} (valid: {', '.join(sorted(holder.model_fields))})"
    if kind == "missing" and isinstance(error["loc"][-1], int):  # a pair with one number
        kind, error = "too_short", {**error, "loc": error["loc"][:-1]}
    elif kind == "missing":
        if model is not None:  # a whole section: name its first required key
            first = next(n for n, f in model.model_fields.items() if f.is_required())
            key = f"{key}.{first}"
        return f"missing required key {names.get(key, repr(key))}"
    value = ctx.get("value", error.get("input"))
    if isinstance(value, tuple):
        value = list(value)
    return f"bad value for {shown}: {value!r} ({_expected(kind, ctx, error)})"


def _walk(loc: tuple) -> tuple[list[str], type[BaseModel], type[BaseModel] | None]:
    """Field names along ``loc``, the model holding the last one, and its model if a section.

    The walk stops at a list index or a union member's tag.
    """
    model: type[BaseModel] | None = SweepConfig
    holder: type[BaseModel] = SweepConfig
    path: list[str] = []
    for part in loc:
        if model is None or not isinstance(part, str):
            break
        path.append(part)
        holder = model
        if part not in model.model_fields:  # an unknown key
            model = None
            break
        annotation = model.model_fields[part].annotation
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation if is_model else None  # type: ignore[assignment]
    return path, holder, model


_PHRASES = {
    "int_type": "expected an integer",
    "float_type": "expected a number",
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "tuple_type": "expected a list",
    "too_short": "expected a non-empty list",
    "too_long": "expected fewer items",
    "distinct": "expected distinct values",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "dict_type": "expected a table",
}


def _expected(kind: str, ctx: Mapping[str, Any], error: Mapping[str, Any]) -> str:
    if kind in _PHRASES:
        if kind in ("tuple_type", "too_short", "too_long") and error["loc"][-1] in (
            "image_shape",
            "patch_shape",
        ):
            return "expected two positive integers, e.g. [5, 5]"
        return _PHRASES[kind]
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        op, name = bounds[kind]
        integer = isinstance(error.get("input"), int) and isinstance(ctx[name], int)
        return f"expected {'an integer' if integer else 'a number'} {op} {ctx[name]}"
    if kind == "literal_error":
        return "expected one of " + str(ctx["expected"]).replace(" or ", ", ")
    if "expected" in ctx:
        return str(ctx["expected"])
    return str(error.get("msg", kind))
