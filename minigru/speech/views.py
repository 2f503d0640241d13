"""A recogniser's answers averaged over draws of its noise floor.

A pipeline with a drawn noise floor (``features.dither_db`` with ``features.floor =
"noise"``; the expected floor, ``"expected"``, adds no noise and has one reading) adds white
noise that many dB below
each trimmed word, drawn from a seed set by the word's duration in milliseconds
(``minigru.audio.pipeline``). One draw is one sample of that noise: a word near a decision
boundary can go either way with it, and a copy of the recording at another sample rate,
whose trimmed duration can differ by a millisecond, gets another draw. So a model's answer
averages its posteriors over the first K draws (``FeaturePipeline.floor_draws``), K being
the run setting ``floor_draws`` (5 by default; 1 for models written before the setting):

    p(c | x) = (1/K) sum_{j < K} softmax(f(features_j(x)))_c

where ``features_j`` adds the floor drawn from seed ``dither_seed(N, rate) + j *
DRAW_STRIDE``; draw 0 is the floor a pipeline has always added. Training is unchanged: every
training utterance and copy reads draw 0, and so does validation, which only picks the epoch.
Every answer reads the K draws: the run's test accuracy (``train_run``) and report,
``minigru evaluate``, ``predict`` and ``stream`` (word decisions), and
``benchmarks/bench_generalisation.py``. Adaptation (``minigru adapt``) trains, and labels
unlabelled clips, with draw 0, as training does. A pipeline without a floor has one draw,
and its answers are those of one reading.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..audio.pipeline import FeaturePipeline
from ..autograd import no_grad
from ..data.dataset import ArrayDataset
from ..nn import Module
from ..nn.functional import softmax
from ..tensor import Tensor
from .config import floor_draws_of
from .datasets import one_split, whole_corpus


def draw_pipelines(cfg: dict[str, Any], pipeline: FeaturePipeline) -> list[FeaturePipeline]:
    """The pipelines of the draws a model with configuration ``cfg`` answers by:
    ``pipeline.floor_draws(floor_draws_of(cfg))``."""
    return pipeline.floor_draws(floor_draws_of(cfg))


def split_views(cfg: dict[str, Any], pipeline: FeaturePipeline, split: str,
                first: ArrayDataset | None = None) -> list[ArrayDataset]:
    """The ``split`` of the configured data read through each draw's pipeline: the same clips
    in the same order, one dataset per draw. ``first``, the split as already read through
    ``pipeline``, is used for draw 0 instead of reading it again."""
    pipes = draw_pipelines(cfg, pipeline)
    head = first if first is not None else one_split(cfg, pipes[0], split)
    return [head] + [one_split(cfg, p, split) for p in pipes[1:]]


def corpus_views(cfg: dict[str, Any], pipeline: FeaturePipeline
                 ) -> tuple[list[ArrayDataset], list[tuple[str, str]]]:
    """Every readable file of the configured corpus (``whole_corpus``) through each draw's
    pipeline, and the (file, reason) of the files that could not be read."""
    views, skipped = [], []
    for p in draw_pipelines(cfg, pipeline):
        found, skipped = whole_corpus(cfg, p)
        views.append(found)
    return views, skipped


def mean_posterior(model: Module, views: list[np.ndarray]) -> np.ndarray:
    """(classes,) the posterior of one utterance averaged over its views, each (steps,
    size) features: (1/K) sum_k softmax(model(views[k])), in eval mode."""
    was_training = model.training
    model.eval()
    dtype = next(iter(model.parameters())).data.dtype
    total = None
    with no_grad():
        for x in views:
            logits = model(Tensor(np.asarray(x)[:, None, :].astype(dtype, copy=False)),
                           np.array([x.shape[0]]))
            p = softmax(logits, axis=1).numpy()[0].astype(np.float64)
            total = p if total is None else total + p
    model.train(was_training)
    return total / len(views)

