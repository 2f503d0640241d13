"""Paired recurrent nodes: two independent pieces of recurrent work run at once, one per core
(:func:`minigru.parallel.run_pair`), as one node of the graph.

- ``BothDirections``: the two directions of one bidirectional layer.
- ``BatchHalves``: one unidirectional layer, its batch cut in two halves (dealt by length,
  :func:`deal`).
- ``StackHalves``: every layer of a unidirectional stack, its batch cut the same way, each
  half's whole stack on one thread.

Each piece is a call of a layer node's own ``forward`` and ``backward`` (``GRULayer``,
``LSTMLayer`` or ``RNNLayer`` of ``ops/recurrent.py``, passed in as ``layer``) on a context
of its own, so the pieces compute exactly what the layer computes on their rows or columns;
these nodes only cut the work, hand it out and put the results together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..autograd import Context, Function
from ..parallel import run_pair
from .layers import dropout_mask


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a)


def needs_dx(ctx: Context) -> bool:
    """Whether input 0 (x) needs its gradient; a node run inside ``BothDirections`` is told
    by it (its own context records no inputs)."""
    return not ctx.needs_input_grad or bool(ctx.needs_input_grad[0])


def _pieces(ctx: Context, layer: type[Function]) -> tuple[Context, Context]:
    """The contexts of the two pieces of a paired node (``BothDirections``, ``BatchHalves``),
    each told whether x needs its gradient (their own contexts record no inputs)."""
    pieces = (Context(layer, ()), Context(layer, ()))
    for piece in pieces:
        piece.needs_input_grad = (needs_dx(ctx),)
    return pieces


def _filled(layer: type[Function], grads: tuple, metas: Sequence[tuple]) -> tuple:
    """The incoming gradients of a paired node, with zeros of the recorded (shape, dtype) in
    place of the missing ones when ``layer`` wants every gradient (``materialize_grads``)."""
    if not layer.materialize_grads:
        return grads
    return tuple(np.zeros(*meta) if g is None else g
                 for g, meta in zip(grads, metas, strict=True))


class BothDirections(Function):
    """Both directions of one bidirectional layer as one node:
    (x, *params_forward, *params_reverse) -> (y, *states_forward, *states_reverse), where
    ``layer`` is ``GRULayer``, ``LSTMLayer`` or ``RNNLayer``, each direction's params are
    that Function's inputs after x, and its outputs after y follow y. y (T, B, 2H) is the
    layer's output: the forward direction's outputs in columns 0 ... H-1, the reverse's in
    H ... 2H-1, each written there by its kernel. The two directions run at once in forward
    and in backward (:func:`minigru.parallel.run_pair`), both reading dL/dy from the one
    array at their own columns; dL/dx is the sum of the two directions' dx.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, *params, layer: type[Function], **options):
        half = len(params) // 2
        H = params[0].shape[1]
        y = np.empty(x.shape[:2] + (2 * H,), x.dtype)
        ctx_f, ctx_r = _pieces(ctx, layer)
        out_f, out_r = run_pair(
            lambda: layer.forward(ctx_f, x, *params[:half], reverse=False, out=y, col=0,
                                  **options),
            lambda: layer.forward(ctx_r, x, *params[half:], reverse=True, out=y, col=H,
                                  **options))
        ctx.save_for_backward(ctx_f, ctx_r)
        ctx.layer = layer
        ctx.n_states = len(out_f) - 1
        ctx.out_meta = [(y.shape, y.dtype)] + [(o.shape, o.dtype) for o in out_f[1:]] * 2
        return (y,) + tuple(out_f[1:]) + tuple(out_r[1:])

    @staticmethod
    def backward(ctx: Context, *grads):
        ctx_f, ctx_r = ctx.saved_tensors
        layer, k = ctx.layer, ctx.n_states
        dy, *states = _filled(layer, grads, ctx.out_meta)
        g_f, g_r = run_pair(lambda: layer.backward(ctx_f, dy, *states[:k]),
                            lambda: layer.backward(ctx_r, dy, *states[k:]))
        dx = None if g_f[0] is None else g_f[0] + g_r[0]
        return (dx,) + tuple(g_f[1:]) + tuple(g_r[1:])


class BatchHalves(Function):
    """One layer and direction with its batch cut in two, the halves run at once:
    (x, *states, w_ih, w_hh, b_ih, b_hh) -> the outputs of ``layer`` (``GRULayer``,
    ``LSTMLayer`` or ``RNNLayer``; ``layer.states`` is how many initial states follow x).

    The sequences of a batch do not interact, so any two sets of rows that cover the batch
    are two independent layers with the same weights (:func:`minigru.parallel.run_pair` runs
    them, one per core). The rows are dealt like cards: sorted by length, longest first (ties
    in batch order), the 1st, 3rd, 5th, ... go to one half and the others to the other, each
    half keeping batch order. Both halves then have nearly the same lengths, and so the same
    work, where contiguous halves of a batch of mixed lengths could leave one core waiting for
    the other. Each half's kernel writes its outputs into its own rows of the layer's one
    (T, B, H) output y, and reads dL/dy from the same rows of the one gradient
    (``kernels/timeloop.py``), so neither is copied. The other outputs are put back in batch
    order (``layer.batch_axes``: axis 1 of the GRU's gates, axis 0 of the final states), and
    in backward so are dx and the state gradients, while each weight gradient, a sum over
    every (t, b) row, is the sum of the two halves' sums:

        dW = sum_{t, b in A} g_tb v_tb^T + sum_{t, b in B} g_tb v_tb^T

    The same values as the whole layer, to rounding (two sums added, products over half the
    rows). ``unread`` lists outputs that nothing reads (the GRU's gates when no one asked for
    them): they are not put together, and come out as empty arrays.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, *params, layer: type[Function], lengths: np.ndarray,
                unread: tuple[int, ...] = (), **options):
        k = layer.states
        halves = deal(lengths)
        ctxs = _pieces(ctx, layer)
        y = np.empty(x.shape[:2] + (params[k + 1].shape[1],), x.dtype)

        def run(i: int):
            rows = halves[i]
            args = ([np.take(x, rows, axis=1)] + [np.take(p, rows, axis=0) for p in params[:k]]
                    + list(params[k:]))
            return layer.forward(ctxs[i], *args, lengths=lengths[rows], out=y, rows=rows,
                                 **options)

        out_a, out_b = run_pair(lambda: run(0), lambda: run(1))
        ctx.save_for_backward(*ctxs)
        ctx.layer, ctx.halves = layer, halves
        metas, rest = _joined(out_a, out_b, layer, halves, unread)
        ctx.out_meta = [(y.shape, y.dtype), *metas]
        return (y, *rest)

    @staticmethod
    def backward(ctx: Context, *grads):
        ctx_a, ctx_b = ctx.saved_tensors
        layer, halves, k = ctx.layer, ctx.halves, ctx.layer.states
        grads = _filled(layer, grads, ctx.out_meta)
        cut = [(None, None) if g is None or g.size == 0 else (_c(g),) * 2 if i == 0 else
               (np.take(g, halves[0], axis=ax), np.take(g, halves[1], axis=ax))
               for i, (g, ax) in enumerate(zip(grads, layer.batch_axes, strict=True))]
        g_a, g_b = run_pair(lambda: layer.backward(ctx_a, *(c[0] for c in cut)),
                            lambda: layer.backward(ctx_b, *(c[1] for c in cut)))
        dx = None if g_a[0] is None else _batch_order(g_a[0], g_b[0], halves, 1)
        return (dx, *_joined_grads(g_a, g_b, k, halves))


class StackHalves(Function):
    """Every layer of a unidirectional stack with its batch cut in two, each half's whole stack
    run on one thread: (x, *params_0, ..., *params_{L-1}) -> (y, *rest_0, ..., *rest_{L-1}),
    where ``params_l`` are layer l's inputs after x in ``layer``'s order (``layer.states``
    initial states, then w_ih, w_hh, b_ih, b_hh), ``rest_l`` its outputs after y, in batch
    order, and y (T, B, H) is the top layer's output.

    ``BatchHalves`` applied to each layer in turn meets the other thread once per layer in
    forward and once in backward, and puts every layer's output (and in backward its dx) back
    in batch order, only for the next layer to cut it again. The rows of the halves are the
    same at every layer (:func:`deal` reads only the lengths), so here a half's layer l reads
    its own layer l-1's (T, B/2, H) output as it lies, and in backward layer l-1 reads layer
    l's dx as it lies: one hand-off in forward and one in backward for the whole stack, and
    only y, dx, the final states and their gradients are put in batch order.

    Dropout between layers (``dropout`` p > 0): the mask of layer l's output is drawn for the
    whole batch before the halves run, from ``rng`` in layer order, as
    :func:`~minigru.ops.layers.dropout_mask` draws it for ``ops.layers.dropout``, and each
    half multiplies its rows of it: u = y_l m_l in forward, dL/dy_l = (dL/du) m_l in backward.
    So the numbers, and what is drawn from ``rng``, are those of the layers run one by one as
    ``BatchHalves`` with ``dropout`` between them, bit for bit; and the weight gradients are
    each the sum of the two halves' sums, as there.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, *params, layer: type[Function], num_layers: int,
                lengths: np.ndarray, dropout: float = 0.0,
                rng: np.random.Generator | None = None, unread: tuple[int, ...] = (),
                **options):
        B, k, L = x.shape[1], layer.states, num_layers
        per = k + 4
        groups = [params[i * per:(i + 1) * per] for i in range(L)]
        halves = deal(lengths)
        T, H = x.shape[0], groups[0][k + 1].shape[1]
        masks = [dropout_mask((T, B, H), dropout, x.dtype, rng) if dropout > 0 else None
                 for _ in range(L - 1)]
        cuts = [[_rows_of(m, rows) for m in masks] for rows in halves]
        ctxs = [[Context(layer, ()) for _ in range(L)] for _ in halves]
        for half in ctxs:
            half[0].needs_input_grad = (needs_dx(ctx),)
            for piece in half[1:]:
                piece.needs_input_grad = (True,)
        y = np.empty((T, B, H), x.dtype)

        def run(i: int) -> list:
            rows, outs = halves[i], []
            inp = np.take(x, rows, axis=1)
            for l_, group in enumerate(groups):
                top = l_ == L - 1
                states = [np.take(s, rows, axis=0) for s in group[:k]]
                out = layer.forward(ctxs[i][l_], inp, *states, *group[k:],
                                    lengths=lengths[rows], out=y if top else None,
                                    rows=rows if top else None, **options)
                outs.append(out)
                if not top:
                    m = cuts[i][l_]
                    inp = out[0] if m is None else out[0] * m
            return outs

        outs_a, outs_b = run_pair(lambda: run(0), lambda: run(1))
        ctx.save_for_backward(*ctxs)
        ctx.layer, ctx.halves, ctx.masks = layer, halves, cuts
        rest, metas = [], [(y.shape, y.dtype)]
        for out_a, out_b in zip(outs_a, outs_b, strict=True):
            layer_metas, layer_rest = _joined(out_a, out_b, layer, halves, unread)
            metas += layer_metas
            rest += layer_rest
        ctx.out_meta = metas
        return (y, *rest)

    @staticmethod
    def backward(ctx: Context, *grads):
        ctxs = ctx.saved_tensors
        layer, halves, cuts = ctx.layer, ctx.halves, ctx.masks
        k, L = layer.states, len(ctxs[0])
        dy, *rest = _filled(layer, grads, ctx.out_meta)
        n_rest = len(layer.batch_axes) - 1
        per_layer = [rest[i * n_rest:(i + 1) * n_rest] for i in range(L)]
        dy = None if dy is None else _c(dy)

        def cut(i: int, l_: int) -> list:
            return [None if g is None or g.size == 0 else np.take(g, halves[i], axis=ax)
                    for g, ax in zip(per_layer[l_], layer.batch_axes[1:], strict=True)]

        def run(i: int) -> list:
            results: list = [None] * L
            g = dy
            for l_ in reversed(range(L)):
                results[l_] = layer.backward(ctxs[i][l_], g, *cut(i, l_))
                if l_ > 0:
                    m = cuts[i][l_ - 1]
                    g = results[l_][0] if m is None else results[l_][0] * m
            return results

        res_a, res_b = run_pair(lambda: run(0), lambda: run(1))
        dx = None if res_a[0][0] is None else _batch_order(res_a[0][0], res_b[0][0], halves, 1)
        out = [dx]
        for g_a, g_b in zip(res_a, res_b, strict=True):
            out += _joined_grads(g_a, g_b, k, halves)
        return tuple(out)


def _joined(out_a: Sequence, out_b: Sequence, layer: type[Function],
            halves: tuple[np.ndarray, np.ndarray], unread: tuple[int, ...]
            ) -> tuple[list[tuple], list[np.ndarray]]:
    """A layer's outputs after y from its two halves' outputs: (the whole batch's (shape,
    dtype) of each, each in batch order along its axis of ``layer.batch_axes``, or an empty
    array for an output listed in ``unread``)."""
    B = len(halves[0]) + len(halves[1])
    metas, arrays = [], []
    for i, (a, b, ax) in enumerate(zip(out_a, out_b, layer.batch_axes, strict=True)):
        if i == 0:
            continue
        metas.append((a.shape[:ax] + (B,) + a.shape[ax + 1:], a.dtype))
        arrays.append(np.empty(0, a.dtype) if i in unread else _batch_order(a, b, halves, ax))
    return metas, arrays


def _joined_grads(g_a: Sequence, g_b: Sequence, k: int,
                  halves: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """A layer's gradients after dx from its two halves' (dx, k state gradients, weight
    gradients): the state gradients in batch order, then each weight gradient as the sum of
    the two halves' sums."""
    states = [_batch_order(a, b, halves, 0) for a, b in zip(g_a[1:1 + k], g_b[1:1 + k],
                                                             strict=True)]
    return states + [a + b for a, b in zip(g_a[1 + k:], g_b[1 + k:], strict=True)]


def _rows_of(mask: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """A half's rows (axis 1) of a (T, B, H) dropout mask; a 0-d mask (p = 1) or None as it is."""
    return mask if mask is None or mask.ndim == 0 else mask[:, rows]


def deal(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the two halves of a batch, dealt by length (``BatchHalves``): sorted
    longest first, ties in batch order, the even places to the first half and the odd places
    to the second, each half in batch order."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return np.sort(order[0::2]), np.sort(order[1::2])


def _batch_order(a: np.ndarray, b: np.ndarray, halves: tuple[np.ndarray, np.ndarray],
                 axis: int) -> np.ndarray:
    """The rows of a and b, halves ``halves[0]`` and ``halves[1]`` of a batch along ``axis``,
    put back in batch order."""
    shape = list(a.shape)
    shape[axis] = a.shape[axis] + b.shape[axis]
    out = np.empty(shape, dtype=a.dtype)
    lead = (slice(None),) * axis
    out[lead + (halves[0],)] = a
    out[lead + (halves[1],)] = b
    return out
