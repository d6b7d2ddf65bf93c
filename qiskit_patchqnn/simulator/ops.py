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

The lane kernels (forward and derivatives) are not ``parallel=True`` Numba kernels: each is a
compiled function that releases the GIL and simulates one contiguous run of blocks, and
:func:`run_in_threads` runs the runs on a pool of Python threads (:func:`thread_pool`). A
``parallel=True`` wrapper would make LLVM optimise the whole kernel a second time, which
doubled the first call's compilation.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

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
    "compile_notice",
    "run_in_threads",
    "thread_pool",
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


@functools.cache
def thread_pool() -> ThreadPoolExecutor:
    """The Python threads that run the lane kernels' runs (started on first use, then reused).

    Example:
        >>> thread_pool() is thread_pool()
        True
    """
    return ThreadPoolExecutor(max_workers=max_threads(), thread_name_prefix="patchqnn-kernel")


def run_in_threads(
    kernel: Callable[..., Any], bounds: Sequence[tuple[int, int]], args: tuple
) -> None:
    """Call ``kernel(lo, hi, *args)`` for every ``(lo, hi)`` in ``bounds``, one per thread.

    ``kernel`` must be a compiled function that releases the GIL (``nogil=True``) and writes
    disjoint outputs per range. One range runs in the calling thread; more go to
    :func:`thread_pool`, and the first error is raised once all have finished.

    Example:
        >>> out = []
        >>> run_in_threads(lambda lo, hi, acc: acc.append((lo, hi)), [(0, 2)], (out,))
        >>> out
        [(0, 2)]
    """
    if len(bounds) == 1:
        kernel(bounds[0][0], bounds[0][1], *args)
        return
    futures = [thread_pool().submit(kernel, lo, hi, *args) for lo, hi in bounds]
    for fut in futures:
        fut.result()


@contextmanager
def compile_notice(kernel: Any, what: str, after: float = 6.0) -> Iterator[None]:
    """Say on stderr that ``kernel`` is compiling, if its first call here takes over ``after`` s.

    A compiled kernel with no signature yet in this process is either loaded from Numba's
    on-disk cache (well under a second on an idle machine, a few seconds on a busy one) or
    compiled (10-20 s on first use on a machine): the line appears, while it compiles, only
    when the first call runs past ``after`` seconds.

    Example:
        >>> with compile_notice(object(), "nothing"):
        ...     pass
    """
    if getattr(kernel, "signatures", True):  # compiled or loaded in this process already
        yield
        return

    def say() -> None:
        print(
            f"qiskit-patchqnn: compiling {what} (first use on this machine; cached for later "
            "runs; `patchqnn warmup` compiles every kernel ahead)",
            file=sys.stderr,
            flush=True,
        )

    timer = threading.Timer(after, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
