"""One training run of the music benchmark, by the protocol of Chung et al. (2014).

The loss is the negative log-likelihood of the next step, each key an independent Bernoulli
given the past, summed over the 88 keys and averaged over every predicted step (nats per
step; the paper's and Boulanger-Lewandowski et al.'s measure):

    NLL = -(1 / sum_s (T_s - 1)) sum_s sum_{t=1}^{T_s - 1} sum_k
              [x_{t+1,k} log p_{t,k} + (1 - x_{t+1,k}) log(1 - p_{t,k})]

Each update, as the paper describes its training:

1. weight noise: the weight matrices get eps ~ N(0, weight_noise^2) for this minibatch
   (``nn.WeightNoise``); the gradient is taken there and applied to the clean weights;
2. the gradient's global norm is rescaled to ``clip`` (1) when it is larger;
3. RMSProp (Hinton's form, ``optim.RMSprop`` with ``alpha`` 0.9):
   v <- alpha v + (1 - alpha) g^2,  w <- w - lr g / (sqrt(v) + eps).

After every epoch the clean model is scored on the validation split; the best epoch's weights
are kept, and training stops after ``patience`` epochs without improvement (early stopping).
The learning rate is a setting: the paper drew 10 candidates log-uniformly from
[e^-12, e^-6] and kept the best on validation, which a sweep over ``lr`` does.

Minibatches are ``batch_size`` sequences of similar length (the paper does not give a batch
size), whole sequences with full backpropagation through time.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from .. import random as mg_random
from ..autograd import no_grad
from ..errors import InputError
from ..nn import functional as F
from ..runtime import set_threads
from ..serialization import load, save
from ..tensor import Tensor
from ..training import RunFolder
from .model import CELLS, PAPER_UNITS, NextStep
from .rolls import DATASETS, SPLITS, data_file, length_batches, load_rolls, next_step_batch

DEFAULTS: dict[str, Any] = {
    "dataset": "jsb", "cell": "gru", "hidden": None, "seed": 0,
    "lr": 2.5e-3, "alpha": 0.9, "eps": 1e-8, "weight_noise": 0.075, "clip": 1.0,
    "batch_size": 8, "epochs": 200, "patience": 20, "threads": 1, "data_dir": None,
}
"""The settings of a music run. ``hidden`` None means the paper's size for the cell
(tanh-RNN 100, GRU 46, LSTM 36 units); ``data_dir`` None means ``$MINIGRU_POLYPHONIC``."""

_NUMBERS = ("lr", "alpha", "eps", "weight_noise", "clip")
_COUNTS = ("batch_size", "epochs", "patience", "threads", "seed")


def make_music_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS with ``overrides``, every value checked; ``hidden`` resolved."""
    if not isinstance(overrides or {}, dict):
        raise InputError(f"music settings must be a table of key = value, got {overrides!r}")
    cfg = dict(DEFAULTS)
    for key, value in (overrides or {}).items():
        if key not in cfg:
            close = difflib.get_close_matches(key, list(cfg), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"unknown music setting {key!r}{hint} (settings are "
                             f"{sorted(cfg)})")
        cfg[key] = value
    if cfg["dataset"] not in DATASETS:
        raise InputError(f"dataset must be one of {sorted(DATASETS)}, got {cfg['dataset']!r}")
    if cfg["cell"] not in CELLS:
        raise InputError(f"cell must be one of {sorted(CELLS)}, got {cfg['cell']!r}")
    for key in _COUNTS:
        v = cfg[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < (0 if key == "seed" else 1):
            raise InputError(f"{key} must be a {'non-negative' if key == 'seed' else 'positive'}"
                             f" integer, got {v!r}")
    for key in _NUMBERS:
        v = cfg[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or v < 0:
            raise InputError(f"{key} must be a finite number >= 0, got {v!r}")
    if cfg["lr"] <= 0 or cfg["clip"] <= 0:
        raise InputError(f"lr and clip must be > 0, got lr={cfg['lr']!r}, clip={cfg['clip']!r}")
    if cfg["alpha"] > 1:
        raise InputError(f"alpha must be in [0, 1], got {cfg['alpha']!r}")
    if cfg["hidden"] is None:
        cfg["hidden"] = PAPER_UNITS[cfg["cell"]]
    elif isinstance(cfg["hidden"], bool) or not isinstance(cfg["hidden"], int) \
            or cfg["hidden"] < 1:
        raise InputError(f"hidden must be a positive integer or null, got {cfg['hidden']!r}")
    if cfg["data_dir"] is not None and not isinstance(cfg["data_dir"], str):
        raise InputError(f"data_dir must be a path or null, got {cfg['data_dir']!r}")
    return cfg


def _batch_nll_sum(model: NextStep, rolls: list[np.ndarray]) -> tuple[Tensor, int]:
    """(summed NLL over keys and valid steps, number of valid steps) of one batch."""
    x, y, lengths = next_step_batch(rolls)
    mask = (np.arange(x.shape[0])[:, None] < lengths[None, :]).astype(np.float32)
    logits = model(Tensor(x), lengths)
    loss = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
    return (loss * mask[:, :, None]).sum(), int(lengths.sum())


def nll_per_step(model: NextStep, rolls: list[np.ndarray], batch_size: int = 32) -> float:
    """The NLL per predicted step (nats) of ``rolls`` under ``model``, without gradients."""
    total, steps = 0.0, 0
    was_training = model.training
    model.eval()
    with no_grad():
        for idx in length_batches([len(r) for r in rolls], batch_size):
            s, n = _batch_nll_sum(model, [rolls[i] for i in idx])
            total += float(s.item())
            steps += n
    model.train(was_training)
    return total / steps


def nll_per_sequence(model: NextStep, rolls: list[np.ndarray], batch_size: int = 32
                     ) -> np.ndarray:
    """(len(rolls),): each sequence's own NLL per predicted step (nats), without gradients.

    For a sequence s of L_s steps, ``-(1 / (L_s - 1)) sum_{t=1}^{L_s-1} sum_k
    [y_tk log p_tk + (1 - y_tk) log(1 - p_tk)]``. Their mean weighs every sequence alike;
    :func:`nll_per_step` weighs every step alike, which is the mean of these weighted by
    ``L_s - 1``. The two differ where long and short sequences score differently.
    """
    out = np.empty(len(rolls))
    was_training = model.training
    model.eval()
    with no_grad():
        for idx in length_batches([len(r) for r in rolls], batch_size):
            x, y, lengths = next_step_batch([rolls[i] for i in idx])
            mask = (np.arange(x.shape[0])[:, None] < lengths[None, :]).astype(np.float64)
            loss = F.binary_cross_entropy_with_logits(model(Tensor(x), lengths), y,
                                                      reduction="none").data
            out[idx] = (loss * mask[:, :, None]).sum(axis=(0, 2)) / lengths
    model.train(was_training)
    return out


def load_music_model(path: str | os.PathLike[str]) -> tuple[NextStep, dict[str, Any]]:
    """The model of a run's ``best.npz`` (written by :func:`train_music`), in eval mode, and
    its configuration."""
    state = load(path)
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise InputError(f"{path} is not a music run's best model (no model and config)")
    cfg = make_music_config(json.loads(state["config"]))
    model = NextStep(cfg["cell"], cfg["hidden"])
    model.load_state_dict(state["model"])
    model.eval()
    return model, cfg


def train_music(config: dict[str, Any], run_dir: str | os.PathLike[str], *,
                quiet: bool = True) -> dict[str, Any]:
    """Train one model; write the run folder's per-epoch metrics (``RunFolder.metrics``), the
    best epoch's weights with the configuration (``RunFolder.best``) and the summary
    (``RunFolder.summary``); return the summary:
    ``dataset, cell, seed, parameters, lr, train_nll, valid_nll, test_nll, best_epoch,
    epochs``."""
    cfg = make_music_config(config)
    folder = RunFolder(run_dir)
    folder.path.mkdir(parents=True, exist_ok=True)
    set_threads(cfg["threads"])
    path = data_file(cfg["dataset"], cfg["data_dir"])
    splits = {s: load_rolls(path, s) for s in SPLITS}
    mg_random.manual_seed(cfg["seed"])
    rng = mg_random.default_rng()
    model = NextStep(cfg["cell"], cfg["hidden"])
    opt = optim.RMSprop(model.parameters(), lr=cfg["lr"], alpha=cfg["alpha"], eps=cfg["eps"])
    noise = nn.WeightNoise(model.parameters(), cfg["weight_noise"])
    batches = length_batches([len(r) for r in splits["train"]], cfg["batch_size"])
    best, best_state, best_epoch, since = math.inf, model.state_dict(), 0, 0
    folder.metrics.write_text("")
    epoch = 0
    for epoch in range(1, cfg["epochs"] + 1):
        start = time.perf_counter()
        model.train()
        losses = []
        for b in rng.permutation(len(batches)):
            opt.zero_grad()
            with noise:
                total, steps = _batch_nll_sum(model, [splits["train"][i] for i in batches[b]])
                loss = total / float(steps)
                loss.backward()
            value = float(loss.item())
            if not math.isfinite(value):
                raise FloatingPointError(f"epoch {epoch}: the training loss is {value}; "
                                         f"lower lr (now {cfg['lr']})")
            losses.append(value)
            nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
            opt.step()
        valid = nll_per_step(model, splits["valid"])
        line = {"epoch": epoch, "train_loss": float(np.mean(losses)), "valid_nll": valid,
                "seconds": time.perf_counter() - start}
        with open(folder.metrics, "a") as f:
            f.write(json.dumps(line) + "\n")
        if not quiet:
            print(f"epoch {epoch}: train {line['train_loss']:.3f}  valid {valid:.3f}",
                  flush=True)
        if valid < best:
            best, best_state, best_epoch, since = valid, model.state_dict(), epoch, 0
        else:
            since += 1
            if since >= cfg["patience"]:
                break
    model.load_state_dict(best_state)
    scores = {s: nll_per_step(model, splits[s]) for s in SPLITS}
    summary = {"dataset": cfg["dataset"], "cell": cfg["cell"], "seed": cfg["seed"],
               "parameters": model.num_parameters(), "lr": cfg["lr"],
               "train_nll": scores["train"], "valid_nll": scores["valid"],
               "test_nll": scores["test"], "best_epoch": best_epoch, "epochs": epoch}
    save({"model": best_state, "config": json.dumps(cfg)}, folder.best)
    tmp = Path(str(folder.summary) + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, folder.summary)
    return summary
