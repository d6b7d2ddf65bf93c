# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``LandscapeScan``: the result of a plane or line scan, with atomic save and load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..execution.provenance import Provenance
from ..io import read_json, write_json, write_npz

__all__ = ["LandscapeScan"]


@dataclass(frozen=True, eq=False)
class LandscapeScan:
    """Loss and accuracy on a grid in weight space.

    Point ``index`` of the grid has weights ``origin + sum_i axes[i][index[i]] * directions[i]``.

    Attributes:
        kind: ``"plane"`` or ``"line"``.
        axes: grid coordinates along each direction (raw units of the directions).
        losses: mean softmax cross-entropy (nats), shape ``tuple(len(a) for a in axes)``.
        accuracies: accuracy at every grid point, same shape.
        origin: weights at coordinate 0 ``(P,)``.
        directions: ``(len(axes), P)``.
        extent: ``(min, max)`` per axis, flattened.
        labels: axis names (``"1st PC"``, ``"random 1"``, ``"t"``, ...).
        method: how the directions were chosen (``"pca"``, ``"random"``, ``"hessian"``,
            ``"interpolation"``, ``"direction"`` or ``"custom"``).
        periodic: whether the line's direction was wrapped to the shortest periodic path.
        axis_scale: factor each axis is divided by in plots (1 = raw).
        num_samples: samples in the loss.
        provenance: where and how the losses were computed (backend, shots or precision,
            options, package versions, job ids).
        num_evaluations: circuit bindings the scan evaluated.
        num_jobs: estimator jobs the scan submitted.
        seconds: wall time.
        info: extra provenance (explained variance, seeds, eigenvalues, ...).
    """

    kind: str
    axes: tuple[np.ndarray, ...]
    losses: np.ndarray
    accuracies: np.ndarray
    origin: np.ndarray
    directions: np.ndarray
    extent: tuple[float, ...]
    labels: tuple[str, ...]
    method: str = "custom"
    periodic: bool = False
    axis_scale: tuple[float, ...] = ()
    num_samples: int = 0
    provenance: Provenance | None = None
    num_evaluations: int = 0
    num_jobs: int = 0
    seconds: float = 0.0
    info: dict = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """Name of the backend the losses were computed on (``""`` if unknown)."""
        return "" if self.provenance is None else self.provenance.backend

    @property
    def precision(self) -> float | None:
        """Target precision of the expectation values (``None``: exact or the default)."""
        return None if self.provenance is None else self.provenance.precision

    @property
    def periodicity_note(self) -> str:
        """One line saying how the 2π-periodicity of the angle weights was handled."""
        if self.kind == "line" and self.method == "interpolation":
            if self.periodic:
                return (
                    "shortest periodic path: angle differences wrapped to (-π, π]; "
                    "bias not periodic"
                )
            return "straight path in weight space (2π-periodic angles not wrapped)"
        return "angle weights are 2π-periodic; grid not wrapped (straight lines in weight space)"

    def point(self, *index: int) -> np.ndarray:
        """Weights of grid point ``index``.

        Example:
            >>> s = LandscapeScan("line", (np.array([0.0, 2.0]),), np.zeros(2), np.zeros(2),
            ...                   np.zeros(2), np.array([[1.0, 0.0]]), (0.0, 2.0), ("t",))
            >>> s.point(1).tolist()
            [2.0, 0.0]
        """
        if len(index) != len(self.axes):
            raise ValueError(f"need {len(self.axes)} indices, got {len(index)}")
        coef = np.array([a[i] for a, i in zip(self.axes, index, strict=True)])
        return self.origin + coef @ self.directions

    def save(self, path: str | Path) -> Path:
        """Write ``<path>.npz`` (arrays) then ``<path>.json`` (metadata), atomically.

        ``path`` may end in ``.npz`` or ``.json``; the other file gets the same stem.

        Returns:
            The JSON path.
        """
        stem = _stem(path)
        arrays = {f"axis_{i}": a for i, a in enumerate(self.axes)}
        write_npz(
            stem.with_suffix(".npz"),
            losses=self.losses,
            accuracies=self.accuracies,
            origin=self.origin,
            directions=self.directions,
            **arrays,
        )
        meta = {
            "format": "qiskit-patchqnn landscape scan v1",
            "kind": self.kind,
            "extent": list(self.extent),
            "labels": list(self.labels),
            "method": self.method,
            "periodic": self.periodic,
            "periodicity": self.periodicity_note,
            "axis_scale": list(self.axis_scale),
            "num_samples": self.num_samples,
            "provenance": None if self.provenance is None else self.provenance.to_dict(),
            "num_evaluations": self.num_evaluations,
            "num_jobs": self.num_jobs,
            "seconds": self.seconds,
            "loss_min": float(np.nanmin(self.losses)),
            "loss_max": float(np.nanmax(self.losses)),
            "info": self.info,
        }
        return write_json(stem.with_suffix(".json"), meta)

    @classmethod
    def load(cls, path: str | Path) -> LandscapeScan:
        """Read a scan written by :meth:`save`.

        Raises:
            FileNotFoundError: a file is missing.
            ValueError: the files are not a scan.
        """
        stem = _stem(path)
        meta = read_json(stem.with_suffix(".json"))
        npz = stem.with_suffix(".npz")
        if not npz.is_file():
            raise FileNotFoundError(f"{npz} does not exist")
        try:
            with np.load(npz) as data:
                arrays = {k: data[k] for k in data.files}
            naxes = 2 if meta["kind"] == "plane" else 1
            return cls(
                kind=meta["kind"],
                axes=tuple(arrays[f"axis_{i}"] for i in range(naxes)),
                losses=arrays["losses"],
                accuracies=arrays["accuracies"],
                origin=arrays["origin"],
                directions=arrays["directions"],
                extent=tuple(float(v) for v in meta["extent"]),
                labels=tuple(meta["labels"]),
                method=meta["method"],
                periodic=bool(meta["periodic"]),
                axis_scale=tuple(float(v) for v in meta["axis_scale"]),
                num_samples=int(meta["num_samples"]),
                provenance=_provenance(meta),
                num_evaluations=int(meta["num_evaluations"]),
                num_jobs=int(meta["num_jobs"]),
                seconds=float(meta["seconds"]),
                info=meta.get("info", {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{stem} is not a landscape scan: {exc}") from None


def _provenance(meta: dict) -> Provenance | None:
    """The provenance of a saved scan (older files kept only the backend and precision)."""
    if meta.get("provenance") is not None:
        return Provenance.from_dict(meta["provenance"])
    if "backend" in meta:
        return Provenance(str(meta["backend"]), None, None, meta.get("precision"))
    return None


def _stem(path: str | Path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".npz", ".json") else p
