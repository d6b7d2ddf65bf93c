# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The sections of a sweep configuration: one frozen pydantic model per TOML table.

Every default of a run is stated here once: the ``patchqnn`` commands build their one-run
configurations from these models, and the training defaults are those of
:class:`~qiskit_patchqnn.training.TrainConfig`. Models forbid unknown keys, take no implicit
type conversions (``1.5`` is not an integer, ``1`` is not a boolean) and are immutable. The
whole configuration, with the checks across sections, is :class:`~.schema.SweepConfig`.

Example:
    >>> TrainingSpec().learning_rate, HessianSpec().top_k, LandscapeSpec().resolution
    (0.01, 5, 20)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from ..training import TrainConfig

__all__ = [
    "BackendSpec",
    "DatasetSpec",
    "HessianSpec",
    "LandscapeSpec",
    "LayoutSpec",
    "ModelSpec",
    "RunSpec",
    "SweepSpec",
    "TrainingSpec",
]


def bad_value(key: str, value: Any, expected: str) -> PydanticCustomError:
    """A validation error that :func:`~.config.parse_config` reports as ``key``'s."""
    return PydanticCustomError(
        "bad_value", "{expected}", {"key": key, "value": value, "expected": expected}
    )


# ----------------------------------------------------------------------------- field types
def _as_tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    return value


def _distinct_sorted(values: tuple[int, ...]) -> tuple[int, ...]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("distinct", "expected distinct values")
    return tuple(sorted(values))


def _samples(value: Any) -> Any:
    return None if value == "all" else value


def _checkpoint(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value not in ("best", "trough", "last", "init"):
        raise PydanticCustomError(
            "checkpoint", "expected 'best', 'trough', 'last', 'init' or an epoch"
        )
    return value


def _learning_rate(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    rates = []
    for depth, rate in value.items():
        try:
            d = int(depth)
        except ValueError:
            raise PydanticCustomError("lr_key", "keys must be depths, e.g. {50 = 1e-2}") from None
        rates.append((d, rate))
    return tuple(sorted(rates))


PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Number = Annotated[float, Field(allow_inf_nan=False)]
PositiveNumber = Annotated[float, Field(gt=0, allow_inf_nan=False)]
IntList = Annotated[
    tuple[PositiveInt, ...],
    BeforeValidator(_as_tuple),
    Field(min_length=1),
    AfterValidator(_distinct_sorted),
]
DepthList = Annotated[
    tuple[NonNegativeInt, ...],
    BeforeValidator(_as_tuple),
    Field(min_length=1),
    AfterValidator(_distinct_sorted),
]
SeedList = Annotated[
    tuple[NonNegativeInt, ...],
    BeforeValidator(_as_tuple),
    Field(min_length=1),
    AfterValidator(_distinct_sorted),
]
Pair = Annotated[tuple[PositiveInt, PositiveInt], BeforeValidator(_as_tuple)]
Samples = Annotated[PositiveInt | None, BeforeValidator(_samples)]
LearningRate = Annotated[
    PositiveNumber | tuple[tuple[int, PositiveNumber], ...], BeforeValidator(_learning_rate)
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# ----------------------------------------------------------------------------- sections
class SweepSpec(_Section):
    """The ``[sweep]`` section: names, the down-scaling statement and the seeds.

    Attributes:
        name: short name (a preset's name).
        description: one line for the report.
        downscaling: every way this sweep departs from the paper's setting, in words.
        seeds: seeds of the repetitions (initial weights and mini-batches).
    """

    name: str = "sweep"
    description: str = ""
    downscaling: Annotated[tuple[str, ...], BeforeValidator(_as_tuple)] = ()
    seeds: SeedList

    @_model_validator(mode="before")
    @classmethod
    def _one_line(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("downscaling"), str):
            return {**data, "downscaling": [data["downscaling"]]}
        return data


class DatasetSpec(_Section):
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
    test_size: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2
    split_seed: NonNegativeInt = 0
    pool: bool = False
    num_classes: Annotated[int, Field(ge=2)] | None = None
    num_train: PositiveInt | None = None
    num_test: PositiveInt | None = None
    subset_seed: NonNegativeInt = 0

    @property
    def is_digits(self) -> bool:
        """Whether this is the embedded digits set."""
        return self.name.strip().lower() == "digits"

    def image_shape(self) -> tuple[int, int]:
        """Image shape after loading (and pooling)."""
        side = 8 if self.is_digits else 28
        return (side // 2, side // 2) if self.pool else (side, side)


class LayoutSpec(_Section):
    """Where the patches sit: ``PatchLayout.grid(image_shape, patch_shape, K)`` per ``K``.

    ``image_shape`` defaults to the dataset's (see :class:`SweepConfig`).
    """

    image_shape: Pair
    patch_shape: Pair
    num_patches: IntList


class ModelSpec(_Section):
    """The patch QNN apart from its layout (see :class:`~qiskit_patchqnn.PatchQNN`).

    ``depths`` are layers per trainable block; ``0`` leaves only the trainable encoding
    rotations (``2 F`` weights per patch of ``F`` pixels).
    """

    depths: DepthList
    num_qubits: Annotated[int, Field(ge=1, le=30)] | None = None
    scale: Number = 100.0
    aggregation: Literal["mean", "sum"] = "mean"
    input_bias: bool = False

    @_model_validator(mode="after")
    def _nonzero_scale(self) -> ModelSpec:
        if self.scale == 0:
            raise bad_value("model.scale", self.scale, "expected a non-zero number")
        return self


_TC = TrainConfig()


class TrainingSpec(_Section):
    """The training recipe; ``learning_rate`` is one value or one value per depth.

    The defaults are :class:`~qiskit_patchqnn.training.TrainConfig`'s.

    Example:
        >>> TrainingSpec(learning_rate=((50, 1e-2), (100, 5e-3))).learning_rate_for(100)
        0.005
    """

    optimizer: Literal["adam"] = "adam"
    learning_rate: LearningRate = _TC.learning_rate
    schedule: Literal["cosine", "constant"] = _TC.schedule  # type: ignore[assignment]
    t_max: PositiveInt = _TC.t_max
    epochs: PositiveInt = _TC.epochs
    batch_size: PositiveInt = _TC.batch_size
    weight_decay: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = _TC.weight_decay

    def learning_rate_for(self, depth: int) -> float:
        """Initial learning rate of a run at ``depth``."""
        if isinstance(self.learning_rate, tuple):
            return dict(self.learning_rate)[depth]
        return float(self.learning_rate)

    def train_config(self, depth: int, seed: int) -> TrainConfig:
        """The :class:`~qiskit_patchqnn.training.TrainConfig` of one run."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate_for(depth),
            weight_decay=self.weight_decay,
            schedule=self.schedule,
            t_max=self.t_max,
            seed=seed,
        )


class HessianSpec(_Section):
    """Loss Hessian at a checkpoint of every run.

    Attributes:
        enabled: compute it at all.
        checkpoint: ``"best"`` (lowest full training loss, the paper's choice),
            ``"trough"`` (lowest among the epochs at a learning-rate trough of the schedule),
            ``"last"``, ``"init"`` or an epoch number.
        num_samples: stratified training samples it is averaged over (``None``: all).
        sample_seed: seed of that sample (and of the spectral density's probes).
        top_k: leading eigenvalues reported.
        trace: estimate the trace.
        density: estimate the spectral density (for the spectrum figure).
        batch_size: samples per Hessian job (``None``: the module's default).
        repetitions: independent repetitions for error bars under shot noise.
        method: ``"parameter_shift"`` (dense per-patch blocks, any backend) or ``"hvp"``
            (matrix-free Hessian-vector products, exact simulation only: the paper's scale).
        parts: ``"all"`` (:math:`G + R`) or ``"gauss_newton"`` (:math:`G` from first-order
            shifts only; parameter-shift route).
        bootstrap: parametric-bootstrap resamples over shots for error bars of the
            Gauss-Newton part (0: none).
        trace_probes: ``hvp``: Hutchinson probes of the trace.
        density_runs: ``hvp``: Lanczos runs of the spectral density.
        density_steps: ``hvp``: Lanczos steps per density run.
        subset_samples: ``hvp``: also the top eigenvalue on this many stratified samples, to
            show what subsampling does (``None``: no).
        block_norm_samples: ``hvp``: stratified samples of the stochastic block-norm estimate
            (its cost grows with the number of blocks).
        block_norm_probes: ``hvp``: probes per block of that estimate (0: no block norms).
        eigen_tol: ``hvp``: relative accuracy asked of Lanczos for the top eigenvalues.
        lanczos_steps: ``hvp``: take the top eigenvalues and the spectral density from one
            Lanczos run of at most this many products, stopped once the ``top_k`` eigenvalues
            reach ``eigen_tol`` (:func:`~qiskit_patchqnn.hessian.spectrum.lanczos_spectrum`;
            ``density_runs - 1`` further density runs are added); ``None``: ``eigsh`` and
            separate density runs.
        class_structure: ``hvp``: split the Gauss-Newton part into between- and within-class
            parts (:func:`~qiskit_patchqnn.hessian.class_structure`) and count the eigenvalues
            above the within-class edge: outliers by a rule with a stated null.
    """

    enabled: bool = True
    checkpoint: Annotated[str, BeforeValidator(_checkpoint)] = "best"
    num_samples: Samples = None
    sample_seed: NonNegativeInt = 0
    top_k: PositiveInt = 5
    trace: bool = True
    density: bool = True
    batch_size: PositiveInt | None = None
    repetitions: PositiveInt = 1
    method: Literal["parameter_shift", "hvp"] = "parameter_shift"
    parts: Literal["all", "gauss_newton"] = "all"
    bootstrap: NonNegativeInt = 0
    trace_probes: Annotated[int, Field(ge=2)] = 20
    density_runs: PositiveInt = 3
    density_steps: PositiveInt = 30
    subset_samples: PositiveInt | None = None
    block_norm_samples: PositiveInt = 100
    block_norm_probes: NonNegativeInt = 6
    eigen_tol: Annotated[float, Field(gt=0.0, lt=1.0)] = 1e-6
    lanczos_steps: Annotated[int, Field(ge=2)] | None = None
    class_structure: bool = False

    @_model_validator(mode="after")
    def _consistent(self) -> HessianSpec:
        if self.method == "hvp" and self.parts != "all":
            raise bad_value(
                "hessian.parts", self.parts, "method 'hvp' computes every part; use 'all'"
            )
        if self.class_structure and self.method != "hvp":
            raise bad_value(
                "hessian.class_structure", True, "false unless method = 'hvp' (matrix-free)"
            )
        if self.method == "hvp" and self.repetitions > 1:
            raise bad_value("hessian.repetitions", self.repetitions, "1 with method 'hvp' (exact)")
        if self.bootstrap and (self.parts != "gauss_newton" or self.bootstrap < 2):
            raise bad_value(
                "hessian.bootstrap",
                self.bootstrap,
                "0, or >= 2 with parts = 'gauss_newton' (use repetitions for the full Hessian)",
            )
        if self.bootstrap and self.repetitions > 1:
            raise bad_value("hessian.bootstrap", self.bootstrap, "0 when repetitions > 1")
        return self


class LandscapeSpec(_Section):
    """Loss landscapes, for the runs that match the filters.

    Attributes:
        enabled: compute any.
        num_patches: only runs with these patch counts (``None``: all).
        depths: only these depths (``None``: all).
        seeds: only these seeds (``None``: all).
        resolution: grid points per axis.
        margin: ``pca``: extra extent beyond the trajectory on each axis, in radians (paper: 5).
        num_samples: training samples the loss is averaged over (``None``: all).
        sample_seed: seed of that sample (and of random directions).
        method: ``"pca"`` (the paper's trajectory-PCA plane), ``"random"`` (two Gaussian
            directions normalised per patch) or ``"hessian"`` (the top two eigenvectors).
        extent: ``random``/``hessian``: half-width of the grid in units of the directions.
        hessian_samples: ``hessian``: stratified samples of the Hessian.
    """

    enabled: bool = True
    num_patches: IntList | None = None
    depths: DepthList | None = None
    seeds: SeedList | None = None
    resolution: Annotated[int, Field(ge=2)] = 20
    margin: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 5.0
    num_samples: Samples = None
    sample_seed: NonNegativeInt = 0
    method: Literal["pca", "random", "hessian"] = "pca"
    extent: PositiveNumber = 1.0
    hessian_samples: PositiveInt = 64

    def selects(self, run: RunSpec) -> bool:
        """Whether ``run`` gets a landscape."""
        return (
            self.enabled
            and (self.num_patches is None or run.num_patches in self.num_patches)
            and (self.depths is None or run.depth in self.depths)
            and (self.seeds is None or run.seed in self.seeds)
        )


class BackendSpec(_Section):
    """Where circuits run: a :func:`qiskit_patchqnn.execution.resolve` spec string."""

    spec: str = "exact"
    shots: PositiveInt | None = None
    seed: NonNegativeInt = 0

    @_model_validator(mode="after")
    def _known_kind(self) -> BackendSpec:
        kind, _, name = self.spec.strip().partition(":")
        if kind.lower() not in ("exact", "aer", "fake", "ibm") or (
            kind.lower() in ("fake", "ibm") and not name
        ):
            raise bad_value(
                "backend.spec",
                self.spec,
                "expected 'exact', 'aer', 'aer:<fake>', 'fake:<fake>' or 'ibm:<name>'",
            )
        return self


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
