# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""The spectral toolkit of a symmetric operator given by its products :math:`v \mapsto Hv`.

Every loss Hessian of the package (dense parameter-shift blocks, matrix-free Hessian-vector
products) offers the same methods through :class:`SpectrumMixin`:

* extreme eigenpairs by :func:`scipy.sparse.linalg.eigsh` (implicitly restarted Lanczos), or by
  dense ``eigh`` where the matrix is small enough to form;
* the largest eigenvalue by power iteration as PyHessian runs it (:func:`power_iteration`), for
  side-by-side comparison with the paper's numbers;
* the trace by Hutchinson's estimator with its standard error (:func:`hutchinson_trace`);
* the spectral density by stochastic Lanczos quadrature (:func:`slq_density`);
* both from one Lanczos run that stops once the top eigenvalues have converged
  (:func:`lanczos_spectrum`), where every product is expensive;
* the eigenvalues that stand out of the near-zero bulk (:func:`gap_outliers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, eigsh

__all__ = [
    "PARTS",
    "LanczosSpectrum",
    "Outliers",
    "PowerIteration",
    "SpectralDensity",
    "SpectrumMixin",
    "gap_outliers",
    "hutchinson_trace",
    "lanczos_spectrum",
    "merge_densities",
    "power_iteration",
    "slq_density",
]

PARTS = ("full", "gauss_newton", "residual")
"""The parts of a loss Hessian :math:`H = G + R` (Gauss-Newton and residual)."""

Matvec = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SpectralDensity:
    """Eigenvalue density from stochastic Lanczos quadrature.

    Attributes:
        grid: eigenvalue grid.
        density: Gaussian-broadened density on ``grid`` (integrates to about 1).
        nodes: Ritz values of every run, ``(runs, steps)``.
        weights: their quadrature weights (squared first components), ``(runs, steps)``.
        sigma: broadening width.
    """

    grid: np.ndarray
    density: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    sigma: float

    def plot(self, **kwargs: Any):
        """Plot with :func:`qiskit_patchqnn.plotting.plot_spectrum_density`."""
        from ..plotting import plot_spectrum_density

        return plot_spectrum_density(self, **kwargs)


@dataclass(frozen=True)
class Outliers:
    """Eigenvalues separated from the near-zero bulk.

    Attributes:
        count: number of outliers.
        values: the outlier eigenvalues, descending.
        threshold: the bulk edge used.
        gap_ratio: ratio of the last outlier to the first bulk eigenvalue.
        method: how the edge was chosen.
    """

    count: int
    values: np.ndarray
    threshold: float
    gap_ratio: float
    method: str


@dataclass(frozen=True)
class PowerIteration:
    r"""The largest-magnitude eigenvalue by power iteration, as PyHessian computes it.

    Attributes:
        value: the eigenvalue estimate :math:`v^\top H v` of the last iterate.
        vector: the last iterate (unit norm).
        iterations: products :math:`Hv` used.
        converged: whether the relative change fell below the tolerance.
        history: the estimate after every iteration.
    """

    value: float
    vector: np.ndarray
    iterations: int
    converged: bool
    history: np.ndarray


def check_part(part: str) -> None:
    """Raise a one-line ``ValueError`` unless ``part`` is one of :data:`PARTS`."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")


def power_iteration(
    matvec: Matvec,
    dim: int,
    *,
    max_iterations: int = 100,
    tol: float = 1e-3,
    seed: int | None = 0,
) -> PowerIteration:
    r"""Power iteration as in PyHessian's ``eigenvalues``: stop on a small relative change.

    Starting from a Gaussian vector, iterate :math:`v \leftarrow Hv / \|Hv\|` with the estimate
    :math:`\lambda = v^\top H v`, until :math:`|\lambda_t - \lambda_{t-1}| /
    (|\lambda_{t-1}| + 10^{-6}) < \text{tol}`. It converges to the eigenvalue of largest
    magnitude (the paper's :math:`\lambda_{max}` at a minimum, where that one is positive), at
    a rate set by the ratio of the two largest magnitudes.

    Example:
        >>> h = np.diag([5.0, 1.0, 0.5])
        >>> res = power_iteration(lambda v: h @ v, 3, tol=1e-9)
        >>> round(res.value, 6), res.converged
        (5.0, True)
    """
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    value = None
    history = []
    converged = False
    it = 0
    while it < max_iterations:
        it += 1
        hv = np.asarray(matvec(v), dtype=float)
        new = float(v @ hv)
        history.append(new)
        norm = float(np.linalg.norm(hv))
        if norm == 0.0:
            value, converged = 0.0, True
            break
        v = hv / norm
        if value is not None and abs(new - value) / (abs(value) + 1e-6) < tol:
            value, converged = new, True
            break
        value = new
    final = float(value if value is not None else 0.0)
    return PowerIteration(final, v, it, converged, np.array(history))


def hutchinson_trace(
    matmat: Matvec, dim: int, num_probes: int = 100, *, seed: int | None = 0
) -> tuple[float, float]:
    r"""Hutchinson's trace estimate from ``m`` random probes.

    :math:`\operatorname{tr} H \approx \frac1m\sum_i z_i^\top H z_i` with Rademacher probes
    :math:`z_i \in \{\pm1\}^P`; ``matmat`` receives all of them as the columns of one
    ``(P, m)`` array.

    Returns:
        ``(estimate, standard error)``.

    Example:
        >>> h = np.diag(np.arange(1.0, 11.0))
        >>> est, err = hutchinson_trace(lambda z: h @ z, 10, 50)
        >>> est == 55.0  # exact for a diagonal matrix
        True
    """
    if num_probes < 2:
        raise ValueError(f"num_probes must be >= 2 (for a standard error), got {num_probes}")
    rng = np.random.default_rng(seed)
    z = rng.choice([-1.0, 1.0], size=(dim, num_probes))
    est = np.einsum("pm,pm->m", z, matmat(z))
    return float(est.mean()), float(est.std(ddof=1) / np.sqrt(num_probes))


def lanczos(matvec: Matvec, dim: int, steps: int, rng: np.random.Generator):
    """Lanczos with full reorthogonalisation from a random unit vector: ``(alpha, beta)``."""
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    basis = np.zeros((steps, dim))
    alpha = np.zeros(steps)
    beta = np.zeros(max(steps - 1, 0))
    basis[0] = v
    for i in range(steps):
        w = matvec(basis[i])
        alpha[i] = basis[i] @ w
        w = w - basis[: i + 1].T @ (basis[: i + 1] @ w)
        w = w - basis[: i + 1].T @ (basis[: i + 1] @ w)
        if i + 1 < steps:
            b = np.linalg.norm(w)
            if b < 1e-12:
                return alpha[: i + 1], beta[:i]
            beta[i] = b
            basis[i + 1] = w / b
    return alpha, beta


def slq_density(
    matvec: Matvec,
    dim: int,
    *,
    num_runs: int = 10,
    num_steps: int = 80,
    sigma: float | None = None,
    num_grid: int = 1000,
    seed: int | None = 0,
) -> SpectralDensity:
    """Spectral density by stochastic Lanczos quadrature (as PyHessian's ``density``).

    Each run starts Lanczos (full reorthogonalisation) from a random unit vector; the Ritz
    values and squared first eigenvector components of the tridiagonal matrix form a quadrature
    rule; the density averages Gaussian-broadened rules over runs.

    Example:
        >>> h = np.diag([1.0, 2.0, 3.0])
        >>> d = slq_density(lambda v: h @ v, 3, num_runs=2, num_steps=3)
        >>> np.round(np.sort(d.nodes[0]), 6).tolist()
        [1.0, 2.0, 3.0]
    """
    rng = np.random.default_rng(seed)
    m = min(num_steps, dim)
    nodes = np.zeros((num_runs, m))
    weights = np.zeros((num_runs, m))
    for r in range(num_runs):
        alpha, beta = lanczos(matvec, dim, m, rng)
        t_vals, t_vecs = scipy.linalg.eigh_tridiagonal(alpha, beta)
        nodes[r, : len(t_vals)] = t_vals
        weights[r, : len(t_vals)] = t_vecs[0] ** 2
    return _broaden(nodes, weights, sigma, num_grid)


def _broaden(
    nodes: np.ndarray, weights: np.ndarray, sigma: float | None, num_grid: int
) -> SpectralDensity:
    """Gaussian-broadened quadrature rules ``(runs, steps)``, averaged over runs."""
    live = weights > 0
    lo, hi = float(nodes[live].min()), float(nodes[live].max())
    span = max(hi - lo, 1e-12)
    sigma = float(sigma if sigma is not None else 0.01 * span)
    grid = np.linspace(lo - 0.05 * span - 3 * sigma, hi + 0.05 * span + 3 * sigma, num_grid)
    kern = np.exp(-((grid[None, None, :] - nodes[:, :, None]) ** 2) / (2 * sigma**2))
    dens = (weights[:, :, None] * kern).sum(axis=(0, 1)) / len(nodes)
    dens /= sigma * np.sqrt(2 * np.pi)
    return SpectralDensity(grid, dens, nodes, weights, sigma)


def merge_densities(parts: list[SpectralDensity], num_grid: int = 1000) -> SpectralDensity:
    """One density from the quadrature rules of several, broadened anew as a whole.

    Runs of different lengths are padded with zero-weight nodes.

    Example:
        >>> h = np.diag([1.0, 2.0, 3.0])
        >>> a = slq_density(lambda v: h @ v, 3, num_runs=1, num_steps=2, seed=0)
        >>> b = slq_density(lambda v: h @ v, 3, num_runs=2, num_steps=3, seed=1)
        >>> merge_densities([a, b]).nodes.shape
        (3, 3)
    """
    width = max(p.nodes.shape[1] for p in parts)
    nodes = np.vstack([np.pad(p.nodes, ((0, 0), (0, width - p.nodes.shape[1]))) for p in parts])
    weights = np.vstack(
        [np.pad(p.weights, ((0, 0), (0, width - p.weights.shape[1]))) for p in parts]
    )
    return _broaden(nodes, weights, None, num_grid)


@dataclass(frozen=True)
class LanczosSpectrum:
    r"""Top eigenvalues and a one-probe spectral density from one Lanczos run.

    Attributes:
        eigenvalues: the top Ritz values, descending (up to ``top_k``).
        errors: their residual norms :math:`\|Hy - \theta y\|`, each a bound on the distance
            to the nearest eigenvalue.
        converged: how many of them met the tolerance.
        density: the run's quadrature as a :class:`SpectralDensity` (one probe, as
            PyHessian's default).
        steps: products spent.
    """

    eigenvalues: np.ndarray
    errors: np.ndarray
    converged: int
    density: SpectralDensity
    steps: int


def lanczos_spectrum(
    matvec: Matvec,
    dim: int,
    top_k: int,
    *,
    tol: float = 1e-4,
    max_steps: int = 80,
    check_every: int = 4,
    sigma: float | None = None,
    num_grid: int = 1000,
    seed: int | None = 0,
) -> LanczosSpectrum:
    r"""One Lanczos run (full reorthogonalisation) until the top eigenvalues converge.

    After every ``check_every`` steps the Ritz values of the tridiagonal matrix and their
    residual norms :math:`|\beta_m s_{mi}|` are computed; the run stops when the ``top_k``
    largest have residuals below ``tol`` times the largest, or after ``max_steps``. Where an
    ARPACK call for ``top_k`` eigenvalues keeps ``2 top_k + 1`` vectors and restarts, this
    spends only the steps the outliers need, and its quadrature gives the spectral density
    for free. Like any single-vector Lanczos it sees a repeated eigenvalue once.

    Example:
        >>> h = np.diag(np.r_[10.0, 7.0, 5.0, np.linspace(0, 0.1, 60)])
        >>> res = lanczos_spectrum(lambda v: h @ v, 63, 3, tol=1e-8, max_steps=63)
        >>> np.round(res.eigenvalues, 6).tolist(), res.converged
        ([10.0, 7.0, 5.0], 3)
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    rng = np.random.default_rng(seed)
    m_max = min(max_steps, dim)
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    basis = np.zeros((m_max, dim))
    alpha = np.zeros(m_max)
    beta = np.zeros(m_max)
    basis[0] = v
    steps = 0
    vals = errs = np.zeros(0)
    vecs = np.zeros((0, 0))
    converged = 0
    for i in range(m_max):
        w = matvec(basis[i])
        steps += 1
        alpha[i] = basis[i] @ w
        for _ in range(2):
            w = w - basis[: i + 1].T @ (basis[: i + 1] @ w)
        beta[i] = np.linalg.norm(w)
        done = beta[i] < 1e-12 * max(abs(alpha[i]), 1.0) or i + 1 == m_max
        if done or ((i + 1) % check_every == 0 and i + 1 >= top_k):
            vals, vecs = scipy.linalg.eigh_tridiagonal(alpha[: i + 1], beta[:i])
            order = np.argsort(vals)[::-1]
            vals, vecs = vals[order], vecs[:, order]
            errs = np.abs(beta[i] * vecs[-1])
            scale = max(abs(vals[0]), 1e-300)
            top = min(top_k, len(vals))
            converged = int(np.sum(errs[:top] <= tol * scale))
            if done or converged == top_k:
                break
        basis[i + 1] = w / beta[i]
    top = min(top_k, len(vals))
    density = _broaden(vals[None, :], (vecs[0] ** 2)[None, :], sigma, num_grid)
    return LanczosSpectrum(vals[:top], errs[:top], converged, density, steps)


def gap_outliers(values: np.ndarray) -> Outliers:
    r"""Outliers above the largest ratio gap among descending eigenvalues.

    The bulk edge is placed at the largest ratio :math:`\lambda_i / \lambda_{i+1}` between
    consecutive positive eigenvalues of ``values`` (sorted descending). This rule has no null
    model: it always reports at least one outlier.

    Example:
        >>> gap_outliers(np.array([9.0, 8.0, 0.1, 0.05])).count
        2
    """
    vals = np.sort(np.asarray(values, dtype=float))[::-1]
    pos = vals[vals > 0]
    m = len(vals)
    if len(pos) < 2:
        return Outliers(len(pos), pos, 0.0, float("inf"), "fewer than two positive")
    floor = max(pos[0] * 1e-12, np.finfo(float).tiny)
    ratios = pos[:-1] / np.maximum(pos[1:], floor)
    i = int(np.argmax(ratios))
    return Outliers(
        count=i + 1,
        values=pos[: i + 1],
        threshold=float(pos[i + 1]),
        gap_ratio=float(ratios[i]),
        method=f"largest ratio gap among the top {m} eigenvalues",
    )


def order_eigenpairs(
    vals: np.ndarray, vecs: np.ndarray, k: int, which: str
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` eigenpairs ordered by ``which`` (``LA`` descending, ``SA`` ascending, ``LM``)."""
    if which == "LA":
        order = np.argsort(vals)[::-1]
    elif which == "SA":
        order = np.argsort(vals)
    else:
        order = np.argsort(-np.abs(vals))
    order = order[:k]
    return vals[order], vecs[:, order]


class SpectrumMixin:
    """The spectral toolkit for any loss Hessian with ``matvec(v, part)``.

    A subclass provides ``num_weights``, ``num_classes`` and ``matvec(v, part)`` (``v`` of
    shape ``(P,)`` or ``(P, m)``); it may override :meth:`eigenvectors` (e.g. with a dense
    solver), :meth:`trace` (e.g. with the exact diagonal) and :meth:`resolve_part` (e.g. when
    only the Gauss-Newton part was computed). ``part=None`` everywhere means the whole
    Hessian the object holds.
    """

    @property
    def num_weights(self) -> int:  # pragma: no cover - provided by the subclass
        """Dimension ``P`` of the Hessian."""
        raise NotImplementedError

    @property
    def num_classes(self) -> int:  # pragma: no cover - provided by the subclass
        """Number of classes ``C``."""
        raise NotImplementedError

    def matvec(self, v: np.ndarray, part: str | None = None) -> np.ndarray:  # pragma: no cover
        """:math:`Hv` (or a part of it)."""
        raise NotImplementedError

    def resolve_part(self, part: str | None) -> str:
        """``part`` checked against :data:`PARTS`; ``None`` means the whole Hessian (``"full"``).

        Raises:
            ValueError: an unknown part, or one this Hessian does not hold.
        """
        if part is None:
            return "full"
        check_part(part)
        return part

    def to_linear_operator(self, part: str | None = None) -> LinearOperator:
        """A :class:`scipy.sparse.linalg.LinearOperator` applying :math:`H` (or a part)."""
        part = self.resolve_part(part)
        p = self.num_weights
        return LinearOperator(
            (p, p),
            matvec=lambda v: self.matvec(v, part),
            matmat=lambda m: self.matvec(m, part),
            rmatvec=lambda v: self.matvec(v, part),
            dtype=float,
        )

    def eigenvectors(
        self, k: int = 1, which: str = "LA", part: str | None = None, *, tol: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Extreme eigenpairs ``(values (k,), vectors (P, k))`` by Lanczos (``eigsh``).

        Args:
            k: how many.
            which: ``"LA"`` (largest, descending), ``"SA"`` (smallest, ascending) or ``"LM"``
                (largest magnitude, by descending magnitude).
            part: which part of the Hessian.
            tol: relative accuracy of the eigenvalues (0: machine precision).
        """
        if which not in ("LA", "SA", "LM"):
            raise ValueError(f"which must be 'LA', 'SA' or 'LM', got {which!r}")
        p = self.num_weights
        if not 1 <= k < p:
            raise ValueError(f"k must be in 1..{p - 1} for Lanczos, got {k}")
        v0 = np.random.default_rng(0).standard_normal(p)
        vals, vecs = eigsh(self.to_linear_operator(part), k=k, which=which, v0=v0, tol=tol)
        return order_eigenpairs(vals, vecs, k, which)

    def eigenvalues(
        self,
        k: int = 1,
        which: str = "LA",
        part: str | None = None,
        *,
        return_std: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Extreme eigenvalues (see :meth:`eigenvectors`).

        ``return_std`` adds error bars: NaN here; a Hessian with repetitions overrides this.
        """
        vals = self.eigenvectors(k, which, part)[0]
        if return_std:
            return vals, np.full_like(vals, np.nan)
        return vals

    def power_iteration(
        self,
        part: str | None = None,
        *,
        max_iterations: int = 100,
        tol: float = 1e-3,
        seed: int | None = 0,
    ) -> PowerIteration:
        """The largest-magnitude eigenvalue by PyHessian-style power iteration."""
        part = self.resolve_part(part)
        return power_iteration(
            lambda v: self.matvec(v, part),
            self.num_weights,
            max_iterations=max_iterations,
            tol=tol,
            seed=seed,
        )

    def trace(
        self,
        part: str | None = None,
        *,
        method: str = "hutchinson",
        num_samples: int = 100,
        seed: int | None = 0,
    ) -> float | tuple[float, float]:
        """Trace by Hutchinson's estimator: ``(estimate, standard error)``."""
        part = self.resolve_part(part)
        if method != "hutchinson":
            raise ValueError(f"method must be 'hutchinson' for this Hessian, got {method!r}")
        return hutchinson_trace(
            lambda z: self.matvec(z, part), self.num_weights, num_samples, seed=seed
        )

    def density(
        self,
        *,
        num_runs: int = 10,
        num_steps: int = 80,
        sigma: float | None = None,
        num_grid: int = 1000,
        part: str | None = None,
        seed: int | None = 0,
    ) -> SpectralDensity:
        """Spectral density by stochastic Lanczos quadrature (see :func:`slq_density`)."""
        part = self.resolve_part(part)
        return slq_density(
            lambda v: self.matvec(v, part),
            self.num_weights,
            num_runs=num_runs,
            num_steps=num_steps,
            sigma=sigma,
            num_grid=num_grid,
            seed=seed,
        )

    def outliers(self, max_count: int | None = None, part: str | None = None) -> Outliers:
        """Eigenvalues above the largest ratio gap among the top ``2C + 2``.

        See :func:`gap_outliers`. Compare ``count`` with the number of classes (paper: about
        one outlier per class).
        """
        m = max_count or 2 * self.num_classes + 2
        m = min(m, self._max_eigenpairs())
        return gap_outliers(self.eigenvectors(m, "LA", part)[0])

    def _max_eigenpairs(self) -> int:
        """Most eigenpairs :meth:`eigenvectors` can return (Lanczos: ``P - 1``)."""
        return self.num_weights - 1
