# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Aggregating runs over seeds and reading the paper's claims off the numbers.

Every sentence a report prints about a claim is built here from the measured values; nothing is
canned. The verdict rule for a trend from cell ``a`` to cell ``b`` (runs paired by seed):

* ``holds``: the mean moves in the paper's direction and so does every seed;
* ``holds on average``: the mean moves in the paper's direction, some seed does not;
* ``does not hold``: the mean moves the other way (or does not move).

A change smaller than the larger of the two standard deviations is flagged "within the seed
spread".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Cell", "Trend", "aggregate", "claims", "fmt_mean_std", "overall", "trend"]


@dataclass(frozen=True)
class Cell:
    """One (num_patches, depth) cell of a sweep, over its seeds.

    Attributes:
        num_patches: ``K``.
        depth: ``d``.
        values: metric name -> per-seed values, ordered by seed.
        seeds: the seeds, sorted.
    """

    num_patches: int
    depth: int
    values: Mapping[str, tuple[float, ...]]
    seeds: tuple[int, ...]

    def mean(self, key: str) -> float:
        """Mean over seeds (NaN values ignored; NaN if none)."""
        v = np.asarray(self.values.get(key, ()), dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else math.nan

    def std(self, key: str) -> float:
        """Sample standard deviation over seeds (NaN with fewer than two)."""
        v = np.asarray(self.values.get(key, ()), dtype=float)
        v = v[np.isfinite(v)]
        return float(v.std(ddof=1)) if v.size > 1 else math.nan

    def by_seed(self, key: str) -> dict[int, float]:
        """Per-seed values."""
        return dict(zip(self.seeds, self.values.get(key, ()), strict=False))


def aggregate(
    rows: Iterable[Mapping[str, Any]], keys: Sequence[str]
) -> dict[tuple[int, int], Cell]:
    """Group summary rows by ``(num_patches, depth)``.

    Example:
        >>> rows = [{"num_patches": 4, "depth": 1, "seed": s, "lambda_max": v}
        ...         for s, v in enumerate([10.0, 12.0])]
        >>> cell = aggregate(rows, ["lambda_max"])[(4, 1)]
        >>> cell.mean("lambda_max"), round(cell.std("lambda_max"), 4)
        (11.0, 1.4142)
    """
    groups: dict[tuple[int, int], list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault((int(r["num_patches"]), int(r["depth"])), []).append(r)
    out = {}
    for key, rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: int(r["seed"]))
        values = {k: tuple(_num(r.get(k)) for r in rs) for k in keys}
        out[key] = Cell(key[0], key[1], values, tuple(int(r["seed"]) for r in rs))
    return out


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def fmt_mean_std(mean: float, std: float, digits: int = 3) -> str:
    """``"12.3 ± 1.1"`` (``"12.3"`` without a std, ``"n/a"`` for NaN).

    Example:
        >>> fmt_mean_std(12.345, 1.06), fmt_mean_std(0.5, float("nan"))
        ('12.3 ± 1.06', '0.5')
    """
    if not math.isfinite(mean):
        return "n/a"
    text = f"{mean:.{digits}g}"
    if math.isfinite(std):
        text += f" ± {std:.{digits}g}"
    return text


@dataclass(frozen=True)
class Trend:
    """A claimed change from one cell to another, and what the numbers say.

    Attributes:
        claim: e.g. ``"λ_max falls from 4 to 9 patches at depth 1"``.
        verdict: ``"holds"``, ``"holds on average"``, ``"does not hold"`` or ``"no data"``.
        sentence: the full line for the report.
        ratio: mean(a) / mean(b).
    """

    claim: str
    verdict: str
    sentence: str
    ratio: float


def trend(
    a: Cell, b: Cell, key: str, direction: str, claim: str, *, digits: int = 3, extra: str = ""
) -> Trend:
    """Judge whether ``key`` goes ``direction`` (``"down"`` or ``"up"``) from ``a`` to ``b``.

    Example:
        >>> a = Cell(4, 1, {"x": (12.0, 13.0, 11.0)}, (0, 1, 2))
        >>> b = Cell(9, 1, {"x": (6.0, 6.5, 5.5)}, (0, 1, 2))
        >>> trend(a, b, "x", "down", "x falls from 4 to 9 patches").sentence
        'x falls from 4 to 9 patches: 12 ± 1 → 6 ± 0.5, 3/3 seeds agree (holds)'
    """
    ma, mb = a.mean(key), b.mean(key)
    sa, sb = a.std(key), b.std(key)
    if not (math.isfinite(ma) and math.isfinite(mb)):
        return Trend(claim, "no data", f"{claim}: no data", math.nan)
    sign = -1.0 if direction == "down" else 1.0
    pa, pb = a.by_seed(key), b.by_seed(key)
    paired = [s for s in pa if s in pb and math.isfinite(pa[s]) and math.isfinite(pb[s])]
    agree = sum(sign * (pb[s] - pa[s]) > 0 for s in paired)
    if sign * (mb - ma) > 0:
        verdict = "holds" if paired and agree == len(paired) else "holds on average"
    else:
        verdict = "does not hold"
    notes = []
    if paired:
        notes.append(f"{agree}/{len(paired)} seeds agree")
    spread = np.nanmax([sa, sb]) if math.isfinite(sa) or math.isfinite(sb) else math.nan
    if math.isfinite(spread) and abs(mb - ma) < spread:
        notes.append("change within the seed spread")
    if extra:
        notes.append(extra)
    sentence = (
        f"{claim}: {fmt_mean_std(ma, sa, digits)} → {fmt_mean_std(mb, sb, digits)}"
        + (f", {', '.join(notes)}" if notes else "")
        + f" ({verdict})"
    )
    ratio = ma / mb if mb else math.inf
    return Trend(claim, verdict, sentence, ratio)


def claims(cells: Mapping[tuple[int, int], Cell]) -> dict[str, list[Trend]]:
    """The paper's claims judged on our cells, for every pair of neighbouring K and of d.

    Keys: ``"patches"`` (λ_max falls as K grows), ``"depth"`` (λ_max rises with d),
    ``"deeper"`` (best training loss falls with d), ``"accuracy"`` (test accuracy rises with K).

    Example:
        >>> cells = aggregate([{"num_patches": k, "depth": 1, "seed": 0, "lambda_max": 40 / k,
        ...                     "test_accuracy": 0.5} for k in (4, 9)],
        ...                   ["lambda_max", "test_accuracy"])
        >>> [t.verdict for t in claims(cells)["patches"]]
        ['holds']
    """
    ks = sorted({k for k, _ in cells})
    ds = sorted({d for _, d in cells})
    out: dict[str, list[Trend]] = {"patches": [], "depth": [], "deeper": [], "accuracy": []}
    for d in ds:
        for ka, kb in zip(ks, ks[1:], strict=False):
            if (ka, d) in cells and (kb, d) in cells:
                a, b = cells[(ka, d)], cells[(kb, d)]
                ratio = a.mean("lambda_max") / b.mean("lambda_max")
                extra = f"ratio {ratio:.2f} (1/K predicts {kb / ka:.2f})"
                out["patches"].append(
                    trend(
                        a,
                        b,
                        "lambda_max",
                        "down",
                        f"λ_max falls from {ka} to {kb} patches at depth {d}",
                        extra=extra,
                    )
                )
                out["accuracy"].append(
                    trend(
                        a,
                        b,
                        "test_accuracy",
                        "up",
                        f"test accuracy rises from {ka} to {kb} patches at depth {d}",
                    )
                )
    for k in ks:
        for da, db in zip(ds, ds[1:], strict=False):
            if (k, da) in cells and (k, db) in cells:
                a, b = cells[(k, da)], cells[(k, db)]
                loss = f"best training loss {a.mean('train_loss'):.3g} → {b.mean('train_loss'):.3g}"
                out["depth"].append(
                    trend(
                        a,
                        b,
                        "lambda_max",
                        "up",
                        f"λ_max rises from depth {da} to {db} at {k} patches",
                        extra=loss,
                    )
                )
                out["deeper"].append(
                    trend(
                        a,
                        b,
                        "train_loss",
                        "down",
                        f"best training loss falls from depth {da} to {db} at {k} patches",
                    )
                )
    return out


def overall(name: str, trends: list[Trend]) -> str:
    """One verdict over all comparisons of a claim, in words.

    Example:
        >>> overall("x falls", [])
        'x falls: not testable with this grid (needs two values on that axis)'
    """
    if not trends:
        return f"{name}: not testable with this grid (needs two values on that axis)"
    verdicts = [t.verdict for t in trends]
    if all(v == "holds" for v in verdicts):
        return f"{name}: **holds** in {_n(len(trends))}, every seed agreeing"
    if all(v in ("holds", "holds on average") for v in verdicts):
        n = sum(v == "holds" for v in verdicts)
        return f"{name}: **holds on average** in {_n(len(trends))} ({n} with every seed agreeing)"
    bad = sum(v == "does not hold" for v in verdicts)
    return f"{name}: **does not hold** here ({bad} of {len(trends)} comparisons go the other way)"


def _n(count: int) -> str:
    return "the one comparison" if count == 1 else f"all {count} comparisons"
