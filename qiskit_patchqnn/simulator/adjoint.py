# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Lane-batched derivative kernel: adjoint vjp, tangent jvp and second-order adjoint hvp.

For :math:`|\psi\rangle = U_G \cdots U_1 |0\rangle` and :math:`O_w = \sum_c w_c O_c` the
gradient of :math:`\langle\psi|O_w|\psi\rangle` with respect to the angle of a rotation
:math:`e^{-i a P / 2}` is :math:`\mathrm{Im}\langle\lambda|P|\phi\rangle`, with ``phi`` the
state after the rotation and :math:`\lambda = U_{>}^\dagger O_w |\psi\rangle` (the adjoint
method). One binding's gradient costs one forward sweep and one backward sweep that undoes
every op on ``phi`` and ``lam``.

Along a tangent ``t`` of the parameters the kernel also carries :math:`\dot\phi`: a fused op
``G`` acts as :math:`\dot\phi \leftarrow G\dot\phi + \dot G\phi`, every other op as on
``phi``; then :math:`\mathrm{jvp}_c = 2\,\mathrm{Re}\langle\psi|O_c|\dot\psi\rangle`
(forward mode). The Hessian-vector product is forward-over-reverse: after the tangent forward
sweep, :math:`\lambda = O_w\psi` and :math:`\Lambda = O_w\dot\psi + O_u\psi` (``u`` a
cotangent whose gradient is added), undone as :math:`\Lambda \leftarrow G^\dagger\Lambda +
\dot G^\dagger\lambda` beside ``phi``, :math:`\dot\phi`, ``lam``; each element's output is
:math:`\mathrm{Im}(\langle\Lambda|P|\phi\rangle + \langle\lambda|P|\dot\phi\rangle)`.

A fused op is never undone element by element: one pass over its amplitude pairs sums the
2x2 cross matrices of the end-of-op states and applies :math:`G^\dagger`; every element's
output then follows from 2x2 algebra per lane (:mod:`.elements`); the state passes are in
:mod:`.passes`.

The blocks of bindings, per-lane caches of cosines, sines and fused matrices and the resumption
of a block from the state saved before its first changed op are those of
:func:`.lanes.simulate_lanes`; contiguous runs of blocks run on threads
(:func:`run_blocks` releases the GIL; :mod:`.differentiation` starts the runs). In addition,
from ``|0>`` on and while every op is the same in every lane (the weights-only first block of a
patch circuit, for bindings that share their weights), one column is simulated for the whole
block. A lane's arithmetic does not depend on its neighbours, the block it falls in or whether a
saved value was reused, so results do not depend on how bindings are chunked or blocked
(bitwise).

Memory per run: about a dozen ``(2**n, lanes)`` arrays, per-op fused matrices (and
tangents) ``(ops, 8, lanes)``, per-element caches ``(elements, lanes)`` and one output row per
lane ``(P, lanes)``; nothing grows with the number of parameters beyond that.

One compiled kernel serves all three modes (``mode`` is an argument), compiled on first use.
It is a plain ``nogil`` function run on Python threads rather than a ``parallel=True`` Numba
kernel: the parallel wrapper made LLVM optimise the whole kernel a second time, which cost
about 17 s of the first call's compilation (measured: 40 s with it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .elements import _bloch, _fuse_dot, _walk
from .lanes import _apply_1q, _apply_1q_uniform, _apply_mat4, _fuse, _swap_rows
from .ops import EL_P, OP_CX, OP_DIAG, OP_FUSED, OP_SWAP
from .passes import _add_terms, _bwd_adj, _bwd_hvp, _cross_term, _fwd_dot
from .readout import _term

MODE_VJP = 0
"""Vector-Jacobian products ``(B, P)`` of ``sum_c w[b, c] <O_c>``."""
MODE_JVP = 1
"""Expectation values and Jacobian-vector products, both ``(B, C)``."""
MODE_HVP = 2
"""Hessian-vector products of ``sum_c w[b, c] <O_c>`` plus the vjp of ``u``, ``(B, P)``."""


@njit(cache=True)
def _permute(sr, si, kind, abit, bbit):  # pragma: no cover - compiled
    """CX (control ``abit``, target ``bbit``) or SWAP on a state block: its own inverse."""
    dim = sr.shape[0]
    if kind == OP_CX:
        for i in range(dim):
            if (i & abit) and not (i & bbit):
                _swap_rows(sr, si, i, i | bbit)
    else:
        for i in range(dim):
            if (i & abit) and not (i & bbit):
                _swap_rows(sr, si, i, (i ^ abit) | bbit)


@njit(cache=True)
def _diag(sr, si, d):  # pragma: no cover - compiled
    """Multiply a state block by the +-1 diagonal ``d`` (its own inverse)."""
    for i in range(sr.shape[0]):
        di = d[i]
        for lane in range(sr.shape[1]):
            sr[i, lane] *= di
            si[i, lane] *= di


@njit(cache=True)
def _broadcast(dr, di, sr, si):  # pragma: no cover - compiled
    """Copy the one-column state ``(sr, si)`` into every lane of ``(dr, di)``."""
    for i in range(dr.shape[0]):
        a = sr[i, 0]
        b = si[i, 0]
        for lane in range(dr.shape[1]):
            dr[i, lane] = a
            di[i, lane] = b


@njit(nogil=True, cache=True)
def run_blocks(
    blk_lo,
    blk_hi,
    mode,
    num_qubits,
    op_kind,
    op_a,
    op_b,
    op_c,
    el_kind,
    el_param,
    el_scale,
    el_shift,
    el_fixed,
    fixed,
    diags,
    mats4,
    mats4_adj,
    fixed_rot,
    op_param,
    values,
    tangents,
    wobs,
    uobs,
    obs_ptr,
    term_x,
    term_z,
    term_ny,
    term_coeff,
    term_obs,
    lanes,
    grads,
    evs,
    jvps,
):  # pragma: no cover - compiled
    """Derivatives of the bindings in blocks ``blk_lo:blk_hi`` of ``lanes`` (one run).

    ``mode`` is :data:`MODE_VJP` (``grads``: the gradient of ``sum_c wobs[b, c] <O_c>``),
    :data:`MODE_JVP` (``evs`` and ``jvps`` ``(B, C)`` along ``tangents``) or :data:`MODE_HVP`
    (``grads``: the derivative along ``tangents`` of the gradient of ``sum_c wobs[b, c] <O_c>``,
    plus the gradient of ``sum_c uobs[b, c] <O_c>``); the run writes its blocks' rows of those
    outputs only, so runs on different threads never touch the same memory.

    Observable ``c`` is the sum over ``m`` in ``obs_ptr[c]:obs_ptr[c + 1]`` of
    ``term_coeff[m]`` times the Pauli term ``(term_x[m], term_z[m], term_ny[m])``;
    ``term_obs[m]`` is its observable. ``mats4_adj`` holds the conjugate transposes of
    ``mats4``, ``fixed_rot`` the Bloch rotations of ``fixed`` and ``op_param[o]`` whether op
    ``o`` has a parameterised element. The last block is padded with copies of the last
    binding, whose results are dropped.
    """
    nb, npar = values.shape
    nobs = obs_ptr.shape[0] - 1
    nterm = term_x.shape[0]
    tangent = mode != MODE_VJP
    backward = mode != MODE_JVP
    second = mode == MODE_HVP
    dim = 1 << num_qubits
    nops = op_kind.shape[0]
    nel = el_kind.shape[0]
    nl = lanes
    dt = dim if tangent else 0
    dl = dim if backward else 0
    d2 = dim if second else 0
    pr = np.empty((dim, nl))
    pi = np.empty((dim, nl))
    keep_r = np.empty((dim, nl))
    keep_i = np.empty((dim, nl))
    dr = np.zeros((dt, nl))
    di = np.zeros((dt, nl))
    keep_dr = np.empty((dt, nl))
    keep_di = np.empty((dt, nl))
    colr = np.empty((dim, 1))
    coli = np.empty((dim, 1))
    coldr = np.empty((dt, 1))
    coldi = np.empty((dt, 1))
    lr = np.empty((dl, nl))
    li = np.empty((dl, nl))
    tr = np.empty((d2, nl))
    ti = np.empty((d2, nl))
    kept = -1
    vb = np.empty((npar, nl))
    tb = np.zeros((npar if tangent else 0, nl))
    ang = np.full((nel, nl), np.nan)
    adot = np.full((nel if tangent else 0, nl), np.nan)
    ec = np.empty((nel, nl))
    es = np.empty((nel, nl))
    fm = np.empty((nops, 8, nl))
    fd = np.zeros((nops if tangent else 0, 8, nl))
    mf = np.empty((8, nl))
    stale = np.ones(nops, dtype=np.bool_)
    uniform = np.zeros(nops, dtype=np.bool_)  # the same matrix (and tangent) in every lane
    has_dot = np.zeros(nops, dtype=np.bool_)
    new = np.empty(nl)
    kk = np.empty((8, nl))
    cs = np.empty(nl)
    sn = np.empty(nl)
    acc = np.empty((npar if backward else 0, nl))
    wt = np.empty((nterm if backward else 0, nl))
    ut = np.empty((nterm if second else 0, nl))
    val = np.empty(nl)
    tot = np.empty(nl)
    totd = np.empty(nl)
    accr = np.empty(nl)
    acci = np.empty(nl)
    for blk in range(blk_lo, blk_hi):
        b0 = blk * nl
        for lane in range(nl):
            b = min(b0 + lane, nb - 1)
            for p in range(npar):
                vb[p, lane] = values[b, p]
            if tangent:
                for p in range(npar):
                    tb[p, lane] = tangents[b, p]
        # refresh the per-lane caches; `first` is the first op that changed
        first = nops
        for o in range(nops):
            if op_kind[o] != OP_FUSED:
                continue
            uniform[o] = True
            for e in range(op_b[o], op_c[o]):
                p = el_param[e]
                if p < 0:
                    continue
                shift = el_shift[e]
                scale = el_scale[e]
                same = 0
                spread = 0
                first_angle = shift + scale * vb[p, 0]
                for lane in range(nl):
                    new[lane] = shift + scale * vb[p, lane]
                    same += new[lane] == ang[e, lane]
                    spread += new[lane] != first_angle
                if spread:
                    uniform[o] = False
                if same != nl:
                    stale[o] = True
                    half = el_kind[e] != EL_P
                    h = 0.5 * first_angle if half else first_angle
                    c0 = np.cos(h)  # every lane's value when the angle is uniform
                    s0 = np.sin(h)
                    for lane in range(nl):
                        a = new[lane]
                        if a != ang[e, lane]:  # NaN never equals: always recomputed
                            ang[e, lane] = a
                            if spread:
                                h = 0.5 * a if half else a
                                ec[e, lane] = np.cos(h)
                                es[e, lane] = np.sin(h)
                            else:
                                ec[e, lane] = c0
                                es[e, lane] = s0
                if tangent:
                    same = 0
                    spread = 0
                    for lane in range(nl):
                        new[lane] = scale * tb[p, lane]
                        same += new[lane] == adot[e, lane]
                        spread += new[lane] != new[0]
                    if spread:
                        uniform[o] = False
                    if same != nl:
                        stale[o] = True
                        for lane in range(nl):
                            adot[e, lane] = new[lane]
            if stale[o]:
                first = min(first, o)
        # forward sweep, resumed from the state saved before the first changed op
        if 0 <= kept <= first:
            start = kept
            pr[:, :] = keep_r
            pi[:, :] = keep_i
            if tangent:
                dr[:, :] = keep_dr
                di[:, :] = keep_di
        else:
            start = 0
            kept = -1
        # from |0> on, while every op is the same in every lane, one column stands for all
        col = start == 0
        if col:
            colr[:, :] = 0.0
            coli[:, :] = 0.0
            colr[0, 0] = 1.0
            if tangent:
                coldr[:, :] = 0.0
                coldi[:, :] = 0.0
        live = False  # whether phidot can be nonzero (false before the first tangent)
        if tangent:
            for o in range(start):
                live |= has_dot[o]
        for o in range(start, nops + 1):
            if o == first and o > kept:
                if col:
                    _broadcast(keep_r, keep_i, colr, coli)
                    if tangent:
                        _broadcast(keep_dr, keep_di, coldr, coldi)
                else:
                    keep_r[:, :] = pr
                    keep_i[:, :] = pi
                    if tangent:
                        keep_dr[:, :] = dr
                        keep_di[:, :] = di
                kept = o
            kind = op_kind[o] if o < nops else OP_FUSED
            if col and (o == nops or (kind == OP_FUSED and not uniform[o])):
                _broadcast(pr, pi, colr, coli)
                if tangent:
                    _broadcast(dr, di, coldr, coldi)
                col = False
            if o == nops:
                break
            sr, si = (colr, coli) if col else (pr, pi)
            tr_, ti_ = (coldr, coldi) if col else (dr, di)
            if kind == OP_FUSED:
                q = op_a[o]
                if stale[o]:
                    _fuse(fm[o], op_b[o], op_c[o], el_kind, el_fixed, fixed, ec, es)
                    if tangent:
                        has_dot[o] = _fuse_dot(
                            fd[o], mf, op_b[o], op_c[o], el_kind, el_param, el_fixed,
                            fixed, ec, es, adot,
                        )  # fmt: skip
                    stale[o] = False
                if tangent and has_dot[o]:
                    live = True
                    _fwd_dot(sr, si, tr_, ti_, q, fm[o], fd[o], uniform[o])
                elif uniform[o]:
                    _apply_1q_uniform(sr, si, q, fm[o, :, 0])
                    if live:
                        _apply_1q_uniform(tr_, ti_, q, fm[o, :, 0])
                else:
                    _apply_1q(sr, si, q, fm[o])
                    if live:
                        _apply_1q(tr_, ti_, q, fm[o])
            elif kind == OP_DIAG:
                _diag(sr, si, diags[op_a[o]])
                if live:
                    _diag(tr_, ti_, diags[op_a[o]])
            elif kind == OP_CX or kind == OP_SWAP:
                _permute(sr, si, kind, 1 << op_a[o], 1 << op_b[o])
                if live:
                    _permute(tr_, ti_, kind, 1 << op_a[o], 1 << op_b[o])
            else:
                _apply_mat4(sr, si, mats4[op_c[o]], 1 << op_a[o], 1 << op_b[o])
                if live:
                    _apply_mat4(tr_, ti_, mats4[op_c[o]], 1 << op_a[o], 1 << op_b[o])
        real = min(nl, nb - b0)
        if not backward:  # expectation values and 2 Re <psi|O|psidot>
            for c in range(nobs):
                for lane in range(nl):
                    tot[lane] = 0.0
                    totd[lane] = 0.0
                for m in range(obs_ptr[c], obs_ptr[c + 1]):
                    _term(pr, pi, term_z[m], term_x[m], term_ny[m], 0, nl, val, accr, acci)
                    for lane in range(nl):
                        tot[lane] += term_coeff[m] * val[lane]
                    if live:
                        _cross_term(
                            pr, pi, dr, di, term_x[m], term_z[m], term_ny[m], val, accr, acci
                        )
                        for lane in range(nl):
                            totd[lane] += 2.0 * term_coeff[m] * val[lane]
                for lane in range(real):
                    evs[b0 + lane, c] = tot[lane]
                    jvps[b0 + lane, c] = totd[lane]
            continue
        # backward sweep: lam = O_w psi (and Lam = O_w psidot + O_u psi)
        for t in range(nterm):
            for lane in range(nl):
                b = min(b0 + lane, nb - 1)
                wt[t, lane] = wobs[b, term_obs[t]] * term_coeff[t]
                if second:
                    ut[t, lane] = uobs[b, term_obs[t]] * term_coeff[t]
        lr[:, :] = 0.0
        li[:, :] = 0.0
        _add_terms(lr, li, pr, pi, wt, term_x, term_z, term_ny)
        if second:
            tr[:, :] = 0.0
            ti[:, :] = 0.0
            _add_terms(tr, ti, pr, pi, ut, term_x, term_z, term_ny)
            if live:
                _add_terms(tr, ti, dr, di, wt, term_x, term_z, term_ny)
        acc[:, :] = 0.0
        for o in range(nops - 1, -1, -1):
            kind = op_kind[o]
            if kind == OP_FUSED:
                q = op_a[o]
                need = op_param[o]
                if need:
                    kk[:, :] = 0.0
                if second:
                    _bwd_hvp(
                        pr, pi, dr, di, lr, li, tr, ti, q, fm[o], fd[o], uniform[o], kk, need,
                        has_dot[o],
                    )  # fmt: skip
                else:
                    _bwd_adj(pr, pi, lr, li, q, fm[o], uniform[o], kk, need)
                if need:
                    _bloch(kk, 0)
                    if second:
                        _bloch(kk, 4)
                    _walk(
                        op_b[o], op_c[o], el_kind, el_param, el_scale, el_fixed, fixed_rot,
                        ec, es, adot, kk, cs, sn, acc, second,
                    )  # fmt: skip
                continue
            if kind == OP_DIAG:
                d = diags[op_a[o]]
                _diag(pr, pi, d)
                _diag(lr, li, d)
                if second:
                    _diag(dr, di, d)
                    _diag(tr, ti, d)
            elif kind == OP_CX or kind == OP_SWAP:
                abit = 1 << op_a[o]
                bbit = 1 << op_b[o]
                _permute(pr, pi, kind, abit, bbit)
                _permute(lr, li, kind, abit, bbit)
                if second:
                    _permute(dr, di, kind, abit, bbit)
                    _permute(tr, ti, kind, abit, bbit)
            else:
                h = mats4_adj[op_c[o]]
                abit = 1 << op_a[o]
                bbit = 1 << op_b[o]
                _apply_mat4(pr, pi, h, abit, bbit)
                _apply_mat4(lr, li, h, abit, bbit)
                if second:
                    _apply_mat4(dr, di, h, abit, bbit)
                    _apply_mat4(tr, ti, h, abit, bbit)
        for lane in range(real):
            for p in range(npar):
                grads[b0 + lane, p] = acc[p, lane]
