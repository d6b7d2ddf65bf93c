# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""A PUB's parameter values as the kernels read them, and its output layout.

Plain bindings are a ``(B, P)`` table; bindings made of arrays that broadcast against each
other (weight vectors × samples) are *factored*: each array keeps its distinct rows only, and
the rotations' cosines and sines are tabulated once per row. :class:`Plan` maps bindings onto
the broadcast output array of the PUB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from qiskit.primitives.containers.estimator_pub import EstimatorPub

from .lanes import element_tables
from .ops import compile_notice, kernel_threads
from .program import _Program


@dataclass(frozen=True)
class Bindings:
    """Parameter values of (a chunk of) a PUB, as rows of a table.

    Binding ``b`` gives parameter ``p`` the value ``table[rows[b, pgroup[p]], p]``.

    A plain ``(B, P)`` array is one group with ``rows[b, 0] = b``. A PUB whose bindings array
    holds several arrays that broadcast along some axes (zero strides, as from
    :func:`numpy.broadcast_to`) is *factored*: each array becomes a group with only its
    distinct rows, so a product of weight vectors and samples is never materialised, and the
    rotations' cosines and sines are tabulated once per distinct row (``tcos``, ``tsin``).
    """

    table: np.ndarray
    rows: np.ndarray
    pgroup: np.ndarray
    tcos: np.ndarray
    tsin: np.ndarray

    @property
    def factored(self) -> bool:
        """Whether the bindings come as groups of distinct rows."""
        return self.tcos.shape[0] > 0

    def __len__(self) -> int:
        return self.rows.shape[0]

    def chunk(self, lo: int, hi: int) -> Bindings:
        """Bindings ``lo:hi`` (a plain table is sliced; a factored one is shared)."""
        if self.factored:
            return replace(self, rows=self.rows[lo:hi])
        return replace(
            self, table=self.table[lo:hi], rows=np.arange(hi - lo, dtype=np.int64).reshape(-1, 1)
        )

    def matrix(self) -> np.ndarray:
        """The values as a ``(B, P)`` array."""
        if not self.factored:
            return self.table
        cols = np.arange(self.table.shape[1])
        return np.ascontiguousarray(self.table[self.rows[:, self.pgroup], cols[None, :]])


@dataclass(frozen=True)
class Plan:
    """How the bindings of a PUB map onto its (broadcast) output array.

    Binding ``b`` (flat index into the parameter-values shape) feeds the outputs
    ``out_base(b) + out_offsets`` with observables ``obs_base(b) + obs_offsets``.
    """

    shape: tuple[int, ...]
    pshape: tuple[int, ...]
    out_strides: np.ndarray
    obs_strides: np.ndarray
    out_offsets: np.ndarray
    obs_offsets: np.ndarray

    @classmethod
    def build(cls, pshape: tuple[int, ...], oshape: tuple[int, ...]) -> Plan:
        """The plan of a PUB with parameter-values shape ``pshape`` and observables ``oshape``."""
        shape = tuple(np.broadcast_shapes(pshape, oshape))
        d = len(shape)
        pp = (1,) * (d - len(pshape)) + tuple(pshape)
        op = (1,) * (d - len(oshape)) + tuple(oshape)
        ostr = np.array([int(np.prod(shape[k + 1 :])) for k in range(d)], dtype=np.int64)
        obstr = np.array(
            [int(np.prod(op[k + 1 :])) if op[k] > 1 else 0 for k in range(d)], dtype=np.int64
        )
        free = [k for k in range(d) if pp[k] == 1]
        if free:
            grid = np.indices([shape[k] for k in free]).reshape(len(free), -1)
            out_off = (ostr[free, None] * grid).sum(axis=0)
            obs_off = (obstr[free, None] * grid).sum(axis=0)
        else:
            out_off = obs_off = np.zeros(1, dtype=np.int64)
        bound = [k for k in range(d) if pp[k] > 1]
        return cls(
            shape=shape,
            pshape=pp,
            out_strides=np.where(np.isin(np.arange(d), bound), ostr, 0),
            obs_strides=np.where(np.isin(np.arange(d), bound), obstr, 0),
            out_offsets=np.asarray(out_off, dtype=np.int64).reshape(-1),
            obs_offsets=np.asarray(obs_off, dtype=np.int64).reshape(-1),
        )

    def bases(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Output and observable base indices of the flat bindings ``lo:hi``."""
        idx = np.unravel_index(np.arange(lo, hi), self.pshape) if self.pshape else ()
        out_base = np.zeros(hi - lo, dtype=np.int64)
        obs_base = np.zeros(hi - lo, dtype=np.int64)
        for k, ik in enumerate(idx):
            out_base += self.out_strides[k] * ik
            obs_base += self.obs_strides[k] * ik
        return out_base, obs_base


def bindings_from_pub(pub: EstimatorPub, prog: _Program, num_threads: int) -> Bindings:
    """The PUB's parameter values as :class:`Bindings`.

    Factored when the bindings array's parts broadcast and their distinct rows, with their
    rotation tables, take no more memory than the plain ``(B, P)`` array would; plain
    otherwise. ``num_threads`` is the Numba thread count for tabulating the rotations.
    """
    nb = math.prod(pub.parameter_values.shape)
    npar = prog.num_parameters
    nel = prog.el_kind.shape[0]
    plain = np.zeros((0, nel))
    groups = _factor_groups(pub) if npar else None
    order = {p.name: i for i, p in enumerate(pub.circuit.parameters)}
    if groups is not None and sorted(n for g in groups for n in g[0]) != sorted(order):
        groups = None  # names that do not match the circuit: the plain path raises
    if groups is not None and sum(len(g[1]) for g in groups) * (npar + 2 * nel) > nb * npar:
        groups = None  # parts that hardly repeat (e.g. inputs with a trainable bias)
    if groups is None:
        values = _values_matrix(pub, nb, npar)
        return Bindings(
            table=values,
            rows=np.arange(nb, dtype=np.int64).reshape(-1, 1),
            pgroup=np.zeros(npar, dtype=np.int64),
            tcos=plain,
            tsin=plain,
        )
    total = sum(len(g[1]) for g in groups)
    table = np.zeros((total, npar))
    rgroup = np.empty(total, dtype=np.int64)
    pgroup = np.full(npar, -1, dtype=np.int64)
    rows = np.empty((nb, len(groups)), dtype=np.int64)
    offset = 0
    for j, (names, tab, idx) in enumerate(groups):
        cols = np.array([order[n] for n in names], dtype=np.int64)
        table[offset : offset + len(tab), cols] = tab
        rgroup[offset : offset + len(tab)] = j
        pgroup[cols] = j
        rows[:, j] = idx + offset
        offset += len(tab)
    with kernel_threads(num_threads), compile_notice(element_tables, "the rotation tables"):
        tcos, tsin = element_tables(  # type: ignore[call-arg]
            table, rgroup, pgroup, prog.el_kind, prog.el_param, prog.el_scale, prog.el_shift
        )
    return Bindings(table=table, rows=rows, pgroup=pgroup, tcos=tcos, tsin=tsin)


def _factor_groups(pub: EstimatorPub) -> list[tuple[list[str], np.ndarray, np.ndarray]] | None:
    """``(names, distinct rows, row index per binding)`` per bindings array, or ``None``.

    Only when the bindings hold at least two arrays and one of them repeats along an axis
    (a zero stride): then each array keeps one row per distinct index along its other axes.
    """
    bindings = pub.parameter_values
    shape = tuple(bindings.shape)
    nd = len(shape)
    arrays = []
    for keys, arr in bindings.data.items():
        a = np.asarray(arr, dtype=float)
        if a.ndim == nd:  # one parameter given without its trailing axis
            a = a[..., None]
        arrays.append(([getattr(k, "name", k) for k in keys], a))
    repeats = [
        [ax for ax in range(nd) if a.shape[ax] > 1 and a.strides[ax] == 0] for _, a in arrays
    ]
    if len(arrays) < 2 or not any(repeats):
        return None
    groups = []
    for (names, a), axes in zip(arrays, repeats, strict=True):
        reduced = a[tuple(slice(0, 1) if ax in axes else slice(None) for ax in range(nd))]
        tab = np.ascontiguousarray(reduced.reshape(-1, a.shape[-1]))
        idx = np.arange(len(tab), dtype=np.int64).reshape(reduced.shape[:nd])
        groups.append((names, tab, np.broadcast_to(idx, shape).reshape(-1)))
    return groups


def _values_matrix(pub: EstimatorPub, nb: int, num_parameters: int) -> np.ndarray:
    """The PUB's parameter values as a ``(nb, P)`` array, without a copy when possible."""
    if not num_parameters:
        return np.zeros((nb, 0))
    bindings = pub.parameter_values
    order = [p.name for p in pub.circuit.parameters]
    if len(bindings.data) == 1:  # one array in circuit order: use it as it is
        ((keys, arr),) = bindings.data.items()
        if [getattr(k, "name", k) for k in keys] == order:
            return np.ascontiguousarray(arr.reshape(nb, num_parameters), dtype=np.float64)
    arr = bindings.as_array(pub.circuit.parameters)
    return np.ascontiguousarray(arr.reshape(nb, num_parameters), dtype=np.float64)
