"""The recurrent weight in column blocks (kernels/blocks.py): the width rule, the blocks'
layout, products equal to the whole product, and layers whose results do not depend on
whether their step products were cut into blocks."""

from __future__ import annotations

import numpy as np
import pytest

from minigru import parallel
from minigru.kernels import active as A
from minigru.kernels.blocks import (
    SMALL_PRODUCT,
    block_width,
    blocks_product,
    column_blocks,
)
from minigru.kernels.gru import gru_backward, gru_forward
from minigru.kernels.lstm import lstm_backward, lstm_forward
from minigru.kernels.rnn import rnn_backward, rnn_forward


@pytest.mark.parametrize("rows, k, n, width", [
    (32, 128, 384, 192),     # (a) forward, both directions of (e)
    (32, 384, 128, 64),      # (a) backward
    (16, 256, 768, 192),     # (b) forward, half the batch
    (16, 768, 256, 64),      # (b) backward, half the batch
    (32, 768, 256, 32),      # 64 columns would make 1.57e6 multiply-adds
    (16, 128, 384, 384),     # 786,432 <= 1e6: the whole product takes the small path already
    (64, 512, 1536, 16),     # 32 columns would make 1.05e6
    (32, 1536, 512, 16),     # (c) backward, half the batch
    (64, 1536, 512, 512),    # even 16 columns are 1.57e6: the weight stays whole
])
def test_block_width_is_the_widest_multiple_of_64_or_32_or_16_under_the_limit(rows, k, n,
                                                                             width):
    assert block_width(rows, k, n, True) == width
    assert block_width(rows, k, n, False) == n
    if width < n:
        assert rows * k * width <= SMALL_PRODUCT
        assert rows * k * (width + 64) > SMALL_PRODUCT or width in (32, 16)
        assert rows * k * 2 * width > SMALL_PRODUCT or width >= 64
    else:
        assert rows * k * n <= SMALL_PRODUCT or rows * k * 16 > SMALL_PRODUCT


def test_column_blocks_hold_the_columns_in_order_and_pad_the_last_with_zeros():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((256, 700)).astype(np.float32)
    blocks = column_blocks(w, 16, True)
    c = block_width(16, 256, 700, True)
    assert c == 192 and blocks.shape == (4, 256, 192)
    for b in range(4):
        width = min(c, 700 - b * c)
        np.testing.assert_array_equal(blocks[b, :, :width], w[:, b * c:b * c + width])
        assert np.all(blocks[b, :, width:] == 0)


@pytest.mark.parametrize("dtype, cut", [(np.float32, False), (np.float64, True),
                                        (np.float64, False)])
def test_the_weight_stays_whole_as_a_view_unless_float32_on_one_thread(dtype, cut):
    w = np.ones((256, 768), dtype=dtype)
    blocks = column_blocks(w, 16, cut)
    assert blocks.shape == (1, 256, 768) and np.shares_memory(blocks, w)


@pytest.mark.parametrize("rows, k, n", [(16, 256, 768), (16, 256, 700), (32, 384, 128),
                                        (7, 600, 333), (32, 1536, 500)])
def test_blocks_product_is_the_whole_product(rows, k, n):
    rng = np.random.default_rng(rows + n)
    a = rng.standard_normal((rows, k)).astype(np.float32)
    w = rng.standard_normal((k, n)).astype(np.float32)
    blocks = column_blocks(w, rows, True)
    assert blocks.shape[0] > 1
    want = a.astype(np.float64) @ w.astype(np.float64)
    for product in (blocks_product, blocks_product.py_func):
        out = np.full((rows, n), np.nan, dtype=np.float32)
        product(a, blocks, out)
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4 * np.sqrt(k))


def test_rows_product_with_blocks_writes_only_the_active_rows():
    rng = np.random.default_rng(1)
    B, K, N = 16, 256, 768
    lengths = np.array([5, 1, 3, 5, 2, 4, 5, 1, 2, 3, 4, 5, 1, 1, 2, 5], dtype=np.int64)
    a = rng.standard_normal((B, K)).astype(np.float32)
    w = rng.standard_normal((K, N)).astype(np.float32)
    blocks = column_blocks(w, B, True)
    assert blocks.shape[0] == 4
    rows = np.empty(B, dtype=np.int64)
    n = A.active_rows(lengths, 2, rows)
    out = np.full((B, N), 7.0, dtype=np.float32)
    A.rows_product(a, blocks, out, rows, n, np.empty((B, K), np.float32),
                   np.empty((B, N), np.float32))
    active = 2 < lengths
    want = a.astype(np.float64) @ w.astype(np.float64)
    np.testing.assert_allclose(out[active], want[active], rtol=1e-5, atol=1e-3)
    assert np.all(out[~active] == 7.0)


def _inputs(T, B, n_in, H, gates, seed):
    rng = np.random.default_rng(seed)
    f = np.float32
    s = 1.0 / np.sqrt(H)
    return dict(
        x=rng.standard_normal((T, B, n_in)).astype(f),
        w_ih=rng.uniform(-s, s, (gates * H, n_in)).astype(f),
        w_hh=rng.uniform(-s, s, (gates * H, H)).astype(f),
        b_ih=rng.uniform(-s, s, gates * H).astype(f),
        b_hh=rng.uniform(-s, s, gates * H).astype(f),
        h0=rng.standard_normal((B, H)).astype(f) * 0.5,
        lengths=rng.integers(1, T + 1, B).astype(np.int64),
        dy=rng.standard_normal((T, B, H)).astype(f))


def _gru(p, blocks, reset_after):
    T, B, _ = p["x"].shape
    y = np.empty((T, B, p["h0"].shape[1]), np.float32)
    rows = np.arange(B)
    h_n, h_prev, gates, q = gru_forward(p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"],
                                        p["h0"], p["lengths"], False, reset_after, y, 0, rows,
                                        blocks)
    grads = gru_backward(p["dy"], 0, rows, np.ones_like(h_n), p["x"], p["w_ih"], p["w_hh"],
                         h_prev, gates, q, p["lengths"], False, reset_after, True, blocks)
    return (y, h_n) + tuple(grads)


def _lstm(p, blocks):
    T, B, _ = p["x"].shape
    y = np.empty((T, B, p["h0"].shape[1]), np.float32)
    c0 = p["h0"][::-1].copy()
    h_n, c_n, h_prev, c_prev, gates, k = lstm_forward(
        p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"], p["h0"], c0, p["lengths"], True,
        y, 0, np.arange(B), blocks)
    grads = lstm_backward(p["dy"], 0, np.arange(B), np.ones_like(h_n), np.ones_like(c_n),
                          p["x"], p["w_ih"], p["w_hh"], h_prev, c_prev, gates, k, p["lengths"],
                          True, True, blocks)
    return (y, h_n, c_n) + tuple(grads)


def _rnn(p, blocks):
    T, B, _ = p["x"].shape
    y = np.empty((T, B, p["h0"].shape[1]), np.float32)
    h_n, h_prev = rnn_forward(p["x"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"], p["h0"],
                              p["lengths"], False, False, y, 0, np.arange(B), blocks)
    grads = rnn_backward(p["dy"], np.ones_like(h_n), p["x"], p["w_ih"], p["w_hh"], y, 0,
                         np.arange(B), h_prev, p["lengths"], False, False, True, blocks)
    return (y, h_n) + tuple(grads)


@pytest.mark.parametrize("kind", ["gru", "gru_reset_before", "lstm", "rnn"])
def test_layers_give_the_same_results_with_and_without_blocks(kind):
    """A batch of 16 with H = 256 cuts every step product into blocks (the RNN's 16 x 256 x 256
    product is small already, so H = 512 for it); with ragged lengths, so that padded steps
    take the rows_product path with its partial blocks too."""
    H = 512 if kind == "rnn" else 256
    gates = {"gru": 3, "gru_reset_before": 3, "lstm": 4, "rnn": 1}[kind]
    p = _inputs(6, 16, 24, H, gates, seed=3)
    assert column_blocks(np.ascontiguousarray(p["w_hh"].T), 16, True).shape[0] > 1
    run = {"gru": lambda b: _gru(p, b, True), "gru_reset_before": lambda b: _gru(p, b, False),
           "lstm": lambda b: _lstm(p, b), "rnn": lambda b: _rnn(p, b)}[kind]
    whole, cut = run(False), run(True)
    assert len(whole) == len(cut)
    for a, b in zip(whole, cut, strict=True):
        scale = max(float(np.abs(a).max()), 1.0)
        np.testing.assert_allclose(b, a, rtol=0, atol=2e-5 * scale)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gives_the_same_results_with_blocks_of_16_columns(reset_after):
    """A half of shape (c), 32 sequences of 512 units: the backward product (32, 1536) @
    (1536, 512) is cut into blocks of 16 columns, the forward one into blocks of 32."""
    p = _inputs(4, 32, 24, 512, 3, seed=5)
    assert column_blocks(np.ascontiguousarray(p["w_hh"]), 32, True).shape[1:] == (1536, 16)
    assert column_blocks(np.ascontiguousarray(p["w_hh"].T), 32, True).shape[1:] == (512, 32)
    whole, cut = _gru(p, False, reset_after), _gru(p, True, reset_after)
    for a, b in zip(whole, cut, strict=True):
        scale = max(float(np.abs(a).max()), 1.0)
        np.testing.assert_allclose(b, a, rtol=0, atol=2e-5 * scale)


def test_products_run_on_one_thread_inside_a_pair_and_with_one_blas_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        assert parallel.products_on_one_thread()
    if not parallel._blas():
        pytest.skip("threadpoolctl finds no BLAS library here")
    with threadpool_limits(2, user_api="blas"):
        assert not parallel.products_on_one_thread()
        parallel.set_pairing(True)
        try:
            if not parallel.pairs_run_at_once():
                pytest.skip("this machine gives the process one core: pairs run one after "
                            "the other")
            inside = parallel.run_pair(parallel.products_on_one_thread,
                                       parallel.products_on_one_thread)
            assert inside == (True, True)
        finally:
            parallel.set_pairing(None)
