# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The sections of a study report: each arm's rows read by role, the verdict rules, the text.

See :mod:`.study_report` for the rules in words; every sentence here is built from the
measured values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import paper_data as paper
from .claims import Cell, Trend, aggregate, claims, fmt_mean_std, trend
from .convergence import ConvergenceRule
from .markdown import _grid as markdown_grid
from .report import RunFiles
from .runner import EXTRA_COLUMNS, SUMMARY_COLUMNS
from .schema import SweepConfig

__all__ = [
    "Arm",
    "category",
    "convergence_evidence",
    "convergence_section",
    "coupling_section",
    "depth_trends",
    "depth_verdict",
    "downscaling_section",
    "fixed_cells",
    "lambda_section",
    "landscape_section",
    "learning_rate_section",
    "outlier_section",
    "outlier_verdict",
    "ratio_text",
    "subset_section",
]

_KEYS = tuple(c for c in SUMMARY_COLUMNS + EXTRA_COLUMNS if c not in ("num_patches", "depth"))


@dataclass
class Arm:
    """One arm's finished runs, as the study report reads them."""

    name: str
    role: str
    config: SweepConfig
    rows: list[dict[str, Any]]
    files: RunFiles

    def cells(self, rows: Sequence[Mapping[str, Any]] | None = None) -> dict[tuple[int, int], Cell]:
        """Rows (default: all) aggregated by (K, d)."""
        return aggregate(self.rows if rows is None else rows, _KEYS)


def category(trends: Sequence[Trend]) -> str:
    """One verdict over several comparisons (see the module text).

    Example:
        >>> t = Trend("c", "holds on average", "", 1.0)
        >>> category([t, Trend("c", "holds", "", 1.0)]), category([])
        ('holds on average', 'not testable')
    """
    verdicts = [t.verdict for t in trends if t.verdict != "no data"]
    if not verdicts:
        return "not testable"
    if all(v == "holds" for v in verdicts):
        return "holds"
    if all(v in ("holds", "holds on average") for v in verdicts):
        return "holds on average"
    return "does not hold"


def depth_verdict(falling: str, fixed: str) -> str:
    """The depth claim from its verdicts with the paper's falling and a fixed learning rate.

    Example:
        >>> depth_verdict("holds", "does not hold"), depth_verdict("holds", "holds on average")
        ('confounded', 'holds on average')
    """
    good = ("holds", "holds on average")
    if falling in good and fixed in good:
        return "holds" if falling == fixed == "holds" else "holds on average"
    if falling in good and fixed == "does not hold":
        return "confounded"
    if fixed == "not testable":
        return falling
    return "does not hold"


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def ratio_text(arm: Arm, ka: int, kb: int) -> str:
    """λ_max(ka) / λ_max(kb) per depth, paired by seed, beside the 1/K prediction."""
    parts = []
    for d in arm.config.model.depths:
        a = [r for r in arm.rows if r["num_patches"] == ka and r["depth"] == d]
        b = {r["seed"]: r for r in arm.rows if r["num_patches"] == kb and r["depth"] == d}
        ratios = [
            _num(r["lambda_max"]) / _num(b[r["seed"]]["lambda_max"]) for r in a if r["seed"] in b
        ]
        if ratios:
            parts.append(f"d={d}: {_mean_std(ratios)}")
    return "; ".join(parts) + f" (1/K predicts {kb / ka:.2f})" if parts else "n/a"


def _mean_std(values: Sequence[float]) -> str:
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
    if not v.size:
        return "n/a"
    return fmt_mean_std(float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else math.nan)


def convergence_evidence(arms: Mapping[str, Arm], rule: ConvergenceRule) -> str:
    """How many runs fail each condition of ``rule``, for the verdict table."""
    reasons: dict[str, int] = {}
    for a in arms.values():
        for r in a.rows:
            for kind, _ in rule.checks(r, a.config.training.epochs):
                reasons[kind] = reasons.get(kind, 0) + 1
    if not reasons:
        return "every run met every condition"
    top = sorted(reasons.items(), key=lambda kv: -kv[1])
    return "runs failing each condition: " + ", ".join(f"{k} {n}" for k, n in top)


def convergence_section(arms: Mapping[str, Arm], rule: ConvergenceRule) -> list[str]:
    """The rule, a per-cell table and every run that did not converge, with reasons."""
    md = [
        "## Minima, not snapshots",
        "",
        f"Rule: {rule.describe()}. The paper kept runs with training loss ≤ 0.1; this rule adds "
        "that the loss has stopped falling and the checkpoint sits at a trough of the schedule. "
        "Runs that fail it are kept in every table and flagged here; the claims are also judged "
        "on the converged runs alone.",
        "",
        "| arm | K | d | converged | checkpoint epoch | its train loss | loss change, last "
        "period | ‖∇L‖ / ‖∇L₀‖ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in arms.values():
        for (k, d), c in a.cells().items():
            rows = [r for r in a.rows if r["num_patches"] == k and r["depth"] == d]
            ratio = [_num(r.get("grad_norm")) / _num(r.get("grad_norm_init")) for r in rows]
            md.append(
                f"| {a.name} | {k} | {d} | {sum(r['converged'] for r in rows)}/{len(rows)} | "
                f"{_ms('checkpoint_epoch')(c)} | {_ms('checkpoint_loss')(c)} | "
                f"{fmt_mean_std(c.mean('period_loss_change'), c.std('period_loss_change'))} | "
                f"{_mean_std(ratio)} |"
            )
    failing = [
        f"- {a.name}/{_name(r)}: {'; '.join(rule.failures(r, a.config.training.epochs))}"
        for a in arms.values()
        for r in a.rows
        if not r["converged"]
    ]
    if failing:
        md += ["", f"Runs that did not converge ({len(failing)}):", "", *failing]
    return [*md, ""]


def _name(row: Mapping[str, Any]) -> str:
    return f"p{row['num_patches']}-d{row['depth']}-s{row['seed']}"


def _grid(cells: Mapping[tuple[int, int], Cell], fmt: Callable[[Cell], str]) -> list[str]:
    return markdown_grid(cells, fmt)[2]


def _ms(key: str) -> Callable[[Cell], str]:
    return lambda c: fmt_mean_std(c.mean(key), c.std(key))


def lambda_section(main: Arm, cl: Mapping[str, list[Trend]], figs: Mapping) -> list[str]:
    """λ_max of the main arm beside the paper's, and every neighbouring comparison."""
    cells = main.cells()
    wpp = {d: int(c.mean("weights_per_patch")) for (_, d), c in cells.items()}
    md = ["## λ_max over patches and depth (whole training set)", ""]
    if "lambda_depth" in figs:
        md += [f"![λ_max against weights per patch]({figs['lambda_depth']})", ""]
    md += [
        f"Main arm, λ_max at the {main.config.hessian.checkpoint!r} checkpoint on all training "
        "images (mean ± std over seeds); "
        "weights per patch: " + ", ".join(f"d={d}: {p}" for d, p in sorted(wpp.items())) + ".",
        "",
        *_grid(cells, _ms("lambda_max")),
        "",
        "Paper (MNIST, one seed, d = 50, 100, 150, 200; paper-notes §7.1):",
        "",
        *_grid(
            {kd: Cell(kd[0], kd[1], {"v": (v,)}, (1001,)) for kd, v in paper.LAMBDA_MAX.items()},
            lambda c: f"{c.mean('v'):.3f}",
        ),
        "",
        "Comparisons between neighbouring cells (paired by seed):",
        "",
        *[f"- {t.sentence}" for t in cl["patches"] + cl["depth"] + cl["deeper"]],
        "",
    ]
    return md


def fixed_cells(main: Arm, fixed: Arm) -> dict[tuple[int, int], Cell]:
    """The fixed-rate arm's cells plus the main arm's cells run at that same rate."""
    lr = fixed.config.training.learning_rate
    cells = dict(fixed.cells())
    if isinstance(lr, tuple):
        return cells
    shared = [
        r
        for r in main.rows
        if r["num_patches"] in fixed.config.layout.num_patches
        and r["depth"] not in fixed.config.model.depths
        and math.isclose(main.config.training.learning_rate_for(r["depth"]), float(lr))
    ]
    cells.update(main.cells(shared))
    return dict(sorted(cells.items()))


def depth_trends(cells: Mapping[tuple[int, int], Cell]) -> list[Trend]:
    """λ_max rising between neighbouring depths, per patch count."""
    return claims(cells)["depth"]


def learning_rate_section(
    main: Arm, fixed: Arm, cells_fixed: Mapping[tuple[int, int], Cell], trends: list[Trend]
) -> list[str]:
    """λ_max with the falling and the fixed learning rate side by side, with the rate scale."""
    lr_fixed = fixed.config.training.learning_rate
    main_cells = main.cells()
    md = [
        "## The learning-rate ablation",
        "",
        "The paper lowers the learning rate as depth grows; with Adam, the sharpness training "
        "settles at tracks the learning rate (the edge of stability). The fixed-rate arm trains "
        f"the same models at lr = {lr_fixed} for every depth (the main arm's runs at that rate "
        "are shared).",
        "",
        "| K | d | lr (falling) | λ_max (falling) | λ_max × lr / 2 | lr (fixed) | "
        "λ_max (fixed) | λ_max × lr / 2 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (k, d), c in cells_fixed.items():
        m = main_cells.get((k, d))
        lr_f = main.config.training.learning_rate_for(d)
        lr_x = float(lr_fixed) if not isinstance(lr_fixed, tuple) else math.nan
        md.append(
            f"| {k} | {d} | {lr_f:g} | "
            + (fmt_mean_std(m.mean("lambda_max"), m.std("lambda_max")) if m else "n/a")
            + f" | {(m.mean('lambda_max') * lr_f / 2 if m else math.nan):.3g} | {lr_x:g} | "
            f"{fmt_mean_std(c.mean('lambda_max'), c.std('lambda_max'))} | "
            f"{c.mean('lambda_max') * lr_x / 2:.3g} |"
        )
    ds = sorted({d for _, d in cells_fixed})
    ks = sorted({k for k, _ in cells_fixed})
    lines = []
    for k in ks:
        lo, hi = (k, ds[0]), (k, ds[-1])
        if lo in cells_fixed and hi in cells_fixed and lo in main_cells and hi in main_cells:
            f_ratio = _paired_ratio(main_cells[hi], main_cells[lo])
            x_ratio = _paired_ratio(cells_fixed[hi], cells_fixed[lo])
            lr_ratio = main.config.training.learning_rate_for(ds[0]) / (
                main.config.training.learning_rate_for(ds[-1])
            )
            lines.append(
                f"- K = {k}, d = {ds[0]} → {ds[-1]}: λ_max grows {f_ratio} with the falling "
                f"rate (which falls {lr_ratio:.3g}×), {x_ratio} at the fixed rate"
            )
    md += [
        "",
        *lines,
        "",
        "λ_max × lr / 2 is λ_max against 2/lr, the stability limit of plain gradient descent; "
        "Adam's limit applies to the preconditioned Hessian, which is not computed here, so "
        "this column shows the scale, not a test. At the checkpoints the schedule's learning "
        "rate is near zero; the limit acted during the high-rate phases before.",
        "",
        "Depth comparisons at the fixed rate (paired by seed):",
        "",
        *[f"- {t.sentence}" for t in trends],
        "",
    ]
    return md


def _paired_ratio(a: Cell, b: Cell) -> str:
    pa, pb = a.by_seed("lambda_max"), b.by_seed("lambda_max")
    ratios = [pa[s] / pb[s] for s in pa if s in pb and pb[s]]
    return _mean_std(ratios) + "×"


def outlier_section(main: Arm, fewer: Arm | None) -> tuple[str, list[str]]:
    """Outlier counts by the null rule: ``(verdict, [evidence, section lines...])``."""
    c_main = main.config.dataset.num_classes or 10
    cells = main.cells()
    lines = [
        "The rule: an eigenvalue of H is an outlier when it exceeds λ_max of the within-class "
        "part of the Gauss-Newton matrix, G minus the class means' part G_between (Papyan's "
        "decomposition). The null: without class structure (G_between = 0) and with a "
        "negligible residual part, no eigenvalue exceeds that edge; with it, at most "
        "rank(G_between) can. 'one per class' is read as C - 2 .. C + 1 outliers. A count equal "
        "to the number of eigenvalues computed (top_k) is a lower bound, marked ≥.",
        "",
        f"Main arm ({c_main} classes), outliers by that rule, by the largest-gap rule, and the "
        "number of class-mean directions above the edge:",
        "",
        "| K | d | outliers (null rule) | outliers (largest gap) | G_between eigenvalues "
        "above the edge | bulk edge |",
        "|---|---|---|---|---|---|",
    ]
    for (k, d), c in cells.items():
        lines.append(
            f"| {k} | {d} | {_ms('num_outliers_null')(c)}{_censored(main, k, d)} | "
            f"{_ms('num_outliers')(c)} | {_ms('between_above_edge')(c)} | "
            f"{_ms('bulk_edge')(c)} |"
        )
    counts = {c_main: [_num(r.get("num_outliers_null")) for r in main.rows]}
    compare = ""
    if fewer is not None:
        c_few = fewer.config.dataset.num_classes or 10
        few_cells = fewer.cells()
        lines += ["", f"Arm {fewer.name} ({c_few} classes):", ""]
        for (k, d), c in few_cells.items():
            same = cells.get((k, d))
            lines.append(
                f"- K = {k}, d = {d}: {_ms('num_outliers_null')(c)}{_censored(fewer, k, d)} "
                f"outliers with {c_few} classes"
                + (
                    f" against {_ms('num_outliers_null')(same)} with {c_main} classes in the "
                    "main arm's same cell"
                    if same
                    else ""
                )
                + f" (largest gap: {_ms('num_outliers')(c)})"
            )
            if same:
                counts = {
                    c_main: list(same.values["num_outliers_null"]),
                    c_few: list(c.values["num_outliers_null"]),
                }
                compare = (
                    f"{fmt_mean_std(same.mean('num_outliers_null'), same.std('num_outliers_null'))}"
                    f" at C = {c_main}, "
                    f"{fmt_mean_std(c.mean('num_outliers_null'), c.std('num_outliers_null'))} at "
                    f"C = {c_few} (K = {k}, d = {d})"
                )
    verdict = outlier_verdict(counts)
    if not compare:
        v = [x for x in counts[c_main] if math.isfinite(x)]
        compare = f"{_mean_std(v)} at C = {c_main} (all runs)" if v else "no class structure"
    rising = ""
    if len(counts) == 2:
        (ca, va), (cb, vb) = sorted(counts.items())
        ma, mb = np.nanmean(va), np.nanmean(vb)
        rising = (
            f"; counts {'rise' if mb > ma else 'do not rise'} from {ca} to {cb} classes"
            if math.isfinite(ma) and math.isfinite(mb)
            else ""
        )
    return verdict, [compare + rising, *lines]


def _censored(arm: Arm, k: int, d: int) -> str:
    top_k = arm.config.hessian.top_k
    rows = [r for r in arm.rows if r["num_patches"] == k and r["depth"] == d]
    return " (some ≥)" if any(_num(r.get("num_outliers_null")) >= top_k for r in rows) else ""


def outlier_verdict(counts: Mapping[int, Sequence[float]]) -> str:
    """*holds* if every run has C-2..C+1 outliers, *holds on average* if the means do."""
    runs_ok, means_ok, any_data = True, True, False
    for c, values in counts.items():
        v = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
        if not v.size:
            continue
        any_data = True
        band = (c - 2 <= v) & (v <= c + 1)
        runs_ok &= bool(band.all())
        means_ok &= bool(c - 2 <= v.mean() <= c + 1)
    if not any_data:
        return "not testable"
    return "holds" if runs_ok else "holds on average" if means_ok else "does not hold"


def coupling_section(main: Arm, figs: Mapping) -> list[str]:
    """Off-diagonal block norms against K (empty without block norms)."""
    cells = main.cells()
    if not any(math.isfinite(c.mean("offdiag_mass")) for c in cells.values()):
        return []
    md = ["## Cross-patch coupling", ""]
    if "coupling" in figs:
        md += [f"![off-diagonal blocks against K]({figs['coupling']})", ""]
    md += [
        "Weights of different patches never share a circuit, so every cross-patch block of H "
        "comes from the Gauss-Newton part (the class probabilities couple the patches). Share of "
        "‖H‖_F outside the per-patch diagonal blocks (from stochastic block norms on "
        f"{main.config.hessian.block_norm_samples} images):",
        "",
        *_grid(cells, _ms("offdiag_mass")),
        "",
        "Mean off-diagonal block norm over mean diagonal block norm:",
        "",
        *_grid(cells, _ms("offdiag_block_ratio")),
        "",
    ]
    return md


def subset_section(main: Arm) -> list[str]:
    """λ_max on the subset against the whole training set (empty without subsets)."""
    ratios = [
        _num(r.get("subset_lambda_max")) / _num(r["lambda_max"])
        for r in main.rows
        if math.isfinite(_num(r.get("subset_lambda_max")))
    ]
    if not ratios:
        return []
    n = int(np.nanmax([_num(r.get("subset_samples")) for r in main.rows]))
    cells = main.cells()
    return [
        "## What subsampling does",
        "",
        f"λ_max on {n} stratified training images over λ_max on all of them, per cell "
        f"(all runs: {_mean_std(ratios)}):",
        "",
        *_grid(
            cells,
            lambda c: _mean_std(
                [
                    s / w
                    for s, w in zip(
                        c.values["subset_lambda_max"], c.values["lambda_max"], strict=False
                    )
                ]
            ),
        ),
        "",
    ]


def landscape_section(main: Arm) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The grid loss range per cell beside the paper's §7.5: ``(verdict rows, lines)``."""
    rows = [r for r in main.rows if math.isfinite(_num(r.get("landscape_loss_max")))]
    if not rows:
        return [], []
    cells = main.cells(rows)
    cl_max, cl_min = _landscape_trends(cells)
    seeds = sorted({r["seed"] for r in rows})
    sel = main.config.landscape
    md = [
        "## Landscapes: how deep and how high (trajectory PCA)",
        "",
        f"Training loss over a {sel.resolution}×{sel.resolution} grid in the plane of the "
        f"weight trajectory (±{sel.margin:g} rad beyond it), on "
        f"{sel.num_samples or 'all'} training images, seed{'s' if len(seeds) > 1 else ''} "
        f"{', '.join(map(str, seeds))}: max / min of the grid (the paper's §7.5 summary). "
        "One seed per cell: no error bars.",
        "",
        *_grid(
            cells,
            lambda c: f"{c.mean('landscape_loss_max'):.2f} / {c.mean('landscape_loss_min'):.3f}",
        ),
        "",
        "Paper (MNIST, d = 50, 100, 150, 200):",
        "",
        *_grid(
            {
                key: Cell(key[0], key[1], {"a": (v[0],), "b": (v[1],)}, (1001,))
                for key, v in paper.LANDSCAPE_RANGE.items()
            },
            lambda c: f"{c.mean('a'):.2f} / {c.mean('b'):.2f}",
        ),
        "",
        *[f"- {t.sentence}" for t in cl_max + cl_min],
        "",
    ]
    verdicts = [
        (
            "shallower landscape with more patches (grid maximum falls with K)",
            category(cl_max),
            "one seed per cell",
        ),
        (
            "deeper minima with more parameters (grid minimum falls with d)",
            category(cl_min),
            "one seed per cell",
        ),
    ]
    return verdicts, md


def _landscape_trends(cells: Mapping[tuple[int, int], Cell]) -> tuple[list[Trend], list[Trend]]:
    """Grid maximum falling with K (per depth), grid minimum falling with d (per K)."""
    ks = sorted({k for k, _ in cells})
    ds = sorted({d for _, d in cells})
    by_k, by_d = [], []
    for d in ds:
        for ka, kb in zip(ks, ks[1:], strict=False):
            if (ka, d) in cells and (kb, d) in cells:
                by_k.append(
                    trend(
                        cells[(ka, d)],
                        cells[(kb, d)],
                        "landscape_loss_max",
                        "down",
                        f"grid maximum falls from {ka} to {kb} patches at depth {d}",
                    )
                )
    for k in ks:
        for da, db in zip(ds, ds[1:], strict=False):
            if (k, da) in cells and (k, db) in cells:
                by_d.append(
                    trend(
                        cells[(k, da)],
                        cells[(k, db)],
                        "landscape_loss_min",
                        "down",
                        f"grid minimum falls from depth {da} to {db} at {k} patches",
                    )
                )
    return by_k, by_d


def downscaling_section(main: Arm, arms: Mapping[str, Arm]) -> list[str]:
    """The study's down-scaling statement and each arm's description."""
    md = ["## Down-scaling", "", "As stated in the study's configuration:", ""]
    md += [f"- {s}" for s in main.config.downscaling]
    for a in arms.values():
        if a.role != "main" and a.config.description:
            md.append(f"- arm {a.name}: {a.config.description}")
    return [*md, ""]
