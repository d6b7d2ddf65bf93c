# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Lane-batched Numba kernel: many bindings simulated side by side.

For small circuits one statevector is too short for the CPU's vector units. This kernel keeps
the states of ``lanes`` consecutive bindings in one ``(2**n, lanes)`` block, real and
imaginary parts apart, so every gate is a loop over amplitudes whose innermost loop runs over
the lanes, which LLVM vectorises.

Work that repeats is done once:

* each lane keeps, per rotation, the last angle it saw with its cosine and sine, and each
  fused gate keeps its last matrix: a binding that repeats the angles of the binding one block
  earlier in its lane (the weights of a patch across its samples, the unshifted angles of
  parameter-shift points) reuses them;
* a block whose first ``k`` ops have the same angles in every lane as in the previous block
  resumes from the state saved before op ``k``;
* a gate that is the same in every lane is applied with one matrix;
* with factored bindings (:mod:`qiskit_patchqnn.simulator.bindings`) the cosines and sines are read
  from tables computed once per distinct row (:func:`element_tables`), and only where a
  lane's row of the parameter's group differs from the previous block's (two row indices per
  lane are compared instead of every angle).

The readout is in :mod:`qiskit_patchqnn.simulator.readout`. A lane's arithmetic does not
depend on its neighbours, its position, the block it falls in or whether a saved value was
reused (the same operations on the same numbers; a cached rotation of angle -0.0 may stand in
for +0.0), so results do not depend on how bindings are split into calls, runs or blocks.

Program arrays are those of :func:`qiskit_patchqnn.simulator.compile_circuit`; qubit ``q`` is
bit ``q`` of the basis-state index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from .ops import (
    EL_FIXED,
    EL_P,
    EL_RX,
    EL_RY,
    EL_RZ,
    OP_CX,
    OP_DIAG,
    OP_FUSED,
    OP_SWAP,
    compile_notice,
    run_in_threads,
)
from .readout import _observe, _reduced


@njit(cache=True)
def _fuse(m, begin, end, el_kind, el_fixed, fixed, ec, es):  # pragma: no cover - compiled
    """Per-lane product of elements ``begin:end`` into ``m`` ``(8, lanes)`` (re/im of 2x2)."""
    for lane in range(m.shape[1]):
        m[0, lane] = 1.0
        m[1, lane] = 0.0
        m[2, lane] = 0.0
        m[3, lane] = 0.0
        m[4, lane] = 0.0
        m[5, lane] = 0.0
        m[6, lane] = 1.0
        m[7, lane] = 0.0
    for e in range(begin, end):
        k = el_kind[e]
        if k == EL_FIXED:  # fixed matrix, the same in every lane: m <- f m
            f = fixed[el_fixed[e]]
            f00, f01, f10, f11 = f[0, 0], f[0, 1], f[1, 0], f[1, 1]
            for lane in range(m.shape[1]):
                a = m[0, lane] + 1j * m[1, lane]
                b = m[2, lane] + 1j * m[3, lane]
                c = m[4, lane] + 1j * m[5, lane]
                d = m[6, lane] + 1j * m[7, lane]
                n00 = f00 * a + f01 * c
                n01 = f00 * b + f01 * d
                n10 = f10 * a + f11 * c
                n11 = f10 * b + f11 * d
                m[0, lane], m[1, lane] = n00.real, n00.imag
                m[2, lane], m[3, lane] = n01.real, n01.imag
                m[4, lane], m[5, lane] = n10.real, n10.imag
                m[6, lane], m[7, lane] = n11.real, n11.imag
        elif k == EL_RX:  # rx: [[c, -is], [-is, c]]
            for lane in range(m.shape[1]):
                c = ec[e, lane]
                s = es[e, lane]
                r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
                r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
                m[0, lane] = c * r0 + s * i2
                m[1, lane] = c * i0 - s * r2
                m[2, lane] = c * r1 + s * i3
                m[3, lane] = c * i1 - s * r3
                m[4, lane] = c * r2 + s * i0
                m[5, lane] = c * i2 - s * r0
                m[6, lane] = c * r3 + s * i1
                m[7, lane] = c * i3 - s * r1
        elif k == EL_RY:  # ry: [[c, -s], [s, c]]
            for lane in range(m.shape[1]):
                c = ec[e, lane]
                s = es[e, lane]
                r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
                r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
                m[0, lane] = c * r0 - s * r2
                m[1, lane] = c * i0 - s * i2
                m[2, lane] = c * r1 - s * r3
                m[3, lane] = c * i1 - s * i3
                m[4, lane] = s * r0 + c * r2
                m[5, lane] = s * i0 + c * i2
                m[6, lane] = s * r1 + c * r3
                m[7, lane] = s * i1 + c * i3
        else:  # rz: diag(c - is, c + is); p: diag(1, c + is) with the full angle
            for lane in range(m.shape[1]):
                c = ec[e, lane]
                s = es[e, lane]
                if k == EL_RZ:
                    r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
                    m[0, lane] = c * r0 + s * i0
                    m[1, lane] = c * i0 - s * r0
                    m[2, lane] = c * r1 + s * i1
                    m[3, lane] = c * i1 - s * r1
                r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
                m[4, lane] = c * r2 - s * i2
                m[5, lane] = c * i2 + s * r2
                m[6, lane] = c * r3 - s * i3
                m[7, lane] = c * i3 + s * r3


@njit(cache=True)
def _apply_1q(sr, si, q, m):  # pragma: no cover - compiled
    """``state <- M state`` on qubit ``q`` in every lane (``M`` per lane, layout of ``_fuse``)."""
    dim, nl = sr.shape
    stride = 1 << q
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            j = i + stride
            for lane in range(nl):
                ar = sr[i, lane]
                ai = si[i, lane]
                br = sr[j, lane]
                bi = si[j, lane]
                sr[i, lane] = m[0, lane] * ar - m[1, lane] * ai + m[2, lane] * br - m[3, lane] * bi
                si[i, lane] = m[0, lane] * ai + m[1, lane] * ar + m[2, lane] * bi + m[3, lane] * br
                sr[j, lane] = m[4, lane] * ar - m[5, lane] * ai + m[6, lane] * br - m[7, lane] * bi
                si[j, lane] = m[4, lane] * ai + m[5, lane] * ar + m[6, lane] * bi + m[7, lane] * br


@njit(cache=True)
def _apply_1q_uniform(sr, si, q, m):  # pragma: no cover - compiled
    """Like :func:`_apply_1q` with the same matrix ``m`` ``(8,)`` in every lane."""
    dim, nl = sr.shape
    stride = 1 << q
    m0, m1, m2, m3, m4, m5, m6, m7 = m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            j = i + stride
            for lane in range(nl):
                ar = sr[i, lane]
                ai = si[i, lane]
                br = sr[j, lane]
                bi = si[j, lane]
                sr[i, lane] = m0 * ar - m1 * ai + m2 * br - m3 * bi
                si[i, lane] = m0 * ai + m1 * ar + m2 * bi + m3 * br
                sr[j, lane] = m4 * ar - m5 * ai + m6 * br - m7 * bi
                si[j, lane] = m4 * ai + m5 * ar + m6 * bi + m7 * br


@njit(cache=True)
def _apply_mat4(sr, si, m, b0, b1):  # pragma: no cover - compiled
    """``state <- M state`` for a fixed 4x4 ``M`` on bit masks ``b0`` (low) and ``b1``."""
    dim, nl = sr.shape
    idx = np.empty(4, dtype=np.int64)
    vr = np.empty(4)
    vi = np.empty(4)
    for i in range(dim):
        if (i & b0) or (i & b1):
            continue
        idx[0], idx[1], idx[2], idx[3] = i, i | b0, i | b1, i | b0 | b1
        for lane in range(nl):
            for r in range(4):
                vr[r] = sr[idx[r], lane]
                vi[r] = si[idx[r], lane]
            for r in range(4):
                accr = 0.0
                acci = 0.0
                for c in range(4):
                    mr = m[r, c].real
                    mi = m[r, c].imag
                    accr += mr * vr[c] - mi * vi[c]
                    acci += mr * vi[c] + mi * vr[c]
                sr[idx[r], lane] = accr
                si[idx[r], lane] = acci


@njit(cache=True)
def _swap_rows(sr, si, i, j):  # pragma: no cover - compiled
    for lane in range(sr.shape[1]):
        t = sr[i, lane]
        sr[i, lane] = sr[j, lane]
        sr[j, lane] = t
        t = si[i, lane]
        si[i, lane] = si[j, lane]
        si[j, lane] = t


@njit(nogil=True, cache=True)
def lane_run(
    blk_lo,
    blk_hi,
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
    table,
    rows,
    pgroup,
    tcos,
    tsin,
    obs_base,
    obs_offsets,
    obs_ptr,
    term_x,
    term_z,
    term_ny,
    term_coeff,
    tail,
    tail_op,
    term_q,
    term_w,
    lanes,
    out,
):  # pragma: no cover - compiled
    """Expectation values of blocks ``blk_lo:blk_hi`` of bindings simulated side by side.

    Writes rows of ``out`` ``(B, F)`` (one run: runs on other threads write other rows).
    Entry ``(b, f)`` is observable ``obs_base[b] + obs_offsets[f]`` on binding ``b``.

    Binding ``b`` gives parameter ``p`` the value ``table[rows[b, pgroup[p]], p]``: parameters
    come in groups, each with its own rows of ``table`` (one group and ``rows[b, 0] = b`` for a
    plain ``(B, P)`` array; for a product such as weight vectors × samples, the weights and the
    inputs are two small groups). ``tcos``/``tsin`` ``(R, E)``, when not empty, hold each
    element's cosine and sine for every row of its parameter's group
    (:func:`element_tables`), read instead of being computed.

    Bindings are taken ``lanes`` at a time (the last block padded with copies of the last
    binding, whose results are dropped); :func:`simulate_lanes` splits the blocks into
    contiguous runs on threads.
    Observable ``o`` is the sum over ``m`` in ``obs_ptr[o]:obs_ptr[o + 1]`` of
    ``term_coeff[m]`` times the Pauli term ``(term_x[m], term_z[m], term_ny[m])``.

    With ``tail < len(op_kind)`` every term acts on at most one qubit and the ops from
    ``tail`` on are single-qubit gates on distinct qubits (``tail_op[q]`` is the one on qubit
    ``q``, or -1): they are not applied to the state but folded into the measurement, which
    reads each qubit's reduced density matrix ``U rho_q U^dagger`` (:func:`_reduced`), and
    term ``m`` is the linear form ``term_w[m]`` of the matrix of qubit ``term_q[m]``
    (:func:`reduced_forms`).
    """
    nb, ngroups = rows.shape
    npar = table.shape[1]
    tables = tcos.shape[0] > 0
    dim = 1 << num_qubits
    nops = op_kind.shape[0]
    nel = el_kind.shape[0]
    nl = lanes
    sr = np.empty((dim, nl))
    si = np.empty((dim, nl))
    keep_r = np.empty((dim, nl))  # state saved before op `kept`
    keep_i = np.empty((dim, nl))
    kept = -1
    vb = np.empty((npar, nl))
    lrow = np.empty((ngroups, nl), dtype=np.int64)
    prow = np.full((ngroups, nl), -1, dtype=np.int64)  # the previous block's rows
    moved = np.zeros(ngroups, dtype=np.bool_)
    spread_rows = np.zeros(ngroups, dtype=np.bool_)
    ang = np.full((nel, nl), np.nan)
    ec = np.empty((nel, nl))
    es = np.empty((nel, nl))
    fm = np.empty((nops, 8, nl))
    stale = np.ones(nops, dtype=np.bool_)
    uniform = np.zeros(nops, dtype=np.bool_)  # the same gate in every lane
    val = np.empty(nl)
    tot = np.empty(nl)
    accr = np.empty(nl)
    acci = np.empty(nl)
    new = np.empty(nl)
    rho = np.empty((num_qubits, 4, nl))
    for blk in range(blk_lo, blk_hi):
        b0 = blk * nl
        for lane in range(nl):
            b = min(b0 + lane, nb - 1)
            for j in range(ngroups):
                lrow[j, lane] = rows[b, j]
            if not tables:
                for p in range(npar):
                    vb[p, lane] = table[lrow[pgroup[p], lane], p]
        if tables:  # a group's angles change exactly where its row does
            for j in range(ngroups):
                moved[j] = False
                spread_rows[j] = False
                for lane in range(nl):
                    moved[j] |= lrow[j, lane] != prow[j, lane]
                    spread_rows[j] |= lrow[j, lane] != lrow[j, 0]
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
                if tables:  # read the changed lanes' cosines and sines from the tables
                    grp = pgroup[p]
                    if spread_rows[grp]:
                        uniform[o] = False
                    if not moved[grp]:
                        continue
                    stale[o] = True
                    for lane in range(nl):
                        r = lrow[grp, lane]
                        if r != prow[grp, lane]:
                            ec[e, lane] = tcos[r, e]
                            es[e, lane] = tsin[r, e]
                    continue
                shift = el_shift[e]
                scale = el_scale[e]
                same = 0
                spread = 0
                first_angle = shift + scale * vb[p, 0]
                for lane in range(nl):  # vectorised: compare with the cached angles
                    new[lane] = shift + scale * vb[p, lane]
                    same += new[lane] == ang[e, lane]
                    spread += new[lane] != first_angle
                if spread:
                    uniform[o] = False
                if same == nl:
                    continue
                stale[o] = True
                half = el_kind[e] != EL_P
                for lane in range(nl):
                    a = new[lane]
                    if a != ang[e, lane]:  # NaN never equals: always recomputed
                        ang[e, lane] = a
                        h = 0.5 * a if half else a
                        ec[e, lane] = np.cos(h)
                        es[e, lane] = np.sin(h)
            if stale[o]:
                first = min(first, o)
        if tables:
            prow[:, :] = lrow
        if 0 <= kept <= first:
            start = kept
            sr[:, :] = keep_r
            si[:, :] = keep_i
        else:
            start = 0
            kept = -1
            sr[:, :] = 0.0
            si[:, :] = 0.0
            sr[0, :] = 1.0
        first = min(first, tail)
        for o in range(start, tail + 1):
            if o == first and o > kept:
                keep_r[:, :] = sr
                keep_i[:, :] = si
                kept = o
            if o == tail:
                break
            kind = op_kind[o]
            if kind == OP_FUSED:
                if stale[o]:
                    _fuse(fm[o], op_b[o], op_c[o], el_kind, el_fixed, fixed, ec, es)
                    stale[o] = False
                if uniform[o]:
                    _apply_1q_uniform(sr, si, op_a[o], fm[o, :, 0])
                else:
                    _apply_1q(sr, si, op_a[o], fm[o])
            elif kind == OP_DIAG:
                d = diags[op_a[o]]
                for i in range(dim):
                    di = d[i]
                    for lane in range(nl):
                        sr[i, lane] *= di
                        si[i, lane] *= di
            elif kind == OP_CX:
                cbit = 1 << op_a[o]
                tbit = 1 << op_b[o]
                for i in range(dim):
                    if (i & cbit) and not (i & tbit):
                        _swap_rows(sr, si, i, i | tbit)
            elif kind == OP_SWAP:
                abit = 1 << op_a[o]
                bbit = 1 << op_b[o]
                for i in range(dim):
                    if (i & abit) and not (i & bbit):
                        _swap_rows(sr, si, i, (i ^ abit) | bbit)
            else:
                _apply_mat4(sr, si, mats4[op_c[o]], 1 << op_a[o], 1 << op_b[o])
        folded = tail < nops
        if folded:
            for o in range(tail, nops):
                if stale[o]:
                    _fuse(fm[o], op_b[o], op_c[o], el_kind, el_fixed, fixed, ec, es)
                    stale[o] = False
            _reduced(sr, si, tail_op, fm, rho)
        _observe(
            sr,
            si,
            rho,
            folded,
            b0,
            nb,
            obs_base,
            obs_offsets,
            obs_ptr,
            term_x,
            term_z,
            term_ny,
            term_coeff,
            term_q,
            term_w,
            out,
            val,
            tot,
            accr,
            acci,
        )


def simulate_lanes(*args: Any, lanes: int, nruns: int) -> np.ndarray:
    """Expectation values ``(B, F)`` of every binding: :func:`lane_run` on ``nruns`` threads.

    ``args`` are :func:`lane_run`'s arguments from ``num_qubits`` to ``term_w``. The blocks of
    ``lanes`` bindings are cut into ``nruns`` contiguous runs (fewer when there are fewer
    blocks), one per thread of :func:`.ops.thread_pool`; a run's arithmetic does not depend on
    the others, so the results do not depend on ``nruns``.
    """
    rows, obs_offsets = args[14], args[19]
    nb = rows.shape[0]
    out = np.empty((nb, obs_offsets.shape[0]))
    nblocks = (nb + lanes - 1) // lanes
    nruns = max(1, min(nruns, nblocks))
    bounds = [(r * nblocks // nruns, (r + 1) * nblocks // nruns) for r in range(nruns)]
    with compile_notice(lane_run, "the exact simulator's lane kernel"):
        run_in_threads(lane_run, bounds, (*args, lanes, out))
    return out


@njit(parallel=True, cache=True)
def element_tables(
    table, rgroup, pgroup, el_kind, el_param, el_scale, el_shift
):  # pragma: no cover - compiled
    """Cosine and sine ``(R, E)`` of every element's (half) angle at every row of ``table``.

    Row ``r`` belongs to parameter group ``rgroup[r]``; entries of elements whose parameter is
    in another group (or that have none) are left at zero and never read.
    """
    nr = table.shape[0]
    nel = el_kind.shape[0]
    tcos = np.zeros((nr, nel))
    tsin = np.zeros((nr, nel))
    for r in prange(nr):
        for e in range(nel):
            p = el_param[e]
            if p < 0 or pgroup[p] != rgroup[r]:
                continue
            a = el_shift[e] + el_scale[e] * table[r, p]
            h = 0.5 * a if el_kind[e] != EL_P else a
            tcos[r, e] = np.cos(h)
            tsin[r, e] = np.sin(h)
    return tcos, tsin
