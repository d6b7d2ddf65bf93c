# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweep configurations: TOML files and built-in presets, validated key by key.

A sweep is the grid ``num_patches × depths × seeds``; everything else (dataset, training recipe,
Hessian and landscape settings, backend) is shared by all runs. Every section and key is checked:
an unknown key or a bad value is rejected with a message that names the file and the key, e.g.
``sweep.toml: unknown key 'training.lr0' (valid: batch_size, epochs, ...)``.

Example:
    >>> cfg = load_preset("quick")
    >>> cfg.name, cfg.layout.num_patches, cfg.model.depths
    ('quick', (4, 9, 16), (1, 2))
    >>> len(cfg.runs()) == len(cfg.layout.num_patches) * len(cfg.model.depths) * len(cfg.seeds)
    True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = [
    "BackendSpec",
    "ConfigError",
    "DatasetSpec",
    "HessianSpec",
    "LandscapeSpec",
    "LayoutSpec",
    "ModelSpec",
    "RunSpec",
    "SweepConfig",
    "TrainingSpec",
    "load_config",
    "load_preset",
    "parse_config",
    "preset_names",
]


class ConfigError(ValueError):
    """A sweep configuration is missing, is not valid TOML, or has a bad key or value."""


# ----------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class DatasetSpec:
    """Which images to train on.

    Attributes:
        name: ``"digits"`` (embedded), ``"mnist:<path>"`` or a path to MNIST IDX/.npz files.
        test_size: held-out fraction of the digits split.
        split_seed: seed of the digits train/test split.
        pool: 2×2 average pooling (MNIST 28×28 → 14×14 as in the paper; digits 8×8 → 4×4).
        num_classes: keep the classes ``0 .. num_classes - 1`` only (``None``: all).
        num_train: stratified training subsample (``None``: the whole split).
        num_test: stratified test subsample (``None``: the whole split).
        subset_seed: seed of the subsampling.
    """

    name: str = "digits"
    test_size: float = 0.2
    split_seed: int = 0
    pool: bool = False
    num_classes: int | None = None
    num_train: int | None = None
    num_test: int | None = None
    subset_seed: int = 0

    @property
    def is_digits(self) -> bool:
        """Whether this is the embedded digits set."""
        return self.name.strip().lower() == "digits"

    def image_shape(self) -> tuple[int, int]:
        """Image shape after loading (and pooling)."""
        side = 8 if self.is_digits else 28
        return (side // 2, side // 2) if self.pool else (side, side)


@dataclass(frozen=True)
class LayoutSpec:
    """Where the patches sit: ``PatchLayout.grid(image_shape, patch_shape, K)`` per ``K``."""

    image_shape: tuple[int, int]
    patch_shape: tuple[int, int]
    num_patches: tuple[int, ...]


@dataclass(frozen=True)
class ModelSpec:
    """The patch QNN apart from its layout (see :class:`~qiskit_patchqnn.PatchQNN`)."""

    depths: tuple[int, ...]
    num_qubits: int | None = None
    scale: float = 100.0
    aggregation: str = "mean"
    input_bias: bool = False


@dataclass(frozen=True)
class TrainingSpec:
    """The training recipe; ``learning_rate`` is one value or one value per depth.

    Example:
        >>> TrainingSpec(learning_rate=((50, 1e-2), (100, 5e-3))).learning_rate_for(100)
        0.005
    """

    optimizer: str = "adam"
    learning_rate: float | tuple[tuple[int, float], ...] = 0.01
    schedule: str = "cosine"
    t_max: int = 5
    epochs: int = 10
    batch_size: int = 64
    weight_decay: float = 5e-5

    def learning_rate_for(self, depth: int) -> float:
        """Initial learning rate of a run at ``depth``."""
        if isinstance(self.learning_rate, tuple):
            return dict(self.learning_rate)[depth]
        return float(self.learning_rate)

    def train_config(self, depth: int, seed: int) -> Any:
        """The :class:`~qiskit_patchqnn.training.TrainConfig` of one run."""
        from ..training import TrainConfig

        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate_for(depth),
            weight_decay=self.weight_decay,
            schedule=self.schedule,
            t_max=self.t_max,
            seed=seed,
        )


@dataclass(frozen=True)
class HessianSpec:
    """Loss Hessian at a checkpoint of every run.

    Attributes:
        enabled: compute it at all.
        checkpoint: ``"best"`` (lowest full training loss, the paper's choice), ``"last"``,
            ``"init"`` or an epoch number.
        num_samples: stratified training samples it is averaged over (``None``: all).
        sample_seed: seed of that sample.
        top_k: leading eigenvalues reported.
        trace: estimate the trace.
        density: estimate the spectral density (for the spectrum figure).
        batch_size: samples per Hessian job (``None``: the module's default).
    """

    enabled: bool = True
    checkpoint: str = "best"
    num_samples: int | None = None
    sample_seed: int = 0
    top_k: int = 5
    trace: bool = True
    density: bool = True
    batch_size: int | None = None


@dataclass(frozen=True)
class LandscapeSpec:
    """Trajectory-PCA loss landscapes, for the runs that match the filters.

    Attributes:
        enabled: compute any.
        num_patches: only runs with these patch counts (``None``: all).
        depths: only these depths (``None``: all).
        seeds: only these seeds (``None``: all).
        resolution: grid points per axis.
        margin: extra extent beyond the trajectory on each axis, in radians (paper: 5).
        num_samples: training samples the loss is averaged over (``None``: all).
        sample_seed: seed of that sample.
    """

    enabled: bool = True
    num_patches: tuple[int, ...] | None = None
    depths: tuple[int, ...] | None = None
    seeds: tuple[int, ...] | None = None
    resolution: int = 20
    margin: float = 5.0
    num_samples: int | None = None
    sample_seed: int = 0

    def selects(self, run: RunSpec) -> bool:
        """Whether ``run`` gets a landscape."""
        return (
            self.enabled
            and (self.num_patches is None or run.num_patches in self.num_patches)
            and (self.depths is None or run.depth in self.depths)
            and (self.seeds is None or run.seed in self.seeds)
        )


@dataclass(frozen=True)
class BackendSpec:
    """Where circuits run: a :func:`qiskit_patchqnn.execution.resolve` spec string."""

    spec: str = "exact"
    shots: int | None = None
    seed: int = 0


@dataclass(frozen=True, order=True)
class RunSpec:
    """One cell of the sweep grid.

    Example:
        >>> RunSpec(9, 2, 0).name
        'p9-d2-s0'
    """

    num_patches: int
    depth: int
    seed: int

    @property
    def name(self) -> str:
        """Directory name of the run."""
        return f"p{self.num_patches}-d{self.depth}-s{self.seed}"


@dataclass(frozen=True)
class SweepConfig:
    """A whole sweep.

    Attributes:
        name: short name (a preset's name).
        description: one line for the report.
        downscaling: every way this sweep departs from the paper's setting, in words; the
            report prints them.
        seeds: seeds of the repetitions (initial weights and mini-batches).
        dataset, layout, model, training, hessian, landscape, backend: the sections.
    """

    name: str
    description: str
    downscaling: tuple[str, ...]
    seeds: tuple[int, ...]
    dataset: DatasetSpec
    layout: LayoutSpec
    model: ModelSpec
    training: TrainingSpec
    hessian: HessianSpec = field(default_factory=HessianSpec)
    landscape: LandscapeSpec = field(default_factory=LandscapeSpec)
    backend: BackendSpec = field(default_factory=BackendSpec)

    def runs(self) -> list[RunSpec]:
        """Every (patch count, depth, seed) run, sorted."""
        return sorted(
            RunSpec(k, d, s)
            for k in self.layout.num_patches
            for d in self.model.depths
            for s in self.seeds
        )

    def to_dict(self) -> dict:
        """Plain data (JSON/TOML-able): the inverse of :func:`parse_config`."""
        data = asdict(self)
        out: dict[str, Any] = {
            "sweep": {
                "name": data.pop("name"),
                "description": data.pop("description"),
                "downscaling": list(data.pop("downscaling")),
                "seeds": list(data.pop("seeds")),
            }
        }
        for section, values in data.items():
            out[section] = {k: _plain(v) for k, v in values.items() if v is not None}
        lr = self.training.learning_rate
        if isinstance(lr, tuple):
            out["training"]["learning_rate"] = {str(d): v for d, v in lr}
        return out

    @property
    def hash(self) -> str:
        """SHA-256 of everything that changes results (not name, description, downscaling)."""
        data = self.to_dict()
        data["sweep"] = {"seeds": data["sweep"]["seeds"]}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_backend(self, spec: str | None = None, shots: int | None = None) -> SweepConfig:
        """The same sweep on another backend (``None`` keeps the current value)."""
        values = asdict(self.backend)
        if spec is not None:
            values["spec"] = spec
        if shots is not None:
            values["shots"] = shots
        data = self.to_dict()
        data["backend"] = {k: v for k, v in values.items() if v is not None}
        return parse_config(data, source="--backend/--shots")

    def replace(self, **changes: Any) -> SweepConfig:
        """A copy with some top-level fields replaced (no re-validation of sections)."""
        return replace(self, **changes)


# ----------------------------------------------------------------------------- loading
_PRESETS = ("quick", "paper")


def preset_names() -> tuple[str, ...]:
    """Names of the built-in presets.

    Example:
        >>> preset_names()
        ('quick', 'paper')
    """
    return _PRESETS


def load_preset(name: str) -> SweepConfig:
    """Load a built-in preset (``presets/<name>.toml`` inside the package).

    Example:
        >>> cfg = load_preset("quick")
        >>> len(cfg.runs()), cfg.training.epochs
        (18, 10)

    Raises:
        ConfigError: unknown preset name.
    """
    if name not in _PRESETS:
        raise ConfigError(f"unknown preset {name!r} (valid: {', '.join(_PRESETS)})")
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
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read config: {exc}") from None
    return parse_config(_parse_toml(text, path.name), source=path.name)


def _parse_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None


def parse_config(data: Mapping[str, Any], *, source: str = "config") -> SweepConfig:
    """Validate plain data (as read from TOML) into a :class:`SweepConfig`.

    Args:
        data: sections ``sweep`` (required: ``seeds``), ``dataset``, ``layout`` (required:
            ``patch_shape``, ``num_patches``), ``model`` (required: ``depths``), ``training``,
            ``hessian``, ``landscape``, ``backend``.
        source: file name used in error messages.

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
        qiskit_patchqnn.experiments.config.ConfigError: x.toml: unknown key 'sweep.sed' (valid: \
description, downscaling, name, seeds)
    """
    v = _Validator(source)
    valid = _valid_keys()
    top = v.table(data, "", set(valid))
    for name, keys in valid.items():  # unknown keys first, wherever they are
        v.section(top, name, keys)
    sw = v.section(top, "sweep", {"name", "description", "downscaling", "seeds"})
    seeds = v.int_list(sw, "sweep.seeds", minimum=0, required=True)
    ds = v.section(top, "dataset", {f.name for f in _fields(DatasetSpec)})
    dataset = DatasetSpec(
        name=v.string(ds, "dataset.name", "digits"),
        test_size=v.number(ds, "dataset.test_size", 0.2, low=0.0, high=1.0, open_=True),
        split_seed=v.integer(ds, "dataset.split_seed", 0, minimum=0),
        pool=v.boolean(ds, "dataset.pool", False),
        num_classes=v.integer(ds, "dataset.num_classes", None, minimum=2),
        num_train=v.integer(ds, "dataset.num_train", None, minimum=1),
        num_test=v.integer(ds, "dataset.num_test", None, minimum=1),
        subset_seed=v.integer(ds, "dataset.subset_seed", 0, minimum=0),
    )
    if dataset.is_digits and dataset.num_classes is not None and dataset.num_classes > 10:
        v.fail("dataset.num_classes", dataset.num_classes, "at most 10 for digits")
    lay = v.section(top, "layout", {"image_shape", "patch_shape", "num_patches"})
    image_shape = v.pair(lay, "layout.image_shape", dataset.image_shape())
    if image_shape != dataset.image_shape():
        v.fail(
            "layout.image_shape",
            list(image_shape),
            f"dataset {dataset.name!r} (pool={str(dataset.pool).lower()}) has "
            f"{list(dataset.image_shape())} images",
        )
    patch_shape = v.pair(lay, "layout.patch_shape", None)
    num_patches = v.int_list(lay, "layout.num_patches", minimum=1, required=True)
    from ..layout import PatchLayout

    for k in num_patches:
        try:
            PatchLayout.grid(image_shape, patch_shape, k)
        except ValueError as exc:
            v.fail("layout.num_patches", k, str(exc))
    mo = v.section(top, "model", {f.name for f in _fields(ModelSpec)})
    model = ModelSpec(
        depths=v.int_list(mo, "model.depths", minimum=1, required=True),
        num_qubits=v.integer(mo, "model.num_qubits", None, minimum=1, maximum=30),
        scale=v.number(mo, "model.scale", 100.0, nonzero=True),
        aggregation=v.choice(mo, "model.aggregation", "mean", ("mean", "sum")),
        input_bias=v.boolean(mo, "model.input_bias", False),
    )
    num_classes = dataset.num_classes or 10
    if model.num_qubits is not None and 2 * model.num_qubits < num_classes:
        v.fail(
            "model.num_qubits",
            model.num_qubits,
            f"need >= {math.ceil(num_classes / 2)} "
            f"qubits for {num_classes} classes (one X and one Z readout per qubit)",
        )
    tr = v.section(top, "training", {f.name for f in _fields(TrainingSpec)})
    training = TrainingSpec(
        optimizer=v.choice(tr, "training.optimizer", "adam", ("adam",)),
        learning_rate=v.learning_rate(tr, model.depths),
        schedule=v.choice(tr, "training.schedule", "cosine", ("cosine", "constant")),
        t_max=v.integer(tr, "training.t_max", 5, minimum=1),
        epochs=v.integer(tr, "training.epochs", 10, minimum=1),
        batch_size=v.integer(tr, "training.batch_size", 64, minimum=1),
        weight_decay=v.number(tr, "training.weight_decay", 5e-5, low=0.0),
    )
    he = v.section(top, "hessian", {f.name for f in _fields(HessianSpec)})
    hessian = HessianSpec(
        enabled=v.boolean(he, "hessian.enabled", True),
        checkpoint=v.checkpoint(he, "hessian.checkpoint", training.epochs),
        num_samples=v.samples(he, "hessian.num_samples"),
        sample_seed=v.integer(he, "hessian.sample_seed", 0, minimum=0),
        top_k=v.integer(he, "hessian.top_k", 5, minimum=1),
        trace=v.boolean(he, "hessian.trace", True),
        density=v.boolean(he, "hessian.density", True),
        batch_size=v.integer(he, "hessian.batch_size", None, minimum=1),
    )
    la = v.section(top, "landscape", {f.name for f in _fields(LandscapeSpec)})
    landscape = LandscapeSpec(
        enabled=v.boolean(la, "landscape.enabled", True),
        num_patches=v.int_list(la, "landscape.num_patches", minimum=1) or None,
        depths=v.int_list(la, "landscape.depths", minimum=1) or None,
        seeds=v.int_list(la, "landscape.seeds", minimum=0) or None,
        resolution=v.integer(la, "landscape.resolution", 20, minimum=2),
        margin=v.number(la, "landscape.margin", 5.0, low=0.0),
        num_samples=v.samples(la, "landscape.num_samples"),
        sample_seed=v.integer(la, "landscape.sample_seed", 0, minimum=0),
    )
    if landscape.enabled and training.epochs < 2:
        v.fail(
            "landscape.enabled",
            True,
            "a trajectory-PCA landscape needs training.epochs >= 2; set landscape.enabled = false",
        )
    be = v.section(top, "backend", {"spec", "shots", "seed"})
    backend = BackendSpec(
        spec=v.string(be, "backend.spec", "exact"),
        shots=v.integer(be, "backend.shots", None, minimum=1),
        seed=v.integer(be, "backend.seed", 0, minimum=0),
    )
    _check_backend(v, backend)
    return SweepConfig(
        name=v.string(sw, "sweep.name", "sweep"),
        description=v.string(sw, "sweep.description", ""),
        downscaling=tuple(v.str_list(sw, "sweep.downscaling")),
        seeds=seeds,
        dataset=dataset,
        layout=LayoutSpec(image_shape, patch_shape, num_patches),  # type: ignore[arg-type]
        model=model,
        training=training,
        hessian=hessian,
        landscape=landscape,
        backend=backend,
    )


def _valid_keys() -> dict[str, set[str]]:
    """Valid keys of every section."""
    return {
        "sweep": {"name", "description", "downscaling", "seeds"},
        "dataset": {f.name for f in _fields(DatasetSpec)},
        "layout": {"image_shape", "patch_shape", "num_patches"},
        "model": {f.name for f in _fields(ModelSpec)},
        "training": {f.name for f in _fields(TrainingSpec)},
        "hessian": {f.name for f in _fields(HessianSpec)},
        "landscape": {f.name for f in _fields(LandscapeSpec)},
        "backend": {f.name for f in _fields(BackendSpec)},
    }


def _check_backend(v: _Validator, backend: BackendSpec) -> None:
    kind, _, name = backend.spec.strip().partition(":")
    kinds = ("exact", "aer", "fake", "ibm")
    if kind.lower() not in kinds or (kind.lower() in ("fake", "ibm") and not name):
        v.fail(
            "backend.spec",
            backend.spec,
            "expected 'exact', 'aer', 'aer:<fake>', 'fake:<fake>' or 'ibm:<name>'",
        )


def _fields(cls: type) -> tuple:
    import dataclasses

    return dataclasses.fields(cls)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class _Validator:
    """Reads typed values out of TOML tables; every error names ``source`` and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {message}")

    def fail(self, key: str, value: Any, expected: str) -> None:
        raise self.error(f"bad value for '{key}': {value!r} ({expected})")

    def table(self, data: Any, prefix: str, valid: set[str]) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            where = f"'{prefix}'" if prefix else "the top level"
            raise self.error(f"{where} must be a table, got {type(data).__name__}")
        for key in data:
            if key not in valid:
                full = f"{prefix}.{key}" if prefix else str(key)
                kind = "key" if prefix else "section"
                raise self.error(f"unknown {kind} '{full}' (valid: {', '.join(sorted(valid))})")
        return data

    def section(self, top: Mapping[str, Any], name: str, valid: set[str]) -> Mapping[str, Any]:
        return self.table(top.get(name, {}), name, valid)

    @staticmethod
    def _leaf(key: str) -> str:
        return key.rsplit(".", 1)[-1]

    def integer(
        self,
        table: Mapping[str, Any],
        key: str,
        default: int | None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        value = table.get(self._leaf(key), default)
        if value is None:
            return None
        self._check_int(key, value, minimum, maximum)
        return int(value)

    def _check_int(self, key: str, value: Any, minimum: int | None, maximum: int | None) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, value, "expected an integer")
        if minimum is not None and value < minimum:
            self.fail(key, value, f"expected an integer >= {minimum}")
        if maximum is not None and value > maximum:
            self.fail(key, value, f"expected an integer <= {maximum}")

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        default: float,
        *,
        low: float | None = None,
        high: float | None = None,
        open_: bool = False,
        nonzero: bool = False,
    ) -> float:
        value = table.get(self._leaf(key), default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, value, "expected a number")
        if not math.isfinite(value):
            self.fail(key, value, "expected a finite number")
        if open_ and low is not None and high is not None and not low < value < high:
            self.fail(key, value, f"expected a number strictly between {low} and {high}")
        if not open_ and low is not None and value < low:
            self.fail(key, value, f"expected a number >= {low}")
        if nonzero and value == 0:
            self.fail(key, value, "expected a non-zero number")
        return float(value)

    def boolean(self, table: Mapping[str, Any], key: str, default: bool) -> bool:
        value = table.get(self._leaf(key), default)
        if not isinstance(value, bool):
            self.fail(key, value, "expected true or false")
        return bool(value)

    def string(self, table: Mapping[str, Any], key: str, default: str) -> str:
        value = table.get(self._leaf(key), default)
        if not isinstance(value, str):
            self.fail(key, value, "expected a string")
        return str(value)

    def choice(self, table: Mapping[str, Any], key: str, default: str, valid: tuple) -> str:
        value = self.string(table, key, default)
        if value not in valid:
            self.fail(key, value, f"expected one of {', '.join(map(repr, valid))}")
        return value

    def str_list(self, table: Mapping[str, Any], key: str) -> list[str]:
        value = table.get(self._leaf(key), [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.fail(key, value, "expected a list of strings")
        return list(value)

    def int_list(
        self, table: Mapping[str, Any], key: str, *, minimum: int = 0, required: bool = False
    ) -> tuple[int, ...]:
        leaf = self._leaf(key)
        if leaf not in table:
            if required:
                raise self.error(f"missing required key '{key}'")
            return ()
        value = table[leaf]
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            self.fail(key, value, "expected a non-empty list of integers")
        for item in value:
            self._check_int(key, item, minimum, None)
        if len(set(value)) != len(value):
            self.fail(key, value, "expected distinct values")
        return tuple(sorted(int(x) for x in value))

    def pair(self, table: Mapping[str, Any], key: str, default: Any) -> tuple[int, int]:
        leaf = self._leaf(key)
        if leaf not in table and default is None:
            raise self.error(f"missing required key '{key}'")
        value = table.get(leaf, default)
        if isinstance(value, tuple):
            value = list(value)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in value)
        ):
            self.fail(key, value, "expected two positive integers, e.g. [5, 5]")
        return (int(value[0]), int(value[1]))

    def samples(self, table: Mapping[str, Any], key: str) -> int | None:
        value = table.get(self._leaf(key), "all")
        if value == "all":
            return None
        self._check_int(key, value, 1, None)
        return int(value)

    def checkpoint(self, table: Mapping[str, Any], key: str, epochs: int) -> str:
        value = table.get(self._leaf(key), "best")
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if not -1 <= value < epochs:
                self.fail(key, value, f"expected an epoch in -1..{epochs - 1}")
            return str(value)
        if value not in ("best", "last", "init"):
            self.fail(key, value, "expected 'best', 'last', 'init' or an epoch number")
        return str(value)

    def learning_rate(
        self, table: Mapping[str, Any], depths: tuple[int, ...]
    ) -> float | tuple[tuple[int, float], ...]:
        key = "training.learning_rate"
        value = table.get("learning_rate", 0.01)
        if isinstance(value, Mapping):
            rates: dict[int, float] = {}
            for d, lr in value.items():
                try:
                    depth = int(d)
                except ValueError:
                    self.fail(f"{key}.{d}", d, "keys must be depths, e.g. {50 = 1e-2}")
                rates[depth] = self.number({str(d): lr}, f"{key}.{d}", 0.0, low=0.0)
                if rates[depth] <= 0:
                    self.fail(f"{key}.{d}", lr, "expected a positive number")
            missing = [d for d in depths if d not in rates]
            if missing:
                self.fail(key, dict(value), f"no learning rate for depth(s) {missing}")
            return tuple(sorted((d, rates[d]) for d in depths))
        lr = self.number(table, key, 0.01, low=0.0)
        if lr <= 0:
            self.fail(key, value, "expected a positive number or a table {depth = rate}")
        return lr
