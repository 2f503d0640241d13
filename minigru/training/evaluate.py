"""Evaluation of a classifier over a loader: loss, accuracy, confusion matrix, predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..data.loader import DataLoader
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
