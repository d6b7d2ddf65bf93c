# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""What a sweep costs: circuit bindings per run on a backend, and wall-clock time here.

**Counts** (:func:`sweep_cost`) follow the code that runs: per epoch every training sample's
gradient by parameter shift (``1 + 2D`` bindings per sample and patch, ``D`` the shifted gate
angles of a patch), the train and test sets evaluated before training and after every epoch,
the parameter-shift Hessian (``hessian.compute.count_evaluations``, its ``parts`` and
``repetitions``) and the landscape grid. On the exact default estimator training uses the
adjoint method instead and costs far less; these counts are for every other backend (Aer, fake
devices, IBM hardware), where they are exact (tested against the bindings actually sent).

**Times** (:func:`time_estimate`) are for the exact simulator on this machine: a short
calibration measures seconds per binding of each kernel on every depth's own circuit
(:func:`measure_throughput`), and the run's work is counted in those units: adjoint training
steps, the per-epoch evaluations, the Hessian (Hessian-vector products for ``method = "hvp"``,
an assumed number of them for Lanczos) and the landscape grid.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..execution import CostEstimate, estimate_cost, measurement_bases
from .schema import SweepConfig
from .sections import HessianSpec, RunSpec

__all__ = [
    "RunCost",
    "RunTime",
    "SweepCost",
    "Throughput",
    "TimeEstimate",
    "assumed_eigen_products",
    "format_duration",
    "makespan",
    "measure_throughput",
    "run_cost",
    "sweep_cost",
    "time_estimate",
]


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
    spec = config.hessian
    if spec.enabled:
        n = _samples(spec.num_samples, num_train)
        hessian = count_evaluations(qnn, n, spec.parts) * spec.repetitions
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


# ----------------------------------------------------------------------------- wall-clock time
@dataclass(frozen=True)
class Throughput:
    """Seconds per binding (one sample through one patch circuit), measured on one circuit.

    Attributes:
        depth: layers per trainable block of the circuit.
        num_qubits: its width.
        num_values: parameter values of one binding (a patch's inputs and weights).
        num_patches: patches of the model it was measured on (bindings are patch-major:
            ``bindings / num_patches`` samples share each patch's weights, as in training).
        bindings: bindings per timed call.
        threads: kernel threads it ran on.
        repeats: timed calls per kernel; the fastest is kept.
        forward: the forward pass (:meth:`PatchQNN.forward <qiskit_patchqnn.PatchQNN.forward>`).
        vjp: the adjoint vector-Jacobian product (:meth:`PatchQNN.vjp
            <qiskit_patchqnn.PatchQNN.vjp>`); a training step costs ``forward + vjp``.
        jvp: the tangent sweep of a Hessian-vector product.
        hvp: the second-order adjoint sweep of a Hessian-vector product (with its cotangent).
        product: one whole loss Hessian-vector product per binding
            (:meth:`MatrixFreeHessian.matvec <qiskit_patchqnn.hessian.MatrixFreeHessian.matvec>`:
            ``jvp + hvp`` and the work around them).
        shift_hessian: the parameter-shift loss Hessian per binding (its shifted points share
            most of their work), or ``None`` when not measured.
    """

    depth: int
    num_qubits: int
    num_values: int
    num_patches: int
    bindings: int
    threads: int
    repeats: int
    forward: float
    vjp: float
    jvp: float
    hvp: float
    product: float
    shift_hessian: float | None = None


_SHIFT_CAP = 1 << 20
"""Most bindings of a one-sample parameter-shift Hessian that a calibration times."""


def measure_throughput(
    qnn: Any,
    images: np.ndarray,
    *,
    bindings: int = 256,
    repeats: int = 2,
    seed: int = 0,
    shift_hessian: bool = False,
) -> Throughput:
    """Time each kernel of the exact simulator on ``qnn``'s circuit, per binding.

    Every kernel runs on ``ceil(bindings / K)`` samples through all ``K`` patches: once
    untimed (compiling it, or loading Numba's cache), then at least ``repeats`` times, and up
    to 10 times while it has run less than a quarter of a second in all; the fastest call
    counts. With ``shift_hessian`` the parameter-shift loss Hessian
    (:func:`~qiskit_patchqnn.hessian.loss_hessian`) of one sample is timed the same way, if it
    needs at most ``2**20`` bindings. The numbers are this machine's, now: a machine shared
    with other jobs measures slower. Small circuits run faster per binding in larger calls
    (the Python work of a call is shared by more bindings) than in these few hundred.

    Args:
        qnn: a model on the exact simulator (``estimator="exact"`` or a
            :class:`~qiskit_patchqnn.simulator.BatchedEstimator`; its ``num_threads`` is used).
        images: at least one image ``(N, H*W)`` of the model's shape (repeated if fewer).
        bindings: bindings per timed call (a few hundred).
        repeats: timed calls per kernel.
        seed: seeds the weights, cotangents and directions.
        shift_hessian: also time the parameter-shift Hessian.

    Returns:
        Seconds per binding of each kernel.

    Raises:
        ValueError: ``qnn`` not on the exact simulator, or ``bindings``/``repeats`` below 1.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)
        >>> tp = measure_throughput(qnn, np.zeros((1, 16)), bindings=8, repeats=1)
        >>> tp.bindings, tp.num_values, tp.forward > 0 and tp.product > 0
        (8, 39, True)
    """
    from ..derivatives import Adjoint
    from ..hessian import MatrixFreeHessian, loss_hessian
    from ..hessian.compute import count_evaluations
    from ..simulator.ops import max_threads

    sim = qnn.executor.simulator
    if sim is None:
        raise ValueError(
            "a time estimate measures the exact simulator; the model's estimator is "
            f"{type(qnn.executor.estimator).__name__} (use backend 'exact')"
        )
    if bindings < 1:
        raise ValueError(f"bindings must be >= 1, got {bindings}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    model = qnn.model
    k = model.num_patches
    n = max(1, -(-bindings // k))
    x = np.asarray(images, dtype=float).reshape(-1, model.num_inputs)
    x = np.resize(x, (n, model.num_inputs))
    rng = np.random.default_rng(seed)
    w = qnn.initial_weights(rng)
    labels = np.arange(n) % model.num_classes
    cot = rng.standard_normal((n, model.num_classes))
    direction = rng.standard_normal(model.num_weights)
    adjoint, obs = Adjoint(model.plan), qnn.executor.observables
    tangent = model.local_tangents(direction)  # (K, L)

    # patch-major bindings, as the matrix-free Hessian sends them
    values = np.swapaxes(model.local_values(x, w), 0, 1).reshape(k * n, -1)
    tangents = np.repeat(tangent, n, axis=0)
    per_binding = np.tile(cot, (k, 1))
    hess = MatrixFreeHessian(qnn, x, labels, w)
    timed: dict[str, Callable[[], Any]] = {
        "forward": lambda: qnn.forward(x, w),
        "vjp": lambda: qnn.vjp(x, w, cot),
        "jvp": lambda: adjoint.jvp(sim, obs, values, tangents),
        "hvp": lambda: adjoint.hvp(sim, obs, values, tangents, per_binding, per_binding),
        "product": lambda: hess.matvec(direction),
    }
    shift_bindings = count_evaluations(qnn, 1)
    if shift_hessian and shift_bindings <= _SHIFT_CAP:
        timed["shift_hessian"] = lambda: loss_hessian(qnn, x[:1], labels[:1], w, progress=False)
    for call in timed.values():  # compile (or load from cache) every specialisation first
        call()
    seconds = {name: t / (n * k) for name, t in _best_times(timed, repeats).items()}
    if "shift_hessian" in seconds:
        seconds["shift_hessian"] *= n * k / shift_bindings
    threads = getattr(sim, "_num_threads", None) or max_threads()
    return Throughput(
        depth=int(model.depth),
        num_qubits=int(model.plan.circuit.num_qubits),
        num_values=int(model.num_features + model.weights_per_patch),
        num_patches=k,
        bindings=n * k,
        threads=int(threads),
        repeats=repeats,
        **seconds,
    )


def _best_times(calls: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Seconds of the fastest of at least ``repeats`` timed calls of each, in rounds.

    A call that has run less than ``_MIN_SECONDS`` in all gets more rounds (at most
    ``_MAX_ROUNDS``), so that sub-millisecond calls are not one noisy sample.
    """
    spent = dict.fromkeys(calls, 0.0)
    best = dict.fromkeys(calls, math.inf)
    for round_ in range(max(repeats, _MAX_ROUNDS)):
        todo = [k for k in calls if round_ < repeats or spent[k] < _MIN_SECONDS]
        if not todo:
            break
        for name in todo:
            start = time.perf_counter()
            calls[name]()
            took = time.perf_counter() - start
            spent[name] += took
            best[name] = min(best[name], took)
    return best


_MIN_SECONDS = 0.25
_MAX_ROUNDS = 10


def assumed_eigen_products(k: int) -> int:
    """Hessian-vector products assumed for the top ``k`` eigenvalues by Lanczos (``eigsh``).

    ARPACK's implicitly restarted Lanczos builds a basis of ``ncv = max(2k + 1, 20)`` vectors,
    one product each, and restarts until the ``k`` values converge; at the tolerance the sweep
    uses (``1e-6``) we assume **two bases**: ``2 * ncv`` products (40 for ``k <= 9``). This is
    an assumption, not a bound. Measured on three digits models (4-9 patches, 320-990 weights,
    300 images): at the best checkpoint 21 products for the top 1 and top 5 and 40 for the top
    12; at the initial weights 21, 33-45 and 73-79. For comparison, the paper's PyHessian
    power iteration stops at a relative change below ``1e-3`` or after 100 products (6-33 on
    the same models).

    Example:
        >>> assumed_eigen_products(1), assumed_eigen_products(12)
        (40, 50)
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return 2 * max(2 * k + 1, 20)


@dataclass(frozen=True)
class RunTime:
    """Estimated seconds of one run on the exact simulator, by stage.

    Attributes:
        run: the run's name.
        training: adjoint gradients of every optimizer step (``forward + vjp`` per binding).
        evaluation: the full train and test sets before training and after each epoch.
        hessian: the loss Hessian at its checkpoint.
        landscape: the landscape scan (0 when the run has none).
        hessian_products: Hessian-vector products assumed over the Hessian's samples
            (``method = "hvp"``; 0 for the parameter-shift route).
    """

    run: str
    training: float
    evaluation: float
    hessian: float
    landscape: float
    hessian_products: int = 0

    @property
    def total(self) -> float:
        """All stages of the run."""
        return self.training + self.evaluation + self.hessian + self.landscape


@dataclass(frozen=True)
class TimeEstimate:
    """Estimated wall-clock time of a sweep on this machine, from measured throughput.

    Attributes:
        runs: per-run times in-process (kernels on all of this process's threads), in run
            order.
        throughput: the rates they come from, one per depth.
        worker_runs: per-run times on one single-threaded Dask worker (measured with one
            kernel thread), or ``None`` when no workers were asked for.
        worker_throughput: the one-thread rates, one per depth.
        workers: Dask workers the sweep would run on (``None``: in-process only).
        notes: what the estimate assumes and leaves out, one line each.
    """

    runs: tuple[RunTime, ...]
    throughput: tuple[Throughput, ...]
    worker_runs: tuple[RunTime, ...] | None = None
    worker_throughput: tuple[Throughput, ...] = ()
    workers: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        """Seconds of the whole sweep in-process (runs one after another)."""
        return sum(r.total for r in self.runs)

    @property
    def on_workers(self) -> float | None:
        """Seconds of the sweep on :attr:`workers` Dask workers (``None`` without workers).

        Runs are independent tasks and nothing inside a run is split, so this is the
        makespan of giving each run, in run order, to the first free worker: at least the
        longest run, at least the one-worker total divided by the workers.
        """
        if self.worker_runs is None or not self.workers:
            return None
        return makespan([r.total for r in self.worker_runs], self.workers)


def makespan(durations: list[float], workers: int) -> float:
    """When the last of ``durations`` ends, each started in order on the first free worker.

    Example:
        >>> makespan([3.0, 1.0, 1.0, 1.0], 2)
        3.0
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    free = [0.0] * min(workers, max(1, len(durations)))
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


def time_estimate(
    config: SweepConfig,
    data: Any | None = None,
    *,
    workers: int | None = None,
    bindings: int = 256,
    repeats: int = 2,
    eigen_products: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> TimeEstimate:
    """Wall-clock time of every run of ``config`` on the exact simulator on this machine.

    For every depth of the sweep the kernels are timed on that depth's circuit
    (:func:`measure_throughput`, on the model with the fewest patches), then each run's work
    is counted in seconds per binding (``K`` patches, ``E`` epochs, ``N``/``N_test`` training
    and test images):

    * training: ``E * N * K * (forward + vjp)``: every mini-batch's adjoint gradient;
    * evaluation: ``(E + 1) * (N + N_test) * K * forward``: the full sets per epoch;
    * Hessian, ``method = "hvp"`` on ``N_h`` samples: ``N_h * K * (forward + p * product)``
      with ``p`` products: :func:`assumed_eigen_products` for Lanczos (or ``eigen_products``),
      plus ``trace_probes`` (trace), ``density_runs * density_steps`` (density), Lanczos again
      on ``subset_samples`` and ``block_norm_probes`` per weight block on
      ``block_norm_samples`` samples, as configured; ``method = "parameter_shift"``: its
      bindings (:func:`run_cost`) times the forward;
    * landscape: ``resolution**2 * N_l * K * forward`` (plus a parameter-shift Hessian for
      ``method = "hessian"``).

    With ``workers`` the kernels are timed again on one thread (a Dask worker of
    :func:`~qiskit_patchqnn.experiments.run_sweep` has one), and the sweep's time on the
    workers is the makespan of its runs (:attr:`TimeEstimate.on_workers`): runs are the
    parallel units, nothing inside a run is split.

    Args:
        config: the sweep; its backend must be ``"exact"`` without shots.
        data: its loaded dataset (default: :func:`~qiskit_patchqnn.experiments.load_sweep_data`).
        workers: Dask workers to estimate for (each assumed to have a core of its own as fast
            as one of this machine's).
        bindings: bindings per timed call.
        repeats: timed calls per kernel (the fastest counts).
        eigen_products: Lanczos products to assume instead of :func:`assumed_eigen_products`.
        progress: called with one line per calibration step.

    Returns:
        Per-run times, the measured rates and the assumptions.

    Raises:
        ValueError: a backend other than the exact simulator, or bad arguments.

    Example:
        >>> from qiskit_patchqnn.experiments import parse_config
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0]},
        ...     "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8},
        ...     "layout": {"patch_shape": [3, 3], "num_patches": [4]}, "model": {"depths": [1]},
        ...     "training": {"epochs": 2, "batch_size": 8},
        ...     "hessian": {"method": "hvp", "num_samples": 8, "top_k": 2, "density": False},
        ...     "landscape": {"enabled": False}})
        >>> est = time_estimate(cfg, bindings=8, repeats=1)
        >>> (run,) = est.runs
        >>> run.hessian_products == 40 + 20, est.total == run.total > 0
        (True, True)
    """
    from ..qnn import PatchQNN
    from ..simulator import BatchedEstimator
    from .runner import build_model, load_sweep_data

    be = config.backend
    if be.spec.strip().lower() != "exact" or be.shots is not None:
        raise ValueError(
            f"a wall-clock estimate is for the exact simulator; backend.spec is {be.spec!r}"
            f"{'' if be.shots is None else f' with {be.shots} shots'} (the circuit counts "
            "are the estimate for other backends)"
        )
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if eigen_products is not None and eigen_products < 1:
        raise ValueError(f"eigen_products must be >= 1, got {eigen_products}")
    data = load_sweep_data(config.dataset) if data is None else data
    say = progress or (lambda line: None)
    runs = config.runs()
    smallest = min(config.layout.num_patches)
    rates: dict[int, Throughput] = {}
    single: dict[int, Throughput] = {}
    shifts = (config.hessian.enabled and config.hessian.method == "parameter_shift") or (
        config.landscape.enabled and config.landscape.method == "hessian"
    )
    slow = []
    for depth in config.model.depths:
        qnn = build_model(config, RunSpec(smallest, depth, runs[0].seed), data.num_classes)
        say(f"measuring depth {depth} ({qnn.weights_per_patch} weights per patch)")
        calibrate = [("all", qnn)]
        if workers is not None:
            one = BatchedEstimator(num_threads=1)
            calibrate.append(("one", PatchQNN.from_config(qnn.to_config(), estimator=one)))
        for threads, model in calibrate:
            tp = measure_throughput(
                model,
                data.x_train,
                bindings=bindings,
                repeats=repeats,
                seed=depth,
                shift_hessian=shifts,
            )
            (rates if threads == "all" else single)[depth] = tp
        if shifts and rates[depth].shift_hessian is None:
            slow.append(str(depth))
    n_train, n_test = len(data.x_train), len(data.x_test)
    models = []
    for run in runs:
        qnn = build_model(config, run, data.num_classes)
        models.append((run, qnn, run_cost(config, run, qnn, n_train, n_test)))

    def times(table: dict[int, Throughput]) -> tuple[RunTime, ...]:
        return tuple(
            _run_time(config, run, qnn, table[run.depth], cost, n_train, n_test, eigen_products)
            for run, qnn, cost in models
        )

    notes = [
        "not included: loading data, building models, loading compiled kernels (seconds per "
        "run), and the Python work between circuit calls that does not scale with samples "
        "(Adam steps, Lanczos orthogonalisation, PCA)",
    ]
    if slow:
        notes.append(
            f"parameter-shift Hessian at depth {', '.join(slow)}: one sample needs more than "
            f"{_SHIFT_CAP:,} bindings to time, so it is counted at the forward rate (its "
            "shifted points share work, so this likely overestimates it)"
        )
    spec = config.hessian
    if spec.enabled and spec.method == "hvp":
        p = eigen_products or assumed_eigen_products(spec.top_k)
        notes.append(
            f"Hessian (method 'hvp'): {p} Lanczos products assumed for the top "
            f"{spec.top_k} eigenvalue{'s' if spec.top_k > 1 else ''} "
            + (
                "(given)"
                if eigen_products
                else "(two ARPACK bases of max(2k+1, 20) vectors; measured on small digits "
                "models at trained checkpoints: 21 for the top 1-5, 40 for the top 12; the "
                "paper's PyHessian power iteration: at most 100, relative tolerance 1e-3)"
            )
            + "; each product is one tangent (jvp) and one second-order adjoint (hvp) sweep "
            "per sample and patch"
        )
    return TimeEstimate(
        runs=times(rates),
        throughput=tuple(rates.values()),
        worker_runs=times(single) if workers is not None else None,
        worker_throughput=tuple(single.values()),
        workers=workers,
        notes=tuple(notes),
    )


def _hessian_products(spec: HessianSpec, num_weights: int, eigen: int | None) -> int:
    """Products over the main sample set: Lanczos, trace probes, density."""
    p = eigen or assumed_eigen_products(min(spec.top_k, num_weights - 1))
    if spec.trace:
        p += spec.trace_probes
    if spec.density:
        p += spec.density_runs * min(spec.density_steps, num_weights)
    return p


def _run_time(
    config: SweepConfig,
    run: RunSpec,
    qnn: Any,
    tp: Throughput,
    cost: RunCost,
    n_train: int,
    n_test: int,
    eigen: int | None,
) -> RunTime:
    k = qnn.num_patches
    epochs = config.training.epochs
    training = epochs * n_train * k * (tp.forward + tp.vjp)
    evaluation = (epochs + 1) * (n_train + n_test) * k * tp.forward
    hessian = 0.0
    products = 0
    spec = config.hessian
    if spec.enabled and spec.method == "hvp":
        n = _samples(spec.num_samples, n_train)
        products = _hessian_products(spec, qnn.num_weights, eigen)
        hessian = n * k * (tp.forward + products * tp.product)
        if spec.subset_samples is not None and spec.subset_samples < n:
            sub = eigen or assumed_eigen_products(1)
            hessian += spec.subset_samples * k * (tp.forward + sub * tp.product)
        if spec.block_norm_probes:
            b = _samples(spec.block_norm_samples, n_train)
            blocks = len(qnn.weight_slices)
            hessian += b * k * (tp.forward + spec.block_norm_probes * blocks * tp.product)
    elif spec.enabled:
        hessian = cost.hessian * (tp.shift_hessian or tp.forward)
    landscape = cost.landscape * tp.forward
    if config.landscape.selects(run) and config.landscape.method == "hessian":
        from ..hessian.compute import count_evaluations

        n = count_evaluations(qnn, config.landscape.hessian_samples)
        landscape += n * (tp.shift_hessian or tp.forward)
    return RunTime(run.name, training, evaluation, hessian, landscape, products)


def format_duration(seconds: float) -> str:
    """A duration for people: seconds, minutes, hours or days, three significant digits.

    Example:
        >>> [format_duration(s) for s in (4.2, 95.0, 7200.0, 3.0e6)]
        ['4.2 s', '1.58 min', '2 h', '34.7 d']
    """
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.3g} s"
