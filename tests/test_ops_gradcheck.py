"""float64 finite-difference checks of every primitive operation."""

import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigru as mg

from .helpers import t64

UNARY = {
    "neg": (lambda x: -x, None),
    "exp": (mg.exp, None),
    "log": (mg.log, (0.2, 3.0)),
    "sqrt": (mg.sqrt, (0.2, 3.0)),
    "abs": (mg.abs, None),
    "tanh": (mg.tanh, None),
    "sigmoid": (mg.sigmoid, None),
    "relu": (mg.relu, None),
    "square": (lambda x: x**2, None),
    "pow_frac": (lambda x: x**1.5, (0.2, 3.0)),
    "rpow": (lambda x: 2.0**x, None),
    "clip": (lambda x: mg.clip(x, -0.5, 0.5), None),
    "clip_min_only": (lambda x: x.clip(min=0.1), None),
    "softmax": (lambda x: mg.softmax(x, axis=-1), None),
    "softmax_axis0": (lambda x: mg.softmax(x, axis=0), None),
    "log_softmax": (lambda x: mg.log_softmax(x, axis=-1), None),
    "logsumexp": (lambda x: mg.logsumexp(x, axis=1), None),
    "logsumexp_all": (lambda x: mg.logsumexp(x), None),
    "transpose": (lambda x: x.transpose(), None),
    "T": (lambda x: x.T, None),
    "reshape": (lambda x: x.reshape(-1), None),
    "swapaxes": (lambda x: x.swapaxes(0, 1), None),
}


def _away_from_kinks(rng, shape, domain):
    """Values whose |x| > 0.05 and away from the clip bounds, so finite differences do not
    straddle a kink of abs/relu/clip."""
    if domain is not None:
        return rng.uniform(*domain, shape)
    x = rng.uniform(0.1, 1.5, shape) * rng.choice([-1, 1], shape)
    x[np.abs(np.abs(x) - 0.5) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    fn, domain = UNARY[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # stable across runs
    x = mg.tensor(_away_from_kinks(rng, (3, 4), domain), requires_grad=True, dtype="float64")
    assert mg.gradcheck(fn, [x])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
    "where": lambda a, b: mg.where(a.data > b.data, a, b),
}

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 1, 4), (5, 4)),
    ((4,), (2, 3, 4)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_broadcasting(name, shapes):
    rng = np.random.default_rng(7)
    positive = name in ("div", "pow")
    a = t64(rng, *shapes[0], low=0.5 if positive else -2, high=2)
    b = t64(rng, *shapes[1], low=0.5 if positive else -2, high=2)
    assert mg.gradcheck(BINARY[name], [a, b])


def test_binary_with_constant_operand():
    rng = np.random.default_rng(0)
    a = t64(rng, 3, 4)
    c = rng.standard_normal((4,))
    assert mg.gradcheck(lambda a: a * c + c / (a * a + 1.0) - 3.0, [a])


REDUCTIONS = {
    "sum": mg.sum,
    "mean": mg.mean,
    "max": mg.max,
    "min": mg.min,
    "logsumexp": mg.logsumexp,
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(name, axis, keepdims):
    rng = np.random.default_rng(3)
    x = t64(rng, 2, 3, 4)
    out = REDUCTIONS[name](x, axis=axis, keepdims=keepdims)
    ref = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}.get(name)
    if ref is not None:
        np.testing.assert_allclose(out.data, ref(x.data, axis=axis, keepdims=keepdims))
    assert mg.gradcheck(lambda t: REDUCTIONS[name](t, axis=axis, keepdims=keepdims), [x])


def test_max_splits_gradient_between_ties():
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True, dtype="float64")
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [1, 0, 0]])


def test_maximum_splits_gradient_on_ties():
    a = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    b = mg.tensor([1.0, 3.0], requires_grad=True, dtype="float64")
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0])


INDEXES = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(1, None),
    "step_slice": (slice(None), slice(None, None, 2)),
    "tuple": (0, slice(1, 3)),
    "ellipsis_none": (Ellipsis, None),
    "int_array": np.array([0, 2]),
    "repeated": np.array([2, 0, 2, 2]),
    "list": [1, 1],
    "pair_of_arrays": (np.array([0, 1, 1]), np.array([3, 0, 0])),
    "bool_mask_rows": np.array([True, False, True]),
    "int_tensor": mg.tensor([2, 2, 1]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_getitem(name):
    rng = np.random.default_rng(5)
    x = t64(rng, 3, 4)
    index = INDEXES[name]
    plain = index.data if isinstance(index, mg.Tensor) else index
    plain = np.asarray(plain) if isinstance(plain, list) else plain
    np.testing.assert_array_equal(x[index].data, x.data[plain])
    assert mg.gradcheck(lambda t: t[index], [x])


def test_getitem_repeated_indices_accumulate():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype="float64")
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_getitem_boolean_mask_elementwise():
    rng = np.random.default_rng(6)
    x = t64(rng, 3, 4)
    mask = x.data > 0
    assert mg.gradcheck(lambda t: t[mask] * 2, [x])


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    rng = np.random.default_rng(11)
    a = t64(rng, *shapes[0])
    b = t64(rng, *shapes[1])
    np.testing.assert_allclose((a @ b).data, a.data @ b.data)
    assert mg.gradcheck(mg.matmul, [a, b])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_and_stack(axis):
    rng = np.random.default_rng(12)
    a, b = t64(rng, 2, 3), t64(rng, 2, 3)
    c = t64(rng, 2, 3)
    assert mg.gradcheck(lambda a, b, c: mg.concat([a, b, c], axis=axis), [a, b, c])
    assert mg.gradcheck(lambda a, b: mg.stack([a, b], axis=axis), [a, b])


def test_concat_uneven_sizes():
    rng = np.random.default_rng(13)
    a, b = t64(rng, 2, 1), t64(rng, 2, 4)
    out = mg.concat([a, b], axis=1)
    assert out.shape == (2, 5)
    assert mg.gradcheck(lambda a, b: mg.concat([a, b], axis=1), [a, b])


def test_shape_helpers():
    rng = np.random.default_rng(14)
    x = t64(rng, 2, 1, 3)
    assert x.squeeze().shape == (2, 3)
    assert x.squeeze(1).shape == (2, 3)
    assert x.unsqueeze(0).shape == (1, 2, 1, 3)
    assert x.flatten().shape == (6,)
    assert x.flatten(1).shape == (2, 3)
    assert mg.broadcast_to(x, (4, 2, 5, 3)).shape == (4, 2, 5, 3)
    assert mg.gradcheck(lambda t: mg.broadcast_to(t, (4, 2, 5, 3)), [x])
    assert mg.gradcheck(lambda t: t.unsqueeze(-1).squeeze(1).flatten(), [x])


def test_composite_expression():
    rng = np.random.default_rng(15)
    w = t64(rng, 4, 3)
    x = t64(rng, 5, 4)
    b = t64(rng, 3)

    def mlp(w, x, b):
        h = (x @ w + b).tanh()
        return mg.log_softmax(h * 2.0, axis=1)[np.arange(5), np.array([0, 2, 1, 1, 0])].mean()

    assert mg.gradcheck(mlp, [w, x, b])


# ------------------------------------------------------------------ hypothesis: random shapes

dims = st.integers(min_value=1, max_value=4)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast together: a base shape, and a copy with some dimensions set to
    1 and some leading ones dropped."""
    base = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    other = tuple(1 if draw(st.booleans()) else n for n in base)
    drop = draw(st.integers(min_value=0, max_value=len(other)))
    return (base, other[drop:]) if draw(st.booleans()) else (other[drop:], base)


@given(pair=broadcastable_pair(), op=st.sampled_from(["add", "sub", "mul", "div"]))
def test_hypothesis_broadcast_binary(pair, op):
    rng = np.random.default_rng(0)
    a = t64(rng, *pair[0], low=0.5, high=2.0)
    b = t64(rng, *pair[1], low=0.5, high=2.0)
    assert mg.gradcheck(BINARY[op], [a, b])


@given(shape=st.lists(dims, min_size=1, max_size=3).map(tuple), data=st.data())
def test_hypothesis_reductions(shape, data):
    axis = data.draw(st.one_of(st.none(), st.integers(min_value=-len(shape),
                                                      max_value=len(shape) - 1)))
    keepdims = data.draw(st.booleans())
    name = data.draw(st.sampled_from(sorted(REDUCTIONS)))
    x = t64(np.random.default_rng(1), *shape)
    assert mg.gradcheck(lambda t: REDUCTIONS[name](t, axis=axis, keepdims=keepdims), [x])


@given(n=dims, k=dims, m=dims, batch=st.lists(dims, max_size=2).map(tuple))
def test_hypothesis_matmul(n, k, m, batch):
    rng = np.random.default_rng(2)
    a = t64(rng, *batch, n, k)
    b = t64(rng, k, m)
    assert mg.gradcheck(mg.matmul, [a, b])
    assert mg.gradcheck(mg.matmul, [b.T, a.swapaxes(-1, -2)])


@given(shape=st.lists(dims, min_size=2, max_size=3).map(tuple), data=st.data())
def test_hypothesis_transpose_and_softmax(shape, data):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    axis = data.draw(st.integers(min_value=0, max_value=len(shape) - 1))
    x = t64(np.random.default_rng(3), *shape)
    assert mg.gradcheck(lambda t: mg.log_softmax(t.transpose(*perm), axis=axis), [x])
