"""Deprecated: ``minigru.models`` moved to ``minigru.speech.models``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.models is deprecated; use minigru.speech.models",
              DeprecationWarning, stacklevel=2)

from .speech.models import (
    CELLS,
    CNNGRUClassifier,
    CTCRecogniser,
    GRUClassifier,
    build_model,
)

__all__ = ["CELLS", "CNNGRUClassifier", "CTCRecogniser", "GRUClassifier", "build_model"]
