"""Deprecated: ``minigru.recipes`` moved to ``minigru.speech (config, datasets, run, predict)``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.recipes is deprecated; use minigru.speech (config, datasets, run, predict)",
              DeprecationWarning, stacklevel=2)

from .runtime import set_threads
from .speech.config import (
    DATA_KINDS,
    DEFAULTS,
    ConfigError,
    check_config,
    fsdd_dir,
    make_config,
)
from .speech.config import pipeline_of as feature_spec
from .speech.datasets import cache_dir, make_datasets
from .speech.figures import write_figures
from .speech.models import model_for
from .speech.predict import load_model, predict_files
from .speech.run import fit_and_test, new_run_dir, train_run

__all__ = ["ConfigError", "DATA_KINDS", "DEFAULTS", "cache_dir", "check_config", "feature_spec",
           "fit_and_test",
           "fsdd_dir", "load_model", "make_config", "make_datasets", "model_for", "new_run_dir",
           "predict_files", "set_threads", "train_run", "write_figures"]
