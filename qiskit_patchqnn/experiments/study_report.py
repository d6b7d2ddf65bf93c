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

import secrets
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..io import atomic_write_text, replace_directory
from .claims import claims
from .convergence import ConvergenceRule
from .report import RunFiles, write_report
from .store import SweepStore
from .study import open_study
from .study_figures import draw_study_figures
from .study_sections import (
    Arm,
    category,
    convergence_evidence,
    convergence_section,
    coupling_section,
    depth_trends,
    depth_verdict,
    downscaling_section,
    fixed_cells,
    lambda_section,
    landscape_section,
    learning_rate_section,
    outlier_section,
    ratio_text,
    subset_section,
)

__all__ = ["study_markdown", "write_study_report"]


def write_study_report(
    directory: str | Path,
    *,
    figures: bool = True,
    on_problem: Callable[[str], None] | None = None,
) -> Path:
    """Write ``DIR/report.md`` (and each arm's own report) for a study directory.

    ``patchqnn reproduce --preset standard`` calls it when the study's runs are done;
    ``patchqnn report DIR`` calls it on any directory holding a ``study.json``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     write_study_report(tmp)  # not a study directory
        Traceback (most recent call last):
        ...
        FileNotFoundError: ... is not a study directory (no study.json)

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
            figs = draw_study_figures(tmp, arms)
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
            convergence_evidence(arms, rule),
        )
    )
    body += convergence_section(arms, rule)
    # 2. patches
    cl_all = claims(main.cells())
    conv_rows = [r for r in main.rows if r["converged"]]
    cl_conv = claims(main.cells(conv_rows)) if conv_rows else {"patches": [], "depth": []}
    verdicts.append(
        (
            "λ_max falls as the number of patches grows",
            category(cl_all["patches"]),
            f"converged runs only: {category(cl_conv['patches'])}; λ_max(4)/λ_max(16) "
            + ratio_text(main, 4, 16),
        )
    )
    # 3./4. depth and learning rate
    cells_fixed = fixed_cells(main, fixed) if fixed else {}
    fall_cat = category(cl_all["depth"])
    fixed_trends = depth_trends(cells_fixed) if cells_fixed else []
    fixed_cat = category(fixed_trends)
    fixed_conv_cat = "not testable"
    if fixed is not None:
        conv = {
            a.name: replace(a, rows=[r for r in a.rows if r["converged"]]) for a in (main, fixed)
        }
        fixed_conv_cat = category(depth_trends(fixed_cells(conv[main.name], conv[fixed.name])))
    fall_conv_cat = category(cl_conv["depth"])
    # The claim is about minima: judged on the converged runs where there are any.
    on_conv = fall_conv_cat != "not testable"
    verdicts.append(
        (
            "λ_max rises with depth (more parameters)",
            depth_verdict(fall_conv_cat, fixed_conv_cat)
            if on_conv
            else depth_verdict(fall_cat, fixed_cat),
            ("judged on converged runs: " if on_conv else "converged runs: ")
            + f"{fall_conv_cat} with the paper's falling learning rate, {fixed_conv_cat} at a "
            f"fixed learning rate; all runs: {fall_cat} (falling), {fixed_cat} (fixed)",
        )
    )
    body += lambda_section(main, cl_all, figs)
    if fixed is not None and cells_fixed:
        body += learning_rate_section(main, fixed, cells_fixed, fixed_trends)
    verdicts.append(
        (
            "deeper minima with more parameters (best training loss falls with d)",
            category(cl_all["deeper"]),
            "main arm, neighbouring depths",
        )
    )
    # 5. outliers
    out_verdict, out_lines = outlier_section(main, fewer)
    verdicts.append(("about one outlier eigenvalue per class", out_verdict, out_lines[0]))
    body += ["## Outliers against a null", "", *out_lines[1:], ""]
    # 6. coupling, whole set
    body += coupling_section(main, figs)
    body += subset_section(main)
    # 7. landscapes
    land_verdicts, land_lines = landscape_section(main)
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
    md += downscaling_section(main, arms)
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
