# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""State passes of the derivative kernels (:mod:`.adjoint`): whole amplitude sweeps.

States are lane blocks as in :mod:`.lanes`: ``(2**n, lanes)`` real and imaginary parts, the
innermost loop over lanes. A fused op's pass (:func:`_fwd_dot`, :func:`_bwd_adj`,
:func:`_bwd_hvp`) visits its amplitude pairs ``(i, i + 2**q)`` and calls one small row
function per state and task (apply, tangent, undo, cross sums): LLVM vectorises a loop over
lanes only when it needs few runtime alias checks, so each loop writes at most two arrays.
Per-lane 2x2 matrices are ``(8, lanes)`` arrays (see :mod:`.elements`); the ``*_uniform``
variants take one matrix for every lane. Cross sums feed :func:`.elements._bloch`.
"""

from __future__ import annotations

from numba import njit

from .readout import _zsign


@njit(cache=True)
def _rows_apply(sr, si, i, j, m):  # pragma: no cover - compiled
    """``(s_i, s_j) <- M (s_i, s_j)`` per lane (``M`` per lane, layout of :func:`.lanes._fuse`)."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        m0, m1, m2, m3 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
        m4, m5, m6, m7 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
        sr[i, lane] = m0 * ar - m1 * ai + m2 * br - m3 * bi
        si[i, lane] = m0 * ai + m1 * ar + m2 * bi + m3 * br
        sr[j, lane] = m4 * ar - m5 * ai + m6 * br - m7 * bi
        si[j, lane] = m4 * ai + m5 * ar + m6 * bi + m7 * br


@njit(cache=True)
def _rows_tangent(dr, di, sr, si, i, j, m, n):  # pragma: no cover - compiled
    """``(d_i, d_j) <- M (d_i, d_j) + N (s_i, s_j)`` per lane (``s`` is not changed)."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        cr, ci, er, ei = dr[i, lane], di[i, lane], dr[j, lane], di[j, lane]
        m0, m1, m2, m3 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
        m4, m5, m6, m7 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
        n0, n1, n2, n3 = n[0, lane], n[1, lane], n[2, lane], n[3, lane]
        n4, n5, n6, n7 = n[4, lane], n[5, lane], n[6, lane], n[7, lane]
        dr[i, lane] = (m0 * cr - m1 * ci + m2 * er - m3 * ei) + (
            n0 * ar - n1 * ai + n2 * br - n3 * bi
        )
        di[i, lane] = (m0 * ci + m1 * cr + m2 * ei + m3 * er) + (
            n0 * ai + n1 * ar + n2 * bi + n3 * br
        )
        dr[j, lane] = (m4 * cr - m5 * ci + m6 * er - m7 * ei) + (
            n4 * ar - n5 * ai + n6 * br - n7 * bi
        )
        di[j, lane] = (m4 * ci + m5 * cr + m6 * ei + m7 * er) + (
            n4 * ai + n5 * ar + n6 * bi + n7 * br
        )


@njit(cache=True)
def _rows_tangent_uniform(
    dr, di, sr, si, i, j, m0, m1, m2, m3, m4, m5, m6, m7, n0, n1, n2, n3, n4, n5, n6, n7
):  # pragma: no cover - compiled
    """Like :func:`_rows_tangent` with the same ``M`` and ``N`` in every lane."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        cr, ci, er, ei = dr[i, lane], di[i, lane], dr[j, lane], di[j, lane]
        dr[i, lane] = (m0 * cr - m1 * ci + m2 * er - m3 * ei) + (
            n0 * ar - n1 * ai + n2 * br - n3 * bi
        )
        di[i, lane] = (m0 * ci + m1 * cr + m2 * ei + m3 * er) + (
            n0 * ai + n1 * ar + n2 * bi + n3 * br
        )
        dr[j, lane] = (m4 * cr - m5 * ci + m6 * er - m7 * ei) + (
            n4 * ar - n5 * ai + n6 * br - n7 * bi
        )
        di[j, lane] = (m4 * ci + m5 * cr + m6 * ei + m7 * er) + (
            n4 * ai + n5 * ar + n6 * bi + n7 * br
        )


@njit(cache=True)
def _rows_apply_uniform(
    sr, si, i, j, m0, m1, m2, m3, m4, m5, m6, m7
):  # pragma: no cover - compiled
    """Like :func:`_rows_apply` with the same matrix in every lane."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        sr[i, lane] = m0 * ar - m1 * ai + m2 * br - m3 * bi
        si[i, lane] = m0 * ai + m1 * ar + m2 * bi + m3 * br
        sr[j, lane] = m4 * ar - m5 * ai + m6 * br - m7 * bi
        si[j, lane] = m4 * ai + m5 * ar + m6 * bi + m7 * br


@njit(cache=True)
def _rows_undo(sr, si, i, j, m):  # pragma: no cover - compiled
    """``(s_i, s_j) <- M^dagger (s_i, s_j)`` per lane."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        m0, m1, m2, m3 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
        m4, m5, m6, m7 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
        sr[i, lane] = m0 * ar + m1 * ai + m4 * br + m5 * bi
        si[i, lane] = m0 * ai - m1 * ar + m4 * bi - m5 * br
        sr[j, lane] = m2 * ar + m3 * ai + m6 * br + m7 * bi
        si[j, lane] = m2 * ai - m3 * ar + m6 * bi - m7 * br


@njit(cache=True)
def _rows_undo_uniform(sr, si, i, j, m0, m1, m2, m3, m4, m5, m6, m7):  # pragma: no cover - compiled
    """Like :func:`_rows_undo` with the same matrix in every lane."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        sr[i, lane] = m0 * ar + m1 * ai + m4 * br + m5 * bi
        si[i, lane] = m0 * ai - m1 * ar + m4 * bi - m5 * br
        sr[j, lane] = m2 * ar + m3 * ai + m6 * br + m7 * bi
        si[j, lane] = m2 * ai - m3 * ar + m6 * bi - m7 * br


@njit(cache=True)
def _rows_undo_tangent(dr, di, sr, si, i, j, m, n):  # pragma: no cover - compiled
    """``(d_i, d_j) <- M^dagger (d_i, d_j) + N^dagger (s_i, s_j)`` per lane (``s`` unchanged)."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        cr, ci, er, ei = dr[i, lane], di[i, lane], dr[j, lane], di[j, lane]
        m0, m1, m2, m3 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
        m4, m5, m6, m7 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
        n0, n1, n2, n3 = n[0, lane], n[1, lane], n[2, lane], n[3, lane]
        n4, n5, n6, n7 = n[4, lane], n[5, lane], n[6, lane], n[7, lane]
        dr[i, lane] = (m0 * cr + m1 * ci + m4 * er + m5 * ei) + (
            n0 * ar + n1 * ai + n4 * br + n5 * bi
        )
        di[i, lane] = (m0 * ci - m1 * cr + m4 * ei - m5 * er) + (
            n0 * ai - n1 * ar + n4 * bi - n5 * br
        )
        dr[j, lane] = (m2 * cr + m3 * ci + m6 * er + m7 * ei) + (
            n2 * ar + n3 * ai + n6 * br + n7 * bi
        )
        di[j, lane] = (m2 * ci - m3 * cr + m6 * ei - m7 * er) + (
            n2 * ai - n3 * ar + n6 * bi - n7 * br
        )


@njit(cache=True)
def _rows_undo_tangent_uniform(
    dr, di, sr, si, i, j, m0, m1, m2, m3, m4, m5, m6, m7, n0, n1, n2, n3, n4, n5, n6, n7
):  # pragma: no cover - compiled
    """Like :func:`_rows_undo_tangent` with the same ``M`` and ``N`` in every lane."""
    for lane in range(sr.shape[1]):
        ar, ai, br, bi = sr[i, lane], si[i, lane], sr[j, lane], si[j, lane]
        cr, ci, er, ei = dr[i, lane], di[i, lane], dr[j, lane], di[j, lane]
        dr[i, lane] = (m0 * cr + m1 * ci + m4 * er + m5 * ei) + (
            n0 * ar + n1 * ai + n4 * br + n5 * bi
        )
        di[i, lane] = (m0 * ci - m1 * cr + m4 * ei - m5 * er) + (
            n0 * ai - n1 * ar + n4 * bi - n5 * br
        )
        dr[j, lane] = (m2 * cr + m3 * ci + m6 * er + m7 * ei) + (
            n2 * ar + n3 * ai + n6 * br + n7 * bi
        )
        di[j, lane] = (m2 * ci - m3 * cr + m6 * ei - m7 * er) + (
            n2 * ai - n3 * ar + n6 * bi - n7 * br
        )


@njit(cache=True)
def _rows_cross(pr, pi, lr, li, i, j, k, r):  # pragma: no cover - compiled
    """Add the cross sums of ``(phi, lam)`` at rows ``i``, ``j`` to ``k[r:r + 4]``.

    ``Im X00``, ``Im X11`` and the real and imaginary parts of ``X01 - conj(X10)``, with
    ``X = sum phi conj(lam)`` over the pair.
    """
    for lane in range(pr.shape[1]):
        ar, ai, br, bi = pr[i, lane], pi[i, lane], pr[j, lane], pi[j, lane]
        cr, ci, dr, di = lr[i, lane], li[i, lane], lr[j, lane], li[j, lane]
        k[r, lane] += ai * cr - ar * ci
        k[r + 1, lane] += bi * dr - br * di
        k[r + 2, lane] += (ar * dr + ai * di) - (br * cr + bi * ci)
        k[r + 3, lane] += (ai * dr - ar * di) - (br * ci - bi * cr)


@njit(cache=True)
def _fwd_dot(pr, pi, dr, di, q, m, n, uniform):  # pragma: no cover - compiled
    r"""``phi <- G phi`` and :math:`\dot\phi \leftarrow G\dot\phi + \dot G\phi` on qubit ``q``.

    With ``uniform``, lane 0's ``G`` and :math:`\dot G` serve every lane.
    """
    dim = pr.shape[0]
    stride = 1 << q
    m0, m1, m2, m3, m4, m5, m6, m7 = (
        m[0, 0],
        m[1, 0],
        m[2, 0],
        m[3, 0],
        m[4, 0],
        m[5, 0],
        m[6, 0],
        m[7, 0],
    )
    n0, n1, n2, n3, n4, n5, n6, n7 = (
        n[0, 0],
        n[1, 0],
        n[2, 0],
        n[3, 0],
        n[4, 0],
        n[5, 0],
        n[6, 0],
        n[7, 0],
    )
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            j = i + stride
            if uniform:
                _rows_tangent_uniform(
                    dr, di, pr, pi, i, j, m0, m1, m2, m3, m4, m5, m6, m7,
                    n0, n1, n2, n3, n4, n5, n6, n7,
                )  # fmt: skip
                _rows_apply_uniform(pr, pi, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
            else:
                _rows_tangent(dr, di, pr, pi, i, j, m, n)
                _rows_apply(pr, pi, i, j, m)


@njit(cache=True)
def _bwd_adj(pr, pi, lr, li, q, m, uniform, k, acc):  # pragma: no cover - compiled
    """Undo a fused op ``G`` on ``phi`` and ``lam`` (apply ``G^dagger``) on qubit ``q``.

    With ``acc``, first add the cross sums of the end-of-op states to ``k[0:4]`` (see
    :func:`_rows_cross`). With ``uniform``, lane 0's matrix serves every lane.
    """
    dim = pr.shape[0]
    stride = 1 << q
    m0, m1, m2, m3 = m[0, 0], m[1, 0], m[2, 0], m[3, 0]
    m4, m5, m6, m7 = m[4, 0], m[5, 0], m[6, 0], m[7, 0]
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            j = i + stride
            if acc:
                _rows_cross(pr, pi, lr, li, i, j, k, 0)
            if uniform:
                _rows_undo_uniform(pr, pi, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
                _rows_undo_uniform(lr, li, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
            else:
                _rows_undo(pr, pi, i, j, m)
                _rows_undo(lr, li, i, j, m)


@njit(cache=True)
def _bwd_hvp(
    pr, pi, dr, di, lr, li, tr, ti, q, m, n, uniform, k, acc, dot
):  # pragma: no cover - compiled
    r"""Undo a fused op on ``phi``, its tangent, ``lam`` and its tangent ``Lam`` (``tr``, ``ti``).

    :math:`\phi \leftarrow G^\dagger\phi`, :math:`\dot\phi \leftarrow G^\dagger\dot\phi +
    \dot G^\dagger\phi`, :math:`\lambda \leftarrow G^\dagger\lambda`, :math:`\Lambda
    \leftarrow G^\dagger\Lambda + \dot G^\dagger\lambda` (the ``dot`` terms only with ``dot``).
    With ``acc``, first add the cross sums (see :func:`_rows_cross`) of ``(phi, lam)`` to
    ``k[0:4]`` and of ``(phidot, lam)`` plus ``(phi, Lam)`` to ``k[4:8]``. With ``uniform``,
    lane 0's ``G`` and :math:`\dot G` serve every lane.
    """
    dim = pr.shape[0]
    stride = 1 << q
    m0, m1, m2, m3, m4, m5, m6, m7 = (
        m[0, 0],
        m[1, 0],
        m[2, 0],
        m[3, 0],
        m[4, 0],
        m[5, 0],
        m[6, 0],
        m[7, 0],
    )
    n0, n1, n2, n3, n4, n5, n6, n7 = (
        n[0, 0],
        n[1, 0],
        n[2, 0],
        n[3, 0],
        n[4, 0],
        n[5, 0],
        n[6, 0],
        n[7, 0],
    )
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            j = i + stride
            if acc:
                _rows_cross(pr, pi, lr, li, i, j, k, 0)
                _rows_cross(dr, di, lr, li, i, j, k, 4)
                _rows_cross(pr, pi, tr, ti, i, j, k, 4)
            if uniform:
                if dot:
                    _rows_undo_tangent_uniform(
                        dr, di, pr, pi, i, j, m0, m1, m2, m3, m4, m5, m6, m7,
                        n0, n1, n2, n3, n4, n5, n6, n7,
                    )  # fmt: skip
                    _rows_undo_tangent_uniform(
                        tr, ti, lr, li, i, j, m0, m1, m2, m3, m4, m5, m6, m7,
                        n0, n1, n2, n3, n4, n5, n6, n7,
                    )  # fmt: skip
                else:
                    _rows_undo_uniform(dr, di, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
                    _rows_undo_uniform(tr, ti, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
                _rows_undo_uniform(pr, pi, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
                _rows_undo_uniform(lr, li, i, j, m0, m1, m2, m3, m4, m5, m6, m7)
                continue
            if dot:
                _rows_undo_tangent(dr, di, pr, pi, i, j, m, n)
                _rows_undo_tangent(tr, ti, lr, li, i, j, m, n)
            else:
                _rows_undo(dr, di, i, j, m)
                _rows_undo(tr, ti, i, j, m)
            _rows_undo(pr, pi, i, j, m)
            _rows_undo(lr, li, i, j, m)


@njit(cache=True)
def _add_terms(outr, outi, sr, si, w, term_x, term_z, term_ny):  # pragma: no cover - compiled
    """``out += sum_t w[t, lane] P_t state`` per lane, ``P_t = i^ny X^x Z^z``."""
    dim, nl = sr.shape
    for t in range(term_x.shape[0]):
        nonzero = False
        for lane in range(nl):
            nonzero |= w[t, lane] != 0.0
        if not nonzero:
            continue
        xm = term_x[t]
        zm = term_z[t]
        r = term_ny[t] % 4
        wt = w[t]
        for i in range(dim):
            j = i ^ xm
            sg = _zsign(i, zm)
            if r == 2 or r == 3:
                sg = -sg
            if r == 0 or r == 2:  # +-1
                for lane in range(nl):
                    c = sg * wt[lane]
                    outr[j, lane] += c * sr[i, lane]
                    outi[j, lane] += c * si[i, lane]
            else:  # +-i
                for lane in range(nl):
                    c = sg * wt[lane]
                    outr[j, lane] -= c * si[i, lane]
                    outi[j, lane] += c * sr[i, lane]


@njit(cache=True)
def _cross_term(ar, ai, br, bi, xmask, zmask, ny, out, accr, acci):  # pragma: no cover - compiled
    """``out[lane] = Re <a| i^ny X^x Z^z |b>`` per lane (``accr``, ``acci`` scratch)."""
    dim, nl = ar.shape
    for lane in range(nl):
        accr[lane] = 0.0
        acci[lane] = 0.0
    # sum_i sign_i conj(a[i ^ x]) b[i]
    for i in range(dim):
        j = i ^ xmask
        s = _zsign(i, zmask)
        for lane in range(nl):
            accr[lane] += s * (ar[j, lane] * br[i, lane] + ai[j, lane] * bi[i, lane])
            acci[lane] += s * (ar[j, lane] * bi[i, lane] - ai[j, lane] * br[i, lane])
    r = ny % 4
    for lane in range(nl):
        if r == 0:
            out[lane] = accr[lane]
        elif r == 1:
            out[lane] = -acci[lane]
        elif r == 2:
            out[lane] = -accr[lane]
        else:
            out[lane] = acci[lane]
