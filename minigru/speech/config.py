"""A recogniser run's settings: the defaults, the checks, and the one error type for them.

A configuration is a plain JSON-ready dict (it is written to ``config.json`` and stored in
every checkpoint). Its ``features`` section is the run's ``FeaturePipeline``
(``minigru.audio.pipeline``) as a dict; the defaults of that section are the pipeline's own.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from ..audio.augment import POLICIES
from ..audio.pipeline import FeaturePipeline
from ..audio.spectral import ROOT_POWER
from ..data.synthetic import VOICE_FAMILIES
from ..errors import InputError

DATA_KINDS = ("synthetic", "fsdd", "folder")
SYNTHETIC_VOICES = (*VOICE_FAMILIES, "espeak")
"""The families of synthetic speakers: minigru's own synthesizer's (``VOICE_FAMILIES``) and
eSpeak NG's (``minigru.data.espeak``, which needs the ``espeak-ng`` program or the library
of the ``voices`` extra)."""
RECOGNISER_PIPELINE = FeaturePipeline(cmvn=True, trim=True, dither_db=25.0, floor="expected",
                                      declip=True, declip_reshaped=True)
"""The recogniser's features: minigru's MFCCs and deltas, a recording's clipped peaks restored
(``declip``, and ``declip_reshaped`` for peaks clipped and then resampled), the silence
around the word trimmed, the expected floor of white noise 25 dB below the word
(``dither_db``, ``floor``) and each utterance normalised (CMVN),
which is what holds up on voices and recordings the model never met
(``benchmarks/bench_generalisation.py``)."""
MODELS = ("gru", "lstm", "rnn", "cnn-gru")
MAX_FLOOR_DRAWS = 64
MAX_MEMBERS = 16
POOLINGS = ("mean", "last")
SCHEDULES = ("plateau", "cosine")

DEFAULTS: dict[str, Any] = {
    "data": "synthetic", "data_dir": None, "model": "gru", "hidden": 128, "layers": 1,
    "bidirectional": None, "pooling": "mean", "epochs": 20, "batch_size": 32, "lr": 0.003,
    "seed": 0, "schedule": "plateau",
    "dropout": 0.3, "patience": 6, "clip": 5.0, "ema": None, "weight_decay": 0.0,
    "weight_noise": 0.0, "test_speaker": None,
    "limit": None, "threads": None,
    "augment": "auto", "mix_synthetic": 0, "floor_draws": 5, "ensemble": None,
    "features": {"dither_db": None, "floor": "noise", "compression": "log",
                 "root_power": ROOT_POWER, "fmax": None, "declip": False,
                 "declip_reshaped": False,
                 **RECOGNISER_PIPELINE.to_dict()},
    "synthetic": {"train_per_class": 200, "val_per_class": 30, "test_per_class": 50,
                  "data_seed": 1234, "sample_rate": 16000, "voices": "classic"},
}
"""Every setting and its default. ``bidirectional: None`` means the model's own (false for
gru/lstm/rnn, true for cnn-gru) and is stored in the run's configuration as the bool the model was
built with. ``features.declip: false`` turns off both declipping rules: the reshaped rule
(``features.declip_reshaped``) stays on only where it is set as well. ``pooling`` is how a
word's frames become one vector: ``mean`` (the average of the top layer's outputs over
the valid frames; the default, best on voices never heard) or ``last`` (the final
state). ``schedule`` is the learning rate's course: ``plateau`` halves it after 2 epochs
without a better validation loss; ``cosine`` follows
``lr_e = lr (1 + cos(pi e / epochs)) / 2`` over the epochs e = 0 ... epochs - 1 (set by the
epoch count, so it is usually run with ``patience: None``). ``patience: None`` trains every
epoch. ``ema`` is the decay of a
moving average of the weights that validation and the kept model use (0: none; see
``mg.optim.ExponentialMovingAverage``); ``None`` means :data:`EMA_RECORDINGS` for recordings
and none for the synthetic digits (see :func:`ema_of`). ``weight_decay`` > 0 trains with
AdamW, decoupled decay ``p <- p (1 - lr * weight_decay)`` before each step (0: Adam).
``weight_noise`` > 0 takes each step's gradient at the weight matrices plus Gaussian noise of
that standard deviation and applies it to the clean weights (``nn.WeightNoise``, Graves 2011;
0: none). ``test_speaker`` (FSDD only) replaces the conventional split by leave one speaker
out: every clip of that speaker is the test set, and the others' clips are the training and
validation sets (see ``minigru.speech.datasets``). ``floor_draws`` is how many draws of a
drawn noise floor (``features.dither_db`` with ``features.floor = "noise"``; the expected
floor, the default, has nothing to draw and is read once) the model's answers average their
posteriors over: the
run's test accuracy and report, ``evaluate``, ``predict`` and ``stream`` (see
``minigru.speech.views``; training reads one draw, whatever the setting). ``ensemble`` is
how many models the run trains on its one training set, each from its own seed
(:func:`minigru.speech.ensemble.member_seed`), to answer as one (their posteriors averaged);
``None`` means :data:`ENSEMBLE_RECORDINGS` for recordings and 1 for the synthetic digits
(see :func:`ensemble_of`)."""


class ConfigError(InputError):
    """A setting that cannot work, named in the message: a user's mistake, not a bug."""


def flat_items(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of a table whose keys may be dotted or nested tables, so
    ``{"features.deltas": 1}`` and ``{"features": {"deltas": 1}}`` give the same items."""
    items = []
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            items.extend(flat_items(value, full + "."))
        else:
            items.append((full, value))
    return items


def _did_you_mean(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else "."


def _check_type(key: str, value: Any, default: Any) -> None:
    """A setting whose default is a bool, int, float or str must be one too (an int is a
    float); settings whose default is None are checked by ``check_config``."""
    if default is None or value is None:
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    else:
        return
    if not ok:
        kind = {bool: "true or false", int: "an integer", float: "a number",
                str: "a string"}[type(default)]
        raise ConfigError(f"{key} must be {kind} (its default is {default!r}), got {value!r}")


def make_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS with ``overrides`` (nested dicts merged), checked, with ``bidirectional``
    resolved to what the model will be. Unknown keys are refused with the known ones (and
    the closest, as a "did you mean"); a value of another type than its default's is refused
    before anything uses it."""
    cfg = json.loads(json.dumps(DEFAULTS))
    if not isinstance(overrides or {}, dict):
        raise ConfigError(f"settings must be a table of key = value, got {overrides!r}")
    for key, value in (overrides or {}).items():
        if key not in cfg:
            raise ConfigError(f"unknown setting {key!r}{_did_you_mean(key, cfg)} Settings are "
                              f"{sorted(cfg)}")
        if isinstance(DEFAULTS[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{key} is a table of settings ({sorted(cfg[key])}), got "
                                  f"{value!r}")
            for sub, v in value.items():
                if sub not in cfg[key]:
                    raise ConfigError(f"unknown setting {key}.{sub}"
                                      f"{_did_you_mean(sub, cfg[key])} {key!r} has "
                                      f"{sorted(cfg[key])}")
                _check_type(f"{key}.{sub}", v, DEFAULTS[key][sub])
            cfg[key].update(value)
        else:
            _check_type(key, value, DEFAULTS[key])
            cfg[key] = value
    if cfg["bidirectional"] is None:
        cfg["bidirectional"] = cfg["model"] == "cnn-gru"
    features = (overrides or {}).get("features", {})
    if cfg["features"]["declip"] is False and "declip_reshaped" not in features:
        cfg["features"]["declip_reshaped"] = False
    check_config(cfg)
    return cfg


def check_config(cfg: dict[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first setting that cannot work."""
    if cfg["data"] not in DATA_KINDS:
        raise ConfigError(f"data must be one of {DATA_KINDS}, got {cfg['data']!r}")
    if cfg["model"] not in MODELS:
        raise ConfigError(f"model must be gru, lstm, rnn or cnn-gru, got {cfg['model']!r}")
    for key in ("hidden", "layers", "epochs", "batch_size"):
        if not _is_int(cfg[key]) or cfg[key] < 1:
            raise ConfigError(f"{key} must be a positive integer, got {cfg[key]!r}")
    if not _is_int(cfg["seed"]) or not 0 <= cfg["seed"] < 2**32:
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {cfg['seed']!r}")
    patience = cfg.get("patience")
    if patience is not None and (not _is_int(patience) or patience < 1):
        raise ConfigError(f"patience must be a whole number of epochs >= 1 (stop after that "
                          f"many epochs without a better validation loss), or null for no "
                          f"early stopping; got {patience!r}")
    if not _is_number(cfg["lr"]) or not 0 < cfg["lr"] < 10:
        raise ConfigError(f"lr must be a number in (0, 10), got {cfg['lr']!r}")
    clip = cfg.get("clip")
    if clip is not None and (not _is_number(clip) or not 0 < clip < float("inf")):
        raise ConfigError(f"clip must be a positive gradient norm or null, got {clip!r}")
    ema = cfg.get("ema")
    if ema is not None and (not _is_number(ema) or not 0 <= ema < 1):
        raise ConfigError(f"ema must be a decay in [0, 1) (0: no moving average of the "
                          f"weights), or null for the default, got {ema!r}")
    decay = cfg.get("weight_decay", 0.0)
    if not _is_number(decay) or not 0 <= decay < 1:
        raise ConfigError(f"weight_decay must be a number in [0, 1) (0: none; AdamW's "
                          f"decoupled decay otherwise), got {decay!r}")
    noise = cfg.get("weight_noise", 0.0)
    if not _is_number(noise) or not 0 <= noise < 1:
        raise ConfigError(f"weight_noise must be a standard deviation in [0, 1) (0: none), "
                          f"got {noise!r}")
    speaker = cfg.get("test_speaker")
    if speaker is not None and (not isinstance(speaker, str) or not speaker.strip()):
        raise ConfigError(f"test_speaker must be a speaker's name (as in FSDD's file names, "
                          f"digit_speaker_index.wav) or null, got {speaker!r}")
    if speaker is not None and cfg["data"] != "fsdd":
        raise ConfigError(f"test_speaker holds out a speaker of FSDD; it needs --data fsdd, "
                          f"not {cfg['data']!r}")
    if cfg["limit"] is not None and (not _is_int(cfg["limit"]) or cfg["limit"] < 1):
        raise ConfigError(f"limit must be a positive integer, got {cfg['limit']!r}")
    if not _is_number(cfg["dropout"]) or not 0 <= cfg["dropout"] < 1:
        raise ConfigError(f"dropout must be a number in [0, 1), got {cfg['dropout']!r}")
    if not isinstance(cfg.get("bidirectional", False), bool):
        raise ConfigError(f"bidirectional must be true or false, got "
                          f"{cfg.get('bidirectional')!r}")
    if cfg.get("pooling", "last") not in POOLINGS:
        raise ConfigError(f"pooling must be one of {POOLINGS}, got {cfg.get('pooling')!r}")
    if cfg.get("schedule", "plateau") not in SCHEDULES:
        raise ConfigError(f"schedule must be one of {SCHEDULES}, got {cfg.get('schedule')!r}")
    if cfg.get("augment", "none") not in (*POLICIES, "auto"):
        raise ConfigError(f"augment must be auto or one of {sorted(POLICIES)}, got "
                          f"{cfg.get('augment')!r}")
    draws = cfg.get("floor_draws", 1)
    if not _is_int(draws) or not 1 <= draws <= MAX_FLOOR_DRAWS:
        raise ConfigError(f"floor_draws must be a whole number of draws of the noise floor "
                          f"in [1, {MAX_FLOOR_DRAWS}] (1: the first alone), got {draws!r}")
    members = cfg.get("ensemble")
    if members is not None and (not _is_int(members) or not 1 <= members <= MAX_MEMBERS):
        raise ConfigError(f"ensemble must be a whole number of models in [1, {MAX_MEMBERS}] "
                          f"(1: one model), or null for the default, got {members!r}")
    mix = cfg.get("mix_synthetic", 0)
    if not isinstance(mix, int) or isinstance(mix, bool) or mix < 0:
        raise ConfigError(f"mix_synthetic must be a whole number of utterances per class "
                          f"(>= 0), got {mix!r}")
    synthetic = cfg.get("synthetic", {})
    for key in ("train_per_class", "val_per_class", "test_per_class"):
        value = synthetic.get(key, 1)
        if not _is_int(value) or value < 1:
            raise ConfigError(f"synthetic.{key} must be a positive integer, got {value!r}")
    rate = synthetic.get("sample_rate", 16000)
    if not _is_int(rate) or not 4000 <= rate <= 192000:
        raise ConfigError(f"synthetic.sample_rate must be an integer number of Hz in "
                          f"[4000, 192000], got {rate!r}")
    if synthetic.get("voices", "classic") not in SYNTHETIC_VOICES:
        raise ConfigError(f"synthetic.voices must be one of {SYNTHETIC_VOICES}, got "
                          f"{synthetic.get('voices')!r}")
    if not _is_int(synthetic.get("data_seed", 0)) or synthetic.get("data_seed", 0) < 0:
        raise ConfigError(f"synthetic.data_seed must be an integer >= 0, got "
                          f"{synthetic.get('data_seed')!r}")
    threads = cfg.get("threads")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)
                                or threads < 1):
        raise ConfigError(f"threads must be a positive integer, got {threads!r}")
    pipeline_of(cfg)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def augment_of(cfg: dict[str, Any]) -> str:
    """The augmentation policy of a run: ``augment``, where ``auto`` (the default) is
    ``noisy`` for recordings (fsdd, folder) and ``none`` for the synthetic digits, whose every
    utterance is already a new random speaker. A run writes the policy it resolved into its
    ``config.json``; a configuration stored with ``auto`` by an earlier release meant
    ``light`` for recordings (see :func:`legacy_config`)."""
    name = cfg.get("augment", "none")
    if name == "auto":
        return "none" if cfg["data"] == "synthetic" else "noisy"
    return name


EMA_RECORDINGS = 0.999
"""The decay of the moving average of the weights for recordings: with 4 augmented copies an
FSDD epoch is about 280 steps, so the average weighs the last ~1,000 steps (3-4 epochs) of a
run of ~5,000. Leave one speaker out over 3 seeds it gains 1.0 point paired by seed (86.6%
against 85.5%, p = 0.10) and up to 2.5 points in noise (``benchmarks/bench_generalisation.py``)."""


def ema_of(cfg: dict[str, Any]) -> float:
    """The decay of a run's moving average of the weights: ``ema``, where ``None`` (the
    default) is :data:`EMA_RECORDINGS` for recordings (fsdd, folder) and 0 (no average) for the
    synthetic digits, whose short runs (about 1,200 steps) an average over ~1,000 steps would
    drag back toward their first epochs. A run writes the value it resolved into its
    ``config.json``; a configuration stored without ``ema`` trained without an average (see
    :func:`legacy_config`)."""
    ema = cfg.get("ema")
    if ema is None:
        return 0.0 if cfg.get("data") == "synthetic" else EMA_RECORDINGS
    return float(ema)


ENSEMBLE_RECORDINGS = 3
"""How many models a run on recordings trains by default. Leave one speaker out on FSDD the
mean posterior of three models answers a voice none of them heard about 2 points more often
than one model alone (README, "Voices and recordings it never met")."""


def ensemble_of(cfg: dict[str, Any]) -> int:
    """How many models a run trains and averages: ``ensemble``, where ``None`` (the default)
    is :data:`ENSEMBLE_RECORDINGS` for recordings (fsdd, folder) and 1 for the synthetic
    digits, whose every utterance is already a new voice. A run writes the value it resolved
    into its ``config.json``; a configuration stored without it is one model."""
    members = cfg.get("ensemble", 1)
    if members is None:
        return 1 if cfg.get("data") == "synthetic" else ENSEMBLE_RECORDINGS
    return int(members)


def floor_draws_of(cfg: dict[str, Any]) -> int:
    """How many draws of the noise floor a model's answers average over: ``floor_draws``; a
    configuration stored without it (written before the setting existed) answered with one,
    and still does."""
    return int(cfg.get("floor_draws", 1))


def legacy_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """A stored configuration as its run meant it: ``augment = "auto"`` (written before runs
    recorded the policy they resolved) is the policy ``auto`` meant then, ``light`` for
    recordings; no ``ema`` (written before the moving average existed) is 0, no average."""
    if "ema" not in cfg:
        cfg = dict(cfg, ema=0.0)
    if cfg.get("augment") != "auto":
        return cfg
    return dict(cfg, augment="none" if cfg.get("data") == "synthetic" else "light")


def pipeline_of(cfg: dict[str, Any]) -> FeaturePipeline:
    """The run's feature pipeline. A configuration written before pipelines carried their
    sample rate gets the rate its features were computed at: the synthesizer's for the
    synthetic digits, otherwise each file's own (None)."""
    features = dict(cfg["features"])
    if features.get("sample_rate") is None and cfg.get("data") == "synthetic":
        features["sample_rate"] = cfg["synthetic"]["sample_rate"]
    try:
        return FeaturePipeline.from_dict(features)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"features: {exc}") from exc


def fsdd_dir(cfg: dict[str, Any]) -> Path:
    """The FSDD folder: the ``data_dir`` setting, else ``$MINIGRU_FSDD``."""
    path = cfg.get("data_dir") or os.environ.get("MINIGRU_FSDD")
    if not path:
        raise ConfigError("the FSDD needs a folder: pass --data-dir or set MINIGRU_FSDD")
    if not Path(path).is_dir():
        raise ConfigError(f"no folder at {path}")
    return Path(path)
