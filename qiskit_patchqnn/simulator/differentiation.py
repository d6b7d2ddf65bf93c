# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Driving the derivative kernel (:mod:`.adjoint`) for :class:`~.estimator.BatchedEstimator`.

Arguments are checked and turned into C-contiguous float arrays, bindings are streamed in
chunks, and each chunk's blocks of :func:`_derivative_lanes` bindings are split into one
contiguous run per kernel thread (:func:`.ops.kernel_threads`); the runs execute
:func:`.adjoint.run_blocks` (compiled, GIL released) on :func:`.ops.run_in_threads`. Every
run writes its own rows, so the results do not depend on the thread count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .adjoint import MODE_JVP, run_blocks
from .ops import compile_notice, kernel_threads, run_in_threads
from .program import _Observables, _Program

__all__ = ["bindings_matrix", "differentiate", "weights_matrix"]


_DERIVATIVE_AMPLITUDES = 1 << 20


def _derivative_lanes(num_qubits: int, num_bindings: int, threads: int) -> int:
    """Bindings per block of the derivative kernel, at every width.

    64 lanes where a block of ``2**n x 64`` amplitudes fits the budget of 2**20 (up to 14
    qubits), fewer above: the derivative passes are vectorised over lanes only from about 20
    lanes on (LLVM runs its scalar loop below that), and measured on 9-12 qubits 64 lanes
    beat 16 by 1.5-2x and one lane by 4x although the blocks leave the L2 cache. No more than
    a fair share of the bindings per thread (a power of two, at least 4 where the budget
    allows).
    """
    lanes = max(1, min(64, _DERIVATIVE_AMPLITUDES >> num_qubits))
    share = max(1, -(-num_bindings // (2 * threads)))
    return max(min(4, lanes), min(lanes, 1 << (share - 1).bit_length()))


def _real_array(name: str, array: Any) -> np.ndarray:
    """``array`` as a float array with at least two axes, or a one-line ``TypeError``."""
    arr = np.asarray(array)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return np.atleast_2d(arr.astype(np.float64, copy=False))


def weights_matrix(name: str, array: Any, rows: int, cols: int) -> np.ndarray:
    """``array`` as a C-contiguous float ``(rows, cols)`` array, or a one-line error.

    Example:
        >>> weights_matrix("cotangent", [[1, 2]], 1, 2).dtype
        dtype('float64')
    """
    arr = _real_array(name, array)
    if arr.shape != (rows, cols):
        raise ValueError(f"{name} must have shape {(rows, cols)}, got {np.shape(array)}")
    return np.ascontiguousarray(arr)


def bindings_matrix(values: Any, num_parameters: int) -> np.ndarray:
    """``values`` as a C-contiguous float ``(B, num_parameters)`` array, or a one-line error.

    Example:
        >>> bindings_matrix([0.1, 0.2], 2).shape
        (1, 2)
    """
    vals = _real_array("values", values)
    if vals.ndim != 2 or vals.shape[1] != num_parameters:
        raise ValueError(
            f"values must have shape (B, {num_parameters}) for a circuit with "
            f"{num_parameters} parameters, got {np.shape(values)}"
        )
    return np.ascontiguousarray(vals)


def differentiate(
    prog: _Program,
    obs: _Observables,
    mode: int,
    values: np.ndarray,
    tangents: np.ndarray | None,
    wobs: np.ndarray | None,
    uobs: np.ndarray | None,
    chunk_size: int,
    num_threads: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the derivative kernel in ``mode`` over chunks of ``chunk_size`` bindings.

    Args:
        prog: the compiled circuit.
        obs: the compiled observables (``C`` of them).
        mode: :data:`.adjoint.MODE_VJP`, :data:`.adjoint.MODE_JVP` or
            :data:`.adjoint.MODE_HVP`.
        values: ``(B, P)`` bindings.
        tangents: ``(B, P)`` tangents (jvp, hvp), else ``None``.
        wobs: ``(B, C)`` cotangent (vjp) or Hessian weights (hvp), else ``None``.
        uobs: ``(B, C)`` cotangent (hvp), else ``None``.
        chunk_size: bindings per kernel call.
        num_threads: kernel threads (``None``: all).

    Returns:
        ``(grads, evs, jvps)``: ``(B, P)`` gradients or Hessian-vector products (vjp, hvp),
        or ``(B, C)`` expectation values and Jacobian-vector products (jvp); the arrays a
        mode does not produce are empty.

    Example:
        >>> from qiskit.circuit import Parameter, QuantumCircuit
        >>> from qiskit.primitives.containers.observables_array import ObservablesArray
        >>> from .adjoint import MODE_VJP
        >>> from .program import _compile_observables, compile_circuit
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.rx(Parameter("t"), 0)
        >>> obs = _compile_observables(ObservablesArray.coerce(["Z"]), 1)
        >>> g, _, _ = differentiate(
        ...     compile_circuit(qc), obs, MODE_VJP, np.array([[0.5]]), None, np.ones((1, 1)),
        ...     None, 16, 1)
        >>> bool(np.isclose(g[0, 0], -np.sin(0.5)))
        True
    """
    nb, npar = values.shape
    nc = len(obs.ptr) - 1
    term_obs = np.repeat(np.arange(nc, dtype=np.int64), np.diff(obs.ptr))
    mats4_adj, fixed_rot, op_param = prog.adjoint_arrays
    none = np.zeros((0, 0))
    backward = mode != MODE_JVP
    grads = np.empty((nb, npar)) if backward else none
    evs = none if backward else np.empty((nb, nc))
    jvps = none if backward else np.empty((nb, nc))
    with kernel_threads(num_threads) as threads:
        for lo in range(0, nb, chunk_size):
            hi = min(lo + chunk_size, nb)
            g = grads[lo:hi] if backward else none
            e = none if backward else evs[lo:hi]
            j = none if backward else jvps[lo:hi]
            lanes = _derivative_lanes(prog.num_qubits, hi - lo, threads)
            args = (
                mode,
                *prog.kernel_args(),
                mats4_adj,
                fixed_rot,
                op_param,
                values[lo:hi],
                none if tangents is None else tangents[lo:hi],
                none if wobs is None else wobs[lo:hi],
                none if uobs is None else uobs[lo:hi],
                obs.ptr,
                obs.xmask,
                obs.zmask,
                obs.ny,
                obs.coeff,
                term_obs,
                lanes,
                g,
                e,
                j,
            )
            nblocks = (hi - lo + lanes - 1) // lanes
            nruns = max(1, min(threads, nblocks))
            bounds = [(r * nblocks // nruns, (r + 1) * nblocks // nruns) for r in range(nruns)]
            with compile_notice(run_blocks, "the exact simulator's derivative kernel"):
                run_in_threads(run_blocks, bounds, args)
    return grads, evs, jvps
