"""Two pieces of work at once (minigru.parallel): the directions of a bidirectional layer run
on two threads, give the same numbers bit for bit as one after the other, and leave the BLAS
settings as they found them."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import minigru as mg
from minigru import nn, parallel


@pytest.fixture
def pairing():
    """Set pairing on or off inside a test, with the BLAS libraries at two threads (an earlier
    test may have left them at one, as ``--threads 1`` does); afterwards the automatic choice
    and the thread counts as they were."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(2, user_api="blas"):
        yield parallel.set_pairing
    parallel.set_pairing(None)


def require_pairs() -> None:
    """Skip, saying why, where this machine cannot run a pair at once."""
    if not parallel.pairs_run_at_once():
        pytest.skip("this machine gives the process one core (or Numba one thread): pairs "
                    "run one after the other")


def blas_threads() -> list[int]:
    return [lib.num_threads for lib in parallel._blas()]


def test_run_pair_returns_both_results_in_order(pairing):
    for enabled in (True, False):
        pairing(enabled)
        assert parallel.run_pair(lambda: "first", lambda: [2]) == ("first", [2])


def test_pieces_run_on_two_threads_with_one_blas_thread_each(pairing):
    pairing(True)
    require_pairs()
    before = blas_threads()
    seen = parallel.run_pair(lambda: (threading.get_ident(), blas_threads()),
                             lambda: (threading.get_ident(), blas_threads()))
    assert seen[0][0] == threading.get_ident() and seen[1][0] != seen[0][0]
    assert all(n == 1 for _, counts in seen for n in counts)
    assert blas_threads() == before


def test_an_error_in_either_piece_is_raised_and_settings_restored(pairing):
    pairing(True)
    before = blas_threads()

    def fails():
        raise ValueError("piece failed")

    for pieces in ((fails, lambda: 1), (lambda: 1, fails)):
        with pytest.raises(ValueError, match="piece failed"):
            parallel.run_pair(*pieces)
        assert blas_threads() == before


def test_a_pair_inside_a_pair_runs_in_order(pairing):
    pairing(True)
    inner = parallel.run_pair(lambda: parallel.run_pair(lambda: 1, lambda: 2), lambda: 3)
    assert inner == ((1, 2), 3)


def test_pairing_is_off_when_asked(pairing, monkeypatch):
    pairing(False)
    assert not parallel.pairs_run_at_once()
    pairing(None)
    monkeypatch.setenv("MINIGRU_PAIRS", "0")
    assert not parallel.pairs_run_at_once()
    with pytest.raises(TypeError, match="enabled"):
        parallel.set_pairing("yes")


def test_one_blas_thread_keeps_a_pair_on_one_core(pairing):
    """minigru train --threads 1 (threadpoolctl's limit) turns pairing off."""
    from threadpoolctl import threadpool_limits

    pairing(True)
    require_pairs()
    with threadpool_limits(1):
        assert not parallel.pairs_run_at_once()
    assert parallel.pairs_run_at_once()


def run_model(kind: str, dtype: str, lengths: np.ndarray, shape=(9, 4, 5, 16)
              ) -> list[np.ndarray]:
    """Outputs, h_n and every gradient of a 2-layer bidirectional model on a ragged batch;
    shape = (T, B, n_in, H)."""
    T, B, n_in, H = shape
    mg.manual_seed(3)
    cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[kind]
    model = cls(n_in, H, num_layers=2, bidirectional=True, dtype=dtype)
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((T, B, n_in)), dtype=dtype, requires_grad=True)
    out, state = model(x, lengths=lengths)
    h = state[0] if isinstance(state, tuple) else state
    w = rng.standard_normal(out.shape)
    (mg.sum(out * w) + mg.sum(h * h)).backward()
    return [array(t) for t in [out, h, x.grad] + [p.grad for p in model.parameters()]]


def array(t) -> np.ndarray:
    return t.data if isinstance(t, mg.Tensor) else np.asarray(t)


SMALL = (9, 4, 5, 16)
LARGE = (12, 32, 39, 128)  # products large enough for BLAS to use two threads


@pytest.mark.parametrize("kind", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [SMALL, LARGE], ids=["small", "large"])
def test_paired_directions_equal_one_after_the_other_bit_for_bit(pairing, kind, dtype,
                                                                   shape):
    """A pair equals its two pieces one after the other with one BLAS thread (what a process
    limited to one thread runs)."""
    from threadpoolctl import threadpool_limits

    lengths = np.array([shape[0], 3, shape[0] - 2, 1] + [shape[0]] * (shape[1] - 4))
    pairing(True)
    require_pairs()
    paired = run_model(kind, dtype, lengths, shape)
    with threadpool_limits(1):
        alone = run_model(kind, dtype, lengths, shape)
    assert len(paired) == len(alone)
    for a, b in zip(paired, alone, strict=True):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 1e-4)])
def test_pairing_off_agrees_to_rounding(pairing, dtype, rtol):
    """One after the other with the BLAS thread count as set: the same up to rounding."""
    lengths = np.array([12, 3, 10, 1] + [12] * 28)
    pairing(True)
    require_pairs()
    paired = run_model("gru", dtype, lengths, LARGE)
    pairing(False)
    alone = run_model("gru", dtype, lengths, LARGE)
    for a, b in zip(paired, alone, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_paired_directions_are_reproducible(pairing):
    pairing(True)
    require_pairs()
    lengths = np.array([12, 12, 2, 5] + [7] * 28)
    first = run_model("gru", "float32", lengths, LARGE)
    for _ in range(3):
        for a, b in zip(first, run_model("gru", "float32", lengths, LARGE), strict=True):
            np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ the two halves of a batch

def test_halves_pay_where_the_module_docstring_measured(pairing):
    pairing(True)
    require_pairs()
    assert parallel.halves_pay(32, 128) and parallel.halves_pay(64, 256)
    assert parallel.halves_pay(16, 128) and parallel.halves_pay(8, 256)
    assert parallel.halves_pay(32, 384) and parallel.halves_pay(64, 512)
    assert parallel.halves_pay(16, 128, gates=4) and not parallel.halves_pay(16, 96, gates=4)
    assert not parallel.halves_pay(32, 64) and not parallel.halves_pay(32, 1024)
    assert not parallel.halves_pay(4, 512)  # halves of 2 rows
    assert parallel.halves_pay(16, 256, gates=1) and not parallel.halves_pay(32, 128, gates=1)
    assert not parallel.halves_pay(8, 256, gates=1)
    pairing(False)
    assert not parallel.halves_pay(32, 128)


def run_unidirectional(kind: str, dtype: str, shape=(7, 33, 5, 128), reset_after=True
                       ) -> list[np.ndarray]:
    """Outputs, final states and every gradient (the input's, the initial states' and the
    parameters') of a 2-layer unidirectional model on a ragged batch of odd size."""
    T, B, n_in, H = shape
    mg.manual_seed(5)
    cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[kind]
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    model = cls(n_in, H, num_layers=2, dtype=dtype, **extra)
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((T, B, n_in)), dtype=dtype, requires_grad=True)
    given = [mg.tensor(rng.standard_normal((2, B, H)), dtype=dtype, requires_grad=True)
             for _ in range(2 if kind == "lstm" else 1)]
    lengths = np.array([T, 3, T - 2, 1] + [T] * (B - 4))
    out, state = model(x, tuple(given) if kind == "lstm" else given[0], lengths=lengths)
    finals = state if isinstance(state, tuple) else (state,)
    w = rng.standard_normal(out.shape)
    (mg.sum(out * w) + sum(mg.sum(s * s) for s in finals)).backward()
    return [array(t) for t in [out, *finals, x.grad, *(s.grad for s in given)]
            + [p.grad for p in model.parameters()]]


@pytest.fixture(params=["stack", "layers"])
def node(request, monkeypatch):
    """Each multi-layer test of halves twice: the stack as one ``StackHalves`` node (what a
    unidirectional stack whose halves pay runs as), and layer by layer as ``BatchHalves``
    nodes."""
    from minigru.ops import recurrent

    if request.param == "layers":
        monkeypatch.setattr(recurrent, "stack_halves_pay", lambda *args: False)
    return request.param


@pytest.fixture
def count_halves(monkeypatch):
    """The layers whose batch ran as halves (a ``BatchHalves`` node's layer, or each layer of
    a ``StackHalves`` node), in the order their forward passes started."""
    from minigru.ops import pairs

    calls = []
    batch_forward, stack_forward = pairs.BatchHalves.forward, pairs.StackHalves.forward

    def batch(*args, **kwargs):
        calls.append(kwargs["layer"].__name__)
        return batch_forward(*args, **kwargs)

    def stack(*args, **kwargs):
        calls.extend([kwargs["layer"].__name__] * kwargs["num_layers"])
        return stack_forward(*args, **kwargs)

    monkeypatch.setattr(pairs.BatchHalves, "forward", staticmethod(batch))
    monkeypatch.setattr(pairs.StackHalves, "forward", staticmethod(stack))
    return calls


@pytest.mark.parametrize("kind", ["gru", "lstm", "rnn"])
def test_batch_halves_equal_the_whole_layer(pairing, node, count_halves, kind):
    """Every output and gradient of a model whose layers ran as halves agrees with the whole
    layers to rounding, in float64; the final states and the initial states' gradients keep
    the batch order."""
    shape = (7, 33, 5, 256 if kind == "rnn" else 128)   # an RNN of 128 units runs whole
    pairing(True)
    require_pairs()
    halves = run_unidirectional(kind, "float64", shape)
    assert len(count_halves) == 2
    pairing(False)
    whole = run_unidirectional(kind, "float64", shape)
    assert len(count_halves) == 2
    for a, b in zip(halves, whole, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


def test_batch_halves_gru_reset_before(pairing, node, count_halves):
    pairing(True)
    require_pairs()
    halves = run_unidirectional("gru", "float64", reset_after=False)
    pairing(False)
    whole = run_unidirectional("gru", "float64", reset_after=False)
    assert count_halves == ["GRULayer"] * 2
    for a, b in zip(halves, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


@pytest.mark.parametrize("kind", ["gru", "lstm", "rnn"])
def test_batch_halves_at_once_equal_one_after_the_other_bit_for_bit(pairing, node,
                                                                     monkeypatch, kind):
    """The halves run as a pair give the numbers of the halves run in turn with one BLAS
    thread (what a process limited to one thread computes, had it split the batch)."""
    from threadpoolctl import threadpool_limits

    from minigru.ops import recurrent

    pairing(True)
    require_pairs()
    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: True)
    paired = run_unidirectional(kind, "float32")
    with threadpool_limits(1):
        alone = run_unidirectional(kind, "float32")
    for a, b in zip(paired, alone, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["gru", "lstm", "rnn"])
def test_gradcheck_batch_halves(monkeypatch, node, count_halves, kind):
    """Finite differences check every gradient of a small model whose layers are split."""
    from minigru.ops import recurrent

    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: True)
    mg.manual_seed(7)
    cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[kind]
    model = cls(3, 4, num_layers=2, dtype="float64")
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((5, 5, 3)), dtype="float64", requires_grad=True)
    given = [mg.tensor(rng.standard_normal((2, 5, 4)), dtype="float64", requires_grad=True)
             for _ in range(2 if kind == "lstm" else 1)]
    lengths = np.array([5, 1, 3, 5, 2])

    def run(x, *rest):
        states = rest[:len(given)]
        out, state = model(x, tuple(states) if kind == "lstm" else states[0], lengths=lengths)
        return (out,) + (state if isinstance(state, tuple) else (state,))

    assert mg.gradcheck(run, [x, *given, *model.parameters()])
    assert count_halves


def test_batch_halves_return_the_gates_in_batch_order(pairing, node, count_halves):
    """``return_gates=True`` joins the halves' gate activations; without it they are not
    joined at all (nothing reads them)."""
    mg.manual_seed(9)
    model = nn.GRU(5, 128, num_layers=2, dtype="float64")
    x = mg.tensor(np.random.default_rng(10).standard_normal((6, 34, 5)), dtype="float64")
    lengths = np.array([6, 2] + [5] * 32)
    pairing(True)
    require_pairs()
    out, h_n, gates = model(x, lengths=lengths, return_gates=True)
    assert len(count_halves) == 2
    pairing(False)
    out_w, h_w, gates_w = model(x, lengths=lengths, return_gates=True)
    for a, b in zip([out, h_n, *gates], [out_w, h_w, *gates_w], strict=True):
        assert array(a).shape == array(b).shape
        np.testing.assert_allclose(array(a), array(b), rtol=1e-12, atol=1e-13)


def test_halves_are_dealt_by_length():
    """Sorted longest first and dealt alternately: the halves have nearly the same lengths,
    so neither core waits long for the other."""
    from minigru.ops.pairs import deal

    a, b = deal(np.array([5, 1, 3, 5, 2]))
    np.testing.assert_array_equal(a, [0, 1, 2])  # places 1, 3, 5: lengths 5, 3, 1
    np.testing.assert_array_equal(b, [3, 4])     # places 2, 4: lengths 5, 2
    a, b = deal(np.full(6, 7))
    np.testing.assert_array_equal(a, [0, 2, 4])
    np.testing.assert_array_equal(b, [1, 3, 5])
    lengths = np.random.default_rng(11).integers(1, 80, 33)
    a, b = deal(lengths)
    assert sorted(np.concatenate([a, b]).tolist()) == list(range(33))
    assert list(a) == sorted(a) and list(b) == sorted(b) and len(a) == 17
    assert abs(int(lengths[a].sum()) - int(lengths[b].sum())) <= lengths.max()
    assert sorted(lengths)[-2] <= min(lengths[a].max(), lengths[b].max())


@pytest.mark.parametrize("batch,hidden,gates,name", [
    (0, 128, 3, "batch"), (32.0, 128, 3, "batch"), (32, -1, 3, "hidden"),
    (32, True, 3, "hidden"), (32, 128, 0, "gates"), (32, 128, 3.0, "gates")])
def test_halves_pay_names_a_bad_argument(batch, hidden, gates, name):
    with pytest.raises(mg.InputError, match=f"halves_pay: {name} must be a positive integer"):
        parallel.halves_pay(batch, hidden, gates)


def run_stack(kind: str, dtype: str, dropout: float, layers: int = 3) -> tuple[list, float]:
    """Outputs, final states and every gradient of a ``layers``-layer unidirectional model
    in training mode, ``dropout`` between its layers drawn from a generator of its own; and
    the generator's next draw (what the masks left of it)."""
    T, B, n_in, H = 6, 21, 5, 128
    mg.manual_seed(12)
    cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[kind]
    rng = np.random.default_rng(13)
    model = cls(n_in, H, num_layers=layers, dtype=dtype, dropout=dropout, rng=rng)
    model.train()
    data = np.random.default_rng(14)
    x = mg.tensor(data.standard_normal((T, B, n_in)), dtype=dtype, requires_grad=True)
    lengths = np.array([T, 2, T - 1, 1] + [T] * (B - 4))
    out, state = model(x, lengths=lengths)
    finals = state if isinstance(state, tuple) else (state,)
    w = data.standard_normal(out.shape)
    (mg.sum(out * w) + sum(mg.sum(s * s) for s in finals)).backward()
    got = [array(t) for t in [out, *finals, x.grad] + [p.grad for p in model.parameters()]]
    return got, float(rng.random())


@pytest.mark.parametrize("kind", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dropout", [0.0, 0.4, 1.0])
def test_stack_halves_equal_the_layers_as_halves_bit_for_bit(pairing, monkeypatch, kind,
                                                             dtype, dropout):
    """A stack run as one ``StackHalves`` node gives the numbers of its layers run one by one
    as ``BatchHalves`` nodes, bit for bit, with dropout between the layers (the same masks,
    drawn in the same order from the model's generator) and without."""
    from minigru.ops import recurrent

    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: True)
    stacked, after_stack = run_stack(kind, dtype, dropout)
    monkeypatch.setattr(recurrent, "stack_halves_pay", lambda *args: False)
    layered, after_layers = run_stack(kind, dtype, dropout)
    assert after_stack == after_layers
    for a, b in zip(stacked, layered, strict=True):
        assert a.dtype == np.dtype(dtype) and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_a_stack_meets_the_other_thread_once_each_way(pairing, monkeypatch, count_halves):
    """Three layers as one ``StackHalves`` node: two pairs (forward and backward), where the
    layers as ``BatchHalves`` nodes make six."""
    from minigru.ops import pairs, recurrent

    pairs_run = []
    run_pair = pairs.run_pair

    def counted(first, second):
        pairs_run.append(1)
        return run_pair(first, second)

    monkeypatch.setattr(pairs, "run_pair", counted)
    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: True)
    run_stack("gru", "float32", 0.0)
    assert len(pairs_run) == 2 and count_halves == ["GRULayer"] * 3
    monkeypatch.setattr(recurrent, "stack_halves_pay", lambda *args: False)
    run_stack("gru", "float32", 0.0)
    assert len(pairs_run) == 2 + 6


def test_a_stack_in_evaluation_needs_no_graph(pairing, monkeypatch):
    """Under ``no_grad`` a stack of halves computes the same outputs as the whole layers and
    records nothing."""
    from minigru.ops import recurrent

    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: True)
    mg.manual_seed(15)
    model = nn.GRU(4, 128, num_layers=2, dtype="float64").eval()
    x = mg.tensor(np.random.default_rng(16).standard_normal((5, 9, 4)), dtype="float64")
    lengths = np.array([5, 1, 4, 5, 2, 3, 5, 5, 1])
    with mg.no_grad():
        out, h_n = model(x, lengths=lengths)
    assert not out.requires_grad and not h_n.requires_grad
    monkeypatch.setattr(recurrent, "stack_halves_pay", lambda *args: False)
    monkeypatch.setattr(recurrent, "halves_pay", lambda batch, hidden, gates=3: False)
    whole_out, whole_h = model(x, lengths=lengths)
    np.testing.assert_allclose(out.data, whole_out.data, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h_n.data, whole_h.data, rtol=1e-12, atol=1e-13)
