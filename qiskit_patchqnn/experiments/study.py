# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Studies: several sweeps ("arms") that answer one question together.

A study preset is a TOML file with a ``[study]`` table, the sections of a sweep shared by every
arm, and one ``[arms.<name>]`` table per arm whose sections override the shared ones key by
key. Every arm is an ordinary sweep (:class:`~.schema.SweepConfig`, its own directory
``DIR/<arm>/``, resumable on its own); ``DIR/study.json`` names the arms and their hashes so
that a directory is never reused for another study. Each arm has a *role* the study report
reads it by:

* ``main``: the grid the paper's claims are read on (exactly one);
* ``fixed_lr``: the same models at one learning rate for every depth (the ablation of the
  paper's learning rate that falls with depth);
* ``classes``: the same recipe on fewer classes (do outliers track the number of classes?).

Example:
    >>> study = load_study("standard")
    >>> list(study.arms), study.role("fixed-lr")
    (['main', 'fixed-lr', 'classes'], 'fixed_lr')
    >>> study.arms["main"].hessian.method
    'hvp'
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..io import read_json, write_json
from .config import _STUDY_PRESETS, _parse_toml, parse_config, read_toml_file
from .schema import ConfigError, SweepConfig

__all__ = [
    "ROLES",
    "STUDY_FORMAT",
    "StudyConfig",
    "is_study",
    "load_study",
    "load_study_file",
    "open_study",
    "parse_study",
    "prepare_study",
    "study_names",
]

STUDY_FORMAT = "qiskit-patchqnn study v1"
"""``format`` of a study directory's ``study.json``."""

ROLES = ("main", "fixed_lr", "classes")
"""What an arm can be to the study report."""

_STUDIES = _STUDY_PRESETS


@dataclass(frozen=True)
class StudyConfig:
    """A study: named arms, each a whole sweep, and what each arm is for.

    Attributes:
        name: the study's name.
        description: one line for the report.
        arms: arm name -> its sweep, in run order.
        roles: arm name -> its role (one of :data:`ROLES`).
    """

    name: str
    description: str
    arms: Mapping[str, SweepConfig]
    roles: Mapping[str, str]

    def role(self, arm: str) -> str:
        """The role of ``arm``."""
        return self.roles[arm]

    def arms_with(self, role: str) -> list[str]:
        """The arms of a role, in run order."""
        return [a for a in self.arms if self.roles[a] == role]

    @property
    def main(self) -> str:
        """The main arm's name."""
        return self.arms_with("main")[0]

    def num_runs(self) -> int:
        """Runs over all arms."""
        return sum(len(c.runs()) for c in self.arms.values())

    def to_dict(self) -> dict[str, Any]:
        """What ``study.json`` stores: the arms, their roles and hashes."""
        return {
            "format": STUDY_FORMAT,
            "name": self.name,
            "description": self.description,
            "arms": {
                a: {"role": self.roles[a], "config_hash": c.hash} for a, c in self.arms.items()
            },
        }


def study_names() -> tuple[str, ...]:
    """Names of the built-in studies.

    Example:
        >>> study_names()
        ('standard',)
    """
    return _STUDIES


def is_study(name: str | None) -> bool:
    """Whether a preset name is a study.

    Example:
        >>> is_study("standard"), is_study("quick")
        (True, False)
    """
    return name in _STUDIES


def load_study(name: str) -> StudyConfig:
    """Load a built-in study preset (``presets/<name>.toml``).

    Example:
        >>> study = load_study("standard")
        >>> study.main, sorted(study.arms)
        ('main', ['classes', 'fixed-lr', 'main'])
        >>> study.arms["fixed-lr"].training.learning_rate
        0.03

    Raises:
        ConfigError: unknown study, or an arm that is not a valid sweep (naming the arm).
    """
    if name not in _STUDIES:
        raise ConfigError(f"unknown study {name!r} (valid: {', '.join(_STUDIES)})")
    text = (
        resources.files(__package__).joinpath("presets").joinpath(f"{name}.toml").read_text("utf-8")
    )
    return parse_study(_parse_toml(text, f"preset {name}"), source=f"preset {name}")


def load_study_file(path: str | Path) -> StudyConfig | None:
    """The study in a TOML file, or ``None`` if the file is a plain sweep (no ``[study]``).

    Raises:
        ConfigError: missing or unreadable file, invalid TOML, or an invalid study.
    """
    path = Path(path)
    data = read_toml_file(path)
    return parse_study(data, source=path.name) if "study" in data else None


def parse_study(data: Mapping[str, Any], *, source: str = "study") -> StudyConfig:
    """Validate a study: its ``[study]`` table, the shared sections, every arm.

    Example:
        >>> base = {"sweep": {"seeds": [0]}, "layout": {"patch_shape": [5, 5],
        ...         "num_patches": [4]}, "model": {"depths": [1, 2]}}
        >>> s = parse_study({"study": {"name": "t", "arms": ["a", "b"]}, **base,
        ...                  "arms": {"a": {"role": "main"},
        ...                           "b": {"role": "fixed_lr", "model": {"depths": [2]}}}})
        >>> s.arms["b"].model.depths, s.arms["b"].name
        ((2,), 'b')
        >>> parse_study({"study": {"name": "t", "arms": ["a"]}, **base, "arms": {}})
        Traceback (most recent call last):
        ...
        qiskit_patchqnn.experiments.schema.ConfigError: study: arm 'a' is listed in \
study.arms but has no [arms.a] table
    """
    data = dict(data)
    head = data.pop("study", None)
    arms_data = data.pop("arms", None)
    if not isinstance(head, Mapping) or not isinstance(arms_data, Mapping):
        raise ConfigError(f"{source}: a study needs a [study] table and [arms.<name>] tables")
    unknown = set(head) - {"name", "description", "arms"}
    if unknown:
        raise ConfigError(
            f"{source}: unknown key 'study.{sorted(unknown)[0]}' (valid: arms, description, name)"
        )
    order = head.get("arms")
    if not isinstance(order, list) or not order or not all(isinstance(a, str) for a in order):
        raise ConfigError(f"{source}: 'study.arms' must be a non-empty list of arm names")
    extra = set(arms_data) - set(order)
    if extra:
        raise ConfigError(f"{source}: [arms.{sorted(extra)[0]}] is not listed in study.arms")
    arms: dict[str, SweepConfig] = {}
    roles: dict[str, str] = {}
    for arm in order:
        if arm not in arms_data or not isinstance(arms_data[arm], Mapping):
            raise ConfigError(
                f"{source}: arm {arm!r} is listed in study.arms but has no [arms.{arm}] table"
            )
        overrides = dict(arms_data[arm])
        role = overrides.pop("role", None)
        if role not in ROLES:
            raise ConfigError(
                f"{source}: arms.{arm}.role must be one of {', '.join(ROLES)}, got {role!r}"
            )
        merged = {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}
        for section, values in overrides.items():
            if not isinstance(values, Mapping):
                raise ConfigError(f"{source}: arms.{arm}.{section} must be a table")
            merged[section] = {**merged.get(section, {}), **values}
        merged.setdefault("sweep", {}).setdefault("name", arm)
        arms[arm] = parse_config(merged, source=f"{source}, arm {arm}")
        roles[arm] = role
    if list(roles.values()).count("main") != 1:
        raise ConfigError(f"{source}: exactly one arm must have role 'main'")
    name, description = str(head.get("name", "study")), str(head.get("description", ""))
    return StudyConfig(name, description, arms, roles)


def prepare_study(root: str | Path, study: StudyConfig) -> Path:
    """Create ``root/study.json`` or check that ``root`` holds this same study.

    Raises:
        ConfigError: ``root`` holds another study, a sweep, or unrelated files.
    """
    root = Path(root)
    meta = root / "study.json"
    mine = study.to_dict()
    if meta.is_file():
        theirs = read_json(meta)
        if theirs.get("arms") != mine["arms"]:
            raise ConfigError(
                f"{root} holds a different study ({theirs.get('name')!r} with other arms or "
                "settings); use another --out"
            )
        return root
    if (root / "sweep.json").is_file():
        raise ConfigError(f"{root} holds a sweep, not a study; use another --out")
    if root.is_dir() and any(p.name != ".lock" for p in root.iterdir()):
        raise ConfigError(f"{root} exists, is not empty and holds no study.json; use another --out")
    root.mkdir(parents=True, exist_ok=True)
    write_json(meta, {**mine, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return root


def open_study(root: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """``study.json`` of ``root`` and each arm's role.

    Raises:
        FileNotFoundError: no ``study.json``.
        ValueError: it is damaged.
    """
    meta_path = Path(root) / "study.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{root} is not a study directory (no study.json)")
    meta = read_json(meta_path)
    if meta.get("format") != STUDY_FORMAT or not isinstance(meta.get("arms"), dict):
        raise ValueError(f"{meta_path} is not a {STUDY_FORMAT} file")
    return meta, {a: v["role"] for a, v in meta["arms"].items()}
