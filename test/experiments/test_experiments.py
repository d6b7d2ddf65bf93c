# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sweep configs, presets (the paper's exact setting) and the claim verdicts."""

from __future__ import annotations

import math

import pytest

from qiskit_patchqnn.cli import main
from qiskit_patchqnn.experiments import (
    ConfigError,
    RunSpec,
    build_model,
    load_config,
    load_preset,
    parse_config,
    preset_names,
)
from qiskit_patchqnn.experiments.claims import Cell, aggregate, fmt_mean_std, trend

MINIMAL = """
[sweep]
seeds = [0, 1]
[layout]
patch_shape = [5, 5]
num_patches = [4, 9]
[model]
depths = [1, 2]
"""


def load_config_text(text):
    from qiskit_patchqnn.experiments.config import _parse_toml

    return parse_config(_parse_toml(text, "t.toml"), source="t.toml")


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- validation
def test_minimal_config_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.layout.image_shape == (8, 8)
    assert [r.name for r in cfg.runs()] == [
        f"p{k}-d{d}-s{s}" for k in (4, 9) for d in (1, 2) for s in (0, 1)
    ]
    assert cfg.training.train_config(2, 1).seed == 1
    assert cfg.hessian.num_samples is None and cfg.hessian.checkpoint == "best"
    assert parse_config(cfg.to_dict()) == cfg  # round trip


@pytest.mark.parametrize(
    "extra, match",
    [
        ("[training]\nlr0 = 0.1\n", r"sweep.toml: unknown key 'training.lr0' \(valid: batch_size"),
        ("[hessain]\ntop_k = 3\n", r"unknown section 'hessain' \(valid: backend, dataset"),
        (
            "[training]\nepochs = 0\n",
            r"bad value for 'training.epochs': 0 \(expected an integer >= 1",
        ),
        ("[training]\nschedule = 'step'\n", r"'training.schedule': 'step' \(expected one of"),
        ("[training]\nlearning_rate = { 1 = 0.01 }\n", r"no learning rate for depth\(s\) \[2\]"),
        ("[training]\nbatch_size = 1.5\n", r"'training.batch_size': 1.5 \(expected an integer"),
        ("[hessian]\nnum_samples = 'some'\n", r"'hessian.num_samples'"),
        ("[hessian]\ncheckpoint = 'worst'\n", r"'hessian.checkpoint': 'worst'"),
        ("[backend]\nspec = 'cloud'\n", r"'backend.spec': 'cloud'"),
        ("[dataset]\nnum_classes = 12\n", r"'dataset.num_classes': 12 \(at most 10 for digits"),
        ("[landscape]\nresolution = 1\n", r"'landscape.resolution': 1"),
    ],
)
def test_bad_keys_and_values_name_the_key(tmp_path, extra, match):
    with pytest.raises(ConfigError, match=match):
        load_config(write(tmp_path, MINIMAL + extra))


def test_layout_errors_name_the_key(tmp_path):
    text = MINIMAL.replace("num_patches = [4, 9]", "num_patches = [4, 8]")
    with pytest.raises(ConfigError, match=r"'layout.num_patches': 8 \(num_patches must be a "):
        load_config(write(tmp_path, text))
    text = MINIMAL.replace("[layout]", "[layout]\nimage_shape = [14, 14]")
    with pytest.raises(ConfigError, match=r"'layout.image_shape'.*has \[8, 8\] images"):
        load_config(write(tmp_path, text))
    with pytest.raises(ConfigError, match=r"missing required key 'model.depths'"):
        load_config(write(tmp_path, MINIMAL.replace("depths = [1, 2]", "")))
    with pytest.raises(ConfigError, match=r"'model.depths': \[1, 1\] \(expected distinct"):
        load_config(write(tmp_path, MINIMAL.replace("depths = [1, 2]", "depths = [1, 1]")))


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match=r"config file '.*nope.toml' does not exist"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"broken.toml: invalid TOML: "):
        load_config(write(tmp_path, "[sweep\nseeds = [0]\n", "broken.toml"))
    valid = r"\(valid: quick, paper, standard\)"
    with pytest.raises(ConfigError, match=rf"unknown preset 'fast' {valid}"):
        load_preset("fast")


def test_cli_config_errors_are_one_line(tmp_path, capsys):
    bad = write(tmp_path, MINIMAL + "[training]\nlr0 = 0.1\n")
    out = tmp_path / "out"
    assert main(["sweep", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("patchqnn sweep: error: sweep.toml: unknown key 'training.lr0'")
    assert not out.exists()  # nothing written
    assert main(["sweep", str(tmp_path / "missing.toml"), "--out", str(out)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_hash_ignores_words_but_not_settings(tmp_path):
    a = load_config(write(tmp_path, MINIMAL))
    b = load_config(write(tmp_path, MINIMAL.replace("[sweep]", "[sweep]\nname = 'x'"), "b.toml"))
    c = load_config(write(tmp_path, MINIMAL + "[training]\nepochs = 3\n", "c.toml"))
    assert a.hash == b.hash != c.hash
    assert a.with_backend("aer", 100).backend.shots == 100
    assert a.with_backend("aer").hash != a.hash


def test_hash_of_existing_sweeps_is_unchanged():
    """The hashes main computed before the schema moved to pydantic: stored sweeps resume."""
    assert load_preset("quick").hash == "73b81e2d2ac86dd1"
    # the paper preset moved to the matrix-free Hessian (method "hvp"; was 438bbb60e0405192)
    assert load_preset("paper").hash == "7f598b6968cbaba1"
    minimal = {
        "sweep": {"seeds": [0]},
        "layout": {"patch_shape": [5, 5], "num_patches": [4]},
        "model": {"depths": [1]},
    }
    assert parse_config(minimal).hash == "cae3aa870e54acdf"
    full = {
        "sweep": {"seeds": [0, 1]},
        "dataset": {"pool": True, "num_classes": 4, "num_train": 16, "num_test": 8,
                    "name": "mnist:/x"},
        "layout": {"image_shape": [14, 14], "patch_shape": [3, 3], "num_patches": [1, 4]},
        "model": {"depths": [1, 2], "scale": 50, "num_qubits": 3},
        "training": {"epochs": 2, "batch_size": 8, "t_max": 3,
                     "learning_rate": {"1": 0.1, "2": 1, "3": 0.5}},
        "hessian": {"num_samples": 4, "density": False, "checkpoint": 1, "batch_size": 3},
        "landscape": {"depths": 1, "margin": 2, "num_samples": "all"},
        "backend": {"spec": "aer", "shots": 100},
    }  # fmt: skip
    assert parse_config(full).hash == "d5523872566ef376"
    # settings added since enter the hash only when they differ from their default
    for section, key, value in (
        ("hessian", "repetitions", 3),
        ("landscape", "method", "random"),
        ("landscape", "extent", 2.0),
        ("landscape", "hessian_samples", 8),
    ):
        changed = parse_config({**minimal, section: {key: value}})
        assert changed.hash != "cae3aa870e54acdf", key


def test_schema_states_each_default_once_and_is_strict():
    from qiskit_patchqnn.experiments import HessianSpec, TrainingSpec
    from qiskit_patchqnn.training import TrainConfig

    tc, ts = TrainConfig(), TrainingSpec()
    for name in ("learning_rate", "schedule", "t_max", "epochs", "batch_size", "weight_decay"):
        assert getattr(ts, name) == getattr(tc, name), name
    cfg = load_config_text(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        cfg.hessian.top_k = 3  # type: ignore[misc]
    assert isinstance(HessianSpec().top_k, int)
    base = {
        "sweep": {"seeds": [0]},
        "layout": {"patch_shape": [5, 5], "num_patches": [4]},
        "model": {"depths": [1]},
    }
    for section, values, match in (
        ("model", {"input_bias": 1}, r"'model.input_bias': 1 \(expected true or false\)"),
        ("training", {"epochs": True}, r"'training.epochs': True \(expected an integer\)"),
        ("training", {"epochs": "3"}, r"'training.epochs': '3' \(expected an integer\)"),
        ("layout", {"patch_shape": [5]}, r"'layout.patch_shape': \[5\] \(expected two"),
        ("model", {"scale": 0}, r"'model.scale': 0.0 \(expected a non-zero number\)"),
        ("training", {"weight_decay": float("nan")}, r"'training.weight_decay': nan"),
        ("sweep", {"downscaling": [1]}, r"'sweep.downscaling': 1 \(expected a string\)"),
    ):
        data = {**base, section: {**base.get(section, {}), **values}}
        with pytest.raises(ConfigError, match=match):
            parse_config(data)


def test_merged_names_the_flag_and_checks_across_sections():
    cfg = load_config_text(MINIMAL)
    with pytest.raises(ConfigError, match=r"^bad value for --epochs: 0 \(expected an integer"):
        cfg.merged({"training": {"epochs": 0}}, source="", names={"training.epochs": "--epochs"})
    with pytest.raises(ConfigError, match=r"'hessian.checkpoint': 3 \(expected an epoch in -1..2"):
        cfg.merged({"training": {"epochs": 3}, "hessian": {"checkpoint": 3}})
    assert cfg.merged({"hessian": {"top_k": 2}}).hessian.top_k == 2
    assert cfg.merged({"hessian": {"num_samples": None}}).hessian.num_samples is None


# ----------------------------------------------------------------------------- presets
def test_presets_load():
    assert preset_names() == ("quick", "paper", "standard")
    quick = load_preset("quick")
    assert quick.dataset.is_digits
    assert {4, 9} <= set(quick.layout.num_patches)
    assert len(quick.model.depths) >= 2 and len(quick.seeds) >= 3
    assert quick.hessian.enabled and quick.landscape.enabled
    assert quick.downscaling  # the preset says how it departs from the paper


def test_paper_preset_is_the_papers_setting():
    cfg = load_preset("paper")
    assert cfg.dataset.pool and not cfg.dataset.is_digits
    assert cfg.dataset.num_train is None and cfg.dataset.num_test is None  # 60k / 10k
    assert cfg.layout.image_shape == (14, 14) and cfg.layout.patch_shape == (8, 8)
    assert cfg.layout.num_patches == (4, 9, 16)
    assert cfg.model.depths == (50, 100, 150, 200)
    assert cfg.model.num_qubits == 8 and cfg.model.input_bias
    assert cfg.model.scale == 100.0 and cfg.model.aggregation == "mean"
    assert cfg.seeds == (1001,)
    tr = cfg.training
    assert (tr.optimizer, tr.epochs, tr.batch_size, tr.weight_decay) == ("adam", 50, 1000, 5e-5)
    assert round(60000 / tr.batch_size) == 60  # 60 stratified batches per epoch
    lrs = {50: 1e-2, 100: 5e-3, 150: 2.5e-3, 200: 1e-3}
    for d, lr0 in lrs.items():
        tc = tr.train_config(d, 1001)
        assert tc.learning_rate == lr0 and tc.schedule == "cosine" and tc.t_max == 5
        sched = [tc.learning_rate_at(e) for e in range(50)]
        assert (
            sched[0] == lr0 and sched[10] == pytest.approx(lr0) and sched[40] == pytest.approx(lr0)
        )
        for e in (5, 15, 25, 35, 45):  # zero learning rate, period 10 epochs
            assert sched[e] == pytest.approx(0.0, abs=1e-15)
        assert sched[1] == pytest.approx(lr0 * (1 + math.cos(math.pi / 5)) / 2)
    assert cfg.hessian.checkpoint == "best" and cfg.hessian.num_samples is None
    assert cfg.landscape.resolution == 20 and cfg.landscape.margin == 5.0
    assert cfg.landscape.num_samples is None and cfg.landscape.num_patches is None


# paper-notes §1.2: totals without the 196 positional-bias weights
PAPER_TOTALS = {
    50: (10112, 22752, 40448),
    100: (19712, 44352, 78848),
    150: (29312, 65952, 117248),
    200: (38912, 87552, 155648),
}
PAPER_OFFSETS = {4: (0, 6), 9: (0, 3, 6), 16: (0, 2, 4, 6)}


def test_paper_preset_parameter_counts_without_building():
    from qiskit_patchqnn.circuits import num_patch_weights

    cfg = load_preset("paper")
    for d, totals in PAPER_TOTALS.items():
        per_patch = num_patch_weights(cfg.model.num_qubits, 64, d)
        assert per_patch == 48 * d + 128
        assert tuple(k * per_patch for k in cfg.layout.num_patches) == totals


@pytest.mark.parametrize("depth", [50, 200])
def test_paper_preset_builds_the_papers_model(depth):
    cfg = load_preset("paper")
    for i, k in enumerate(cfg.layout.num_patches):
        qnn = build_model(cfg, RunSpec(k, depth, 1001), num_classes=10)
        assert qnn.weights_per_patch == 48 * depth + 128
        assert qnn.num_weights == PAPER_TOTALS[depth][i] + 196  # + pos_bias 14x14
        assert qnn.model.circuit.circuit.num_qubits == 8
        assert qnn.model.coefficient == pytest.approx(100.0 / k)  # mean x 100
        rows = sorted({r for r, _ in qnn.layout.offsets})
        cols = sorted({c for _, c in qnn.layout.offsets})
        assert tuple(rows) == tuple(cols) == PAPER_OFFSETS[k]
        assert qnn.layout.offsets == tuple((r, c) for r in rows for c in cols)  # row-major


# ----------------------------------------------------------------------------- claims
def _cell(k, values):
    return Cell(k, 1, {"x": tuple(values)}, tuple(range(len(values))))


def test_trend_verdicts_come_from_the_numbers():
    a = _cell(4, [12.0, 13.0, 11.0])
    t = trend(a, _cell(9, [6.0, 6.5, 5.5]), "x", "down", "x falls")
    assert (
        t.verdict == "holds" and t.sentence == "x falls: 12 ± 1 → 6 ± 0.5, 3/3 seeds agree (holds)"
    )
    t = trend(a, _cell(9, [6.0, 14.0, 5.5]), "x", "down", "x falls")
    assert t.verdict == "holds on average" and "2/3 seeds agree" in t.sentence
    t = trend(a, _cell(9, [12.5, 13.0, 12.0]), "x", "down", "x falls")
    assert t.verdict == "does not hold" and "change within the seed spread" in t.sentence
    assert trend(a, _cell(9, [13.0, 14.0]), "x", "up", "x rises").verdict == "holds"
    assert trend(a, _cell(9, []), "x", "up", "x").verdict == "no data"


def test_aggregate_and_format():
    rows = [{"num_patches": 4, "depth": 1, "seed": s, "v": v} for s, v in [(1, 3.0), (0, 1.0)]]
    cell = aggregate(rows, ["v"])[(4, 1)]
    assert cell.seeds == (0, 1) and cell.values["v"] == (1.0, 3.0)
    assert fmt_mean_std(cell.mean("v"), cell.std("v")) == "2 ± 1.41"
    assert fmt_mean_std(float("nan"), 1.0) == "n/a"
