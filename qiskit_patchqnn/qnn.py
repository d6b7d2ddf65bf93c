# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""``PatchQNN``: one small circuit per image patch, outputs aggregated into class logits.

.. math::

    z(x) = \frac{c}{K} \sum_{k=1}^{K} f_k\big(x^{(k)};\,\theta_k\big), \qquad
    f_{k,a} = \langle \psi_k | O_a | \psi_k \rangle,

with ``K`` patches, scale ``c`` (100 in the paper) and one observable :math:`O_a` per class
(``aggregation="sum"`` drops the :math:`1/K`). Every forward or backward pass is **one**
estimator job: all patches share one circuit, so every patch, sample and shifted point is a row
of a parameter array in the same PUB (split into PUBs of at most ``max_bindings`` rows).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp
from qiskit_machine_learning.neural_networks import EstimatorQNN, NeuralNetwork

from .circuits import PatchCircuit, patch_circuit, readout_observables
from .derivatives import ShiftPlan, combine_gradient, gradient_shifts
from .execution import CostEstimate, ExecutionLog, FactoredValues, JobJournal, execute
from .layout import PatchLayout

__all__ = ["PatchQNN"]


class PatchQNN(NeuralNetwork):
    r"""Patch-distributed QNN as a Qiskit Machine Learning :class:`NeuralNetwork`.

    The weight vector is ``[theta_0 | theta_1 | ... | theta_{K-1} | b]``: one independent block
    per patch (see :attr:`weight_slices`), then, when ``input_bias=True``, one learnable
    positional bias per pixel, shared by every patch that contains the pixel. Inputs are images
    flattened row-major with pixel values in ``[0, 1]``; pixel ``v`` becomes the angle
    ``input_scale * v + b_pixel``.

    Args:
        layout: where the patches sit.
        depth: layers per trainable block of the default circuit (ignored with ``circuit``).
        num_qubits: qubits per patch; default ``max(ceil(C/2), ceil(p*q/8))`` (8 for the
            paper's 8×8 patches).
        num_classes: number of classes ``C``.
        scale: the constant ``c`` multiplying the aggregate.
        aggregation: ``"mean"`` (the paper) or ``"sum"``.
        input_bias: add the learnable positional bias.
        input_scale: factor from pixel value to angle (the paper's ``pi/4``).
        circuit: a custom :class:`~qiskit_patchqnn.circuits.PatchCircuit` used for every patch
            (its inputs must match the patch size).
        observables: custom observables, one per class (default: :func:`readout_observables`).
        estimator: a :class:`~qiskit.primitives.BaseEstimatorV2` or a backend spec string
            (see :func:`qiskit_patchqnn.execution.resolve`); default: exact
            :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
        pass_manager: transpiles the patch circuit **once** to an ISA circuit; observables are
            mapped through its layout.
        precision: target precision for every estimator call (forward, gradients, Hessians,
            scans alike); ``None`` leaves the estimator's default.
        input_gradients: also return input gradients from :meth:`backward`.
        max_bindings: largest number of rows in one PUB of materialised parameter values
            (bindings sent as broadcast parts, see :attr:`broadcasts_bindings`, hold no rows).
        journal: a :class:`~qiskit_patchqnn.execution.JobJournal` (or its path) recording job
            ids as they are submitted, so that an interrupted computation re-run with the same
            journal reuses finished jobs instead of paying for them twice.
        confirm: hook called with the cost estimate before any submission (see
            :func:`qiskit_patchqnn.execution.execute`); default: print the estimate on
            hardware.
        gradient: how :meth:`vjp` (the trainer's loss gradient) differentiates: ``"adjoint"``
            (exact simulation only: one forward and one backward sweep per sample and patch),
            ``"parameter_shift"`` (any estimator, ``2 P_k`` shifted circuits), or ``"auto"``
            (adjoint when the estimator is an exact :class:`BatchedEstimator` without a pass
            manager). :meth:`backward` and Hessians always use parameter shifts.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4)
        >>> w = qnn.initial_weights(seed=0)
        >>> qnn.forward(np.zeros((2, 16)), w).shape
        (2, 4)
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
        circuit: PatchCircuit | None = None,
        observables: Sequence[SparsePauliOp] | None = None,
        estimator: BaseEstimatorV2 | str | None = None,
        pass_manager: object | None = None,
        precision: float | None = None,
        input_gradients: bool = False,
        max_bindings: int = 1 << 15,
        journal: JobJournal | str | os.PathLike | None = None,
        confirm: Callable[[CostEstimate], bool] | None = None,
        gradient: str = "auto",
    ) -> None:
        if not isinstance(layout, PatchLayout):
            raise TypeError(f"layout must be a PatchLayout, got {type(layout).__name__}")
        if aggregation not in ("mean", "sum"):
            raise ValueError(f"aggregation must be 'mean' or 'sum', got {aggregation!r}")
        if gradient not in ("auto", "adjoint", "parameter_shift"):
            raise ValueError(
                f"gradient must be 'auto', 'adjoint' or 'parameter_shift', got {gradient!r}"
            )
        if not np.isfinite(scale) or scale == 0:
            raise ValueError(f"scale must be a finite non-zero number, got {scale!r}")
        if precision is not None and precision < 0:
            raise ValueError(f"precision must be >= 0 or None, got {precision}")
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
        self.patch_circuit = circuit
        self.observables = [SparsePauliOp(o) for o in observables]
        self.num_classes = int(num_classes)
        self.scale = float(scale)
        self.aggregation = aggregation
        self.input_bias = bool(input_bias)
        self.input_scale = float(input_scale)
        self.precision = precision
        self.max_bindings = int(max_bindings)
        self.log = ExecutionLog()
        if journal is not None and not isinstance(journal, JobJournal):
            journal = JobJournal(journal)
        self.journal = journal
        self.confirm = confirm
        self.gradient = gradient

        self.backend_spec: str | None = None
        if isinstance(estimator, str) or estimator is None:
            from .execution import resolve  # local import: backends imports heavy providers

            self.backend_spec = estimator or "exact"
            estimator, spec_pm = resolve(self.backend_spec)
            pass_manager = pass_manager if pass_manager is not None else spec_pm
        if not isinstance(estimator, BaseEstimatorV2):
            raise TypeError(
                f"estimator must be a BaseEstimatorV2 or a backend spec string, got "
                f"{type(estimator).__name__}"
            )
        self.estimator = estimator
        self.pass_manager = pass_manager

        k = layout.num_patches
        p = circuit.num_weights
        self._pixels = layout.pixel_indices()
        num_weights = k * p + (layout.num_pixels if input_bias else 0)
        super().__init__(
            num_inputs=layout.num_pixels,
            num_weights=num_weights,
            sparse=False,
            output_shape=self.num_classes,
            input_gradients=input_gradients,
        )
        params = (*circuit.input_params, *circuit.weight_params)
        self.plan = ShiftPlan.build(circuit.circuit, params, params)
        self._eval_circuit, self._eval_observables = self._prepare_isa()

    # ------------------------------------------------------------------ structure
    @property
    def num_patches(self) -> int:
        """Number of patches ``K``."""
        return self.layout.num_patches

    @property
    def weights_per_patch(self) -> int:
        """Weights of one patch circuit ``P_k``."""
        return self.patch_circuit.num_weights

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

    @property
    def evaluation_circuit(self):
        """The circuit actually sent to the estimator (ISA when a pass manager is set)."""
        return self._eval_circuit

    @property
    def evaluation_observables(self) -> list[SparsePauliOp]:
        """Observables laid out for :attr:`evaluation_circuit`."""
        return self._eval_observables

    @cached_property
    def patch_qnns(self) -> list[EstimatorQNN]:
        """One Qiskit ML :class:`EstimatorQNN` per patch (same circuit, independent weights).

        They carry the circuit, observables and parameter roles of each patch; PatchQNN itself
        never calls them one by one.
        """
        return [
            EstimatorQNN(
                circuit=self.patch_circuit.circuit,
                observables=self.observables,
                input_params=list(self.patch_circuit.input_params),
                weight_params=list(self.patch_circuit.weight_params),
                estimator=self.estimator,
                pass_manager=self.pass_manager,  # type: ignore[arg-type]
            )
            for _ in range(self.num_patches)
        ]

    def to_config(self) -> dict:
        """JSON-serialisable model description (default circuit only), see :meth:`from_config`."""
        pc = self.patch_circuit
        return {
            "layout": self.layout.to_dict(),
            "depth": int(self.depth),
            "num_qubits": int(pc.circuit.num_qubits),
            "num_classes": self.num_classes,
            "scale": self.scale,
            "aggregation": self.aggregation,
            "input_bias": self.input_bias,
            "input_scale": self.input_scale,
            "circuit": pc.circuit.name,
            "num_weights": int(self.num_weights),
        }

    @classmethod
    def from_config(cls, config: dict, **kwargs: object) -> PatchQNN:
        """Rebuild a model written by :meth:`to_config`; ``kwargs`` set the estimator etc.

        Raises:
            ValueError: if the config is incomplete or describes a custom circuit.
        """
        try:
            qnn = cls(
                PatchLayout.from_dict(config["layout"]),
                int(config["depth"]),
                num_qubits=int(config["num_qubits"]),
                num_classes=int(config["num_classes"]),
                scale=float(config["scale"]),
                aggregation=str(config["aggregation"]),
                input_bias=bool(config["input_bias"]),
                input_scale=float(config["input_scale"]),
                **kwargs,  # type: ignore[arg-type]
            )
        except KeyError as exc:
            raise ValueError(f"model config is missing key {exc.args[0]!r}") from None
        if "num_weights" in config and int(config["num_weights"]) != qnn.num_weights:
            raise ValueError(
                f"model config says {config['num_weights']} weights but rebuilds with "
                f"{qnn.num_weights}; was it made with a custom circuit?"
            )
        return qnn

    def initial_weights(self, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Paper initialisation: angles i.i.d. uniform in ``[0, pi)``, bias zero.

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> qnn.initial_weights(seed=1).shape == (qnn.num_weights,)
            True
        """
        rng = np.random.default_rng(seed)
        w = np.zeros(self.num_weights)
        n = self.num_patches * self.weights_per_patch
        w[:n] = rng.uniform(0.0, np.pi, n)
        return w

    def _prepare_isa(self):
        circuit = self.plan.circuit
        observables = self.observables
        if self.pass_manager is None:
            return circuit, observables
        from .execution import device_of, transpile_patch  # local import

        return transpile_patch(
            circuit, observables, self.pass_manager, device=device_of(self.estimator)
        )

    # ------------------------------------------------------------------ validation
    def check_inputs(self, images: np.ndarray) -> np.ndarray:
        """Validate images and return them as ``(N, H*W)`` floats.

        Raises:
            ValueError: wrong width or NaN/inf values.
        """
        x = np.asarray(images, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.num_inputs:
            raise ValueError(
                f"input_data must have shape (N, {self.num_inputs}) "
                f"(images {self.layout.image_shape} flattened), got {np.shape(images)}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("input_data contains NaN or infinite values")
        return x

    def check_weights(self, weights: np.ndarray) -> np.ndarray:
        """Validate a weight vector.

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

    def _validate_input(self, input_data):  # type: ignore[override]
        if input_data is None:
            raise ValueError("input_data is required: PatchQNN has image inputs")
        x = np.asarray(input_data, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.num_inputs:
            raise ValueError(
                f"input_data must have last dimension {self.num_inputs} "
                f"(images {self.layout.image_shape} flattened), got shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("input_data contains NaN or infinite values")
        return super()._validate_input(x)

    def _validate_weights(self, weights):  # type: ignore[override]
        if weights is None:
            raise ValueError("weights are required")
        return self.check_weights(weights)

    # ------------------------------------------------------------------ binding
    def patch_angles(self, images: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Parameter values of every (sample, patch), inputs then weights.

        Input angles are ``input_scale * pixel + bias``.

        Args:
            images: ``(N, H*W)``.
            weights: one weight vector ``(P,)``, or ``G`` of them ``(G, P)``.

        Returns:
            ``(N, K, F + P_k)``, or ``(G, N, K, F + P_k)`` for several weight vectors.
        """
        x = self.check_inputs(images)
        many = self._weight_rows(weights)
        g = len(many)
        k, p = self.num_patches, self.weights_per_patch
        angles = (x * self.input_scale)[None, :, :]  # (1, N, H*W)
        if self.input_bias:
            angles = angles + many[:, None, k * p :]  # (G, N, H*W)
        inputs = np.broadcast_to(
            angles[:, :, self._pixels], (g, len(x), k, self.patch_circuit.num_inputs)
        )
        theta = np.broadcast_to(many[:, None, : k * p].reshape(g, 1, k, p), (g, len(x), k, p))
        out = np.concatenate([inputs, theta], axis=-1)
        return out if np.ndim(weights) == 2 else out[0]

    def _weight_rows(self, weights: np.ndarray) -> np.ndarray:
        """Checked weight vectors as rows ``(G, P)`` (one vector gives ``G = 1``)."""
        many = np.asarray(weights, dtype=float)
        if many.ndim != 2:
            return self.check_weights(many)[None, :]
        if many.shape[1] != self.num_weights:
            raise ValueError(f"weights must have shape (G, {self.num_weights}), got {many.shape}")
        if not np.all(np.isfinite(many)):
            raise ValueError("weights contain NaN or infinite values")
        return many

    def global_index(self) -> np.ndarray:
        """For each patch and local parameter (inputs, then weights), its weight index.

        Shape ``(K, F + P_k)``; inputs map to their pixel's bias index when ``input_bias``
        is on and to ``-1`` otherwise.
        """
        k, p = self.num_patches, self.weights_per_patch
        theta = np.arange(k * p).reshape(k, p)
        if self.input_bias:
            inputs = k * p + self._pixels
        else:
            inputs = -np.ones_like(self._pixels)
        return np.concatenate([inputs, theta], axis=1)

    def bind(self, values: np.ndarray) -> np.ndarray:
        """Map local parameter values ``(..., F + P_k)`` to evaluation-circuit columns."""
        return self.plan.bind(values)

    def evaluate(self, values: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Patch outputs at local parameter points (inputs then weights), in one job.

        Args:
            values: arrays ``(..., F + P_k)``.

        Returns:
            For each array, the outputs ``(..., C)``.
        """
        return self.evaluate_columns([self.plan.bind(v) for v in values])

    def evaluate_columns(self, columns: Sequence[np.ndarray | FactoredValues]) -> list[np.ndarray]:
        """Patch outputs at points given as evaluation-circuit columns, in one job.

        Each entry is an array ``(..., columns)`` or a
        :class:`~qiskit_patchqnn.execution.FactoredValues` (see :meth:`factored_columns`);
        the result for it has its leading shape and a last axis of ``C`` outputs.
        """
        return [e for e, _ in self.evaluate_columns_with_errors(columns)]

    def evaluate_columns_with_errors(
        self, columns: Sequence[np.ndarray | FactoredValues]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Like :meth:`evaluate_columns`, returning ``(evs, stds)`` for each array."""
        ncols = self.plan.circuit.num_parameters
        shapes = [c.shape if isinstance(c, FactoredValues) else np.shape(c)[:-1] for c in columns]
        evs, stds = execute(
            self.estimator,
            self._eval_circuit,
            self._eval_observables,
            [c if isinstance(c, FactoredValues) else np.reshape(c, (-1, ncols)) for c in columns],
            precision=self.precision,
            max_bindings=self.max_bindings,
            log=self.log,
            parameters=self.plan.circuit.parameters,
            journal=self.journal,
            confirm=self.confirm,
        )
        return [
            (e.reshape(*s, self.num_classes), d.reshape(*s, self.num_classes))
            for e, d, s in zip(evs, stds, shapes, strict=True)
        ]

    # ------------------------------------------------------------------ passes
    def patch_outputs(self, images: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Expectation values of every patch, in one job.

        The bindings are :meth:`factored_columns`: patch by patch, weights and inputs as
        broadcast parts that an estimator such as
        :class:`~qiskit_patchqnn.simulator.BatchedEstimator` uses without materialising
        (any other estimator gets the full array).

        Args:
            images: ``(N, H*W)``.
            weights: one weight vector ``(P,)``, or ``G`` of them ``(G, P)``.

        Returns:
            ``(N, K, C)``, or ``(G, N, K, C)`` for several weight vectors.

        Example:
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> w = qnn.initial_weights(seed=0)
            >>> qnn.patch_outputs(np.zeros((2, 16)), np.stack([w, w])).shape
            (2, 2, 4, 4)
        """
        (out,) = self.evaluate_columns([self.factored_columns(images, weights)])
        out = np.swapaxes(out, -3, -2)  # (G, N, K, C)
        return out if np.ndim(weights) == 2 else out[0]

    @property
    def broadcasts_bindings(self) -> bool:
        """Whether :meth:`patch_outputs` avoids materialising weight vectors × samples.

        True for an estimator that accepts broadcast bindings (the default
        :class:`~qiskit_patchqnn.simulator.BatchedEstimator`), no job journal, and no trainable
        input bias (with one, every sample's inputs differ per weight vector).
        """
        accepts = bool(getattr(self.estimator, "accepts_broadcast_bindings", False))
        return accepts and self.journal is None and not self.input_bias

    def factored_columns(self, images: np.ndarray, weights: np.ndarray) -> FactoredValues:
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
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> fv = qnn.factored_columns(np.zeros((5, 16)), qnn.initial_weights(seed=0))
            >>> fv.shape, [part.shape for _, part in fv.parts]
            ((1, 4, 5), [(1, 4, 5, 9), (1, 4, 1, 30)])
        """
        x = self.check_inputs(images)
        many = self._weight_rows(weights)
        g, n = len(many), len(x)
        k, p, f = self.num_patches, self.weights_per_patch, self.patch_circuit.num_inputs
        angles = (x * self.input_scale)[None]  # (1, N, H*W)
        if self.input_bias:
            angles = angles + many[:, None, k * p :]  # (G, N, H*W)
        inputs = np.swapaxes(angles[:, :, self._pixels], 1, 2)  # (G or 1, K, N, F)
        theta = many[:, : k * p].reshape(g, k, 1, p)
        local_in = np.concatenate([inputs, np.zeros((*inputs.shape[:-1], p))], axis=-1)
        local_w = np.concatenate([np.zeros((g, k, 1, f)), theta], axis=-1)
        parts = tuple(
            (cols, self.plan.bind(local)[..., cols])
            for cols, local in zip(self._column_sources, (local_in, local_w), strict=True)
            if len(cols)
        )
        return FactoredValues((g, k, n), self.plan.circuit.num_parameters, parts)

    @cached_property
    def _column_sources(self) -> tuple[np.ndarray, np.ndarray]:
        """Evaluation-circuit columns fed by a patch input, and those fed by a weight."""
        plan = self.plan
        source = np.empty(plan.circuit.num_parameters, dtype=np.int64)
        if len(plan.passthrough):
            source[plan.passthrough[:, 1]] = plan.passthrough[:, 0]
        source[plan.occ_column] = plan.occ_param
        f = self.patch_circuit.num_inputs
        return np.flatnonzero(source < f), np.flatnonzero(source >= f)

    def logits_from_outputs(self, outputs: np.ndarray) -> np.ndarray:
        """Aggregate patch outputs ``(..., K, C)`` into logits ``(..., C)``."""
        return self.coefficient * outputs.sum(axis=-2)

    def _forward(self, input_data, weights):
        return self.logits_from_outputs(self.patch_outputs(input_data, weights))

    def angle_mask(self, with_inputs: bool) -> np.ndarray:
        """Indices of the shiftable gate angles to differentiate."""
        f = self.patch_circuit.num_inputs
        if with_inputs:
            return np.arange(self.plan.num_angles)
        return np.flatnonzero(self.plan.occ_param >= f)

    def patch_jacobian(
        self, images: np.ndarray, weights: np.ndarray, *, with_inputs: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Patch outputs and their gate-angle Jacobian by parameter shift.

        Returns:
            ``(outputs (N, K, C), jac (N, K, C, D_sel), angles)`` where ``angles`` are the
            selected gate-angle indices (see :meth:`angle_mask`).
        """
        base = self.patch_angles(images, weights)
        sel = self.angle_mask(with_inputs)
        center, points = self.shifted_outputs(base, sel)
        jac = combine_gradient(points)  # (N, K, D, C)
        return center, np.moveaxis(jac, -1, -2), sel

    def shifted_outputs(self, base: np.ndarray, sel: np.ndarray):
        """Evaluate ``base`` and its ``±pi/2`` gate-angle shifts of ``sel`` in one job.

        Args:
            base: local parameter values ``(..., F + P_k)``.
            sel: gate-angle indices to shift (see :meth:`angle_mask`).

        Returns:
            ``(center (..., C), points (..., 2 * len(sel), C))``, ``+pi/2`` shifts first.
        """
        cols = self.plan.bind(base)
        shifts = gradient_shifts(len(sel))  # (2D, D)
        pts = np.repeat(cols[..., None, :], 2 * len(sel), axis=-2)
        pts[..., self.plan.occ_column[sel]] += shifts
        center, points = self.evaluate_columns([cols, pts])
        return center, points

    def _backward(self, input_data, weights):
        _, igrad, wgrad = self._forward_backward(input_data, weights)
        return igrad, wgrad

    def forward_backward(
        self, input_data: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Logits and gradients from one estimator job.

        Returns:
            ``(logits (N, C), input_grad (N, C, H*W) or None, weight_grad (N, C, num_weights))``.
        """
        x = self.check_inputs(input_data)
        return self._forward_backward(x, self.check_weights(weights))

    @property
    def uses_adjoint(self) -> bool:
        """Whether :meth:`vjp` uses the adjoint method (see ``gradient``)."""
        from .simulator import BatchedEstimator

        exact = (
            isinstance(self.estimator, BatchedEstimator)
            and self.estimator.default_precision == 0
            and not self.precision
            and self.pass_manager is None
        )
        if self.gradient == "adjoint" and not exact:
            raise ValueError(
                "gradient='adjoint' needs an exact BatchedEstimator without a pass manager"
            )
        return exact and self.gradient != "parameter_shift"

    def vjp(
        self, input_data: np.ndarray, weights: np.ndarray, cotangent: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        r"""Vector-Jacobian product :math:`\sum_{n,c} u_{nc}\, \partial z_{nc} / \partial w`.

        This is what a loss gradient needs (``u = dL/dz``). With the adjoint method it costs a
        few circuit evaluations per sample and patch instead of ``2 P_k``; the numbers equal
        the parameter-shift ones to rounding.

        Args:
            input_data: images ``(N, H*W)``.
            weights: the weights.
            cotangent: ``(N, C)``.

        Returns:
            ``(weight_vjp (num_weights,), input_vjp (N, H*W) or None)``; the input part only
            when ``input_gradients`` is on.
        """
        x = self.check_inputs(input_data)
        w = self.check_weights(weights)
        u = np.asarray(cotangent, dtype=float)
        if u.shape != (len(x), self.num_classes):
            raise ValueError(
                f"cotangent must have shape {(len(x), self.num_classes)}, got {u.shape}"
            )
        if not self.uses_adjoint:
            _, igrad, wgrad = self._forward_backward(x, w)
            return np.einsum("nc,ncw->w", u, wgrad), (
                None if igrad is None else np.einsum("nc,nci->ni", u, igrad)
            )
        n, k = len(x), self.num_patches
        base = self.patch_angles(x, w)  # (N, K, F + P)
        cols = self.plan.bind(base).reshape(n * k, -1)
        cot = np.repeat(self.coefficient * u, k, axis=0)  # rows ordered (n, k)
        gcols = self.estimator.vjp(  # type: ignore[attr-defined]
            self.plan.circuit, self.observables, cols, cot
        )
        flat = np.zeros((n * k, len(self.plan.params)))
        np.add.at(
            flat.T, self.plan.occ_param, (gcols[:, self.plan.occ_column] * self.plan.occ_scale).T
        )
        local = flat.reshape(n, k, -1)
        f = self.patch_circuit.num_inputs
        wgrad = np.zeros(self.num_weights)
        p = self.weights_per_patch
        wgrad[: k * p] = local[:, :, f:].sum(axis=0).reshape(-1)
        if self.input_bias:
            np.add.at(wgrad, k * p + self._pixels.ravel(), local[:, :, :f].sum(axis=0).ravel())
        igrad = None
        if self.input_gradients:
            igrad = np.zeros((n, self.num_inputs))
            for kk in range(k):
                np.add.at(igrad.T, self._pixels[kk], self.input_scale * local[:, kk, :f].T)
        return wgrad, igrad

    def _forward_backward(self, input_data, weights):
        center, jac, sel = self.patch_jacobian(
            input_data, weights, with_inputs=self.input_bias or self.input_gradients
        )
        n = len(center)
        coef = self.coefficient
        gidx = self.global_index()  # (K, F+P)
        local = self.plan.occ_param[sel]
        scale = self.plan.occ_scale[sel]
        wgrad = np.zeros((n, self.num_classes, self.num_weights))
        for k in range(self.num_patches):
            g = gidx[k, local]
            keep = g >= 0
            np.add.at(
                wgrad.transpose(2, 0, 1),
                g[keep],
                np.moveaxis(coef * jac[:, k][..., keep] * scale[keep], -1, 0),
            )
        igrad = None
        if self.input_gradients:
            f = self.patch_circuit.num_inputs
            igrad = np.zeros((n, self.num_classes, self.num_inputs))
            is_in = local < f
            for k in range(self.num_patches):
                pix = self._pixels[k, local[is_in]]
                np.add.at(
                    igrad.transpose(2, 0, 1),
                    pix,
                    np.moveaxis(
                        coef * self.input_scale * jac[:, k][..., is_in] * scale[is_in], -1, 0
                    ),
                )
        return self.logits_from_outputs(center), igrad, wgrad
