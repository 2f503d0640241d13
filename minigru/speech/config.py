"""A recogniser run's settings: the defaults, the checks, and the one error type for them.

A configuration is a plain JSON-ready dict (it is written to ``config.json`` and stored in
every checkpoint). Its ``features`` section is the run's ``FeaturePipeline``
(``minigru.audio.pipeline``) as a dict; the defaults of that section are the pipeline's own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..audio.augment import POLICIES
from ..audio.pipeline import FeaturePipeline

DATA_KINDS = ("synthetic", "fsdd", "folder")
RECOGNISER_PIPELINE = FeaturePipeline(cmvn=True, trim=True)
"""The recogniser's features: minigru's MFCCs and deltas, the silence around the word trimmed
and each utterance normalised (CMVN), which is what holds up on voices and recordings the
model never met (``benchmarks/bench_generalisation.py``)."""
MODELS = ("gru", "lstm", "rnn", "cnn-gru")

DEFAULTS: dict[str, Any] = {
    "data": "synthetic", "data_dir": None, "model": "gru", "hidden": 64, "layers": 1,
    "bidirectional": False, "epochs": 20, "batch_size": 32, "lr": 0.003, "seed": 0,
    "dropout": 0.3, "patience": 6, "clip": 5.0, "limit": None, "threads": None,
    "augment": "auto", "mix_synthetic": 0,
    "features": RECOGNISER_PIPELINE.to_dict(),
    "synthetic": {"train_per_class": 200, "val_per_class": 30, "test_per_class": 50,
                  "data_seed": 1234, "sample_rate": 16000},
}


class ConfigError(ValueError):
    """A setting that cannot work, named in the message: a user's mistake, not a bug."""


def make_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS with ``overrides`` (nested dicts merged), checked."""
    cfg = json.loads(json.dumps(DEFAULTS))
    for key, value in (overrides or {}).items():
        if key not in cfg:
            raise ConfigError(f"unknown setting {key!r}; settings are {sorted(cfg)}")
        if isinstance(cfg[key], dict) and isinstance(value, dict):
            unknown = set(value) - set(cfg[key])
            if unknown:
                raise ConfigError(f"unknown setting(s) {sorted(unknown)} in {key!r}; "
                                  f"{key!r} has {sorted(cfg[key])}")
            cfg[key].update(value)
        else:
            cfg[key] = value
    check_config(cfg)
    return cfg


def check_config(cfg: dict[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first setting that cannot work."""
    if cfg["data"] not in DATA_KINDS:
        raise ConfigError(f"data must be one of {DATA_KINDS}, got {cfg['data']!r}")
    if cfg["model"] not in MODELS:
        raise ConfigError(f"model must be gru, lstm, rnn or cnn-gru, got {cfg['model']!r}")
    for key in ("hidden", "layers", "epochs", "batch_size"):
        if not isinstance(cfg[key], int) or isinstance(cfg[key], bool) or cfg[key] < 1:
            raise ConfigError(f"{key} must be a positive integer, got {cfg[key]!r}")
    if not isinstance(cfg["lr"], (int, float)) or not 0 < cfg["lr"] < 10:
        raise ConfigError(f"lr must be a positive number, got {cfg['lr']!r}")
    if cfg["limit"] is not None and (not isinstance(cfg["limit"], int) or cfg["limit"] < 1):
        raise ConfigError(f"limit must be a positive integer, got {cfg['limit']!r}")
    if not 0 <= cfg["dropout"] < 1:
        raise ConfigError(f"dropout must be in [0, 1), got {cfg['dropout']!r}")
    if cfg.get("augment", "none") not in (*POLICIES, "auto"):
        raise ConfigError(f"augment must be auto or one of {sorted(POLICIES)}, got "
                          f"{cfg.get('augment')!r}")
    mix = cfg.get("mix_synthetic", 0)
    if not isinstance(mix, int) or isinstance(mix, bool) or mix < 0:
        raise ConfigError(f"mix_synthetic must be a whole number of utterances per class "
                          f"(>= 0), got {mix!r}")
    threads = cfg.get("threads")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)
                                or threads < 1):
        raise ConfigError(f"threads must be a positive integer, got {threads!r}")
    pipeline_of(cfg)


def augment_of(cfg: dict[str, Any]) -> str:
    """The augmentation policy of a run: ``augment``, where ``auto`` (the default) is
    ``light`` for recordings (fsdd, folder) and ``none`` for the synthetic digits, whose every
    utterance is already a new random speaker."""
    name = cfg.get("augment", "none")
    if name == "auto":
        return "none" if cfg["data"] == "synthetic" else "light"
    return name


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
