"""Enrolment: a trained recogniser fine-tuned on a few labelled recordings of one new voice.

A model trained on a handful of speakers meets a new voice with the accuracy of leave one
speaker out (README, "Voices and recordings it never met"). A user who says each word once or
a few times gives it what no augmentation can: how this voice says these words. Adapting is
ordinary training, continued from the model's weights on the enrolment clips alone:

    theta_0 = the trained weights
    theta_{s+1} = Adam(theta_s, grad  mean_{(x, y) in batch s} CE(f(x; theta_s), y)),
        s = 0 .. S-1,   with S = epochs * ceil(N (1 + copies) / batch_size)

over the N enrolment clips and ``copies`` augmented copies of each, drawn with the model's
own augmentation policy (``strong`` for recordings: speed, frequency warp, noise,
reverberation, telephone channel, SpecAugment masks) so that a few clips are not learnt by
heart as they were said, with the run's gradient clipping, and by default at the model's own
learning rate (0.003 for the recogniser's recipe; on FSDD, 0.001 adapted less to the new voice
on every seed measured). The features are the model's own pipeline's, whatever the files'
rate or channels. There is no validation set (a few clips are too few to split) and no moving
average of the weights (a few hundred steps would leave it near the starting weights): the
weights after the last epoch are the adapted model. Every class needs at least one clip;
training on some classes only would teach the model that the others are rare.

The adapted model is for that voice: it is written as a new model file (the original is not
touched) that ``minigru predict``, ``evaluate`` and ``stream`` read as any model, with
``adapted`` in its configuration saying from which model, on which clips and how it was
adapted. Measured with ``benchmarks/bench_generalisation.py --enrol``.

Without labels (``unlabelled=True``, ``minigru adapt --unlabelled``, :func:`self_train`) the
clips are labelled by the model itself, in rounds, and only the answers it is surest of are
adapted on: ``pseudo_labels.py`` states the rule. Measured with ``--self-adapt``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import random as mg_random
from ..data.dataset import ArrayDataset
from ..data.loader import DataLoader
from ..data.speech import augmented
from ..nn import Module
from ..serialization import save
from ..training import MODEL_FORMAT, evaluate
from .config import ConfigError, augment_of, check_config, pipeline_of
from .datasets import cache_dir, whole_corpus
from .predict import class_map, load_model
from .pseudo_labels import answers_changed, keep_schedule, self_labelled, unlabelled_clips
from .run import EVAL_BATCH, make_trainer

EPOCHS = 20
BATCH = 16


def check_settings(epochs: int, lr: float | None, batch_size: int, seed: int) -> None:
    """A ConfigError naming the first of the adaptation's settings that cannot work."""
    def whole(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if not whole(epochs) or epochs < 1:
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}")
    if lr is not None and (not isinstance(lr, (int, float)) or isinstance(lr, bool)
                           or not 0 < lr < math.inf):
        raise ConfigError(f"lr must be a positive number, got {lr!r}")
    if not whole(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not whole(seed) or not 0 <= seed < 2**32:
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {seed!r}")


def check_enrolment(dataset: ArrayDataset, classes: list[str]) -> ArrayDataset:
    """``dataset`` with its labels as the model's class indices; a ConfigError naming the
    classes without a clip, or the label folders that are not classes."""
    mapping = class_map(dataset.classes, classes)
    labels = np.array([mapping[y] for y in dataset.labels], dtype=np.int64)
    missing = [c for k, c in enumerate(classes) if not np.any(labels == k)]
    if missing:
        raise ConfigError(f"enrolment needs at least one clip of every class; none of "
                          f"{missing}")
    return ArrayDataset(dataset.features, labels, dataset.names, list(classes), dataset.sources)


def adapt_model(model: Module, cfg: dict[str, Any], enrolment: ArrayDataset, *,
                epochs: int = EPOCHS, lr: float | None = None, batch_size: int = BATCH,
                seed: int = 0, quiet: bool = True, log: Any = None) -> dict[str, Any]:
    """Fine-tune ``model`` in place on ``enrolment`` (labels already the model's classes,
    ``sources`` the audio files), with ``epochs`` passes over the clips and their augmented
    copies (the policy of ``cfg``), Adam at ``lr`` (None: the model's own, ``cfg["lr"]``),
    batches of ``batch_size``, seeded by ``seed`` (module docstring). The model is left in
    eval mode. ``quiet=False`` shows a progress bar on a terminal; ``log`` gets one line per
    epoch.

    Returns ``{"clips", "utterances", "epochs", "lr", "seconds", "train_accuracy"}`` (the
    last epoch's accuracy on the augmented clips as they were trained).
    """
    check_settings(epochs, lr, batch_size, seed)
    lr = float(cfg["lr"]) if lr is None else lr
    pipeline = pipeline_of(cfg)
    data = augmented(enrolment, pipeline, augment_of(cfg), seed, cache_dir())
    mg_random.manual_seed(seed)
    trainer = make_trainer(model, data, None, lr=lr, seed=seed, batch_size=batch_size,
                           epochs=epochs, patience=None, clip=cfg.get("clip"), quiet=quiet,
                           log=log)
    start = time.perf_counter()
    history = trainer.fit()
    model.eval()
    return {"clips": len(enrolment), "utterances": len(data), "epochs": epochs, "lr": lr,
            "seconds": time.perf_counter() - start,
            "train_accuracy": history[-1]["train_accuracy"]}


def self_train(model: Module, cfg: dict[str, Any], pool: ArrayDataset, classes: list[str],
               keep: float | Sequence[float] | None = None, *, epochs: int = EPOCHS,
               lr: float | None = None, seed: int = 0, quiet: bool = True,
               log: Any = None) -> dict[str, Any]:
    """Adapt ``model`` in place to the unlabelled clips ``pool`` (``sources`` the audio
    files), labelled by the model itself in rounds, one for each fraction of ``keep`` (None:
    (0.5, 0.7)): each round labels the pool with the previous round's model (the first with
    ``model`` as given), keeps that fraction of each answer's surest clips
    (``pseudo_labels.most_confident``) and adapts the given weights on them with
    :func:`adapt_model` (``epochs``, ``lr``, ``seed``). A class the first round's labels
    lack is a ConfigError naming it; when a later round's labels lack one, the rounds stop
    there and the previous round's model is the result (``stopped`` says why).

    Returns the last round's :func:`adapt_model` summary (``seconds`` those of every round)
    with ``pool`` (N), ``keep`` (the schedule), ``rounds`` ([{"keep", "clips"}] for each
    round run), ``stopped`` (None, or why the rounds stopped early), ``labels`` (the last
    round's kept clips as a dataset) and ``changed`` (how many of the pool the adapted model
    answers otherwise than the given one).
    """
    keeps = keep_schedule(keep)
    check_settings(epochs, lr, BATCH, seed)
    trained = {k: v.copy() for k, v in model.state_dict().items()}
    first = None
    rounds: list[dict[str, Any]] = []
    stopped = None
    seconds = 0.0
    for k in keeps:
        try:
            kept_now, posteriors = self_labelled(model, pool, classes, k)
        except ConfigError as exc:
            if not rounds:
                raise
            stopped = f"round {len(rounds) + 1} was not run: {exc}"
            break
        kept, first = kept_now, posteriors if first is None else first
        rounds.append({"keep": k, "clips": len(kept)})
        model.load_state_dict(trained)
        summary = adapt_model(model, cfg, kept, epochs=epochs, lr=lr, seed=seed, quiet=quiet,
                              log=log)
        seconds += summary["seconds"]
    return {**summary, "seconds": seconds, "pool": len(pool), "keep": list(keeps), "rounds": rounds,
            "stopped": stopped, "labels": kept, "changed": answers_changed(model, pool, first)}


def adapt_checkpoint(checkpoint: str | os.PathLike[str], data_dir: str | os.PathLike[str],
                     out: str | os.PathLike[str], data: str = "folder", epochs: int = EPOCHS,
                     lr: float | None = None, seed: int = 0, overwrite: bool = False,
                     quiet: bool = True, log: Any = None, unlabelled: bool = False,
                     keep: float | Sequence[float] | None = None) -> dict[str, Any]:
    """Adapt the model of ``checkpoint`` to the recordings under ``data_dir`` and write it to
    ``out``.

    ``data="folder"``: a ``ROOT/<label>/*.wav`` tree whose labels are the model's classes
    ("7" and "seven" are one class); ``data="fsdd"``: FSDD-named files
    (``{digit}_{speaker}_{index}.wav``). ``unlabelled=True``: every ``.wav`` under
    ``data_dir``, whatever its folder or name (``data`` is not read), labelled by the model
    itself in rounds, keeping in each the fraction of each class's surest answers that
    ``keep`` gives it (:func:`self_train`; None: (0.5, 0.7)). Files that cannot be read are
    skipped and listed. ``out`` may not be ``checkpoint``, and an existing ``out`` is
    replaced only with ``overwrite=True``.

    Returns :func:`adapt_model`'s summary with ``out``, ``per_class`` (clips of each class),
    ``skipped`` ((file, reason) pairs) and ``before``: with labels, the original model's
    accuracy on the enrolment clips themselves, unaugmented (how far it was from this
    voice); unlabelled, None, with :func:`self_train`'s ``pool``, ``keep``, ``rounds`` and
    ``changed``.
    """
    check_settings(epochs, lr, BATCH, seed)
    if keep is not None and not unlabelled:
        raise ConfigError("keep chooses among the model's own labels: it is for unlabelled "
                          "recordings (--unlabelled)")
    keep_schedule(keep)
    out = Path(out)
    if out.resolve() == Path(checkpoint).resolve():
        raise ConfigError(f"the output {out} is the model being adapted; write the adapted "
                          f"model to a new file")
    if out.exists() and not overwrite:
        raise ConfigError(f"{out} exists; choose another name, or replace it with "
                          f"--overwrite (overwrite=True)")
    if data not in ("folder", "fsdd"):
        raise ConfigError(f"data must be 'folder' or 'fsdd' (labelled recordings), got "
                          f"{data!r}")
    if not Path(data_dir).is_dir():
        raise ConfigError(f"data_dir: no folder at {data_dir}")
    model, cfg = load_model(checkpoint)
    classes = list(cfg["classes"])
    if unlabelled:
        pool, skipped = unlabelled_clips(data_dir, pipeline_of(cfg))
        summary = self_train(model, cfg, pool, classes, keep, epochs=epochs, lr=lr, seed=seed,
                             quiet=quiet, log=log)
        enrolment, before = summary.pop("labels"), None
    else:
        source = dict(cfg, data=data, data_dir=str(data_dir), limit=None, test_speaker=None)
        check_config(source)
        found, skipped = whole_corpus(source, pipeline_of(cfg))
        enrolment = check_enrolment(found, classes)
        before = evaluate(model, DataLoader(enrolment, EVAL_BATCH), len(classes))["accuracy"]
        summary = adapt_model(model, cfg, enrolment, epochs=epochs, lr=lr, seed=seed,
                              quiet=quiet, log=log)
    record = {"from": str(checkpoint), "data": "unlabelled" if unlabelled else data,
              "clips": len(enrolment), "epochs": epochs, "lr": summary["lr"], "seed": seed,
              "batch_size": BATCH, "augment": augment_of(cfg)}
    if unlabelled:
        record.update(labels="the model's own", keep=summary["keep"], pool=len(pool),
                      rounds=summary["rounds"])
    config = {**cfg, "adapted": [*cfg.get("adapted", []), record]}
    save({"format": MODEL_FORMAT, "model": model.state_dict(), "epoch": None,
          "config": json.dumps(config, sort_keys=True)}, out)
    counts = np.bincount(np.asarray(enrolment.labels), minlength=len(classes))
    return {**summary, "out": out, "before": before, "skipped": skipped,
            "per_class": {c: int(n) for c, n in zip(classes, counts, strict=True)}}
