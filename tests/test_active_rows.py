"""Products over the active rows only (kernels/active.py): the helpers' values, and what it
means for a layer: padding takes no part in any product, so whatever the padded steps of the
input hold (even NaN or inf), outputs and gradients are those of zero padding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigru as mg
from minigru.kernels import active as A
from minigru.kernels.blocks import column_blocks


def test_active_rows_lists_the_sequences_still_running_in_batch_order():
    lengths = np.array([3, 1, 5, 2, 5], dtype=np.int64)
    rows = np.full(5, -1, dtype=np.int64)
    assert A.active_rows(lengths, 0, rows) == 5 and rows.tolist() == [0, 1, 2, 3, 4]
    assert A.active_rows(lengths, 1, rows) == 4 and rows[:4].tolist() == [0, 2, 3, 4]
    assert A.active_rows(lengths, 2, rows) == 3 and rows[:3].tolist() == [0, 2, 4]
    assert A.active_rows(lengths, 4, rows) == 2 and rows[:2].tolist() == [2, 4]
    assert A.active_rows(lengths, 5, rows) == 0


@given(lengths=st.lists(st.integers(1, 6), min_size=1, max_size=7), t=st.integers(0, 6),
       dtype=st.sampled_from([np.float32, np.float64]))
@settings(max_examples=60, deadline=None)
def test_rows_product_writes_the_active_rows_and_leaves_the_others(lengths, t, dtype):
    lengths = np.array(lengths, dtype=np.int64)
    B, K, N = len(lengths), 5, 4
    rng = np.random.default_rng(B * 10 + t)
    a = rng.standard_normal((B, K)).astype(dtype)
    w = rng.standard_normal((K, N)).astype(dtype)
    out = np.full((B, N), 7.0, dtype=dtype)
    rows = np.empty(B, dtype=np.int64)
    n = A.active_rows(lengths, t, rows)
    blocks = column_blocks(w, B, True)
    A.rows_product(a, blocks, out, rows, n, np.empty((B, K), dtype), np.empty((B, N), dtype))
    active = t < lengths
    want = a.astype(np.float64) @ w.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out[active], want[active], rtol=tol, atol=tol)
    assert np.all(out[~active] == 7.0)


def test_valid_rows_and_back():
    lengths = np.array([2, 4, 1], dtype=np.int64)
    T, B, C = 4, 3, 2
    a = np.arange(T * B * C, dtype=np.float64).reshape(T, B, C)
    pos = A.valid_positions(lengths, T)
    assert pos.tolist() == [0, 1, 2, 3, 4, 7, 10]        # t * B + b with t < lengths[b]
    rows = A.valid_rows(a, pos)
    np.testing.assert_array_equal(rows, a.reshape(T * B, C)[pos])
    back = A.from_valid_rows(rows, pos, T, B)
    mask = np.arange(T)[:, None] < lengths[None, :]
    np.testing.assert_array_equal(back[mask], a[mask])
    assert np.all(back[~mask] == 0)


def test_valid_rows_of_an_unpadded_batch_is_a_view():
    a = np.ones((3, 2, 4))
    pos = A.valid_positions(np.array([3, 3], dtype=np.int64), 3)
    assert pos.shape == (6,) and np.shares_memory(A.valid_rows(a, pos), a)


@pytest.mark.parametrize("kind", ["gru", "gru_cho", "lstm", "rnn"])
@pytest.mark.parametrize("poison", [np.nan, np.inf, 1e30])
def test_whatever_the_padding_holds_gives_the_results_of_zero_padding(kind, poison):
    mg.manual_seed(0)
    cls = {"gru": mg.nn.GRU, "gru_cho": mg.nn.GRU, "lstm": mg.nn.LSTM, "rnn": mg.nn.RNN}[kind]
    kw = {"reset_after": False} if kind == "gru_cho" else {}
    model = cls(3, 5, num_layers=2, bidirectional=True, **kw).double()
    T, B = 6, 4
    lengths = np.array([6, 2, 4, 1])
    pad = np.arange(T)[:, None] >= lengths[None, :]
    rng = np.random.default_rng(1)
    clean = rng.standard_normal((T, B, 3))
    clean[pad] = 0.0
    poisoned = clean.copy()
    poisoned[pad] = poison
    results = []
    for data in (clean, poisoned):
        x = mg.tensor(data, requires_grad=True, dtype="float64")
        out, _ = model(x, lengths=lengths)
        for p in model.parameters():
            p.grad = None
        (out * mg.tensor(np.linspace(-1, 1, out.size).reshape(out.shape))).sum().backward()
        results.append([out.data, x.grad] + [p.grad for p in model.parameters()])
    for a, b in zip(*results, strict=True):
        assert np.all(np.isfinite(b))
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)


@given(kind=st.sampled_from(["gru", "gru_cho", "lstm", "rnn"]),
       lengths=st.lists(st.integers(1, 5), min_size=1, max_size=5), extra=st.integers(0, 2),
       bidirectional=st.booleans())
@settings(max_examples=25, deadline=None)
def test_any_lengths_give_each_sequence_alone(kind, lengths, extra, bidirectional):
    """Any order of lengths, including steps where no sequence is active (T beyond the longest):
    outputs, final states and weight gradients equal each sequence run alone, to 1e-12."""
    mg.manual_seed(0)
    cls = {"gru": mg.nn.GRU, "gru_cho": mg.nn.GRU, "lstm": mg.nn.LSTM, "rnn": mg.nn.RNN}[kind]
    kw = {"reset_after": False} if kind == "gru_cho" else {}
    model = cls(2, 3, bidirectional=bidirectional, **kw).double()
    lengths = np.array(lengths)
    T, B = int(lengths.max()) + extra, len(lengths)
    rng = np.random.default_rng(T * 10 + B)
    x = rng.standard_normal((T, B, 2))
    w = rng.standard_normal((T, B, model.num_directions * 3))
    params = list(model.parameters())

    def run(xs, lens, ws):
        out, state = model(mg.tensor(xs, dtype="float64"), lengths=lens)
        h = state[0] if isinstance(state, tuple) else state
        loss = (out * mg.tensor(ws)).sum() + h.sum()
        return out.data, h.data, mg.grad(loss, params)

    out, h, grads = run(x, lengths, w)
    total = [np.zeros_like(p.data) for p in params]
    for b, n in enumerate(lengths):
        out_b, h_b, grads_b = run(x[:n, b:b + 1], None, w[:n, b:b + 1])
        np.testing.assert_allclose(out[:n, b], out_b[:, 0], rtol=0, atol=1e-12)
        assert np.all(out[n:, b] == 0)
        np.testing.assert_allclose(h[:, b], h_b[:, 0], rtol=0, atol=1e-12)
        for acc, g in zip(total, grads_b, strict=True):
            acc += g
    for a, b in zip(grads, total, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-11)
