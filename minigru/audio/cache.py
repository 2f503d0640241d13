"""A feature cache for datasets: features computed once, kept as ``.npz`` files.

An entry's key is a hash of the audio file's absolute path, size and modification time, the
feature configuration, and the source of the code that computes features (``minigru/audio``
and ``minigru/kernels``, see ``minigru.paths.source_digest``), so a changed file, a changed
setting or a changed line of the front end never returns stale features. Entries are written
atomically (``mg.save``) and read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..paths import source_digest
from ..serialization import load, save


class FeatureCache:
    """``cache.get(path, config_dict, compute)`` returns ``compute()`` the first time and the
    stored array afterwards. ``directory=None`` disables caching (every call computes)."""

    def __init__(self, directory: str | os.PathLike[str] | None) -> None:
        self.directory = None if directory is None else Path(directory)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0

    def key(self, path: str | os.PathLike[str], settings: dict[str, Any]) -> str:
        p = Path(path).resolve()
        st = p.stat()
        blob = json.dumps({"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                           "settings": settings,
                           "code": source_digest("audio", "kernels")}, sort_keys=True,
                          default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def _entry(self, path: str | os.PathLike[str], settings: dict[str, Any]) -> Path:
        assert self.directory is not None
        return self.directory / f"{self.key(path, settings)}.npz"

    def lookup(self, path: str | os.PathLike[str], settings: dict[str, Any]
               ) -> np.ndarray | None:
        """The stored features, or None (no cache, not computed yet, or unreadable)."""
        if self.directory is None:
            return None
        entry = self._entry(path, settings)
        if entry.is_file():
            try:
                value = load(entry)["features"]
                self.hits += 1
                return value
            except (ValueError, KeyError, TypeError):
                entry.unlink(missing_ok=True)
        self.misses += 1
        return None

    def store(self, path: str | os.PathLike[str], settings: dict[str, Any],
              value: np.ndarray) -> None:
        if self.directory is not None:
            save({"features": np.asarray(value), "source": str(path)},
                 self._entry(path, settings))

    def get(self, path: str | os.PathLike[str], settings: dict[str, Any],
            compute: Callable[[], np.ndarray]) -> np.ndarray:
        value = self.lookup(path, settings)
        if value is None:
            value = compute()
            self.store(path, settings, value)
        return value
