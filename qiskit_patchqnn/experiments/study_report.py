# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The report of a study: the paper's claims judged across its arms.

``DIR/report.md`` and ``DIR/figures/`` come from the finished runs of every arm (each arm also
gets its own sweep report in ``DIR/<arm>/report.md``). Every sentence is built from the measured
values with the rules stated in the report itself:

* convergence: :class:`~.convergence.ConvergenceRule`; the claims are judged on all runs and,
  beside them, on the converged runs only;
* trends between neighbouring cells: :func:`~.claims.trend` (paired by seed);
* a claim over several comparisons: *holds* (every comparison holds, every seed agreeing),
  *holds on average* (every comparison's mean goes the paper's way), *does not hold* (some
  mean goes the other way); the depth claim is *confounded* when it holds with the paper's
  falling learning rate but not at a fixed one;
* outliers: eigenvalues of ``H`` above the within-class bulk edge
  (:mod:`qiskit_patchqnn.hessian.classes`), "one per class" meaning ``C - 2 .. C + 1``.
"""

from __future__ import annotations

import math
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write_text, replace_directory
from . import paper_data as paper
from .claims import Cell, Trend, aggregate, claims, fmt_mean_std, trend
from .convergence import ConvergenceRule
from .report import RunFiles, write_report
from .runner import EXTRA_COLUMNS, SUMMARY_COLUMNS
from .schema import SweepConfig
from .store import SweepStore
from .study import open_study

__all__ = ["Arm", "category", "depth_verdict", "write_study_report"]

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


def write_study_report(
    directory: str | Path,
    *,
    figures: bool = True,
    on_problem: Callable[[str], None] | None = None,
) -> Path:
    """Write ``DIR/report.md`` (and each arm's own report) for a study directory.

    Raises:
        FileNotFoundError: ``DIR`` has no ``study.json``.
        ValueError: no run of the main arm has finished.
    """
    root = Path(directory)
    meta, roles = open_study(root)
    report = on_problem or (lambda line: print(f"report: {line}", file=sys.stderr))
    arms: dict[str, Arm] = {}
    missing = []
    for name, role in roles.items():
        try:
            store = SweepStore.open(root / name)
        except FileNotFoundError:
            missing.append(name)
            continue
        finished = store.finished()
        if not finished:
            missing.append(name)
            continue
        write_report(root / name, figures=figures, on_problem=report)
        rows = sorted(finished.values(), key=lambda m: (m["num_patches"], m["depth"], m["seed"]))
        arms[name] = Arm(name, role, store.config(), rows, RunFiles(store.runs_dir))
    main = next((a for a in arms.values() if a.role == "main"), None)
    if main is None:
        raise ValueError(f"{root}: the main arm has no finished runs to report on yet")
    figs: dict[str, str] = {}
    if figures:
        tmp = root / f".figures.tmp-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            figs = _draw(tmp, arms)
            replace_directory(tmp, root / "figures")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    text = study_markdown(meta, arms, missing, figs)
    return atomic_write_text(root / "report.md", text)


# ------------------------------------------------------------------------------- markdown
def study_markdown(
    meta: Mapping[str, Any], arms: Mapping[str, Arm], missing: Sequence[str], figs: Mapping
) -> str:
    """The text of a study's ``report.md``."""
    rule = ConvergenceRule()
    main = next(a for a in arms.values() if a.role == "main")
    fixed = next((a for a in arms.values() if a.role == "fixed_lr"), None)
    fewer = next((a for a in arms.values() if a.role == "classes"), None)
    for arm in arms.values():
        for r in arm.rows:
            r["converged"] = rule.converged(r, arm.config.training.epochs)
    everything = [r for a in arms.values() for r in a.rows]
    n_conv = sum(r["converged"] for r in everything)
    minutes = sum(float(r["seconds"]) for r in everything) / 60
    md = [
        f"# Study report: {meta.get('name', 'study')}",
        "",
        str(meta.get("description", "")),
        "",
        "- arms: "
        + "; ".join(
            f"**{a.name}** ({a.role}): {len(a.rows)} of {len(a.config.runs())} runs"
            for a in arms.values()
        )
        + (f"; not started or no finished run: {', '.join(missing)}" if missing else ""),
        f"- compute: {minutes:.1f} run-minutes in all (training, Hessians and landscapes)",
        f"- ± is the sample standard deviation over seeds ({len(main.config.seeds)} per cell)",
        f"- converged runs: {n_conv} of {len(everything)} ({100 * n_conv / len(everything):.0f} "
        f"%) by the rule: {rule.describe()}",
        "",
    ]
    verdicts, body = [], []
    # 1. minima
    verdicts.append(
        (
            "checkpoints are minima",
            f"met by {n_conv} of {len(everything)} runs",
            _convergence_evidence(arms, rule),
        )
    )
    body += _convergence_section(arms, rule)
    # 2. patches
    cl_all = claims(main.cells())
    conv_rows = [r for r in main.rows if r["converged"]]
    cl_conv = claims(main.cells(conv_rows)) if conv_rows else {"patches": [], "depth": []}
    verdicts.append(
        (
            "λ_max falls as the number of patches grows",
            category(cl_all["patches"]),
            f"converged runs only: {category(cl_conv['patches'])}; λ_max(4)/λ_max(16) "
            + _ratio_text(main, 4, 16),
        )
    )
    # 3./4. depth and learning rate
    fixed_cells = _fixed_cells(main, fixed) if fixed else {}
    fall_cat = category(cl_all["depth"])
    fixed_trends = _depth_trends(fixed_cells) if fixed_cells else []
    fixed_cat = category(fixed_trends)
    verdicts.append(
        (
            "λ_max rises with depth (more parameters)",
            depth_verdict(fall_cat, fixed_cat),
            f"with the paper's falling learning rate: {fall_cat}; at a fixed learning rate: "
            f"{fixed_cat}; converged runs only (falling): {category(cl_conv['depth'])}",
        )
    )
    body += _lambda_section(main, cl_all, figs)
    if fixed is not None and fixed_cells:
        body += _learning_rate_section(main, fixed, fixed_cells, fixed_trends)
    verdicts.append(
        (
            "deeper minima with more parameters (best training loss falls with d)",
            category(cl_all["deeper"]),
            "main arm, neighbouring depths",
        )
    )
    # 5. outliers
    out_verdict, out_lines = _outliers(main, fewer)
    verdicts.append(("about one outlier eigenvalue per class", out_verdict, out_lines[0]))
    body += ["## Outliers against a null", "", *out_lines[1:], ""]
    # 6. coupling, whole set
    body += _coupling_section(main, figs)
    body += _subset_section(main)
    # 7. landscapes
    land_verdicts, land_lines = _landscapes(main)
    verdicts += land_verdicts
    body += land_lines
    md += [
        "## Verdicts",
        "",
        "Rules: see the section of each claim below; the setting is far smaller than the "
        "paper's (see *Down-scaling*), so directions compare, sizes do not.",
        "",
        "| claim | verdict | evidence |",
        "|---|---|---|",
        *[f"| {c} | **{v}** | {e} |" for c, v, e in verdicts],
        "",
        *body,
    ]
    md += _downscaling(main, arms)
    md += [
        "## Per-arm reports",
        "",
        *[
            f"- [{a.name}]({a.name}/report.md): every run's numbers, training curves, spectra"
            + (" and landscapes" if a.config.landscape.enabled else "")
            for a in arms.values()
        ],
        "",
    ]
    return "\n".join(md)


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _ratio_text(arm: Arm, ka: int, kb: int) -> str:
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


def _convergence_evidence(arms: Mapping[str, Arm], rule: ConvergenceRule) -> str:
    reasons: dict[str, int] = {}
    for a in arms.values():
        for r in a.rows:
            for kind, _ in rule.checks(r, a.config.training.epochs):
                reasons[kind] = reasons.get(kind, 0) + 1
    if not reasons:
        return "every run met every condition"
    top = sorted(reasons.items(), key=lambda kv: -kv[1])
    return "runs failing each condition: " + ", ".join(f"{k} {n}" for k, n in top)


def _convergence_section(arms: Mapping[str, Arm], rule: ConvergenceRule) -> list[str]:
    md = [
        "## Minima, not snapshots",
        "",
        f"Rule: {rule.describe()}. The paper kept runs with training loss ≤ 0.1; this rule adds "
        "that the loss has stopped falling and the checkpoint sits at a trough of the schedule. "
        "Runs that fail it are kept in every table and flagged here; the claims are also judged "
        "on the converged runs alone.",
        "",
        "| arm | K | d | converged | best epoch | best train loss | loss change, last "
        "period | ‖∇L‖ / ‖∇L₀‖ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in arms.values():
        for (k, d), c in a.cells().items():
            rows = [r for r in a.rows if r["num_patches"] == k and r["depth"] == d]
            ratio = [_num(r.get("grad_norm")) / _num(r.get("grad_norm_init")) for r in rows]
            md.append(
                f"| {a.name} | {k} | {d} | {sum(r['converged'] for r in rows)}/{len(rows)} | "
                f"{fmt_mean_std(c.mean('best_epoch'), c.std('best_epoch'))} | "
                f"{fmt_mean_std(c.mean('train_loss'), c.std('train_loss'))} | "
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
    ks = sorted({k for k, _ in cells})
    ds = sorted({d for _, d in cells})
    lines = ["| K \\ d | " + " | ".join(str(d) for d in ds) + " |", "|---" * (len(ds) + 1) + "|"]
    for k in ks:
        vals = [fmt(cells[(k, d)]) if (k, d) in cells else "" for d in ds]
        lines.append(f"| {k} | " + " | ".join(vals) + " |")
    return lines


def _ms(key: str) -> Callable[[Cell], str]:
    return lambda c: fmt_mean_std(c.mean(key), c.std(key))


def _lambda_section(main: Arm, cl: Mapping[str, list[Trend]], figs: Mapping) -> list[str]:
    cells = main.cells()
    wpp = {d: int(c.mean("weights_per_patch")) for (_, d), c in cells.items()}
    md = ["## λ_max over patches and depth (whole training set)", ""]
    if "lambda_depth" in figs:
        md += [f"![λ_max against weights per patch]({figs['lambda_depth']})", ""]
    md += [
        "Main arm, λ_max at the best checkpoint on all training images (mean ± std over seeds); "
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


def _fixed_cells(main: Arm, fixed: Arm) -> dict[tuple[int, int], Cell]:
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


def _depth_trends(cells: Mapping[tuple[int, int], Cell]) -> list[Trend]:
    return claims(cells)["depth"]


def _learning_rate_section(
    main: Arm, fixed: Arm, fixed_cells: Mapping[tuple[int, int], Cell], trends: list[Trend]
) -> list[str]:
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
    for (k, d), c in fixed_cells.items():
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
    ds = sorted({d for _, d in fixed_cells})
    ks = sorted({k for k, _ in fixed_cells})
    lines = []
    for k in ks:
        lo, hi = (k, ds[0]), (k, ds[-1])
        if lo in fixed_cells and hi in fixed_cells and lo in main_cells and hi in main_cells:
            f_ratio = _paired_ratio(main_cells[hi], main_cells[lo])
            x_ratio = _paired_ratio(fixed_cells[hi], fixed_cells[lo])
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


def _outliers(main: Arm, fewer: Arm | None) -> tuple[str, list[str]]:
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
    verdict = _outlier_verdict(counts)
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


def _outlier_verdict(counts: Mapping[int, Sequence[float]]) -> str:
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


def _coupling_section(main: Arm, figs: Mapping) -> list[str]:
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


def _subset_section(main: Arm) -> list[str]:
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


def _landscapes(main: Arm) -> tuple[list[tuple[str, str, str]], list[str]]:
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


def _downscaling(main: Arm, arms: Mapping[str, Arm]) -> list[str]:
    md = ["## Down-scaling", "", "As stated in the study's configuration:", ""]
    md += [f"- {s}" for s in main.config.downscaling]
    for a in arms.values():
        if a.role != "main" and a.config.description:
            md.append(f"- arm {a.name}: {a.config.description}")
    return [*md, ""]


# ------------------------------------------------------------------------------- figures
def _draw(fig_dir: Path, arms: Mapping[str, Arm]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    main = next(a for a in arms.values() if a.role == "main")
    fixed = next((a for a in arms.values() if a.role == "fixed_lr"), None)
    cells = main.cells()
    ks = sorted({k for k, _ in cells})
    colors = dict(zip(ks, plt.get_cmap("viridis")(np.linspace(0.1, 0.8, len(ks))), strict=True))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k in ks:
        pts = _by_weights(cells, k)
        x = [p for p, _ in pts]
        ax.errorbar(
            x,
            [c.mean("lambda_max") for _, c in pts],
            yerr=[c.std("lambda_max") for _, c in pts],
            color=colors[k],
            marker="o",
            capsize=3,
            label=f"K = {k}, lr falling with d",
        )
    if fixed is not None:
        fcells = _fixed_cells(main, fixed)
        for k in sorted({k for k, _ in fcells}):
            pts = _by_weights(fcells, k)
            ax.errorbar(
                [p for p, _ in pts],
                [c.mean("lambda_max") for _, c in pts],
                yerr=[c.std("lambda_max") for _, c in pts],
                color=colors.get(k, "grey"),
                marker="s",
                linestyle="--",
                capsize=3,
                label=f"K = {k}, fixed lr",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("weights per patch")
    ax.set_ylabel("λ_max (whole training set)")
    ax.legend(fontsize=7)
    ax.set_title("λ_max against weights per patch (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(fig_dir / "lambda_depth.png", dpi=120)
    plt.close(fig)
    out["lambda_depth"] = "figures/lambda_depth.png"
    if any(math.isfinite(c.mean("offdiag_mass")) for c in cells.values()):
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        for d in sorted({d for _, d in cells}):
            pts = [(k, cells[(k, d)]) for k in ks if (k, d) in cells]
            ax.errorbar(
                [k for k, _ in pts],
                [c.mean("offdiag_mass") for _, c in pts],
                yerr=[c.std("offdiag_mass") for _, c in pts],
                marker="o",
                capsize=3,
                label=f"d = {d}",
            )
        ax.set_xlabel("patches K")
        ax.set_ylabel("share of ‖H‖_F off the diagonal blocks")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(fig_dir / "coupling.png", dpi=120)
        plt.close(fig)
        out["coupling"] = "figures/coupling.png"
    return out


def _by_weights(cells: Mapping[tuple[int, int], Cell], k: int) -> list[tuple[float, Cell]]:
    pts = [(c.mean("weights_per_patch"), c) for (kk, _), c in cells.items() if kk == k]
    return sorted(pts, key=lambda p: p[0])
