# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The matrix-free Hessian at the paper's scale, measured in one run.

Seven stages, each printed with its elapsed time and the load average:

1. adjoint gradient / forward: ``(forward + vjp) / forward`` of the paper circuit
   ``patch_circuit(8, 64, 50)``, B = 256, patch-structured and random rows (through
   ``bench_adjoint.py``'s workloads and timing loop);
2. HVP per (sample, patch) against double back-prop through a torch statevector simulation of
   the same circuit (written here; complex64 as the paper; B = 256 samples of one patch; torch
   1 and 2 threads, gate by gate as torchquantum applies them and with consecutive
   single-qubit gates fused), on the same loss, inputs, weights and direction;
3. lambda_max of the paper's 4-patch, 8-qubit, d = 50 model with positional bias over 2,000
   images (scikit-learn digits resized to 14x14 plus one-pixel shifts) after a few adjoint
   Adam steps, by ``eigsh`` and by PyHessian-style power iteration;
4. peak RSS of fresh processes computing HVPs of that model at N = 500 ... 4,000;
5. cold start: a fresh process with an empty Numba cache to the first forward and the first
   HVP, this code against commit 6bd1f9a (no HVP then: its first vjp);
6. the per-matvec overhead of ``client=`` on a 2-worker Dask ``LocalCluster``;
7. an extrapolation of the paper's 4qnn50 lambda_max over 60,000 images from 2, 3 and 6.

Run::

    python benchmarks/bench_hvp.py | tee benchmarks/results/bench_hvp.txt   # about 40 min
    python benchmarks/bench_hvp.py --quick     # down-scaled (d = 10, fewer samples), minutes
    python benchmarks/bench_hvp.py --only 2,3  # some stages
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numba
import numpy as np
import qiskit
import scipy
from scipy import ndimage
from sklearn.datasets import load_digits

from qiskit_patchqnn import PatchLayout, PatchQNN
from qiskit_patchqnn.hessian import loss_hessian
from qiskit_patchqnn.simulator import BatchedEstimator
from qiskit_patchqnn.training import TrainConfig, train

if TYPE_CHECKING:
    import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BEFORE_COMMIT = "6bd1f9a"
PAPER_SECONDS = 23788.0  # 4qnn50 top eigenvalue on one RTX 4090 (paper-notes section 4)
PAPER_SAMPLES = 60000


@dataclass(frozen=True)
class Scale:
    """Sizes of one run (full or ``--quick``)."""

    depth: int = 50
    adjoint_rounds: int = 7
    torch_batch: int = 256
    torch_rounds: int = 3
    check_batch: int = 32
    samples: int = 2000
    train_epochs: int = 3
    train_batch: int = 250
    eigsh_tol: float = 1e-4
    power_more: int = 40
    memory_samples: tuple[int, ...] = (500, 1000, 2000, 4000)
    memory_hvps: int = 2
    dask_samples: int = 256
    dask_rounds: int = 7
    dask_big_rounds: int = 3


FULL = Scale()
QUICK = Scale(
    depth=10,
    adjoint_rounds=2,
    torch_batch=64,
    torch_rounds=1,
    check_batch=16,
    samples=200,
    train_epochs=1,
    train_batch=50,
    memory_samples=(100, 400),
    memory_hvps=1,
    dask_samples=64,
    dask_rounds=2,
    dask_big_rounds=1,
)


def load() -> float:
    """One-minute load average."""
    return os.getloadavg()[0]


@contextmanager
def stage(number: int, title: str) -> Iterator[None]:
    """Print a stage's title, then its elapsed time and the load average."""
    print(f"\n== [{number}] {title} (load average {load():.2f})", flush=True)
    start = time.perf_counter()
    yield
    print(
        f"-- [{number}] done in {time.perf_counter() - start:.1f} s (load average {load():.2f})",
        flush=True,
    )


def best_of(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Best wall time of each option over interleaved rounds (no warm-up here)."""
    best = dict.fromkeys(fns, np.inf)
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------------------------
# data: scikit-learn digits at the paper's 14x14
# --------------------------------------------------------------------------------------------


def digits_14x14(num: int) -> tuple[np.ndarray, np.ndarray]:
    """``num`` images ``(num, 196)`` in [0, 1] and their labels.

    The 1,797 scikit-learn digits (8x8, pixels / 16) are resized to 14x14 by bilinear
    interpolation (``scipy.ndimage.zoom(order=1)``, clipped to [0, 1]); beyond 1,797 the same
    images shifted by one pixel (right, down, left, up, zero fill) follow in that order.
    """
    bunch = load_digits()
    small = bunch.images / 16.0
    big = np.clip(np.stack([ndimage.zoom(im, 14 / 8, order=1) for im in small]), 0.0, 1.0)
    sets = [big]
    for axis, step in ((2, 1), (1, 1), (2, -1), (1, -1)):
        moved = np.roll(big, step, axis=axis)
        edge = [slice(None)] * 3
        edge[axis] = 0 if step == 1 else -1
        moved[tuple(edge)] = 0.0
        sets.append(moved)
    images = np.concatenate(sets)
    labels = np.tile(bunch.target, len(sets))
    if num > len(images):
        raise ValueError(f"at most {len(images)} images, asked for {num}")
    return images[:num].reshape(num, -1), labels[:num].astype(np.int64)


def paper_qnn(depth: int, estimator: BatchedEstimator | None = None) -> PatchQNN:
    """The paper's 4-patch model: 14x14 images, 8x8 patches, 8 qubits, positional bias."""
    return PatchQNN(
        PatchLayout.grid((14, 14), (8, 8), 4),
        depth,
        num_qubits=8,
        num_classes=10,
        input_bias=True,
        estimator=estimator,
    )


# --------------------------------------------------------------------------------------------
# a torch statevector simulation of patch_circuit(8, 64, d) (for stage 2)
# --------------------------------------------------------------------------------------------
#
# The state is (B, 2**n); reshaped to (B, 2**q, 2, 2**(n-1-q)) its third axis is qubit q. The
# order of gates and weights is patch_circuit's: block A (d layers: RX on every qubit, RY on
# every qubit, CZ ring), encoding 1 (qubit q loads features 4q..4q+3, feature j wrapped as
# RY(w) RX(x) RY(w') for even j and RX(w) RY(x) RX(w') for odd j), CZ ring, block B, encoding
# 2 (features 32 + 4q + j), CZ ring, block C (no CZ ring after its last layer); readout
# <X_0..X_4>, <Z_0..Z_4>.


def torch_rotation(kind: str, theta: torch.Tensor) -> torch.Tensor:
    """RX or RY matrices ``(..., 2, 2)`` of the angles ``theta`` (complex, differentiable)."""
    import torch

    c, s = torch.cos(theta / 2), torch.sin(theta / 2)
    z = torch.zeros_like(c)
    if kind == "x":
        rows = [
            [torch.complex(c, z), torch.complex(z, -s)],
            [torch.complex(z, -s), torch.complex(c, z)],
        ]
    else:
        rows = [
            [torch.complex(c, z), torch.complex(-s, z)],
            [torch.complex(s, z), torch.complex(c, z)],
        ]
    return torch.stack([torch.stack(r, dim=-1) for r in rows], dim=-2)


def torch_ring_signs(n: int, dtype: torch.dtype) -> torch.Tensor:
    """The CZ ring (q, q+1 mod n) as a diagonal of +-1 over the state's flat index."""
    import torch

    idx = np.arange(1 << n)
    bits = (idx[:, None] >> (n - 1 - np.arange(n))) & 1  # bits[:, q]: qubit q
    parity = sum(bits[:, q] & bits[:, (q + 1) % n] for q in range(n))
    return torch.tensor((-1.0) ** parity, dtype=dtype)


def torch_apply(state: torch.Tensor, q: int, u: torch.Tensor, n: int) -> torch.Tensor:
    """Apply a 2x2 matrix (shared ``(2, 2)`` or per sample ``(B, 2, 2)``) to qubit ``q``."""
    import torch

    b = state.shape[0]
    s = state.reshape(b, 1 << q, 2, 1 << (n - 1 - q))
    eq = "ij,bajc->baic" if u.dim() == 2 else "bij,bajc->baic"
    return torch.einsum(eq, u, s).reshape(b, -1)


def torch_outputs(
    theta: torch.Tensor, angles: torch.Tensor, depth: int, fused: bool, n: int = 8
) -> torch.Tensor:
    """The ten readout values ``(B, 10)`` for weights ``theta`` and input angles ``(B, 64)``.

    ``fused=False`` applies every rotation as its own gate (as torchquantum does);
    ``fused=True`` multiplies consecutive single-qubit gates on a qubit first (RY RX per
    layer; a qubit's twelve encoding rotations into one per-sample matrix).
    """
    import torch

    real = theta.dtype
    cplx = torch.complex64 if real == torch.float32 else torch.complex128
    b, nf = angles.shape
    state = torch.zeros(b, 1 << n, dtype=cplx)
    state[:, 0] = 1.0
    ring = torch_ring_signs(n, cplx)
    w = 0

    def layer(last: bool) -> None:
        nonlocal state, w
        rx = torch_rotation("x", theta[w : w + n])
        ry = torch_rotation("y", theta[w + n : w + 2 * n])
        w += 2 * n
        if fused:
            both = ry @ rx
            for q in range(n):
                state = torch_apply(state, q, both[q], n)
        else:
            for q in range(n):
                state = torch_apply(state, q, rx[q], n)
            for q in range(n):
                state = torch_apply(state, q, ry[q], n)
        if not last:
            state = state * ring

    def encode(first: int) -> None:
        nonlocal state, w
        per = nf // 2 // n
        for q in range(n):
            total = None
            for j in range(per):
                outer, inner = ("y", "x") if j % 2 == 0 else ("x", "y")
                gates = (
                    torch_rotation(outer, theta[w]),
                    torch_rotation(inner, angles[:, first + per * q + j]),
                    torch_rotation(outer, theta[w + 1]),
                )
                w += 2
                if fused:
                    g = gates[2] @ gates[1] @ gates[0]
                    total = g if total is None else g @ total
                else:
                    for g in gates:
                        state = torch_apply(state, q, g, n)
            if fused:
                assert total is not None
                state = torch_apply(state, q, total, n)

    for blk in range(3):
        for lay in range(depth):
            layer(last=blk == 2 and lay == depth - 1)
        if blk < 2:
            encode(0 if blk == 0 else nf // 2)
            state = state * ring
    assert w == theta.shape[0], (w, theta.shape)
    xs, zs = [], []
    for q in range(5):
        s = state.reshape(b, 1 << q, 2, 1 << (n - 1 - q))
        a0, a1 = s[:, :, 0, :], s[:, :, 1, :]
        xs.append(2.0 * (a0.conj() * a1).real.sum(dim=(1, 2)))
        zs.append((a0.abs() ** 2 - a1.abs() ** 2).sum(dim=(1, 2)))
    return torch.stack(xs + zs, dim=1)


def torch_hvp(
    theta: np.ndarray,
    angles: np.ndarray,
    labels: np.ndarray,
    v: np.ndarray,
    depth: int,
    fused: bool,
    double: bool = False,
) -> np.ndarray:
    """H v of the mean cross-entropy of ``100 * outputs`` by double back-prop.

    In complex64 (float32 weights), as the paper; ``double=True``: complex128.
    """
    import torch

    dtype = torch.float64 if double else torch.float32

    th = torch.tensor(theta, dtype=dtype, requires_grad=True)
    x = torch.tensor(angles, dtype=dtype)
    logits = 100.0 * torch_outputs(th, x, depth, fused)
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(labels))
    (g,) = torch.autograd.grad(loss, th, create_graph=True)
    (hv,) = torch.autograd.grad(g @ torch.tensor(v, dtype=dtype), th)
    return hv.detach().numpy().astype(float)


# --------------------------------------------------------------------------------------------
# stages
# --------------------------------------------------------------------------------------------


def stage_adjoint(sc: Scale) -> dict:
    """Stage 1: through bench_adjoint's workloads and timing loop."""
    sys.path.insert(0, str(HERE))
    import bench_adjoint  # a sibling script, not a package

    est = BatchedEstimator()
    rng = np.random.default_rng(0)
    print(
        f"paper circuit patch_circuit(8, 64, {sc.depth}), readout_observables(8, 10), B = 256; "
        f"'patch': 4 weight rows x 64 input rows; 'random': random rows; best of "
        f"{sc.adjoint_rounds} interleaved rounds; 'old' = the previous one-binding-at-a-time "
        "adjoint (bench_adjoint.py)"
    )
    print(
        f"{'rows':>7} {'fwd ms/b':>9} {'vjp ms/b':>9} {'(f+vjp)/f':>10} {'jvp/f':>6} "
        f"{'hvp/f':>6} {'(f+old)/f':>10}"
    )
    out = {}
    for kind in ("patch", "random"):
        qc, obs, v, t, w, u = bench_adjoint.workload(sc.depth, kind, rng)
        new = est.vjp(qc, obs, v, u)
        old = bench_adjoint.old_vjp(est, qc, obs, v, u)
        assert np.abs(new - old).max() < 1e-10 * max(1.0, np.abs(old).max())
        times = bench_adjoint.best_times(
            bench_adjoint.options(est, qc, obs, v, t, w, u), sc.adjoint_rounds
        )
        f, nb = times["fwd"], len(v)
        ratio = (f + times["vjp"]) / f
        out[kind] = ratio
        print(
            f"{kind:>7} {f / nb * 1e3:>9.4f} {times['vjp'] / nb * 1e3:>9.4f} {ratio:>10.2f} "
            f"{times['jvp'] / f:>6.2f} {times['hvp'] / f:>6.2f} "
            f"{(f + times['old']) / f:>10.2f}",
            flush=True,
        )
    print(
        f"adjoint gradient / forward: {out['patch']:.2f}x (patch rows), "
        f"{out['random']:.2f}x (random rows); target <= 3x"
    )
    return out


def torch_route(fused: bool, threads: int) -> str:
    """Name of a torch route in stage 2's table."""
    return f"torch {'fused' if fused else 'gate by gate'}, {threads} thread{'s' * (threads > 1)}"


def stage_torch(sc: Scale) -> dict:
    """Stage 2: the package's exact HVP against torch double back-prop on one patch."""
    import torch

    d, b = sc.depth, sc.torch_batch
    digits = load_digits()
    x = digits.data[:b] / 16.0  # 8x8 images: one patch covers the whole image
    y = digits.target[:b].astype(np.int64)
    layout = PatchLayout.grid((8, 8), (8, 8), 1)
    qnn2 = PatchQNN(layout, d, num_qubits=8, num_classes=10)
    one = BatchedEstimator(num_threads=1)
    qnn1 = PatchQNN(layout, d, num_qubits=8, num_classes=10, estimator=one)
    w = qnn2.initial_weights(seed=0)
    v = np.random.default_rng(1).standard_normal(qnn2.num_weights)
    angles = x * qnn2.model.input_scale
    print(
        f"one patch of patch_circuit(8, 64, {d}) ({qnn2.num_weights} weights), B = {b} digits "
        "images (8x8, the patch covers the image); loss: mean softmax cross-entropy of "
        "100 * outputs; weights U[0, pi) (seed 0); v ~ N(0, 1)"
    )
    # the two forward passes agree first
    ref = qnn2.forward(x, w) / qnn2.model.coefficient
    for fused in (False, True):
        with torch.no_grad():
            th = torch.tensor(w, dtype=torch.float32)
            f32 = torch_outputs(th, torch.tensor(angles, dtype=torch.float32), d, fused)
        dev = float(np.abs(f32.numpy() - ref).max())
        kind = "fused" if fused else "gate by gate"
        print(f"forward, torch complex64 ({kind}) vs package (complex128): max |dev| {dev:.2e}")
        assert dev < 1e-5, dev
    # the same function: a complex128 torch HVP against the package's, on a few samples
    nchk = sc.check_batch
    hp = loss_hessian(qnn2, x[:nchk], y[:nchk], w, method="hvp", progress=False).matvec(v)
    h64 = torch_hvp(w, angles[:nchk], y[:nchk], v, d, fused=True, double=True)
    rel64 = float(np.linalg.norm(h64 - hp) / np.linalg.norm(hp))
    print(
        f"HVP, torch complex128 vs package, first {nchk} samples: relative difference {rel64:.1e}"
    )
    # timed, on all B samples
    hess = {
        "package, 2 threads": loss_hessian(qnn2, x, y, w, method="hvp", progress=False),
        "package, 1 thread": loss_hessian(qnn1, x, y, w, method="hvp", progress=False),
    }
    results: dict[str, np.ndarray] = {}

    def pkg(name: str) -> Callable[[], None]:
        def run() -> None:
            results[name] = hess[name].matvec(v)

        return run

    def tch(fused: bool, threads: int) -> Callable[[], None]:
        def run() -> None:
            before = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                results[torch_route(fused, threads)] = torch_hvp(w, angles, y, v, d, fused)
            finally:
                torch.set_num_threads(before)

        return run

    fns: dict[str, Callable[[], None]] = {name: pkg(name) for name in hess}
    for fused in (False, True):
        for threads in (1, 2):
            fns[torch_route(fused, threads)] = tch(fused, threads)
    for name in hess:  # warm-up (the circuit's program, the kernels)
        fns[name]()
    times = best_of(fns, 1)
    # later rounds: the package and the torch routes within 1.5x of the fastest torch so far
    fastest = min(t for n, t in times.items() if n.startswith("torch"))
    again = {n: f for n, f in fns.items() if not n.startswith("torch") or times[n] < 1.5 * fastest}
    for name, t in best_of(again, sc.torch_rounds - 1).items():
        times[name] = min(times[name], t)
    rounds = {n: sc.torch_rounds if n in again else 1 for n in fns}
    ref_hv = results["package, 2 threads"]

    def rel(name: str) -> float:
        return float(np.linalg.norm(results[name] - ref_hv) / np.linalg.norm(ref_hv))

    print(
        "best of interleaved rounds (a torch route more than 1.5x slower than the fastest in "
        "the first round is not repeated); the package's times leave out the one forward pass "
        "of its construction, torch's include the forward of every product; rel. diff = "
        "relative difference to the package's HVP (2 threads)"
    )
    print(
        f"{'route':<30} {'rounds':>6} {'s per HVP':>10} {'ms per (sample, patch)':>23} "
        f"{'rel. diff':>10}"
    )
    for name, t in times.items():
        print(f"{name:<30} {rounds[name]:>6} {t:>10.3f} {t / b * 1e3:>23.3f} {rel(name):>10.1e}")
    torch_t, torch_name = min((t, n) for n, t in times.items() if n.startswith("torch"))
    pkg_t = times["package, 2 threads"]
    speedup = torch_t / pkg_t
    print(
        f"HVP speed-up, package (2 threads) over the best torch ({torch_name}): {speedup:.1f}x "
        f"(target >= 20x); relative difference of the two HVP vectors {rel(torch_name):.1e} "
        f"(complex64 rounding; torch in complex128 agrees to {rel64:.0e})"
    )
    return {
        "ms_per_sp_2": pkg_t / b * 1e3,
        "ms_per_sp_1": times["package, 1 thread"] / b * 1e3,
        "torch_ms_per_sp": torch_t / b * 1e3,
        "speedup": speedup,
    }


def stage_lambda(sc: Scale) -> dict:
    """Stage 3: lambda_max of the 4-patch model by eigsh and by power iteration."""
    x, y = digits_14x14(sc.samples)
    qnn = paper_qnn(sc.depth)
    k = qnn.num_patches
    print(
        f"model: 4 patches (8x8 at offsets {{0, 6}}^2 of 14x14), 8 qubits, d = {sc.depth}: "
        f"{qnn.num_weights - 196} weights + 196 bias = {qnn.num_weights}; mean x 100"
    )
    print(
        f"data: N = {sc.samples} images: scikit-learn digits (8x8, /16) resized to 14x14 by "
        "scipy.ndimage.zoom(order=1, bilinear), clipped to [0, 1]; images beyond 1,797 are "
        "one-pixel shifts (right, then down, ...) of them"
    )
    cfg = TrainConfig(
        epochs=sc.train_epochs,
        batch_size=sc.train_batch,
        learning_rate=0.01,
        schedule="constant",
        seed=0,
    )
    start = time.perf_counter()
    res = train(qnn, x, y, config=cfg, progress=False)
    steps = sc.train_epochs * int(np.ceil(sc.samples / sc.train_batch))
    hist = res.history
    print(
        f"point: {steps} adjoint Adam steps from the paper's U[0, pi) initialisation (seed 0; "
        f"batches of {sc.train_batch}, lr 0.01, weight decay 5e-5) in "
        f"{time.perf_counter() - start:.1f} s; full-set loss {hist[0]['train_loss']:.3f} -> "
        f"{hist[-1]['train_loss']:.3f}, accuracy {hist[0]['train_accuracy']:.3f} -> "
        f"{hist[-1]['train_accuracy']:.3f}"
    )
    w = res.trajectory[-1]
    start = time.perf_counter()
    hess = loss_hessian(qnn, x, y, w, method="hvp", progress=False)
    t_build = time.perf_counter() - start
    print(
        f"MatrixFreeHessian built (one forward over {sc.samples} x {k} bindings) in "
        f"{t_build:.1f} s; {len(hess._chunks)} chunk(s) of <= {hess.max_bindings} bindings"
    )
    before = hess.num_matvecs
    start = time.perf_counter()
    vals, vecs = hess.eigenvectors(1, "LA", tol=sc.eigsh_tol)
    t_eig = time.perf_counter() - start
    n_eig = hess.num_matvecs - before
    lam = float(vals[0])
    resid = float(np.linalg.norm(hess.matvec(vecs[:, 0]) - lam * vecs[:, 0]))
    print(
        f"eigsh (Lanczos, k = 1, 'LA', tol = {sc.eigsh_tol:g}): lambda_max = {lam:.6f}, "
        f"{n_eig} HVPs, {t_eig:.1f} s; residual ||H u - lambda u|| = {resid:.2e} "
        f"(bounds the error of lambda: {resid / abs(lam):.1e} relative; one more HVP)"
    )
    before = hess.num_matvecs
    start = time.perf_counter()
    pit = hess.power_iteration(tol=1e-3, max_iterations=100, seed=0)
    t_pi = time.perf_counter() - start
    n_pi = hess.num_matvecs - before
    rel = abs(pit.value - lam) / abs(lam)
    print(
        f"power iteration (PyHessian's rule, tol 1e-3, at most 100): lambda = {pit.value:.6f}, "
        f"{n_pi} HVPs, {t_pi:.1f} s, converged {pit.converged}"
    )
    print(f"  estimates: {', '.join(f'{h:.4f}' for h in pit.history)}")
    if abs(pit.value - lam) / abs(lam) >= 1e-3:
        more, used, done = continue_power(hess.matvec, pit.vector, 1e-6, sc.power_more)
        print(
            f"  PyHessian's rule stopped on a small change, not on a small error: continued from "
            f"its last vector to a relative change < 1e-6 ({'reached' if done else 'not reached'}"
            f"): lambda = {more:.6f} after {used} more HVPs, relative difference to eigsh "
            f"{abs(more - lam) / abs(lam):.1e}"
        )
    print(
        f"lambda_max: eigsh {lam:.6f} vs power iteration {pit.value:.6f}: relative difference "
        f"{rel:.1e} ({'within' if rel < 1e-3 else 'NOT within'} 1e-3)"
    )
    per_sp = (t_eig + t_pi) / ((n_eig + n_pi) * sc.samples * k)
    print(
        f"per HVP: {(t_eig + t_pi) / (n_eig + n_pi):.2f} s = {per_sp * 1e3:.3f} ms per "
        f"(sample, patch) (eigsh and power iteration together, 2 threads)"
    )
    return {"n_eig": n_eig, "n_pi": n_pi, "s_per_sp": per_sp, "t_build": t_build, "k": k}


def continue_power(
    matvec: Callable[[np.ndarray], np.ndarray], v: np.ndarray, tol: float, most: int
) -> tuple[float, int, bool]:
    """More power iteration from ``v``: ``(estimate, products used, converged)``."""
    value = None
    for it in range(1, most + 1):
        hv = matvec(v)
        new = float(v @ hv)
        v = hv / np.linalg.norm(hv)
        if value is not None and abs(new - value) / (abs(value) + 1e-6) < tol:
            return new, it, True
        value = new
    return float(value if value is not None else np.nan), most, False


MEMORY_CHILD = "--child-memory"


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (``VmHWM`` of ``/proc/self/status``).

    Not ``resource.getrusage(...).ru_maxrss``: on Linux that keeps the high-water mark of the
    address space a process replaced by ``exec``, so a child started by a large parent reports
    at least the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def memory_child(num: int, depth: int, max_bindings: int, hvps: int) -> None:
    """Child of stage 4: a few HVPs of the paper model on ``num`` images; print JSON."""
    start = time.perf_counter()
    x, y = digits_14x14(num)
    qnn = paper_qnn(depth)
    w = qnn.initial_weights(seed=0)
    base = peak_rss_mib()
    hess = loss_hessian(qnn, x, y, w, method="hvp", max_bindings=max_bindings, progress=False)
    v = np.random.default_rng(1).standard_normal(qnn.num_weights)
    for _ in range(hvps):
        v = hess.matvec(v)
        v /= np.linalg.norm(v)
    out = {
        "base": base,
        "peak": peak_rss_mib(),
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": time.perf_counter() - start,
        "chunks": len(hess._chunks),
    }
    print(json.dumps(out))


def stage_memory(sc: Scale) -> dict:
    """Stage 4: peak RSS of fresh processes at growing N."""
    print(
        f"a fresh process per row: the 4-patch d = {sc.depth} model, {sc.memory_hvps} HVP(s) "
        "after the forward at construction; peak RSS = VmHWM of /proc/self/status (the "
        "child's ru_maxrss from resource.getrusage is at least its parent's RSS on Linux: it "
        "keeps the high-water mark of the forked copy replaced by exec); 'before' = peak RSS "
        "after imports, data and model; 'seconds' = the child's work after imports"
    )
    print(
        f"{'max_bindings':>12} {'N':>6} {'chunks':>6} {'before MiB':>11} {'peak MiB':>9} "
        f"{'ru_maxrss MiB':>14} {'seconds':>8}"
    )
    out = {}
    for mb in (8192, 2000):
        peaks = []
        for num in sc.memory_samples:
            cmd = [
                sys.executable,
                __file__,
                MEMORY_CHILD,
                str(num),
                str(sc.depth),
                str(mb),
                str(sc.memory_hvps),
            ]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            peaks.append(r["peak"])
            print(
                f"{mb:>12} {num:>6} {r['chunks']:>6} {r['base']:>11.0f} {r['peak']:>9.0f} "
                f"{r['ru_maxrss']:>14.0f} {r['seconds']:>8.1f}",
                flush=True,
            )
        out[mb] = max(peaks) / min(peaks)
        print(
            f"max_bindings {mb}{' (the default)' if mb == 8192 else ''}: peak RSS largest / "
            f"smallest over N = {sc.memory_samples[0]}..{sc.memory_samples[-1]}: {out[mb]:.2f}; "
            f"at N = {sc.memory_samples[-1]} / at N = {sc.memory_samples[0]}: "
            f"{peaks[-1] / peaks[0]:.2f}"
        )
    return out


COLD = r"""
import json, sys, time
t0 = float(sys.argv[1])
import numpy as np
import qiskit_patchqnn
from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.simulator import BatchedEstimator
out = {"package": qiskit_patchqnn.__file__}
out["imports"] = (time.time() - t0, time.process_time())
qc = patch_circuit(8, 64, int(sys.argv[3])).circuit
obs = readout_observables(8, 10)
v = np.random.default_rng(0).uniform(0, np.pi, (8, qc.num_parameters))
u = np.ones((8, 10))
est = BatchedEstimator()
for step in sys.argv[2].split("+"):
    if step == "forward":
        est.run([(qc, [[o] for o in obs], v)]).result()
    elif step == "vjp":
        est.vjp(qc, obs, v, u)
    else:
        est.hvp(qc, obs, v, v, u, u)
    out[step] = (time.time() - t0, time.process_time())
print(json.dumps(out))
"""


def cold_run(tree: Path, steps: str, depth: int, empty_cache: bool) -> dict:
    """A fresh process running ``steps`` with the package at ``tree``.

    Returns ``{step: (wall seconds since launch, CPU seconds of the process)}``.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, PYTHONPATH=str(tree))
        if empty_cache:
            env["NUMBA_CACHE_DIR"] = cache
        cmd = [sys.executable, "-c", COLD, repr(time.time()), steps, str(depth)]
        res = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert Path(out["package"]).resolve().is_relative_to(tree.resolve()), out["package"]
    return out


def stage_cold(sc: Scale) -> dict:
    """Stage 5: fresh process, empty Numba cache, to the first forward and derivative."""
    print(
        f"fresh process (python -c), paper circuit patch_circuit(8, 64, {sc.depth}), 8 bindings; "
        "wall seconds from launch (interpreter start and imports included) to the end of each "
        "call, and in brackets the process's CPU seconds by then (time.process_time: less "
        "sensitive to the other load on this machine than wall time); NUMBA_CACHE_DIR = an "
        f"empty temporary directory unless said otherwise; 'before' = commit {BEFORE_COMMIT} "
        "(git archive into a temporary directory, byte-compiled, on PYTHONPATH), which had no "
        "HVP: its derivative is the vjp; runs interleaved before/after"
    )
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", BEFORE_COMMIT, "qiskit_patchqnn"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(before)], check=True)
        runs = [
            ("before", before, "forward+vjp", True),
            ("after", REPO, "forward+hvp", True),
            ("before", before, "vjp", True),
            ("after", REPO, "hvp", True),
            ("after", REPO, "forward+hvp", False),
        ]
        for label, tree, steps, empty in runs:
            start_load = load()
            r = cold_run(tree, steps, sc.depth, empty)
            parts = [f"imports {r['imports'][0]:.1f} s ({r['imports'][1]:.1f})"] + [
                f"first {s} {r[s][0]:.1f} s ({r[s][1]:.1f})" for s in steps.split("+")
            ]
            cache = "empty cache" if empty else "warm cache"
            print(
                f"{label:<6} {steps:<11} {cache:<11} load {start_load:4.1f}: " + ", ".join(parts),
                flush=True,
            )
            out[(label, steps, empty)] = r
    bf, bd = out[("before", "forward+vjp", True)], out[("before", "vjp", True)]
    af, ad = out[("after", "forward+hvp", True)], out[("after", "hvp", True)]
    print(
        f"cold start (empty cache), wall s (CPU s): first forward {bf['forward'][0]:.1f} "
        f"({bf['forward'][1]:.1f}) before -> {af['forward'][0]:.1f} ({af['forward'][1]:.1f}) "
        f"after; first derivative alone (before: vjp, after: hvp) {bd['vjp'][0]:.1f} "
        f"({bd['vjp'][1]:.1f}) -> {ad['hvp'][0]:.1f} ({ad['hvp'][1]:.1f}); forward then the "
        f"derivative in one process {bf['vjp'][0]:.1f} ({bf['vjp'][1]:.1f}) -> "
        f"{af['hvp'][0]:.1f} ({af['hvp'][1]:.1f})"
    )
    return out


def stage_dask(sc: Scale) -> dict:
    """Stage 6: per-matvec overhead of ``client=`` on a 2-worker LocalCluster."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    print(
        "LocalCluster(n_workers=2, threads_per_worker=1, processes=True) against in-process "
        "(2 kernel threads); start-up and the first product (workers load the kernels) not "
        "timed; best of interleaved rounds"
    )
    print(
        f"{'model':<34} {'N':>5} {'chunks':>6} {'in-process s':>13} {'client s':>9} "
        f"{'overhead s':>11} {'ratio':>6} {'max rel dev':>12}"
    )
    out = {}
    try:
        cases = (
            (1, sc.dask_samples, sc.dask_samples, sc.dask_rounds),
            (sc.depth, sc.dask_samples, 2 * sc.dask_samples, sc.dask_big_rounds),
        )
        for depth, num, mb, rounds in cases:
            x, y = digits_14x14(num)
            qnn = paper_qnn(depth)
            w = qnn.initial_weights(seed=0)
            local = loss_hessian(qnn, x, y, w, method="hvp", max_bindings=mb, progress=False)
            remote = loss_hessian(
                qnn, x, y, w, method="hvp", max_bindings=mb, client=client, progress=False
            )
            v = np.random.default_rng(1).standard_normal(qnn.num_weights)
            a, b = local.matvec(v), remote.matvec(v)
            dev = float(np.abs(a - b).max() / np.abs(a).max())
            fns = {"local": partial(local.matvec, v), "dask": partial(remote.matvec, v)}
            times = best_of(fns, rounds)
            over = times["dask"] - times["local"]
            name = f"4 patches, d = {depth} ({qnn.num_weights} weights)"
            print(
                f"{name:<34} {num:>5} {len(local._chunks):>6} {times['local']:>13.3f} "
                f"{times['dask']:>9.3f} {over:>11.3f} {times['dask'] / times['local']:>6.2f} "
                f"{dev:>12.1e}",
                flush=True,
            )
            out[depth] = {"overhead": over, "ratio": times["dask"] / times["local"]}
    finally:
        client.close()
        cluster.close()
    print(
        f"per-matvec overhead of client= (small model, d = 1): {out[1]['overhead']:.3f} s, "
        f"{out[1]['ratio']:.2f}x in-process"
    )
    return out


def stage_extrapolate(sc: Scale, torch_res: dict, lam: dict, dask: dict) -> None:
    """Stage 7: the paper's 4qnn50 lambda_max over 60,000 images, extrapolated."""
    k, n = lam["k"], PAPER_SAMPLES
    t2 = lam["s_per_sp"]
    t1 = t2 * torch_res["ms_per_sp_1"] / torch_res["ms_per_sp_2"]
    t_fwd = lam["t_build"] / (sc.samples * k)
    over = dask[1]["overhead"]
    print(
        f"assumptions: time linear in samples at stage 3's {t2 * 1e3:.3f} ms per (sample, patch) "
        f"HVP (2 threads; 1 thread {t1 * 1e3:.3f} ms, scaled by stage 2's 1-/2-thread ratio); "
        f"the HVP counts of stage 3 ({lam['n_pi']} power iteration, {lam['n_eig']} eigsh) hold at "
        f"60,000 images; one forward at construction ({t_fwd * 1e3:.3f} ms per (sample, patch)); "
        f"a k-worker cluster = k single-thread workers as fast as one core of this machine, "
        f"samples split evenly, plus stage 6's {over:.3f} s per matvec (measured on 2 local "
        "workers; assumed not to grow with k)"
    )
    if sc.depth != 50:
        print(f"(--quick: d = {sc.depth}, not the paper's 50; the numbers are not the paper's)")
    print(f"{'where':<34} {'power iteration h':>18} {'eigsh h':>8} {'paper / ours (PI)':>18}")
    rows = [("this machine (2 cores)", n * k * t2, 0.0)] + [
        (f"{c}-worker cluster", n * k * t1 / c, over) for c in (2, 8, 32)
    ]
    for where, per_hvp, extra in rows:
        fwd = n * k * t_fwd * (per_hvp / (n * k * t2))
        hours = [(m * (per_hvp + extra) + fwd) / 3600 for m in (lam["n_pi"], lam["n_eig"])]
        print(
            f"{where:<34} {hours[0]:>18.2f} {hours[1]:>8.2f} "
            f"{PAPER_SECONDS / 3600 / hours[0]:>18.1f}"
        )
    print(
        f"paper: 4qnn50 lambda_max over 60,000 MNIST images by PyHessian power iteration on one "
        f"RTX 4090: {PAPER_SECONDS:.0f} s = {PAPER_SECONDS / 3600:.1f} h (its number of HVPs "
        "is not known to us)"
    )


def header() -> None:
    """Machine, versions and load."""
    import dask
    import torch

    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, load average "
        f"{load():.2f}, python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, qiskit {qiskit.__version__}, numba {numba.__version__} "
        f"(threads {numba.config.NUMBA_NUM_THREADS}), torch {torch.__version__}, dask "
        f"{dask.__version__}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == MEMORY_CHILD:
        memory_child(*(int(a) for a in sys.argv[2:6]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="down-scaled run (minutes)")
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="stages to run, e.g. 2,3")
    args = parser.parse_args()
    sc = QUICK if args.quick else FULL
    only = {int(s) for s in args.only.split(",")}
    header()
    print(f"# {'--quick: ' if args.quick else ''}{sc}")
    start = time.perf_counter()
    torch_res = lam = dask = None
    if 1 in only:
        with stage(1, "adjoint gradient / forward"):
            stage_adjoint(sc)
    if 2 in only:
        with stage(2, "HVP: package vs torch double back-prop"):
            torch_res = stage_torch(sc)
    if 3 in only:
        with stage(3, "lambda_max of the 4-patch model: eigsh vs power iteration"):
            lam = stage_lambda(sc)
    if 4 in only:
        with stage(4, "peak memory against N"):
            stage_memory(sc)
    if 5 in only:
        with stage(5, "cold start"):
            stage_cold(sc)
    if 6 in only:
        with stage(6, "distributed: client= on a 2-worker LocalCluster"):
            dask = stage_dask(sc)
    if 7 in only:
        with stage(7, "extrapolation to the paper's 60,000 images"):
            if torch_res is None or lam is None or dask is None:
                print("needs stages 2, 3 and 6")
            else:
                stage_extrapolate(sc, torch_res, lam, dask)
    print(f"\n# total {time.perf_counter() - start:.0f} s, load average at end {load():.2f}")


if __name__ == "__main__":
    main()
