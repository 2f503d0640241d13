"""Runs: from a configuration dict to datasets, a trained model, a run directory and figures.

The ``minigru train`` / ``evaluate`` / ``predict`` commands are thin layers over these
functions, and so is anything else that launches runs (sweeps, examples).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import random as mg_random
from .audio.wav import load_wav
from .data.dataset import ArrayDataset, limit_per_class
from .data.loader import DataLoader
from .data.speech import AudioFolder, FeatureSpec, SpokenDigitFolder, SyntheticDigits
from .models import build_model
from .nn import Module
from .optim import Adam
from .optim.lr_scheduler import ReduceLROnPlateau
from .train import Trainer, evaluate, load_checkpoint

DEFAULTS: dict[str, Any] = {
    "data": "synthetic", "data_dir": None, "model": "gru", "hidden": 64, "layers": 1,
    "bidirectional": False, "epochs": 20, "batch_size": 32, "lr": 0.003, "seed": 0,
    "dropout": 0.3, "patience": 6, "clip": 5.0, "limit": None, "threads": None,
    "features": {"preset": None, "n_mfcc": 13, "deltas": 1, "cmvn": False},
    "synthetic": {"train_per_class": 200, "val_per_class": 30, "test_per_class": 50,
                  "data_seed": 1234, "sample_rate": 16000},
}
DATA_KINDS = ("synthetic", "fsdd", "folder")


class ConfigError(ValueError):
    """A configuration value that cannot work, named in the message."""


def make_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS with ``overrides`` (nested dicts merged), checked."""
    cfg = json.loads(json.dumps(DEFAULTS))
    for key, value in (overrides or {}).items():
        if key not in cfg:
            raise ConfigError(f"unknown setting {key!r}; settings are {sorted(cfg)}")
        if isinstance(cfg[key], dict) and isinstance(value, dict):
            unknown = set(value) - set(cfg[key])
            if unknown:
                raise ConfigError(f"unknown setting(s) {sorted(unknown)} in {key!r}")
            cfg[key].update(value)
        else:
            cfg[key] = value
    check_config(cfg)
    return cfg


def check_config(cfg: dict[str, Any]) -> None:
    if cfg["data"] not in DATA_KINDS:
        raise ConfigError(f"data must be one of {DATA_KINDS}, got {cfg['data']!r}")
    if cfg["model"] not in ("gru", "lstm", "rnn", "cnn-gru"):
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


def set_threads(threads: int | None) -> None:
    """Pin Numba's and the BLAS libraries' thread counts (results depend on them)."""
    if threads is None:
        return
    import numba
    from threadpoolctl import threadpool_limits

    if threads < 1:
        raise ConfigError(f"threads must be >= 1, got {threads}")
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    threadpool_limits(threads)


def fsdd_dir(cfg: dict[str, Any]) -> Path:
    path = cfg.get("data_dir") or os.environ.get("MINIGRU_FSDD")
    if not path:
        raise ConfigError("the FSDD needs a folder: pass --data-dir or set MINIGRU_FSDD")
    if not Path(path).is_dir():
        raise ConfigError(f"no folder at {path}")
    return Path(path)


def cache_dir() -> Path:
    base = os.environ.get("MINIGRU_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "minigru")
    return Path(base) / "features"


def feature_spec(cfg: dict[str, Any]) -> FeatureSpec:
    return FeatureSpec(**cfg["features"])


def make_datasets(cfg: dict[str, Any]) -> dict[str, ArrayDataset]:
    """{"train", "val", "test"} datasets for the configuration."""
    spec = feature_spec(cfg)
    limit = cfg["limit"]
    if cfg["data"] == "synthetic":
        s = cfg["synthetic"]
        counts = [s["train_per_class"], s["val_per_class"], s["test_per_class"]]
        out, start = {}, 0
        for split, n in zip(("train", "val", "test"), counts, strict=True):
            out[split] = SyntheticDigits(n if limit is None else min(n, limit),
                                         s["sample_rate"], s["data_seed"], spec,
                                         first_take=start)
            start += n
        return out
    if cfg["data"] == "fsdd":
        root = fsdd_dir(cfg)
        train_all = SpokenDigitFolder(root, "train", features=spec, cache_dir=cache_dir())
        index = np.array([int(n.rsplit("_", 1)[1].split(".")[0]) for n in train_all.names])
        out = {"train": train_all.subset(np.flatnonzero(index >= 10)),
               "val": train_all.subset(np.flatnonzero(index < 10)),
               "test": SpokenDigitFolder(root, "test", features=spec, cache_dir=cache_dir())}
        return {k: limit_per_class(v, limit) for k, v in out.items()}
    if not cfg.get("data_dir"):
        raise ConfigError("--data folder needs --data-dir ROOT with ROOT/<label>/*.wav")
    full = AudioFolder(cfg["data_dir"], features=spec, cache_dir=cache_dir())
    order = np.random.default_rng(cfg["seed"]).permutation(len(full))
    n_val = n_test = max(1, len(full) // 10)
    parts = {"val": order[:n_val], "test": order[n_val:n_val + n_test],
             "train": order[n_val + n_test:]}
    return {k: limit_per_class(full.subset(sorted(v)), limit) for k, v in parts.items()}


def sample_rate_of(cfg: dict[str, Any]) -> int | None:
    """The audio rate the features were computed at (None: each file's own)."""
    if cfg["data"] == "synthetic":
        return cfg["synthetic"]["sample_rate"]
    return cfg["features"].get("sample_rate")


def model_for(cfg: dict[str, Any], input_size: int, num_classes: int) -> Module:
    return build_model(cfg["model"], input_size, num_classes, cfg["hidden"], cfg["layers"],
                       cfg["bidirectional"], cfg["dropout"])


def new_run_dir(base: str | os.PathLike[str], cfg: dict[str, Any]) -> Path:
    name = f"{cfg['data']}-{cfg['model']}-h{cfg['hidden']}-seed{cfg['seed']}"
    path, k = Path(base) / name, 1
    while path.exists():
        k += 1
        path = Path(base) / f"{name}-{k}"
    return path


def train_run(cfg: dict[str, Any], run_dir: str | os.PathLike[str], resume: bool = False,
              quiet: bool = False, log: Any = print) -> dict[str, Any]:
    """Train (or resume) a run in ``run_dir``; write its files and figures; return the summary."""
    run_dir = Path(run_dir)
    set_threads(cfg["threads"])
    mg_random.manual_seed(cfg["seed"])
    start = time.perf_counter()
    data = make_datasets(cfg)
    classes = data["train"].classes
    cfg = dict(cfg, classes=list(classes))
    model = model_for(cfg, data["train"].feature_size, len(classes))
    optimizer = Adam(model.parameters(), lr=cfg["lr"])
    scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    loader = DataLoader(data["train"], cfg["batch_size"], shuffle=True, seed=cfg["seed"],
                        bucket_by_length=True)
    val_loader = DataLoader(data["val"], 128)
    trainer = Trainer(model, optimizer, loader, val_loader, len(classes), scheduler,
                      cfg["clip"], cfg["epochs"], cfg["patience"], run_dir, cfg, quiet, log)
    if resume:
        trainer.restore(load_checkpoint(run_dir / "checkpoint.npz"))
        if log:
            log(f"resuming {run_dir} after epoch {len(trainer.history)}")
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    if log:
        log(f"{cfg['data']}: {len(data['train'])} train, {len(data['val'])} validation, "
            f"{len(data['test'])} test utterances, {data['train'].feature_size} features; "
            f"{cfg['model']} with {model.num_parameters():,} parameters -> {run_dir}")
    trainer.fit()
    best = load_checkpoint(run_dir / "best.npz") if (run_dir / "best.npz").exists() else None
    if best is not None:
        model.load_state_dict(best["model"])
    test = evaluate(model, DataLoader(data["test"], 128), len(classes))
    summary = {
        "test_accuracy": test["accuracy"], "test_loss": test["loss"], "n_test": test["n"],
        "best_epoch": trainer.best["epoch"], "best_val_accuracy": trainer.best["val_accuracy"],
        "epochs": len(trainer.history), "wall_seconds": time.perf_counter() - start,
        "train_seconds": trainer.seconds, "parameters": model.num_parameters(),
        "classes": classes, "confusion": test["confusion"].tolist(),
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    write_figures(run_dir, trainer.history, test["confusion"], classes, model, data["test"])
    return summary


def fit_and_test(model: Module, train: ArrayDataset, val: ArrayDataset, test: ArrayDataset,
                 epochs: int = 20, lr: float = 0.003, seed: int = 0, batch_size: int = 32,
                 patience: int | None = 6, clip: float | None = 5.0) -> dict[str, Any]:
    """Train ``model`` in memory (no run folder), keep the best validation epoch, test it.

    Returns test accuracy and loss, the confusion matrix, the history, and seconds of training.
    """
    mg_random.manual_seed(seed)
    optimizer = Adam(model.parameters(), lr=lr)
    trainer = Trainer(model, optimizer,
                      DataLoader(train, batch_size, shuffle=True, seed=seed,
                                 bucket_by_length=True),
                      DataLoader(val, 128), len(train.classes), clip_grad_norm=clip,
                      epochs=epochs, patience=patience, log=None, quiet=True)
    trainer.fit()
    if trainer.best_state is not None:
        model.load_state_dict(trainer.best_state)
    result = evaluate(model, DataLoader(test, 128), len(train.classes))
    return {"test_accuracy": result["accuracy"], "test_loss": result["loss"],
            "confusion": result["confusion"], "history": trainer.history,
            "train_seconds": trainer.seconds, "epochs": len(trainer.history)}


def write_figures(run_dir: Path, history: list[dict[str, float]], confusion: np.ndarray,
                  classes: list[str], model: Module, test: ArrayDataset) -> None:
    from .plot import plot_confusion, plot_curves, plot_gates

    if history:
        plot_curves(history, run_dir / "curves.png")
    plot_confusion(confusion, classes, run_dir / "confusion.png", "test confusion matrix")
    if getattr(model, "cell", None) == "gru" and len(test):
        features, label = test[0]
        gates = model.gates(features[:, None, :], [features.shape[0]])
        plot_gates(features, gates["z"][:, 0], gates["r"][:, 0], run_dir / "gates.png",
                   f"inside the GRU: {test.names[0]} (class {classes[label]})")


def load_model(path: str | os.PathLike[str]) -> tuple[Module, dict[str, Any]]:
    """The model stored in a checkpoint or best-model file, and its run configuration."""
    state = load_checkpoint(path)
    cfg = state["config"]
    if "classes" not in cfg:
        raise ConfigError(f"{path} has no class list in its configuration")
    model = model_for(cfg, feature_spec(cfg).size, len(cfg["classes"]))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise ConfigError(f"{path} does not match a {cfg['model']} model: {exc}") from exc
    model.eval()
    return model, cfg


def predict_files(model: Module, cfg: dict[str, Any], files: list[str]
                  ) -> list[tuple[str, np.ndarray]]:
    """Class probabilities for each WAV file, with the run's features and sample rate."""
    from .autograd import no_grad
    from .nn.functional import softmax

    spec = feature_spec(cfg)
    rate = sample_rate_of(cfg)
    out = []
    for f in files:
        signal, sr = load_wav(f, sample_rate=rate)
        feats = spec.compute([signal], sr)[0].astype(np.float32)
        if feats.shape[0] == 0:
            raise ConfigError(f"{f} is too short for one frame of features")
        with no_grad():
            probs = softmax(model(feats[:, None, :], [feats.shape[0]]), axis=1).numpy()[0]
        out.append((f, probs))
    return out
