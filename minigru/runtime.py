"""Process-wide settings, applied by the programs that want them, never by ``import minigru``.

- :func:`apply_memory_default`: keep freed memory in the process for reuse
  (``minigru.memory.retain_freed_memory``), which makes a training step faster where the C
  library is glibc. Applied by the ``minigru`` command and by ``Trainer.fit``, unless the
  environment variable ``MINIGRU_RETAIN_MEMORY`` is ``0``. Results are identical either way.
- :func:`set_threads`: pin the thread counts of Numba and the BLAS libraries (results depend
  on them bit for bit), as ``minigru train --threads N`` does.

A user who only imports minigru for a ``Tensor`` gets neither: a library does not change
its host process's allocator or thread pools unasked.
"""

from __future__ import annotations

import os

from . import memory
from .errors import InputError

_applied = {"memory": False}


def apply_memory_default() -> bool:
    """Retain freed memory unless ``MINIGRU_RETAIN_MEMORY=0``; only the first call acts.
    Returns whether memory is being retained."""
    if not _applied["memory"]:
        _applied["memory"] = True
        if os.environ.get("MINIGRU_RETAIN_MEMORY", "1").strip() != "0":
            memory.retain_freed_memory(True)
    return memory.retaining_freed_memory()


def set_threads(threads: int | None) -> None:
    """Pin Numba's and the BLAS libraries' thread counts to ``threads`` (None: leave them).

    Raises:
        ValueError: ``threads`` is not a positive integer.
    """
    if threads is None:
        return
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise InputError(f"threads must be a positive integer, got {threads!r}")
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    threadpool_limits(threads)
