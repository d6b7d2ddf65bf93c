# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""What a sweep would submit to an estimator: circuit bindings per run, and in total.

The counts follow the code that runs: per epoch every training sample's gradient by parameter
shift (``1 + 2D`` bindings per sample and patch, ``D`` the shifted gate angles of a patch),
the train and test sets evaluated before training and after every epoch, the exact Hessian
(``hessian.compute.count_evaluations``) and the landscape grid. On the exact
default estimator training uses the adjoint method instead and costs far less; these counts are
for every other backend (Aer, fake devices, IBM hardware), where they are exact (tested against
the bindings actually sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..execution import CostEstimate, estimate_cost, measurement_bases
from .schema import SweepConfig
from .sections import RunSpec

__all__ = ["RunCost", "SweepCost", "run_cost", "sweep_cost"]


@dataclass(frozen=True)
class RunCost:
    """Circuit bindings one run sends, by stage.

    Attributes:
        run: the run's name.
        training: parameter-shift gradients of every optimizer step.
        evaluation: train and test losses before training and after each epoch.
        hessian: the exact loss Hessian (0 when disabled).
        landscape: the landscape scan (0 when the run has none).
    """

    run: str
    training: int
    evaluation: int
    hessian: int
    landscape: int

    @property
    def total(self) -> int:
        """All bindings of the run."""
        return self.training + self.evaluation + self.hessian + self.landscape


@dataclass(frozen=True)
class SweepCost:
    """Circuit bindings and shots of a whole sweep.

    Attributes:
        runs: per-run counts, in run order.
        num_bases: measurement bases per binding (2 for the readout ``X_q``/``Z_q``).
        shots: shots per circuit from the config, ``None`` for the backend's default.
    """

    runs: tuple[RunCost, ...]
    num_bases: int
    shots: int | None

    @property
    def num_bindings(self) -> int:
        """All bindings of all runs."""
        return sum(r.total for r in self.runs)

    @property
    def estimate(self) -> CostEstimate | None:
        """Circuits and total shots (``None`` without a shot count)."""
        if self.shots is None:
            return None
        return estimate_cost(self.num_bindings, self.shots, num_bases=self.num_bases)

    def __str__(self) -> str:
        runs = f"{len(self.runs)} run{'' if len(self.runs) == 1 else 's'}"
        est = self.estimate
        if est is not None:
            return f"{runs}: {est}"
        circuits = self.num_bindings * self.num_bases
        return (
            f"{runs}: {circuits:,} circuits ({self.num_bindings:,} bindings x "
            f"{self.num_bases} measurement bases) at the backend's default shots"
        )


def run_cost(config: SweepConfig, run: RunSpec, qnn: Any, num_train: int, num_test: int) -> RunCost:
    """Bindings one run sends to a backend without the adjoint method.

    Args:
        config: the sweep.
        run: the run.
        qnn: the run's model (its structure only; any estimator).
        num_train: training images.
        num_test: test images.

    Returns:
        The counts by stage.

    Example:
        >>> from qiskit_patchqnn.experiments import build_model, load_preset
        >>> cfg = load_preset("quick")
        >>> run = cfg.runs()[0]
        >>> cost = run_cost(cfg, run, build_model(cfg, run, 10), 1437, 360)
        >>> cost.training == 10 * 1437 * 4 * (1 + 2 * 80)
        True
    """
    from ..hessian.compute import count_evaluations

    k = qnn.num_patches
    d = qnn.shift_rule(qnn.model.input_bias or qnn.input_gradients).num_angles
    epochs = config.training.epochs
    training = epochs * num_train * k * (1 + 2 * d)
    evaluation = (epochs + 1) * (num_train + num_test) * k
    hessian = 0
    if config.hessian.enabled:
        hessian = count_evaluations(qnn, _samples(config.hessian.num_samples, num_train))
    landscape = 0
    if config.landscape.selects(run):
        n = _samples(config.landscape.num_samples, num_train)
        landscape = config.landscape.resolution**2 * n * k
    return RunCost(run.name, training, evaluation, hessian, landscape)


def sweep_cost(config: SweepConfig, data: Any | None = None) -> SweepCost:
    """Bindings and shots of every run of ``config`` on a backend without the adjoint method.

    Models are built on the exact simulator (only their structure counts), so nothing connects
    to a backend.

    Args:
        config: the sweep.
        data: its loaded dataset (default: :func:`~qiskit_patchqnn.experiments.load_sweep_data`).

    Returns:
        The per-run counts and the sweep's measurement bases and shots.

    Example:
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> cost = sweep_cost(load_preset("quick").with_backend("aer", 1000))
        >>> len(cost.runs), cost.num_bases, cost.shots
        (18, 2, 1000)
    """
    from .runner import build_model, load_sweep_data

    data = load_sweep_data(config.dataset) if data is None else data
    exact = config.with_backend("exact", None)
    runs = []
    bases = 1
    for run in config.runs():
        qnn = build_model(exact, run, data.num_classes)
        bases = measurement_bases(qnn.model.observables)
        runs.append(run_cost(config, run, qnn, len(data.x_train), len(data.x_test)))
    return SweepCost(tuple(runs), bases, config.backend.shots)


def _samples(n: int | None, available: int) -> int:
    return available if n is None or n >= available else int(n)
