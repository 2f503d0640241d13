"""Self-training: the model labels a new voice's recordings itself, and the answers it is
surest of become the clips it adapts on.

A user who will not label anything still has recordings of their voice: the words they said
to the recogniser. The model's answers on a new voice are mostly right (about 87% on an FSDD
voice it never heard), and the answers it gives with the highest posterior are right far more
often; adapting on those teaches it the voice as labelled enrolment does (``adapt.py``), with
the model's own answers as labels (self-training, Yarowsky 1995; for speech, unsupervised
speaker adaptation on a first pass's transcripts).

Let p_i = f(x_i) be the model's posteriors for the N clips of the pool, y_i = argmax_k p_ik
its answer and c_i = max_k p_ik its confidence. For each class k with n_k = |{i : y_i = k}|
clips answered k, the ceil(keep * n_k) most confident of them are kept:

    S = union over k of the ceil(keep * n_k) clips i with y_i = k and the largest c_i
        (ties: the earlier clip first)

and the model is adapted on {(x_i, y_i) : i in S} exactly as on labelled clips. The choice is
made per class (class-balanced, as Zou et al. 2018 do for self-training): one threshold on
c_i for all classes would keep mostly the words the model already knows best, and teach it
that the others are rare. A class the model gave no clip is an error, for the same reason.

Rounds (``keep`` a sequence, by default (0.5, 0.7)): round 1 labels the pool with the trained
model f_0 and keeps the fraction keep_1; round r > 1 labels it again with the model adapted in
round r - 1, which knows the voice better, and keeps the larger fraction keep_r. Every round
adapts the trained weights f_0, not the previous round's, so a wrong label of an early round
is not learnt twice:

    f_r = adapt(f_0, S_r(f_{r-1}, keep_r)),    the result f_R

Measured with ``benchmarks/bench_generalisation.py --self-adapt`` (leave one speaker out, the
held-out voice's takes 0-24 as the unlabelled pool, scored on takes 25-49; the README has
the numbers): one round keeping half of each answer kept answers about 97% right and adapted
better than keeping 0.3 or 0.4 (three seeds) or 0.7 (one), and a second round keeping 0.7
gained 1.0 point more (up on 9 of the 15 folds of three seeds, level on 2).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from ..audio.pipeline import FeaturePipeline
from ..data.dataset import ArrayDataset
from ..data.loader import DataLoader
from ..nn import Module
from ..training import evaluate
from .config import ConfigError
from .predict import expand_folders, features_of
from .run import EVAL_BATCH

KEEP = (0.5, 0.7)


def check_keep(keep: float) -> None:
    """A ConfigError unless 0 < keep <= 1."""
    if not isinstance(keep, (int, float)) or isinstance(keep, bool) or not 0 < keep <= 1:
        raise ConfigError(f"keep must be a fraction in (0, 1], got {keep!r}")


def keep_schedule(keep: float | Sequence[float] | None) -> tuple[float, ...]:
    """The fraction kept in each round: ``keep`` as a tuple (one number is one round; None
    is :data:`KEEP`), each checked by :func:`check_keep`."""
    if keep is None:
        return KEEP
    keeps = tuple(keep) if isinstance(keep, (list, tuple)) else (keep,)
    if not keeps:
        raise ConfigError("keep needs at least one fraction (one round)")
    for k in keeps:
        check_keep(k)
    return keeps


def most_confident(probabilities: np.ndarray, keep: float = KEEP[0]) -> np.ndarray:
    """The indices S of the module docstring, sorted: for each class, the ceil(keep * n_k)
    rows answered with it whose posterior of that answer is highest.

    probabilities: (N, classes) posteriors. Returns (|S|,) int64 row indices.
    """
    check_keep(keep)
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ConfigError(f"probabilities must be (clips, classes) with at least one clip, "
                          f"got shape {p.shape}")
    answer = p.argmax(axis=1)
    confidence = p.max(axis=1)
    kept = []
    for k in range(p.shape[1]):
        rows = np.flatnonzero(answer == k)
        order = rows[np.argsort(-confidence[rows], kind="stable")]
        kept.append(order[: math.ceil(keep * rows.size)])
    return np.sort(np.concatenate(kept)).astype(np.int64)


def unlabelled_clips(root: str | os.PathLike[str], pipeline: FeaturePipeline
                     ) -> tuple[ArrayDataset, list[tuple[str, str]]]:
    """Every ``.wav`` under ``root`` (any folder or name; labels are not read) through the
    model's pipeline, as a dataset whose labels are all 0 and whose ``sources`` are the
    files, and the (file, reason) of the files that could not be read."""
    features, files, skipped = [], [], []
    for f in expand_folders([root]):
        if isinstance(f, dict):
            raise ConfigError(f["error"])
        try:
            features.append(features_of(pipeline, f))
            files.append(str(f))
        except (OSError, ValueError) as exc:
            skipped.append((str(f), str(exc)))
    if not features:
        raise ConfigError(f"none of the .wav files under {root} could be read")
    names = [os.path.relpath(f, root) for f in files]
    return ArrayDataset(features, np.zeros(len(files), dtype=np.int64), names,
                        sources=files), skipped


def self_labelled(model: Module, pool: ArrayDataset, classes: list[str], keep: float = KEEP[0]
                  ) -> tuple[ArrayDataset, np.ndarray]:
    """The clips of ``pool`` that :func:`most_confident` keeps, labelled with the model's
    answers (``classes`` its class names), and the model's posteriors for the whole pool
    (N, classes). A ConfigError names the classes the model gave no clip."""
    check_keep(keep)
    p = evaluate(model, DataLoader(pool, EVAL_BATCH), len(classes))["probabilities"]
    answer = p.argmax(axis=1)
    missing = [c for k, c in enumerate(classes) if not np.any(answer == k)]
    if missing:
        raise ConfigError(f"the model heard none of the {len(pool)} recordings as {missing}; "
                          f"self-training needs recordings of every class (or label them and "
                          f"adapt without --unlabelled)")
    kept = most_confident(p, keep)
    sources = [pool.sources[i] for i in kept] if pool.sources is not None else None
    return ArrayDataset([pool.features[i] for i in kept], answer[kept],
                        [pool.names[i] for i in kept], list(classes), sources), p


def answers_changed(model: Module, pool: ArrayDataset, before: np.ndarray) -> int:
    """How many clips of ``pool`` the model now answers otherwise than the posteriors
    ``before`` (N, classes) did."""
    after = evaluate(model, DataLoader(pool, EVAL_BATCH), before.shape[1])["probabilities"]
    return int(np.sum(after.argmax(axis=1) != before.argmax(axis=1)))

