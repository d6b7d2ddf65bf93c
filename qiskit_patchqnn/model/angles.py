# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Gate angles: how the parameters of a circuit reach the angles of its gates.

Derivative rules act on *gate angles*. A circuit parameter that appears in several gates, or with
a scale factor (angle :math:`a\theta + b`), reaches each of them as its own angle
:math:`\phi_o = a_o \theta + b_o` (an *occurrence*); the evaluation circuit gives every occurrence
its own parameter, so that one angle can be moved without the others. :class:`AnglePlan` records
the occurrences and the chain rule back to the parameters:

.. math::

    \frac{\partial f}{\partial\theta} = \sum_o a_o \frac{\partial f}{\partial\phi_o}.

When every parameter is the whole angle of exactly one gate, the evaluation circuit is the
circuit itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse
from qiskit.circuit import Parameter, ParameterExpression, ParameterVector, QuantumCircuit

__all__ = ["AnglePlan"]


@dataclass(frozen=True, eq=False)
class AnglePlan:
    """The gate angles of a circuit and how they depend on its parameters.

    Attributes:
        circuit: the evaluation circuit: the given circuit when every differentiable parameter
            is the whole angle of exactly one gate, otherwise a copy in which each occurrence
            has its own parameter.
        params: the parameters of the given circuit, in the order the caller binds them.
        occ_param: for each gate angle (occurrence), the index into ``params`` it depends on.
        occ_scale: the factor ``a`` in ``angle = a * theta + b``.
        occ_offset: the offset ``b``.
        occ_column: column of ``circuit.parameters`` that holds the occurrence's angle.
        occ_gate: name of the gate the occurrence is an angle of.
        passthrough: ``(param index, column)`` pairs bound unchanged (not differentiated).

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> t = Parameter("t")
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.rx(2 * t, 0)
        >>> _ = qc.ry(t, 0)
        >>> plan = AnglePlan.build(qc, (t,), (t,))
        >>> plan.num_angles, plan.occ_scale.tolist(), plan.bind(np.array([0.5])).tolist()
        (2, [2.0, 1.0], [1.0, 0.5])
    """

    circuit: QuantumCircuit
    params: tuple[Parameter, ...]
    occ_param: np.ndarray
    occ_scale: np.ndarray
    occ_offset: np.ndarray
    occ_column: np.ndarray
    occ_gate: tuple[str, ...]
    passthrough: np.ndarray

    @classmethod
    def build(
        cls, circuit: QuantumCircuit, params: tuple[Parameter, ...], diff: tuple[Parameter, ...]
    ) -> AnglePlan:
        """Find the gate angles of the parameters ``diff`` (a subset of ``params``).

        Raises:
            ValueError: if ``params`` does not list every circuit parameter once, or a
                parameter of ``diff`` enters an angle that is not affine in it alone; the
                message names the parameter.
        """
        if set(params) != set(circuit.parameters):
            missing = sorted(p.name for p in set(circuit.parameters) - set(params))
            extra = sorted(p.name for p in set(params) - set(circuit.parameters))
            raise ValueError(
                f"params must list every circuit parameter once (missing {missing}, "
                f"not in circuit {extra})"
            )
        pindex = {p: i for i, p in enumerate(params)}
        diffset = set(diff)
        found: list[tuple[int, int, int, float, float, str]] = []  # (inst, slot, p, a, b, gate)
        for pos, inst in enumerate(circuit.data):
            for slot, expr in enumerate(inst.operation.params):
                if not isinstance(expr, ParameterExpression):
                    continue
                hit = diffset.intersection(expr.parameters)
                if not hit:
                    continue
                gate = inst.operation.name
                if len(expr.parameters) != 1:
                    name = sorted(p.name for p in hit)[0]
                    raise ValueError(
                        f"parameter {name!r} shares the angle {expr} of gate {gate!r} with "
                        "other parameters; no exact shift rule"
                    )
                (p,) = hit
                b = float(expr.bind({p: 0.0}).numeric())
                a = float(expr.bind({p: 1.0}).numeric()) - b
                if abs(float(expr.bind({p: 2.7}).numeric()) - (2.7 * a + b)) > 1e-9:
                    raise ValueError(f"parameter {p.name!r} enters angle {expr} non-linearly")
                found.append((pos, slot, pindex[p], a, b, gate))
        counts = np.bincount([o[2] for o in found], minlength=len(params))
        simple = all(o[3] == 1.0 and o[4] == 0.0 for o in found) and all(
            counts[pindex[p]] == 1 for p in diff
        )
        if simple:
            col = {p: i for i, p in enumerate(circuit.parameters)}
            gate_of = {o[2]: o[5] for o in found}
            return cls(
                circuit=circuit,
                params=tuple(params),
                occ_param=np.array([pindex[p] for p in diff], dtype=np.int64),
                occ_scale=np.ones(len(diff)),
                occ_offset=np.zeros(len(diff)),
                occ_column=np.array([col[p] for p in diff], dtype=np.int64),
                occ_gate=tuple(gate_of.get(pindex[p], "none") for p in diff),
                passthrough=np.array(
                    [(i, col[p]) for i, p in enumerate(params) if p not in diffset],
                    dtype=np.int64,
                ).reshape(-1, 2),
            )
        phis = ParameterVector("_occ", len(found))
        expanded = circuit.copy()
        for k, (pos, slot, *_) in enumerate(found):
            inst = expanded.data[pos]
            op = inst.operation.to_mutable()
            new_params = list(op.params)
            new_params[slot] = phis[k]
            op.params = new_params
            expanded.data[pos] = inst.replace(operation=op)
        col = {p: i for i, p in enumerate(expanded.parameters)}
        return cls(
            circuit=expanded,
            params=tuple(params),
            occ_param=np.array([o[2] for o in found], dtype=np.int64),
            occ_scale=np.array([o[3] for o in found]),
            occ_offset=np.array([o[4] for o in found]),
            occ_column=np.array([col[phis[k]] for k in range(len(found))], dtype=np.int64),
            occ_gate=tuple(o[5] for o in found),
            passthrough=np.array(
                [(i, col[p]) for i, p in enumerate(params) if p in col], dtype=np.int64
            ).reshape(-1, 2),
        )

    @property
    def num_angles(self) -> int:
        """Number of gate angles ``D``."""
        return len(self.occ_param)

    @property
    def num_columns(self) -> int:
        """Number of parameters of the evaluation circuit."""
        return self.circuit.num_parameters

    @cached_property
    def _trivial(self) -> bool:
        n = self.circuit.num_parameters
        return (
            len(self.passthrough) == 0
            and len(self.occ_param) == n
            and np.array_equal(self.occ_column, np.arange(n))
            and np.array_equal(self.occ_param, np.arange(n))
            and bool(np.all(self.occ_scale == 1.0))
            and bool(np.all(self.occ_offset == 0.0))
        )

    def bind(self, values: np.ndarray) -> np.ndarray:
        """Map parameter values ``(..., len(params))`` to evaluation-circuit columns.

        When every parameter is its own unscaled gate angle, in circuit order, this returns
        ``values`` itself (no copy).
        """
        values = np.asarray(values, dtype=float)
        if self._trivial:
            return values
        out = np.empty((*values.shape[:-1], self.circuit.num_parameters))
        if len(self.passthrough):
            out[..., self.passthrough[:, 1]] = values[..., self.passthrough[:, 0]]
        out[..., self.occ_column] = values[..., self.occ_param] * self.occ_scale + self.occ_offset
        return out

    def push_forward(self, tangents: np.ndarray) -> np.ndarray:
        """Directions of the columns ``(..., num_columns)`` from parameter directions.

        The linear part of :meth:`bind`: column ``occ_column[o]`` moves by
        ``occ_scale[o] * tangents[..., occ_param[o]]``; pass-through columns move with their
        parameter.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(2 * t + 1.0, 0)
            >>> AnglePlan.build(qc, (t,), (t,)).push_forward(np.array([1.0])).tolist()
            [2.0]
        """
        tangents = np.asarray(tangents, dtype=float)
        if self._trivial:
            return tangents
        lead = tangents.shape[:-1]
        flat = tangents.reshape(-1, tangents.shape[-1])
        out = np.asarray(self._jacobian @ flat.T).T  # (B, columns)
        return out.reshape(*lead, self.circuit.num_parameters)

    def pull_back(self, gradients: np.ndarray) -> np.ndarray:
        r"""Gradients with respect to the parameters from gradients with respect to the columns.

        The transpose of :meth:`push_forward`:
        :math:`\partial f/\partial\theta_p = \sum_{o: p} a_o\, \partial f/\partial\phi_o`.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(2 * t, 0)
            >>> _ = qc.ry(t, 0)
            >>> AnglePlan.build(qc, (t,), (t,)).pull_back(np.array([1.0, 10.0])).tolist()
            [12.0]
        """
        gradients = np.asarray(gradients, dtype=float)
        if self._trivial:
            return gradients
        lead = gradients.shape[:-1]
        flat = gradients.reshape(-1, gradients.shape[-1])
        out = np.asarray(self._jacobian.T @ flat.T).T  # (B, params)
        return out.reshape(*lead, len(self.params))

    @cached_property
    def _jacobian(self) -> scipy.sparse.csr_matrix:
        """The sparse ``(columns, params)`` matrix of the linear part of :meth:`bind`."""
        rows = np.concatenate([self.occ_column, self.passthrough[:, 1]])
        cols = np.concatenate([self.occ_param, self.passthrough[:, 0]])
        vals = np.concatenate([self.occ_scale, np.ones(len(self.passthrough))])
        shape = (self.circuit.num_parameters, len(self.params))
        return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=shape)

    def chain(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""The chain rule from selected gate angles to the parameters behind them.

        Args:
            angles: gate-angle indices (into ``occ_param``).

        Returns:
            ``(params, matrix)``: the distinct indices into ``params`` that the angles depend
            on, and the ``(len(angles), len(params))`` matrix :math:`A` with
            :math:`\partial f/\partial\theta = A^\top \partial f/\partial\phi`.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> t = Parameter("t")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(2 * t, 0)
            >>> _ = qc.ry(t, 0)
            >>> plan = AnglePlan.build(qc, (t,), (t,))
            >>> params, matrix = plan.chain(np.arange(plan.num_angles))
            >>> params.tolist(), matrix.ravel().tolist()
            ([0], [2.0, 1.0])
        """
        occ = self.occ_param[angles]
        params = np.unique(occ)
        matrix = np.zeros((len(angles), len(params)))
        matrix[np.arange(len(angles)), np.searchsorted(params, occ)] = self.occ_scale[angles]
        return params, matrix

    def angles_of(self, params: np.ndarray) -> np.ndarray:
        """Indices of the gate angles that depend on any of the given parameter indices.

        Example:
            >>> from qiskit.circuit import Parameter, QuantumCircuit
            >>> a, b = Parameter("a"), Parameter("b")
            >>> qc = QuantumCircuit(1)
            >>> _ = qc.rx(a, 0)
            >>> _ = qc.ry(b, 0)
            >>> AnglePlan.build(qc, (a, b), (a, b)).angles_of(np.array([1])).tolist()
            [1]
        """
        return np.flatnonzero(np.isin(self.occ_param, np.asarray(params)))
