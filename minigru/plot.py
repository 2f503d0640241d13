"""Deprecated: ``minigru.plot`` moved to ``minigru.speech.figures``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.plot is deprecated; use minigru.speech.figures",
              DeprecationWarning, stacklevel=2)

from .speech.figures import plot_confusion, plot_curves, plot_features, plot_gates

__all__ = ["plot_confusion", "plot_curves", "plot_features", "plot_gates"]
