"""Text for recurrent classifiers: words, a vocabulary, padded index arrays, stratified folds.

- ``strip_transcript_markup(text)`` removes what a transcript adds to what was said: speaker
  tags at the start of a line (``BARACK OBAMA:``, ``AUDIENCE MEMBERS:``, runs of capitals
  followed by a colon) and stage directions in parentheses (``(Cheers, applause.)``).
- ``tokenize(text)`` lower-cases and keeps runs of letters, digits and inner apostrophes as
  words (``don't``, ``2012``); punctuation is dropped.
- ``Vocabulary.build(documents, min_count, max_size)``: index 0 is padding, 1 the unknown
  word; the others by falling count (ties alphabetical), so a vocabulary is the same for the
  same documents. Build it from the training documents only, so no word of a test document
  leaks into it.
- ``pad(sequences)`` -> (B, T) int64 indices padded with 0, and lengths (B,).
- ``stratified_folds(labels, k, seed)``: k folds whose class proportions match the whole set's
  (each class's items shuffled by the seed and dealt round-robin), as a list of
  (train indices, test indices).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

_TAG = re.compile(r"^[ \t]*[A-Z][A-Z .,'\-]{1,60}:", re.M)
_DIRECTION = re.compile(r"\([^()]{0,200}\)")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def strip_transcript_markup(text: str) -> str:
    """``text`` without speaker tags at line starts and parenthesised stage directions."""
    return _DIRECTION.sub(" ", _TAG.sub(" ", text))


def tokenize(text: str) -> list[str]:
    """Lower-cased words (letters, digits, inner apostrophes)."""
    if not isinstance(text, str):
        raise InputError(f"tokenize: text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower().replace("\u2019", "'"))


@dataclass
class Vocabulary:
    """Words <-> indices; 0 = padding, 1 = unknown."""

    words: list[str] = field(default_factory=lambda: ["<pad>", "<unk>"])

    PAD = 0
    UNK = 1

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> Vocabulary:
        if min_count < 1:
            raise InputError(f"Vocabulary.build: min_count must be >= 1, got {min_count}")
        if max_size is not None and max_size < 3:
            raise InputError(f"Vocabulary.build: max_size must be >= 3 (padding, unknown and "
                             f"a word), got {max_size}")
        counts = Counter(w for doc in documents for w in doc)
        kept = sorted((w for w, c in counts.items() if c >= min_count),
                      key=lambda w: (-counts[w], w))
        if max_size is not None:
            kept = kept[:max_size - 2]
        return cls(["<pad>", "<unk>", *kept])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, words: Sequence[str]) -> np.ndarray:
        return np.array([self.index.get(w, self.UNK) for w in words], dtype=np.int64)


def pad(sequences: Sequence[np.ndarray], max_length: int | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """(B, T) int64 indices padded with 0 (each cut to ``max_length`` if given) and lengths."""
    if not sequences:
        raise InputError("pad: no sequences")
    cut = [np.asarray(s, dtype=np.int64)[:max_length] for s in sequences]
    lengths = np.array([max(len(s), 1) for s in cut], dtype=np.int64)
    out = np.zeros((len(cut), int(lengths.max())), dtype=np.int64)
    for i, s in enumerate(cut):
        out[i, :len(s)] = s
    return out, lengths


def stratified_folds(labels: Sequence[int], k: int, seed: int = 0
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train, test) index pairs; every class is spread evenly over the test folds."""
    y = np.asarray(labels)
    counts = np.bincount(y)
    if k < 2 or k > counts[counts > 0].min():
        raise InputError(f"stratified_folds: k must be in [2, {counts[counts > 0].min()}] (the "
                         f"smallest class's size), got {k}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(y.size, dtype=np.int64)
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        fold_of[members] = np.arange(members.size) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]
