"""The one place where kernels are compiled, so the settings are the same for all of them.

``cache=True`` writes the machine code into the user's cache folder (``minigru.paths``:
``~/.cache/minigru/numba/<hash of this folder's source>``, never the installed package), so
the next process skips compilation. Division follows NumPy and IEEE 754 (x / 0 is inf or nan, not an
exception), which lets loops that divide be vectorised. ``fastmath`` stays off and nothing
runs in parallel with a reduction across threads: results must be bit-for-bit reproducible.
With the environment variable ``NUMBA_DISABLE_JIT=1`` Numba returns the plain Python
functions, which a learner can step through in a debugger.

Numba's own cache index notices a change to a kernel's file, not to a helper it calls in
another file, nor to these settings; the cache folder is therefore named by a hash of every
file in ``minigru/kernels/``, and any change there starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..paths import configure_numba_cache

configure_numba_cache()

import numba  # noqa: E402


def kernel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` in nopython mode with the project's settings."""
    return numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")(fn)
