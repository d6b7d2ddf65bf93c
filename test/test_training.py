# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

from __future__ import annotations

import json

import numpy as np
import pytest

from qiskit_patchqnn.training import (
    Adam,
    TrainConfig,
    cosine_learning_rate,
    evaluate_model,
    load_run,
    train,
)


def test_cosine_schedule_matches_paper():
    lrs = [cosine_learning_rate(1e-2, e, 5) for e in range(50)]
    assert lrs[0] == pytest.approx(1e-2)
    for e in (5, 15, 25, 35, 45):
        assert lrs[e] == pytest.approx(0.0, abs=1e-15)
    for e in (10, 20, 30, 40):
        assert lrs[e] == pytest.approx(1e-2)
    assert lrs[2] == pytest.approx(1e-2 * 0.5 * (1 + np.cos(np.pi * 2 / 5)))
    cfg = TrainConfig(learning_rate=2.5e-3, schedule="cosine", t_max=5)
    assert cfg.learning_rate_at(7) == pytest.approx(cosine_learning_rate(2.5e-3, 7, 5))
    assert TrainConfig(schedule="constant").learning_rate_at(5) == 0.01


def test_adam_matches_reference_update():
    opt = Adam(2, weight_decay=0.1)
    w = np.array([1.0, -2.0])
    g = np.array([0.5, 0.25])
    out = opt.step(w, g, lr=0.01)
    # first step of Adam: m_hat = g', v_hat = g'^2, update = lr * sign(g')
    gp = g + 0.1 * w
    np.testing.assert_allclose(out, w - 0.01 * gp / (np.abs(gp) + 1e-8))


def test_train_records_trajectory_and_reloads(tiny_qnn, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(16, 16))
    y = np.arange(16) % 4
    cfg = TrainConfig(epochs=3, batch_size=8, learning_rate=0.05, seed=3)
    res = train(tiny_qnn, x, y, x[:8], y[:8], config=cfg, out=tmp_path / "run", progress=False)
    assert res.trajectory.shape == (4, tiny_qnn.num_weights)
    assert [h["epoch"] for h in res.history] == [-1, 0, 1, 2]
    loss0, _ = evaluate_model(tiny_qnn, x, y, res.trajectory[0])
    assert res.history[0]["train_loss"] == pytest.approx(loss0)
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    again = load_run(tmp_path / "run")
    np.testing.assert_array_equal(again.trajectory, res.trajectory)
    assert again.best_epoch == res.best_epoch
    np.testing.assert_array_equal(again.weights_at("best"), res.best_weights)
    np.testing.assert_array_equal(again.weights_at(0), res.trajectory[1])
    # determinism: the same seed gives the same trajectory
    res2 = train(tiny_qnn, x, y, config=cfg, progress=False)
    np.testing.assert_allclose(res2.trajectory, res.trajectory, atol=1e-12)
    # no temporary files are left behind
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "config.json",
        "history.json",
        "trajectory.npz",
    ]


def test_load_run_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_run(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_run(tmp_path / "bad")
    (tmp_path / "bad" / "config.json").write_text(json.dumps({"train": {}, "model": {}}))
    with pytest.raises(FileNotFoundError, match="history.json"):
        load_run(tmp_path / "bad")


def test_bad_training_input(tiny_qnn):
    x = np.zeros((4, 16))
    with pytest.raises(ValueError, match="y_train must have shape"):
        train(tiny_qnn, x, np.zeros(3), progress=False)
    with pytest.raises(ValueError, match="labels in 0..3"):
        train(tiny_qnn, x, np.array([0, 1, 2, 7]), progress=False)
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="step")
