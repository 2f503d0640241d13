"""The recurrent weight cut into column blocks once per sequence, so that every step's product
is small enough for the BLAS library to compute it where the operands lie.

A general matrix product in OpenBLAS first copies ("packs") both operands into buffers laid
out for its inner kernel, then multiplies the buffers. For a large product the copies cost
little against the arithmetic; for the step product of a recurrent layer they do not. At every
step the state a (M rows, K columns) meets the same weight W (K, N), and the weight is packed
again each time: K N moves against 2 M K N operations, with M the batch (or half of it), 16 or
32 rows. On processors with AVX-512, OpenBLAS (the library SciPy's wheels bring; 0.3.30
here) has a second path for products of at most 10^6 multiply-adds, M K N <= 10^6, which
reads the operands where they lie.

So the float32 kernels cut W by columns into blocks of width c, each packed once, at the start
of the time loop, as a contiguous (K, c) array, and at every step compute

    out[:, j0:j0 + c] = a @ W[:, j0:j0 + c]        for j0 = 0, c, 2c, ...     (M K c <= 10^6)

one product per block, each written straight into its columns of ``out``. Every entry of
``out`` is the same dot product as in the whole product, so the blocks change nothing but the
order BLAS adds in (results agree to rounding, and a run is reproducible bit for bit).

c is the largest multiple of 64 with M K c <= 10^6, or 32 when 64 is too wide, or 16 when 32
is. The weight stays whole when the product is small already (M K N <= 10^6); when even 16
columns are too many (the large shapes, where packing is cheap against the product); in
float64, where the small path was slower; and when the products may use more than one BLAS
thread. The small path runs on one thread, where a whole product of 32 or more rows is
shared between the threads (below). So the blocks are cut only where the caller's products
run on one thread anyway, which is where the time loops of minigru's layers run on a 2-core
machine (the two directions of a bidirectional layer and the two halves of a batch, one
thread each: ``minigru/parallel.py``), and where the user asked for one thread (``minigru
train --threads 1``). On the 2-core machine of ``benchmarks/``
(``python benchmarks/bench_step_product.py --threads 1 --shapes pqab``: float32, one thread,
median of 30 rounds of 100 products, time with the blocks / with the weight whole, two runs
on different hours):

    ============================  ==========  ===  ==========  ==========
    product                       shape       c    first run   second run
    ============================  ==========  ===  ==========  ==========
    (16, 256) @ (256, 768)        (b) half    192  0.40        0.53
    (16, 768) @ (768, 256)        (b) half    64   0.39        0.51
    (32, 128) @ (128, 384)        (a), (e)    192  0.49        0.62
    (32, 384) @ (384, 128)        (a), (e)    64   0.51        0.66
    (32, 256) @ (256, 768)        (b)         64   0.54        0.69
    (32, 768) @ (768, 256)        (b)         32   0.55        0.66
    ============================  ==========  ===  ==========  ==========

(16, 128) @ (128, 384), a half of (a), has 786,432 multiply-adds and takes the small path
whole. Blocks of 16 columns serve a long K, as the backward product of a half of (c), (32,
1536) @ (1536, 512), whose 32 columns would make 1.57e6 multiply-adds: ``--threads 1
--shapes r`` gives 0.74 and 0.61 of the whole weight's time in two runs (its forward
product, in blocks of 32, 0.60 and 0.63), and the training step at (c) from 929 and 949 ms
to 878 and 872 ms (``bench_rnn.py --shapes c``, the two alternated twice). Timed once each,
blocks of 16 also took 0.62-0.74 of the whole weight's time at (32, 1024) @ (1024, 1024),
(24, 2048) @ (2048, 512) and (16, 3072) @ (3072, 1024), and 0.89 at (64, 512) @ (512, 1536)
(the whole batch of (c) on one thread).

With two BLAS threads the blocks took 0.80-1.10 of the whole product's time at (a)
and (b), and up to 1.24 at larger products ((64, 256) @ (256, 768)): hence the one-thread
condition.

Elsewhere (another BLAS library, or a processor without AVX-512) the blocks cost one call
each and the same arithmetic; the benchmark shows what they do on a given machine.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .jit import kernel

SMALL_PRODUCT = 1_000_000
WIDE = 64
NARROW = 32
NARROWEST = 16


def block_width(rows: int, k: int, n: int, small: bool) -> int:
    """The column width c of the blocks of a (k, n) weight met by ``rows`` rows at a time:
    ``n`` (one block, the weight whole) unless ``small`` (the dtype takes the small path,
    :func:`takes_small_path`) and rows k n > ``SMALL_PRODUCT``; then the largest multiple of
    ``WIDE`` with rows k c <= ``SMALL_PRODUCT``, else ``NARROW`` or ``NARROWEST`` if that
    fits, else ``n``."""
    per_column = max(rows * k, 1)
    if not small or per_column * n <= SMALL_PRODUCT:
        return n
    fits = SMALL_PRODUCT // per_column
    if fits >= WIDE:
        return fits // WIDE * WIDE
    if fits >= NARROW:
        return NARROW
    if fits >= NARROWEST:
        return NARROWEST
    return n


def takes_small_path(w: np.ndarray) -> bool:
    """Whether products with ``w`` are cut into blocks: float32 (module docstring)."""
    return w.dtype == np.float32


@overload(takes_small_path)
def _takes_small_path_typed(w):
    if w.dtype == types.float32:
        return lambda w: True
    return lambda w: False


block_width_jit = kernel(block_width)


@kernel
def column_blocks(w, rows, cut):
    """w (K, N) C-contiguous as blocks of columns for products with up to ``rows`` rows:
    (nb, K, c), block b holding columns b c ... b c + c - 1 (the last block padded with
    zeros), c from :func:`block_width`. One block, ``w`` itself as a (1, K, N) view, unless
    ``cut``: the caller's products run on one BLAS thread (module docstring)."""
    K, N = w.shape
    c = block_width_jit(rows, K, N, cut and takes_small_path(w))
    if c >= N:
        return w.reshape(1, K, N)
    nb = (N + c - 1) // c
    blocks = np.zeros((nb, K, c), dtype=w.dtype)
    for b in range(nb):
        j0 = b * c
        width = min(c, N - j0)
        for k in range(K):
            blocks[b, k, :width] = w[k, j0:j0 + width]
    return blocks


def blas_gemm(dtype: types.Type) -> tuple[types.ExternalFunction, int, type]:
    """For overloads of compiled helpers: (the BLAS ``gemm`` of ``dtype``, float32 or float64,
    as an external function, its kind code, the matching NumPy scalar type).

    The function is ``numba_xxgemm(kind, transa, transb, m, n, k, alpha, a, lda, b, ldb,
    beta, c, ldc)``, the entry point behind Numba's own ``np.dot``: column-major
    ``C = alpha op(A) op(B) + beta C`` with ``op`` the transpose where the flag is ``"T"``,
    every matrix given by a pointer to its first element and its leading dimension.
    """
    from numba.np.linalg import ensure_blas

    ensure_blas()
    ptr = types.CPointer(dtype)
    gemm = types.ExternalFunction("numba_xxgemm", types.intc(
        types.char, types.char, types.char, types.intp, types.intp, types.intp,
        ptr, ptr, types.intp, ptr, types.intp, ptr, ptr, types.intp))
    if dtype == types.float32:
        return gemm, ord("s"), np.float32
    return gemm, ord("d"), np.float64


def _gemm_block(a, block, out, j0, width, one, zero):
    """out[:, j0:j0 + width] = a @ block[:, :width]: NumPy here (``NUMBA_DISABLE_JIT=1``),
    BLAS called directly when compiled (``one`` and ``zero``: BLAS's alpha and beta, arrays
    of one element in the dtype of ``a``)."""
    out[:, j0:j0 + width] = a @ block[:, :width]


@overload(_gemm_block)
def _gemm_block_typed(a, block, out, j0, width, one, zero):
    """Column-major BLAS sees the row-major arrays transposed: out^T (N, M) with leading
    dimension N, block^T (c, K) with leading dimension c, a^T (K, M) with leading dimension K,
    so rows j0 ... j0 + width - 1 of out^T are ``gemm(N, N, width, M, K, block^T, a^T)``
    (:func:`blas_gemm`)."""
    gemm, kind, _ = blas_gemm(block.dtype)

    def impl(a, block, out, j0, width, one, zero):
        M, K = a.shape
        gemm(kind, ord("N"), ord("N"), width, M, K, one.ctypes, block.ctypes, block.shape[1],
             a.ctypes, K, zero.ctypes, out[0, j0:].ctypes, out.shape[1])

    return impl


@kernel
def blocks_product(a, blocks, out):
    """out = a @ W for a (M, K) and out (M, N) C-contiguous, W given as its
    :func:`column_blocks` (nb, K, c): one product per block, into its columns of out."""
    N = out.shape[1]
    nb, K, c = blocks.shape
    if a.shape[0] == 0:
        return
    if nb == 1 and c == N:
        np.dot(a, blocks[0], out)
        return
    one, zero = np.ones(1, dtype=a.dtype), np.zeros(1, dtype=a.dtype)
    for b in range(nb):
        j0 = b * c
        _gemm_block(a, blocks[b], out, j0, min(c, N - j0), one, zero)
