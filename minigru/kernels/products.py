"""Matrix products for the layers around the recurrent ones (Linear, matmul, convolution),
computed by the same BLAS library as the recurrent kernels' products.

NumPy and SciPy each bring their own copy of OpenBLAS, and Numba's ``np.dot`` calls SciPy's.
Each copy keeps its own worker threads, which wait for work by spinning for a while after
every product large enough to be shared between threads. A product computed by NumPy between
two recurrent kernels leaves NumPy's worker spinning on one core while SciPy's threads need
both: on the 2-core machine of ``benchmarks/``, one (3200, 256) by (256, 256) product by NumPy
per GRU training step at shape (a) made the step take 42-53 ms instead of 23.5 ms, and 27 ms
when the same product went through Numba. So every 2-D floating-point product of the layers
goes through :func:`matmul2d`, and the process keeps one set of BLAS threads busy.

    matmul2d(A, B) = A B,   (n, k) @ (k, m) -> (n, m)

Transposed operands are passed as the transposes of C-contiguous arrays (BLAS reads them
transposed, nothing is copied); other strided operands are copied once.
:func:`tensordot` is ``np.tensordot`` with its product computed by :func:`matmul2d`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .jit import kernel

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@kernel
def _gemm(a, b, a_transposed, b_transposed):
    """a @ b with a and b C-contiguous, each used transposed when its flag is set."""
    if a_transposed:
        if b_transposed:
            return np.dot(a.T, b.T)
        return np.dot(a.T, b)
    if b_transposed:
        return np.dot(a, b.T)
    return np.dot(a, b)


def _as_c(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(C-contiguous array, whether it is x's transpose) holding x's values."""
    if x.flags.c_contiguous:
        return x, False
    if x.flags.f_contiguous:
        return x.T, True
    return np.ascontiguousarray(x), False


def matmul2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D arrays, (n, k) @ (k, m) -> (n, m), C-contiguous.

    float32 or float64 operands of one dtype, with no empty side, go to the recurrent kernels'
    BLAS (module docstring); anything else to ``np.matmul``, which gives the same values.
    """
    if (a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype or a.dtype not in FLOATS
            or 0 in a.shape or 0 in b.shape or a.shape[1] != b.shape[0]):
        return np.matmul(a, b)
    a_c, a_t = _as_c(a)
    b_c, b_t = _as_c(b)
    return _gemm(a_c, b_c, a_t, b_t)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)`` for operands of any rank, with 2-D products through
    :func:`matmul2d`, and an (..., k) @ (k, m) product as one (rows, k) @ (k, m) product."""
    if a.ndim == 2 and b.ndim == 2:
        return matmul2d(a, b)
    if a.ndim > 2 and b.ndim == 2 and a.shape[-1] == b.shape[0]:
        lead = a.shape[:-1]
        return matmul2d(a.reshape(-1, a.shape[-1]), b).reshape(lead + (b.shape[1],))
    return np.matmul(a, b)


def tensordot(a: np.ndarray, b: np.ndarray,
              axes: tuple[Sequence[int], Sequence[int]]) -> np.ndarray:
    """``np.tensordot(a, b, axes)`` for explicit axis lists: the summed axes of a moved last
    and of b moved first, both flattened to matrices, and one :func:`matmul2d`."""
    axes_a = [ax % a.ndim for ax in axes[0]]
    axes_b = [ax % b.ndim for ax in axes[1]]
    if len(axes_a) != len(axes_b) or any(a.shape[i] != b.shape[j]
                                         for i, j in zip(axes_a, axes_b, strict=True)):
        return np.tensordot(a, b, axes=(axes_a, axes_b))
    free_a = [ax for ax in range(a.ndim) if ax not in axes_a]
    free_b = [ax for ax in range(b.ndim) if ax not in axes_b]
    k = int(np.prod([a.shape[ax] for ax in axes_a], dtype=np.int64))
    out_shape = tuple(a.shape[ax] for ax in free_a) + tuple(b.shape[ax] for ax in free_b)
    a2 = a.transpose(free_a + axes_a).reshape(-1, k)
    b2 = b.transpose(axes_b + free_b).reshape(k, -1)
    return matmul2d(a2, b2).reshape(out_shape)
