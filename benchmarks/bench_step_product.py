"""Benchmark of one time step's recurrent product in two memory layouts, five ways.

    python benchmarks/bench_step_product.py [--threads 2] [--rounds 30] [--steps 100]
        [--shapes abcpqr]

Inside a recurrent kernel's time loop the one matrix product of a step is small: the state
of B sequences against the recurrent weight. The kernels store the state by rows (B, H), as
PyTorch does, so a GRU's forward and backward products are

    forward   (B, H) @ (H, 3H) -> (B, 3H)        backward   (B, 3H) @ (3H, H) -> (B, H)

(the baseline: ``np.dot`` with the weight whole). The kernels' own ``rows_product``
(``minigru/kernels/active.py``) cuts the weight into column blocks packed once, so that each
block's product takes OpenBLAS's small-matrix path (``minigru/kernels/blocks.py``): that is
the second row, ``by rows, column blocks (the kernels)``. The same numbers come out of the
transposed products, with the state stored by columns (H, B):

    forward   (3H, H) @ (H, B) -> (3H, B)        backward   (H, 3H) @ (3H, B) -> (H, B)

and the BLAS library may split and pack the two very differently between its threads. A
third row, ``by columns, copied in and out``, is what the row layout would pay to use the
column product: the state copied into (H, B), the product, the result copied back. A fourth,
``by rows, result transposed``, asks BLAS for the column product while the state stays by
rows: ``gemm(T, N)`` called directly (through ``numba_xxgemm``, the helper behind Numba's
``np.dot``), which reads the (B, H) state transposed as it packs it, so nothing is copied in;
the result comes out (3H, B), by columns.

For the GRU shapes (a), (b) and (c) of ``bench_rnn.py`` (B, H), and (p), (q) and (r), the
halves of (a), (b) and (c) (a one-way layer runs the two halves of its batch on two threads,
one BLAS thread each; time them with ``--threads 1``), it prints the median time of
one product over ``--rounds`` alternating rounds of ``--steps`` products each, in Numba
loops as in the kernels, float32, with GFLOP/s (2 B H 3H per product), and checks that every
layout gives the same result to rounding.
"""

from __future__ import annotations

import argparse
import sys

from _threads import pin_threads, threads_from_argv

if __name__ == "__main__":
    pin_threads(threads_from_argv(2))

import time  # noqa: E402

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402
from numba.extending import overload  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.kernels.active import rows_product  # noqa: E402
from minigru.kernels.blocks import blas_gemm, column_blocks  # noqa: E402

SHAPES = {"a": (32, 128), "b": (32, 256), "c": (64, 512), "p": (16, 128), "q": (16, 256),
          "r": (32, 512)}
BASELINE = "by rows, weight whole"


@njit(nogil=True)
def by_rows(a, w, out, steps):
    """``steps`` times out = a @ w, one product with the weight whole."""
    for _ in range(steps):
        np.dot(a, w, out)


@njit(nogil=True)
def by_rows_blocks(a, blocks, out, rows, a_block, out_block, steps):
    """``steps`` times out = a @ w through the kernels' own rows_product (the weight as its
    column blocks), all rows active."""
    for _ in range(steps):
        rows_product(a, blocks, out, rows, a.shape[0], a_block, out_block)


@njit(nogil=True)
def by_columns(w_t, a_t, out_t, steps):
    """``steps`` times out_t = w_t @ a_t: the state stored by columns."""
    for _ in range(steps):
        np.dot(w_t, a_t, out_t)


@njit(nogil=True)
def by_columns_copied(a, w_t, out, a_t, out_t, steps):
    """``steps`` times: a copied into a_t (K, B), out_t = w_t @ a_t, out_t copied into out."""
    B, K = a.shape
    N = w_t.shape[0]
    for _ in range(steps):
        for k in range(K):
            for b in range(B):
                a_t[k, b] = a[b, k]
        np.dot(w_t, a_t, out_t)
        for b in range(B):
            for n in range(N):
                out[b, n] = out_t[n, b]


def transposed_product(w_t, a, out_t):
    """out_t (N, B) = w_t (N, K) @ a (B, K)^T, all C-contiguous (NumPy, outside Numba)."""
    np.dot(w_t, a.T, out_t)


@overload(transposed_product)
def _transposed_product(w_t, a, out_t):
    """gemm(T, N, m=B, n=N, k=K): to column-major BLAS, a is (K, B), read transposed, w_t is
    (K, N), and out_t is the (B, N) result with leading dimension B."""
    gemm, kind, dtype = blas_gemm(w_t.dtype)

    def impl(w_t, a, out_t):
        N, K = w_t.shape
        B = a.shape[0]
        one, zero = np.ones(1, dtype=dtype), np.zeros(1, dtype=dtype)
        gemm(kind, ord("T"), ord("N"), B, N, K, one.ctypes, a.ctypes, K, w_t.ctypes, K,
             zero.ctypes, out_t.ctypes, B)

    return impl


@njit(nogil=True)
def by_rows_transposed(a, w_t, out_t, steps):
    """``steps`` times out_t = w_t @ a^T: the state a (B, K) stays by rows."""
    for _ in range(steps):
        transposed_product(w_t, a, out_t)


def cases(B: int, H: int) -> dict[str, tuple[int, int, int]]:
    """direction -> (B, K, N) of the row-layout product (B, K) @ (K, N)."""
    return {"forward": (B, H, 3 * H), "backward": (B, 3 * H, H)}


def measure(B: int, K: int, N: int, rounds: int, steps: int,
            rng: np.random.Generator) -> dict[str, float]:
    """Median seconds of one product in each layout."""
    f = np.float32
    a = rng.standard_normal((B, K)).astype(f)
    w = (rng.standard_normal((K, N)) / np.sqrt(K)).astype(f)
    w_t, a_t = np.ascontiguousarray(w.T), np.ascontiguousarray(a.T)
    out_rows, out_copied = np.empty((B, N), f), np.empty((B, N), f)
    out_blocks, blocks = np.empty((B, N), f), column_blocks(w, B, True)
    out_t, scratch_t, out_rt = np.empty((N, B), f), np.empty((N, B), f), np.empty((N, B), f)
    rows = np.arange(B, dtype=np.int64)
    a_block, out_block = np.empty_like(a), np.empty((B, N), f)
    a_copy = np.empty((K, B), f)
    runs = {
        BASELINE:
            lambda n: by_rows(a, w, out_rows, n),
        "by rows, column blocks (the kernels)":
            lambda n: by_rows_blocks(a, blocks, out_blocks, rows, a_block, out_block, n),
        "by columns":
            lambda n: by_columns(w_t, a_t, out_t, n),
        "by columns, copied in and out":
            lambda n: by_columns_copied(a, w_t, out_copied, a_copy, scratch_t, n),
        "by rows, result transposed":
            lambda n: by_rows_transposed(a, w_t, out_rt, n),
    }
    for run in runs.values():
        run(1)
    exact = a.astype(np.float64) @ w.astype(np.float64)
    scale = float(np.abs(exact).max())
    for got in (out_rows, out_blocks, out_t.T, out_copied, out_rt.T):
        err = float(np.abs(got - exact).max()) / scale
        if err > 1e-5:
            sys.exit(f"a layout gave another product: relative error {err:.2e}")
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run(steps)
            times[name].append((time.perf_counter() - start) / steps)
    return {name: float(np.median(t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--shapes", default="abc")
    args = parser.parse_args()
    for name, value in (("--rounds", args.rounds), ("--steps", args.steps)):
        if value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    if not args.shapes or set(args.shapes) - set(SHAPES):
        parser.error(f"--shapes takes letters of {''.join(SHAPES)}, got {args.shapes!r}")
    mg.runtime.apply_memory_default()
    rng = np.random.default_rng(0)
    print(f"one step's GRU product, float32, {args.threads} threads, median of "
          f"{args.rounds} alternating rounds of {args.steps} products\n")
    print("| shape | direction | product (row layout) | layout | µs | GFLOP/s | vs by rows |")
    print("|---|---|---|---|---|---|---|")
    for letter in args.shapes:
        B, H = SHAPES[letter]
        for direction, (b, k, n) in cases(B, H).items():
            got = measure(b, k, n, args.rounds, args.steps, rng)
            base = got[BASELINE]
            for layout, seconds in got.items():
                print(f"| ({letter}) B={B} H={H} | {direction} | ({b}, {k}) @ ({k}, {n}) | "
                      f"{layout} | {seconds * 1e6:.1f} | {2 * b * k * n / seconds / 1e9:.1f} | "
                      f"{seconds / base:.2f} |")


if __name__ == "__main__":
    main()
