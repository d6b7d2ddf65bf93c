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

import qiskit_patchqnn.training as training
from qiskit_patchqnn.training import (
    CHECKPOINT,
    Adam,
    TrainConfig,
    checkpoint_progress,
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
    # no temporary files and no checkpoint are left behind; the marker is there
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "config.json",
        "done.json",
        "history.json",
        "trajectory.npz",
    ]
    # a finished run is never trained over
    with pytest.raises(FileExistsError, match="already holds a finished run"):
        train(tiny_qnn, x, y, config=cfg, out=tmp_path / "run", progress=False)


def test_load_run_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_run(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    with pytest.raises(ValueError, match=r"bad is not a finished run \(no done.json\)"):
        load_run(tmp_path / "bad")
    (tmp_path / "bad" / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="holds an incomplete run .no done.json: interrupted"):
        load_run(tmp_path / "bad")  # e.g. a run written before done.json existed
    (tmp_path / "bad" / "done.json").write_text("{}")
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_run(tmp_path / "bad")
    (tmp_path / "bad" / "config.json").write_text(json.dumps({"train": {}, "model": {}}))
    with pytest.raises(FileNotFoundError, match="history.json"):
        load_run(tmp_path / "bad")


class _Stop(Exception):
    pass


def _interrupt_after(monkeypatch, steps):
    """Make the ``steps + 1``-th optimizer step raise (as Ctrl-C or a crash would)."""
    real = training._loss_gradient
    count = {"n": 0}

    def gradient(*args):  # noqa: ANN002, ANN202
        count["n"] += 1
        if count["n"] > steps:
            raise _Stop
        return real(*args)

    monkeypatch.setattr(training, "_loss_gradient", gradient)
    return real


def test_interrupted_training_is_refused_then_resumed_bitwise(tiny_qnn, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(16, 16))
    y = np.arange(16) % 4
    cfg = TrainConfig(epochs=4, batch_size=4, learning_rate=0.05, seed=1)
    reference = train(tiny_qnn, x, y, x[:8], y[:8], config=cfg, progress=False)
    out = tmp_path / "run"
    real = _interrupt_after(monkeypatch, 4 * 2 + 1)  # two epochs and a step of the third
    with pytest.raises(_Stop):
        train(tiny_qnn, x, y, x[:8], y[:8], config=cfg, out=out, progress=False)
    monkeypatch.setattr(training, "_loss_gradient", real)
    assert sorted(p.name for p in out.iterdir()) == [CHECKPOINT]
    assert checkpoint_progress(out / CHECKPOINT) == (2, 4)
    with pytest.raises(ValueError, match=r"holds an incomplete run \(2 of 4 epochs, no done"):
        load_run(out)
    with pytest.raises(FileExistsError, match=r"incomplete run \(2 of 4 epochs"):
        train(tiny_qnn, x, y, x[:8], y[:8], config=cfg, out=out, progress=False)
    with pytest.raises(ValueError, match="other config settings"):
        other = TrainConfig(epochs=5, batch_size=4, learning_rate=0.05, seed=1)
        train(tiny_qnn, x, y, x[:8], y[:8], config=other, out=out, resume=True, progress=False)
    with pytest.raises(ValueError, match="other data settings"):
        train(tiny_qnn, 0.99 * x, y, x[:8], y[:8], config=cfg, out=out, resume=True, progress=False)
    res = train(tiny_qnn, x, y, x[:8], y[:8], config=cfg, out=out, resume=True, progress=False)
    assert np.array_equal(res.trajectory, reference.trajectory)
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in res.history]
    assert strip == [{k: v for k, v in h.items() if k != "seconds"} for h in reference.history]
    again = load_run(out)
    assert np.array_equal(again.trajectory, reference.trajectory)
    assert not (out / CHECKPOINT).exists()


def test_checkpoint_file_is_kept_and_resume_without_one_starts_fresh(tiny_qnn, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(8, 16))
    y = np.arange(8) % 4
    cfg = TrainConfig(epochs=2, batch_size=4, seed=2)
    ckpt = tmp_path / "state.npz"
    res = train(tiny_qnn, x, y, config=cfg, checkpoint=ckpt, resume=True, progress=False)
    assert checkpoint_progress(ckpt) == (2, 2)  # kept: the caller writes the run's files
    assert not (tmp_path / "done.json").exists()
    again = train(tiny_qnn, x, y, config=cfg, checkpoint=ckpt, resume=True, progress=False)
    assert np.array_equal(again.trajectory, res.trajectory)  # nothing left to train
    ckpt.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="is not a readable training checkpoint"):
        checkpoint_progress(ckpt)


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


# ----------------------------------------------------------------------------- bounded memory
@pytest.fixture
def bias_qnn():
    """Four 3x3 patches on 4x4 images with the positional bias (39 values per binding)."""
    from qiskit_patchqnn import PatchLayout, PatchQNN

    return PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), depth=1, num_classes=4, input_bias=True)


def test_sample_chunks_bound_the_values_of_a_call(bias_qnn):
    per_sample = 4 * 39  # patches x (9 inputs + 30 weights)
    assert training.sample_chunks(bias_qnn, 50) == [slice(0, 50)]
    chunks = training.sample_chunks(bias_qnn, 50, max_values=7 * per_sample)
    assert [c.stop - c.start for c in chunks] == [7] * 7 + [1]
    assert training.sample_chunks(bias_qnn, 3, max_values=1) == [
        slice(0, 1),
        slice(1, 2),
        slice(2, 3),
    ]
    with pytest.raises(ValueError, match="max_values must be >= 1"):
        training.sample_chunks(bias_qnn, 3, max_values=0)
    # the paper model at d = 50, 16 patches: 2,592 values per binding -> 404 images per chunk
    assert training.MAX_CHUNK_VALUES // (16 * 2592) == 404


def test_chunked_evaluation_is_bitwise_one_forward(bias_qnn):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(size=(37, 16)), np.arange(37) % 4
    w = bias_qnn.initial_weights(2)
    w[-16:] = 0.1 * rng.standard_normal(16)  # a trained bias moves the inputs
    whole = evaluate_model(bias_qnn, x, y, w)
    assert len(training.sample_chunks(bias_qnn, 37, 5 * 4 * 39)) == 8
    assert evaluate_model(bias_qnn, x, y, w, max_values=5 * 4 * 39) == whole  # bitwise
    logits = bias_qnn.forward(x, w)
    assert whole[0] == training.cross_entropy(logits, y)


def test_chunked_gradient_equals_one_call(bias_qnn):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(size=(29, 16)), np.arange(29) % 4
    w = bias_qnn.initial_weights(4)
    w[-16:] = 0.1 * rng.standard_normal(16)
    loss, grad = training._loss_gradient(bias_qnn, x, y, w)
    loss_c, grad_c = training._loss_gradient(bias_qnn, x, y, w, 4 * 4 * 39)
    assert loss_c == loss
    np.testing.assert_allclose(grad_c, grad, rtol=0, atol=1e-12 * np.abs(grad).max())


def test_training_with_chunks_matches_and_keeps_memory_flat(bias_qnn, monkeypatch):
    """A small chunk budget changes nothing but rounding; evaluation memory stops growing."""
    import tracemalloc

    rng = np.random.default_rng(5)
    x, y = rng.uniform(size=(48, 16)), np.arange(48) % 4
    cfg = TrainConfig(epochs=2, batch_size=24, learning_rate=0.05, seed=1)
    ref = train(bias_qnn, x, y, x[:12], y[:12], config=cfg, progress=False)
    monkeypatch.setattr(training, "MAX_CHUNK_VALUES", 5 * 4 * 39)
    small = train(bias_qnn, x, y, x[:12], y[:12], config=cfg, progress=False)
    np.testing.assert_allclose(small.trajectory, ref.trajectory, rtol=0, atol=1e-12)
    assert small.history[0] == {**ref.history[0], "seconds": 0.0}  # init: bitwise

    def peak(n: int, budget: int | None) -> int:
        xs, ys = rng.uniform(size=(n, 16)), np.arange(n) % 4
        w = bias_qnn.initial_weights(0)
        tracemalloc.start()
        evaluate_model(bias_qnn, xs, ys, w, max_values=budget)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    per_sample = 4 * 39 * 8  # bytes of one image's parameter values (4 patches x 39 values)
    whole = [peak(n, 1 << 30) for n in (500, 4000)]
    chunked = [peak(n, 20 * 4 * 39) for n in (500, 4000)]
    assert (whole[1] - whole[0]) / 3500 >= per_sample  # every image's values at once
    assert chunked[1] < whole[1] / 4
    # per extra image only O(classes) numbers (logits, softmax), not its parameter values
    assert (chunked[1] - chunked[0]) / 3500 < per_sample / 2
