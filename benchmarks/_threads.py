"""The thread count of a benchmark, fixed before numpy, SciPy or Numba are imported (their
thread pools read these variables once, at import)."""

from __future__ import annotations

import argparse
import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


def pin_threads(n: int) -> None:
    """Every BLAS, OpenMP and Numba pool of this process gets ``n`` threads."""
    for var in THREAD_VARIABLES:
        os.environ[var] = str(n)


def threads_from_argv(default: int) -> int:
    """The value of ``--threads`` on the command line, or ``default``; the script's own parser
    reads the flag again later."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=default)
    return pre.parse_known_args()[0].threads
