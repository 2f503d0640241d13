"""Where minigru keeps files of its own: the user's cache folder, never the package.

The cache root is ``$MINIGRU_CACHE`` if set, else ``$XDG_CACHE_HOME/minigru``, else
``~/.cache/minigru``. Under it:

- ``numba/<digest>/``: Numba's compiled kernels (``NUMBA_CACHE_DIR``). ``<digest>`` is a hash
  of the source of every file in ``minigru/kernels/``, so a change to any kernel or helper
  (even in another file than the kernel that calls it) starts a fresh cache instead of serving
  stale machine code. A ``NUMBA_CACHE_DIR`` set by the user is respected as it is.
- ``features/``: computed features of audio files (``minigru.audio.cache``).

An installed package may be read-only, shared by several users or replaced by pip, so
nothing is ever written inside it. This module imports nothing from minigru: the lowest floor.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def cache_root() -> Path:
    """The folder minigru caches into (it need not exist yet)."""
    explicit = os.environ.get("MINIGRU_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minigru"


@functools.cache
def source_digest(*folders: str) -> str:
    """A short hash of the ``.py`` files in these package folders (relative to the package),
    read in sorted order: it changes whenever any of that code changes."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted((PACKAGE_DIR / folder).glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def numba_cache_dir() -> Path:
    """Where Numba keeps the compiled kernels of this exact kernel source."""
    return cache_root() / "numba" / f"py{sys.version_info[0]}{sys.version_info[1]}-" \
        f"{source_digest('kernels')}"


def feature_cache_dir() -> Path:
    """Where datasets keep the features they computed from audio files."""
    return cache_root() / "features"


def configure_numba_cache() -> str:
    """Point Numba's on-disk cache at :func:`numba_cache_dir` unless ``NUMBA_CACHE_DIR`` is
    set; called before any kernel is compiled. Returns the folder in use."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if not folder:
        folder = str(numba_cache_dir())
        os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba was imported first: its config has read the old value
        config.CACHE_DIR = folder
    return folder
