"""Speech datasets: the synthetic default corpus, FSDD-style folders, and label folders.

Each dataset turns audio into features once, through one ``FeaturePipeline``
(``minigru.audio.pipeline``), and holds them as an ``ArrayDataset`` of (frames, features)
arrays with integer labels. ``dataset.pipeline`` is that pipeline with its sample rate fixed
(the rate the features were computed at), ready to be stored with a model.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.augment import Policy, augment, policy, spec_augment, utterance_rng
from ..audio.cache import FeatureCache
from ..audio.endpoint import SILENT_DB, is_silent
from ..audio.pipeline import DEFAULT_PIPELINE, FeaturePipeline, stack_frames
from ..audio.wav import is_audio_file, load_wav, sample_rate_of
from ..errors import InputError
from .dataset import ArrayDataset, join
from .synthetic import DIGIT_WORDS, VOICE_FAMILIES, synthesize_digit

FSDD_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[a-z]+)_(?P<index>[0-9]+)\.wav$")


def fix_rate(pipeline: FeaturePipeline, paths: Sequence[Path]) -> FeaturePipeline:
    """The pipeline with its sample rate fixed for these files: unchanged if it has one;
    else the files' rate, or the lowest of their rates if they differ (resampling down never
    invents a band the other files lack). Unreadable files are left to the loader to report.
    """
    if pipeline.sample_rate is not None:
        return pipeline
    rates = {r for r in (sample_rate_of(p) for p in paths) if r is not None}
    return pipeline.at_rate(min(rates)) if rates else pipeline


class SyntheticDigits(ArrayDataset):
    """The spoken digits "zero" .. "nine" from minigru's formant synthesizer (synthetic speech
    for a default that needs no download; see ``minigru.data.synthetic``).

    ``n_per_class`` utterances of each digit; takes ``first_take .. first_take + n - 1`` of
    ``seed``, so disjoint take ranges (or seeds) give disjoint sets of random speakers.
    ``snr_db`` is the range of background-noise levels. ``voices`` is the family of speakers:
    ``"classic"`` (a new speaker for every clip) or ``"broad"`` (take t of every digit is one
    speaker, with far more variety; see ``minigru.data.synthetic``). Deterministic for its
    arguments.
    """

    def __init__(self, n_per_class: int, sample_rate: int = 16000, seed: int = 0,
                 features: FeaturePipeline | None = None, first_take: int = 0,
                 keep_audio: bool = False, snr_db: tuple[float, float] = (10.0, 30.0),
                 voices: str = "classic") -> None:
        if n_per_class < 1:
            raise InputError(f"SyntheticDigits: n_per_class must be >= 1, got {n_per_class}")
        if voices not in VOICE_FAMILIES:
            raise InputError(f"SyntheticDigits: voices must be one of {VOICE_FAMILIES}, got "
                             f"{voices!r}")
        self.sample_rate, self.seed = sample_rate, seed
        self.pipeline = (features or DEFAULT_PIPELINE).at_rate(sample_rate)
        labels, names, clips, sources = [], [], [], []
        for take in range(first_take, first_take + n_per_class):
            for digit in range(10):
                clips.append(synthesize_digit(digit, sample_rate, seed, take, snr_db, voices))
                labels.append(digit)
                family = "" if voices == "classic" else voices
                names.append(f"{digit}_synthetic{family}{seed}_{take}")
                sources.append(("synthetic", digit, sample_rate, seed, take, tuple(snr_db))
                               + ((voices,) if family else ()))
        self.audio = clips if keep_audio else None
        super().__init__(self.pipeline.batch(clips, sample_rate), labels, names, DIGIT_WORDS,
                         sources)


def silent_reason(path: Any, signal: np.ndarray, sample_rate: int) -> str | None:
    """Why the recording at ``path`` cannot be classified because it is silent (no frame
    louder than ``SILENT_DB``), or None when it is not."""
    if signal.size and is_silent(signal, sample_rate):
        return f"{path} is silent (no frame louder than {SILENT_DB:.0f} dB)"
    return None


def _load_all(paths: Sequence[Path], pipeline: FeaturePipeline, cache: FeatureCache,
              skip_bad: bool) -> tuple[list[np.ndarray | None], list[tuple[str, str]]]:
    """Features for each path (from the cache where possible: the whole list as one entry,
    else each file's own); unreadable files raise, or with ``skip_bad`` are recorded as
    (path, reason) and given None. With ``skip_bad`` (scoring a corpus) a silent file is
    skipped too, as ``minigru predict`` refuses it: its features would be those of the noise
    floor, and any label the model gave it would be a guess."""
    settings = pipeline.to_dict()
    whole = cache.lookup_many(paths, settings)
    if whole is not None:
        return list(whole), []
    feats: list[np.ndarray | None] = [cache.lookup(p, settings) for p in paths]
    missing = [i for i, f in enumerate(feats) if f is None]
    skipped: list[tuple[str, str]] = []
    by_rate: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i in missing:
        try:
            signal, sr = pipeline.load(paths[i])
        except (OSError, ValueError) as exc:
            if not skip_bad:
                raise
            skipped.append((str(paths[i]), str(exc)))
            continue
        silent = silent_reason(paths[i], signal, sr) if skip_bad else None
        if silent:
            skipped.append((str(paths[i]), silent))
            continue
        by_rate.setdefault(sr, []).append((i, signal))
    for sr, items in by_rate.items():
        computed = pipeline.batch([s for _, s in items], sr)
        for (i, _), f in zip(items, computed, strict=True):
            if f.shape[0] == 0:
                reason = f"{paths[i]}: too short for one frame"
                if not skip_bad:
                    raise InputError(reason)
                skipped.append((str(paths[i]), reason))
                continue
            feats[i] = f
            cache.store(paths[i], settings, f)
    if not skipped:
        cache.store_many(paths, settings, feats)
    return feats, skipped


class SpokenDigitFolder(ArrayDataset):
    """WAV files named like the Free Spoken Digit Dataset: ``{digit}_{speaker}_{index}.wav``.

    Args:
        path: the folder (or its ``recordings`` subfolder is used if present).
        split: "train" (index >= 5), "test" (index 0-4, the dataset's conventional test set)
            or "all".
        speakers: keep only these speakers (None = all).
        exclude_speakers: drop these speakers (for leave-one-speaker-out).
        features: the FeaturePipeline (its sample rate, if None, is fixed to the files' own;
            see ``fix_rate``); cache_dir: where to keep computed features (None = none).
        skip_bad: skip unreadable files and list them in ``self.skipped`` instead of raising.
    """

    def __init__(self, path: str | os.PathLike[str], split: str = "train",
                 speakers: Sequence[str] | None = None,
                 exclude_speakers: Sequence[str] | None = None,
                 features: FeaturePipeline | None = None,
                 cache_dir: str | os.PathLike[str] | None = None,
                 skip_bad: bool = False) -> None:
        root = Path(path)
        if (root / "recordings").is_dir():
            root = root / "recordings"
        if not root.is_dir():
            raise FileNotFoundError(f"SpokenDigitFolder: no folder at {path}")
        if split not in ("train", "test", "all"):
            raise InputError(f"SpokenDigitFolder: split must be 'train', 'test' or 'all', got "
                             f"{split!r}")
        files, labels, spk = [], [], []
        for f in sorted(root.glob("*.wav")):
            m = FSDD_NAME.match(f.name)
            if m is None:
                if skip_bad:
                    continue
                raise InputError(f"SpokenDigitFolder: {f} is not named "
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
            raise InputError(f"SpokenDigitFolder: no usable recordings in {root} for split "
                             f"{split!r} and speakers {speakers}")
        self.pipeline = fix_rate(features or DEFAULT_PIPELINE, files)
        feats, self.skipped = _load_all(files, self.pipeline, FeatureCache(cache_dir), skip_bad)
        keep = [i for i, f in enumerate(feats) if f is not None]
        self.speakers = [spk[i] for i in keep]
        super().__init__([feats[i] for i in keep], [labels[i] for i in keep],
                         [files[i].name for i in keep], [str(d) for d in range(10)],
                         [str(files[i]) for i in keep])


class AudioFolder(ArrayDataset):
    """A ``root/<label>/<recording>`` tree; classes are the subfolder names in sorted order, and
    a label's recordings are its files named ``.wav`` or ``.sph`` (any case; WAV or NIST
    SPHERE, see ``mg.audio.load_wav``), in sorted order."""

    def __init__(self, path: str | os.PathLike[str], features: FeaturePipeline | None = None,
                 cache_dir: str | os.PathLike[str] | None = None,
                 skip_bad: bool = False) -> None:
        root = Path(path)
        if not root.is_dir():
            raise FileNotFoundError(f"AudioFolder: no folder at {path}")
        classes = sorted(d.name for d in root.iterdir() if d.is_dir())
        files, labels = [], []
        for k, name in enumerate(classes):
            for f in sorted(f for f in (root / name).iterdir() if is_audio_file(f)):
                files.append(f)
                labels.append(k)
        if not files:
            raise InputError(f"AudioFolder: no .wav or .sph files under {root}/<label>/")
        self.pipeline = fix_rate(features or DEFAULT_PIPELINE, files)
        feats, self.skipped = _load_all(files, self.pipeline, FeatureCache(cache_dir), skip_bad)
        keep = [i for i, f in enumerate(feats) if f is not None]
        super().__init__([feats[i] for i in keep], [labels[i] for i in keep],
                         [str(files[i].relative_to(root)) for i in keep], classes,
                         [str(files[i]) for i in keep])


def _is_synthetic(source: Any) -> bool:
    """A source that describes a synthetic digit (``SyntheticDigits``), not a file."""
    return isinstance(source, (tuple, list)) and len(source) > 0 and source[0] == "synthetic"


def source_audio(source: Any, pipeline: FeaturePipeline) -> tuple[np.ndarray, int]:
    """The audio of one dataset item from its ``source`` (a WAV path, or a synthetic
    digit's description), mono at the pipeline's rate, before trimming."""
    if _is_synthetic(source):
        _, digit, rate, seed, take, snr, *voices = source
        signal = synthesize_digit(int(digit), int(rate), int(seed), int(take), tuple(snr),
                                  *voices)
    else:
        signal, rate = load_wav(source)
    untrimmed = dataclasses.replace(pipeline, trim=False)
    return untrimmed.convert(signal, int(rate))


_AUGMENT_CHUNK = 256
"""Augmented signals whose features are computed in one call (one batch of FFTs)."""


def augmented(dataset: ArrayDataset, pipeline: FeaturePipeline, recipe: str | Policy,
              seed: int, cache_dir: str | os.PathLike[str] | None = None) -> ArrayDataset:
    """``dataset`` followed by ``policy.copies`` augmented copies of each of its items.

    Copy ``c`` of item ``i`` is ``augment(audio_i, policy, utterance_rng(seed, c, i))``
    through ``pipeline`` (then SpecAugment masks when the policy has them), with babble made
    from the other items' audio; it depends only on (seed, c, i) and the dataset, so a run
    reproduces it bit for bit. With ``cache_dir`` each copy's features of the set's files are
    cached as one entry, before stacking (the key holds every file, the recipe, seed, copy and
    the names of the whole set; so runs that differ only in ``stack`` share it).
    """
    recipe = policy(recipe)
    if recipe.copies == 0:
        return dataset
    if dataset.sources is None:
        raise InputError("augmented: the dataset does not say where its audio came from")
    rate = pipeline.sample_rate
    if rate is None:
        raise InputError("augmented: the pipeline has no sample rate; fix it first")
    import hashlib
    import json

    pool = hashlib.sha256("\n".join(dataset.names).encode()).hexdigest()[:16]
    cache = FeatureCache(cache_dir)
    audio: list[np.ndarray] | None = None
    parts = [dataset]
    unstacked = {k: v for k, v in pipeline.to_dict().items() if k != "stack"}
    base = {**unstacked, "augment": json.dumps(dataclasses.asdict(recipe)),
            "seed": int(seed), "pool": pool}
    files = [i for i, src in enumerate(dataset.sources) if not _is_synthetic(src)]
    for copy in range(1, recipe.copies + 1):
        settings = dict(base, copy=copy)
        stored = cache.lookup_many([dataset.sources[i] for i in files], settings)
        feats: list[np.ndarray | None] = [None] * len(dataset)
        for i, f in zip(files, stored or [], strict=False):
            feats[i] = f
        todo = [i for i in range(len(dataset)) if feats[i] is None]
        if todo and audio is None:
            audio = [source_audio(s, pipeline)[0] for s in dataset.sources]
        for start in range(0, len(todo), _AUGMENT_CHUNK):
            chunk = todo[start:start + _AUGMENT_CHUNK]
            rngs, signals = [], []
            for i in chunk:
                rng = utterance_rng(seed, copy, i)
                others = [audio[j] for j in rng.choice(len(audio), size=min(8, len(audio)),
                                                       replace=False) if j != i]
                signals.append(augment(audio[i], rate, recipe, rng, others))
                rngs.append(rng)
            for i, rng, f in zip(chunk, rngs, pipeline.frames(signals, rate), strict=True):
                feats[i] = spec_augment(f, rng, **recipe.spec_augment) \
                    if recipe.spec_augment else f
        if stored is None:
            cache.store_many([dataset.sources[i] for i in files], settings,
                             [feats[i] for i in files])
        parts.append(ArrayDataset([stack_frames(f, pipeline.stack) for f in feats],
                                  dataset.labels,
                                  [f"{n}+aug{copy}" for n in dataset.names], dataset.classes,
                                  dataset.sources))
    return join(parts)
