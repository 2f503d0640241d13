"""The kinds of point a sweep can hold (``[sweep] task``): what one point trains, and how its
result is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from .config import DEFAULTS, make_config


class Task(NamedTuple):
    """What one point of a sweep trains, and how its result is read."""

    defaults: Callable[[], dict[str, Any]]
    make_config: Callable[[dict[str, Any]], dict[str, Any]]
    train: Callable[[dict[str, Any], Path, bool], dict[str, Any]]
    fields: tuple[str, ...]
    """Keys of the run's summary copied into the point's record (and results.csv)."""
    metric: str
    """The record key summarised over seeds."""
    label: str
    higher_is_better: bool
    live: str
    """The key of the per-epoch metrics that the live table shows (best so far)."""


def _speech_train(config: dict[str, Any], run_dir: Path, resume: bool) -> dict[str, Any]:
    from .run import train_run

    return train_run(config, run_dir, resume=resume, quiet=True, log=None)


def _music_defaults() -> dict[str, Any]:
    from ..music import DEFAULTS as MUSIC

    return MUSIC


def _music_config(cfg: dict[str, Any]) -> dict[str, Any]:
    from ..music import make_music_config

    return make_music_config(cfg)


def _music_train(config: dict[str, Any], run_dir: Path, resume: bool) -> dict[str, Any]:
    from ..music import train_music

    return train_music(config, run_dir)


TASKS = {
    "speech": Task(lambda: DEFAULTS, make_config, _speech_train,
                   ("test_accuracy", "best_val_accuracy", "best_epoch", "epochs",
                    "parameters"), "test_accuracy", "test accuracy", True, "val_accuracy"),
    "music": Task(_music_defaults, _music_config, _music_train,
                  ("test_nll", "valid_nll", "train_nll", "best_epoch", "epochs", "parameters",
                   "lr"), "test_nll", "test NLL per step", False, "valid_nll"),
}
"""The kinds of run a sweep can hold (``[sweep] task``). A music run starts again from
scratch if its worker dies (it keeps no checkpoint); a speech run resumes."""
