"""A feature cache for datasets: features computed once, kept as ``.npz`` files.

An entry's key is a hash of the audio file's absolute path, size and modification time, the
feature configuration, and the source of the code that computes features (``minigru/audio``
and ``minigru/kernels``, see ``minigru.paths.source_digest``), so a changed file, a changed
setting or a changed line of the front end never returns stale features. Entries are written
atomically (``mg.save``) and read with ``allow_pickle=False``.

There are two kinds of entry. One file's features (``lookup``/``store``) serve any dataset that
holds the file. A whole list of files (``lookup_many``/``store_many``: one ``.npz`` with every
item's frames end to end and each item's length) serves a dataset read again as it was, such
as the augmented copies of a training set: reading one file instead of thousands is what makes
a warm start fast, and writing one is what keeps a cold start from paying a file per clip.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
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
        return _digest(_identity(path), settings)

    def key_many(self, paths: Sequence[str | os.PathLike[str]], settings: dict[str, Any]
                 ) -> str:
        """The key of a list of files: every file's identity, in order, and the settings."""
        return "set-" + _digest({"files": [_identity(p) for p in paths]}, settings)

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

    def lookup_many(self, paths: Sequence[str | os.PathLike[str]], settings: dict[str, Any]
                    ) -> list[np.ndarray] | None:
        """The stored features of every file of ``paths``, in order, or None."""
        if self.directory is None or not paths:
            return None
        entry = self.directory / f"{self.key_many(paths, settings)}.npz"
        if entry.is_file():
            try:
                state = load(entry)
                frames, lengths = state["features"], np.asarray(state["lengths"])
                if (lengths.ndim != 1 or lengths.size != len(paths) or np.any(lengths < 0)
                        or int(lengths.sum()) != frames.shape[0]):
                    raise ValueError(f"{entry}: its lengths do not match its frames")
                self.hits += len(paths)
                return np.split(frames, np.cumsum(lengths)[:-1])
            except (ValueError, KeyError, TypeError, IndexError):
                entry.unlink(missing_ok=True)
        self.misses += len(paths)
        return None

    def store_many(self, paths: Sequence[str | os.PathLike[str]], settings: dict[str, Any],
                   values: Sequence[np.ndarray]) -> None:
        """Keep ``values[i]``, the features of ``paths[i]``, as one entry. Nothing is kept
        unless they are 2-D arrays of one dtype and width, one per path."""
        if self.directory is None or not paths or len(values) != len(paths):
            return
        arrays = [np.asarray(v) for v in values]
        first = arrays[0]
        if any(a.ndim != 2 or a.shape[1:] != first.shape[1:] or a.dtype != first.dtype
               for a in arrays):
            return
        save({"features": np.concatenate(arrays),
              "lengths": np.array([a.shape[0] for a in arrays], dtype=np.int64)},
             self.directory / f"{self.key_many(paths, settings)}.npz")

    def get(self, path: str | os.PathLike[str], settings: dict[str, Any],
            compute: Callable[[], np.ndarray]) -> np.ndarray:
        value = self.lookup(path, settings)
        if value is None:
            value = compute()
            self.store(path, settings, value)
        return value


def _identity(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What a file's cached features depend on besides the settings: where it is, its size and
    when it last changed."""
    p = Path(path).resolve()
    st = p.stat()
    return {"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _digest(what: dict[str, Any], settings: dict[str, Any]) -> str:
    """A short hash of what the features were computed from, the settings and the front
    end's source."""
    blob = json.dumps({**what, "settings": settings, "code": source_digest("audio", "kernels")},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
