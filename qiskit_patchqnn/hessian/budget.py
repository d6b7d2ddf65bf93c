# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Shot budgets for Gauss-Newton curvature on a QPU: how many samples, how many shots.

The Gauss-Newton part :math:`G = \frac1N\sum_n J_n^\top A_n J_n` needs
:math:`N \sum_k (1 + 2 D_k)` circuits (times the measurement bases of the readout). For a fixed
budget of shots, more samples mean fewer shots per circuit: the estimate of
:math:`\lambda_{max}(G)` trades the spread between sample subsets against shot noise (which also
biases :math:`\lambda_{max}` upwards, since noise in :math:`J` adds a positive term to
:math:`G`). :func:`plan_budget` measures both with the exact simulator and picks the sample
count with the smallest root-mean-square error:

* the reference is :math:`\lambda_{max}` of the exact :math:`G` on every candidate sample;
* for each sample count, random stratified subsets are drawn and every expectation value is
  perturbed by Gaussian shot noise of variance :math:`(\|O\|^2 - \langle O\rangle^2)/S` for
  ``S`` shots (exact for a single Pauli observable, an upper bound otherwise);
* the error combines both (bias included). Device noise is **not** modelled; check the plan's
  prediction on a fake device (local mode) before a QPU run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from ..execution.cost import measurement_bases
from ..losses import check_labels

if TYPE_CHECKING:
    from ..qnn import PatchQNN

__all__ = ["BudgetPlan", "plan_budget", "seconds_per_shot"]


@dataclass(frozen=True)
class BudgetPlan:
    r"""The chosen sample count and shots per circuit, with every candidate considered.

    Attributes:
        num_samples: samples in the loss.
        shots: shots per circuit.
        circuits: circuits executed (bindings × measurement bases).
        total_shots: ``circuits * shots``.
        predicted_error: root-mean-square error of :math:`\lambda_{max}(G)` predicted by the
            exact simulator (shot noise and sample choice; device noise not modelled).
        reference: :math:`\lambda_{max}` of the exact :math:`G` on all candidate samples.
        budget_shots: the budget in shots.
        seconds: estimated QPU time of the plan (``None`` without a rate).
        candidates: one row per sample count: ``num_samples``, ``circuits``, ``shots``,
            ``rmse``, ``bias``, ``std``, ``top3_rmse`` (``shots == 0``: does not fit).
    """

    num_samples: int
    shots: int
    circuits: int
    total_shots: int
    predicted_error: float
    reference: float
    budget_shots: int
    seconds: float | None = None
    candidates: tuple[dict, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        lines = [
            f"budget {self.budget_shots:,} shots; exact lambda_max(G) on all "
            f"candidate samples = {self.reference:.6g}",
            f"  {'samples':>8} {'circuits':>10} {'shots':>8} {'rmse':>10} {'bias':>10} {'std':>10}",
        ]
        for row in self.candidates:
            if row["shots"] == 0:
                lines.append(f"  {row['num_samples']:>8} {row['circuits']:>10,} {'-':>8}  too big")
                continue
            mark = "  <- plan" if row["num_samples"] == self.num_samples else ""
            lines.append(
                f"  {row['num_samples']:>8} {row['circuits']:>10,} {row['shots']:>8,} "
                f"{row['rmse']:>10.4g} {row['bias']:>10.4g} {row['std']:>10.4g}{mark}"
            )
        when = f", about {self.seconds / 3600:.2f} h of QPU time" if self.seconds else ""
        lines.append(
            f"plan: {self.num_samples} samples x {self.shots:,} shots per circuit = "
            f"{self.circuits:,} circuits, {self.total_shots:,} shots{when}; predicted error "
            f"of lambda_max(G) {self.predicted_error:.3g} (shot noise + sample choice; device "
            "noise not modelled)"
        )
        return "\n".join(lines)


def seconds_per_shot(qnn: PatchQNN) -> float | None:
    """QPU time of one shot of the executor's ISA circuit: its duration plus the rep delay.

    ``None`` when the executor's device reports no gate durations or repetition delay (the
    exact simulator, Aer without a device). Queueing, compilation and classical overheads are
    not included.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> seconds_per_shot(PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=4)) is None
        True
    """
    from ..execution import device_of

    device = device_of(qnn.executor.estimator)
    target = getattr(device, "target", None)
    delay = getattr(device, "default_rep_delay", None)
    if target is None or delay is None:
        return None
    circuit = qnn.executor.circuit.copy()
    circuit.measure_all()
    bound = circuit.assign_parameters(np.zeros(circuit.num_parameters))
    try:
        duration = float(bound.estimate_duration(target, unit="s"))
    except Exception:  # noqa: BLE001 - a device without durations gives no rate
        return None
    return duration + float(delay)


def _variances(qnn: PatchQNN, values: np.ndarray) -> np.ndarray:
    """Per-shot variance of each observable at the given expectation values."""
    bound = np.array([float(np.sum(np.abs(o.coeffs))) ** 2 for o in qnn.model.observables])
    return np.maximum(bound - values**2, 0.0)


def _top_gn(jac: np.ndarray, probs: np.ndarray, k: int) -> np.ndarray:
    """Top ``k`` eigenvalues of ``G = (1/N) sum_n J_n^T A_n J_n`` by the smaller Gram side."""
    n, c, p = jac.shape
    a = np.einsum("nc,cd->ncd", probs, np.eye(c)) - np.einsum("nc,nd->ncd", probs, probs)
    if p <= n * c:
        g = np.einsum("nap,nab,nbq->pq", jac, a, jac) / n
        vals = np.linalg.eigvalsh(g)
    else:
        w, v = np.linalg.eigh(a)  # A_n = V diag(w) V^T, PSD
        root = np.einsum("nab,nb,ncb->nac", v, np.sqrt(np.maximum(w, 0.0)), v)
        m = np.einsum("nab,nbp->nap", root, jac).reshape(n * c, p)
        vals = np.linalg.eigvalsh(m @ m.T / n)
    return np.sort(vals)[::-1][:k]


def plan_budget(
    qnn: PatchQNN,
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    budget_shots: float | None = None,
    budget_seconds: float | None = None,
    rate: float | None = None,
    sample_sizes: list[int] | None = None,
    num_bases: int | None = None,
    repeats: int = 16,
    seed: int | None = 0,
    progress: bool = False,
) -> BudgetPlan:
    r"""Choose the number of samples and shots per circuit for :math:`\lambda_{max}(G)`.

    Args:
        qnn: the model on the **exact simulator** (the twin of the device model: same layout
            and circuit); it measures the variances.
        X: the candidate samples ``(N, H*W)`` (e.g. a stratified subset of the training set).
        y: their labels.
        weights: the checkpoint.
        budget_shots: total shots (circuits × shots per circuit).
        budget_seconds: QPU time instead; needs ``rate`` (seconds per shot, see
            :func:`seconds_per_shot` of the device model).
        rate: seconds per shot, for ``budget_seconds`` and for the plan's time estimate.
        sample_sizes: candidate sample counts (default: powers of two up to ``N``, and ``N``).
        num_bases: measurement bases per binding (default: those of the readout
            observables, 2 for ``X_q``/``Z_q``).
        repeats: Monte Carlo draws per candidate.
        seed: seed of the subsets and of the simulated shot noise.
        progress: show a progress bar.

    Returns:
        The plan (printable), with every candidate's predicted error.

    Raises:
        ValueError: no budget, both budgets, ``budget_seconds`` without a rate, a model that is
            not on the exact simulator, or no candidate that fits the budget.

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 0, num_qubits=2, num_classes=4)
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.uniform(size=(8, 16)), np.arange(8) % 4
        >>> plan = plan_budget(qnn, x, y, qnn.initial_weights(0), budget_shots=2e6, repeats=4)
        >>> plan.circuits * plan.shots <= 2e6, plan.num_samples in (1, 2, 4, 8)
        (True, True)
    """
    if (budget_shots is None) == (budget_seconds is None):
        raise ValueError("give exactly one of budget_shots and budget_seconds")
    if budget_seconds is not None:
        if rate is None or not rate > 0:
            raise ValueError(
                "budget_seconds needs rate= (seconds per shot); this device reports none: "
                "give budget_shots instead"
            )
        budget_shots = budget_seconds / rate
    assert budget_shots is not None
    if not budget_shots >= 1:
        raise ValueError(f"the budget must allow at least one shot, got {budget_shots!r}")
    if qnn.executor.simulator is None:
        raise ValueError(
            "plan_budget measures variances on the exact simulator: give a model "
            "with the default 'exact' backend (the device model's twin)"
        )
    if repeats < 2:
        raise ValueError(f"repeats must be >= 2, got {repeats}")
    model = qnn.model
    x = model.check_images(X, "X")
    n_all = len(x)
    if n_all == 0:
        raise ValueError("X holds no images")
    labels = check_labels(y, n_all, model.num_classes, "y")
    w = model.check_weights(weights)
    bases = measurement_bases(list(model.observables)) if num_bases is None else int(num_bases)
    sizes = sample_sizes or sorted({*(2**i for i in range(int(math.log2(n_all)) + 1)), n_all})
    if any(s < 1 or s > n_all for s in sizes):
        raise ValueError(f"sample_sizes must lie in 1..{n_all}, got {sizes}")

    from .compute import _gradient_points, _jacobian, count_evaluations

    rule = qnn.shift_rule(model.input_bias)
    local, chain = rule.chain()
    gidx = model.global_index()[:, local]
    centers, grads, *_ = _gradient_points(qnn, model.local_values(x, w))
    jac, probs = _jacobian(qnn, centers, grads, chain, gidx)
    reference = float(_top_gn(jac, probs, 1)[0])
    ref3 = _top_gn(jac, probs, 3)
    var_c, var_g = _variances(qnn, centers), _variances(qnn, grads)
    rng = np.random.default_rng(seed)
    rows = []
    with tqdm(total=len(sizes) * repeats, disable=not progress, desc="plan", leave=False) as bar:
        for size in sizes:
            circuits = count_evaluations(qnn, size, "gauss_newton") * bases
            shots = int(budget_shots // circuits)
            row: dict[str, Any] = {"num_samples": size, "circuits": circuits, "shots": shots}
            if shots < 1:
                row.update(shots=0, rmse=math.inf, bias=math.nan, std=math.nan, top3_rmse=[])
                rows.append(row)
                bar.update(repeats)
                continue
            draws, draws3 = [], []
            for _ in range(repeats):
                idx = _stratified(labels, size, rng)
                c = centers[idx] + np.sqrt(var_c[idx] / shots) * rng.standard_normal(
                    centers[idx].shape
                )
                g = grads[idx] + np.sqrt(var_g[idx] / shots) * rng.standard_normal(grads[idx].shape)
                jb, pb = _jacobian(qnn, c, g, chain, gidx)
                top = _top_gn(jb, pb, 3)
                draws.append(top[0])
                draws3.append(np.pad(top, (0, 3 - len(top))))
                bar.update(1)
            d = np.array(draws)
            d3 = np.array(draws3)
            err = d - reference
            row.update(
                rmse=float(np.sqrt(np.mean(err**2))),
                bias=float(err.mean()),
                std=float(d.std(ddof=1)),
                top3_rmse=[float(v) for v in np.sqrt(np.mean((d3 - ref3) ** 2, axis=0))],
            )
            rows.append(row)
    fits = [r for r in rows if r["shots"] > 0]
    if not fits:
        smallest = rows[0]["circuits"]
        raise ValueError(
            f"budget of {int(budget_shots):,} shots is below one shot per circuit for the "
            f"smallest candidate ({smallest:,} circuits)"
        )
    best = min(fits, key=lambda r: r["rmse"])
    total = best["circuits"] * best["shots"]
    return BudgetPlan(
        num_samples=int(best["num_samples"]),
        shots=int(best["shots"]),
        circuits=int(best["circuits"]),
        total_shots=int(total),
        predicted_error=float(best["rmse"]),
        reference=reference,
        budget_shots=int(budget_shots),
        seconds=None if rate is None else float(total * rate),
        candidates=tuple(rows),
    )


def _stratified(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random subset of ``size`` indices with the classes as balanced as the labels allow."""
    order = rng.permutation(len(labels))
    # round-robin over classes in random order: every class gets its share before repeats
    by_class = [order[labels[order] == c] for c in np.unique(labels)]
    picked: list[int] = []
    depth = 0
    while len(picked) < size:
        for members in by_class:
            if depth < len(members) and len(picked) < size:
                picked.append(int(members[depth]))
        depth += 1
    return np.sort(np.array(picked))
