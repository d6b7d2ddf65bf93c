# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Compile every kernel of the exact simulator ahead of use, into Numba's on-disk cache.

The kernels are compiled on first use and cached next to the installed package (or in
``$NUMBA_CACHE_DIR``), so only the first process on a machine pays for compilation; later ones
load the cache in well under a second per kernel. :func:`warm_up` (``patchqnn warmup`` on the
command line) pays it once, right after installation, so that the first real run does not.
"""

from __future__ import annotations

import sys
import time

import numpy as np

__all__ = ["warm_up"]


def warm_up(progress: bool = True) -> dict[str, float]:
    """Run every simulator kernel once on a tiny circuit: compile it, or load it from cache.

    Args:
        progress: print one line per kernel to stderr.

    Returns:
        Seconds per kernel (compilation included on a cold cache).

    Example:
        >>> sorted(warm_up(progress=False))
        ['derivatives', 'forward', 'forward (broadcast bindings)', 'forward (wide circuits)']
    """
    from qiskit.circuit import ParameterVector, QuantumCircuit
    from qiskit.primitives.containers.bindings_array import BindingsArray

    from .estimator import BatchedEstimator

    est = BatchedEstimator(num_threads=None)
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.rx(t[0], 0)
    qc.ry(t[1], 1)
    qc.cz(0, 1)
    values = np.array([[0.1, 0.2], [0.3, 0.4]])
    wide = QuantumCircuit(11)
    wide.rx(t[0], 0)
    wide.ry(t[1], 10)
    grid = np.linspace(0.0, 1.0, 8)[:, None]  # 8 x 8 points: worth factoring (rotation tables)
    broadcast = BindingsArray(
        {
            (t[0],): np.broadcast_to(grid[:, None], (8, 8, 1)),
            (t[1],): np.broadcast_to(grid[None], (8, 8, 1)),
        }
    )
    steps = {
        "forward": lambda: est.run([(qc, "ZI", values)]).result(),
        "forward (broadcast bindings)": lambda: est.run([(qc, "ZI", broadcast)]).result(),
        "forward (wide circuits)": lambda: est.run([(wide, "Z" + "I" * 10, values)]).result(),
        "derivatives": lambda: est.hvp(qc, ["ZI"], values, values, np.ones((2, 1))),
    }
    seconds = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - start
        if progress:
            print(f"  {name:<30} {seconds[name]:6.1f} s", file=sys.stderr, flush=True)
    return seconds
