# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""``report.md`` and PNG figures for a sweep directory, our numbers beside the paper's.

The report reads only the finished run directories, so it can be written while a sweep is still
running or after it was interrupted; it says how many runs it covers.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..io import atomic_write_text, read_json
from . import paper_data as paper
from .claims import Cell, Trend, aggregate, fmt_mean_std, trend
from .config import SweepConfig, load_preset
from .store import SweepStore

__all__ = ["write_report"]

_KEYS = (
    "lambda_max",
    "lambda_2",
    "trace",
    "num_outliers",
    "train_loss",
    "test_loss",
    "test_accuracy",
    "train_accuracy",
    "final_test_accuracy",
    "best_epoch",
    "pc1_ratio",
    "pc2_ratio",
    "num_weights",
    "weights_per_patch",
    "seconds",
    "hessian_samples",
)


def write_report(directory: str | Path, *, figures: bool = True) -> Path:
    """Write ``DIR/report.md`` and ``DIR/figures/*.png`` from the finished runs of a sweep.

    Args:
        directory: a sweep directory (with ``sweep.json``).
        figures: also draw the PNG figures.

    Returns:
        The path of ``report.md``.

    Raises:
        FileNotFoundError: not a sweep directory.
        ValueError: no run has finished yet.

    Example:
        >>> import tempfile
        >>> from qiskit_patchqnn.experiments import parse_config, run_sweep
        >>> cfg = parse_config({
        ...     "sweep": {"seeds": [0, 1]},
        ...     "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8},
        ...     "layout": {"patch_shape": [3, 3], "num_patches": [1, 4]},
        ...     "model": {"depths": [1]}, "training": {"epochs": 2, "batch_size": 8},
        ...     "hessian": {"num_samples": 4, "density": False},
        ...     "landscape": {"enabled": False}})
        >>> out = Path(tempfile.mkdtemp()) / "s"
        >>> _ = run_sweep(cfg, out, progress=False)
        >>> "λ_max falls from 1 to 4 patches" in write_report(out, figures=False).read_text()
        True
    """
    store = SweepStore.open(directory)
    config = store.config()
    finished = store.finished()
    if not finished:
        raise ValueError(f"{store.root}: no finished runs to report on yet")
    rows = sorted(finished.values(), key=lambda m: (m["num_patches"], m["depth"], m["seed"]))
    cells = aggregate(rows, _KEYS)
    figs: dict[str, Any] = {}
    if figures:
        figs = _figures(store, config, rows, cells)
    text = _markdown(store, config, rows, cells, store.failed(), figs)
    return atomic_write_text(store.root / "report.md", text)


# ----------------------------------------------------------------------------- claims
def claims(config: SweepConfig, cells: dict[tuple[int, int], Cell]) -> dict[str, list[Trend]]:
    """The paper's claims judged on our cells (see :mod:`.claims` for the verdict rule)."""
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


def _overall(name: str, trends: list[Trend]) -> str:
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


# ----------------------------------------------------------------------------- figures
def _figures(
    store: SweepStore, config: SweepConfig, rows: list[dict], cells: dict[tuple[int, int], Cell]
) -> dict[str, Any]:
    from ..landscape import LandscapeScan
    from ..plotting import plot_lambda_max, plot_landscape_contour, plot_spectrum_density

    fig_dir = store.root / "figures"
    fig_dir.mkdir(exist_ok=True)
    out: dict[str, Any] = {"spectra": [], "landscapes": []}
    table = [
        {
            "num_patches": k,
            "depth": d,
            "lambda_max_mean": c.mean("lambda_max"),
            "lambda_max_std": c.std("lambda_max"),
            "num_seeds": len(c.seeds),
        }
        for (k, d), c in cells.items()
        if math.isfinite(c.mean("lambda_max"))
    ]
    if table:
        plot_lambda_max(
            table,
            title=f"{config.name}: λ_max at the best checkpoint (mean ± std over seeds)",
            path=fig_dir / "lambda_max.png",
        )
        out["lambda_max"] = "figures/lambda_max.png"
    _curves(store, rows, fig_dir / "curves.png")
    out["curves"] = "figures/curves.png"
    for (k, d), cell in cells.items():
        run = store.runs_dir / f"p{k}-d{d}-s{cell.seeds[0]}"
        npz = run / "hessian.npz"
        if not npz.is_file():
            continue
        with np.load(npz) as z:
            if "density" not in z.files:
                continue
            dens = SimpleNamespace(
                grid=z["density_grid"],
                density=z["density"],
                nodes=z["density_nodes"],
                weights=z["density_weights"],
                sigma=float(z["density_sigma"]),
            )
            top, outl = z["top_eigenvalues"], z["outliers"]
        name = f"figures/spectrum_{run.name}.png"
        plot_spectrum_density(
            dens,
            eigenvalues=top,
            outliers=outl,
            path=store.root / name,
            title=f"Hessian spectrum, K={k}, d={d}, seed {cell.seeds[0]}",
        )
        out["spectra"].append((run.name, name))
    for r in rows:
        run = store.runs_dir / f"p{r['num_patches']}-d{r['depth']}-s{r['seed']}"
        if not (run / "landscape.json").is_file():
            continue
        scan = LandscapeScan.load(run / "landscape")
        coords = np.asarray(scan.info.get("trajectory_coordinates"), dtype=float)
        name = f"figures/landscape_{run.name}.png"
        plot_landscape_contour(
            scan,
            coords if coords.ndim == 2 else None,
            min_index=scan.info.get("origin_index"),
            title=f"training loss, PCA plane, K={r['num_patches']}, d={r['depth']}, "
            f"seed {r['seed']} ({scan.num_samples} samples)",
            path=store.root / name,
        )
        out["landscapes"].append((run.name, name, scan))
    return out


def _curves(store: SweepStore, rows: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 3)
    groups: dict[tuple[int, int], list[list[dict]]] = {}
    for r in rows:
        run = store.runs_dir / f"p{r['num_patches']}-d{r['depth']}-s{r['seed']}"
        groups.setdefault((r["num_patches"], r["depth"]), []).append(
            read_json(run / "history.json")
        )
    keys = (
        ("train_loss", "train loss"),
        ("test_loss", "test loss"),
        ("test_accuracy", "test accuracy"),
    )
    for i, ((k, d), hists) in enumerate(sorted(groups.items())):
        n = min(len(h) for h in hists)
        epochs = np.array([h["epoch"] for h in hists[0][:n]])
        for ax, (key, label) in zip(axes, keys, strict=True):
            v = np.array([[row[key] for row in h[:n]] for h in hists], dtype=float)
            m = v.mean(axis=0)
            ax.plot(epochs, m, color=f"C{i}", label=f"K={k}, d={d}")
            if len(hists) > 1:
                s = v.std(axis=0, ddof=1)
                ax.fill_between(epochs, m - s, m + s, color=f"C{i}", alpha=0.2)
            ax.set_xlabel("epoch (-1 = initial weights)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(label)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].legend(fontsize=8)
    fig.suptitle("full-set loss and accuracy per epoch (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


# ----------------------------------------------------------------------------- markdown
def _markdown(
    store: SweepStore,
    config: SweepConfig,
    rows: list[dict],
    cells: dict[tuple[int, int], Cell],
    failed: dict[str, dict],
    figs: dict[str, Any],
) -> str:
    total = len(config.runs())
    seeds = sorted({r["seed"] for r in rows})
    cl = claims(config, cells)
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
        "- " + _overall("λ_max falls as the number of patches grows", cl["patches"]),
        "- " + _overall("λ_max rises with depth (more parameters)", cl["depth"]),
        "- " + _overall("deeper minima with more parameters (best training loss)", cl["deeper"]),
        "- " + _overall("test accuracy rises with the number of patches", cl["accuracy"]),
        "",
    ]
    for key in ("patches", "depth", "deeper", "accuracy"):
        md += [f"  - {t.sentence}" for t in cl[key]]
    md += ["", *_outlier_lines(config, cells), *_convergence_lines(config, rows), ""]
    md += _lambda_section(cells, figs)
    md += _accuracy_section(cells, figs)
    md += _spectrum_section(figs)
    md += _landscape_section(config, cells, figs)
    md += _downscaling_section(store, config, rows)
    md += _runs_section(rows, failed)
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


def _downscaling_section(store: SweepStore, config: SweepConfig, rows: list[dict]) -> list[str]:
    ref = load_preset("paper")
    first = store.runs_dir / f"p{rows[0]['num_patches']}-d{rows[0]['depth']}-s{rows[0]['seed']}"
    info = read_json(first / "config.json")
    n_train, n_test = info["info"].get("num_train"), info["info"].get("num_test")
    qubits = info["model"].get("num_qubits")
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
            "exact parameter-shift Hessian, dense/ARPACK eigensolver",
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


def _runs_section(rows: list[dict], failed: dict[str, dict]) -> list[str]:
    md = [
        "## Runs",
        "",
        "| run | weights | best epoch | train loss | test acc | λ_max | λ_2 | "
        "trace | outliers | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = f"p{r['num_patches']}-d{r['depth']}-s{r['seed']}"
        md.append(
            f"| {name} | {r['num_weights']} | {r['best_epoch']} | {r['train_loss']:.4g} | "
            f"{r['test_accuracy']:.4f} | {_g(r['lambda_max'])} | {_g(r['lambda_2'])} | "
            f"{_g(r['trace'])} | {r['num_outliers']} | {r['seconds']:.0f} |"
        )
    if failed:
        md += ["", "Failed runs (retried on the next `patchqnn sweep` with the same command):", ""]
        for name, e in failed.items():
            message = (str(e.get("message", "")).splitlines() or [""])[0]
            md.append(f"- {name}: {e.get('type')}: {message}")
    return [*md, ""]


def _g(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "n/a"
    return f"{f:.4g}" if math.isfinite(f) else "n/a"
