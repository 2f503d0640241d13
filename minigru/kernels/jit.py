"""The one place where kernels are compiled, so the settings are the same for all of them.

``cache=True`` writes the machine code next to the source (``__pycache__``) so the next
process skips compilation. Division follows NumPy and IEEE 754 (x / 0 is inf or nan, not an
exception), which lets loops that divide be vectorised. ``fastmath`` stays off and nothing
runs in parallel with a reduction across threads: results must be bit-for-bit reproducible.
With the environment variable ``NUMBA_DISABLE_JIT=1`` Numba returns the plain Python
functions, which a learner can step through in a debugger.

Numba's cache notices a change to a kernel's own file, not to this one: after changing these
settings, delete ``minigru/kernels/__pycache__`` (an installed upgrade gets fresh files).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba


def kernel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` in nopython mode with the project's settings."""
    return numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")(fn)
