"""Matrix multiplication with NumPy's ``matmul`` rules (1-D, 2-D and batched)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError
from ..kernels import products as P
from ..tensor import Tensor
from ._util import lift_pair


class MatMul(Function):
    """Y = A @ B.

    For matrices, Y_ij = sum_k A_ik B_kj, so dL/dA = dL/dY @ B^T and dL/dB = A^T @ dL/dY.
    Batched operands (``(..., n, k) @ (..., k, m)``) apply this to every matrix of the batch;
    the engine then sums over batch axes that were broadcast. A 1-D ``A`` of shape ``(k,)`` is
    the matrix ``(1, k)`` and a 1-D ``B`` the matrix ``(k, 1)``, with that axis dropped from Y,
    so the backward pass adds the axis back, multiplies, and drops it again. The products go
    to the recurrent kernels' BLAS (``kernels/products.py``).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise InputError(
                f"matmul: both operands need at least one dimension, got shapes {a.shape} and "
                f"{b.shape} (use * for scalars)"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise InputError(
                f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last dimension "
                f"of the first ({k_a}) must equal the "
                f"{'only' if b.ndim == 1 else 'second-to-last'} dimension of the second ({k_b})"
            )
        try:
            out = P.matmul(a, b)
        except ValueError as exc:
            raise InputError(
                f"matmul: the batch dimensions of shapes {a.shape} and {b.shape} do not "
                f"broadcast"
            ) from exc
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g[..., None] if b.ndim == 1 else g
        if a.ndim == 1:
            g2 = g2[..., None, :]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = P.matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = np.squeeze(ga, -2)
        if ctx.needs_input_grad[1]:
            gb = P.matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                gb = np.squeeze(gb, -1)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """``a @ b`` with NumPy's rules for 1-D, 2-D and batched operands."""
    return MatMul.apply(*lift_pair(a, b))
