# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Did a run reach a minimum? What a run records about it, and the rule that judges it.

The paper's claims are about Hessians *at minima*; a checkpoint on the way down is not one.
With the paper's periodic cosine schedule (``T_max`` epochs down, ``T_max`` up) the learning
rate falls to zero every ``2 T_max`` epochs, and the lowest training loss sits at one of those
*troughs*. A run records, beside its best epoch:

* ``checkpoint_epoch`` and ``checkpoint_loss``: the analysed checkpoint (the Hessian's:
  ``best``, or ``trough``, the lowest loss among the troughs) and its training loss;
* ``checkpoint_lr_fraction``: the learning rate of that epoch over the initial one (small at a
  trough);
* ``period_loss_change``: the training loss one period (``2 T_max`` epochs) before the
  checkpoint, at the same phase of the schedule, minus the checkpoint's: what the last period
  of training still gained;
* ``grad_norm`` and ``grad_norm_init``: the norm of the full-training-set loss gradient at the
  checkpoint and at initialisation (exact simulation only; NaN otherwise).

:class:`ConvergenceRule` turns those into a yes or no with the reasons, in the report, so the
rule can be changed without running anything again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ConvergenceRule", "convergence_metrics"]


def convergence_metrics(
    qnn: Any,
    x: np.ndarray,
    y: np.ndarray,
    result: Any,
    t_max: int,
    index: int | None = None,
) -> dict[str, float]:
    """What a finished training run records about its convergence (see the module text).

    Args:
        qnn: the trained model.
        x: training images (the gradient norms are over all of them).
        y: their labels.
        result: the :class:`~qiskit_patchqnn.training.TrainResult`.
        t_max: the cosine schedule's half-period in epochs.
        index: trajectory row of the analysed checkpoint (default: the best epoch's).

    Example:
        >>> from qiskit_patchqnn import PatchLayout, PatchQNN, TrainConfig, train
        >>> qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), num_classes=2)
        >>> x = np.random.default_rng(0).uniform(size=(8, 16)); y = np.arange(8) % 2
        >>> res = train(qnn, x, y, config=TrainConfig(epochs=3, t_max=1), progress=False)
        >>> m = convergence_metrics(qnn, x, y, res, t_max=1)
        >>> m["checkpoint_epoch"] == res.best_epoch, m["grad_norm_init"] > 0
        (True, True)
    """
    hist = result.history
    at = result.best_index if index is None else int(index)
    lr0 = max((h["lr"] for h in hist), default=0.0)
    earlier = at - 2 * t_max  # same phase, one period before (history index = epoch + 1)
    loss = float(hist[at]["train_loss"])
    out = {
        "checkpoint_epoch": int(hist[at]["epoch"]),
        "checkpoint_loss": loss,
        "checkpoint_lr_fraction": float(hist[at]["lr"]) / lr0 if lr0 > 0 else math.nan,
        "period_loss_change": float(hist[earlier]["train_loss"]) - loss
        if earlier >= 1
        else math.nan,
        "grad_norm": math.nan,
        "grad_norm_init": math.nan,
    }
    if getattr(qnn, "uses_adjoint", False):
        from ..training import loss_gradient

        out["grad_norm"] = float(np.linalg.norm(loss_gradient(qnn, x, y, result.trajectory[at])[1]))
        out["grad_norm_init"] = float(
            np.linalg.norm(loss_gradient(qnn, x, y, result.trajectory[0])[1])
        )
    return out


@dataclass(frozen=True)
class ConvergenceRule:
    """When a run counts as converged to a minimum.

    All of:

    1. its checkpoint is at a learning-rate trough
       (``checkpoint_lr_fraction <= trough_fraction``) and not the last epoch;
    2. the last period gained little: ``period_loss_change <= max_period_change``
       (absolute, in nats: the loss has stopped falling at the resolution of the paper's
       two-decimal loss tables);
    3. the paper's own filter: the checkpoint's training loss ``<= max_loss``;
    4. the full-set gradient at the checkpoint is small:
       ``grad_norm <= max_grad_ratio * grad_norm_init`` (skipped where not measured).

    Example:
        >>> rule = ConvergenceRule()
        >>> row = {"checkpoint_epoch": 25, "checkpoint_lr_fraction": 0.0, "train_loss": 0.02,
        ...        "period_loss_change": 0.004, "grad_norm": 0.01, "grad_norm_init": 1.0}
        >>> rule.failures(row, epochs=30)
        []
        >>> rule.failures({**row, "period_loss_change": 0.05}, epochs=30)
        ['loss fell 0.05 over the last period']
    """

    trough_fraction: float = 0.1
    max_period_change: float = 0.01
    max_loss: float = 0.1
    max_grad_ratio: float = 0.05

    def failures(self, row: Mapping[str, Any], epochs: int) -> list[str]:
        """Why ``row`` (a run's metrics) is not converged; empty if it is."""
        return [message for _, message in self.checks(row, epochs)]

    def checks(self, row: Mapping[str, Any], epochs: int) -> list[tuple[str, str]]:
        """The failed conditions of ``row``, as ``(kind, message)`` pairs.

        Kinds: ``last epoch``, ``off trough``, ``no period``, ``still falling``,
        ``high loss``, ``gradient``. The checkpoint is the row's ``checkpoint_epoch`` (its
        ``best_epoch`` where absent).
        """
        out = []
        at = _num(row.get("checkpoint_epoch", row.get("best_epoch")))
        frac = _num(row.get("checkpoint_lr_fraction"))
        if at == epochs - 1:
            out.append(("last epoch", "checkpoint at the last epoch"))
        elif not (frac <= self.trough_fraction):
            why = f"checkpoint epoch {at:.0f} is not at a learning-rate trough"
            out.append(("off trough", why))
        change = _num(row.get("period_loss_change"))
        if not math.isfinite(change):
            out.append(("no period", "no full period before the checkpoint"))
        elif change > self.max_period_change:
            out.append(("still falling", f"loss fell {change:.2g} over the last period"))
        loss = _num(row.get("checkpoint_loss", row.get("train_loss")))
        if not (loss <= self.max_loss):
            out.append(("high loss", f"training loss {loss:.3g} > {self.max_loss:g}"))
        g, g0 = _num(row.get("grad_norm")), _num(row.get("grad_norm_init"))
        if math.isfinite(g) and math.isfinite(g0) and g > self.max_grad_ratio * g0:
            out.append(("gradient", f"gradient norm {g / g0:.2g} of the initial one"))
        return out

    def converged(self, row: Mapping[str, Any], epochs: int) -> bool:
        """Whether ``row`` meets every condition."""
        return not self.failures(row, epochs)

    def describe(self) -> str:
        """The rule in one sentence, for a report."""
        return (
            "the analysed checkpoint at a learning-rate trough (lr ≤ "
            f"{self.trough_fraction:g} × lr0) before the last epoch; training loss fell by ≤ "
            f"{self.max_period_change:g} over the period before it (same schedule phase one "
            f"period earlier); its training loss ≤ {self.max_loss:g} (the paper's filter); "
            f"full-set gradient norm there ≤ {self.max_grad_ratio:g} × its value at "
            "initialisation"
        )


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
