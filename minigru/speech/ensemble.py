"""Ensembles: several trained recognisers answering as one, saved as one model file.

Models trained from different seeds make different mistakes on a voice none of them has
heard, so the average of their posteriors is more often right than any one of them
(leave one speaker out on FSDD: README, "Voices and recordings it never met"). An
:class:`Ensemble` of K classifiers with logits ``z_k = f_k(x)`` returns

    ensemble(x) = log( (1/K) sum_k softmax(z_k) ) = logsumexp_k( log_softmax(z_k) ) - log K,

shape (B, C). These are logits whose softmax is the mean posterior itself (they are log
probabilities that already sum to one), so everything that reads a classifier's logits
(``softmax`` for posteriors, ``cross_entropy`` for the loss ``-log mean_k p_k(y | x)``,
``argmax`` for the label) reads the ensemble unchanged.

A run trains its own ensemble (the ``ensemble`` setting, ``minigru train --ensemble K``; 3
by default for recordings): member k trains on the run's one training set from the seed
:func:`member_seed` ``(seed, k)``, and the run's best-model file is written by
:func:`combine_models` with the run's own configuration.

:func:`combine_models` writes the members' best-model files into one best-model file whose
configuration is the first member's with a ``members`` list (each member's model settings and
seed). The members must share their class list and feature pipeline, since one pipeline
computes the features they all read; their architectures may differ. ``load_model`` builds
the ensemble back, so ``minigru predict``, ``evaluate`` and ``stream`` take the file as they
take any model.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..nn import functional as F
from ..ops import reduce as R
from ..ops import shape as S
from ..serialization import save
from ..tensor import Tensor
from ..training import MODEL_FORMAT, load_checkpoint
from .config import ConfigError, pipeline_of
from .stream import RecurrentStream

MODEL_KEYS = ("model", "hidden", "layers", "bidirectional", "pooling", "dropout")
"""The settings that describe one member's model (what ``model_for`` reads), and its seed."""


class Ensemble(nn.Module):
    """The classifiers ``members`` answering as one: the log of their mean posterior (module
    docstring), from ``x`` (T, B, F) and ``lengths`` (B,) to (B, C)."""

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(members) < 1 or not all(isinstance(m, nn.Module) for m in members):
            raise ConfigError(f"Ensemble: members must be one or more modules, got "
                              f"{members!r:.80}")
        self.members = nn.ModuleList(list(members))

    def forward(self, x: Any, lengths: Any = None) -> Tensor:
        logp = S.stack([F.log_softmax(m(x, lengths), axis=1) for m in self.members], axis=0)
        return R.logsumexp(logp, axis=0) - math.log(len(self.members))

    @property
    def cell(self) -> str | None:
        """The first member's recurrent cell (``gru``, ``lstm``, ``rnn``), if it has one."""
        return getattr(self.members[0], "cell", None)

    def gates(self, x: Any, lengths: Any = None) -> dict[str, np.ndarray]:
        """The first member's gates on ``x`` (a run's figures and report show one model's
        inside; ``GRUClassifier.gates``)."""
        return self.members[0].gates(x, lengths)

    def stream(self) -> EnsembleStream:
        """Frame by frame: each member's stream, their posteriors averaged (unidirectional
        recurrent members only, as for one model)."""
        return EnsembleStream(self)


class EnsembleStream:
    """``push(frames) -> posteriors``: the mean of the members' ``RecurrentStream``
    posteriors, (n, C) for (n, input_size) frames."""

    def __init__(self, ensemble: Ensemble) -> None:
        self.streams = [RecurrentStream(m) for m in ensemble.members]
        self.input_size = self.streams[0].input_size

    def reset(self) -> None:
        for s in self.streams:
            s.reset()

    def push(self, frames: Any) -> np.ndarray:
        return np.mean([s.push(frames) for s in self.streams], axis=0)


def member_seed(seed: int, k: int) -> int:
    """The seed of member ``k`` of a run seeded by ``seed``: the run's own for ``k = 0`` (so a
    run of one model is the run it always was), and for ``k >= 1`` the first 32-bit word of
    ``numpy.random.SeedSequence([seed, k])``, in [0, 2**32), far from the small seeds a user
    picks and distinct from them in practice. A member's seed sets its initial weights, its
    dropout and weight-noise draws and the order of its batches; the training set, augmented
    copies included, is the run's and is shared."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise ConfigError(f"member_seed: k must be a member's index >= 0, got {k!r}")
    if k == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), k]).generate_state(1, np.uint32)[0])


def member_settings(cfg: dict[str, Any]) -> dict[str, Any]:
    """One member's entry in an ensemble's ``members`` list: its model settings and seed."""
    return {k: cfg[k] for k in (*MODEL_KEYS, "seed") if k in cfg}


def combine_models(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str],
                   overwrite: bool = False, config: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """Write the models of ``paths`` (best-model or checkpoint files of runs with the same
    classes and feature pipeline) as one ensemble model file at ``out``. Its configuration
    is ``config`` (by default the first member's) with the ``members`` list.

    A member that is itself an ensemble brings its members. ``out`` may not be one of
    ``paths``, and an existing ``out`` is replaced only with ``overwrite=True`` (the file is
    written to a temporary name and renamed, as every checkpoint is). Returns ``{"out",
    "members"}``: the path written and each member's settings.
    """
    if len(paths) < 2:
        raise ConfigError(f"an ensemble needs at least two models, got {len(paths)}")
    out = Path(out)
    if any(Path(p).resolve() == out.resolve() for p in paths):
        raise ConfigError(f"the output {out} is one of the models; write the ensemble to "
                          f"a new file")
    if out.exists() and not overwrite:
        raise ConfigError(f"{out} exists; choose another name, or replace it with "
                          f"--overwrite (overwrite=True)")
    states, members, first = {}, [], None
    for p in paths:
        state = load_checkpoint(p)
        cfg = state["config"]
        if "classes" not in cfg or "features" not in cfg:
            raise ConfigError(f"{p} has no class list or feature pipeline in its "
                              f"configuration")
        if first is None:
            first = (p, cfg)
        elif cfg["classes"] != first[1]["classes"]:
            raise ConfigError(f"{p} has the classes {cfg['classes']}, {first[0]} has "
                              f"{first[1]['classes']}: an ensemble's members share one list")
        elif pipeline_of(cfg) != pipeline_of(first[1]):
            raise ConfigError(f"{p} computes other features than {first[0]} "
                              f"({pipeline_of(cfg)} against {pipeline_of(first[1])}): an "
                              f"ensemble's members read one pipeline's features")
        inner = cfg.get("members")
        if inner:
            prefix = [f"members.{k}." for k in range(len(inner))]
        else:
            inner, prefix = [member_settings(cfg)], [""]
        for settings, pre in zip(inner, prefix, strict=True):
            k = len(members)
            for name, value in state["model"].items():
                if name.startswith(pre):
                    states[f"members.{k}.{name[len(pre):]}"] = value
            members.append(settings)
    assert first is not None
    config = {**(first[1] if config is None else config), "members": members}
    save({"format": MODEL_FORMAT, "model": states, "epoch": None,
          "config": json.dumps(config, sort_keys=True)}, out)
    return {"out": out, "members": members}
