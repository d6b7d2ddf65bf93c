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

from ..derivatives import hessian_pairs
from ..losses import check_labels, one_hot, softmax
from ..qnn import PatchQNN
from .hvp import MatrixFreeHessian
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
    rule = qnn.shift_rule(qnn.model.input_bias)
    return int(num_samples * qnn.num_patches * rule.num_evaluations(2))


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
    method: str = "parameter_shift",
    max_bindings: int = 1 << 13,
) -> LossHessian | MatrixFreeHessian:
    r"""Exact Hessian of the mean softmax cross-entropy.

    ``method="parameter_shift"`` (the default; any backend) evaluates dense per-patch blocks
    from shift rules. Per sample and patch: the output Jacobian from ``±pi/2`` shifts, the
    output Hessian's diagonal from the same points, and each off-diagonal pair once from its
    four ``±pi/2, ±pi/2`` points: ``1 + 2 D^2`` evaluations for ``D`` gate angles. Samples are
    streamed in chunks; memory holds the per-patch residual blocks (``sum_k D_k^2`` numbers)
    and the logit Jacobians (``N C P``), never per-sample Hessians.

    ``method="hvp"`` (exact simulation only) returns a
    :class:`~qiskit_patchqnn.hessian.MatrixFreeHessian`: nothing is evaluated up front beyond
    one forward pass; each Hessian-vector product costs a tangent and a second-order adjoint
    sweep per sample and patch, with memory independent of ``D^2`` and of ``N``. This is the
    route to the paper's sizes.

    Args:
        qnn: the model.
        X: images ``(N, H*W)``.
        y: integer labels ``(N,)``.
        weights: the point of evaluation.
        batch_size: samples per chunk (default: as many as fit in ``max_points``).
        max_points: most shifted points built at once (bounds memory and job size).
        client: optional ``dask.distributed.Client``; every (patch, sample chunk) pair becomes
            a task, for the gradient points and for the off-diagonal pairs (with ``hvp``:
            every sample chunk of every product). The result equals the in-process one to
            rounding.
        repetitions: independent evaluations of the whole Hessian. On a shot-based estimator
            the spread of their eigenvalues gives the error bars of
            :meth:`LossHessian.eigenvalues` (``return_std=True``); the returned Hessian is the
            first repetition.
        progress: show a progress bar.
        method: ``"parameter_shift"`` or ``"hvp"``.
        max_bindings: with ``hvp``, most (sample, patch) bindings per chunk.

    Returns:
        The Hessian with its Gauss-Newton and residual parts.

    Raises:
        ValueError: bad inputs, no samples, or ``method="hvp"`` on a backend other than the
            exact simulator (the message points to the parameter-shift route).

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> x = np.random.default_rng(0).uniform(size=(2, 16))
        >>> h = loss_hessian(qnn, x, np.array([0, 1]), qnn.initial_weights(0), progress=False)
        >>> h.to_dense().shape == (qnn.num_weights, qnn.num_weights)
        True
    """
    if method not in ("parameter_shift", "hvp"):
        raise ValueError(f"method must be 'parameter_shift' or 'hvp', got {method!r}")
    if repetitions < 1:
        raise ValueError(f"repetitions must be >= 1, got {repetitions}")
    if method == "hvp":
        if repetitions != 1:
            raise ValueError("repetitions apply to shot-based estimates; method='hvp' is exact")
        return MatrixFreeHessian(
            qnn, X, y, weights, max_bindings=max_bindings, client=client, progress=progress
        )
    x = qnn.model.check_images(X, "X")
    if len(x) == 0:
        raise ValueError("X holds no images: the loss Hessian needs at least one sample")
    w = qnn.model.check_weights(weights)
    labels = check_labels(y, len(x), qnn.num_classes, "y")
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
    model, executor = qnn.model, qnn.executor
    n = len(x)
    rule = qnn.shift_rule(model.input_bias)
    d = rule.num_angles
    k_patches = model.num_patches
    coef = model.coefficient
    local, chain = rule.chain()
    gidx = model.global_index()[:, local]  # (K, L)
    base = model.local_values(x, w)  # (N, K, F+P)
    if batch_size is None:
        per_sample = k_patches * max(1, 2 * d * d)
        batch_size = max(1, min(n, max_points // per_sample))
    chunks = [np.arange(s, min(n, s + batch_size)) for s in range(0, n, batch_size)]
    spent = 0
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
        spent += _gradients_dask(remote_qnn, qnn, base, chunks, client, centers, grads, bar)
    else:
        for idx in chunks:
            c, g, cost = _gradient_points(qnn, base[idx])
            centers[idx] = c
            grads[idx] = g
            spent += cost
            bar.update(len(idx) * k_patches * (1 + 2 * d))
    probs = softmax(model.logits(centers))
    resid = probs - targets
    jac_angles = np.moveaxis(rule.gradient(grads), -1, -2)  # (N, K, C, D)
    jac_local = jac_angles @ chain  # (N, K, C, L)
    jacobian = np.zeros((n, qnn.num_classes, qnn.num_weights))
    for k in range(k_patches):
        np.add.at(jacobian.transpose(2, 0, 1), gidx[k], np.moveaxis(coef * jac_local[:, k], -1, 0))

    # Diagonal of each patch's output Hessian from the same points.
    omega = coef * resid / n  # residual weight of every (sample, class)
    diag = rule.diagonal(centers, grads)  # (N, K, D, C)
    r_angles = np.zeros((k_patches, d, d))
    r_angles[:, np.arange(d), np.arange(d)] = np.einsum("nkdc,nc->kd", diag, omega)

    # Phase 2: off-diagonal pairs, four points each, weighted on the fly.
    if d > 1:
        if client is not None:
            block, cost = _pairs_dask(remote_qnn, qnn, base, omega, chunks, max_points, client, bar)
            r_angles += block
            spent += cost
        else:
            for idx in chunks:
                block, cost = _pair_block(qnn, base[idx], omega[idx], max_points, bar)
                r_angles += block
                spent += cost
    bar.close()

    blocks = []
    for k in range(k_patches):
        r_local = chain.T @ r_angles[k] @ chain
        blocks.append((gidx[k].copy(), 0.5 * (r_local + r_local.T)))
    return LossHessian(
        jacobian=jacobian,
        probs=probs,
        targets=targets,
        blocks=blocks,
        slices=qnn.weight_slices,
        num_evaluations=int(spent),
        provenance=executor.provenance(),
        method="parameter-shift (exact for exact expectation values)",
    )


def _gradient_points(qnn: PatchQNN, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Outputs ``(..., C)`` and gradient-point values ``(..., 2D, C)`` of local values ``base``."""
    rule = qnn.shift_rule(qnn.model.input_bias)
    cols = qnn.model.plan.bind(base)
    ev = qnn.executor.run([cols, rule.gradient_points(cols)])
    center, points = ev.values
    return center, points, ev.bindings


def _pair_block(qnn, base, omega, max_points, bar=None) -> tuple[np.ndarray, int]:
    """Residual-weighted off-diagonal output Hessians of a sample chunk, all patches."""
    ns, k_patches, _ = base.shape
    rule = qnn.shift_rule(qnn.model.input_bias)
    d = rule.num_angles
    ii, jj = hessian_pairs(d)
    m = len(ii)
    cols = qnn.model.plan.bind(base)  # (ns, K, ncols)
    per_pair = ns * k_patches * 4
    step = max(1, max_points // per_pair)
    out = np.zeros((k_patches, d, d))
    spent = 0
    for start in range(0, m, step):
        sl = slice(start, min(m, start + step))
        pts = rule.pair_points(cols, ii[sl], jj[sl])  # (ns, K, 2, mp, 2, ncols)
        ev = qnn.executor.run([pts])
        spent += ev.bindings
        off = rule.pairs(ev.values[0])  # (ns, K, mp, C)
        contrib = np.einsum("nkmc,nc->km", off, omega)
        out[:, ii[sl], jj[sl]] += contrib
        out[:, jj[sl], ii[sl]] += contrib
        if bar is not None:
            bar.update(ns * k_patches * (sl.stop - sl.start) * 4)
    return out, spent


def _pair_task(qnn, base, omega, max_points, k):
    """Dask task: the off-diagonal residual block of patch ``k`` for one sample chunk."""
    block, spent = _pair_block(qnn, base[:, k : k + 1], omega, max_points)
    return k, block[0], spent


def _gradient_task(qnn, base, k):
    """Dask task: outputs and gradient points of patch ``k`` for one sample chunk."""
    center, points, spent = _gradient_points(qnn, base[:, k : k + 1])
    return k, center[:, 0], points[:, 0], spent


def _gradients_dask(remote_qnn, qnn, base, chunks, client, centers, grads, bar) -> int:
    from dask.distributed import as_completed

    k_patches = qnn.num_patches
    d = qnn.shift_rule(qnn.model.input_bias).num_angles
    where = {}
    futures = []
    for idx in chunks:
        for k in range(k_patches):
            fut = client.submit(  # type: ignore[attr-defined]
                _gradient_task, remote_qnn, base[idx], k, pure=False
            )
            futures.append(fut)
            where[fut.key] = idx
    spent = 0
    for fut in as_completed(futures):
        k, center, points, cost = fut.result()
        idx = where[fut.key]
        centers[idx, k] = center
        grads[idx, k] = points
        spent += cost
        bar.update(len(idx) * (1 + 2 * d))
    return spent


def _pairs_dask(
    remote_qnn, qnn, base, omega, chunks, max_points, client, bar
) -> tuple[np.ndarray, int]:
    from dask.distributed import as_completed

    k_patches = qnn.num_patches
    d = qnn.shift_rule(qnn.model.input_bias).num_angles
    futures = []
    sizes = {}
    for idx in chunks:
        for k in range(k_patches):
            fut = client.submit(  # type: ignore[attr-defined]
                _pair_task, remote_qnn, base[idx], omega[idx], max_points, k, pure=False
            )
            futures.append(fut)
            sizes[fut.key] = len(idx) * 2 * d * (d - 1)
    out = np.zeros((k_patches, d, d))
    spent = 0
    for fut in as_completed(futures):
        k, block, cost = fut.result()
        out[k] += block
        spent += cost
        bar.update(sizes[fut.key])
    return out, spent
