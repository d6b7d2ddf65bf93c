# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Studies: parsing, a tiny three-arm study through the CLI, its report and its rules."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import ConfigError, load_preset, load_study, parse_study
from qiskit_patchqnn.experiments.claims import Trend
from qiskit_patchqnn.experiments.convergence import ConvergenceRule
from qiskit_patchqnn.experiments.study_sections import category, depth_verdict, outlier_verdict

TINY_STUDY = """
[study]
name = "tiny"
description = "a tiny study"
arms = ["main", "fixed", "few"]

[sweep]
seeds = [0, 1]

[dataset]
pool = true
num_classes = 4
num_train = 24
num_test = 8

[layout]
patch_shape = [3, 3]
num_patches = [1, 4]

[model]
depths = [1, 2]

[training]
learning_rate = { 1 = 0.05, 2 = 0.02 }
epochs = 4
t_max = 1
batch_size = 12

[hessian]
method = "hvp"
top_k = 6
eigen_tol = 1e-3
trace_probes = 2
density_runs = 1
density_steps = 4
subset_samples = 8
block_norm_samples = 8
block_norm_probes = 2
class_structure = true

[landscape]
seeds = [0]
resolution = 3
num_samples = 8

[arms.main]
role = "main"

[arms.fixed]
role = "fixed_lr"
[arms.fixed.model]
depths = [1]
[arms.fixed.training]
learning_rate = 0.02
[arms.fixed.landscape]
enabled = false

[arms.few]
role = "classes"
[arms.few.dataset]
num_classes = 2
[arms.few.layout]
num_patches = [4]
[arms.few.model]
depths = [1]
[arms.few.training]
learning_rate = { 1 = 0.05 }
[arms.few.landscape]
enabled = false
"""


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("study")
    cfg = tmp / "tiny.toml"
    cfg.write_text(TINY_STUDY)
    out = tmp / "out"
    assert main(["sweep", str(cfg), "--out", str(out), "--no-progress"]) == 0
    assert main(["report", str(out)]) == 0
    return out


def test_the_standard_preset_is_a_study_of_three_arms() -> None:
    study = load_study("standard")
    main_arm = study.arms["main"]
    assert study.roles == {"main": "main", "fixed-lr": "fixed_lr", "classes": "classes"}
    assert main_arm.layout.num_patches == (4, 9, 16)
    assert len(main_arm.model.depths) >= 4 and len(main_arm.seeds) >= 5
    assert main_arm.hessian.num_samples is None and main_arm.hessian.method == "hvp"
    assert study.arms["classes"].dataset.num_classes == 4
    assert isinstance(study.arms["fixed-lr"].training.learning_rate, float)
    with pytest.raises(ConfigError, match="is a study"):
        load_preset("standard")


def test_weights_per_patch_span_eight_times() -> None:
    from qiskit_patchqnn.experiments.runner import build_model

    cfg = load_study("standard").arms["main"]
    runs = [r for r in cfg.runs() if r.num_patches == 4 and r.seed == 0]
    per_patch = [build_model(cfg, r, 10).weights_per_patch for r in runs]
    assert max(per_patch) / min(per_patch) >= 8


def test_every_arm_is_a_sweep_and_the_report_judges_every_claim(study_dir: Path) -> None:
    assert sorted(p.name for p in study_dir.iterdir() if p.is_dir()) == [
        "few",
        "figures",
        "fixed",
        "main",
    ]
    rows = list(csv.DictReader((study_dir / "main" / "summary.csv").open()))
    assert len(rows) == 8
    for key in ("grad_norm", "bulk_edge", "num_outliers_null", "subset_lambda_max"):
        assert all(math.isfinite(float(r[key])) for r in rows), key
    four = [r for r in rows if r["num_patches"] == "4"]
    assert all(0 <= float(r["offdiag_mass"]) <= 1 for r in four)
    assert all(r["landscape_loss_max"] for r in rows if r["seed"] == "0")
    text = (study_dir / "report.md").read_text()
    for claim in (
        "checkpoints are minima",
        "λ_max falls as the number of patches grows",
        "λ_max rises with depth",
        "about one outlier eigenvalue per class",
        "grid maximum falls with K",
        "grid minimum falls with d",
    ):
        assert claim in text, claim
    assert "## The learning-rate ablation" in text and "## Cross-patch coupling" in text
    assert "| 4 | 2 | 0.02 |" in text  # the main arm's d = 2 runs share the fixed rate
    assert (study_dir / "figures" / "lambda_depth.png").is_file()
    assert (study_dir / "main" / "report.md").is_file()


def test_a_study_directory_is_not_reused_for_another_study(study_dir, tmp_path, capsys) -> None:
    other = tmp_path / "other.toml"
    other.write_text(TINY_STUDY.replace("seeds = [0, 1]", "seeds = [0]"))
    assert main(["sweep", str(other), "--out", str(study_dir), "--no-progress"]) == 1
    assert "different study" in capsys.readouterr().err


def test_resuming_a_finished_study_runs_nothing(study_dir, tmp_path, capsys) -> None:
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY_STUDY)
    before = (study_dir / "main" / "summary.csv").read_text()
    assert main(["sweep", str(cfg), "--out", str(study_dir), "--no-progress"]) == 0
    assert "0 runs finished now, 8 were already done" in capsys.readouterr().out
    assert (study_dir / "main" / "summary.csv").read_text() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arms": {}}, "has no \\[arms.a\\] table"),
        ({"arms": {"a": {"role": "boss"}}}, "role must be one of"),
        (
            {"arms": {"a": {"role": "main", "model": {"depths": [-1]}}}},
            "arm a: bad value for 'model.depths'",
        ),
        ({"arms": {"a": {"role": "main"}, "b": {"role": "main"}}}, "not listed in study.arms"),
        ({"study": {"name": "t", "arms": ["a"], "sed": 1}}, "unknown key 'study.sed'"),
    ],
)
def test_bad_studies_get_one_line_naming_the_problem(change, message) -> None:
    base = {
        "study": {"name": "t", "arms": ["a"]},
        "sweep": {"seeds": [0]},
        "layout": {"patch_shape": [5, 5], "num_patches": [4]},
        "model": {"depths": [1]},
        "arms": {"a": {"role": "main"}},
    }
    with pytest.raises(ConfigError, match=message):
        parse_study({**base, **change})


def test_convergence_rule_conditions() -> None:
    rule = ConvergenceRule()
    ok = {
        "checkpoint_epoch": 25,
        "checkpoint_lr_fraction": 0.0,
        "period_loss_change": 0.001,
        "checkpoint_loss": 0.05,
        "grad_norm": 0.01,
        "grad_norm_init": 1.0,
    }
    assert rule.converged(ok, epochs=30)
    assert rule.failures({**ok, "checkpoint_epoch": 29}, 30) == ["checkpoint at the last epoch"]
    off = rule.failures({**ok, "checkpoint_lr_fraction": 0.5}, 30)
    assert off == ["checkpoint epoch 25 is not at a learning-rate trough"]
    assert rule.failures({**ok, "checkpoint_loss": 0.2}, 30) == ["training loss 0.2 > 0.1"]
    assert rule.failures({**ok, "grad_norm": 0.2}, 30) == ["gradient norm 0.2 of the initial one"]
    assert rule.failures({**ok, "period_loss_change": float("nan")}, 30) == [
        "no full period before the checkpoint"
    ]
    assert rule.failures({**ok, "period_loss_change": 0.05}, 30) == [
        "loss fell 0.05 over the last period"
    ]
    # not measured (hardware): the gradient condition is skipped, not failed
    assert rule.converged({**ok, "grad_norm": float("nan")}, 30)
    # rows of sweeps without the checkpoint columns fall back to the best epoch
    assert rule.failures({"best_epoch": 29, "train_loss": 0.05}, 30)[0] == (
        "checkpoint at the last epoch"
    )


def test_trough_checkpoint_is_the_lowest_loss_at_a_learning_rate_trough() -> None:
    from qiskit_patchqnn.training import TrainConfig, TrainResult, cosine_learning_rate

    epochs = 20
    lrs = [cosine_learning_rate(0.1, e, 5) for e in range(epochs)]
    losses = [1.0 / (e + 1) for e in range(epochs)]  # still falling at the end
    hist = [{"epoch": -1, "train_loss": 2.0, "lr": 0.0}] + [
        {"epoch": e, "train_loss": losses[e], "lr": lrs[e]} for e in range(epochs)
    ]
    res = TrainResult(np.zeros((epochs + 1, 1)), hist, TrainConfig(epochs=epochs, t_max=5), {})
    assert res.best_epoch == 19
    assert int(hist[res.trough_index]["epoch"]) == 16  # troughs: 4-6, 14-16
    flat = [{**h, "lr": 0.1} for h in hist]
    with pytest.raises(ValueError, match="needs a schedule"):
        TrainResult(np.zeros((epochs + 1, 1)), flat, TrainConfig(epochs=epochs), {}).weights_at(
            "trough"
        )


def test_verdict_rules() -> None:
    verdicts = ("holds", "holds on average", "does not hold")
    holds, avg, no = (Trend("c", v, "", 1.0) for v in verdicts)
    assert category([holds, holds]) == "holds"
    assert category([holds, avg]) == "holds on average"
    assert category([holds, no]) == "does not hold"
    assert depth_verdict("holds", "does not hold") == "confounded"
    assert depth_verdict("does not hold", "holds") == "does not hold"
    assert depth_verdict("holds", "holds") == "holds"
    assert outlier_verdict({10: [9, 10, 11], 4: [3, 4]}) == "holds"
    assert outlier_verdict({10: [6, 12, 11], 4: [3, 4]}) == "holds on average"
    assert outlier_verdict({10: [3, 4], 4: [3, 4]}) == "does not hold"
    assert outlier_verdict({10: [np.nan]}) == "not testable"


def _arms_with_rows(main_rows, fixed_rows):
    import tomllib

    from qiskit_patchqnn.experiments.report import RunFiles
    from qiskit_patchqnn.experiments.study_sections import Arm

    study = parse_study(tomllib.loads(TINY_STUDY), source="tiny")
    files = RunFiles(Path("."))
    return {
        "main": Arm("main", "main", study.arms["main"], main_rows, files),
        "fixed": Arm("fixed", "fixed_lr", study.arms["fixed"], fixed_rows, files),
    }


def _row(k, d, seed, lam, converged=True):
    return {
        "num_patches": k,
        "depth": d,
        "seed": seed,
        "lambda_max": lam,
        "train_loss": 0.01,
        "checkpoint_epoch": 2,
        "checkpoint_lr_fraction": 0.0,
        "period_loss_change": 0.001 if converged else 0.5,
        "checkpoint_loss": 0.01,
        "grad_norm": 0.01,
        "grad_norm_init": 1.0,
        "seconds": 1.0,
        "weights_per_patch": 10 * d,
    }


def _depth_verdict_line(arms) -> str:
    from qiskit_patchqnn.experiments.study_report import study_markdown

    md = study_markdown({"name": "t"}, arms, [], {})
    (line,) = [x for x in md.splitlines() if x.startswith("| λ_max rises with depth")]
    return line


def test_depth_is_judged_on_converged_runs_and_can_be_confounded() -> None:
    # lr 0.05 at d = 1 and 0.02 at d = 2 (main); the fixed arm runs d = 1 at 0.02 and shares
    # the main arm's d = 2. Falling rate: lambda rises 1 -> 2; fixed rate: 3 -> 2 falls.
    main_rows = [_row(4, 1, s, 1.0 + s) for s in (0, 1)] + [_row(4, 2, s, 2.0 + s) for s in (0, 1)]
    fixed_rows = [_row(4, 1, s, 3.0 + s) for s in (0, 1)]
    line = _depth_verdict_line(_arms_with_rows(main_rows, fixed_rows))
    assert "**confounded**" in line and "judged on converged runs: holds" in line
    # an unconverged shallow cell (an underfit model) is left out of the verdict...
    main_rows[:2] = [_row(4, 1, s, 9.0, converged=False) for s in (0, 1)]
    fixed_rows = [_row(4, 1, s, 1.0, converged=True) for s in (0, 1)]
    line = _depth_verdict_line(_arms_with_rows(main_rows, fixed_rows))
    assert "all runs: does not hold (falling), holds (fixed)" in line
    # ... and with no converged comparison at all, every run counts
    assert "converged runs: not testable with the paper's" in line
    assert "| **does not hold** |" in line
