"""Two pieces of independent work at once, one per core: the directions of a bidirectional
layer, or the two halves of a batch.

A recurrent layer's time loop is a chain of small matrix products (at every step a (B, H) by
(H, G*H) product), too small for a BLAS library to share well between cores: on the 2-core
machine of ``benchmarks/``, a GRU layer of shape (B=32, T=100, I=39, H=128) trains only about
12% faster with two BLAS threads than with one. The two directions of a bidirectional layer
do not depend on each other, so :func:`run_pair` runs them on two threads at once (the kernels
release the GIL, ``nogil=True``), each thread asking its BLAS products for one thread only, so
that the two threads keep both cores busy for the whole loop. The same holds for the backward
passes of the two directions.

A unidirectional layer has no second direction, but its sequences do not interact: two halves
of the batch (dealt by length, ``ops.pairs.deal``) are two layers with the same weights
(``ops.pairs.BatchHalves``), which can run as a pair the same way. Each half's products
have half the rows, and one thread each; a step product of one thread and few rows takes
OpenBLAS's small-matrix path, or is cut into column blocks that do (``kernels/blocks.py``),
while the whole batch's product is shared between the BLAS library's threads at every step.
This pays where each half's step product still has some work in it, and not for the largest
layers, whose products the BLAS library shares well. A stack of two or more such layers is one
node, ``ops.pairs.StackHalves``: each half runs its whole stack on one thread, layer after
layer, so the stack meets the second thread once in forward and once in backward instead of
once per layer each way, and no layer's output is put back in batch order only to be cut again
for the next. :func:`halves_pay` says when the halves pay, for a layer or a stack: with at
least 8 sequences, at most 512 units, and (B/2) G H^2 >= 393,216 multiply-adds in a half's
step product (G gate blocks: 3 for the GRU, 4 for the LSTM, 1 for the RNN; a GRU of 16
sequences and 128 units is the smallest). ``python benchmarks/bench_halves.py`` measured on
the machine of ``benchmarks/`` (training step of one layer, full-length batches, float32,
2 threads, T = 100 unless said, I = 39, median of 5 rounds, whole layer / halves; the rule's
"yes" in the last column):

    ====  =====  =====  ========  =========  =====  ====  =====
      B     H    GRU    whole ms  halves ms  LSTM   RNN   rule
    ====  =====  =====  ========  =========  =====  ====  =====
     16     96   0.88   3.9       3.4        0.71   1.41  no
     32     64   0.81   4.7       3.8        0.75   1.40  no
     16    128   0.74   6.2       4.5        0.57   1.39  GRU, LSTM
     64     96   0.71   17.2      12.3       0.68   0.91  GRU, LSTM
     32    128   0.66   13.8      9.1        0.66   0.91  GRU, LSTM
      8    256   0.47   14.9      7.0        0.53   1.36  GRU, LSTM
     16    256   0.53   23.9      12.7       0.57   0.54  all
     32    256   0.67   39.9      26.8       0.70   0.76  all
     32    384   0.73   80.1      58.1       0.74   0.75  all
      8    512   0.68   58.3      39.6       0.62   0.48  all
     64    512   0.94   112.7     105.8      0.94   0.76  all
            (T = 50)
     32   1024   1.01   139.4     140.3      1.10   0.88  no
            (T = 20)
    ====  =====  =====  ========  =========  =====  ====  =====

(GRU, LSTM, RNN: halves / whole.) The rule passes by a few gains of 10-30% at the smallest
sizes rather than risk the RNN's losses there, where a step's product is a few microseconds
and handing the work to a second thread costs as much.

While a pair runs, every BLAS library the process has loaded (NumPy's and SciPy's each bring
their own; Numba's products use SciPy's) is set to one thread, through threadpoolctl, and set
back when both pieces have finished. The setting is the library's own, for the whole process:
another thread's products meanwhile also run on one thread.

Pairs run at once when all of these hold, and one after the other otherwise:

- the process may use at least two cores (``os.sched_getaffinity``, or ``os.cpu_count``);
- Numba's thread setting (``NUMBA_NUM_THREADS``) and every BLAS library's thread count are at
  least 2, so ``minigru train --threads 1`` and ``OPENBLAS_NUM_THREADS=1`` keep one core;
- threadpoolctl finds the BLAS libraries (so their threads can be set);
- :func:`set_pairing` has not turned pairing off (``MINIGRU_PAIRS=0`` in the environment does
  the same for a whole process).

The result does not depend on which of the two runs first or on how the threads are
scheduled: each piece computes on its own arrays, with one BLAS thread, so a pair gives the
same numbers bit for bit as its two pieces run one after the other with one BLAS thread
(``tests/test_parallel.py``). One after the other with the library's own thread count
(pairing off), the products of a large enough layer can round differently in the last bits,
as they do whenever the BLAS thread count changes (``minigru.runtime.set_threads``): a run is
reproducible bit for bit under the same thread setting and pairing.
"""

from __future__ import annotations

import contextlib
import functools
import numbers
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from .errors import InputError

A = TypeVar("A")
B = TypeVar("B")

_state: dict[str, Any] = {"enabled": None, "pool": None, "pid": None, "inside": False}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@functools.cache
def _blas() -> tuple[Any, ...]:
    """threadpoolctl's controller of every BLAS library loaded. SciPy's BLAS, which Numba's
    products call, is loaded first so that it is among them."""
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import ThreadpoolController

    return tuple(lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas")


def set_pairing(enabled: bool | None) -> None:
    """Run pairs at once (True, where the conditions of the module docstring allow), one after
    the other (False), or decide from the environment again (None, the default)."""
    if enabled not in (True, False, None):
        raise TypeError(f"enabled must be True, False or None, got {enabled!r}")
    _state["enabled"] = enabled


def pairs_run_at_once() -> bool:
    """Whether :func:`run_pair` uses two threads now (the conditions of the module docstring)."""
    if _state["enabled"] is False or _state["inside"]:
        return False
    if _state["enabled"] is None and os.environ.get("MINIGRU_PAIRS", "").strip() == "0":
        return False
    if _cores() < 2:
        return False
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        return False
    libs = _blas()
    return bool(libs) and all(lib.num_threads >= 2 for lib in libs)


def products_on_one_thread() -> bool:
    """Whether a BLAS product called now runs on one thread: inside a pair (:func:`run_pair`
    sets every BLAS library to one thread), or with every BLAS library set to one thread
    (``minigru train --threads 1``, ``OPENBLAS_NUM_THREADS=1``). False when threadpoolctl
    finds no BLAS library. The recurrent kernels then cut their weights into column blocks
    (``kernels/blocks.py``)."""
    if _state["inside"]:
        return True
    libs = _blas()
    return bool(libs) and all(lib.num_threads == 1 for lib in libs)


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Every BLAS library on one thread inside the block, as it was afterwards."""
    libs = _blas()
    before = [lib.num_threads for lib in libs]
    for lib in libs:
        lib.set_num_threads(1)
    _state["inside"] = True
    try:
        yield
    finally:
        _state["inside"] = False
        for lib, n in zip(libs, before, strict=True):
            lib.set_num_threads(n)


def _pool() -> ThreadPoolExecutor:
    """The one worker thread of this process (a new one after a fork)."""
    if _state["pid"] != os.getpid():
        _state["pool"] = ThreadPoolExecutor(1, thread_name_prefix="minigru-pair")
        _state["pid"] = os.getpid()
    return _state["pool"]


HALVES_MIN_BATCH = 8
HALVES_MAX_HIDDEN = 512
HALVES_MIN_WORK = 3 << 17


def halves_pay(batch: int, hidden: int, gates: int = 3) -> bool:
    """Whether a unidirectional layer of this batch, hidden size and gate count (3 for the
    GRU, 4 for the LSTM, 1 for the RNN) runs its two batch halves as a pair: pairs run at once
    (:func:`pairs_run_at_once`), the batch has at least ``HALVES_MIN_BATCH`` sequences,
    ``hidden <= HALVES_MAX_HIDDEN``, and a half's step product has at least
    ``HALVES_MIN_WORK`` multiply-adds, (batch // 2) gates hidden^2 (the measurements in the
    module docstring).

    Raises:
        InputError: ``batch``, ``hidden`` or ``gates`` is not a positive integer.
    """
    for name, value in (("batch", batch), ("hidden", hidden), ("gates", gates)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InputError(f"halves_pay: {name} must be a positive integer, got {value!r}")
    return (batch >= HALVES_MIN_BATCH and hidden <= HALVES_MAX_HIDDEN
            and (batch // 2) * gates * hidden * hidden >= HALVES_MIN_WORK
            and pairs_run_at_once())


def run_pair(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """(first(), second()): ``second`` on a worker thread while ``first`` runs on this one, each
    with one BLAS thread, when :func:`pairs_run_at_once`; else one after the other, with the
    BLAS settings as they are. An exception in either is raised here, after both have
    finished. A pair started inside a pair runs one piece after the other."""
    if not pairs_run_at_once():
        return first(), second()
    with _one_blas_thread():
        future = _pool().submit(second)
        try:
            a = first()
        finally:
            wait([future])
        return a, future.result()
