# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The text of a sweep report: claims, tables beside the paper's, down-scaling, runs.

The paper's claims are read off our numbers; the damaged files that were left out are listed.

Every sentence is built from the measured values (see :mod:`.claims`); nothing is canned.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import paper_data as paper
from .claims import Cell, claims, fmt_mean_std, overall
from .config import load_preset
from .schema import SweepConfig

__all__ = ["report_markdown"]


def report_markdown(
    files: Any,
    config: SweepConfig,
    rows: list[dict],
    cells: dict[tuple[int, int], Cell],
    failed: dict[str, dict],
    figs: dict[str, Any],
) -> str:
    """The text of ``report.md``: claims, tables beside the paper's, down-scaling, runs.

    Args:
        files: the :class:`~.report.RunFiles` reader (its problems are listed under *Runs*).
        config: the sweep's configuration.
        rows: the finished runs' metrics.
        cells: the rows aggregated over seeds.
        failed: failed runs (name -> error).
        figs: what :func:`~.figures.draw_figures` drew.

    Example:
        >>> from qiskit_patchqnn.experiments.report import RunFiles
        >>> from qiskit_patchqnn.experiments import load_preset
        >>> from qiskit_patchqnn.experiments.claims import aggregate
        >>> row = {"num_patches": 4, "depth": 1, "seed": 0, "num_weights": 320,
        ...        "weights_per_patch": 80, "best_epoch": 9, "train_loss": 0.5, "test_loss": 0.6,
        ...        "test_accuracy": 0.8, "final_test_accuracy": 0.8, "train_accuracy": 0.8,
        ...        "lambda_max": 50.0, "lambda_2": 40.0, "trace": 100.0, "num_outliers": 9,
        ...        "seconds": 10.0, "hessian_samples": 40, "pc1_ratio": 0.9, "pc2_ratio": 0.05}
        >>> from pathlib import Path
        >>> text = report_markdown(RunFiles(Path("runs/none")), load_preset("quick"), [row],
        ...                        aggregate([row], list(row)), {}, {})
        >>> text.splitlines()[0], "| p4-d1-s0 | 320 | 9 |" in text
        ('# Sweep report: quick', True)
    """
    total = len(config.runs())
    seeds = sorted({r["seed"] for r in rows})
    cl = claims(cells)
    hours = sum(r["seconds"] for r in rows) / 3600
    md = [
        f"# Sweep report: {config.name}",
        "",
        config.description,
        "",
        f"- runs finished: {len(rows)} of {total}"
        + (f" ({len(failed)} failed, see below)" if failed else ""),
        f"- seeds per cell: {len(seeds)} ({', '.join(map(str, seeds))}); "
        "± is the sample standard deviation over seeds",
        f"- compute: {hours * 60:.1f} run-minutes in all; config hash `{config.hash}`",
        f"- backend: `{config.backend.spec}`"
        + (f", {config.backend.shots} shots" if config.backend.shots else " (exact expectations)"),
        "",
        "## The paper's claims, read off our numbers",
        "",
        "Verdicts: *holds* = the mean moves the paper's way and so does every seed; *holds on "
        "average* = the mean does, some seed does not; *does not hold* = the mean moves the other "
        "way. The setting is much smaller than the paper's (see *Down-scaling*), so only the "
        "directions of the effects are comparable, not their sizes.",
        "",
        "- " + overall("λ_max falls as the number of patches grows", cl["patches"]),
        "- " + overall("λ_max rises with depth (more parameters)", cl["depth"]),
        "- " + overall("deeper minima with more parameters (best training loss)", cl["deeper"]),
        "- " + overall("test accuracy rises with the number of patches", cl["accuracy"]),
        "",
    ]
    for key in ("patches", "depth", "deeper", "accuracy"):
        md += [f"  - {t.sentence}" for t in cl[key]]
    md += ["", *_outlier_lines(config, cells), *_convergence_lines(config, rows), ""]
    md += _lambda_section(cells, figs)
    md += _accuracy_section(cells, figs)
    md += _spectrum_section(figs)
    md += _landscape_section(config, cells, figs)
    md += _downscaling_section(files, config, rows)
    md += _runs_section(rows, failed, files.problems)
    md += [
        "## Sources of the paper's numbers",
        "",
        f"- λ_max: {paper.LAMBDA_MAX_SOURCE}",
        f"- accuracy and loss: {paper.METRICS_SOURCE}",
        f"- explained variance: {paper.PCA_SOURCE}",
        "- Kawase, arXiv 2504.19239; author's code github.com/puyokw/qnns_with_patches. The "
        "paper's own tables were not readable; these are the author's notebook outputs.",
        "",
    ]
    return "\n".join(md)


def _convergence_lines(config: SweepConfig, rows: list[dict]) -> list[str]:
    last = config.training.epochs - 1
    at_end = sum(int(r["best_epoch"]) == last for r in rows)
    if not at_end:
        return []
    return [
        f"- caveat: in {at_end} of {len(rows)} runs the lowest training loss is at the last "
        f"epoch ({last}): training had not converged, so those Hessians are taken on the way "
        "to a minimum, where the residual (non-Gauss-Newton) term has not vanished; the paper's "
        "checkpoints are at minima. Compare λ_max between cells whose training losses differ "
        "a lot with care."
    ]


def _outlier_lines(config: SweepConfig, cells: dict[tuple[int, int], Cell]) -> list[str]:
    c = config.dataset.num_classes or 10
    counts = [v for cell in cells.values() for v in cell.values["num_outliers"] if math.isfinite(v)]
    if not counts:
        return []
    lo, hi, mean = min(counts), max(counts), float(np.mean(counts))
    near = abs(mean - c) <= 1 or abs(mean - (c - 1)) <= 1
    verdict = "holds" if near else "does not hold"
    return [
        f"- about one outlier eigenvalue per class (v2 of the paper, C = {c}): we count "
        f"{mean:.1f} on average (range {lo:.0f}–{hi:.0f}) by the largest-gap rule ({verdict})"
    ]


def _grid(cells, fmt) -> tuple[list[int], list[int], list[str]]:
    ks = sorted({k for k, _ in cells})
    ds = sorted({d for _, d in cells})
    lines = ["| K \\ d | " + " | ".join(str(d) for d in ds) + " |", "|---" * (len(ds) + 1) + "|"]
    for k in ks:
        vals = [fmt(cells[(k, d)]) if (k, d) in cells else "" for d in ds]
        lines.append(f"| {k} | " + " | ".join(vals) + " |")
    return ks, ds, lines


def _lambda_section(cells, figs) -> list[str]:
    _, _, ours = _grid(cells, lambda c: fmt_mean_std(c.mean("lambda_max"), c.std("lambda_max")))
    theirs = _grid(
        {key: Cell(key[0], key[1], {"v": (v,)}, (1001,)) for key, v in paper.LAMBDA_MAX.items()},
        lambda c: f"{c.mean('v'):.3f}",
    )[2]
    ratios = []
    for ka, kb in ((4, 9), (9, 16), (4, 16)):
        ours_r = [
            cells[(ka, d)].mean("lambda_max") / cells[(kb, d)].mean("lambda_max")
            for d in sorted({d for _, d in cells})
            if (ka, d) in cells and (kb, d) in cells
        ]
        if ours_r:
            pr = [paper.LAMBDA_MAX[(ka, d)] / paper.LAMBDA_MAX[(kb, d)] for d in paper.DEPTHS]
            ratios.append(
                f"- λ_max({ka}) / λ_max({kb}): ours {', '.join(f'{r:.2f}' for r in ours_r)} "
                f"(one per depth); paper {min(pr):.2f}–{max(pr):.2f}; pure 1/K scaling "
                f"{kb / ka:.2f}"
            )
    md = ["## Largest Hessian eigenvalue at the best checkpoint", ""]
    if "lambda_max" in figs:
        md += [f"![λ_max vs patches]({figs['lambda_max']})", ""]
    md += [
        "Ours (mean ± std over seeds):",
        "",
        *ours,
        "",
        "Paper (MNIST, one seed, paper-notes §7.1):",
        "",
        *theirs,
        "",
        *ratios,
        "",
    ]
    return md


def _accuracy_section(cells, figs) -> list[str]:
    md = ["## Accuracy and loss at the best epoch", ""]
    if "curves" in figs:
        md += [f"![training curves]({figs['curves']})", ""]
    md += [
        "| K | d | best epoch | train loss | test loss | test accuracy | last-epoch test acc |",
        "|---|---|---|---|---|---|---|",
    ]
    for (k, d), c in cells.items():
        md.append(
            f"| {k} | {d} | {fmt_mean_std(c.mean('best_epoch'), c.std('best_epoch'))} | "
            f"{fmt_mean_std(c.mean('train_loss'), c.std('train_loss'))} | "
            f"{fmt_mean_std(c.mean('test_loss'), c.std('test_loss'))} | "
            f"{fmt_mean_std(c.mean('test_accuracy'), c.std('test_accuracy'))} | "
            f"{fmt_mean_std(c.mean('final_test_accuracy'), c.std('final_test_accuracy'))} |"
        )
    md += [
        "",
        "Paper (MNIST, full sets, paper-notes §7.2):",
        "",
        "| K | d | epoch | train loss | test loss | test accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for (k, d), m in paper.BEST_EPOCH_METRICS.items():
        md.append(
            f"| {k} | {d} | {m['epoch']} | {m['train_loss']:.4f} | {m['test_loss']:.4f} | "
            f"{m['test_accuracy']:.4f} |"
        )
    return [*md, ""]


def _spectrum_section(figs) -> list[str]:
    if not figs.get("spectra"):
        return []
    md = ["## Hessian spectra (first seed of each cell)", ""]
    md += [f"![spectrum {name}]({path})" for name, path in figs["spectra"]]
    return [*md, ""]


def _landscape_section(config: SweepConfig, cells, figs) -> list[str]:
    rows = [(k, d, c) for (k, d), c in cells.items() if math.isfinite(c.mean("pc1_ratio"))]
    if not rows:
        return []
    md = ["## Loss landscapes (trajectory PCA)", ""]
    for name, path, scan in figs.get("landscapes", []):
        md += [
            f"![landscape {name}]({path})",
            "",
            f"{name}: grid loss {np.nanmin(scan.losses):.3g}–{np.nanmax(scan.losses):.3g} "
            f"nats on {scan.num_samples} training images; {scan.periodicity_note}.",
            "",
        ]
    md += [
        "Explained variance of the weight trajectory (the paper's Table B1 analogue):",
        "",
        "| K | d | PC1 (ours) | PC2 (ours) | paper d | PC1 (paper) | PC2 (paper) |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, d, c in rows:
        pr = [(pd, paper.PCA_RATIOS[(k, pd)]) for pd in paper.DEPTHS if (k, pd) in paper.PCA_RATIOS]
        paper_txt = "; ".join(f"{v[0]:.3f}" for _, v in pr) or "n/a"
        paper_txt2 = "; ".join(f"{v[1]:.3f}" for _, v in pr) or "n/a"
        ds = "/".join(str(pd) for pd, _ in pr) or "n/a"
        md.append(
            f"| {k} | {d} | {fmt_mean_std(c.mean('pc1_ratio'), c.std('pc1_ratio'))} | "
            f"{fmt_mean_std(c.mean('pc2_ratio'), c.std('pc2_ratio'))} | {ds} | "
            f"{paper_txt} | {paper_txt2} |"
        )
    return [*md, ""]


def _downscaling_section(files: Any, config: SweepConfig, rows: list[dict]) -> list[str]:
    ref = load_preset("paper")
    info: dict[str, Any] = {}
    for r in rows:  # the first run with a readable config.json
        if files.exists(_name(r), "config.json"):
            found = files.json(_name(r), "config.json", "another run's is used for the sizes")
            if isinstance(found, dict):
                info = found
                break
    n_train = info.get("info", {}).get("num_train", "n/a")
    n_test = info.get("info", {}).get("num_test", "n/a")
    qubits = info.get("model", {}).get("num_qubits", "n/a")
    wpp = sorted({r["weights_per_patch"] for r in rows})
    tr, rt = config.training, ref.training
    ds = config.dataset
    data_name = "MNIST" if not ds.is_digits else "scikit-learn digits"
    sel = config.landscape
    land = (
        "off"
        if not sel.enabled
        else f"{sel.resolution}×{sel.resolution}, {sel.num_samples or 'all'} samples, runs "
        f"K∈{_sel(sel.num_patches)} d∈{_sel(sel.depths)} seeds∈{_sel(sel.seeds)}"
    )
    items = [
        (
            "dataset",
            f"{data_name} {list(config.layout.image_shape)}, "
            f"{config.dataset.num_classes or 10} classes",
            "MNIST [14, 14] (pooled), 10 classes",
        ),
        ("train / test images", f"{n_train} / {n_test}", "60000 / 10000"),
        ("patch shape, qubits", f"{list(config.layout.patch_shape)}, {qubits}", "[8, 8], 8"),
        ("patch counts K", str(list(config.layout.num_patches)), "[4, 9, 16]"),
        ("depths d", str(list(config.model.depths)), "[50, 100, 150, 200]"),
        ("weights per patch", ", ".join(map(str, wpp)), "2528, 4928, 7328, 9728"),
        ("positional bias", str(config.model.input_bias).lower(), "true"),
        ("seeds per cell", str(len(config.seeds)), "1"),
        ("epochs", str(tr.epochs), str(rt.epochs)),
        ("batch size", str(tr.batch_size), f"{rt.batch_size} (60 batches)"),
        ("learning rate", _lr(tr), _lr(rt)),
        (
            "schedule",
            tr.schedule + (f" (T_max={tr.t_max})" if tr.schedule == "cosine" else ""),
            f"cosine (T_max={rt.t_max})",
        ),
        ("weight decay", f"{tr.weight_decay:g}", f"{rt.weight_decay:g}"),
        ("Hessian samples", str(config.hessian.num_samples or n_train), "60000"),
        (
            "Hessian method",
            "exact Hessian-vector products (adjoint sweeps), Lanczos"
            if config.hessian.method == "hvp"
            else "exact parameter-shift Hessian, dense/ARPACK eigensolver",
            "PyHessian power iteration on autograd HVPs",
        ),
        ("landscape", land, "20×20, 60000 samples, every run"),
        (
            "backend",
            config.backend.spec
            + (f", {config.backend.shots} shots" if config.backend.shots else ""),
            "exact",
        ),
    ]
    md = ["## Down-scaling: this sweep against the paper's setting", ""]
    if config.downscaling:
        md += ["As stated in the config:", ""] + [f"- {s}" for s in config.downscaling] + [""]
    md += ["| setting | this sweep | paper | |", "|---|---|---|---|"]
    for name, ours, theirs in items:
        flag = "" if ours.replace(" ", "") == theirs.replace(" ", "") else "differs"
        md.append(f"| {name} | {ours} | {theirs} | {flag} |")
    return [*md, ""]


def _sel(values: tuple[int, ...] | None) -> str:
    return "all" if values is None else str(list(values))


def _lr(tr: Any) -> str:
    if isinstance(tr.learning_rate, tuple):
        return ", ".join(f"{lr:g} (d={d})" for d, lr in tr.learning_rate)
    return f"{tr.learning_rate:g}"


def _name(row: dict) -> str:
    return f"p{row['num_patches']}-d{row['depth']}-s{row['seed']}"


def _runs_section(rows: list[dict], failed: dict[str, dict], problems: list[str]) -> list[str]:
    md = [
        "## Runs",
        "",
        "| run | weights | best epoch | train loss | test acc | λ_max | λ_2 | "
        "trace | outliers | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {_name(r)} | {r['num_weights']} | {r['best_epoch']} | {r['train_loss']:.4g} | "
            f"{r['test_accuracy']:.4f} | {_g(r['lambda_max'])} | {_g(r['lambda_2'])} | "
            f"{_g(r['trace'])} | {r['num_outliers']} | {r['seconds']:.0f} |"
        )
    if failed:
        md += ["", "Failed runs (retried on the next `patchqnn sweep` with the same command):", ""]
        for name, e in failed.items():
            message = (str(e.get("message", "")).splitlines() or [""])[0]
            md.append(f"- {name}: {e.get('type')}: {message}")
    if problems:
        md += ["", "Damaged files (left out where they were needed):", ""]
        md += [f"- {line}" for line in problems]
    return [*md, ""]


def _g(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "n/a"
    return f"{f:.4g}" if math.isfinite(f) else "n/a"
