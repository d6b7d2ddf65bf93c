# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""The patch model without an estimator: images and weights to circuit bindings, outputs to logits.

.. math::

    z(x) = \frac{c}{K} \sum_{k=1}^{K} f_k\big(x^{(k)};\,\theta_k\big), \qquad
    f_{k,a} = \langle \psi_k | O_a | \psi_k \rangle,

with ``K`` patches, scale ``c`` (100 in the paper) and one observable :math:`O_a` per class
(``aggregation="sum"`` drops the :math:`1/K`). Every patch shares one circuit, so a forward
pass is the evaluation circuit bound at one row per (patch, sample): :meth:`PatchModel.columns`
gives those rows, :meth:`PatchModel.logits` aggregates the outputs. Derivatives come back the
same way: :meth:`PatchModel.local_tangents` maps a direction in weight space to every patch's
local parameters, :meth:`PatchModel.weight_gradient` maps local gradients back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from ..circuits import PatchCircuit, patch_circuit, readout_observables
from ..layout import PatchLayout
from .angles import AnglePlan
from .columns import FactoredValues

__all__ = ["PatchModel"]

_RANGE_TOL = 1e-9


class PatchModel:
    r"""Layout, circuit and aggregation of a patch QNN: pure NumPy, no estimator.

    The weight vector is ``[theta_0 | theta_1 | ... | theta_{K-1} | b]``: one independent block
    per patch (see :attr:`weight_slices`), then, when ``input_bias=True``, one learnable
    positional bias per pixel, shared by every patch that contains the pixel. Inputs are images
    flattened row-major with pixel values in ``input_range`` (default ``[0, 1]``); pixel ``v``
    becomes the angle ``input_scale * (v - lo) / (hi - lo) + b_pixel``.

    Args:
        layout: where the patches sit.
        depth: layers per trainable block of the default circuit (ignored with ``circuit``).
        num_qubits: qubits per patch; default ``max(ceil(C/2), ceil(p*q/8))`` (8 for the
            paper's 8×8 patches).
        num_classes: number of classes ``C``.
        scale: the constant ``c`` multiplying the aggregate.
        aggregation: ``"mean"`` (the paper) or ``"sum"``.
        input_bias: add the learnable positional bias.
        input_scale: factor from a pixel in ``[0, 1]`` to an angle (the paper's ``pi/4``).
        input_range: the range ``(lo, hi)`` pixel values lie in; values outside it are
            rejected (``(0, 255)`` for raw 8-bit images).
        circuit: a custom :class:`~qiskit_patchqnn.circuits.PatchCircuit` used for every patch
            (its inputs must match the patch size).
        observables: custom observables, one per class (default: :func:`readout_observables`).

    Example:
        >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4)
        >>> model.num_weights, model.weights_per_patch, model.coefficient
        (120, 30, 25.0)
        >>> fv = model.columns(np.zeros((2, 16)), model.initial_weights(seed=0))
        >>> fv.shape  # (weight vectors, patches, samples)
        (1, 4, 2)
    """

    def __init__(
        self,
        layout: PatchLayout,
        depth: int = 1,
        *,
        num_qubits: int | None = None,
        num_classes: int = 10,
        scale: float = 100.0,
        aggregation: str = "mean",
        input_bias: bool = False,
        input_scale: float = np.pi / 4,
        input_range: tuple[float, float] = (0.0, 1.0),
        circuit: PatchCircuit | None = None,
        observables: Sequence[SparsePauliOp] | None = None,
    ) -> None:
        if not isinstance(layout, PatchLayout):
            raise TypeError(f"layout must be a PatchLayout, got {type(layout).__name__}")
        if aggregation not in ("mean", "sum"):
            raise ValueError(f"aggregation must be 'mean' or 'sum', got {aggregation!r}")
        if not np.isfinite(scale) or scale == 0:
            raise ValueError(f"scale must be a finite non-zero number, got {scale!r}")
        if not np.isfinite(input_scale):
            raise ValueError(f"input_scale must be finite, got {input_scale!r}")
        lo, hi = (float(v) for v in input_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"input_range must be (lo, hi) with lo < hi, got {input_range!r}")
        features = layout.patch_size
        if circuit is None:
            if num_qubits is None:
                num_qubits = max(math.ceil(num_classes / 2), math.ceil(features / 8))
            circuit = patch_circuit(num_qubits, features, depth)
        elif circuit.num_inputs != features:
            raise ValueError(
                f"circuit has {circuit.num_inputs} input parameters but patches have "
                f"{features} features"
            )
        if observables is None:
            observables = readout_observables(circuit.circuit.num_qubits, num_classes)
        elif len(observables) != num_classes:
            raise ValueError(
                f"observables has {len(observables)} entries, expected num_classes={num_classes}"
            )
        self.layout = layout
        self.depth = depth
        self.circuit = circuit
        self.observables = tuple(SparsePauliOp(o) for o in observables)
        self.num_classes = int(num_classes)
        self.scale = float(scale)
        self.aggregation = aggregation
        self.input_bias = bool(input_bias)
        self.input_scale = float(input_scale)
        self.input_range = (lo, hi)
        params = (*circuit.input_params, *circuit.weight_params)
        self.plan = AnglePlan.build(circuit.circuit, params, params)
        self.pixels = layout.pixel_indices()

    def __repr__(self) -> str:
        return (
            f"PatchModel(K={self.num_patches}, P_k={self.weights_per_patch}, "
            f"qubits={self.circuit.circuit.num_qubits}, C={self.num_classes}, "
            f"{self.aggregation} x {self.scale:g}, bias={self.input_bias})"
        )

    # ------------------------------------------------------------------ sizes
    @property
    def num_patches(self) -> int:
        """Number of patches ``K``."""
        return self.layout.num_patches

    @property
    def num_features(self) -> int:
        """Features (input parameters) of one patch circuit ``F``."""
        return self.circuit.num_inputs

    @property
    def weights_per_patch(self) -> int:
        """Weights of one patch circuit ``P_k``."""
        return self.circuit.num_weights

    @property
    def num_inputs(self) -> int:
        """Pixels of one image, ``H * W``."""
        return self.layout.num_pixels

    @property
    def num_weights(self) -> int:
        """Length of the weight vector: ``K * P_k`` (plus ``H * W`` with the bias)."""
        k, p = self.num_patches, self.weights_per_patch
        return k * p + (self.num_inputs if self.input_bias else 0)

    @property
    def weight_slices(self) -> list[slice]:
        """Slice of the weight vector owned by each patch, then the bias slice if enabled."""
        p = self.weights_per_patch
        out = [slice(k * p, (k + 1) * p) for k in range(self.num_patches)]
        if self.input_bias:
            out.append(slice(self.num_patches * p, self.num_weights))
        return out

    @property
    def coefficient(self) -> float:
        """Factor from a patch output to the logits: ``c / K`` (mean) or ``c`` (sum)."""
        return self.scale / (self.num_patches if self.aggregation == "mean" else 1)

    # ------------------------------------------------------------------ validation
    def check_images(self, images: np.ndarray, name: str = "input_data") -> np.ndarray:
        """Validate images and return them as ``(N, H*W)`` floats in ``[0, 1]``.

        Raises:
            ValueError: wrong width, no images, NaN/inf values, or pixels outside
                ``input_range`` (e.g. raw 8-bit pixels without ``input_range=(0, 255)``).
        """
        x = np.asarray(images, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.num_inputs:
            raise ValueError(
                f"{name} must have shape (N, {self.num_inputs}) "
                f"(images {self.layout.image_shape} flattened), got {np.shape(images)}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contains NaN or infinite values")
        lo, hi = self.input_range
        if x.size:
            xmin, xmax = float(x.min()), float(x.max())
            tol = _RANGE_TOL * (hi - lo)
            if xmin < lo - tol or xmax > hi + tol:
                raise ValueError(
                    f"{name} pixel values must lie in input_range [{lo:g}, {hi:g}], got "
                    f"[{xmin:g}, {xmax:g}]; rescale the images or set input_range "
                    f"(e.g. (0, 255) for 8-bit pixels)"
                )
        if (lo, hi) != (0.0, 1.0):
            x = (x - lo) / (hi - lo)
        return x

    def check_weights(self, weights: np.ndarray) -> np.ndarray:
        """Validate one weight vector.

        Raises:
            ValueError: wrong length or NaN/inf values.
        """
        w = np.asarray(weights, dtype=float)
        if w.ndim != 1 or w.shape[0] != self.num_weights:
            raise ValueError(
                f"weights must be a vector of length num_weights={self.num_weights}, "
                f"got shape {np.shape(weights)}"
            )
        if not np.all(np.isfinite(w)):
            raise ValueError("weights contain NaN or infinite values")
        return w

    def weight_rows(self, weights: np.ndarray) -> np.ndarray:
        """Checked weight vectors as rows ``(G, P)`` (one vector gives ``G = 1``)."""
        many = np.asarray(weights, dtype=float)
        if many.ndim != 2:
            return self.check_weights(many)[None, :]
        if many.shape[1] != self.num_weights:
            raise ValueError(f"weights must have shape (G, {self.num_weights}), got {many.shape}")
        if not np.all(np.isfinite(many)):
            raise ValueError("weights contain NaN or infinite values")
        return many

    def initial_weights(self, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Paper initialisation: angles i.i.d. uniform in ``[0, pi)``, bias zero.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> model.initial_weights(seed=1).shape == (model.num_weights,)
            True
        """
        rng = np.random.default_rng(seed)
        w = np.zeros(self.num_weights)
        n = self.num_patches * self.weights_per_patch
        w[:n] = rng.uniform(0.0, np.pi, n)
        return w

    # ------------------------------------------------------------------ binding
    def local_values(self, images: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Parameter values of every (sample, patch): the patch's inputs, then its weights.

        Input angles are ``input_scale * pixel + bias``.

        Args:
            images: ``(N, H*W)``.
            weights: one weight vector ``(P,)``, or ``G`` of them ``(G, P)``.

        Returns:
            ``(N, K, F + P_k)``, or ``(G, N, K, F + P_k)`` for several weight vectors.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> model.local_values(np.zeros((2, 16)), model.initial_weights(0)).shape
            (2, 4, 39)
        """
        x = self.check_images(images)
        many = self.weight_rows(weights)
        g = len(many)
        k, p = self.num_patches, self.weights_per_patch
        angles = (x * self.input_scale)[None, :, :]  # (1, N, H*W)
        if self.input_bias:
            angles = angles + many[:, None, k * p :]  # (G, N, H*W)
        inputs = np.broadcast_to(angles[:, :, self.pixels], (g, len(x), k, self.num_features))
        theta = np.broadcast_to(many[:, None, : k * p].reshape(g, 1, k, p), (g, len(x), k, p))
        out = np.concatenate([inputs, theta], axis=-1)
        return out if np.ndim(weights) == 2 else out[0]

    def columns(self, images: np.ndarray, weights: np.ndarray) -> FactoredValues:
        """Evaluation-circuit columns of every (point, patch, sample), as broadcast parts.

        Patch-major, so consecutive bindings share a patch's weights. Columns fed by weights
        vary only with ``(G, K)`` and columns fed by inputs only with ``(K, N)`` (``(G, K, N)``
        when the inputs carry a trainable bias), so neither is repeated in memory.

        Args:
            images: ``(N, H*W)``.
            weights: one weight vector ``(P,)``, or ``G`` of them ``(G, P)``.

        Returns:
            Bindings of shape ``(G, K, N)`` (``G = 1`` for one weight vector).

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> fv = model.columns(np.zeros((5, 16)), model.initial_weights(seed=0))
            >>> fv.shape, [part.shape for _, part in fv.parts]
            ((1, 4, 5), [(1, 4, 5, 9), (1, 4, 1, 30)])
        """
        x = self.check_images(images)
        many = self.weight_rows(weights)
        g, n = len(many), len(x)
        k, p, f = self.num_patches, self.weights_per_patch, self.num_features
        angles = (x * self.input_scale)[None]  # (1, N, H*W)
        if self.input_bias:
            angles = angles + many[:, None, k * p :]  # (G, N, H*W)
        inputs = np.swapaxes(angles[:, :, self.pixels], 1, 2)  # (G or 1, K, N, F)
        theta = many[:, : k * p].reshape(g, k, 1, p)
        local_in = np.concatenate([inputs, np.zeros((*inputs.shape[:-1], p))], axis=-1)
        local_w = np.concatenate([np.zeros((g, k, 1, f)), theta], axis=-1)
        parts = tuple(
            (cols, self.plan.bind(local)[..., cols])
            for cols, local in zip(self._column_sources, (local_in, local_w), strict=True)
            if len(cols)
        )
        return FactoredValues((g, k, n), self.plan.num_columns, parts)

    @cached_property
    def _column_sources(self) -> tuple[np.ndarray, np.ndarray]:
        """Evaluation-circuit columns fed by a patch input, and those fed by a weight."""
        plan = self.plan
        source = np.empty(plan.num_columns, dtype=np.int64)
        if len(plan.passthrough):
            source[plan.passthrough[:, 1]] = plan.passthrough[:, 0]
        source[plan.occ_column] = plan.occ_param
        f = self.num_features
        return np.flatnonzero(source < f), np.flatnonzero(source >= f)

    def logits(self, outputs: np.ndarray) -> np.ndarray:
        """Aggregate patch outputs ``(..., K, C)`` into logits ``(..., C)``.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> model.logits(np.ones((2, 4, 4))).tolist()[0]
            [100.0, 100.0, 100.0, 100.0]
        """
        return self.coefficient * outputs.sum(axis=-2)

    # ------------------------------------------------------------------ derivatives
    def global_index(self) -> np.ndarray:
        """For each patch and local parameter (inputs, then weights), its weight index.

        Shape ``(K, F + P_k)``; inputs map to their pixel's bias index when ``input_bias``
        is on and to ``-1`` otherwise.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> model.global_index()[1, 9:12].tolist()  # patch 1's first weights
            [30, 31, 32]
        """
        k, p = self.num_patches, self.weights_per_patch
        theta = np.arange(k * p).reshape(k, p)
        if self.input_bias:
            inputs = k * p + self.pixels
        else:
            inputs = -np.ones_like(self.pixels)
        return np.concatenate([inputs, theta], axis=1)

    def differentiable_angles(self, with_inputs: bool) -> np.ndarray:
        """Indices of the gate angles (of :attr:`plan`) a derivative must move.

        The weights' angles, plus the inputs' when ``with_inputs`` (needed for the positional
        bias and for input gradients).
        """
        if with_inputs:
            return np.arange(self.plan.num_angles)
        return np.flatnonzero(self.plan.occ_param >= self.num_features)

    def local_tangents(self, direction: np.ndarray) -> np.ndarray:
        """Every patch's local parameter direction ``(K, F + P_k)`` from a weight direction.

        Patch ``k``'s weights move with ``direction[weight_slices[k]]``; with the positional
        bias its inputs move with the bias of their pixels (the same for every sample).

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> v = np.arange(model.num_weights, dtype=float)
            >>> t = model.local_tangents(v)
            >>> t.shape, float(t[2, 9]), float(t[2, 0])
            ((4, 39), 60.0, 0.0)
        """
        v = np.asarray(direction, dtype=float)
        if v.shape != (self.num_weights,):
            raise ValueError(f"direction must have shape ({self.num_weights},), got {v.shape}")
        k, p = self.num_patches, self.weights_per_patch
        out = np.zeros((k, self.num_features + p))
        out[:, self.num_features :] = v[: k * p].reshape(k, p)
        if self.input_bias:
            out[:, : self.num_features] = v[k * p :][self.pixels]
        return out

    def weight_gradient(self, local: np.ndarray) -> np.ndarray:
        """Gradient with respect to the weight vector from local gradients.

        Args:
            local: gradients with respect to every (sample, patch)'s local parameters,
                ``(..., K, F + P_k)``; leading axes (samples) are summed.

        Returns:
            ``(num_weights,)``: each patch's weight gradient, and the positional bias
            collecting the input gradients of every patch and sample that read its pixel.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4,
            ...                    input_bias=True)
            >>> g = model.weight_gradient(np.ones((2, 4, 39)))
            >>> g[:3].tolist(), float(g[-1])  # pixel 15 is in patch 3 only: 2 samples
            ([2.0, 2.0, 2.0], 2.0)
        """
        g = np.asarray(local, dtype=float)
        k, p, f = self.num_patches, self.weights_per_patch, self.num_features
        total = g.reshape(-1, k, f + p).sum(axis=0)
        out = np.zeros(self.num_weights)
        out[: k * p] = total[:, f:].reshape(-1)
        if self.input_bias:
            np.add.at(out, k * p + self.pixels.ravel(), total[:, :f].ravel())
        return out

    def input_gradient(self, local: np.ndarray) -> np.ndarray:
        """Gradient with respect to the pixels ``(N, H*W)`` from local gradients ``(N, K, F+P)``.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> g = model.input_gradient(np.ones((1, 4, 39)))
            >>> float(g[0, 0]) == model.input_scale  # pixel 0 is in one patch
            True
        """
        g = np.asarray(local, dtype=float)
        n = g.shape[0]
        lo, hi = self.input_range
        factor = self.input_scale / (hi - lo)
        out = np.zeros((n, self.num_inputs))
        for k in range(self.num_patches):
            np.add.at(out.T, self.pixels[k], factor * g[:, k, : self.num_features].T)
        return out

    def periodic_weights(self) -> np.ndarray:
        """Boolean mask ``(num_weights,)``: ``True`` for the 2π-periodic circuit-angle weights.

        A patch weight is periodic when every gate angle it enters has an integer factor (true
        for the default circuit); the positional bias is not.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4,
            ...                    input_bias=True)
            >>> m = model.periodic_weights()
            >>> int(m.sum()) == 4 * model.weights_per_patch, bool(m[-1])
            (True, False)
        """
        f, p = self.num_features, self.weights_per_patch
        ok = np.ones(p, dtype=bool)
        for j, s in zip(self.plan.occ_param, self.plan.occ_scale, strict=True):
            if j >= f and not np.isclose(s, np.round(s)):
                ok[j - f] = False
        mask = np.zeros(self.num_weights, dtype=bool)
        mask[: self.num_patches * p] = np.tile(ok, self.num_patches)
        return mask

    # ------------------------------------------------------------------ config
    def to_config(self) -> dict:
        """JSON-serialisable description (default circuit only), see :meth:`from_config`.

        Example:
            >>> model = PatchModel(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> PatchModel.from_config(model.to_config()).num_weights
            120
        """
        config = {
            "layout": self.layout.to_dict(),
            "depth": int(self.depth),
            "num_qubits": int(self.circuit.circuit.num_qubits),
            "num_classes": self.num_classes,
            "scale": self.scale,
            "aggregation": self.aggregation,
            "input_bias": self.input_bias,
            "input_scale": self.input_scale,
            "circuit": self.circuit.circuit.name,
            "num_weights": int(self.num_weights),
        }
        if self.input_range != (0.0, 1.0):
            config["input_range"] = list(self.input_range)
        return config

    @classmethod
    def from_config(cls, config: dict) -> PatchModel:
        """Rebuild a model written by :meth:`to_config`.

        Raises:
            ValueError: if the config is incomplete or describes a custom circuit.
        """
        try:
            model = cls(
                PatchLayout.from_dict(config["layout"]),
                int(config["depth"]),
                num_qubits=int(config["num_qubits"]),
                num_classes=int(config["num_classes"]),
                scale=float(config["scale"]),
                aggregation=str(config["aggregation"]),
                input_bias=bool(config["input_bias"]),
                input_scale=float(config["input_scale"]),
                input_range=tuple(config.get("input_range", (0.0, 1.0))),  # type: ignore[arg-type]
            )
        except KeyError as exc:
            raise ValueError(f"model config is missing key {exc.args[0]!r}") from None
        if "num_weights" in config and int(config["num_weights"]) != model.num_weights:
            raise ValueError(
                f"model config says {config['num_weights']} weights but rebuilds with "
                f"{model.num_weights}; was it made with a custom circuit?"
            )
        return model
