"""Deprecated: ``minigru.streaming`` moved to ``minigru.speech.stream``.

This alias stays for one release (see the changelog in the README)."""
# ruff: noqa: E402

import warnings

warnings.warn("minigru.streaming is deprecated; use minigru.speech.stream",
              DeprecationWarning, stacklevel=2)

from .speech.stream import RecurrentStream, StreamingRecognizer

__all__ = ["RecurrentStream", "StreamingRecognizer"]
