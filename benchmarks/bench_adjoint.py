# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Lane-batched derivative kernels against the forward, measured in one run.

Workload: the paper's circuit ``patch_circuit(8, 64, d)`` with ``readout_observables(8, 10)``,
d in {1, 10, 50}, B = 256 bindings of two kinds:

* ``patch``: a patch model's bindings, 4 weight vectors x 64 input rows (consecutive bindings
  share their weights); tangents on the weights only, the same for every sample of a weight
  vector (a loss-Hessian direction);
* ``random``: plain random rows and random tangents (the worst case: nothing repeats).

Per workload, in interleaved rounds (best of each kept; this VM's speed drifts): the forward
(``BatchedEstimator.run``, the reference of every ratio), ``vjp`` (lane-batched adjoint),
``jvp`` (tangent), ``hvp`` (forward-over-reverse, with a cotangent) and the previous
one-binding-at-a-time adjoint kernel (kept below, unchanged) for comparison. The new and old
vjp are checked to agree to 1e-10. ``--compile`` also times the first call of the forward and
of the derivative kernel in fresh processes with an empty Numba cache.

Run::

    python benchmarks/bench_adjoint.py --compile | tee benchmarks/results/bench_adjoint.txt
    python benchmarks/bench_adjoint.py --quick     # d = 1 and 10, 2 rounds
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numba
import numpy as np
import qiskit
from numba import njit, prange
from qiskit.primitives.containers.observables_array import ObservablesArray

from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.simulator import BatchedEstimator
from qiskit_patchqnn.simulator.kernels import (
    _evolve,
    _parity_sign,
    apply_1q,
    apply_cx,
    apply_mat4,
    apply_swap,
    element_matrix,
)
from qiskit_patchqnn.simulator.ops import (
    EL_RX,
    EL_RY,
    EL_RZ,
    OP_CX,
    OP_DIAG,
    OP_FUSED,
    OP_SWAP,
    kernel_threads,
)
from qiskit_patchqnn.simulator.program import _compile_observables

# --------------------------------------------------------------------------------------------
# the previous adjoint kernel (qiskit_patchqnn/simulator/adjoint.py before the lane kernels),
# one binding at a time, kept verbatim for comparison
# --------------------------------------------------------------------------------------------


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


def old_vjp(est: BatchedEstimator, circuit, observables, values, cotangent) -> np.ndarray:
    """``BatchedEstimator.vjp`` as it was: one binding at a time per thread."""
    prog = est.program(circuit)
    obs = _compile_observables(ObservablesArray.coerce(list(observables)), circuit.num_qubits)
    term_obs = np.repeat(np.arange(len(observables)), np.diff(obs.ptr))
    weights = np.ascontiguousarray(cotangent[:, term_obs] * obs.coeff)
    with kernel_threads() as threads:
        return adjoint_vjp(
            *prog.kernel_args(), values, obs.xmask, obs.zmask, obs.ny, weights, 8 * threads
        )


# --------------------------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------------------------

COLD = """
import sys, time
import numpy as np
from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.simulator import BatchedEstimator
qc = patch_circuit(8, 64, 1).circuit
obs = readout_observables(8, 10)
v = np.zeros((8, qc.num_parameters))
est = BatchedEstimator()
start = time.perf_counter()
if sys.argv[1] == "forward":
    est.run([(qc, [[o] for o in obs], v)]).result()
else:
    est.vjp(qc, obs, v, np.ones((8, 10)))
first = time.perf_counter() - start
start = time.perf_counter()
est.jvp(qc, obs, v, v)
est.hvp(qc, obs, v, v, np.ones((8, 10)), np.ones((8, 10)))
print(first, time.perf_counter() - start)
"""


def cold_start(which: str) -> tuple[float, float]:
    """First-call seconds in a fresh process with an empty Numba cache (and jvp + hvp after)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, "-c", COLD, which], env=env, capture_output=True, text=True, check=True
        )
    first, after = (float(x) for x in out.stdout.split())
    return first, after


def workload(d: int, kind: str, rng: np.random.Generator):
    """Circuit, observables, values, tangents, weights and cotangent of one workload."""
    pc = patch_circuit(8, 64, d)
    qc = pc.circuit
    nb, nw, nx = 256, pc.num_weights, pc.num_inputs
    if kind == "patch":
        w = rng.uniform(-np.pi, np.pi, (4, nw))
        x = rng.uniform(0, np.pi / 4, (nb // 4, nx))
        values = np.concatenate([np.tile(x, (4, 1)), np.repeat(w, nb // 4, axis=0)], axis=1)
        tangents = np.zeros_like(values)
        tangents[:, nx:] = np.repeat(rng.normal(size=(4, nw)), nb // 4, axis=0)
    else:
        values = rng.uniform(-np.pi, np.pi, (nb, qc.num_parameters))
        tangents = rng.normal(size=values.shape)
    obs = readout_observables(8, 10)
    weights = rng.normal(size=(nb, len(obs)))
    cotangent = rng.normal(size=(nb, len(obs)))
    return qc, obs, np.ascontiguousarray(values), tangents, weights, cotangent


def options(est: BatchedEstimator, qc, obs, v, t, w, u) -> dict[str, Callable[[], object]]:
    """The timed calls of one workload."""
    pubs = [(qc, [[o] for o in obs], v)]
    return {
        "fwd": lambda: est.run(pubs).result(),
        "vjp": lambda: est.vjp(qc, obs, v, u),
        "jvp": lambda: est.jvp(qc, obs, v, t),
        "hvp": lambda: est.hvp(qc, obs, v, t, w, u),
        "old": lambda: old_vjp(est, qc, obs, v, u),
    }


def best_times(options: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Best wall time of each option over interleaved rounds (after one warm-up call each)."""
    for fn in options.values():
        fn()
    best = dict.fromkeys(options, np.inf)
    for _ in range(rounds):
        for name, fn in options.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="d = 1 and 10, 2 rounds")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--compile", action="store_true", help="also time cold compilation")
    args = parser.parse_args()
    depths = (1, 10) if args.quick else (1, 10, 50)
    rounds = 2 if args.quick else args.rounds
    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, numba "
        f"{numba.__version__} threads {numba.config.NUMBA_NUM_THREADS}, load average "
        f"{os.getloadavg()[0]:.2f}, python {platform.python_version()}, qiskit "
        f"{qiskit.__version__}, numpy {np.__version__}"
    )
    print(f"# B = 256 bindings, 8 qubits, readout_observables(8, 10); best of {rounds} rounds")
    print(
        f"{'d':>3} {'bindings':>8} {'P':>5} {'fwd ms/b':>9} {'vjp ms/b':>9} "
        f"{'(f+vjp)/f':>10} {'jvp/f':>6} {'hvp/f':>6} {'old vjp ms/b':>13} {'old/new vjp':>12}"
    )
    est = BatchedEstimator()
    rng = np.random.default_rng(0)
    for d in depths:
        for kind in ("patch", "random"):
            qc, obs, v, t, w, u = workload(d, kind, rng)
            new = est.vjp(qc, obs, v, u)
            old = old_vjp(est, qc, obs, v, u)
            dev = np.abs(new - old).max()
            assert dev < 1e-10 * max(1.0, np.abs(old).max()), f"vjp differs by {dev}"
            times = best_times(options(est, qc, obs, v, t, w, u), rounds)
            nb = len(v)
            f = times["fwd"]
            print(
                f"{d:>3} {kind:>8} {qc.num_parameters:>5} {f / nb * 1e3:>9.4f} "
                f"{times['vjp'] / nb * 1e3:>9.4f} {(f + times['vjp']) / f:>10.2f} "
                f"{times['jvp'] / f:>6.2f} {times['hvp'] / f:>6.2f} "
                f"{times['old'] / nb * 1e3:>13.4f} {times['old'] / times['vjp']:>12.2f}",
                flush=True,
            )
    if args.compile:
        for which in ("forward", "vjp"):
            first, after = cold_start(which)
            print(
                f"# cold start, empty Numba cache, fresh process: first {which} call "
                f"{first:.1f} s (then jvp + hvp {after:.1f} s)"
            )
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
