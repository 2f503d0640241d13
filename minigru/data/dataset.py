"""Datasets: anything with ``__len__`` and ``__getitem__(i) -> (features, label)``.

``features`` is a (frames, feature_size) float array, ``label`` an int. ``ArrayDataset`` holds
precomputed features; ``Subset`` views part of another dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..errors import InputError


class Dataset(Protocol):
    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]: ...


class ArrayDataset:
    """Features (a list of (T_i, F) arrays) with integer labels and optional names.

    ``sources`` (optional) says where each item's audio came from (a file path, or a
    description from which a synthesizer makes it again), for datasets that augment audio.
    """

    def __init__(self, features: Sequence[np.ndarray], labels: Sequence[int],
                 names: Sequence[str] | None = None, classes: Sequence[str] | None = None,
                 sources: Sequence[Any] | None = None) -> None:
        if len(features) != len(labels):
            raise InputError(f"ArrayDataset: {len(features)} feature arrays but "
                             f"{len(labels)} labels")
        sizes = {np.shape(f)[1] for f in features if np.ndim(f) == 2}
        if any(np.ndim(f) != 2 for f in features) or len(sizes) > 1:
            raise InputError("ArrayDataset: every item must be (frames, features) with the same "
                             "number of features")
        self.features = [np.asarray(f, dtype=np.float32) for f in features]
        self.labels = np.asarray(labels, dtype=np.int64)
        self.names = list(names) if names is not None else [str(i) for i in range(len(labels))]
        self.classes = list(classes) if classes is not None else \
            [str(c) for c in range(int(self.labels.max(initial=-1)) + 1)]
        if sources is not None and len(sources) != len(self.features):
            raise InputError(f"ArrayDataset: {len(sources)} sources for {len(self.features)} "
                             f"items")
        self.sources = list(sources) if sources is not None else None

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.features[index], int(self.labels[index])

    @property
    def feature_size(self) -> int:
        return self.features[0].shape[1] if self.features else 0

    def lengths(self) -> np.ndarray:
        return np.array([f.shape[0] for f in self.features], dtype=np.int64)

    def subset(self, indices: Sequence[int]) -> ArrayDataset:
        idx = list(indices)
        return ArrayDataset([self.features[i] for i in idx], self.labels[idx],
                            [self.names[i] for i in idx], self.classes,
                            None if self.sources is None else [self.sources[i] for i in idx])

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self)} items, {len(self.classes)} classes, "
                f"feature_size={self.feature_size})")


def join(datasets: Sequence[ArrayDataset]) -> ArrayDataset:
    """One dataset holding the items of all of ``datasets`` in order; they must have the same
    classes and feature size. Sources are kept when every part has them."""
    if not datasets:
        raise InputError("join: no datasets")
    first = datasets[0]
    for d in datasets[1:]:
        if list(d.classes) != list(first.classes):
            raise InputError(f"join: classes differ: {first.classes} and {d.classes}")
    sources = None if any(d.sources is None for d in datasets) else \
        [s for d in datasets for s in d.sources]
    return ArrayDataset([f for d in datasets for f in d.features],
                        np.concatenate([d.labels for d in datasets]),
                        [n for d in datasets for n in d.names], first.classes, sources)


def limit_per_class(dataset: ArrayDataset, limit: int | None) -> ArrayDataset:
    """The first ``limit`` items of each class (all of them when ``limit`` is None)."""
    if limit is None:
        return dataset
    counts: dict[int, int] = {}
    keep = []
    for i, label in enumerate(dataset.labels):
        if counts.get(int(label), 0) < limit:
            counts[int(label)] = counts.get(int(label), 0) + 1
            keep.append(i)
    return dataset.subset(keep)

