"""``DataLoader``: padded batches with lengths, shuffled from a seeded generator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..random import default_rng


@dataclass
class Batch:
    """x: (T, B, F) float32 (or (B, T, F) with batch_first), zero past each length;
    lengths: (B,) int64; labels: (B,) int64; indices: (B,) positions in the dataset."""

    x: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    indices: np.ndarray

    def __len__(self) -> int:
        return int(self.lengths.shape[0])


def pad_batch(items: list[tuple[np.ndarray, int]], batch_first: bool = False,
              indices: np.ndarray | None = None) -> Batch:
    """Stack (features, label) pairs of different lengths into one zero-padded batch."""
    if not items:
        raise InputError("pad_batch: an empty batch")
    lengths = np.array([f.shape[0] for f, _ in items], dtype=np.int64)
    if np.any(lengths == 0):
        raise InputError("pad_batch: an item has no frames")
    F = items[0][0].shape[1]
    x = np.zeros((len(items), int(lengths.max()), F), dtype=np.float32)
    for b, (f, _) in enumerate(items):
        x[b, :f.shape[0]] = f
    if not batch_first:
        x = np.ascontiguousarray(x.transpose(1, 0, 2))
    labels = np.array([label for _, label in items], dtype=np.int64)
    idx = np.arange(len(items)) if indices is None else np.asarray(indices)
    return Batch(x, lengths, labels, idx)


class DataLoader:
    """Iterate over a dataset in padded batches.

    Args:
        dataset: items ``(features (T, F), label)``.
        batch_size: items per batch.
        shuffle: a new order every epoch, drawn from a generator seeded by (seed, epoch), so
            epoch e's order is the same whether or not the run was interrupted before it.
        seed: the shuffling seed; None draws one from ``mg.random.default_rng()``.
        drop_last: drop a final incomplete batch.
        bucket_by_length: within shuffled buckets of 50 batches, sort by length, so each batch
            holds similar lengths and little padding; the batches are then shuffled.
        batch_first: (B, T, F) instead of (T, B, F).
    """

    def __init__(self, dataset: Any, batch_size: int = 32, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False,
                 bucket_by_length: bool = False, batch_first: bool = False) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise InputError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if len(dataset) == 0:
            raise InputError("DataLoader: the dataset is empty")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.bucket_by_length, self.batch_first = bucket_by_length, batch_first
        self.seed = int(default_rng().integers(2**31)) if seed is None else int(seed)
        self.epoch = 0

    def _lengths(self) -> np.ndarray:
        if hasattr(self.dataset, "lengths"):
            return np.asarray(self.dataset.lengths())
        return np.array([self.dataset[i][0].shape[0] for i in range(len(self.dataset))])

    def batch_indices(self, epoch: int) -> list[np.ndarray]:
        """The batches of ``epoch`` as arrays of dataset indices."""
        n = len(self.dataset)
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        if self.bucket_by_length:
            lengths = self._lengths()
            span = self.batch_size * 50
            order = np.concatenate([
                chunk[np.argsort(lengths[chunk], kind="stable")]
                for chunk in np.array_split(order, max(1, int(np.ceil(n / span))))])
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.bucket_by_length and self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batches(self, epoch: int) -> Iterator[Batch]:
        """The padded batches of ``epoch``, without touching the epoch counter."""
        for idx in self.batch_indices(epoch):
            yield pad_batch([self.dataset[int(i)] for i in idx], self.batch_first, idx)

    def __iter__(self) -> Iterator[Batch]:
        epoch = self.epoch
        self.epoch += 1
        return self.batches(epoch)

    def state_dict(self) -> dict[str, int]:
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.seed, self.epoch = int(state["seed"]), int(state["epoch"])
