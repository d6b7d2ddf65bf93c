# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The :class:`LossHessian` result: dense per-patch blocks from parameter-shift rules."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..execution.provenance import Provenance
from .spectrum import SpectrumMixin, order_eigenpairs

__all__ = ["LossHessian"]

_DENSE_LIMIT = 600


@dataclass(frozen=True)
class LossHessian(SpectrumMixin):
    r"""Loss Hessian :math:`H = G + R` with its patch-block structure.

    Attributes:
        jacobian: logit Jacobians :math:`J_n`, ``(N, C, P)``.
        probs: softmax probabilities :math:`p_n`, ``(N, C)``.
        targets: one-hot labels :math:`y_n`, ``(N, C)``.
        blocks: per patch, ``(global weight indices, residual block)``; the residual part is
            :math:`R = \sum_k S_k^\top R_k S_k` (empty when only the Gauss-Newton part was
            computed).
        slices: weight slices per patch (and the positional bias), as in
            :attr:`PatchQNN.weight_slices`.
        num_evaluations: circuit evaluations spent (all repetitions).
        provenance: where and how the expectation values were computed (backend, shots or
            precision, options, package versions, job ids).
        method: how the Hessian was obtained.
        replicas: independent estimates for error bars: repetitions (every expectation value
            evaluated again; this one included) or bootstrap resamples (see ``error_bars``).
        parts: ``"all"`` (:math:`G + R`) or ``"gauss_newton"`` (only :math:`G`, from the
            first-order shift points; then ``part=None`` means :math:`G` and asking for the
            full or residual part is an error).
        error_bars: how ``replicas`` were made: ``"repetition"``, ``"bootstrap"``
            (parametric bootstrap over shots: every expectation value resampled from a Gaussian
            with the standard error the estimator reported, no new circuits) or ``None``.
    """

    jacobian: np.ndarray
    probs: np.ndarray
    targets: np.ndarray
    blocks: list[tuple[np.ndarray, np.ndarray]]
    slices: list[slice]
    num_evaluations: int
    provenance: Provenance | None = None
    method: str = "parameter-shift"
    replicas: tuple[LossHessian, ...] = ()
    parts: str = "all"
    error_bars: str | None = None

    def with_replicas(self, replicas: list[LossHessian]) -> LossHessian:
        """A copy that carries independent repetitions (this one included) for error bars."""
        total = sum(r.num_evaluations for r in replicas)
        ids = [i for r in replicas if r.provenance is not None for i in r.provenance.job_ids]
        prov = self.provenance
        if prov is not None:
            prov = replace(prov, job_ids=tuple(dict.fromkeys(ids)))
        return replace(
            self,
            num_evaluations=total,
            provenance=prov,
            replicas=tuple(replicas),
            error_bars="repetition",
        )

    def resolve_part(self, part: str | None) -> str:
        """``part`` checked; ``None`` is the whole Hessian held (``"gauss_newton"`` if only G).

        Raises:
            ValueError: an unknown part, or the full or residual part of a Hessian computed
                with ``parts="gauss_newton"``.
        """
        if self.parts == "gauss_newton":
            if part is None or part == "gauss_newton":
                return "gauss_newton"
            raise ValueError(
                f"this Hessian holds only its Gauss-Newton part (computed with "
                f"parts='gauss_newton'); part={part!r} needs parts='all'"
            )
        return super().resolve_part(part)

    # -------------------------------------------------------------- sizes
    @property
    def num_weights(self) -> int:
        """Dimension ``P`` of the Hessian."""
        return int(self.jacobian.shape[2])

    @property
    def num_samples(self) -> int:
        """Number of samples ``N`` the loss averages over."""
        return int(self.jacobian.shape[0])

    @property
    def num_classes(self) -> int:
        """Number of classes ``C``."""
        return int(self.jacobian.shape[1])

    # -------------------------------------------------------------- operators
    def _gn_block(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        ja = self.jacobian[:, :, rows]
        jb = self.jacobian[:, :, cols]
        p = self.probs
        first = np.einsum("nca,nc,ncb->ab", ja, p, jb, optimize=True)
        qa = np.einsum("nca,nc->na", ja, p)
        qb = np.einsum("ncb,nc->nb", jb, p)
        return (first - qa.T @ qb) / self.num_samples

    def _residual_block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(cols)))
        rpos = {int(g): i for i, g in enumerate(rows)}
        cpos = {int(g): i for i, g in enumerate(cols)}
        for idx, block in self.blocks:
            ri = np.array([rpos.get(int(g), -1) for g in idx])
            ci = np.array([cpos.get(int(g), -1) for g in idx])
            rs, cs = np.flatnonzero(ri >= 0), np.flatnonzero(ci >= 0)
            if len(rs) and len(cs):
                np.add.at(out, (ri[rs][:, None], ci[cs][None, :]), block[np.ix_(rs, cs)])
        return out

    def to_dense(self, part: str | None = None) -> np.ndarray:
        """The Hessian (or one part of it) as a dense ``(P, P)`` array.

        Args:
            part: ``"full"``, ``"gauss_newton"`` or ``"residual"``.
        """
        part = self.resolve_part(part)
        p = self.num_weights
        out = np.zeros((p, p))
        if part in ("full", "gauss_newton"):
            out += self._gn_block(slice(None), slice(None))
        if part in ("full", "residual"):
            for idx, block in self.blocks:
                np.add.at(out, (idx[:, None], idx[None, :]), block)
        return out

    def matvec(self, v: np.ndarray, part: str | None = None) -> np.ndarray:
        """:math:`Hv` without forming :math:`H` (``v`` may be ``(P,)`` or ``(P, m)``)."""
        part = self.resolve_part(part)
        v = np.asarray(v, dtype=float)
        vec = v.ndim == 1
        vv = v[:, None] if vec else v
        out = np.zeros_like(vv)
        if part in ("full", "gauss_newton"):
            jv = np.einsum("ncp,pm->ncm", self.jacobian, vv)
            p = self.probs[:, :, None]
            ajv = p * jv - p * np.sum(p * jv, axis=1, keepdims=True)
            out += np.einsum("ncp,ncm->pm", self.jacobian, ajv) / self.num_samples
        if part in ("full", "residual"):
            for idx, block in self.blocks:
                np.add.at(out, idx, block @ vv[idx])
        return out[:, 0] if vec else out

    # -------------------------------------------------------------- spectrum
    def eigenvalues(
        self,
        k: int = 1,
        which: str = "LA",
        part: str | None = None,
        *,
        return_std: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Extreme eigenvalues by :func:`scipy.sparse.linalg.eigsh` (dense ``eigh`` if small).

        Args:
            k: how many.
            which: ``"LA"`` (largest, descending), ``"SA"`` (smallest, ascending) or ``"LM"``
                (largest magnitude, by descending magnitude).
            part: which part of the Hessian (default: the whole Hessian held).
            return_std: also return standard deviations over the replicas: with repetitions
                (each re-estimates every expectation value) the values are their mean; with a
                bootstrap the values are this Hessian's and the stds the bootstrap's.

        Returns:
            ``k`` eigenvalues, or ``(values, stds)``; without replicas the stds are NaN.
        """
        vals, _ = self.eigenvectors(k, which, part)
        if not return_std:
            return vals
        if len(self.replicas) < 2:
            return vals, np.full_like(vals, np.nan)
        reps = np.array([r.eigenvectors(k, which, part)[0] for r in self.replicas])
        if self.error_bars == "bootstrap":
            return vals, reps.std(axis=0, ddof=1)
        return reps.mean(axis=0), reps.std(axis=0, ddof=1)

    def eigenvectors(
        self, k: int = 1, which: str = "LA", part: str | None = None, *, tol: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Extreme eigenpairs ``(values (k,), vectors (P, k))``, ordered as :meth:`eigenvalues`.

        Dense ``eigh`` when ``P <= 600`` (or ``k >= P - 1``), Lanczos (``eigsh``) otherwise.
        """
        if which not in ("LA", "SA", "LM"):
            raise ValueError(f"which must be 'LA', 'SA' or 'LM', got {which!r}")
        p = self.num_weights
        if not 1 <= k <= p:
            raise ValueError(f"k must be in 1..{p}, got {k}")
        if p <= _DENSE_LIMIT or k >= p - 1:
            vals, vecs = np.linalg.eigh(self.to_dense(part))
            return order_eigenpairs(vals, vecs, k, which)
        return super().eigenvectors(k, which, part, tol=tol)

    def _max_eigenpairs(self) -> int:
        return self.num_weights

    def spectrum(self, part: str | None = None) -> np.ndarray:
        """All eigenvalues, ascending (dense; for models small enough to form ``H``)."""
        return np.linalg.eigvalsh(self.to_dense(part))

    # -------------------------------------------------------------- blocks
    def _slice_indices(self, k: int) -> np.ndarray:
        if not -len(self.slices) <= k < len(self.slices):
            raise ValueError(f"block index {k} not in 0..{len(self.slices) - 1}")
        s = self.slices[k]
        return np.arange(s.start, s.stop)

    def patch_block(self, k: int, l: int, part: str | None = None) -> np.ndarray:  # noqa: E741
        """Block :math:`H_{kl}` between the weights of patches ``k`` and ``l``.

        Index ``len(slices) - 1`` is the positional bias when it is enabled.
        """
        part = self.resolve_part(part)
        rows, cols = self._slice_indices(k), self._slice_indices(l)
        out = np.zeros((len(rows), len(cols)))
        if part in ("full", "gauss_newton"):
            out += self._gn_block(rows, cols)
        if part in ("full", "residual"):
            out += self._residual_block(rows, cols)
        return out

    def block_norms(self, part: str | None = None) -> dict[str, np.ndarray]:
        """Frobenius and spectral norms of every block :math:`H_{kl}`.

        Returns:
            ``{"frobenius": (B, B), "spectral": (B, B)}`` with ``B = len(slices)``; the
            off-diagonal entries measure the cross-patch coupling.
        """
        b = len(self.slices)
        fro = np.zeros((b, b))
        spec = np.zeros((b, b))
        for k in range(b):
            for l in range(k, b):  # noqa: E741
                blk = self.patch_block(k, l, part)
                fro[k, l] = fro[l, k] = np.linalg.norm(blk)
                spec[k, l] = spec[l, k] = np.linalg.norm(blk, 2) if blk.size else 0.0
        return {"frobenius": fro, "spectral": spec}

    # -------------------------------------------------------------- trace & density
    def diagonal(self, part: str | None = None) -> np.ndarray:
        """The exact diagonal of :math:`H` (or a part)."""
        part = self.resolve_part(part)
        out = np.zeros(self.num_weights)
        if part in ("full", "gauss_newton"):
            j, p = self.jacobian, self.probs
            out += (
                np.einsum("ncp,nc,ncp->p", j, p, j) - (np.einsum("ncp,nc->np", j, p) ** 2).sum(0)
            ) / self.num_samples
        if part in ("full", "residual"):
            for idx, block in self.blocks:
                np.add.at(out, idx, np.diag(block))
        return out

    def trace(
        self,
        part: str | None = None,
        *,
        method: str = "exact",
        num_samples: int = 100,
        seed: int | None = 0,
    ) -> float | tuple[float, float]:
        """Trace of :math:`H`.

        Args:
            part: which part.
            method: ``"exact"`` (sum of the exact diagonal) or ``"hutchinson"`` (Rademacher
                probes through :meth:`matvec`; returns ``(estimate, standard error)``).
            num_samples: Hutchinson probes.
            seed: probe seed.
        """
        if method == "exact":
            return float(self.diagonal(part).sum())
        if method != "hutchinson":
            raise ValueError(f"method must be 'exact' or 'hutchinson', got {method!r}")
        return super().trace(part, method=method, num_samples=num_samples, seed=seed)

    # -------------------------------------------------------------- reporting
    def summary(self, top_k: int = 5) -> dict:
        """JSON-serialisable summary: top eigenvalues, trace, outliers, block norms, cost."""
        k = min(top_k, self.num_weights)
        vals, stds = self.eigenvalues(k, "LA", return_std=True)
        out = self.outliers()
        norms = self.block_norms()
        return {
            "parts": self.parts,
            "lambda_max": float(vals[0]),
            "lambda_max_std": None if np.isnan(stds[0]) else float(stds[0]),
            "top_eigenvalues": [float(v) for v in vals],
            "top_eigenvalues_std": [None if np.isnan(s) else float(s) for s in stds],
            "error_bars": self.error_bars,
            "lambda_min": float(self.eigenvalues(1, "SA")[0]),
            "trace": self.trace(),
            "trace_gauss_newton": self.trace("gauss_newton"),
            "num_outliers": out.count,
            "outliers": [float(v) for v in out.values],
            "block_norms": {key: val.tolist() for key, val in norms.items()},
            "num_evaluations": self.num_evaluations,
            "num_weights": self.num_weights,
            "num_samples": self.num_samples,
            "repetitions": max(1, len(self.replicas)),
            "method": self.method,
            "provenance": None if self.provenance is None else self.provenance.to_dict(),
        }
