"""Evaluation of a classifier over a loader: loss, accuracy, confusion matrix, predictions;
and over several views of the same utterances, their posteriors averaged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..data.loader import DataLoader
from ..errors import InputError
from ..nn import Module
from ..nn import functional as F
from ..tensor import Tensor


def evaluate(model: Module, loader: DataLoader, num_classes: int) -> dict[str, Any]:
    """Loss, accuracy, confusion matrix (rows: true, columns: predicted), predictions, and
    the class posteriors ``probabilities`` (n, classes): softmax of the logits, in the
    dataset's order."""
    was_training = model.training
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    predictions = np.zeros(len(loader.dataset), dtype=np.int64)
    probabilities = np.zeros((len(loader.dataset), num_classes))
    with no_grad():
        for batch in loader.batches(0):
            logits = model(Tensor(batch.x), batch.lengths)
            loss = F.cross_entropy(logits, batch.labels, reduction="sum")
            pred = logits.data.argmax(axis=1)
            total_loss += float(loss.item())
            correct += int(np.sum(pred == batch.labels))
            n += len(batch)
            np.add.at(confusion, (batch.labels, pred), 1)
            predictions[batch.indices] = pred
            probabilities[batch.indices] = F.softmax(logits, axis=1).data
    model.train(was_training)
    return {"loss": total_loss / max(n, 1), "accuracy": correct / max(n, 1), "n": n,
            "confusion": confusion, "predictions": predictions,
            "probabilities": probabilities}


def evaluate_mean(model: Module, loaders: Sequence[DataLoader], num_classes: int
                  ) -> dict[str, Any]:
    """:func:`evaluate` of the same utterances read K ways (``loaders``, one per view, with
    the same labels in the same order: the draws of a noise floor, say), the class posteriors
    averaged over the views:

        p(c | x_i) = (1/K) sum_k softmax(f(v_k(x_i)))_c

    The answer is the argmax of that mean, the loss the mean of -log p(y_i | x_i), and
    ``accuracy``, ``confusion`` and ``predictions`` follow from the answers. One loader gives
    exactly what :func:`evaluate` gives.

    Raises:
        InputError: no loader, or loaders whose datasets differ in length or labels.
    """
    if len(loaders) == 0:
        raise InputError("evaluate_mean: loaders must hold at least one DataLoader")
    if len(loaders) == 1:
        return evaluate(model, loaders[0], num_classes)
    labels = np.asarray(loaders[0].dataset.labels)
    for loader in loaders[1:]:
        if not np.array_equal(np.asarray(loader.dataset.labels), labels):
            raise InputError("evaluate_mean: every loader must hold the same utterances, "
                             "with the same labels in the same order")
    probabilities = np.mean([evaluate(model, loader, num_classes)["probabilities"]
                             for loader in loaders], axis=0)
    predictions = probabilities.argmax(axis=1) if labels.size else np.zeros(0, np.int64)
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    n = labels.size
    picked = probabilities[np.arange(n), labels] if n else np.zeros(0)
    return {"loss": float(-np.sum(np.log(np.maximum(picked, np.finfo(np.float64).tiny))))
            / max(n, 1),
            "accuracy": float(np.sum(predictions == labels)) / max(n, 1), "n": n,
            "confusion": confusion, "predictions": predictions.astype(np.int64),
            "probabilities": probabilities}
