# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Parameter values of the evaluation circuit given as parts that broadcast to the bindings.

The model produces them (weights per point and patch, inputs per patch and sample); the
executor hands them to an estimator that takes broadcast bindings without materialising the
product, or materialises them for any other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["FactoredValues"]


@dataclass(frozen=True)
class FactoredValues:
    """Parameter values of shape ``(*shape, width)`` given as parts that broadcast to it.

    A product of weight vectors and samples (``G`` points × ``K`` patches × ``N`` samples)
    repeats each weight row over the samples and each input row over the points. Passed to
    :func:`~qiskit_patchqnn.execution.execute` as parts, it goes to an estimator that accepts
    broadcast bindings (such as :class:`~qiskit_patchqnn.simulator.BatchedEstimator`) without
    being materialised; any other estimator gets the full array.

    Attributes:
        shape: the bindings' shape.
        width: number of value columns (as in a plain ``(B, width)`` array).
        parts: ``(columns, array)`` pairs: ``array`` has shape ``(*s, len(columns))`` with
            ``s`` broadcastable to ``shape``; every column appears in exactly one part.

    Example:
        >>> fv = FactoredValues(
        ...     (2, 3), 2, ((np.array([0]), np.zeros((2, 1, 1))), (np.array([1]), np.ones((3, 1))))
        ... )
        >>> fv.materialize().tolist()
        [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """

    shape: tuple[int, ...]
    width: int
    parts: tuple[tuple[np.ndarray, np.ndarray], ...]

    def __post_init__(self) -> None:
        cols = np.sort(np.concatenate([np.asarray(c, dtype=np.int64) for c, _ in self.parts]))
        if not np.array_equal(cols, np.arange(self.width)):
            raise ValueError(f"parts must cover each of the {self.width} columns exactly once")
        for c, a in self.parts:
            if np.shape(a)[-1] != len(c):
                raise ValueError(
                    f"a part for {len(c)} columns has shape {np.shape(a)} (last axis must match)"
                )
            s = np.shape(a)[:-1]
            lead = tuple(self.shape[len(self.shape) - len(s) :]) if s else ()
            if len(s) > len(self.shape) or any(
                m not in (1, n) for m, n in zip(s, lead, strict=True)
            ):
                raise ValueError(
                    f"a part of shape {np.shape(a)} does not broadcast to {self.shape}"
                )

    @property
    def size(self) -> int:
        """Number of bindings."""
        return math.prod(self.shape)

    def broadcast(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(columns, view)`` with each part broadcast to ``(*shape, len(columns))`` (no copy)."""
        return [
            (np.asarray(c, dtype=np.int64), np.broadcast_to(a, (*self.shape, len(c))))
            for c, a in self.parts
        ]

    def split(self, cap: int) -> list[FactoredValues] | None:
        """Consecutive pieces of at most ``cap`` bindings, cut along the first axis.

        Returns ``None`` when one index of the first axis alone holds more than ``cap``.
        """
        if self.size <= cap:
            return [self]
        if not self.shape or self.size // self.shape[0] > cap:
            return None
        step = cap // (self.size // self.shape[0])
        pieces = []
        for lo in range(0, self.shape[0], step):
            hi = min(lo + step, self.shape[0])
            parts = []
            for cols, a in self.parts:
                a = np.asarray(a)
                lead = a.ndim - 1 == len(self.shape) and a.shape[0] > 1
                parts.append((cols, a[lo:hi] if lead else a))
            pieces.append(FactoredValues((hi - lo, *self.shape[1:]), self.width, tuple(parts)))
        return pieces

    def materialize(self) -> np.ndarray:
        """The full ``(size, width)`` array."""
        out = np.empty((*self.shape, self.width))
        for c, view in self.broadcast():
            out[..., c] = view
        return out.reshape(-1, self.width)
