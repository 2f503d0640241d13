import numpy as np
import pytest

import minigru as mg
from minigru.autograd import unbroadcast

from .helpers import t64


def test_readme_example_values():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype="float64")
    (x.tanh() @ x).sum().backward()
    X = x.data
    t = np.tanh(X)
    ones = np.ones((2, 2))
    expected = (1 - t**2) * (ones @ X.T) + t.T @ ones
    np.testing.assert_allclose(x.grad, expected, rtol=1e-14)


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)


def test_a_tensor_used_twice_gets_both_contributions():
    x = mg.tensor(3.0, requires_grad=True, dtype="float64")
    y = x * x + x
    y.backward()
    assert x.grad == 7.0


def test_diamond_graph():
    x = mg.tensor(2.0, requires_grad=True, dtype="float64")
    a = x.exp()
    b = a * x
    c = a + b
    c.backward()
    # c = e^x + x e^x ; dc/dx = e^x + e^x + x e^x
    assert np.isclose(x.grad, np.exp(2) * (2 + 2))


def test_chain_of_10000_additions_does_not_recurse():
    x = mg.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(10000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.item() == pytest.approx(10000.5)


def test_chain_of_10000_multiplications():
    x = mg.tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(10000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10000, rel=1e-9)


def test_backward_non_scalar_needs_grad():
    x = mg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_backward_grad_of_wrong_shape():
    x = mg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        (x * 2).backward(np.ones((3, 2)))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_graph_is_freed_unless_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_no_grad_records_nothing():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad

    @mg.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_integer_results_do_not_require_grad():
    x = mg.tensor([1.5, -2.0], requires_grad=True)
    assert not x.argmax().requires_grad
    assert not (x > 0).requires_grad


def test_unbroadcast():
    g = np.ones((3, 5, 4))
    assert unbroadcast(g, (5, 4)).shape == (5, 4)
    np.testing.assert_array_equal(unbroadcast(g, (5, 1)), np.full((5, 1), 12.0))
    np.testing.assert_array_equal(unbroadcast(g, ()), 60.0)
    with pytest.raises(ValueError):
        unbroadcast(g, (2, 4))


def test_broadcast_gradient_shapes():
    rng = np.random.default_rng(0)
    a = t64(rng, 3, 1, 4)
    b = t64(rng, 5, 4)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1, 4) and b.grad.shape == (5, 4)
    np.testing.assert_allclose(a.grad, np.broadcast_to(b.data.sum(0), (3, 1, 4)))
    np.testing.assert_allclose(b.grad, np.broadcast_to(a.data.sum((0, 1)), (5, 4)))


def test_grad_function_does_not_touch_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    w = mg.tensor([5.0], requires_grad=True, dtype="float64")
    (gx,) = mg.grad((x * x).sum(), x)
    np.testing.assert_array_equal(gx, [2.0, 4.0])
    assert x.grad is None
    gx, gw = mg.grad((x * 2).sum(), [x, w])
    assert gw is None


def test_retain_grad_on_intermediate():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data)


class _SplitHalves(mg.Function):
    """Two outputs: the first half times 2, the second half squared."""

    @staticmethod
    def forward(ctx, x):
        n = x.shape[0] // 2
        ctx.save_for_backward(x)
        ctx.n = n
        return x[:n] * 2, x[n:] ** 2

    @staticmethod
    def backward(ctx, g1, g2):
        (x,) = ctx.saved_tensors
        return np.concatenate([2 * g1, 2 * x[ctx.n:] * g2])


def test_multi_output_function():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, dtype="float64")
    a, b = _SplitHalves.apply(x)
    b.sum().backward()  # a unused: its gradient arrives as zeros
    np.testing.assert_array_equal(x.grad, [0, 0, 6, 8])
    assert mg.gradcheck(lambda t: _SplitHalves.apply(t), [x])


class _WrongCount(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return (g,)


def test_backward_returning_wrong_number_of_gradients():
    a = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="1 gradients for 2 inputs"):
        _WrongCount.apply(a, a).sum().backward()


class _WrongShape(mg.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 1

    @staticmethod
    def backward(ctx, g):
        return np.ones((7,))


def test_backward_returning_wrong_shape():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(7,\).*shape \(2,\)"):
        _WrongShape.apply(a).sum().backward()


def test_float32_gradients_stay_float32():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x.tanh() * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_cast_is_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_grad_mode_switches_share_one_mechanism():
    import minigru as mg

    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def inside():
        return mg.is_grad_enabled()

    assert inside() is False and inside() is False and mg.is_grad_enabled()
    mg.set_grad_enabled(False)  # acts at once, as in PyTorch
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    with mg.set_grad_enabled(False):
        x = mg.tensor([1.0], requires_grad=True)
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()
    same = mg.no_grad()
    with same:
        with same:
            assert not mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert issubclass(mg.no_grad, mg.set_grad_enabled)
    assert issubclass(mg.enable_grad, mg.set_grad_enabled)
