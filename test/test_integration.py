# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""PatchQNN inside Qiskit Machine Learning and PyTorch workflows."""

from __future__ import annotations

import numpy as np
import pytest

from qiskit_patchqnn import PatchLayout, PatchQNN, SoftmaxCrossEntropyLoss


def _toy_problem(n=24, seed=0):
    """Two classes: bright left half versus bright right half of a 4x4 image."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.uniform(0.0, 0.2, size=(n, 4, 4))
    x[y == 0, :, :2] += 0.8
    x[y == 1, :, 2:] += 0.8
    return x.reshape(n, 16), y


def test_neural_network_classifier_fit_predict_score_dill(tmp_path):
    from qiskit_machine_learning.algorithms import NeuralNetworkClassifier
    from qiskit_machine_learning.optimizers import L_BFGS_B

    x, y = _toy_problem()
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_classes=2, scale=10.0)
    clf = NeuralNetworkClassifier(
        qnn,
        loss=SoftmaxCrossEntropyLoss(),
        one_hot=True,
        optimizer=L_BFGS_B(maxiter=15),
        initial_point=qnn.initial_weights(0),
    )
    clf.fit(x, y)
    pred = clf.predict(x)
    assert pred.shape == (len(x),)
    score = clf.score(x, y)
    assert score >= 0.9
    path = tmp_path / "clf.dill"
    clf.to_dill(str(path))
    again = NeuralNetworkClassifier.from_dill(str(path))
    np.testing.assert_array_equal(again.predict(x), pred)


def test_torch_connector_trains():
    torch = pytest.importorskip("torch")
    from qiskit_machine_learning.connectors import TorchConnector

    x, y = _toy_problem()
    qnn = PatchQNN(PatchLayout.grid((4, 4), (3, 3), 4), 1, num_classes=2, scale=10.0)
    model = TorchConnector(qnn, initial_weights=qnn.initial_weights(0))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    xt = torch.tensor(x, dtype=torch.float64)
    yt = torch.tensor(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # the torch gradient equals the loss gradient from our own backward pass
    w = model.weight.detach().numpy().copy()
    opt.zero_grad()
    loss_fn(model(xt), yt).backward()
    logits, _, wgrad = qnn.forward_backward(x, w)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    expected = np.einsum("nc,ncw->w", p, wgrad) / len(y)
    np.testing.assert_allclose(model.weight.grad.numpy(), expected, atol=1e-8)
