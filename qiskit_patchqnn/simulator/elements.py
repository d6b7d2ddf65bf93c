# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Per-element 2x2 algebra of the derivative kernels (:mod:`.adjoint`), per lane.

Per-lane 2x2 matrices are ``(8, lanes)`` arrays holding the real and imaginary parts of
``g00, g01, g10, g11`` (the layout of :func:`.lanes._fuse`).

**Tangent of a fused gate.** :func:`_fuse_dot` builds :math:`\dot G` of ``G = g_m ... g_1``
along the elements' angle tangents.

**Cross matrices.** For a fused op on qubit ``q`` and two states ``phi``, ``lam`` the 2x2
matrix :math:`X = \mathrm{tr}_{\bar q} |\phi\rangle\langle\lambda|` gives
:math:`\langle\lambda|A|\phi\rangle = \mathrm{tr}(A X)` for every operator ``A`` on ``q``.
Only its anti-Hermitian part enters an imaginary part :math:`\mathrm{Im\,tr}(P X)` with ``P``
Hermitian, so a pass accumulates four real sums (:func:`.passes._rows_cross`), turned by
:func:`_bloch` into the doubled Bloch vector ``u = (u0, ux, uy, uz)`` of
:math:`K = (X - X^\dagger) / 2i = (u_0 I + u_x X + u_y Y + u_z Z) / 2`; then
:math:`\mathrm{Im\,tr}(\sigma_a X) = u_a`.

**Walking the elements.** With ``phi`` and ``lam`` at the end of the op, the cross matrix
after element ``e`` is :math:`X_e = B_e^\dagger X B_e` with :math:`B_e = g_m \cdots g_{e+1}`;
moving back over ``g_e`` conjugates ``K`` by it, which rotates ``(ux, uy, uz)``
(:func:`_walk`). A rotation :math:`e^{-i a P / 2}` contributes
:math:`\partial \langle O\rangle / \partial a = \mathrm{Im}\langle\lambda_e|P|\phi_e\rangle = u_P`,
a phase gate ``diag(1, e^{ia})`` contributes :math:`-2\,\mathrm{Im}\langle\lambda_e|1\rangle
\langle 1|\phi_e\rangle = u_z - u_0`. Along a tangent ``s`` the derivative ``Y`` of ``X``
moves back as :math:`Y_{e-1} = g_e^\dagger (Y_e + \dot a_e \tfrac{i}{2} [P_e, X_e]) g_e`
(the commutator term is the derivative of the conjugation), the same for a phase gate with
``P = Z``; its Bloch vector ``v`` gives the second-order output ``v_P`` (``v_z - v_0``).
"""

from __future__ import annotations

from numba import njit

from .ops import EL_FIXED, EL_P, EL_RX, EL_RY, EL_RZ


@njit(cache=True)
def _left_mul(m, k, fixed, fi, c, s):  # pragma: no cover - compiled
    """``m <- g m`` per lane for an element of kind ``k`` (``fixed[fi]``, or cache ``c``, ``s``)."""
    nl = m.shape[1]
    if k == EL_FIXED:
        f = fixed[fi]
        f00, f01, f10, f11 = f[0, 0], f[0, 1], f[1, 0], f[1, 1]
        for lane in range(nl):
            a = m[0, lane] + 1j * m[1, lane]
            b = m[2, lane] + 1j * m[3, lane]
            cc = m[4, lane] + 1j * m[5, lane]
            d = m[6, lane] + 1j * m[7, lane]
            n00 = f00 * a + f01 * cc
            n01 = f00 * b + f01 * d
            n10 = f10 * a + f11 * cc
            n11 = f10 * b + f11 * d
            m[0, lane], m[1, lane] = n00.real, n00.imag
            m[2, lane], m[3, lane] = n01.real, n01.imag
            m[4, lane], m[5, lane] = n10.real, n10.imag
            m[6, lane], m[7, lane] = n11.real, n11.imag
    elif k == EL_RX:
        for lane in range(nl):
            co = c[lane]
            si = s[lane]
            r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
            r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
            m[0, lane] = co * r0 + si * i2
            m[1, lane] = co * i0 - si * r2
            m[2, lane] = co * r1 + si * i3
            m[3, lane] = co * i1 - si * r3
            m[4, lane] = co * r2 + si * i0
            m[5, lane] = co * i2 - si * r0
            m[6, lane] = co * r3 + si * i1
            m[7, lane] = co * i3 - si * r1
    elif k == EL_RY:
        for lane in range(nl):
            co = c[lane]
            si = s[lane]
            r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
            r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
            m[0, lane] = co * r0 - si * r2
            m[1, lane] = co * i0 - si * i2
            m[2, lane] = co * r1 - si * r3
            m[3, lane] = co * i1 - si * i3
            m[4, lane] = si * r0 + co * r2
            m[5, lane] = si * i0 + co * i2
            m[6, lane] = si * r1 + co * r3
            m[7, lane] = si * i1 + co * i3
    else:  # rz: diag(c - is, c + is); p: diag(1, c + is)
        for lane in range(nl):
            co = c[lane]
            si = s[lane]
            if k == EL_RZ:
                r0, i0, r1, i1 = m[0, lane], m[1, lane], m[2, lane], m[3, lane]
                m[0, lane] = co * r0 + si * i0
                m[1, lane] = co * i0 - si * r0
                m[2, lane] = co * r1 + si * i1
                m[3, lane] = co * i1 - si * r1
            r2, i2, r3, i3 = m[4, lane], m[5, lane], m[6, lane], m[7, lane]
            m[4, lane] = co * r2 - si * i2
            m[5, lane] = co * i2 + si * r2
            m[6, lane] = co * r3 - si * i3
            m[7, lane] = co * i3 + si * r3


@njit(cache=True)
def _fuse_dot(
    md, mf, begin, end, el_kind, el_param, el_fixed, fixed, ec, es, adot
):  # pragma: no cover - compiled
    r"""Per lane the tangent :math:`\dot G` of the fused op ``G = g_m ... g_1`` into ``md``.

    :math:`\dot G = \sum_e g_m \cdots g_{e+1} (\partial_a g_e) g_{e-1} \cdots g_1 \dot a_e`, built
    with the running product ``F`` (scratch ``mf``): ``D <- g D + adot_e kappa P F`` after
    ``F <- g F``, with ``kappa P = -i P / 2`` for rotations and ``i |1><1|`` for a phase gate.

    Returns:
        Whether any lane has a nonzero :math:`\dot a` in the op.
    """
    nl = md.shape[1]
    for lane in range(nl):
        for r in range(8):
            mf[r, lane] = 0.0
            md[r, lane] = 0.0
        mf[0, lane] = 1.0
        mf[6, lane] = 1.0
    live = False
    for e in range(begin, end):
        k = el_kind[e]
        _left_mul(mf, k, fixed, el_fixed[e], ec[e], es[e])
        if live:  # D is still zero before the first live element
            _left_mul(md, k, fixed, el_fixed[e], ec[e], es[e])
        if k == EL_FIXED or el_param[e] < 0:
            continue
        nonzero = False
        for lane in range(nl):
            nonzero |= adot[e, lane] != 0.0
        if not nonzero:
            continue
        live = True
        if k == EL_RX:  # -i/2 X F
            for lane in range(nl):
                a = 0.5 * adot[e, lane]
                md[0, lane] += a * mf[5, lane]
                md[1, lane] -= a * mf[4, lane]
                md[2, lane] += a * mf[7, lane]
                md[3, lane] -= a * mf[6, lane]
                md[4, lane] += a * mf[1, lane]
                md[5, lane] -= a * mf[0, lane]
                md[6, lane] += a * mf[3, lane]
                md[7, lane] -= a * mf[2, lane]
        elif k == EL_RY:  # -i/2 Y F = [[0, -1/2], [1/2, 0]] F
            for lane in range(nl):
                a = 0.5 * adot[e, lane]
                md[0, lane] -= a * mf[4, lane]
                md[1, lane] -= a * mf[5, lane]
                md[2, lane] -= a * mf[6, lane]
                md[3, lane] -= a * mf[7, lane]
                md[4, lane] += a * mf[0, lane]
                md[5, lane] += a * mf[1, lane]
                md[6, lane] += a * mf[2, lane]
                md[7, lane] += a * mf[3, lane]
        elif k == EL_RZ:  # -i/2 Z F
            for lane in range(nl):
                a = 0.5 * adot[e, lane]
                md[0, lane] += a * mf[1, lane]
                md[1, lane] -= a * mf[0, lane]
                md[2, lane] += a * mf[3, lane]
                md[3, lane] -= a * mf[2, lane]
                md[4, lane] -= a * mf[5, lane]
                md[5, lane] += a * mf[4, lane]
                md[6, lane] -= a * mf[7, lane]
                md[7, lane] += a * mf[6, lane]
        else:  # p: i |1><1| F
            for lane in range(nl):
                a = adot[e, lane]
                md[4, lane] -= a * mf[5, lane]
                md[5, lane] += a * mf[4, lane]
                md[6, lane] -= a * mf[7, lane]
                md[7, lane] += a * mf[6, lane]
    return live


@njit(cache=True)
def _bloch(k, r):  # pragma: no cover - compiled
    """Cross sums in ``k[r:r + 4]`` (see :func:`_rows_cross`) to the doubled Bloch vector."""
    for lane in range(k.shape[1]):
        a00, a11, zr, zi = k[r, lane], k[r + 1, lane], k[r + 2, lane], k[r + 3, lane]
        k[r, lane] = a00 + a11
        k[r + 1, lane] = zi
        k[r + 2, lane] = zr
        k[r + 3, lane] = a00 - a11


@njit(cache=True)
def _rotate(k, r, kind, c, s):  # pragma: no cover - compiled
    """Conjugate the Bloch vectors ``k[r:r + 4]`` by a rotation (full-angle ``c``, ``s``)."""
    if kind == EL_RX:  # (y, z) <- (y c + z s, z c - y s)
        a, b = r + 2, r + 3
    elif kind == EL_RY:  # (z, x) <- (z c + x s, x c - z s)
        a, b = r + 3, r + 1
    else:  # rz, p: (x, y) <- (x c + y s, y c - x s)
        a, b = r + 1, r + 2
    for lane in range(k.shape[1]):
        x = k[a, lane]
        y = k[b, lane]
        k[a, lane] = x * c[lane] + y * s[lane]
        k[b, lane] = y * c[lane] - x * s[lane]


@njit(cache=True)
def _rotate_fixed(k, r, rot):  # pragma: no cover - compiled
    """Conjugate the Bloch vectors ``k[r:r + 4]`` by a fixed matrix with rotation ``rot``."""
    r00, r01, r02 = rot[0, 0], rot[0, 1], rot[0, 2]
    r10, r11, r12 = rot[1, 0], rot[1, 1], rot[1, 2]
    r20, r21, r22 = rot[2, 0], rot[2, 1], rot[2, 2]
    for lane in range(k.shape[1]):
        x, y, z = k[r + 1, lane], k[r + 2, lane], k[r + 3, lane]
        k[r + 1, lane] = r00 * x + r10 * y + r20 * z
        k[r + 2, lane] = r01 * x + r11 * y + r21 * z
        k[r + 3, lane] = r02 * x + r12 * y + r22 * z


@njit(cache=True)
def _walk(
    begin, end, el_kind, el_param, el_scale, el_fixed, fixed_rot, ec, es, adot, k, c, s, acc, second
):  # pragma: no cover - compiled
    """Walk elements ``end - 1`` down to ``begin`` of a fused op, adding outputs to ``acc``.

    ``k[0:4]`` (and with ``second``, ``k[4:8]``) hold the doubled Bloch vectors ``u`` (and
    ``v``) at the end of the op (:func:`_bloch`). Each element adds ``el_scale`` times its
    first-order (``u``) or, with ``second``, second-order (``v``) output to
    ``acc[param, lane]``, then conjugates the vectors back over itself. ``fixed_rot[f]`` is
    the rotation of fixed matrix ``f``; ``c`` and ``s`` are scratch rows.
    """
    nl = k.shape[1]
    src = 4 if second else 0
    for e in range(end - 1, begin - 1, -1):
        kind = el_kind[e]
        if kind == EL_FIXED:
            _rotate_fixed(k, 0, fixed_rot[el_fixed[e]])
            if second:
                _rotate_fixed(k, 4, fixed_rot[el_fixed[e]])
            continue
        sc = el_scale[e]
        out = acc[el_param[e]]
        if kind == EL_P:  # -2 Im <lam|1><1|phi> = u_z - u_0
            for lane in range(nl):
                out[lane] += sc * (k[src + 3, lane] - k[src, lane])
        else:
            a = src + kind  # EL_RX, EL_RY, EL_RZ are 1, 2, 3: u_x, u_y, u_z
            for lane in range(nl):
                out[lane] += sc * k[a, lane]
        if second:  # v += adot * (i/2) [P, u]: the rotation generator applied to u
            if kind == EL_RX:  # (y, z) += adot (z, -y)
                a, b = 2, 3
            elif kind == EL_RY:  # (z, x) += adot (x, -z)
                a, b = 3, 1
            else:  # (x, y) += adot (y, -x)
                a, b = 1, 2
            for lane in range(nl):
                d = adot[e, lane]
                x = k[a, lane]
                y = k[b, lane]
                k[4 + a, lane] += d * y
                k[4 + b, lane] -= d * x
        if kind == EL_P:
            for lane in range(nl):
                c[lane] = ec[e, lane]
                s[lane] = es[e, lane]
        else:
            for lane in range(nl):
                ch = ec[e, lane]
                sh = es[e, lane]
                c[lane] = ch * ch - sh * sh
                s[lane] = 2.0 * ch * sh
        _rotate(k, 0, kind, c, s)
        if second:
            _rotate(k, 4, kind, c, s)
