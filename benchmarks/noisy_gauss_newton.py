# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Experiment: Gauss-Newton curvature of a trained 4-patch model on a noisy fake device.

The model is the ``quick`` preset's 4-patch, depth-1 model (5x5 patches of digits on 5 qubits,
80 weights per patch), trained on the exact simulator as ``patchqnn sweep --preset quick``
trains it (or loaded from a run directory with ``--run``). At its best checkpoint:

1. on the exact simulator, on ``--pool`` stratified training images: the full Hessian ``H``
   and its Gauss-Newton part ``G`` (top eigenvalues of both: how far ``G`` is from ``H``);
2. a shot budget (``--budget-shots``) is planned with :func:`qiskit_patchqnn.hessian.plan_budget`
   (samples x shots per circuit that minimise the error of lambda_max(G), variances from the
   exact simulator);
3. ``G`` is evaluated on ``fake:<device>`` (qiskit-ibm-runtime local testing mode, the
   client-side Estimator, ``--resilience`` level) with the plan's samples and shots, with
   parametric-bootstrap error bars over shots, and compared with the exact ``G`` on the same
   samples: the deviation in units of the error bar, and the bias.

The printed circuit count is checked against ``N * K * (1 + 2D) * bases``.

Run (minutes on two cores; the fake device's noisy simulation dominates)::

    python benchmarks/noisy_gauss_newton.py --budget-shots 1e7
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qiskit_patchqnn import PatchLayout, PatchQNN, TrainConfig, load_digits, train
from qiskit_patchqnn.execution import measurement_bases, resolve
from qiskit_patchqnn.hessian import count_evaluations, loss_hessian, plan_budget, seconds_per_shot


def model(estimator=None, pass_manager=None) -> PatchQNN:
    return PatchQNN(
        PatchLayout.grid((8, 8), (5, 5), 4),
        1,
        num_qubits=5,
        num_classes=10,
        estimator=estimator,
        pass_manager=pass_manager,
    )


def stratified(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out: list[int] = []
    classes = np.unique(y)
    per = [rng.permutation(np.flatnonzero(y == c)) for c in classes]
    depth = 0
    while len(out) < n:
        for members in per:
            if depth < len(members) and len(out) < n:
                out.append(int(members[depth]))
        depth += 1
    return np.sort(np.array(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="fake_manila")
    parser.add_argument("--budget-shots", type=float, default=1e7)
    parser.add_argument("--pool", type=int, default=16, help="candidate training images")
    parser.add_argument("--resilience", type=int, default=1, choices=(0, 1, 2))
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=16, help="Monte Carlo draws per plan row")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = load_digits()
    exact = model()
    t0 = time.perf_counter()
    result = train(
        exact,
        data.x_train,
        data.y_train,
        config=TrainConfig(epochs=10, batch_size=64, learning_rate=0.03, t_max=10, seed=0),
        progress=False,
    )
    w = result.best_weights
    print(
        f"trained {exact.num_patches} patches x {exact.weights_per_patch} weights in "
        f"{time.perf_counter() - t0:.0f} s; best epoch {result.best_epoch}, train loss "
        f"{result.history[result.best_index]['train_loss']:.4f}"
    )
    idx = stratified(data.y_train, args.pool, args.seed)
    x, y = data.x_train[idx], data.y_train[idx]

    h = loss_hessian(exact, x, y, w, progress=False)
    g = loss_hessian(exact, x, y, w, parts="gauss_newton", progress=False)
    print(f"\nexact, {len(x)} images: top eigenvalues")
    print(f"  H (full)         {np.array2string(h.eigenvalues(5), precision=4)}")
    print(f"  G (Gauss-Newton) {np.array2string(g.eigenvalues(5), precision=4)}")
    print(f"  residual part: |R|_2 = {np.abs(h.eigenvalues(1, 'LM', 'residual'))[0]:.4g}")

    est, pm = resolve(
        f"fake:{args.device}",
        shots=1,  # replaced below by the plan's shots
        seed=args.seed,
        options={"resilience_level": args.resilience},
    )
    device_model = model(est, pm)
    rate = seconds_per_shot(device_model)
    plan = plan_budget(
        exact,
        x,
        y,
        w,
        budget_shots=args.budget_shots,
        rate=rate,
        repeats=args.repeats,
        seed=args.seed,
    )
    print(f"\n{plan}")

    sub = stratified(y, plan.num_samples, args.seed + 1)
    xs, ys = x[sub], y[sub]
    est, pm = resolve(
        f"fake:{args.device}",
        shots=plan.shots,
        seed=args.seed,
        options={"resilience_level": args.resilience},
    )
    device_model = model(est, pm)
    bases = measurement_bases(list(device_model.executor.observables))
    formula = count_evaluations(device_model, len(xs), "gauss_newton")
    t0 = time.perf_counter()
    noisy = loss_hessian(
        device_model,
        xs,
        ys,
        w,
        parts="gauss_newton",
        bootstrap=args.bootstrap,
        seed=args.seed,
        progress=False,
    )
    seconds = time.perf_counter() - t0
    ref = loss_hessian(exact, xs, ys, w, parts="gauss_newton", progress=False)
    vals, stds = noisy.eigenvalues(3, return_std=True)
    ref3 = ref.eigenvalues(3)
    d = device_model.shift_rule(False).num_angles
    print(
        f"\nfake_{args.device.removeprefix('fake_')} (local mode, client-side Estimator, "
        f"resilience level {args.resilience}), {len(xs)} images x {plan.shots:,} shots, "
        f"{seconds:.0f} s:"
    )
    print(
        f"  circuits: {noisy.num_evaluations:,} bindings x {bases} bases = "
        f"{noisy.num_evaluations * bases:,}; formula N K (1 + 2D) = {len(xs)} x "
        f"{device_model.num_patches} x (1 + 2 x {d}) = {formula:,} bindings "
        f"({'equal' if noisy.num_evaluations == formula else 'DIFFERENT'})"
    )
    print(f"  {'':>4} {'exact G':>10} {'device G':>10} {'± boot':>8} {'z':>6}")
    for i in range(3):
        z = (vals[i] - ref3[i]) / stds[i] if stds[i] > 0 else float("inf")
        print(f"  l{i + 1:<3} {ref3[i]:>10.4g} {vals[i]:>10.4g} {stds[i]:>8.3g} {z:>6.2f}")
    bias = (vals - ref3) / ref3
    print(
        "  relative bias of the device values: "
        + ", ".join(f"{b:+.1%}" for b in bias)
        + "  (|z| <= 3: within three bootstrap error bars; larger: device-noise bias, which "
        "the shot-noise error bars do not cover)"
    )


if __name__ == "__main__":
    main()
