# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Numba kernel of the adjoint method: vector-Jacobian products of expectation values.

For ``|psi> = U_G ... U_1 |0>`` and a weighted observable ``O = sum_t w_t P_t`` the gradient of
``<psi|O|psi>`` with respect to the angle of a rotation ``U_g = exp(-i theta P_g / 2)`` is

    d<O>/d theta_g = Im <lambda_g| P_g |phi_g>,

with ``phi_g = U_g ... U_1 |0>`` and ``lambda_g = U_{g+1}^dag ... U_G^dag O |psi>``; both are
obtained by undoing the gates one by one from the end. A phase gate ``diag(1, e^{i theta})``
gives ``-2 Im <lambda_g| |1><1|_q |phi_g>``. One forward and one backward sweep cost a few
circuit evaluations, independent of the number of parameters. Exact for exact simulation only.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import (
    _evolve,
    _parity_sign,
    apply_1q,
    apply_cx,
    apply_mat4,
    apply_swap,
    element_matrix,
)
from .ops import EL_RX, EL_RY, EL_RZ, OP_CX, OP_DIAG, OP_FUSED, OP_SWAP


@njit(cache=True)
def _generator_overlap(lam, phi, q, k):  # pragma: no cover - compiled
    """d<O>/d(angle) of an element of kind k on qubit q, given lambda and phi after it."""
    dim = phi.shape[0]
    bit = 1 << q
    acc = 0.0j
    if k == EL_RX:  # X
        for i in range(dim):
            acc += np.conj(lam[i]) * phi[i ^ bit]
        return acc.imag
    if k == EL_RY:  # Y: (Y phi)[i] = -i phi[i^bit] if bit clear, +i phi[i^bit] if set
        for i in range(dim):
            if i & bit:
                acc += np.conj(lam[i]) * (1j * phi[i ^ bit])
            else:
                acc += np.conj(lam[i]) * (-1j * phi[i ^ bit])
        return acc.imag
    if k == EL_RZ:  # Z
        for i in range(dim):
            if i & bit:
                acc -= np.conj(lam[i]) * phi[i]
            else:
                acc += np.conj(lam[i]) * phi[i]
        return acc.imag
    # phase gate: -2 Im <lambda| P1 |phi>
    for i in range(dim):
        if i & bit:
            acc += np.conj(lam[i]) * phi[i]
    return -2.0 * acc.imag


@njit(cache=True)
def _apply_pauli_add(out, state, w, xmask, zmask, ny):  # pragma: no cover - compiled
    # out += w * P state, P = i^ny X^x Z^z
    r = ny % 4
    if r == 0:
        ph = 1.0 + 0.0j
    elif r == 1:
        ph = 1j
    elif r == 2:
        ph = -1.0 + 0.0j
    else:
        ph = -1j
    for i in range(state.shape[0]):
        out[i ^ xmask] += w * ph * _parity_sign(i, zmask) * state[i]


@njit(parallel=True, cache=True)
def adjoint_vjp(
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
    term_x,
    term_z,
    term_ny,
    weights,
    nchunk,
):  # pragma: no cover - compiled
    """Gradients ``(B, num_parameters)`` of ``sum_t weights[b, t] <P_t>`` for every binding."""
    nb = values.shape[0]
    npar = values.shape[1]
    nt = term_x.shape[0]
    dim = 1 << num_qubits
    out = np.zeros((nb, npar))
    nchunk = max(1, min(nb, nchunk))
    for ch in prange(nchunk):
        phi = np.empty(dim, dtype=np.complex128)
        lam = np.empty(dim, dtype=np.complex128)
        lo = ch * nb // nchunk
        hi = (ch + 1) * nb // nchunk
        for b in range(lo, hi):
            theta = values[b]
            _evolve(
                phi,
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
            )
            for i in range(dim):
                lam[i] = 0.0
            for t in range(nt):
                if weights[b, t] != 0.0:
                    _apply_pauli_add(lam, phi, weights[b, t], term_x[t], term_z[t], term_ny[t])
            for o in range(op_kind.shape[0] - 1, -1, -1):
                kind = op_kind[o]
                if kind == OP_FUSED:
                    q = op_a[o]
                    for e in range(op_c[o] - 1, op_b[o] - 1, -1):
                        k = el_kind[e]
                        ang = el_shift[e]
                        if el_param[e] >= 0:
                            ang += el_scale[e] * theta[el_param[e]]
                            out[b, el_param[e]] += el_scale[e] * _generator_overlap(lam, phi, q, k)
                        g00, g01, g10, g11 = element_matrix(k, ang, fixed, el_fixed[e])
                        # undo the element: apply its adjoint to both vectors
                        h00, h01 = np.conj(g00), np.conj(g10)
                        h10, h11 = np.conj(g01), np.conj(g11)
                        apply_1q(phi, q, h00, h01, h10, h11)
                        apply_1q(lam, q, h00, h01, h10, h11)
                elif kind == OP_DIAG:
                    d = diags[op_a[o]]
                    for i in range(dim):
                        phi[i] /= d[i]
                        lam[i] /= d[i]
                elif kind == OP_CX:
                    apply_cx(phi, 1 << op_a[o], 1 << op_b[o])
                    apply_cx(lam, 1 << op_a[o], 1 << op_b[o])
                elif kind == OP_SWAP:
                    apply_swap(phi, 1 << op_a[o], 1 << op_b[o])
                    apply_swap(lam, 1 << op_a[o], 1 << op_b[o])
                else:
                    h = np.ascontiguousarray(np.conj(mats4[op_c[o]].T))
                    apply_mat4(phi, h, 1 << op_a[o], 1 << op_b[o])
                    apply_mat4(lam, h, 1 << op_a[o], 1 << op_b[o])
    return out
