# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

r"""Softmax cross-entropy on logits, usable as a Qiskit Machine Learning loss.

.. math::

    \ell(z, y) = -\sum_a y_a \log p_a, \qquad p = \operatorname{softmax}(z), \qquad
    \frac{\partial \ell}{\partial z} = p - y.

Qiskit Machine Learning's ``CrossEntropyLoss`` takes ``log2`` of clipped outputs and applies no
softmax (its gradient nevertheless assumes one), so it is not the right loss for logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit_machine_learning.utils.loss_functions import Loss

__all__ = [
    "SoftmaxCrossEntropyLoss",
    "accuracy",
    "check_labels",
    "cross_entropy",
    "log_softmax",
    "one_hot",
    "softmax",
]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable ``log(softmax(z))`` along the last axis.

    Example:
        >>> log_softmax(np.array([1000.0, 1000.0])).round(6).tolist()  # no overflow
        [-0.693147, -0.693147]
    """
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax along the last axis.

    Example:
        >>> softmax(np.array([0.0, np.log(3.0)])).round(3).tolist()
        [0.25, 0.75]
    """
    return np.exp(log_softmax(logits))


def check_labels(labels: object, n: int, num_classes: int, name: str = "labels") -> np.ndarray:
    """Validate ``n`` integer class labels in ``0..num_classes-1``; return them as ``int64``.

    Raises:
        ValueError: wrong shape, non-integer values, or labels out of range (the message
            names ``name``).

    Example:
        >>> check_labels([0, 2.0, 1], 3, 3).tolist()
        [0, 2, 1]
        >>> check_labels([0, 5], 2, 3, "y_train")
        Traceback (most recent call last):
        ...
        ValueError: y_train must hold integer labels in 0..2, got 0..5
    """
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {y.shape}")
    if n == 0:
        return y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must hold integer labels in 0..{num_classes - 1}")
    if not np.all(np.equal(np.mod(y, 1), 0)) or y.min() < 0 or y.max() >= num_classes:
        lo, hi = y.min(), y.max()
        raise ValueError(
            f"{name} must hold integer labels in 0..{num_classes - 1}, got {lo:g}..{hi:g}"
        )
    return y.astype(np.int64)


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """One-hot encode integer labels.

    Raises:
        ValueError: labels outside ``0..num_classes-1`` or not integers.

    Example:
        >>> one_hot(np.array([1, 0]), 3).tolist()
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    y = np.asarray(labels)
    if y.ndim != 1 or (y.size and not np.all(np.equal(np.mod(y, 1), 0))):
        raise ValueError(f"labels must be a 1-D array of integers, got shape {y.shape}")
    y = y.astype(int)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {y.min()}..{y.max()}")
    return np.eye(num_classes)[y]


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> Any:
    """Mean softmax cross-entropy (natural log) of integer labels.

    Args:
        logits: ``(N, C)``, or ``(..., N, C)`` for several models at once (e.g. the points of
            a landscape scan).
        labels: ``(N,)``.

    Returns:
        A float for ``(N, C)`` logits, else an array of the leading shape.

    Example:
        >>> bool(np.isclose(cross_entropy(np.zeros((2, 4)), np.array([0, 3])), np.log(4)))
        True
        >>> cross_entropy(np.zeros((3, 2, 4)), np.array([0, 3])).shape
        (3,)
    """
    z = np.asarray(logits, dtype=float)
    y = np.asarray(labels).astype(int)
    if z.ndim < 2 or z.shape[-2] != len(y):
        raise ValueError(f"logits {z.shape} and labels {y.shape} do not match")
    if z.ndim == 2:
        return float(-log_softmax(z)[np.arange(len(y)), y].mean())
    picked = np.take_along_axis(
        log_softmax(z), np.broadcast_to(y[:, None], z.shape[:-1] + (1,)), -1
    )
    return -picked[..., 0].mean(axis=-1)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> Any:
    """Fraction of samples whose largest logit is their label; shapes as :func:`cross_entropy`.

    Example:
        >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
        0.5
    """
    z = np.asarray(logits, dtype=float)
    y = np.asarray(labels).astype(int)
    if z.ndim < 2 or z.shape[-2] != len(y):
        raise ValueError(f"logits {z.shape} and labels {y.shape} do not match")
    hits = (np.argmax(z, axis=-1) == y).mean(axis=-1)
    return float(hits) if z.ndim == 2 else hits


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax cross-entropy with natural log, for ``NeuralNetworkClassifier(one_hot=True)``.

    ``evaluate`` returns the per-sample losses (Qiskit ML's classifier averages them) and
    ``gradient`` the exact per-sample gradient ``softmax(z) - y`` with respect to the logits.

    Example:
        >>> loss = SoftmaxCrossEntropyLoss()
        >>> loss(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])).round(4).tolist()
        [0.6931]
    """

    def evaluate(self, predict: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Per-sample loss, shape ``(N,)``."""
        z, y = self._check(predict, target)
        return -(y * log_softmax(z)).sum(axis=-1)

    def gradient(self, predict: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Per-sample gradient with respect to the logits, shape ``(N, C)``."""
        z, y = self._check(predict, target)
        return softmax(z) - y

    def _check(self, predict: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.asarray(predict, dtype=float)
        y = np.asarray(target, dtype=float)
        if z.ndim == 1:
            z = z[None, :]
        if y.ndim == 1 and y.shape[0] == z.shape[0] and z.shape[-1] != y.shape[0]:
            y = one_hot(y, z.shape[-1])
        elif y.ndim == 1:
            y = y[None, :]
        if z.shape != y.shape:
            raise ValueError(
                f"predict {z.shape} and target {y.shape} must have the same shape (one-hot)"
            )
        return z, y
