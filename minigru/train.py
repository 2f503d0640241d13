"""Deprecated: ``minigru.train`` moved to ``minigru.training``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.train is deprecated; use minigru.training",
              DeprecationWarning, stacklevel=2)

from .training import (
    RUN_FORMAT,
    Interrupted,
    Trainer,
    TrainingError,
    evaluate,
    load_checkpoint,
)

__all__ = ["Interrupted", "RUN_FORMAT", "Trainer", "TrainingError", "evaluate",
           "load_checkpoint"]
