"""Deprecated: ``minigru.sweep`` moved to ``minigru.speech.sweep``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.sweep is deprecated; use minigru.speech.sweep",
              DeprecationWarning, stacklevel=2)

from .speech.sweep import check_sweep, load_sweep, point_name, run_point, run_sweep

__all__ = ["check_sweep", "load_sweep", "point_name", "run_point", "run_sweep"]
