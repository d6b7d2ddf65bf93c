# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Building the loss Hessian: batched shift points, streamed over samples."""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ..derivatives import combine_gradient, diagonal_rule, hessian_pairs, pair_rule
from ..losses import one_hot, softmax
from ..qnn import PatchQNN
from .result import LossHessian

__all__ = ["loss_hessian", "count_evaluations"]


def count_evaluations(qnn: PatchQNN, num_samples: int) -> int:
    """Circuit evaluations an exact Hessian costs: ``N * sum_k (1 + 2 D_k^2)``.

    ``D_k`` is the number of shiftable gate angles of patch ``k`` (its weights, plus its inputs
    when the positional bias is on).

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> count_evaluations(qnn, 2) == 2 * 4 * (1 + 2 * qnn.weights_per_patch**2)
        True
    """
    d = len(qnn.angle_mask(with_inputs=qnn.input_bias))
    return int(num_samples * qnn.num_patches * (1 + 2 * d * d))


def loss_hessian(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    batch_size: int | None = None,
    max_points: int = 1 << 17,
    client: object | None = None,
    repetitions: int = 1,
    progress: bool = True,
) -> LossHessian:
    r"""Exact Hessian of the mean softmax cross-entropy from parameter-shift rules.

    Per sample and patch: the output Jacobian from ``±pi/2`` shifts, the output Hessian's
    diagonal from the same points, and each off-diagonal pair once from its four
    ``±pi/2, ±pi/2`` points: ``1 + 2 D^2`` evaluations for ``D`` gate angles. Samples are
    streamed in chunks; memory holds the per-patch residual blocks (``sum_k D_k^2`` numbers)
    and the logit Jacobians (``N C P``), never per-sample Hessians.

    Args:
        qnn: the model.
        X: images ``(N, H*W)``.
        y: integer labels ``(N,)``.
        weights: the point of evaluation.
        batch_size: samples per chunk (default: as many as fit in ``max_points``).
        max_points: most shifted points built at once (bounds memory and job size).
        client: optional ``dask.distributed.Client``; every (patch, sample chunk) pair becomes
            a task, for the gradient points and for the off-diagonal pairs. The result equals
            the in-process one to rounding.
        repetitions: independent evaluations of the whole Hessian. On a shot-based estimator
            the spread of their eigenvalues gives the error bars of
            :meth:`LossHessian.eigenvalues` (``return_std=True``); the returned Hessian is the
            first repetition.
        progress: show a progress bar.

    Returns:
        The Hessian with its Gauss-Newton and residual parts.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> x = np.random.default_rng(0).uniform(size=(2, 16))
        >>> h = loss_hessian(qnn, x, np.array([0, 1]), qnn.initial_weights(0), progress=False)
        >>> h.to_dense().shape == (qnn.num_weights, qnn.num_weights)
        True
    """
    if repetitions < 1:
        raise ValueError(f"repetitions must be >= 1, got {repetitions}")
    x = qnn.check_inputs(X)
    w = qnn.check_weights(weights)
    labels = np.asarray(y)
    if labels.shape != (len(x),):
        raise ValueError(f"y must have shape ({len(x)},), got {labels.shape}")
    targets = one_hot(labels, qnn.num_classes)
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    reps = [
        _one_hessian(qnn, x, targets, w, batch_size, max_points, client, progress)
        for _ in range(repetitions)
    ]
    first = reps[0]
    if repetitions > 1:
        first = first.with_replicas(reps)
    return first


def _one_hessian(qnn, x, targets, w, batch_size, max_points, client, progress) -> LossHessian:
    n = len(x)
    sel = qnn.angle_mask(with_inputs=qnn.input_bias)
    d = len(sel)
    k_patches = qnn.num_patches
    coef = qnn.coefficient
    local, chain = qnn.plan.chain(sel)
    gidx = qnn.global_index()[:, local]  # (K, L)
    base = qnn.patch_angles(x, w)  # (N, K, F+P)
    if batch_size is None:
        per_sample = k_patches * max(1, 2 * d * d)
        batch_size = max(1, min(n, max_points // per_sample))
    chunks = [np.arange(s, min(n, s + batch_size)) for s in range(0, n, batch_size)]
    before = qnn.log.bindings
    bar = tqdm(
        total=count_evaluations(qnn, n),
        desc="hessian",
        unit="circ",
        unit_scale=True,
        disable=not progress,
        leave=False,
    )

    # Phase 1: outputs and Jacobians (1 + 2D points per sample and patch).
    centers = np.empty((n, k_patches, qnn.num_classes))
    grads = np.empty((n, k_patches, 2 * d, qnn.num_classes))
    # one scattered copy of the model serves both phases (kept alive until the end)
    remote_qnn = None
    if client is not None:
        remote_qnn = client.scatter(qnn, broadcast=True)  # type: ignore[attr-defined]
        _gradients_dask(remote_qnn, qnn, base, sel, chunks, client, centers, grads, bar)
    else:
        for idx in chunks:
            c, g = qnn.shifted_outputs(base[idx], sel)
            centers[idx] = c
            grads[idx] = g
            bar.update(len(idx) * k_patches * (1 + 2 * d))
    probs = softmax(qnn.logits_from_outputs(centers))
    resid = probs - targets
    jac_angles = np.moveaxis(combine_gradient(grads), -1, -2)  # (N, K, C, D)
    jac_local = jac_angles @ chain  # (N, K, C, L)
    jacobian = np.zeros((n, qnn.num_classes, qnn.num_weights))
    for k in range(k_patches):
        np.add.at(jacobian.transpose(2, 0, 1), gidx[k], np.moveaxis(coef * jac_local[:, k], -1, 0))

    # Diagonal of each patch's output Hessian from the same points.
    omega = coef * resid / n  # residual weight of every (sample, class)
    diag = diagonal_rule(centers, grads)  # (N, K, D, C)
    r_angles = np.zeros((k_patches, d, d))
    r_angles[:, np.arange(d), np.arange(d)] = np.einsum("nkdc,nc->kd", diag, omega)

    # Phase 2: off-diagonal pairs, four points each, weighted on the fly.
    if d > 1:
        if client is not None:
            r_angles += _pairs_dask(
                remote_qnn, qnn, base, sel, omega, chunks, max_points, client, bar
            )
        else:
            for idx in chunks:
                r_angles += _pair_block(qnn, base[idx], sel, omega[idx], max_points, bar)
    bar.close()

    blocks = []
    for k in range(k_patches):
        r_local = chain.T @ r_angles[k] @ chain
        blocks.append((gidx[k].copy(), 0.5 * (r_local + r_local.T)))
    spent = qnn.log.bindings - before
    if client is not None:
        spent = count_evaluations(qnn, n)
    return LossHessian(
        jacobian=jacobian,
        probs=probs,
        targets=targets,
        blocks=blocks,
        slices=qnn.weight_slices,
        num_evaluations=int(spent),
        provenance=_provenance(qnn, n),
    )


def _pair_block(qnn, base, sel, omega, max_points, bar=None) -> np.ndarray:
    """Residual-weighted off-diagonal output Hessians of a sample chunk, all patches."""
    ns, k_patches, _ = base.shape
    d = len(sel)
    ii, jj = hessian_pairs(d)
    m = len(ii)
    cols = qnn.bind(base)  # (ns, K, ncols)
    ci = qnn.plan.occ_column[sel][ii]
    cj = qnn.plan.occ_column[sel][jj]
    half_pi = np.pi / 2
    per_pair = ns * k_patches * 4
    step = max(1, max_points // per_pair)
    out = np.zeros((k_patches, d, d))
    for start in range(0, m, step):
        sl = slice(start, min(m, start + step))
        mp = sl.stop - sl.start
        # Order the points (sign of i, pair, sign of j): consecutive points then differ in
        # the later angle j, so the estimator can resume from the state before it.
        pts = np.empty((ns, k_patches, 2, mp, 2, cols.shape[-1]))
        pts[...] = cols[:, :, None, None, None, :]
        ar = np.arange(mp)
        for a, sign in enumerate((half_pi, -half_pi)):
            pts[:, :, a][:, :, ar, :, ci[sl]] += sign
            pts[:, :, :, :, a][:, :, :, ar, cj[sl]] += sign
        (vals,) = qnn.evaluate_columns([pts])  # (ns, K, 2, mp, 2, C)
        off = pair_rule(
            vals[:, :, 0, :, 0], vals[:, :, 0, :, 1], vals[:, :, 1, :, 0], vals[:, :, 1, :, 1]
        )
        contrib = np.einsum("nkmc,nc->km", off, omega)
        out[:, ii[sl], jj[sl]] += contrib
        out[:, jj[sl], ii[sl]] += contrib
        if bar is not None:
            bar.update(ns * k_patches * mp * 4)
    return out


def _pair_task(qnn, base, sel, omega, max_points, k):
    """Dask task: the off-diagonal residual block of patch ``k`` for one sample chunk."""
    block = _pair_block(qnn, base[:, k : k + 1], sel, omega, max_points)
    return k, block[0]


def _gradient_task(qnn, base, sel, k):
    """Dask task: outputs and gradient points of patch ``k`` for one sample chunk."""
    center, points = qnn.shifted_outputs(base[:, k : k + 1], sel)
    return k, center[:, 0], points[:, 0]


def _gradients_dask(remote_qnn, qnn, base, sel, chunks, client, centers, grads, bar) -> None:
    from dask.distributed import as_completed

    k_patches = qnn.num_patches
    d = len(sel)
    where = {}
    futures = []
    for idx in chunks:
        for k in range(k_patches):
            fut = client.submit(  # type: ignore[attr-defined]
                _gradient_task, remote_qnn, base[idx], sel, k, pure=False
            )
            futures.append(fut)
            where[fut.key] = idx
    for fut in as_completed(futures):
        k, center, points = fut.result()
        idx = where[fut.key]
        centers[idx, k] = center
        grads[idx, k] = points
        bar.update(len(idx) * (1 + 2 * d))


def _pairs_dask(remote_qnn, qnn, base, sel, omega, chunks, max_points, client, bar) -> np.ndarray:
    from dask.distributed import as_completed

    k_patches = qnn.num_patches
    d = len(sel)
    futures = []
    sizes = {}
    for idx in chunks:
        for k in range(k_patches):
            fut = client.submit(  # type: ignore[attr-defined]
                _pair_task, remote_qnn, base[idx], sel, omega[idx], max_points, k, pure=False
            )
            futures.append(fut)
            sizes[fut.key] = len(idx) * 2 * d * (d - 1)
    out = np.zeros((k_patches, d, d))
    for fut in as_completed(futures):
        k, block = fut.result()
        out[k] += block
        bar.update(sizes[fut.key])
    return out


def _provenance(qnn: PatchQNN, n: int) -> dict:
    from ..execution import provenance

    record = provenance(
        qnn.estimator,
        getattr(qnn, "backend_spec", None),
        precision=qnn.precision,
        log=qnn.log,
    )
    record.update(
        num_samples=int(n),
        num_weights=int(qnn.num_weights),
        num_patches=int(qnn.num_patches),
        aggregation=qnn.aggregation,
        scale=qnn.scale,
        method="parameter-shift (exact for exact expectation values)",
    )
    return record
