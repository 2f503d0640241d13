"""How the process hands freed memory back to the operating system.

A training step allocates and frees arrays of megabytes many times (the saved activations of
a recurrent layer, their gradients, temporaries of every operation). glibc's ``malloc`` returns
large freed blocks to the operating system straight away (``munmap``, or trimming the top of
the heap past 128 KiB), so the next step's arrays are fresh pages and every 4 KiB page costs a
page fault and a zero fill when first touched. On the 2-core machine in ``benchmarks/`` that
was about 2 ms per 5 MB, 40% of a GRU training step at shape (a).

:func:`retain_freed_memory` asks glibc to keep freed memory in the process (``mallopt``:
blocks up to ``mmap_threshold`` come from the heap, and the heap is trimmed only when more
than ``trim_threshold`` is free at its top), so the pages of one step are reused by the next.
The price is that the resident size stays near its high-water mark, as with the caching
allocators of larger frameworks. ``import minigru`` leaves the allocator alone; the
``minigru`` command and ``Trainer.fit`` call it once (``minigru.runtime``) unless the
environment variable ``MINIGRU_RETAIN_MEMORY`` is ``0``. Nothing changes where the C
library is not glibc. Results are the same either way; only speed differs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

from .errors import InputError

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
GLIBC_DEFAULT = 128 * 1024

_state = {"retained": False}


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """glibc, loaded once; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018  (glibc only: musl has no mallopt thresholds)
        return libc
    except (OSError, AttributeError):
        return None


def retain_freed_memory(enable: bool = True, trim_threshold: int = 512 << 20,
                        mmap_threshold: int = 256 << 20) -> bool:
    """Keep freed memory in the process for reuse (``enable=True``), or return to glibc's
    default thresholds of 128 KiB (``enable=False``). Returns True when glibc accepted the
    setting, False where it does not apply (not Linux with glibc).

    Args:
        trim_threshold: bytes that may stay free at the top of the heap (``M_TRIM_THRESHOLD``).
        mmap_threshold: blocks at least this large get their own mapping and are returned on
            free (``M_MMAP_THRESHOLD``).
    """
    for name, value in (("trim_threshold", trim_threshold), ("mmap_threshold", mmap_threshold)):
        if not isinstance(value, int) or value < 0:
            raise InputError(f"retain_freed_memory: {name} must be a non-negative int of "
                             f"bytes, got {value!r}")
    libc = _libc()
    if libc is None:
        return False
    trim, mmap = (trim_threshold, mmap_threshold) if enable else (GLIBC_DEFAULT, GLIBC_DEFAULT)
    ok = bool(libc.mallopt(M_TRIM_THRESHOLD, trim)) and bool(libc.mallopt(M_MMAP_THRESHOLD,
                                                                        mmap))
    _state["retained"] = ok and enable
    return ok


def trim() -> bool:
    """Return the free memory at the top of the heap to the operating system now
    (``malloc_trim(0)``). Returns whether anything was released (False off glibc)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def retaining_freed_memory() -> bool:
    """Whether :func:`retain_freed_memory` is in effect."""
    return _state["retained"]

