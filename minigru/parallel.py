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
of the batch (dealt by length, ``ops.recurrent.deal``) are two layers with the same weights
(``ops.recurrent.BatchHalves``), which can run as a pair the same way. Each half's products
have half the rows, and one thread each, so this pays only where the BLAS library does not
already share a product well, at a small hidden size, and where a half still has enough rows
for an efficient product. :func:`halves_pay` says when; on the machine of ``benchmarks/``
(GRU training step of one layer, full-length batches, float32, T = 100 unless said, I = 39,
whole layer / halves):

    ====  =====  ===============  =========
      B     H    whole ms         halves ms
    ====  =====  ===============  =========
     16    128   6.4              8.1
     32     64   5.1              5.8
     32    128   14.5             9.4
     64    128   28.4             22.4
    128    128   56.6             43.2
     32    192   28.9             25.0
     32    256   34.6 (T = 64)    34.4
     64    256   79.0             68.1
     32    384   88.5             96.4
     64    512   463.6 (T = 200)  517.9
    ====  =====  ===============  =========

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


HALVES_MIN_BATCH = 32
HALVES_HIDDEN = (128, 256)


def halves_pay(batch: int, hidden: int) -> bool:
    """Whether a unidirectional layer of this batch and hidden size runs its two batch halves
    as a pair: pairs run at once (:func:`pairs_run_at_once`), the batch has at least
    ``HALVES_MIN_BATCH`` sequences, and ``HALVES_HIDDEN[0] <= hidden <= HALVES_HIDDEN[1]``
    (the measurements in the module docstring).

    Raises:
        InputError: ``batch`` or ``hidden`` is not a positive integer.
    """
    for name, value in (("batch", batch), ("hidden", hidden)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InputError(f"halves_pay: {name} must be a positive integer, got {value!r}")
    return (batch >= HALVES_MIN_BATCH and HALVES_HIDDEN[0] <= hidden <= HALVES_HIDDEN[1]
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
