"""Using a trained recogniser: load it from a checkpoint, classify files, score a dataset.

A checkpoint carries the run's configuration, with the class names and the feature pipeline
(``features``), so every function here computes the features the model was trained on:
a file at another sample rate or with several channels is converted by that pipeline first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.endpoint import speech_runs
from ..audio.pipeline import FeaturePipeline
from ..audio.wav import OTHER_AUDIO_SUFFIXES, is_audio_file
from ..data.dataset import ArrayDataset
from ..data.loader import DataLoader
from ..data.speech import silent_reason
from ..data.synthetic import DIGIT_WORDS
from ..nn import Module
from ..training import evaluate_mean, load_checkpoint
from .config import ConfigError, check_config, pipeline_of
from .datasets import SPLITS
from .ensemble import Ensemble
from .models import model_for
from .run import EVAL_BATCH
from .views import corpus_views, draw_pipelines, mean_posterior, split_views


def load_model(path: str | os.PathLike[str]) -> tuple[Module, dict[str, Any]]:
    """The model stored in a checkpoint or best-model file (in eval mode), and its run
    configuration; ``pipeline_of(cfg)`` is its feature pipeline. A file written by
    ``combine_models`` gives an :class:`~minigru.speech.ensemble.Ensemble`."""
    state = load_checkpoint(path)
    cfg = state["config"]
    if "classes" not in cfg:
        raise ConfigError(f"{path} has no class list in its configuration")
    size, n_classes = pipeline_of(cfg).size, len(cfg["classes"])
    members = cfg.get("members")
    if members is not None:
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            raise ConfigError(f"{path}: members must be a list of model settings")
        model = Ensemble([model_for({**cfg, **m}, size, n_classes) for m in members])
    else:
        model = model_for(cfg, size, n_classes)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise ConfigError(f"{path} does not match a {cfg['model']} model: {exc}") from exc
    model.eval()
    return model, cfg


def features_of(pipeline: FeaturePipeline, path: str | os.PathLike[str]) -> np.ndarray:
    """The model input of one file, or ConfigError naming the file and what is wrong."""
    return feature_views([pipeline], path)[0]


def feature_views(pipelines: Sequence[FeaturePipeline], path: str | os.PathLike[str]
                  ) -> list[np.ndarray]:
    """The model input of one file through each of ``pipelines`` (the draws of a noise floor,
    ``minigru.speech.views``), the file read once; ConfigError naming the file and what is
    wrong."""
    return signal_views(pipelines, path, *pipelines[0].load(path))


def signal_views(pipelines: Sequence[FeaturePipeline], path: str | os.PathLike[str],
                 signal: np.ndarray, rate: int) -> list[np.ndarray]:
    """:func:`feature_views` of a file already read by the pipeline (``signal`` at
    ``rate``, as ``FeaturePipeline.load`` gives it); ``path`` names it in errors."""
    window = pipelines[0].mfcc_config().frame_sizes(rate)[0]
    silent = silent_reason(path, signal, rate) if signal.size >= window else None
    if silent:
        raise ConfigError(silent)
    feats = [p(signal, rate).astype(np.float32) for p in pipelines] \
        if signal.size >= window else None
    if feats is None or feats[0].shape[0] == 0:
        raise ConfigError(f"{path} is too short for one frame of features "
                          f"({signal.size / rate * 1000:.1f} ms, a frame is "
                          f"{window / rate * 1000:.1f} ms)")
    return feats


def expand_folders(paths: Sequence[str | os.PathLike[str]]) -> list[Any]:
    """The paths with each folder replaced by every recording under it (files named ``.wav``
    or ``.sph`` in any case, recursively, sorted, and audio files of other formats, which
    ``load_wav`` names with the way to convert them), or by ``{"file", "error"}`` if it holds
    none."""
    out: list[Any] = []
    for p in paths:
        if Path(p).is_dir():
            found = sorted(f for f in Path(p).rglob("*") if is_audio_file(f)
                           or (f.suffix.lower() in OTHER_AUDIO_SUFFIXES and f.is_file()))
            out.extend(found or [{"file": str(p), "error": f"{p} is a folder with no .wav "
                                                          f"or .sph file in it"}])
        else:
            out.append(p)
    return out


WORD_PAD_S = 0.1
"""Seconds of the recording kept on each side of a word that ``predict_each(words=True)``
classifies on its own (the streaming recogniser's ``pad_ms``); the pipeline's trimming then
finds the word within it."""


def predict_each(model: Module, cfg: dict[str, Any], files: Sequence[str | os.PathLike[str]],
                 words: bool = False) -> list[dict[str, Any]]:
    """One result per file, in order, through the run's feature pipeline (a folder stands
    for every ``.wav`` under it, see :func:`expand_folders`): ``{"file",
    "label", "probability", "probabilities": {class: p}, "words": [[start, end], ...]}``,
    or ``{"file", "error"}`` for a file that cannot be classified (missing, not a WAV, NaN
    samples, silent, too short); the other files are still classified. The probabilities
    are averaged over the draws of the pipeline's noise floor (``minigru.speech.views``).

    ``words`` in a result are the separate stretches of speech in the recording, in seconds
    (:func:`mg.audio.endpoint.speech_runs`). The model reads a recording as one word, so
    more than one means the answer is for a recording of several words.

    With ``words=True`` a recording of several words is answered word by word: one result
    for each stretch, cut from ``WORD_PAD_S`` before it to ``WORD_PAD_S`` after it, with its
    index ``word`` (0, 1, ...) and its ``start`` and ``end`` in seconds (a recording of one
    word, or none, gets its one result as before, without them).
    """
    if not isinstance(words, bool):
        raise ConfigError(f"predict_each: words must be True or False, got {words!r}")
    pipelines = draw_pipelines(cfg, pipeline_of(cfg))
    classes = cfg["classes"]
    out: list[dict[str, Any]] = []

    def answer(f: Any, signal: np.ndarray, rate: int) -> dict[str, Any]:
        probs = mean_posterior(model, signal_views(pipelines, f, signal, rate))
        best = int(np.argmax(probs))
        return {"file": str(f), "label": classes[best], "probability": float(probs[best]),
                "probabilities": {c: float(p) for c, p in zip(classes, probs, strict=True)}}

    for f in expand_folders(files):
        if isinstance(f, dict):
            out.append(f)
            continue
        try:
            signal, rate = pipelines[0].load(f)
            runs = speech_runs(signal, rate)
            spans = [[round(a / rate, 3), round(b / rate, 3)] for a, b in runs]
            if words and len(runs) > 1:
                pad = int(round(WORD_PAD_S * rate))
                found = [answer(f, signal[max(0, a - pad):b + pad], rate) for a, b in runs]
                out.extend({**r, "word": k, "start": s[0], "end": s[1], "words": spans}
                           for k, (r, s) in enumerate(zip(found, spans, strict=True)))
            else:
                out.append({**answer(f, signal, rate), "words": spans})
        except (OSError, ValueError) as exc:
            out.append({"file": str(f), "error": str(exc)})
    return out


def predict_files(model: Module, cfg: dict[str, Any], files: Sequence[str | os.PathLike[str]]
                  ) -> list[tuple[str, np.ndarray]]:
    """Class probabilities for each WAV file, through the run's feature pipeline; the first
    file that cannot be classified raises ConfigError naming it (see :func:`predict_each`
    for a batch that goes on past bad files)."""
    results = []
    for r in predict_each(model, cfg, files):
        if "error" in r:
            raise ConfigError(r["error"])
        results.append((r["file"], np.array(list(r["probabilities"].values()))))
    return results


def class_map(data_classes: Sequence[str], model_classes: Sequence[str]) -> list[int]:
    """For each class of the data, the model's class of the same name (digits and their
    words are the same class: "7" and "seven"); an unknown name is a ConfigError."""
    def key(name: str) -> str:
        low = name.strip().lower()
        return str(DIGIT_WORDS.index(low)) if low in DIGIT_WORDS else low

    index = {key(c): k for k, c in enumerate(model_classes)}
    unknown = [c for c in data_classes if key(c) not in index]
    if unknown:
        raise ConfigError(f"label folder(s) {unknown} are not classes of the model "
                          f"({list(model_classes)})")
    return [index[key(c)] for c in data_classes]


def evaluate_checkpoint(checkpoint: str | os.PathLike[str], data: str | None = None,
                        data_dir: str | None = None, split: str | None = None,
                        limit: int | None = None) -> dict[str, Any]:
    """Score a checkpoint through the model's feature pipeline: on a split of its own data,
    or of another corpus (``data``, ``data_dir``), or on every file of a corpus
    (``split="all"``, the default for ``data="folder"``: any ``ROOT/<label>/*.wav`` tree whose
    labels are the model's classes, or, with ``data="fsdd"``, any folder of FSDD-named files).
    The test split of a run that held out a speaker (``test_speaker``) is that speaker's
    clips; another corpus has no held-out speaker.

    Files that cannot be read are skipped and listed in ``skipped`` as (file, reason). The
    posteriors are averaged over the draws of the pipeline's noise floor
    (``minigru.speech.views``).

    Returns ``accuracy``, ``loss``, ``n``, ``classes``, ``confusion`` (rows: true, columns:
    predicted), ``per_class`` ({class: {"n", "correct", "accuracy"}}), ``skipped``,
    ``renamed`` ({data label: model class} wherever the two spell a class differently, as
    "7" and "seven"), ``data`` (the corpus) and ``split``.
    """
    if split is None:
        split = "all" if data == "folder" else "test"
    if split not in (*SPLITS, "all"):
        raise ConfigError(f"split must be one of {(*SPLITS, 'all')}, got {split!r}")
    model, cfg = load_model(checkpoint)
    if data:
        if data != cfg["data"]:
            cfg["test_speaker"] = None
        cfg["data"] = data
    if data_dir:
        cfg["data_dir"] = data_dir
    cfg["limit"] = limit
    check_config(cfg)
    pipeline = pipeline_of(cfg)
    classes = cfg["classes"]
    skipped: list[tuple[str, str]] = []
    if split == "all":
        views, skipped = corpus_views(cfg, pipeline)
    else:
        views = split_views(cfg, pipeline, split)
    mapping = class_map(views[0].classes, classes)
    renamed = {c: classes[k] for c, k in zip(views[0].classes, mapping, strict=True)
               if c != classes[k]}
    loaders = [DataLoader(ArrayDataset(d.features, [mapping[y] for y in d.labels], d.names,
                                       classes), EVAL_BATCH) for d in views]
    result = evaluate_mean(model, loaders, len(classes))
    confusion = result["confusion"]
    per_class = {}
    for k, name in enumerate(classes):
        n = int(confusion[k].sum())
        per_class[name] = {"n": n, "correct": int(confusion[k, k]),
                           "accuracy": float(confusion[k, k] / n) if n else None}
    return {"accuracy": result["accuracy"], "loss": result["loss"], "n": result["n"],
            "classes": classes, "confusion": confusion, "per_class": per_class,
            "skipped": skipped, "renamed": renamed,
            "data": cfg["data"], "split": split}
