"""Speech datasets: the synthetic default corpus, FSDD-style folders, and label folders.

Each dataset turns audio into features once (``FeatureSpec``) and holds them as an
``ArrayDataset`` of (frames, features) arrays with integer labels.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.cache import FeatureCache
from ..audio.features import mfcc_batch
from ..audio.wav import load_wav
from .dataset import ArrayDataset
from .synthetic import DIGIT_WORDS, synthesize_digit

FSDD_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[a-z]+)_(?P<index>[0-9]+)\.wav$")


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """How audio becomes features: an MFCC preset (None = minigru's), the number of
    coefficients, deltas (0, 1, 2), per-utterance CMVN, and an optional resampling rate."""

    preset: str | None = None
    n_mfcc: int = 13
    deltas: int = 1
    cmvn: bool = True
    sample_rate: int | None = None

    @property
    def size(self) -> int:
        return self.n_mfcc * (1 + self.deltas)

    def settings(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def compute(self, signals: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        return mfcc_batch(signals, sample_rate, n_mfcc=self.n_mfcc, preset=self.preset,
                          deltas=self.deltas, cmvn=self.cmvn)


class SyntheticDigits(ArrayDataset):
    """The spoken digits "zero" .. "nine" from minigru's formant synthesizer (synthetic speech
    for a default that needs no download; see ``minigru.data.synthetic``).

    ``n_per_class`` utterances of each digit; takes ``first_take .. first_take + n - 1`` of
    ``seed``, so disjoint take ranges (or seeds) give disjoint sets of random speakers.
    ``snr_db`` is the range of background-noise levels. Deterministic for its arguments.
    """

    def __init__(self, n_per_class: int, sample_rate: int = 16000, seed: int = 0,
                 features: FeatureSpec | None = None, first_take: int = 0,
                 keep_audio: bool = False, snr_db: tuple[float, float] = (10.0, 30.0)) -> None:
        if n_per_class < 1:
            raise ValueError(f"SyntheticDigits: n_per_class must be >= 1, got {n_per_class}")
        self.sample_rate, self.seed, self.spec = sample_rate, seed, features or FeatureSpec()
        labels, names, clips = [], [], []
        for take in range(first_take, first_take + n_per_class):
            for digit in range(10):
                clips.append(synthesize_digit(digit, sample_rate, seed, take, snr_db))
                labels.append(digit)
                names.append(f"{digit}_synthetic{seed}_{take}")
        self.audio = clips if keep_audio else None
        super().__init__(self.spec.compute(clips, sample_rate), labels, names, DIGIT_WORDS)


def _load_all(paths: Sequence[Path], spec: FeatureSpec, cache: FeatureCache,
              skip_bad: bool) -> tuple[list[np.ndarray | None], list[tuple[str, str]]]:
    """Features for each path (from the cache where possible); unreadable files raise, or with
    ``skip_bad`` are recorded as (path, reason) and given None."""
    settings = spec.settings()
    feats: list[np.ndarray | None] = [cache.lookup(p, settings) for p in paths]
    missing = [i for i, f in enumerate(feats) if f is None]
    skipped: list[tuple[str, str]] = []
    by_rate: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i in missing:
        try:
            signal, sr = load_wav(paths[i], sample_rate=spec.sample_rate)
        except (OSError, ValueError) as exc:
            if not skip_bad:
                raise
            skipped.append((str(paths[i]), str(exc)))
            continue
        by_rate.setdefault(sr, []).append((i, signal))
    for sr, items in by_rate.items():
        computed = spec.compute([s for _, s in items], sr)
        for (i, _), f in zip(items, computed, strict=True):
            if f.shape[0] == 0:
                reason = f"{paths[i]}: too short for one frame"
                if not skip_bad:
                    raise ValueError(reason)
                skipped.append((str(paths[i]), reason))
                continue
            feats[i] = f
            cache.store(paths[i], settings, f)
    return feats, skipped


class SpokenDigitFolder(ArrayDataset):
    """WAV files named like the Free Spoken Digit Dataset: ``{digit}_{speaker}_{index}.wav``.

    Args:
        path: the folder (or its ``recordings`` subfolder is used if present).
        split: "train" (index >= 5), "test" (index 0-4, the dataset's conventional test set)
            or "all".
        speakers: keep only these speakers (None = all).
        exclude_speakers: drop these speakers (for leave-one-speaker-out).
        features: the FeatureSpec; cache_dir: where to keep computed features (None = none).
        skip_bad: skip unreadable files and list them in ``self.skipped`` instead of raising.
    """

    def __init__(self, path: str | os.PathLike[str], split: str = "train",
                 speakers: Sequence[str] | None = None,
                 exclude_speakers: Sequence[str] | None = None,
                 features: FeatureSpec | None = None,
                 cache_dir: str | os.PathLike[str] | None = None,
                 skip_bad: bool = False) -> None:
        root = Path(path)
        if (root / "recordings").is_dir():
            root = root / "recordings"
        if not root.is_dir():
            raise FileNotFoundError(f"SpokenDigitFolder: no folder at {path}")
        if split not in ("train", "test", "all"):
            raise ValueError(f"SpokenDigitFolder: split must be 'train', 'test' or 'all', got "
                             f"{split!r}")
        self.spec = features or FeatureSpec()
        files, labels, spk = [], [], []
        for f in sorted(root.glob("*.wav")):
            m = FSDD_NAME.match(f.name)
            if m is None:
                if skip_bad:
                    continue
                raise ValueError(f"SpokenDigitFolder: {f} is not named "
                                 f"{{digit}}_{{speaker}}_{{index}}.wav")
            index = int(m["index"])
            if (split == "test" and index > 4) or (split == "train" and index <= 4):
                continue
            if speakers is not None and m["speaker"] not in speakers:
                continue
            if exclude_speakers is not None and m["speaker"] in exclude_speakers:
                continue
            files.append(f)
            labels.append(int(m["digit"]))
            spk.append(m["speaker"])
        if not files:
            raise ValueError(f"SpokenDigitFolder: no usable recordings in {root} for split "
                             f"{split!r} and speakers {speakers}")
        feats, self.skipped = _load_all(files, self.spec, FeatureCache(cache_dir), skip_bad)
        keep = [i for i, f in enumerate(feats) if f is not None]
        self.speakers = [spk[i] for i in keep]
        super().__init__([feats[i] for i in keep], [labels[i] for i in keep],
                         [files[i].name for i in keep], [str(d) for d in range(10)])


class AudioFolder(ArrayDataset):
    """A ``root/<label>/*.wav`` tree; classes are the subfolder names in sorted order."""

    def __init__(self, path: str | os.PathLike[str], features: FeatureSpec | None = None,
                 cache_dir: str | os.PathLike[str] | None = None,
                 skip_bad: bool = False) -> None:
        root = Path(path)
        if not root.is_dir():
            raise FileNotFoundError(f"AudioFolder: no folder at {path}")
        classes = sorted(d.name for d in root.iterdir() if d.is_dir())
        files, labels = [], []
        for k, name in enumerate(classes):
            for f in sorted((root / name).glob("*.wav")):
                files.append(f)
                labels.append(k)
        if not files:
            raise ValueError(f"AudioFolder: no .wav files under {root}/<label>/")
        self.spec = features or FeatureSpec()
        feats, self.skipped = _load_all(files, self.spec, FeatureCache(cache_dir), skip_bad)
        keep = [i for i, f in enumerate(feats) if f is not None]
        super().__init__([feats[i] for i in keep], [labels[i] for i in keep],
                         [str(files[i].relative_to(root)) for i in keep], classes)
