"""Convolution and pooling over 1 or 2 spatial axes (NCL / NCHW layouts, as in PyTorch).

Convolution (cross-correlation, like every deep-learning library), for one spatial axis:

    y[n, o, l] = b[o] + sum_{c, k} w[o, c, k] * xp[n, c, l*stride + k*dilation]

where ``xp`` is the input zero-padded on both sides. It is computed as im2col + one product:
a strided view ``win[n, c, l, k] = xp[n, c, l*stride + k*dilation]`` (no copy), contracted
with ``w`` over ``(c, k)`` by a tensordot (one GEMM, by the recurrent kernels' BLAS:
``kernels/products.py``). The backward pass is the same
contraction turned around:

    dL/dw[o, c, k] = sum_{n, l} dL/dy[n, o, l] * win[n, c, l, k]         (one GEMM)
    dL/db[o]       = sum_{n, l} dL/dy[n, o, l]
    dL/dxp[n, c, l*stride + k*dilation] += sum_o dL/dy[n, o, l] * w[o, c, k]

the last a scatter-add of the "column" gradient, one strided slice per kernel position (a loop
over the few kernel taps, never over data), then the padding is cropped off. Two spatial axes
work the same with ``(k_h, k_w)`` in place of ``k``.

Pooling takes the same windows and reduces them: max pooling sends each output's gradient to
the window element(s) holding the maximum (split evenly between exact ties, as ``mg.max``
does, so finite differences agree); average pooling spreads it evenly over the window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Context, Function
from ..errors import InputError, InputTypeError
from ..kernels import products as P
from ..tensor import Tensor
from ._util import lift


def _tuple(value: Any, nd: int, name: str, minimum: int) -> tuple[int, ...]:
    items = (value,) * nd if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != nd or not all(isinstance(v, (int, np.integer)) for v in items):
        raise InputError(f"{name}: expected an int or a tuple of {nd} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise InputError(f"{name}: every value must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in items)


def _windows(xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
             dilation: tuple[int, ...]) -> np.ndarray:
    """View of shape (N, C, *out_spatial, *kernel): win[n, c, l.., k..] =
    xp[n, c, l*stride + k*dilation ..]."""
    nd = len(kernel)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    win = sliding_window_view(xp, span, axis=tuple(range(2, 2 + nd)))
    index = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride) + tuple(
        slice(None, None, d) for d in dilation)
    return win[index]


def _scatter_windows(gwin: np.ndarray, padded_shape: tuple[int, ...], kernel: tuple[int, ...],
                     stride: tuple[int, ...], dilation: tuple[int, ...]) -> np.ndarray:
    """The adjoint of ``_windows``: add gwin[n, c, l.., k..] into position
    l*stride + k*dilation of an array of ``padded_shape``."""
    nd = len(kernel)
    out_sp = gwin.shape[2:2 + nd]
    g = np.zeros(padded_shape, dtype=gwin.dtype)
    for taps in np.ndindex(*kernel):
        index = (slice(None), slice(None)) + tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(taps, dilation, stride, out_sp, strict=True))
        g[index] += gwin[(Ellipsis,) + taps]
    return g


def _pad(x: np.ndarray, pads: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
    if not any(a or b for a, b in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + pads, constant_values=value)


def _crop(g: np.ndarray, pads: tuple[tuple[int, int], ...]) -> np.ndarray:
    index = (slice(None), slice(None)) + tuple(
        slice(a, g.shape[2 + i] - b) for i, (a, b) in enumerate(pads))
    return g[index]


class ConvNd(Function):
    """y = conv(x, w) + b over ``nd`` spatial axes (see the module docstring)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
                stride: tuple[int, ...], pads: tuple[tuple[int, int], ...],
                dilation: tuple[int, ...]) -> np.ndarray:
        nd = len(stride)
        kernel = w.shape[2:]
        xp = _pad(x, pads, 0.0)
        win = _windows(xp, kernel, stride, dilation)
        k_axes = list(range(2 + nd, 2 + 2 * nd))
        y = P.tensordot(win, w, axes=([1] + k_axes, [1] + list(range(2, 2 + nd))))
        y = np.moveaxis(y, -1, 1)
        if b is not None:
            y = y + b.reshape((1, -1) + (1,) * nd)
        ctx.save_for_backward(xp, w)
        ctx.params = (stride, pads, dilation)
        return np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, ...]:
        xp, w = ctx.saved_tensors
        stride, pads, dilation = ctx.params
        nd = len(stride)
        kernel = w.shape[2:]
        sp = list(range(2, 2 + nd))
        gx = gw = gb = None
        if ctx.needs_input_grad[1]:
            win = _windows(xp, kernel, stride, dilation)
            gw = P.tensordot(g, win, axes=([0] + sp, [0] + sp))
        if ctx.needs_input_grad[0]:
            gcols = P.tensordot(g, w, axes=([1], [0]))  # (N, *out, C, *kernel)
            gcols = np.moveaxis(gcols, 1 + nd, 1)  # (N, C, *out, *kernel)
            gx = _crop(_scatter_windows(gcols, xp.shape, kernel, stride, dilation), pads)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = g.sum(axis=tuple([0] + sp))
        return (gx, gw, gb) if len(ctx.needs_input_grad) > 2 else (gx, gw)


def _resolve_padding(padding: Any, nd: int, kernel: tuple[int, ...], dilation: tuple[int, ...],
                     stride: tuple[int, ...], name: str) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise InputError(f"{name}: padding='same' needs stride 1, got stride {stride}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise InputError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', "
                         f"got {padding!r}")
    return tuple((p, p) for p in _tuple(padding, nd, f"{name}: padding", 0))


def _conv(nd: int, name: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
          dilation: Any) -> Tensor:
    x, w = lift(input), lift(weight)
    layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
    unbatched = x.ndim == nd + 1
    if x.ndim not in (nd + 1, nd + 2):
        raise InputError(f"{name}: input must be {layout} or unbatched, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise InputTypeError(f"{name}: input must be floating point, got dtype {x.dtype}")
    if w.ndim != nd + 2:
        raise InputError(f"{name}: weight must have {nd + 2} dimensions (out_channels, "
                         f"in_channels, kernel...), got shape {w.shape}")
    if unbatched:
        x = x.reshape((1,) + x.shape)
    if x.shape[1] != w.shape[1]:
        raise InputError(f"{name}: input has {x.shape[1]} channels (shape {x.shape}) but weight "
                         f"expects {w.shape[1]} (shape {w.shape})")
    stride_t = _tuple(stride, nd, f"{name}: stride", 1)
    dilation_t = _tuple(dilation, nd, f"{name}: dilation", 1)
    pads = _resolve_padding(padding, nd, w.shape[2:], dilation_t, stride_t, name)
    for i in range(nd):
        size = x.shape[2 + i] + sum(pads[i])
        if size < dilation_t[i] * (w.shape[2 + i] - 1) + 1:
            raise InputError(
                f"{name}: input spatial size {x.shape[2 + i]} (padded {size}) is smaller than "
                f"the dilated kernel {dilation_t[i] * (w.shape[2 + i] - 1) + 1}")
    inputs = [x, w]
    if bias is not None:
        b = lift(bias)
        if b.shape != (w.shape[0],):
            raise InputError(f"{name}: bias must have shape ({w.shape[0]},), got {b.shape}")
        inputs.append(b)
    y = ConvNd.apply(*inputs, stride=stride_t, pads=pads, dilation=dilation_t)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1) -> Tensor:
    """1-D convolution: input (N, C_in, L), weight (C_out, C_in, K), bias (C_out,) ->
    (N, C_out, L_out), L_out = floor((L + 2 padding - dilation (K - 1) - 1) / stride) + 1."""
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1) -> Tensor:
    """2-D convolution: input (N, C_in, H, W), weight (C_out, C_in, K_h, K_w) ->
    (N, C_out, H_out, W_out), each output size as for :func:`conv1d`."""
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation)


# --------------------------------------------------------------------------- pooling


class MaxPoolNd(Function):
    """y = max over each window; dL/dx gets dL/dy at the window's maximum (split on ties)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, kernel: tuple[int, ...], stride: tuple[int, ...],
                pads: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> np.ndarray:
        nd = len(kernel)
        xp = _pad(x, pads, -np.inf)
        win = _windows(xp, kernel, stride, dilation)
        k_axes = tuple(range(2 + nd, 2 + 2 * nd))
        y = win.max(axis=k_axes)
        mask = win == np.expand_dims(y, k_axes)
        share = mask / mask.sum(axis=k_axes, keepdims=True)
        ctx.save_for_backward(share.astype(x.dtype))
        ctx.params = (xp.shape, kernel, stride, pads, dilation)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (share,) = ctx.saved_tensors
        padded_shape, kernel, stride, pads, dilation = ctx.params
        nd = len(kernel)
        gwin = np.expand_dims(g, tuple(range(2 + nd, 2 + 2 * nd))) * share
        return _crop(_scatter_windows(gwin, padded_shape, kernel, stride, dilation), pads)


class AvgPoolNd(Function):
    """y = mean over each window (zero padding counted, as PyTorch's default);
    dL/dx gets dL/dy / window size at every window position."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, kernel: tuple[int, ...], stride: tuple[int, ...],
                pads: tuple[tuple[int, int], ...]) -> np.ndarray:
        nd = len(kernel)
        xp = _pad(x, pads, 0.0)
        ones = (1,) * nd
        win = _windows(xp, kernel, stride, ones)
        ctx.params = (xp.shape, kernel, stride, pads)
        return win.mean(axis=tuple(range(2 + nd, 2 + 2 * nd)))

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        padded_shape, kernel, stride, pads = ctx.params
        nd = len(kernel)
        gwin = np.broadcast_to(
            np.expand_dims(g / np.prod(kernel), tuple(range(2 + nd, 2 + 2 * nd))),
            g.shape + kernel)
        return _crop(_scatter_windows(gwin, padded_shape, kernel, stride, (1,) * nd), pads)


def _pool(nd: int, name: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
          dilation: Any, kind: str) -> Tensor:
    x = lift(input)
    if x.ndim not in (nd + 1, nd + 2):
        layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        raise InputError(f"{name}: input must be {layout} or unbatched, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise InputTypeError(f"{name}: input must be floating point, got dtype {x.dtype}")
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.reshape((1,) + x.shape)
    kernel = _tuple(kernel_size, nd, f"{name}: kernel_size", 1)
    stride_t = kernel if stride is None else _tuple(stride, nd, f"{name}: stride", 1)
    pad_t = _tuple(padding, nd, f"{name}: padding", 0)
    dilation_t = _tuple(dilation, nd, f"{name}: dilation", 1)
    if any(p > k // 2 for p, k in zip(pad_t, kernel, strict=True)):
        raise InputError(f"{name}: padding {padding} must be at most half the kernel size "
                         f"{kernel_size}")
    for i in range(nd):
        span = dilation_t[i] * (kernel[i] - 1) + 1
        if x.shape[2 + i] + 2 * pad_t[i] < span:
            raise InputError(f"{name}: input spatial size {x.shape[2 + i]} is smaller than the "
                             f"window {span}")
    pads = tuple((p, p) for p in pad_t)
    if kind == "max":
        y = MaxPoolNd.apply(x, kernel=kernel, stride=stride_t, pads=pads, dilation=dilation_t)
    else:
        y = AvgPoolNd.apply(x, kernel=kernel, stride=stride_t, pads=pads)
    return y.reshape(y.shape[1:]) if unbatched else y


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1) -> Tensor:
    """Max over windows of ``kernel_size`` every ``stride`` (default: kernel_size) steps;
    (N, C, L) -> (N, C, L_out) with L_out as for :func:`conv1d`; padding is -inf."""
    return _pool(1, "max_pool1d", input, kernel_size, stride, padding, dilation, "max")


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1) -> Tensor:
    """2-D max pooling, (N, C, H, W) -> (N, C, H_out, W_out)."""
    return _pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, "max")


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Mean over windows (zero padding included in the count, PyTorch's default)."""
    return _pool(1, "avg_pool1d", input, kernel_size, stride, padding, 1, "avg")
