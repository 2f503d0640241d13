"""The recogniser's data: which corpus a run reads and how it is split.

- ``synthetic``: ``SyntheticDigits`` takes 0..n-1 train, the next takes validation, then test
  (disjoint synthetic speakers).
- ``fsdd``: the Free Spoken Digit Dataset's conventional split: takes 0-4 of every speaker and
  digit are the test set, takes 5-9 the validation set, takes 10-49 the training set. With
  ``test_speaker``, leave one speaker out (:func:`speaker_split`): every clip of that speaker
  is the test set, a tenth of the other speakers' clips (drawn with the run's seed) the
  validation set, and the rest the training set, so the test measures a voice the model
  never heard.
- ``folder``: any ``ROOT/<label>/*.wav`` tree, shuffled with the run's seed: 10% validation,
  10% test, the rest training.

The training split can grow: ``augment`` adds the copies of its policy (``mg.audio.augment``)
and ``mix_synthetic`` adds that many synthetic utterances of each digit (``SyntheticDigits``
at the run's sample rate, speakers the validation and test sets never meet; the family of
speakers is ``synthetic.voices``: ``classic`` or ``broad`` from minigru's own synthesizer,
``espeak`` from eSpeak NG, ``EspeakDigits``), so the model meets more voices than the corpus has.
Validation and test sets are never augmented.

Every split is computed through one feature pipeline, fixed to one sample rate for all
splits (``pipeline_of`` and ``minigru.data.speech.fix_rate``), and features of files are cached
under the user's cache folder (``minigru.paths``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..audio.pipeline import FeaturePipeline
from ..audio.wav import is_audio_file
from ..data.dataset import ArrayDataset, join, limit_per_class
from ..data.espeak import EspeakDigits
from ..data.speech import AudioFolder, SpokenDigitFolder, SyntheticDigits, augmented, fix_rate
from ..data.synthetic import DIGIT_WORDS
from ..paths import feature_cache_dir
from .config import ConfigError, augment_of, fsdd_dir, pipeline_of

SPLITS = ("train", "val", "test")


def cache_dir() -> Path:
    """Where datasets cache the features of audio files."""
    return feature_cache_dir()


def _folder_root(cfg: dict[str, Any]) -> Path:
    """The root of a ``folder`` corpus, ``ROOT/<label>/*.wav``."""
    if not cfg.get("data_dir"):
        raise ConfigError("--data folder needs --data-dir ROOT with ROOT/<label>/*.wav")
    return Path(cfg["data_dir"])


def run_pipeline(cfg: dict[str, Any]) -> FeaturePipeline:
    """The pipeline a run with this configuration computes its features with, its sample
    rate fixed: the configured one, or the data's own (the lowest, if files differ)."""
    pipeline = pipeline_of(cfg)
    if pipeline.sample_rate is not None or cfg["data"] == "synthetic":
        return pipeline
    if cfg["data"] == "fsdd":
        root = fsdd_dir(cfg)
        root = root / "recordings" if (root / "recordings").is_dir() else root
        return fix_rate(pipeline, sorted(root.glob("*.wav")))
    return fix_rate(pipeline, sorted(f for f in _folder_root(cfg).glob("*/*")
                                     if is_audio_file(f)))


def make_datasets(cfg: dict[str, Any], pipeline: FeaturePipeline | None = None,
                  grow: bool = True) -> dict[str, ArrayDataset]:
    """{"train", "val", "test"} datasets for the configuration, their features computed by
    ``pipeline`` (default: :func:`run_pipeline` of ``cfg``); with ``grow`` the training set
    gets the configuration's augmentation and synthetic voices (:func:`grow_training_set`).
    """
    pipeline = pipeline or run_pipeline(cfg)
    splits = _splits(cfg, pipeline)
    if grow:
        splits["train"] = grow_training_set(splits["train"], cfg, pipeline)
    return splits


def grow_training_set(train: ArrayDataset, cfg: dict[str, Any], pipeline: FeaturePipeline
                      ) -> ArrayDataset:
    """``train`` with ``cfg["mix_synthetic"]`` synthetic utterances per class added, then
    with the augmented copies of the run's policy (``augment_of``; of real and synthetic items
    alike)."""
    mix = cfg.get("mix_synthetic", 0)
    if mix and cfg["data"] != "synthetic":
        where = digit_classes(train.classes)
        rate = pipeline.sample_rate or 16000
        synth = synthetic_digits(mix, rate, cfg["synthetic"]["data_seed"] + 1, pipeline, 0,
                                 cfg["synthetic"].get("voices", "classic"))
        synth = ArrayDataset(synth.features, [where[d] for d in synth.labels], synth.names,
                             train.classes, synth.sources)
        train = join([train, synth])
    return augmented(train, pipeline, augment_of(cfg), cfg["seed"], cache_dir())


def digit_classes(classes: list[str]) -> list[int]:
    """For each digit 0..9, the index of its class in ``classes``, which must be the ten
    digits named by numeral ("7") or word ("seven"), in any order (a label folder's classes
    are sorted by name); a ConfigError otherwise."""
    where = []
    for digit, word in enumerate(DIGIT_WORDS):
        found = [k for k, c in enumerate(classes) if c in (str(digit), word)]
        where.append(found[0] if len(found) == 1 else -1)
    if len(classes) != 10 or -1 in where:
        raise ConfigError(f"mix_synthetic needs the ten digits as the classes (0-9 or "
                          f"zero-nine), got {list(classes)}")
    return where


def uses_espeak(cfg: dict[str, Any]) -> bool:
    """Whether a run with this configuration has eSpeak NG speak any of its utterances (whose
    samples then depend on the installed version, which the run's summary records)."""
    speaks = cfg["data"] == "synthetic" or cfg.get("mix_synthetic", 0) > 0
    return speaks and cfg.get("synthetic", {}).get("voices") == "espeak"


def synthetic_digits(n_per_class: int, rate: int, seed: int, pipeline: FeaturePipeline,
                     first_take: int, voices: str) -> ArrayDataset:
    """Synthetic utterances of the ten digits from the family ``voices``: eSpeak NG's
    (``EspeakDigits``, its clips cached as WAV files) or minigru's own synthesizer's
    (``SyntheticDigits``)."""
    if voices == "espeak":
        return EspeakDigits(n_per_class, rate, seed, pipeline, first_take, cache_dir())
    return SyntheticDigits(n_per_class, rate, seed, pipeline, first_take=first_take,
                           voices=voices)


def _synthetic_splits(cfg: dict[str, Any], pipeline: FeaturePipeline,
                      wanted: tuple[str, ...] = SPLITS) -> dict[str, ArrayDataset]:
    """The ``wanted`` splits of the synthetic digits: takes 0 .. n_train - 1 of each digit
    are the training split, the next n_val the validation split, the next n_test the test
    split (each cut to ``limit`` per class)."""
    s, limit = cfg["synthetic"], cfg["limit"]
    counts = [s["train_per_class"], s["val_per_class"], s["test_per_class"]]
    out, start = {}, 0
    for split, n in zip(SPLITS, counts, strict=True):
        if split in wanted:
            out[split] = synthetic_digits(n if limit is None else min(n, limit),
                                          s["sample_rate"], s["data_seed"], pipeline, start,
                                          s.get("voices", "classic"))
        start += n
    return out


def _splits(cfg: dict[str, Any], pipeline: FeaturePipeline) -> dict[str, ArrayDataset]:
    limit = cfg["limit"]
    if cfg["data"] == "synthetic":
        return _synthetic_splits(cfg, pipeline)
    if cfg["data"] == "fsdd" and cfg.get("test_speaker") is not None:
        everything = SpokenDigitFolder(fsdd_dir(cfg), "all", features=pipeline,
                                       cache_dir=cache_dir())
        out = speaker_split(everything, cfg["test_speaker"], cfg["seed"])
        return {k: limit_per_class(v, limit) for k, v in out.items()}
    if cfg["data"] == "fsdd":
        root = fsdd_dir(cfg)
        train_all = SpokenDigitFolder(root, "train", features=pipeline, cache_dir=cache_dir())
        index = np.array([int(n.rsplit("_", 1)[1].split(".")[0]) for n in train_all.names])
        out = {"train": train_all.subset(np.flatnonzero(index >= 10)),
               "val": train_all.subset(np.flatnonzero(index < 10)),
               "test": SpokenDigitFolder(root, "test", features=pipeline,
                                         cache_dir=cache_dir())}
        return {k: limit_per_class(v, limit) for k, v in out.items()}
    full = AudioFolder(_folder_root(cfg), features=pipeline, cache_dir=cache_dir())
    order = np.random.default_rng(cfg["seed"]).permutation(len(full))
    n_val = n_test = max(1, len(full) // 10)
    parts = {"val": order[:n_val], "test": order[n_val:n_val + n_test],
             "train": order[n_val + n_test:]}
    return {k: limit_per_class(full.subset(sorted(v)), limit) for k, v in parts.items()}


def one_split(cfg: dict[str, Any], pipeline: FeaturePipeline, split: str) -> ArrayDataset:
    """The ``split`` of :func:`make_datasets` alone, not grown: for FSDD's conventional test
    split only its own files are read (the others' features are not computed)."""
    if cfg["data"] == "synthetic":
        return _synthetic_splits(cfg, pipeline, (split,))[split]
    if split == "test" and cfg["data"] == "fsdd" and cfg.get("test_speaker") is None:
        test = SpokenDigitFolder(fsdd_dir(cfg), "test", features=pipeline, cache_dir=cache_dir())
        return limit_per_class(test, cfg["limit"])
    return _splits(cfg, pipeline)[split]


def speaker_split(everything: SpokenDigitFolder, speaker: str, seed: int
                  ) -> dict[str, ArrayDataset]:
    """Leave one speaker out: {"test": every clip of ``speaker``, "val": a tenth (rounded
    down) of the other speakers' clips, drawn by ``default_rng(seed).permutation``, "train":
    the rest}, each in the corpus's order. An unknown speaker is a ConfigError listing the
    corpus's speakers."""
    spk = np.array(everything.speakers)
    if speaker not in set(everything.speakers):
        raise ConfigError(f"test_speaker {speaker!r} has no clips in the corpus; its speakers "
                          f"are {sorted(set(everything.speakers))}")
    others = everything.subset(np.flatnonzero(spk != speaker))
    order = np.random.default_rng(seed).permutation(len(others))
    n_val = len(others) // 10
    return {"train": others.subset(sorted(order[n_val:])),
            "val": others.subset(sorted(order[:n_val])),
            "test": everything.subset(np.flatnonzero(spk == speaker))}


def whole_corpus(cfg: dict[str, Any], pipeline: FeaturePipeline
                 ) -> tuple[ArrayDataset, list[tuple[str, str]]]:
    """Every readable file of the configured corpus (no split: for scoring a model on a
    corpus it never met), and the (file, reason) of those that could not be read."""
    if cfg["data"] == "synthetic":
        raise ConfigError("split 'all' is for a folder of files: use --data folder or fsdd")
    if cfg["data"] == "fsdd":
        found = SpokenDigitFolder(fsdd_dir(cfg), "all", features=pipeline,
                                  cache_dir=cache_dir(), skip_bad=True)
    else:
        found = AudioFolder(_folder_root(cfg), features=pipeline, cache_dir=cache_dir(),
                            skip_bad=True)
    return limit_per_class(found, cfg["limit"]), found.skipped
