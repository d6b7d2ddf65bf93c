# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""The exact loss Hessian as a matrix-free operator: Hessian-vector products without :math:`H`.

For the mean softmax cross-entropy of the logits :math:`z_n = c_K \sum_k f_k(x_n; \theta_k)`:

.. math::

    H v = \frac1N \sum_n \Big[ J_n^\top A_n (J_n v)
          + \sum_a r_{na}\, \nabla^2 z_{na}\, v \Big],
    \qquad A_n = \operatorname{diag}(p_n) - p_n p_n^\top,\quad r_n = p_n - y_n.

Per (sample, patch) binding the exact simulator gives :math:`J v` by a tangent (forward-mode)
sweep, and :math:`J^\top u` plus the residual term in one second-order adjoint
(forward-over-reverse) sweep. A chunk of samples holds every patch of its samples, so
:math:`u_n = A_n J_n v / N` is formed inside the chunk and the product is a sum over chunks: a
map-reduce that runs in-process or on Dask workers. Memory holds one chunk's bindings and a few
vectors of length ``P``; it depends neither on :math:`P^2` nor on ``N``. The numbers equal the
dense parameter-shift Hessian's products to rounding (tested).

Only exact simulation supports this route; on Aer, fake devices and hardware use the
parameter-shift Hessian (``loss_hessian(..., method="parameter_shift")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from ..derivatives import Adjoint
from ..execution.provenance import Provenance
from ..losses import check_labels, one_hot, softmax
from .spectrum import SpectrumMixin, hutchinson_trace

if TYPE_CHECKING:
    from ..qnn import PatchQNN

__all__ = ["MatrixFreeHessian", "hvp_chunk"]

_REFUSAL = (
    "method='hvp' needs exact simulation (the default 'exact' backend, no shots, precision or "
    "pass manager); on Aer, fake devices and hardware use method='parameter_shift' (or "
    "parts='gauss_newton' for first-order shifts only)"
)


def hvp_chunk(
    qnn: PatchQNN,
    x: np.ndarray,
    probs: np.ndarray,
    resid: np.ndarray,
    weights: np.ndarray,
    vectors: np.ndarray,
    part: str,
    num_total: int,
) -> np.ndarray:
    """One sample chunk's share of :math:`H V` (``(P, m)``), every patch of its samples.

    Bindings go to the simulator patch-major (patch, vector, sample), so a block of lanes
    shares one patch's weights and tangent.
    """
    model, executor = qnn.model, qnn.executor
    sim = executor.simulator
    if sim is None or not hasattr(sim, "hvp"):
        raise ValueError(_REFUSAL)
    obs = executor.observables
    adjoint = Adjoint(model.plan)
    n, k, m = len(x), model.num_patches, vectors.shape[1]
    c = model.num_classes
    coef = model.coefficient
    base = np.swapaxes(model.local_values(x, weights), 0, 1)  # (K, n, L)
    width = base.shape[-1]
    tang = np.stack([model.local_tangents(vectors[:, j]) for j in range(m)], axis=1)  # (K, m, L)
    values = np.broadcast_to(base[:, None], (k, m, n, width)).reshape(-1, width)
    tangents = np.broadcast_to(tang[:, :, None], (k, m, n, width)).reshape(-1, width)
    cot = None
    if part != "residual":
        _, jv = adjoint.jvp(sim, obs, values, tangents)
        zdot = coef * jv.reshape(k, m, n, c).sum(axis=0)  # (m, n, C)
        p = probs[None]
        u = (p * zdot - p * np.sum(p * zdot, axis=-1, keepdims=True)) / num_total
        cot = np.broadcast_to(coef * u[None], (k, m, n, c)).reshape(-1, c)
    if part == "gauss_newton":
        assert cot is not None
        grads = adjoint.vjp(sim, obs, values, cot)
    else:
        w_r = np.broadcast_to(coef * resid / num_total, (k, m, n, c)).reshape(-1, c)
        grads = adjoint.hvp(sim, obs, values, tangents, w_r, cot)
    local = grads.reshape(k, m, n, width)
    out = np.empty((model.num_weights, m))
    for j in range(m):
        out[:, j] = model.weight_gradient(np.swapaxes(local[:, j], 0, 1))
    return out


class MatrixFreeHessian(SpectrumMixin):
    r"""Exact loss Hessian :math:`H = G + R` applied by Hessian-vector products.

    Built by :func:`~qiskit_patchqnn.hessian.loss_hessian` with ``method="hvp"``. It offers the
    spectral toolkit of every Hessian of the package (:meth:`eigenvalues` by Lanczos,
    :meth:`power_iteration` as PyHessian runs it, Hutchinson :meth:`trace`, SLQ
    :meth:`density`, :meth:`outliers`, :meth:`to_linear_operator` of each part) and estimates
    of the block norms (:meth:`block_norms`), and counts its work: :attr:`num_matvecs`
    products, :attr:`num_sweeps` simulator sweeps of one (sample, patch) binding.

    Args:
        qnn: the model; its executor must run the exact simulator.
        X: images ``(N, H*W)``.
        y: integer labels ``(N,)``.
        weights: the point of evaluation.
        max_bindings: most (sample, patch) bindings per chunk; a product with ``m`` vectors
            at once (a block of probes) holds ``m`` times as many (each a few rows of
            ``F + P_k`` numbers).
        client: optional ``dask.distributed.Client``: sample chunks become tasks (the model is
            scattered once); every product is a map-reduce over them.
        progress: show a progress bar per product.

    Raises:
        ValueError: on an estimator other than the exact simulator (the message points to the
            parameter-shift route), or bad inputs.
    """

    def __init__(
        self,
        qnn: PatchQNN,
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray,
        *,
        max_bindings: int = 1 << 13,
        client: Any | None = None,
        progress: bool = False,
    ) -> None:
        sim = qnn.executor.simulator
        if sim is None or not hasattr(sim, "hvp"):
            raise ValueError(_REFUSAL)
        model = qnn.model
        x = model.check_images(X, "X")
        if len(x) == 0:
            raise ValueError("X holds no images: the loss Hessian needs at least one sample")
        labels = check_labels(y, len(x), model.num_classes, "y")
        if max_bindings < 1:
            raise ValueError(f"max_bindings must be >= 1, got {max_bindings}")
        mark = qnn.executor.mark()
        self.qnn = qnn
        self.x = x
        self.labels = labels
        self.weights = model.check_weights(weights).copy()
        self.targets = one_hot(labels, model.num_classes)
        k = model.num_patches
        step = max(1, max_bindings // k)
        self._chunks = [np.arange(s, min(len(x), s + step)) for s in range(0, len(x), step)]
        self.max_bindings = int(max_bindings)
        self.client = client
        self.progress = progress
        logits = np.concatenate([qnn.forward(x[idx], self.weights) for idx in self._chunks])
        self.probs = softmax(logits)
        self.resid = self.probs - self.targets
        self.loss = float(-np.log(np.maximum(self.probs[np.arange(len(x)), labels], 1e-300)).mean())
        self.num_matvecs = 0
        """Hessian-vector products computed so far (each column of a block counts once)."""
        self.num_sweeps = len(x) * k
        """Simulator sweeps of one (sample, patch) binding so far (the forward pass included;
        a product costs two per binding: a tangent sweep and a second-order adjoint sweep)."""
        self.provenance: Provenance = qnn.executor.provenance(qnn.executor.jobs_since(mark))
        self._remote = None
        if client is not None:
            self._remote = client.scatter(qnn, broadcast=True)

    # -------------------------------------------------------------- sizes
    @property
    def num_weights(self) -> int:
        """Dimension ``P`` of the Hessian."""
        return int(self.qnn.num_weights)

    @property
    def num_samples(self) -> int:
        """Number of samples ``N`` the loss averages over."""
        return len(self.x)

    @property
    def num_classes(self) -> int:
        """Number of classes ``C``."""
        return int(self.qnn.num_classes)

    @property
    def slices(self) -> list[slice]:
        """Weight slices per patch (and the positional bias)."""
        return self.qnn.weight_slices

    # -------------------------------------------------------------- products
    def matvec(self, v: np.ndarray, part: str | None = None) -> np.ndarray:
        """:math:`Hv` (or a part of it) for ``v`` of shape ``(P,)`` or ``(P, m)``."""
        part = self.resolve_part(part)
        arr = np.asarray(v, dtype=float)
        vec = arr.ndim == 1
        vv = arr[:, None] if vec else arr
        if vv.ndim != 2 or vv.shape[0] != self.num_weights:
            raise ValueError(f"v must have shape ({self.num_weights},) or (P, m), got {arr.shape}")
        if not np.all(np.isfinite(vv)):
            raise ValueError("v contains NaN or infinite values")
        out = np.zeros_like(vv)
        n = self.num_samples
        args = (self.weights, vv, part, n)
        bar = tqdm(
            total=len(self._chunks),
            desc=f"HVP {self.num_matvecs + 1}",
            unit="chunk",
            disable=not self.progress or len(self._chunks) == 1,  # no flashing one-chunk bars
            leave=False,
        )
        if self.client is None:
            for idx in self._chunks:
                out += hvp_chunk(self.qnn, self.x[idx], self.probs[idx], self.resid[idx], *args)
                bar.update(1)
        else:
            futures = [
                self.client.submit(
                    hvp_chunk,
                    self._remote,
                    self.x[idx],
                    self.probs[idx],
                    self.resid[idx],
                    *args,
                    pure=False,
                )
                for idx in self._chunks
            ]
            from dask.distributed import as_completed

            for fut in as_completed(futures):
                out += fut.result()
                bar.update(1)
        bar.close()
        m = vv.shape[1]
        self.num_matvecs += m
        self.num_sweeps += 2 * n * self.qnn.num_patches * m
        return out[:, 0] if vec else out

    def _max_eigenpairs(self) -> int:
        return self.num_weights - 1

    # -------------------------------------------------------------- blocks
    def block_norms(
        self, part: str | None = None, *, num_probes: int = 8, seed: int | None = 0
    ) -> dict[str, np.ndarray]:
        r"""Stochastic estimates of the Frobenius norms of the blocks :math:`H_{kl}`.

        For Rademacher probes :math:`z` supported on block ``l``,
        :math:`\mathbb{E}\,\|(Hz)_k\|^2 = \|H_{kl}\|_F^2`; one product per probe gives every
        ``k`` at once, so the cost is ``num_probes * len(slices)`` products.

        Returns:
            ``{"frobenius": (B, B), "frobenius_std": (B, B)}`` with ``B = len(slices)``:
            the estimate and its standard error (from the spread of the probes, propagated
            through the square root).
        """
        part = self.resolve_part(part)
        if num_probes < 2:
            raise ValueError(f"num_probes must be >= 2, got {num_probes}")
        rng = np.random.default_rng(seed)
        slices = self.slices
        b = len(slices)
        fro = np.zeros((b, b))
        err = np.zeros((b, b))
        for col, sl in enumerate(slices):
            z = np.zeros((self.num_weights, num_probes))
            z[sl] = rng.choice([-1.0, 1.0], size=(sl.stop - sl.start, num_probes))
            hz = self.matvec(z, part)
            for row, sr in enumerate(slices):
                sq = np.sum(hz[sr] ** 2, axis=0)  # one estimate of ||H_kl||_F^2 per probe
                mean = max(float(sq.mean()), 0.0)
                fro[row, col] = np.sqrt(mean)
                se = float(sq.std(ddof=1) / np.sqrt(num_probes))
                err[row, col] = se / (2 * np.sqrt(mean)) if mean > 0 else 0.0
        return {"frobenius": fro, "frobenius_std": err}

    # -------------------------------------------------------------- reporting
    def summary(
        self,
        top_k: int = 5,
        *,
        tol: float = 1e-6,
        trace_probes: int = 0,
        seed: int | None = 0,
    ) -> dict:
        """JSON-serialisable summary: top eigenvalues (Lanczos), optional trace, cost.

        Args:
            top_k: leading eigenvalues.
            tol: relative accuracy asked of Lanczos.
            trace_probes: Hutchinson probes (0: no trace).
            seed: probe seed.
        """
        k = min(top_k, self.num_weights - 1)
        before = self.num_matvecs
        vals = self.eigenvectors(k, "LA", tol=tol)[0]
        eig_products = self.num_matvecs - before
        out = {
            "lambda_max": float(vals[0]),
            "top_eigenvalues": [float(v) for v in vals],
            "eigen_products": int(eig_products),
            "num_outliers": int(_gap(vals)),
            "loss": self.loss,
            "num_weights": self.num_weights,
            "num_samples": self.num_samples,
            "method": "exact Hessian-vector products (tangent + second-order adjoint sweeps)",
            "provenance": self.provenance.to_dict(),
        }
        if trace_probes:
            est, se = hutchinson_trace(self.matvec, self.num_weights, trace_probes, seed=seed)
            out.update(trace=est, trace_std=se)
        out.update(num_matvecs=self.num_matvecs, num_sweeps=self.num_sweeps)
        return out


def _gap(vals: np.ndarray) -> int:
    from .spectrum import gap_outliers

    return gap_outliers(vals).count
