"""Using a trained recogniser: load it from a checkpoint, classify files, score a dataset.

A checkpoint carries the run's configuration, with the class names and the feature pipeline
(``features``), so every function here computes the features the model was trained on:
a file at another sample rate or with several channels is converted by that pipeline first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..data.loader import DataLoader
from ..nn import Module
from ..nn.functional import softmax
from ..training import evaluate, load_checkpoint
from .config import ConfigError, check_config, pipeline_of
from .datasets import SPLITS, make_datasets
from .models import model_for
from .run import EVAL_BATCH


def load_model(path: str | os.PathLike[str]) -> tuple[Module, dict[str, Any]]:
    """The model stored in a checkpoint or best-model file (in eval mode), and its run
    configuration; ``pipeline_of(cfg)`` is its feature pipeline."""
    state = load_checkpoint(path)
    cfg = state["config"]
    if "classes" not in cfg:
        raise ConfigError(f"{path} has no class list in its configuration")
    model = model_for(cfg, pipeline_of(cfg).size, len(cfg["classes"]))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise ConfigError(f"{path} does not match a {cfg['model']} model: {exc}") from exc
    model.eval()
    return model, cfg


def predict_files(model: Module, cfg: dict[str, Any], files: Sequence[str | os.PathLike[str]]
                  ) -> list[tuple[str, np.ndarray]]:
    """Class probabilities for each WAV file, through the run's feature pipeline."""
    pipeline = pipeline_of(cfg)
    out = []
    for f in files:
        feats = pipeline.from_file(f).astype(np.float32)
        if feats.shape[0] == 0:
            raise ConfigError(f"{f} is too short for one frame of features")
        with no_grad():
            probs = softmax(model(feats[:, None, :], [feats.shape[0]]), axis=1).numpy()[0]
        out.append((str(f), probs))
    return out


def evaluate_checkpoint(checkpoint: str | os.PathLike[str], data: str | None = None,
                        data_dir: str | None = None, split: str = "test",
                        limit: int | None = None) -> dict[str, Any]:
    """Score a checkpoint on a split of its own data, or of another corpus (``data``,
    ``data_dir``), through the model's feature pipeline.

    Returns ``accuracy``, ``loss``, ``n``, ``classes``, ``confusion`` (rows: true, columns:
    predicted), ``data`` (the corpus) and ``split``.
    """
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {SPLITS}, got {split!r}")
    model, cfg = load_model(checkpoint)
    if data:
        cfg["data"] = data
    if data_dir:
        cfg["data_dir"] = data_dir
    cfg["limit"] = limit
    check_config(cfg)
    dataset = make_datasets(cfg)[split]
    classes = cfg["classes"]
    if len(dataset.classes) != len(classes):
        raise ConfigError(f"the data has {len(dataset.classes)} classes, the model "
                          f"{len(classes)}")
    result = evaluate(model, DataLoader(dataset, EVAL_BATCH), len(classes))
    return {"accuracy": result["accuracy"], "loss": result["loss"], "n": result["n"],
            "classes": classes, "confusion": result["confusion"], "data": cfg["data"],
            "split": split}
