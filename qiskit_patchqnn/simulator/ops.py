# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""What every kernel shares: the op and element kinds of a compiled program, and threads.

A compiled program (:mod:`.program`) is a list of *ops*; a fused single-qubit op is a run of
*elements* (rotations or fixed 2x2 matrices). The integer codes below are the one table of
both kinds; the Numba kernels read them as compile-time constants.

Numba runs parallel kernels on a thread count that is per calling thread and sticks, and its
default (workqueue) threading layer aborts on concurrent parallel launches.
:func:`kernel_threads` holds the one lock around every launch and sets the thread count for
that launch only, restoring the caller's afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numba

__all__ = [
    "EL_FIXED",
    "EL_RX",
    "EL_RY",
    "EL_RZ",
    "EL_P",
    "OP_FUSED",
    "OP_DIAG",
    "OP_CX",
    "OP_SWAP",
    "OP_MAT4",
    "KERNEL_LOCK",
    "kernel_threads",
    "max_threads",
]

# ops of a compiled program
OP_FUSED = 0
"""A run of single-qubit elements on qubit ``op_a``: elements ``op_b:op_c``."""
OP_DIAG = 1
"""A diagonal (merged ``cz`` gates): ``diags[op_a]``."""
OP_CX = 2
"""``cx`` with control ``op_a`` and target ``op_b``."""
OP_SWAP = 3
"""``swap`` of ``op_a`` and ``op_b``."""
OP_MAT4 = 4
"""A fixed 4x4 gate ``mats4[op_c]`` on ``op_a`` (low bit) and ``op_b``."""

# elements of a fused op
EL_FIXED = 0
"""A fixed 2x2 matrix ``fixed[el_fixed]``."""
EL_RX = 1
"""``rx(a * theta + b)``."""
EL_RY = 2
"""``ry(a * theta + b)``."""
EL_RZ = 3
"""``rz(a * theta + b)``."""
EL_P = 4
"""``p(a * theta + b)`` (also ``u1``): ``diag(1, e^{i angle})``."""

KERNEL_LOCK = threading.Lock()
"""Held by every launch of a parallel kernel (see :func:`kernel_threads`)."""


def max_threads() -> int:
    """Numba's thread pool size (``NUMBA_NUM_THREADS``, all cores by default).

    Example:
        >>> max_threads() >= 1
        True
    """
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


@contextmanager
def kernel_threads(num_threads: int | None = None) -> Iterator[int]:
    """Hold :data:`KERNEL_LOCK` and run Numba kernels on ``num_threads`` threads inside.

    The calling thread's Numba thread count is restored on exit, so nothing outside the
    ``with`` block sees a changed setting.

    Args:
        num_threads: threads for the kernels (default: all of Numba's, :func:`max_threads`).

    Yields:
        The thread count in effect.

    Example:
        >>> with kernel_threads(1) as threads:
        ...     threads
        1
    """
    with KERNEL_LOCK:
        before = numba.get_num_threads()
        numba.set_num_threads(min(num_threads or max_threads(), max_threads()))
        try:
            yield numba.get_num_threads()
        finally:
            numba.set_num_threads(before)
