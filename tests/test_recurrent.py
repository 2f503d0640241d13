"""Fused GRU / LSTM / RNN layers: gradchecks, the composed cells as oracle, lengths, stepping."""

import itertools
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minigru as mg
from minigru import nn

KINDS = ["gru", "lstm", "rnn"]
I, H, T, B = 3, 4, 5, 3
LENGTHS = np.array([5, 1, 3])  # a full-length, a length-1 and a middle sequence


def make(kind, **kw):
    mg.manual_seed(0)
    if kind == "gru":
        return nn.GRU(I, H, **kw).double()
    if kind == "lstm":
        return nn.LSTM(I, H, **kw).double()
    if kind == "relu":
        return nn.RNN(I, H, nonlinearity="relu", **kw).double()
    return nn.RNN(I, H, **kw).double()


def flat(result):
    """(output, h_n) or (output, (h_n, c_n)) as a flat tuple."""
    out, state = result
    return (out,) + (tuple(state) if isinstance(state, tuple) else (state,))


def states(model, rng, batch=B):
    n = model.num_layers * model.num_directions
    h0 = mg.tensor(rng.standard_normal((n, batch, H)), requires_grad=True, dtype="float64")
    if isinstance(model, nn.LSTM):
        c0 = mg.tensor(rng.standard_normal((n, batch, H)), requires_grad=True, dtype="float64")
        return [h0, c0]
    return [h0]


def call(model, x, hs, lengths):
    h = tuple(hs) if isinstance(model, nn.LSTM) else hs[0]
    return flat(model(x, h, lengths=lengths))


GRID = list(itertools.product(KINDS, [1, 2], [False, True], [None, LENGTHS]))


@pytest.mark.parametrize("kind,layers,bidirectional,lengths", GRID,
                         ids=lambda v: "len" if isinstance(v, np.ndarray) else str(v))
def test_gradcheck_every_input_and_parameter(kind, layers, bidirectional, lengths):
    model = make(kind, num_layers=layers, bidirectional=bidirectional)
    rng = np.random.default_rng(layers * 10 + bidirectional)
    x = mg.tensor(rng.standard_normal((T, B, I)), requires_grad=True, dtype="float64")
    hs = states(model, rng)
    params = list(model.parameters())
    n_state = len(hs)
    assert mg.gradcheck(lambda x, *rest: call(model, x, rest[:n_state], lengths),
                        [x, *hs, *params])


@pytest.mark.parametrize("kind", KINDS + ["relu"])
def test_gradcheck_batch_first_without_bias(kind):
    model = make(kind, bias=False, batch_first=True, bidirectional=True)
    assert all("bias" not in n for n, _ in model.named_parameters())
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((B, T, I)), requires_grad=True, dtype="float64")
    hs = states(model, rng)
    n_state = len(hs)
    out = call(model, x, hs, LENGTHS)[0]
    assert out.shape == (B, T, 2 * H)
    assert mg.gradcheck(lambda x, *rest: call(model, x, rest[:n_state], LENGTHS),
                        [x, *hs, *model.parameters()])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("used", [0, 1, -1], ids=["output", "h_n", "last state"])
def test_gradcheck_bidirectional_with_one_output_used(kind, used):
    """A bidirectional stack whose loss reads only its output (no gradient reaches the final
    states), only h_n, or only the last state (c_n for the LSTM): the last layer's two
    directions write one output array and read their dL/dy from it, or from zeros when none
    arrives."""
    model = make(kind, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((T, B, I)), requires_grad=True, dtype="float64")
    hs = states(model, rng)
    n_state = len(hs)
    assert mg.gradcheck(lambda x, *rest: call(model, x, rest[:n_state], LENGTHS)[used],
                        [x, *hs, *model.parameters()])


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_gradcheck_gru_reset_before(layers, bidirectional):
    model = make("gru", num_layers=layers, bidirectional=bidirectional, reset_after=False)
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((T, B, I)), requires_grad=True, dtype="float64")
    hs = states(model, rng)
    assert mg.gradcheck(lambda x, h, *ps: call(model, x, [h], LENGTHS), [x, *hs,
                                                                    *model.parameters()])


# ---------------------------------------------------------------- composed cells as oracle

def cells_for(model):
    """One composed cell per layer and direction, sharing the fused model's Parameters."""
    cells = []
    for names in model._weight_names:
        if isinstance(model, nn.GRU):
            cell = nn.GRUCell(1, H, reset_after=model.reset_after)
        elif isinstance(model, nn.LSTM):
            cell = nn.LSTMCell(1, H)
        else:
            cell = nn.RNNCell(1, H, nonlinearity=model.nonlinearity)
        cell.input_size = getattr(model, names[0]).shape[1]
        for attr, name in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), names,
                              strict=True):
            if name is None:
                cell.register_parameter(attr, None)
            else:
                setattr(cell, attr, getattr(model, name))
        cells.append(cell)
    return cells


def unrolled(model, x, hs, lengths):
    """The same computation with the composed cells, one sequence and one step at a time."""
    cells = cells_for(model)
    D = model.num_directions
    lstm = isinstance(model, nn.LSTM)
    Tn, Bn = x.shape[0], x.shape[1]
    lengths = np.full(Bn, Tn) if lengths is None else lengths
    outs, h_last, c_last = [], [[None] * Bn for _ in cells], [[None] * Bn for _ in cells]
    for b in range(Bn):
        n = int(lengths[b])
        seq = [x[t, b] for t in range(n)]
        for layer in range(model.num_layers):
            dir_outs = []
            for d in range(D):
                k = layer * D + d
                h = hs[0][k, b]
                c = hs[1][k, b] if lstm else None
                order = range(n - 1, -1, -1) if d == 1 else range(n)
                ys = [None] * n
                for t in order:
                    if lstm:
                        h, c = cells[k](seq[t], (h, c))
                    else:
                        h = cells[k](seq[t], h)
                    ys[t] = h
                h_last[k][b], c_last[k][b] = h, c
                dir_outs.append(ys)
            seq = [mg.concat([o[t] for o in dir_outs], axis=0) if D == 2 else dir_outs[0][t]
                   for t in range(n)]
        pad = [mg.zeros(D * H, dtype="float64")] * (Tn - n)
        outs.append(mg.stack(seq + pad, axis=0))
    out = mg.stack(outs, axis=1)
    h_n = mg.stack([mg.stack(row, axis=0) for row in h_last], axis=0)
    if lstm:
        return out, h_n, mg.stack([mg.stack(row, axis=0) for row in c_last], axis=0)
    return out, h_n


def grads_of(outputs, inputs, weights):
    loss = mg.sum(outputs[0] * weights[0])
    for o, w in zip(outputs[1:], weights[1:], strict=True):
        loss = loss + mg.sum(o * w)
    return mg.grad(loss, inputs)


ORACLE = list(itertools.product(["gru", "gru_cho", "lstm", "rnn", "relu"], [1, 2],
                                [False, True], [None, LENGTHS]))


@pytest.mark.parametrize("kind,layers,bidirectional,lengths", ORACLE,
                         ids=lambda v: "len" if isinstance(v, np.ndarray) else str(v))
def test_fused_equals_composed_cells(kind, layers, bidirectional, lengths):
    if kind == "gru_cho":
        model = make("gru", num_layers=layers, bidirectional=bidirectional, reset_after=False)
    else:
        model = make(kind, num_layers=layers, bidirectional=bidirectional)
    rng = np.random.default_rng(7)
    x = mg.tensor(rng.standard_normal((T, B, I)), requires_grad=True, dtype="float64")
    hs = states(model, rng)
    params = list(model.parameters())
    fused = call(model, x, hs, lengths)
    ref = unrolled(model, x, hs, lengths)
    for a, b in zip(fused, ref, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=0, atol=1e-12)
    weights = [rng.standard_normal(o.shape) for o in fused]
    g_fused = grads_of(fused, [x, *hs, *params], weights)
    g_ref = grads_of(ref, [x, *hs, *params], weights)
    for a, b in zip(g_fused, g_ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- lengths and stepping

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_with_lengths_equals_each_sequence_alone(kind, bidirectional):
    model = make(kind, num_layers=2, bidirectional=bidirectional)
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((T, B, I)), requires_grad=True, dtype="float64")
    x.data[:, 1:][np.arange(T)[:, None] >= LENGTHS[None, 1:]] = 99.0  # padding is ignored
    hs = states(model, rng)
    params = list(model.parameters())
    batched = call(model, x, hs, LENGTHS)
    weights = [rng.standard_normal(o.shape) for o in batched]
    for o in batched[1:]:
        assert o.shape[1] == B
    g_batched = grads_of(batched, params, weights)
    g_sum = [np.zeros_like(p.data) for p in params]
    for b in range(B):
        n = LENGTHS[b]
        xb = mg.tensor(x.data[:n, b:b + 1], dtype="float64")
        hb = [mg.tensor(h.data[:, b:b + 1], dtype="float64") for h in hs]
        alone = call(model, xb, hb, None)
        np.testing.assert_allclose(batched[0].data[:n, b], alone[0].data[:, 0], atol=1e-13)
        assert np.all(batched[0].data[n:, b] == 0)
        for s_batched, s_alone in zip(batched[1:], alone[1:], strict=True):
            np.testing.assert_allclose(s_batched.data[:, b], s_alone.data[:, 0], atol=1e-13)
        w_alone = [weights[0][:n, b:b + 1]] + [w[:, b:b + 1] for w in weights[1:]]
        for acc, g in zip(g_sum, grads_of(alone, params, w_alone), strict=True):
            acc += g
    for a, b in zip(g_batched, g_sum, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_stepping_with_carried_state_equals_one_call(kind):
    model = make(kind, num_layers=2)
    rng = np.random.default_rng(9)
    x = mg.tensor(rng.standard_normal((T, B, I)), dtype="float64")
    whole = flat(model(x))
    state = None
    outs = []
    for t in range(T):
        out, state = model(x[t:t + 1], state)
        outs.append(out.data)
    np.testing.assert_allclose(np.concatenate(outs), whole[0].data, atol=1e-14)
    final = state if isinstance(state, tuple) else (state,)
    for a, b in zip(final, whole[1:], strict=True):
        np.testing.assert_allclose(a.data, b.data, atol=1e-14)


def test_one_graph_node_per_layer():
    """A unidirectional layer is one node; both directions of a bidirectional layer are one
    node too (they run at once: minigru.parallel), whose kernels write the layer's output in
    place: no node joins the two directions' outputs."""
    model = make("gru", num_layers=2, bidirectional=False)
    out, h = model(mg.tensor(np.ones((50, 2, I)), dtype="float64"))
    assert graph_kinds(out, h).count("GRULayer") == 2
    model = make("gru", num_layers=2, bidirectional=True)
    x = mg.tensor(np.ones((50, 2, I)), dtype="float64")
    out, h = model(x)
    kinds = graph_kinds(out, h)
    assert kinds.count("BothDirections") == 2
    assert "Concat" not in kinds
    assert len(kinds) < 25


def graph_kinds(*outputs) -> list[str]:
    """The Function name of every node the outputs depend on."""
    seen, stack, kinds = set(), [o._node for o in outputs], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        kinds.append(node.fn.__name__)
        stack.extend(t._node for t in node.inputs)
    return kinds


def test_float32_agrees_with_float64_and_runs_are_bit_identical():
    mg.manual_seed(1)
    m32 = nn.GRU(I, H, num_layers=2, bidirectional=True)
    m64 = nn.GRU(I, H, num_layers=2, bidirectional=True).double()
    m64.load_state_dict(m32.state_dict())
    rng = np.random.default_rng(10)
    x = rng.standard_normal((T, B, I))
    o32, _ = m32(mg.tensor(x.astype(np.float32)), lengths=LENGTHS)
    o64, _ = m64(mg.tensor(x), lengths=LENGTHS)
    assert o32.dtype == np.float32
    np.testing.assert_allclose(o32.data, o64.data, rtol=1e-5, atol=1e-6)
    runs = []
    for _ in range(2):
        xt = mg.tensor(x.astype(np.float32), requires_grad=True)
        out, h = m32(xt, lengths=LENGTHS)
        (out.sum() + h.sum()).backward()
        runs.append([xt.grad] + [p.grad.copy() for p in m32.parameters()])
        m32.zero_grad()
    for a, b in zip(*runs, strict=True):
        assert np.array_equal(a, b)


def test_dropout_between_layers_only_in_training():
    mg.manual_seed(2)
    model = nn.GRU(I, H, num_layers=2, dropout=0.5).double()
    x = mg.tensor(np.random.default_rng(0).standard_normal((T, B, I)))
    model.eval()
    a, _ = model(x)
    b, _ = model(x)
    assert np.array_equal(a.data, b.data)
    model.train()
    c, _ = model(x)
    assert not np.allclose(a.data, c.data)


def test_torch_parameter_names_and_shapes():
    model = nn.GRU(10, 20, num_layers=2, bidirectional=True)
    shapes = {n: p.shape for n, p in model.named_parameters()}
    assert list(shapes) == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
        "bias_hh_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
        "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse",
        "bias_hh_l1_reverse"]
    assert shapes["weight_ih_l0"] == (60, 10) and shapes["weight_ih_l1"] == (60, 40)
    assert shapes["weight_hh_l1_reverse"] == (60, 20) and shapes["bias_hh_l0"] == (60,)
    assert nn.LSTM(10, 20).weight_hh_l0.shape == (80, 20)
    assert nn.RNN(10, 20).weight_ih_l0.shape == (20, 10)
    bound = 1 / np.sqrt(20)
    assert all(np.abs(p.data).max() <= bound for p in model.parameters())


def test_gru_equations_by_hand():
    """One step of nn.GRU against the equations written out in NumPy."""
    model = make("gru")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 2, I))
    h = rng.standard_normal((1, 2, H))
    W, U = model.weight_ih_l0.data, model.weight_hh_l0.data
    b, c = model.bias_ih_l0.data, model.bias_hh_l0.data

    def sig(v):
        return 1 / (1 + np.exp(-v))

    gi, gh = x[0] @ W.T + b, h[0] @ U.T + c
    r = sig(gi[:, :H] + gh[:, :H])
    z = sig(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    expected = (1 - z) * n + z * h[0]
    out, h_n = model(mg.tensor(x), mg.tensor(h))
    np.testing.assert_allclose(out.data[0], expected, atol=1e-14)
    np.testing.assert_allclose(h_n.data[0], expected, atol=1e-14)


def test_kernels_run_without_jit(tmp_path):
    code = textwrap.dedent("""
        import numpy as np, minigru as mg
        mg.manual_seed(0)
        out = []
        for m in (mg.nn.GRU(3, 4, bidirectional=True), mg.nn.GRU(3, 4, reset_after=False),
                  mg.nn.LSTM(3, 4), mg.nn.RNN(3, 4, nonlinearity="relu")):
            m.double()
            x = mg.tensor(np.linspace(-1, 1, 30).reshape(5, 2, 3), requires_grad=True)
            y = m(x, lengths=[5, 2])[0]
            (y * y).sum().backward()
            out += [y.data.ravel(), x.grad.ravel()] + [p.grad.ravel() for p in m.parameters()]
        np.save(__import__("sys").argv[1], np.concatenate(out))
    """)
    results = []
    for disable in ("0", "1"):
        path = str(tmp_path / f"jit_{disable}.npy")
        env = dict(os.environ, NUMBA_DISABLE_JIT=disable)
        subprocess.run([sys.executable, "-c", code, path], check=True, env=env)
        results.append(np.load(path))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("kind", KINDS)
def test_bad_input(kind):
    model = make(kind)
    x = mg.zeros(T, B, I, dtype="float64")
    with pytest.raises(ValueError, match=r"input_size 3.*\(5, 3, 7\)"):
        model(mg.zeros(T, B, 7, dtype="float64"))
    with pytest.raises(ValueError, match="input must be"):
        model(mg.zeros(2, T, B, I, dtype="float64"))
    with pytest.raises(TypeError, match="floating point"):
        model(mg.tensor(np.zeros((T, B, I), dtype=np.int64)))
    with pytest.raises(TypeError, match="float32"):
        model(mg.zeros(T, B, I))
    with pytest.raises(ValueError, match=r"h0 must have shape \(1, 3, 4\)"):
        model(x, mg.zeros(1, 2, H, dtype="float64"))
    with pytest.raises(ValueError, match="one length per sequence"):
        model(x, lengths=[5, 5])
    with pytest.raises(ValueError, match=r"lengths must be in \[1, 5\]"):
        model(x, lengths=[5, 0, 2])
    with pytest.raises(ValueError, match=r"lengths must be in \[1, 5\]"):
        model(x, lengths=[6, 1, 2])
    with pytest.raises(TypeError, match="lengths"):
        model(x, lengths=[5.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        model(mg.zeros(0, B, I, dtype="float64"))
    bad = x.data.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model(mg.tensor(bad))
    with pytest.raises(ValueError, match="NaN"):                  # within sequence 0's length
        model(mg.tensor(bad), lengths=[1, 5, 5])
    bad[0, 0, 0] = 0.0
    bad[4, 1, 2] = np.inf                                           # padding: never read
    out, _ = model(mg.tensor(bad), lengths=[5, 4, 5])
    assert np.all(np.isfinite(out.data))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_size"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=2.0)


def test_unbatched_input():
    model = make("lstm", num_layers=2)
    x = np.random.default_rng(12).standard_normal((T, I))
    out, (h, c) = model(mg.tensor(x))
    assert out.shape == (T, H) and h.shape == (2, H) and c.shape == (2, H)
    batched, _ = model(mg.tensor(x[:, None, :]))
    np.testing.assert_allclose(out.data, batched.data[:, 0])


def test_cells_bad_input_and_unbatched():
    cell = nn.GRUCell(I, H).double()
    with pytest.raises(ValueError, match="input must be"):
        cell(mg.zeros(2, 7, dtype="float64"))
    with pytest.raises(ValueError, match="hx must have shape"):
        cell(mg.zeros(2, I, dtype="float64"), mg.zeros(3, H, dtype="float64"))
    assert cell(mg.zeros(I, dtype="float64")).shape == (H,)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_an_input_without_grad_skips_dx_and_leaves_the_other_gradients(kind, bidirectional):
    """A first layer's features need no gradient: the kernels then skip dx = G W_ih, and every
    weight and state gradient is what it is when the input does ask for one."""
    model = make(kind, num_layers=2, bidirectional=bidirectional)
    rng = np.random.default_rng(11)
    data = rng.standard_normal((T, B, I))
    hs = states(model, rng)
    params = list(model.parameters())
    grads = []
    for needs in (True, False):
        x = mg.tensor(data, requires_grad=needs, dtype="float64")
        out = call(model, x, hs, LENGTHS)
        weights = [np.random.default_rng(12).standard_normal(o.shape) for o in out]
        grads.append(grads_of(out, [*hs, *params], weights))
        if not needs:
            assert x.grad is None
    for a, b in zip(*grads, strict=True):
        np.testing.assert_array_equal(a, b)
