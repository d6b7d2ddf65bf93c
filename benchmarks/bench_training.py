# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Training wall time of the README's model before and after the fast paths.

Model: 4 patches (5x5 on 8x8 digits, 5 qubits, depth 1), all 1437 training images, batches of
64 (23 Adam steps per epoch), 10 epochs, learning rate 0.03, cosine T_max = 10, seed 0.

Routes (all exact; the same gradient to rounding, so the same training trajectory):

1. parameter shift on Aer ``EstimatorV2`` (runtime parameter binding): the package before the
   fast estimator; timed on ``--aer-steps`` steps and extrapolated (said in the output);
2. parameter shift on :class:`~qiskit_patchqnn.simulator.BatchedEstimator`: timed on one epoch
   and extrapolated to 10;
3. adjoint vector-Jacobian products on ``BatchedEstimator`` (the default): the full 10-epoch
   run, with the test accuracy it reaches.

Run: ``python benchmarks/bench_training.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from qiskit_aer.primitives import EstimatorV2 as AerEstimator

from qiskit_patchqnn import PatchLayout, PatchQNN, TrainConfig, load_digits, train
from qiskit_patchqnn.training import _loss_gradient

AER_OPTIONS = {"backend_options": {"method": "statevector", "runtime_parameter_bind_enable": True}}


def steps_time(qnn: PatchQNN, x: np.ndarray, y: np.ndarray, w: np.ndarray, steps: int) -> float:
    """Seconds per optimizer step (loss gradient on a batch of 64)."""
    start = time.perf_counter()
    for s in range(steps):
        idx = np.arange(64 * s, 64 * (s + 1)) % len(x)
        _loss_gradient(qnn, x[idx], y[idx], w)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aer-steps", type=int, default=2)
    args = parser.parse_args()
    data = load_digits()
    layout = PatchLayout.grid((8, 8), (5, 5), 4)
    cfg = TrainConfig(epochs=10, batch_size=64, learning_rate=0.03, t_max=10, seed=0)
    steps_per_epoch = 23
    x, y = data.x_train, data.y_train

    fast = PatchQNN(layout, 1)
    w = fast.initial_weights(0)
    _loss_gradient(fast, x[:4], y[:4], w)  # JIT compile outside the timing
    start = time.perf_counter()
    result = train(fast, x, y, data.x_test, data.y_test, config=cfg, progress=False)
    t_adjoint = time.perf_counter() - start
    # full-set evaluations per epoch are part of every route; measure them once
    start = time.perf_counter()
    fast.forward(x, w)
    fast.forward(data.x_test, w)
    t_eval = time.perf_counter() - start

    shift = PatchQNN(layout, 1, gradient="parameter_shift")
    t_step_shift = steps_time(shift, x, y, w, steps_per_epoch)
    t_shift = 10 * (steps_per_epoch * t_step_shift + t_eval)

    aer = PatchQNN(layout, 1, estimator=AerEstimator(options=AER_OPTIONS))
    t_step_aer = steps_time(aer, x, y, w, args.aer_steps)
    start = time.perf_counter()
    aer.forward(x, w)
    aer.forward(data.x_test, w)
    t_eval_aer = time.perf_counter() - start
    t_aer = 10 * (steps_per_epoch * t_step_aer + t_eval_aer)

    print("training 4 patches x 80 weights, 1437 digits, 10 epochs x 23 steps of 64 samples")
    print(f"{'route':<58}{'seconds':>10}")
    aer_label = f"parameter shift on Aer EstimatorV2 (extrapolated from {args.aer_steps} steps)"
    print(f"{aer_label:<58}{'~' + format(t_aer, '.0f'):>10}")
    print(
        f"{'parameter shift on BatchedEstimator (extrapolated from 1 epoch)':<58}"
        f"{'~' + format(t_shift, '.1f'):>10}"
    )
    print(f"{'adjoint VJP on BatchedEstimator (measured, full run)':<58}{t_adjoint:>10.1f}")
    print(f"speed-up of the default over parameter shift on Aer: {t_aer / t_adjoint:.0f}x")
    print(
        f"speed-up of the default over parameter shift on BatchedEstimator: "
        f"{t_shift / t_adjoint:.1f}x"
    )
    print(
        f"test accuracy after 10 epochs (default route): {result.history[-1]['test_accuracy']:.4f}"
    )


if __name__ == "__main__":
    main()
