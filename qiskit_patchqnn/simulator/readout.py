# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Readout of the lane kernel's state blocks: Pauli terms, or reduced density matrices.

A block holds ``lanes`` statevectors as ``(2**n, lanes)`` real and imaginary parts (see
:mod:`qiskit_patchqnn.simulator.lanes`). Terms on several qubits are summed over amplitudes
(:func:`_term`); when every term acts on at most one qubit, the trailing single-qubit gates
are folded into each qubit's reduced density matrix (:func:`_reduced`) and every term is a
linear form of it (:func:`reduced_forms`). :func:`_observe` writes the block's results.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _zsign(i, zmask):  # pragma: no cover - compiled
    """``(-1) ** popcount(i & zmask)``."""
    v = i & zmask
    v ^= v >> 32
    v ^= v >> 16
    v ^= v >> 8
    v ^= v >> 4
    v ^= v >> 2
    v ^= v >> 1
    return -1.0 if v & 1 else 1.0


@njit(cache=True)
def _term(sr, si, zmask, xmask, ny, lo, hi, out, accr, acci):  # pragma: no cover - compiled
    """``out[lane] = <psi| i^ny X^x Z^z |psi>`` for lanes ``lo:hi``.

    ``accr`` and ``acci`` are scratch buffers of at least ``hi`` entries.
    """
    dim = sr.shape[0]
    for lane in range(lo, hi):
        accr[lane] = 0.0
        acci[lane] = 0.0
    if xmask == 0:
        for i in range(dim):
            s = _zsign(i, zmask)
            for lane in range(lo, hi):
                accr[lane] += s * (sr[i, lane] * sr[i, lane] + si[i, lane] * si[i, lane])
        for lane in range(lo, hi):
            out[lane] = accr[lane]
        return
    # sum_i sign_i conj(psi[i ^ x]) psi[i]
    for i in range(dim):
        j = i ^ xmask
        s = _zsign(i, zmask)
        for lane in range(lo, hi):
            accr[lane] += s * (sr[j, lane] * sr[i, lane] + si[j, lane] * si[i, lane])
            acci[lane] += s * (sr[j, lane] * si[i, lane] - si[j, lane] * sr[i, lane])
    r = ny % 4
    for lane in range(lo, hi):
        if r == 0:
            out[lane] = accr[lane]
        elif r == 1:
            out[lane] = -acci[lane]
        elif r == 2:
            out[lane] = -accr[lane]
        else:
            out[lane] = acci[lane]


@njit(cache=True)
def _observe(
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
):  # pragma: no cover - compiled
    """Write ``out[b0 + lane, f]`` for the block's real bindings (see :func:`simulate_lanes`).

    With ``folded``, term ``m`` is the linear form ``term_w[m] . (r00, r11, re r01, im r01)``
    of the folded reduced density matrix ``rho[term_q[m]]`` (coefficient and phase included);
    otherwise it is summed over the amplitudes of ``sr + i si`` (:func:`_term`).
    """
    nl = sr.shape[1]
    uniform = True
    for lane in range(1, nl):
        if obs_base[min(b0 + lane, nb - 1)] != obs_base[b0]:
            uniform = False
    for f in range(obs_offsets.shape[0]):
        for lane in range(nl):
            tot[lane] = 0.0
        for g in range(1 if uniform else nl):
            lo, hi = (0, nl) if uniform else (g, g + 1)
            ob = obs_base[min(b0 + g, nb - 1)] + obs_offsets[f]
            for m in range(obs_ptr[ob], obs_ptr[ob + 1]):
                if folded:
                    r = rho[term_q[m]]
                    w0, w1, w2, w3 = term_w[m, 0], term_w[m, 1], term_w[m, 2], term_w[m, 3]
                    for lane in range(lo, hi):
                        tot[lane] += (
                            w0 * r[0, lane] + w1 * r[1, lane] + w2 * r[2, lane] + w3 * r[3, lane]
                        )
                else:
                    _term(sr, si, term_z[m], term_x[m], term_ny[m], lo, hi, val, accr, acci)
                    for lane in range(lo, hi):
                        tot[lane] += term_coeff[m] * val[lane]
        for lane in range(min(nl, nb - b0)):
            out[b0 + lane, f] = tot[lane]


def reduced_forms(term_x, term_z, term_ny, term_coeff):
    """Each term on at most one qubit as a linear form of that qubit's density matrix.

    Term ``m`` becomes ``(qubit, w)`` with ``coeff * Re(i^ny tr(rho X^x Z^z))`` equal to
    ``w . (r00, r11, re r01, im r01)`` for a one-qubit density matrix ``rho``.

    Returns:
        ``(term_q, term_w)``, shapes ``(T,)`` and ``(T, 4)``.

    Raises:
        ValueError: for a term on two or more qubits.
    """
    nterm = len(term_x)
    term_q = np.zeros(nterm, dtype=np.int64)
    term_w = np.zeros((nterm, 4))
    for m in range(nterm):
        x, z = int(term_x[m]), int(term_z[m])
        support = x | z
        if support & (support - 1):
            raise ValueError(f"term {m} acts on more than one qubit")
        term_q[m] = max(support.bit_length() - 1, 0)
        phase = 1j ** int(term_ny[m]) * float(term_coeff[m])
        if not support:  # identity: tr(rho) = r00 + r11
            term_w[m] = (phase.real, phase.real, 0.0, 0.0)
        elif not z:  # X: 2 re r01
            term_w[m, 2] = 2 * phase.real
        elif not x:  # Z: r00 - r11
            term_w[m, :2] = (phase.real, -phase.real)
        else:  # X Z: r01 - r10 = 2i im r01
            term_w[m, 3] = (2j * phase).real
    return term_q, term_w


@njit(cache=True)
def _reduced(sr, si, tail_op, fm, rho):  # pragma: no cover - compiled
    """Per lane and qubit ``q``: ``rho[q] = U rho_q U^dagger`` as ``(r00, r11, re r01, im r01)``.

    ``rho_q`` is the reduced density matrix of qubit ``q`` and ``U`` the folded gate
    ``fm[tail_op[q]]`` (the identity when ``tail_op[q] < 0``).
    """
    dim, nl = sr.shape
    for q in range(rho.shape[0]):
        r = rho[q]
        for lane in range(nl):
            r[0, lane] = 0.0
            r[1, lane] = 0.0
            r[2, lane] = 0.0
            r[3, lane] = 0.0
        stride = 1 << q
        for base in range(0, dim, 2 * stride):
            for i in range(base, base + stride):
                j = i + stride
                for lane in range(nl):
                    ar = sr[i, lane]
                    ai = si[i, lane]
                    br = sr[j, lane]
                    bi = si[j, lane]
                    r[0, lane] += ar * ar + ai * ai
                    r[1, lane] += br * br + bi * bi
                    r[2, lane] += ar * br + ai * bi  # a conj(b)
                    r[3, lane] += ai * br - ar * bi
        o = tail_op[q]
        if o < 0:
            continue
        m = fm[o]
        for lane in range(nl):  # rho <- U rho U^dagger in real arithmetic (vectorised)
            ar, ai, br, bi = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
            cr, ci, dr, di = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
            p, s, rr, ri = r[0, lane], r[1, lane], r[2, lane], r[3, lane]
            r[0, lane] = (
                (ar * ar + ai * ai) * p
                + (br * br + bi * bi) * s
                + 2.0 * ((ar * br + ai * bi) * rr - (ai * br - ar * bi) * ri)
            )
            r[1, lane] = (
                (cr * cr + ci * ci) * p
                + (dr * dr + di * di) * s
                + 2.0 * ((cr * dr + ci * di) * rr - (ci * dr - cr * di) * ri)
            )
            x1 = ar * dr + ai * di  # a conj(d)
            y1 = ai * dr - ar * di
            x2 = br * cr + bi * ci  # b conj(c)
            y2 = bi * cr - br * ci
            r[2, lane] = (
                p * (ar * cr + ai * ci)
                + s * (br * dr + bi * di)
                + (x1 * rr - y1 * ri)
                + (x2 * rr + y2 * ri)
            )
            r[3, lane] = (
                p * (ai * cr - ar * ci)
                + s * (bi * dr - br * di)
                + (x1 * ri + y1 * rr)
                + (y2 * rr - x2 * ri)
            )
