# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Outliers of the loss Hessian with a null: the class structure of the Gauss-Newton part.

With :math:`A_n = \operatorname{diag}(p_n) - p_n p_n^\top = \sum_c p_{nc}(e_c - p_n)(e_c -
p_n)^\top`, the Gauss-Newton part is a weighted second moment of per-sample, per-class
gradients :math:`g_{nc} = J_n^\top (e_c - p_n)` (the gradient of the loss the sample would
have with label ``c``):

.. math::

    G = \frac1N \sum_n \sum_c p_{nc}\, g_{nc} g_{nc}^\top
      = \underbrace{\sum_{y, c} w_{yc}\, \delta_{yc} \delta_{yc}^\top}_{G_{between}}
      + G_{within},

where :math:`\delta_{yc}` is the :math:`p_{nc}`-weighted mean of :math:`g_{nc}` over the
samples of true class ``y`` and :math:`w_{yc} = \frac1N \sum_{n: y_n = y} p_{nc}`. This is the
decomposition Papyan used to explain the outliers of deep-network Hessians: the class means
(``C^2`` of them, rank at most ``C^2``) produce the outliers, the within-class deviations the
bulk.

**The rule.** An eigenvalue of ``H`` is an *outlier* when it exceeds
:math:`\lambda_{max}(G_{within})`, the top of the curvature that remains once every class mean
is removed. **The null:** were there no class structure (:math:`G_{between} = 0`) and a
negligible residual part (near a minimum), no eigenvalue of ``H`` would exceed that edge; with
class structure at most :math:`\operatorname{rank}(G_{between}) \le C^2` eigenvalues of ``G``
can (Weyl's inequality). The paper's v2 claim is about one outlier per class: ``C`` (or
``C - 1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .spectrum import lanczos_spectrum

if TYPE_CHECKING:
    from .hvp import MatrixFreeHessian

__all__ = ["ClassStructure", "class_structure"]


@dataclass(frozen=True)
class ClassStructure:
    r"""The class structure of the Gauss-Newton part and the outliers it explains.

    Attributes:
        bulk_edge: :math:`\lambda_{max}(G_{within})`.
        edge_error: a bound on its error (the Lanczos residual norm).
        between: eigenvalues of :math:`G_{between}` (descending, at most ``C^2``).
        num_classes: ``C``.
        gn_products: Gauss-Newton products spent on the bulk edge (each a tangent and an
            adjoint sweep per sample and patch).
        vjp_passes: adjoint passes over all samples for the class means (``C``).
    """

    bulk_edge: float
    edge_error: float
    between: np.ndarray
    num_classes: int
    gn_products: int
    vjp_passes: int

    def count(self, eigenvalues: np.ndarray) -> int:
        """Outliers among ``eigenvalues`` (of ``H``): how many exceed :attr:`bulk_edge`.

        Example:
            >>> cs = ClassStructure(2.0, 0.0, np.array([9.0, 5.0]), 2, 10, 2)
            >>> cs.count(np.array([11.0, 6.0, 1.9]))
            2
        """
        return int(np.sum(np.asarray(eigenvalues) > self.bulk_edge))


def class_structure(
    hessian: MatrixFreeHessian, *, tol: float = 1e-4, max_steps: int = 60
) -> ClassStructure:
    r"""Split a Hessian's Gauss-Newton part into between- and within-class parts.

    The class means cost ``C`` adjoint passes over the samples (one per putative class, the
    samples of each true class summed apart); :math:`\lambda_{max}(G_{within})` comes from
    Lanczos (:func:`~.spectrum.lanczos_spectrum`) on :math:`v \mapsto Gv - G_{between}v` with
    the operator's Gauss-Newton products.

    Args:
        hessian: the matrix-free Hessian (its samples, labels and point).
        tol: relative accuracy of :math:`\lambda_{max}(G_{within})` (its residual bound).
        max_steps: at most this many Gauss-Newton products for it.

    Returns:
        The bulk edge and the between-class spectrum.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> from qiskit_patchqnn.hessian import loss_hessian
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 0, num_qubits=2, num_classes=4)
        >>> x = np.random.default_rng(0).uniform(size=(8, 16))
        >>> op = loss_hessian(qnn, x, np.arange(8) % 4, qnn.initial_weights(1), method="hvp")
        >>> cs = class_structure(op)
        >>> cs.bulk_edge >= 0, len(cs.between) <= 16
        (True, True)
    """
    qnn = hessian.qnn
    n, c, p = hessian.num_samples, hessian.num_classes, hessian.num_weights
    probs, labels, x, w = hessian.probs, hessian.labels, hessian.x, hessian.weights
    sums = []  # s_yc = sum_{n in y} p_nc g_nc
    weights = []  # sum_{n in y} p_nc
    eye = np.eye(c)
    for y in range(c):
        idx = np.flatnonzero(labels == y)
        if not len(idx):
            continue
        py = probs[idx]
        for cls in range(c):
            cot = py[:, cls : cls + 1] * (eye[cls] - py)  # p_nc (e_c - p_n)
            g, _ = qnn.vjp(x[idx], w, cot)
            sums.append(g)
            weights.append(float(py[:, cls].sum()))
    s = np.array(sums)  # (M, P)
    wt = np.array(weights)
    keep = wt > 0
    m = s[keep] / np.sqrt(wt[keep] * n)[:, None]  # G_between = m^T m
    gram = m @ m.T
    between = np.sort(np.linalg.eigvalsh(gram))[::-1]
    between = between[between > max(between[0], 1.0) * 1e-12] if len(between) else between
    before = hessian.num_matvecs

    def within(v: np.ndarray) -> np.ndarray:
        return hessian.matvec(v, "gauss_newton") - m.T @ (m @ v)

    if p > 2:
        spec = lanczos_spectrum(within, p, 1, tol=tol, max_steps=max_steps, seed=0)
        edge, error = float(spec.eigenvalues[0]), float(spec.errors[0])
    else:  # too small for Lanczos: form it
        edge = float(np.linalg.eigvalsh(np.column_stack([within(e) for e in np.eye(p)]))[-1])
        error = 0.0
    return ClassStructure(
        bulk_edge=edge,
        edge_error=error,
        between=between,
        num_classes=c,
        gn_products=hessian.num_matvecs - before,
        vjp_passes=c,
    )
