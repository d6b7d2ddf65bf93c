# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Building the loss Hessian: batched shift points, streamed over samples."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from tqdm.auto import tqdm

from ..derivatives import hessian_pairs
from ..losses import check_labels, one_hot, softmax
from ..qnn import PatchQNN
from .hvp import MatrixFreeHessian
from .result import LossHessian

__all__ = ["loss_hessian", "count_evaluations"]


def count_evaluations(qnn: PatchQNN, num_samples: int, parts: str = "all") -> int:
    r"""Circuit evaluations a parameter-shift Hessian costs.

    ``parts="all"``: :math:`N \sum_k (1 + 2 D_k^2)`; ``parts="gauss_newton"``:
    :math:`N \sum_k (1 + 2 D_k)`. ``D_k`` is the number of shiftable gate angles of patch
    ``k``: its weights' angles (more than its weights where a weight enters several gates), plus
    its inputs' angles when the positional bias is on.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> count_evaluations(qnn, 2) == 2 * 4 * (1 + 2 * qnn.weights_per_patch**2)
        True
        >>> count_evaluations(qnn, 2, "gauss_newton") == 2 * 4 * (1 + 2 * qnn.weights_per_patch)
        True
    """
    if parts not in ("all", "gauss_newton"):
        raise ValueError(f"parts must be 'all' or 'gauss_newton', got {parts!r}")
    rule = qnn.shift_rule(qnn.model.input_bias)
    order = 2 if parts == "all" else 1
    return int(num_samples * qnn.num_patches * rule.num_evaluations(order))


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
    parts: str = "all",
    bootstrap: int = 0,
    seed: int | None = 0,
) -> LossHessian | MatrixFreeHessian:
    r"""Exact Hessian of the mean softmax cross-entropy.

    ``method="parameter_shift"`` (the default; any backend) evaluates dense per-patch blocks
    from shift rules. Per sample and patch: the output Jacobian from ``±pi/2`` shifts, the
    output Hessian's diagonal from the same points, and each off-diagonal pair once from its
    four ``±pi/2, ±pi/2`` points: ``1 + 2 D^2`` evaluations for ``D`` gate angles. Samples are
    streamed in chunks; memory holds the per-patch residual blocks (``sum_k D_k^2`` numbers)
    and the logit Jacobians (``N C P``), never per-sample Hessians.

    ``parts="gauss_newton"`` evaluates only the centre and the ``±pi/2`` points, ``1 + 2D``
    per sample and patch instead of ``1 + 2D^2``, and returns the Gauss-Newton part
    :math:`G = \frac1N \sum_n J_n^\top A_n J_n` alone: near a minimum the residual part
    vanishes and :math:`H \approx G`; this is the curvature a QPU budget affords. With
    ``bootstrap=B`` its eigenvalues get error bars from ``B`` parametric-bootstrap resamples
    of every expectation value (Gaussian with the standard error the estimator reported; no new
    circuits).

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
        parts: ``"all"`` (:math:`G + R`) or ``"gauss_newton"`` (:math:`G` from first-order
            shifts only; parameter-shift route).
        bootstrap: with ``parts="gauss_newton"``, bootstrap resamples for error bars (0: none).
        seed: seed of the bootstrap.

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
    if parts not in ("all", "gauss_newton"):
        raise ValueError(f"parts must be 'all' or 'gauss_newton', got {parts!r}")
    if bootstrap < 0 or (bootstrap and parts != "gauss_newton"):
        raise ValueError(
            f"bootstrap={bootstrap!r}: bootstrap error bars need parts='gauss_newton' and a "
            "count >= 2 (use repetitions= for the full Hessian)"
        )
    if bootstrap == 1:
        raise ValueError("bootstrap needs at least 2 resamples (or 0 for none)")
    if bootstrap and repetitions > 1:
        raise ValueError("give repetitions= or bootstrap=, not both")
    if method == "hvp":
        if parts != "all":
            raise ValueError("method='hvp' applies any part (matvec(v, part)); use parts='all'")
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
    rng = np.random.default_rng(seed)
    reps = [
        _one_hessian(
            qnn, x, targets, w, batch_size, max_points, client, progress, parts, bootstrap, rng
        )
        for _ in range(repetitions)
    ]
    first = reps[0]
    if repetitions > 1:
        first = first.with_replicas(reps)
    return first


def _one_hessian(
    qnn, x, targets, w, batch_size, max_points, client, progress, parts, bootstrap, rng
) -> LossHessian:
    model, executor = qnn.model, qnn.executor
    mark = executor.mark()
    n = len(x)
    rule = qnn.shift_rule(model.input_bias)
    d = rule.num_angles
    k_patches = model.num_patches
    coef = model.coefficient
    local, chain = rule.chain()
    gidx = model.global_index()[:, local]  # (K, L)
    base = model.local_values(x, w)  # (N, K, F+P)
    if batch_size is None:
        per_sample = k_patches * max(1, 2 * d * d if parts == "all" else 1 + 2 * d)
        batch_size = max(1, min(n, max_points // per_sample))
    chunks = [np.arange(s, min(n, s + batch_size)) for s in range(0, n, batch_size)]
    spent = 0
    bar = tqdm(
        total=count_evaluations(qnn, n, parts),
        desc="hessian" if parts == "all" else "gauss-newton",
        unit="circ",
        unit_scale=True,
        disable=not progress,
        leave=False,
    )

    # Phase 1: outputs and Jacobians (1 + 2D points per sample and patch).
    centers = np.empty((n, k_patches, qnn.num_classes))
    grads = np.empty((n, k_patches, 2 * d, qnn.num_classes))
    c_std = np.zeros_like(centers)
    g_std = np.zeros_like(grads)
    # one scattered copy of the model serves both phases (kept alive until the end)
    remote_qnn = None
    if client is not None:
        remote_qnn = client.scatter(qnn, broadcast=True)  # type: ignore[attr-defined]
        spent += _gradients_dask(
            remote_qnn, qnn, base, chunks, client, (centers, grads, c_std, g_std), bar
        )
    else:
        for idx in chunks:
            c, g, cs, gs, cost = _gradient_points(qnn, base[idx])
            centers[idx], grads[idx], c_std[idx], g_std[idx] = c, g, cs, gs
            spent += cost
            bar.update(len(idx) * k_patches * (1 + 2 * d))
    jacobian, probs = _jacobian(qnn, centers, grads, chain, gidx)
    common = {
        "targets": targets,
        "slices": qnn.weight_slices,
        "provenance": executor.provenance(),
    }
    if parts == "gauss_newton":
        bar.close()
        method = "parameter-shift Gauss-Newton part (first-order shifts only)"
        out = LossHessian(
            jacobian=jacobian,
            probs=probs,
            blocks=[],
            num_evaluations=int(spent),
            method=method,
            parts="gauss_newton",
            **common,
        )
        out = replace(out, provenance=executor.provenance(executor.jobs_since(mark)))
        if not bootstrap:
            return out
        resamples = []
        for _ in range(bootstrap):
            jb, pb = _jacobian(
                qnn,
                centers + c_std * rng.standard_normal(centers.shape),
                grads + g_std * rng.standard_normal(grads.shape),
                chain,
                gidx,
            )
            resamples.append(replace(out, jacobian=jb, probs=pb, num_evaluations=0))
        return replace(out, replicas=tuple(resamples), error_bars="bootstrap")
    resid = probs - targets

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
    common["provenance"] = executor.provenance(executor.jobs_since(mark))  # this Hessian's jobs
    return LossHessian(
        jacobian=jacobian,
        probs=probs,
        blocks=blocks,
        num_evaluations=int(spent),
        method="parameter-shift (exact for exact expectation values)",
        **common,
    )


def _jacobian(qnn, centers, grads, chain, gidx) -> tuple[np.ndarray, np.ndarray]:
    """Logit Jacobian ``(N, C, P)`` and probabilities ``(N, C)`` from the gradient points."""
    model = qnn.model
    rule = qnn.shift_rule(model.input_bias)
    n = len(centers)
    coef = model.coefficient
    probs = softmax(model.logits(centers))
    jac_angles = np.moveaxis(rule.gradient(grads), -1, -2)  # (N, K, C, D)
    jac_local = jac_angles @ chain  # (N, K, C, L)
    jacobian = np.zeros((n, qnn.num_classes, qnn.num_weights))
    for k in range(model.num_patches):
        np.add.at(jacobian.transpose(2, 0, 1), gidx[k], np.moveaxis(coef * jac_local[:, k], -1, 0))
    return jacobian, probs


def _gradient_points(qnn: PatchQNN, base: np.ndarray):
    """Values at the centre and the gradient points of local values ``base``.

    Returns outputs ``(..., C)``, gradient-point values ``(..., 2D, C)``, their standard
    errors, and the bindings spent.
    """
    rule = qnn.shift_rule(qnn.model.input_bias)
    cols = qnn.model.plan.bind(base)
    ev = qnn.executor.run([cols, rule.gradient_points(cols)])
    (center, points), (c_std, p_std) = ev.values, ev.stds
    return center, points, c_std, p_std, ev.bindings


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
    center, points, c_std, p_std, spent = _gradient_points(qnn, base[:, k : k + 1])
    return k, (center[:, 0], points[:, 0], c_std[:, 0], p_std[:, 0]), spent


def _gradients_dask(remote_qnn, qnn, base, chunks, client, outputs, bar) -> int:
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
        k, arrays, cost = fut.result()
        idx = where[fut.key]
        for out, arr in zip(outputs, arrays, strict=True):
            out[idx, k] = arr
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
