# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""``PatchQNN``: the Qiskit Machine Learning face of a patch model.

:class:`PatchQNN` composes three parts, each replaceable on its own:

* a :class:`~qiskit_patchqnn.model.PatchModel` (:attr:`PatchQNN.model`): layout, circuit and
  aggregation; images and weights to binding columns, outputs to logits;
* an :class:`~qiskit_patchqnn.execution.Executor` (:attr:`PatchQNN.executor`): the estimator,
  ISA circuit, precision, job limits, journal and confirmation hook;
* derivative rules from :mod:`qiskit_patchqnn.derivatives`: parameter shifts for
  :meth:`~PatchQNN.backward` and on any backend, the adjoint method for loss gradients on the
  exact simulator.

Every forward or backward pass is **one** executor call: all patches share one circuit, so
every patch, sample and shifted point is a row of the same PUB (split only at the backend's
limits).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
from qiskit.primitives import BaseEstimatorV2
from qiskit.quantum_info import SparsePauliOp
from qiskit_machine_learning.neural_networks import EstimatorQNN, NeuralNetwork

from .circuits import PatchCircuit
from .derivatives import Adjoint, ParameterShift
from .execution import CostEstimate, Executor, JobJournal
from .layout import PatchLayout
from .model import PatchModel

__all__ = ["PatchQNN"]


class PatchQNN(NeuralNetwork):
    r"""Patch-distributed QNN as a Qiskit Machine Learning :class:`NeuralNetwork`.

    The weight vector is ``[theta_0 | theta_1 | ... | theta_{K-1} | b]``: one independent block
    per patch (see :attr:`weight_slices`), then, when ``input_bias=True``, one learnable
    positional bias per pixel. Inputs are images flattened row-major with pixel values in
    ``input_range`` (default ``[0, 1]``). See :class:`~qiskit_patchqnn.model.PatchModel` for the
    model arguments and :class:`~qiskit_patchqnn.execution.Executor` for the execution ones.

    Args:
        layout: where the patches sit.
        depth: layers per trainable block of the default circuit (ignored with ``circuit``).
        num_qubits: qubits per patch (default ``max(ceil(C/2), ceil(p*q/8))``).
        num_classes: number of classes ``C``.
        scale: the constant ``c`` multiplying the aggregate.
        aggregation: ``"mean"`` (the paper) or ``"sum"``.
        input_bias: add the learnable positional bias.
        input_scale: factor from a pixel in ``[0, 1]`` to an angle (the paper's ``pi/4``).
        input_range: the range pixel values lie in (``(0, 255)`` for raw 8-bit images);
            values outside it are rejected.
        circuit: a custom :class:`~qiskit_patchqnn.circuits.PatchCircuit` for every patch.
        observables: custom observables, one per class.
        estimator: a :class:`~qiskit.primitives.BaseEstimatorV2` or a backend spec string
            (see :func:`qiskit_patchqnn.execution.resolve`); default: exact
            :class:`~qiskit_patchqnn.simulator.BatchedEstimator`.
        pass_manager: transpiles the patch circuit **once** to an ISA circuit.
        precision: target precision for every estimator call (forward, gradients, Hessians,
            scans alike); ``None`` leaves the estimator's default.
        input_gradients: also return input gradients from :meth:`backward`.
        max_bindings: largest number of rows in one PUB of materialised parameter values.
        journal: a :class:`~qiskit_patchqnn.execution.JobJournal` (or its path) of submitted
            jobs, reused when an interrupted computation runs again.
        confirm: hook called with the cost estimate before any submission; default: print the
            estimate on hardware.
        gradient: how :meth:`vjp` (the trainer's loss gradient) differentiates: ``"adjoint"``
            (exact simulation only), ``"parameter_shift"`` (any estimator), or ``"auto"``
            (adjoint when the executor has an exact simulator). :meth:`backward` and Hessians
            from :func:`~qiskit_patchqnn.hessian.loss_hessian` use parameter shifts.

    Raises:
        ValueError: bad sizes or options, or a weight in a gate without a two-term shift rule
            (the message names the parameter and the gate).

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
        input_range: tuple[float, float] = (0.0, 1.0),
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
        if gradient not in ("auto", "adjoint", "parameter_shift"):
            raise ValueError(
                f"gradient must be 'auto', 'adjoint' or 'parameter_shift', got {gradient!r}"
            )
        self.model = PatchModel(
            layout,
            depth,
            num_qubits=num_qubits,
            num_classes=num_classes,
            scale=scale,
            aggregation=aggregation,
            input_bias=input_bias,
            input_scale=input_scale,
            input_range=input_range,
            circuit=circuit,
            observables=observables,
        )
        """The pure model (layout, circuit, aggregation)."""
        plan = self.model.plan
        ParameterShift(plan, np.arange(plan.num_angles))  # every angle must have a shift rule
        self.executor = Executor(
            plan.circuit,
            self.model.observables,
            estimator,
            pass_manager=pass_manager,
            precision=precision,
            max_bindings=max_bindings,
            journal=journal,
            confirm=confirm,
        )
        """Where and how the patch circuit runs."""
        self.gradient = gradient
        super().__init__(
            num_inputs=self.model.num_inputs,
            num_weights=self.model.num_weights,
            sparse=False,
            output_shape=self.model.num_classes,
            input_gradients=input_gradients,
        )

    # ------------------------------------------------------------------ structure
    @property
    def layout(self) -> PatchLayout:
        """Where the patches sit."""
        return self.model.layout

    @property
    def num_patches(self) -> int:
        """Number of patches ``K``."""
        return self.model.num_patches

    @property
    def weights_per_patch(self) -> int:
        """Weights of one patch circuit ``P_k``."""
        return self.model.weights_per_patch

    @property
    def num_classes(self) -> int:
        """Number of classes ``C``."""
        return self.model.num_classes

    @property
    def weight_slices(self) -> list[slice]:
        """Slice of the weight vector owned by each patch, then the bias slice if enabled."""
        return self.model.weight_slices

    @property
    def estimator(self) -> BaseEstimatorV2:
        """The executor's estimator."""
        return self.executor.estimator

    def initial_weights(self, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Paper initialisation: angles i.i.d. uniform in ``[0, pi)``, bias zero.

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> qnn.initial_weights(seed=1).shape == (qnn.num_weights,)
            True
        """
        return self.model.initial_weights(seed)

    def to_config(self) -> dict:
        """JSON-serialisable model description (default circuit only), see :meth:`from_config`.

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> PatchQNN.from_config(qnn.to_config()).num_weights == qnn.num_weights
            True
        """
        return self.model.to_config()

    @classmethod
    def from_config(cls, config: dict, **kwargs: Any) -> PatchQNN:
        """Rebuild a model written by :meth:`to_config`; ``kwargs`` set the estimator etc.

        Raises:
            ValueError: if the config is incomplete or describes a custom circuit.
        """
        model = PatchModel.from_config(config)
        return cls(
            model.layout,
            model.depth,
            num_qubits=model.circuit.circuit.num_qubits,
            num_classes=model.num_classes,
            scale=model.scale,
            aggregation=model.aggregation,
            input_bias=model.input_bias,
            input_scale=model.input_scale,
            input_range=model.input_range,
            **kwargs,
        )

    @cached_property
    def patch_qnns(self) -> list[EstimatorQNN]:
        """One Qiskit ML :class:`EstimatorQNN` per patch, on this model's ISA circuit.

        Patch ``k``'s network takes the patch's input angles (``input_scale * pixel + bias``,
        in feature order) and its weights ``weights[weight_slices[k]]``, and returns the ``C``
        observables on the executor's estimator at the executor's precision: the same numbers
        as column ``k`` of :meth:`patch_outputs` (which evaluates every patch in one job).
        """
        from .execution import device_of, transpile_patch

        pc = self.model.circuit
        circuit, observables = pc.circuit, list(self.model.observables)
        if self.executor.pass_manager is not None:
            circuit, observables = transpile_patch(
                circuit,
                observables,
                self.executor.pass_manager,
                device=device_of(self.executor.estimator),
            )
        by_name = {p.name: p for p in circuit.parameters}
        return [
            EstimatorQNN(
                circuit=circuit,
                observables=observables,
                input_params=[by_name[p.name] for p in pc.input_params],
                weight_params=[by_name[p.name] for p in pc.weight_params],
                estimator=self.executor.estimator,
                default_precision=self.executor.precision or 0.0,
            )
            for _ in range(self.num_patches)
        ]

    # ------------------------------------------------------------------ validation
    def _validate_input(self, input_data):  # type: ignore[override]
        if input_data is None:
            raise ValueError("input_data is required: PatchQNN has image inputs")
        x = np.asarray(input_data, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.num_inputs:
            raise ValueError(
                f"input_data must have last dimension {self.num_inputs} "
                f"(images {self.layout.image_shape} flattened), got shape {x.shape}"
            )
        self.model.check_images(x.reshape(-1, self.num_inputs))
        return super()._validate_input(x)

    def _validate_weights(self, weights):  # type: ignore[override]
        if weights is None:
            raise ValueError("weights are required")
        return self.model.check_weights(weights)

    # ------------------------------------------------------------------ passes
    def patch_outputs(self, images: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Expectation values of every patch, in one executor call.

        The bindings are :meth:`PatchModel.columns <qiskit_patchqnn.model.PatchModel.columns>`:
        patch by patch, weights and inputs as broadcast parts that an estimator such as
        :class:`~qiskit_patchqnn.simulator.BatchedEstimator` uses without materialising (any
        other estimator gets the full array).

        Args:
            images: ``(N, H*W)``.
            weights: one weight vector ``(P,)``, or ``G`` of them ``(G, P)``.

        Returns:
            ``(N, K, C)``, or ``(G, N, K, C)`` for several weight vectors.

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> w = qnn.initial_weights(seed=0)
            >>> qnn.patch_outputs(np.zeros((2, 16)), np.stack([w, w])).shape
            (2, 2, 4, 4)
        """
        (out,) = self.executor.run([self.model.columns(images, weights)]).values
        out = np.swapaxes(out, -3, -2)  # (G, N, K, C)
        return out if np.ndim(weights) == 2 else out[0]

    def _forward(self, input_data, weights):
        return self.model.logits(self.patch_outputs(input_data, weights))

    def _backward(self, input_data, weights):
        _, igrad, wgrad = self._forward_backward(input_data, weights)
        return igrad, wgrad

    def forward_backward(
        self, input_data: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Logits and their parameter-shift gradients from one executor call.

        Returns:
            ``(logits (N, C), input_grad (N, C, H*W) or None, weight_grad (N, C, num_weights))``.

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> z, _, g = qnn.forward_backward(np.zeros((2, 16)), qnn.initial_weights(0))
            >>> z.shape, g.shape
            ((2, 4), (2, 4, 120))
        """
        x = self.model.check_images(input_data)
        return self._forward_backward(x, self.model.check_weights(weights))

    def shift_rule(self, with_inputs: bool) -> ParameterShift:
        """The parameter-shift rule of the weights' gate angles (and the inputs' if asked)."""
        return self._shift_rules[bool(with_inputs)]

    @cached_property
    def _shift_rules(self) -> dict[bool, ParameterShift]:
        plan = self.model.plan
        return {
            flag: ParameterShift(plan, self.model.differentiable_angles(flag))
            for flag in (False, True)
        }

    def _forward_backward(self, input_data, weights):
        model = self.model
        rule = self.shift_rule(model.input_bias or self.input_gradients)
        cols = model.plan.bind(model.local_values(input_data, weights))  # (N, K, ncols)
        center, points = self.executor.run([cols, rule.gradient_points(cols)]).values
        jac = np.moveaxis(rule.gradient(points), -1, -2)  # (N, K, C, D)
        params, chain = rule.chain()
        jac_local = model.coefficient * (jac @ chain)  # (N, K, C, L)
        n, k = len(center), model.num_patches
        gidx = model.global_index()[:, params]  # (K, L)
        wgrad = np.zeros((n, self.num_classes, self.num_weights))
        for kk in range(k):  # scatter (N, C, L) into the weight axis of wgrad
            keep = gidx[kk] >= 0
            block = np.moveaxis(jac_local[:, kk][..., keep], -1, 0)  # (L', N, C)
            np.add.at(wgrad.transpose(2, 0, 1), gidx[kk, keep], block)
        igrad = None
        if self.input_gradients:
            is_in = params < model.num_features
            lo, hi = model.input_range
            factor = model.input_scale / (hi - lo)
            igrad = np.zeros((n, self.num_classes, self.num_inputs))
            for kk in range(k):
                block = np.moveaxis(factor * jac_local[:, kk][..., is_in], -1, 0)
                np.add.at(igrad.transpose(2, 0, 1), model.pixels[kk, params[is_in]], block)
        return model.logits(center), igrad, wgrad

    @property
    def uses_adjoint(self) -> bool:
        """Whether :meth:`vjp` uses the adjoint method (see ``gradient``).

        Raises:
            ValueError: ``gradient="adjoint"`` without an exact simulator.
        """
        exact = self.executor.simulator is not None
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

        Example:
            >>> from qiskit_patchqnn import PatchLayout
            >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
            >>> g, _ = qnn.vjp(np.zeros((2, 16)), qnn.initial_weights(0), np.ones((2, 4)))
            >>> g.shape
            (120,)
        """
        model = self.model
        x = model.check_images(input_data)
        w = model.check_weights(weights)
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
        n, k = len(x), model.num_patches
        base = model.local_values(x, w).reshape(n * k, -1)  # rows ordered (n, k)
        cot = np.repeat(model.coefficient * u, k, axis=0)
        local = (
            Adjoint(model.plan)
            .vjp(self.executor.simulator, self.executor.observables, base, cot)
            .reshape(n, k, -1)
        )
        wgrad = model.weight_gradient(local)
        igrad = model.input_gradient(local) if self.input_gradients else None
        return wgrad, igrad
