# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Numba kernels behind :class:`~qiskit_patchqnn.simulator.BatchedEstimator`, one binding at a time.

Qubit ``q`` is bit ``q`` of the basis-state index (Qiskit's little-endian order).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .ops import EL_FIXED, EL_P, EL_RX, EL_RY, OP_CX, OP_DIAG, OP_FUSED, OP_SWAP


@njit(cache=True)
def element_matrix(k, ang, fixed, idx):  # pragma: no cover - compiled
    """Entries ``(g00, g01, g10, g11)`` of element kind ``k`` (0 fixed, 1 rx, 2 ry, 3 rz, 4 p)."""
    if k == EL_FIXED:
        f = fixed[idx]
        return f[0, 0], f[0, 1], f[1, 0], f[1, 1]
    if k == EL_P:
        return 1.0 + 0.0j, 0.0j, 0.0j, np.cos(ang) + 1j * np.sin(ang)
    c = np.cos(0.5 * ang)
    s = np.sin(0.5 * ang)
    if k == EL_RX:
        return c + 0.0j, -1j * s, -1j * s, c + 0.0j
    if k == EL_RY:
        return c + 0.0j, -s + 0.0j, s + 0.0j, c + 0.0j
    return c - 1j * s, 0.0j, 0.0j, c + 1j * s


@njit(cache=True)
def apply_1q(state, q, m00, m01, m10, m11):  # pragma: no cover - compiled
    """``state <- M state`` for the 2x2 ``M = [[m00, m01], [m10, m11]]`` on qubit ``q``."""
    dim = state.shape[0]
    stride = 1 << q
    for base in range(0, dim, 2 * stride):
        for i in range(base, base + stride):
            a = state[i]
            b = state[i + stride]
            state[i] = m00 * a + m01 * b
            state[i + stride] = m10 * a + m11 * b


@njit(cache=True)
def apply_cx(state, cbit, tbit):  # pragma: no cover - compiled
    """CX with control and target bit masks ``cbit``, ``tbit`` (its own inverse)."""
    for i in range(state.shape[0]):
        if (i & cbit) and not (i & tbit):
            j = i | tbit
            tmp = state[i]
            state[i] = state[j]
            state[j] = tmp


@njit(cache=True)
def apply_swap(state, abit, bbit):  # pragma: no cover - compiled
    """SWAP of the qubits with bit masks ``abit``, ``bbit`` (its own inverse)."""
    for i in range(state.shape[0]):
        if (i & abit) and not (i & bbit):
            j = (i ^ abit) | bbit
            tmp = state[i]
            state[i] = state[j]
            state[j] = tmp


@njit(cache=True)
def apply_mat4(state, m, b0, b1):  # pragma: no cover - compiled
    """``state <- M state`` for a 4x4 ``M`` on the qubits with bit masks ``b0`` (low), ``b1``."""
    for i in range(state.shape[0]):
        if not (i & b0) and not (i & b1):
            i1 = i | b0
            i2 = i | b1
            i3 = i | b0 | b1
            v0, v1, v2, v3 = state[i], state[i1], state[i2], state[i3]
            state[i] = m[0, 0] * v0 + m[0, 1] * v1 + m[0, 2] * v2 + m[0, 3] * v3
            state[i1] = m[1, 0] * v0 + m[1, 1] * v1 + m[1, 2] * v2 + m[1, 3] * v3
            state[i2] = m[2, 0] * v0 + m[2, 1] * v1 + m[2, 2] * v2 + m[2, 3] * v3
            state[i3] = m[3, 0] * v0 + m[3, 1] * v1 + m[3, 2] * v2 + m[3, 3] * v3


@njit(cache=True, fastmath=False)
def _evolve_range(
    state,
    theta,
    begin,
    need,
    snaps,
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
):  # pragma: no cover - compiled
    dim = state.shape[0]
    if begin == 0:
        for i in range(dim):
            state[i] = 0.0
        state[0] = 1.0
    else:
        state[:] = snaps[begin]
    for o in range(begin, op_kind.shape[0]):
        if o > begin and o <= need:
            snaps[o] = state
        kind = op_kind[o]
        if kind == OP_FUSED:
            q = op_a[o]
            m00 = 1.0 + 0.0j
            m01 = 0.0 + 0.0j
            m10 = 0.0 + 0.0j
            m11 = 1.0 + 0.0j
            for e in range(op_b[o], op_c[o]):
                ang = el_shift[e]
                if el_param[e] >= 0:
                    ang += el_scale[e] * theta[el_param[e]]
                g00, g01, g10, g11 = element_matrix(el_kind[e], ang, fixed, el_fixed[e])
                n00 = g00 * m00 + g01 * m10
                n01 = g00 * m01 + g01 * m11
                n10 = g10 * m00 + g11 * m10
                n11 = g10 * m01 + g11 * m11
                m00, m01, m10, m11 = n00, n01, n10, n11
            apply_1q(state, q, m00, m01, m10, m11)
        elif kind == OP_DIAG:
            d = diags[op_a[o]]
            for i in range(dim):
                state[i] *= d[i]
        elif kind == OP_CX:
            apply_cx(state, 1 << op_a[o], 1 << op_b[o])
        elif kind == OP_SWAP:
            apply_swap(state, 1 << op_a[o], 1 << op_b[o])
        else:
            apply_mat4(state, mats4[op_c[o]], 1 << op_a[o], 1 << op_b[o])


@njit(cache=True)
def _evolve(
    state,
    theta,
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
):  # pragma: no cover - compiled
    """Evolve ``|0...0>`` through the whole program for one binding ``theta``."""
    _evolve_range(
        state,
        theta,
        0,
        -1,
        state.reshape((1, state.shape[0])),
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
    )


@njit(cache=True)
def _shared_prefix(a, b, op_kind, op_b, op_c, el_param):  # pragma: no cover - compiled
    """First op whose angles differ between bindings ``a`` and ``b`` (``len(ops)`` if none)."""
    for o in range(op_kind.shape[0]):
        if op_kind[o] == OP_FUSED:
            for e in range(op_b[o], op_c[o]):
                p = el_param[e]
                if p >= 0 and a[p] != b[p]:
                    return o
    return op_kind.shape[0]


@njit(cache=True)
def _parity_sign(i, zmask):  # pragma: no cover - compiled
    v = i & zmask
    p = 0
    while v:
        v &= v - 1
        p ^= 1
    return -1.0 if p else 1.0


@njit(cache=True)
def _term_value(state, xmask, zmask, ny):  # pragma: no cover - compiled
    # <psi| i^ny X^x Z^z |psi> = sum_i conj(psi[i ^ x]) i^ny (-1)^{|i & z|} psi[i]
    dim = state.shape[0]
    acc = 0.0j
    if xmask == 0:
        for i in range(dim):
            a = state[i]
            acc += _parity_sign(i, zmask) * (a.real * a.real + a.imag * a.imag)
        return acc.real
    for i in range(dim):
        acc += _parity_sign(i, zmask) * np.conj(state[i ^ xmask]) * state[i]
    r = ny % 4
    if r == 0:
        return acc.real
    if r == 1:
        return -acc.imag
    if r == 2:
        return -acc.real
    return acc.imag


@njit(parallel=True, cache=True)
def simulate_rows(
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
    values,
    row_param,
    row_obs,
    obs_ptr,
    term_x,
    term_z,
    term_ny,
    term_coeff,
    nchunk,
    max_snapshot,
):  # pragma: no cover - compiled
    """Expectation values of ``R`` (binding, observable) rows, in ``nchunk`` parallel runs.

    Row ``r`` evaluates observable ``row_obs[r]``, the sum over ``m`` in
    ``obs_ptr[o]:obs_ptr[o + 1]`` of ``term_coeff[m]`` times the Pauli term
    ``(term_x[m], term_z[m], term_ny[m])``, on the state of binding ``values[row_param[r]]``.
    A run re-evolves only when the binding changes from one row to the next, so rows grouped
    by binding cost one simulation per binding. Consecutive bindings that agree on the angles
    of the first ops (parameter-shift points differ in one or two angles) resume from the
    saved state before the first op where they differ, so only the rest is simulated again;
    states are saved only up to where the next binding needs them, and only when
    ``(ops + 1) * 2**n <= max_snapshot``. A resumed state is the very state a fresh run
    computes (the same operations on the same angles), so results do not depend on how the
    rows are split into calls or runs.
    """
    nr = row_param.shape[0]
    out = np.empty(nr)
    dim = 1 << num_qubits
    nops = op_kind.shape[0]
    nchunk = max(1, min(nr, nchunk))
    reuse = (nops + 1) * dim <= max_snapshot
    for ch in prange(nchunk):
        state = np.empty(dim, dtype=np.complex128)
        snaps = np.empty((nops + 1 if reuse else 1, dim), dtype=np.complex128)
        lo = ch * nr // nchunk
        hi = (ch + 1) * nr // nchunk
        last = -1
        begin = 0
        for r in range(lo, hi):
            b = row_param[r]
            if b != last:
                # the next binding in this run shares the ops before `need` with this one
                need = 0
                if reuse:
                    r2 = r + 1
                    while r2 < hi and row_param[r2] == b:
                        r2 += 1
                    if r2 < hi:
                        need = _shared_prefix(
                            values[b], values[row_param[r2]], op_kind, op_b, op_c, el_param
                        )
                _evolve_range(
                    state,
                    values[b],
                    begin,
                    need,
                    snaps,
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
                )
                if need == nops:
                    snaps[nops] = state
                begin = need
                last = b
            o = row_obs[r]
            acc = 0.0
            for m in range(obs_ptr[o], obs_ptr[o + 1]):
                acc += term_coeff[m] * _term_value(state, term_x[m], term_z[m], term_ny[m])
            out[r] = acc
    return out


@njit(parallel=True, cache=True)
def simulate_states(
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
    values,
):  # pragma: no cover - compiled
    """Final statevectors ``(B, 2**n)`` for ``B`` bindings."""
    nb = values.shape[0]
    dim = 1 << num_qubits
    out = np.empty((nb, dim), dtype=np.complex128)
    for b in prange(nb):
        _evolve(
            out[b],
            values[b],
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
        )
    return out
