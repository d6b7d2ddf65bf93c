# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The sweep schema: the whole configuration, checked across its sections.

:class:`SweepConfig` holds one model per TOML table (:mod:`.sections`, where every default is
stated once) and checks what involves several of them: the image shape against the dataset,
the patch grid, a learning rate per depth, a checkpoint within the epochs. Loading files and
presets, and error messages that name the key, are in :mod:`.config`.

Example:
    >>> from qiskit_patchqnn.experiments import load_preset
    >>> load_preset("quick").hash
    '73b81e2d2ac86dd1'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from pydantic import model_validator as _model_validator

from .sections import (
    BackendSpec,
    DatasetSpec,
    HessianSpec,
    LandscapeSpec,
    LayoutSpec,
    ModelSpec,
    RunSpec,
    SweepSpec,
    TrainingSpec,
    _Section,
    bad_value,
)

__all__ = ["ConfigError", "SweepConfig"]


class ConfigError(ValueError):
    """A sweep configuration is missing, is not valid TOML, or has a bad key or value."""


_ADDED_FIELDS: dict[str, tuple[str, ...]] = {
    "hessian": (
        "repetitions",
        "method",
        "parts",
        "bootstrap",
        "trace_probes",
        "density_runs",
        "density_steps",
        "subset_samples",
        "block_norm_samples",
        "block_norm_probes",
        "eigen_tol",
        "lanczos_steps",
        "class_structure",
    ),
    "landscape": ("method", "extent", "hessian_samples"),
}
"""Fields added after sweeps were first stored: they enter :attr:`SweepConfig.hash` only when
set to a value other than their default, so sweep directories made before keep their hash."""


# ----------------------------------------------------------------------------- the sweep
class SweepConfig(_Section):
    """A whole sweep: the grid ``num_patches × depths × seeds`` and the shared settings.

    The fields are the TOML file's sections; ``name``, ``description``, ``downscaling`` and
    ``seeds`` read the ``[sweep]`` section.
    """

    sweep: SweepSpec
    dataset: DatasetSpec = DatasetSpec()
    layout: LayoutSpec
    model: ModelSpec
    training: TrainingSpec = TrainingSpec()
    hessian: HessianSpec = HessianSpec()
    landscape: LandscapeSpec = LandscapeSpec()
    backend: BackendSpec = BackendSpec()

    @_model_validator(mode="before")
    @classmethod
    def _default_image_shape(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        layout = data.get("layout")
        if isinstance(layout, Mapping) and "image_shape" not in layout:
            try:
                shape = DatasetSpec.model_validate(data.get("dataset", {})).image_shape()
            except ValueError:  # the dataset section's own error is reported instead
                shape = (8, 8)
            data = {**data, "layout": {**layout, "image_shape": list(shape)}}
        return data

    @_model_validator(mode="after")
    def _consistent(self) -> SweepConfig:
        from ..layout import PatchLayout

        ds, lay = self.dataset, self.layout
        if ds.is_digits and ds.num_classes is not None and ds.num_classes > 10:
            raise bad_value("dataset.num_classes", ds.num_classes, "at most 10 for digits")
        if lay.image_shape != ds.image_shape():
            raise bad_value(
                "layout.image_shape",
                list(lay.image_shape),
                f"dataset {ds.name!r} (pool={str(ds.pool).lower()}) has "
                f"{list(ds.image_shape())} images",
            )
        for k in lay.num_patches:
            try:
                PatchLayout.grid(lay.image_shape, lay.patch_shape, k)
            except ValueError as exc:
                raise bad_value("layout.num_patches", k, str(exc)) from None
        classes = ds.num_classes or 10
        qubits = self.model.num_qubits
        if qubits is not None and 2 * qubits < classes:
            raise bad_value(
                "model.num_qubits",
                qubits,
                f"need >= {math.ceil(classes / 2)} qubits for {classes} classes (one X and one "
                "Z readout per qubit)",
            )
        lr = self.training.learning_rate
        if isinstance(lr, tuple):
            missing = [d for d in self.model.depths if d not in dict(lr)]
            if missing:
                value = {str(d): r for d, r in lr}
                raise bad_value(
                    "training.learning_rate", value, f"no learning rate for depth(s) {missing}"
                )
        epochs = self.training.epochs
        cp = self.hessian.checkpoint
        if cp == "trough" and self.training.schedule != "cosine":
            raise bad_value("hessian.checkpoint", cp, "'trough' needs training.schedule = 'cosine'")
        if cp.lstrip("-").isdigit() and not -1 <= int(cp) < epochs:
            raise bad_value("hessian.checkpoint", int(cp), f"expected an epoch in -1..{epochs - 1}")
        la = self.landscape
        if la.enabled and la.method == "pca" and epochs < 2:
            raise bad_value(
                "landscape.enabled",
                True,
                "a trajectory-PCA landscape needs training.epochs >= 2; set landscape.enabled "
                "= false",
            )
        return self

    # -------------------------------------------------------------- the [sweep] section
    @property
    def name(self) -> str:
        """Short name of the sweep."""
        return self.sweep.name

    @property
    def description(self) -> str:
        """One line for the report."""
        return self.sweep.description

    @property
    def downscaling(self) -> tuple[str, ...]:
        """Every way this sweep departs from the paper's setting, in words."""
        return self.sweep.downscaling

    @property
    def seeds(self) -> tuple[int, ...]:
        """Seeds of the repetitions."""
        return self.sweep.seeds

    # -------------------------------------------------------------- derived
    def runs(self) -> list[RunSpec]:
        """Every (patch count, depth, seed) run, sorted."""
        return sorted(
            RunSpec(k, d, s)
            for k in self.layout.num_patches
            for d in self.model.depths
            for s in self.seeds
        )

    def to_dict(self) -> dict:
        """Plain data (JSON/TOML-able): the inverse of :func:`~.config.parse_config`."""
        out = self.model_dump(mode="json", exclude_none=True)
        lr = self.training.learning_rate
        if isinstance(lr, tuple):
            out["training"]["learning_rate"] = {str(d): v for d, v in lr if d in self.model.depths}
        return out

    @property
    def hash(self) -> str:
        """SHA-256 of everything that changes results (not name, description, downscaling)."""
        data = self.to_dict()
        data["sweep"] = {"seeds": data["sweep"]["seeds"]}
        for section, keys in _ADDED_FIELDS.items():
            fields = type(getattr(self, section)).model_fields
            for key in keys:
                if data[section].get(key) == fields[key].default:
                    data[section].pop(key, None)  # a None default is dropped by to_dict
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def merged(self, changes: Mapping[str, Mapping[str, Any]], **kwargs: Any) -> SweepConfig:
        """A validated copy with some keys changed; ``None`` removes a key (its default).

        ``kwargs`` go to :func:`~.config.parse_config` (``source``, ``names``).

        Example:
            >>> from qiskit_patchqnn.experiments import load_preset
            >>> load_preset("quick").merged({"hessian": {"top_k": 3}}).hessian.top_k
            3
        """
        from .config import parse_config

        data = self.to_dict()
        for section, values in changes.items():
            merged = {**data.get(section, {}), **values}
            data[section] = {k: v for k, v in merged.items() if v is not None}
        return parse_config(data, **kwargs)

    def with_backend(self, spec: str | None = None, shots: int | None = None) -> SweepConfig:
        """The same sweep on another backend (``None`` keeps the current value)."""
        changes = {k: v for k, v in (("spec", spec), ("shots", shots)) if v is not None}
        return self.merged({"backend": changes}, source="--backend/--shots")
