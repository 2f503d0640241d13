"""Testing the tester: gradcheck must catch wrong gradients and name the culprit."""

import warnings

import numpy as np
import pytest

import minigru as mg

from .helpers import t64


class WrongSecondGrad(mg.Function):
    """a * b with the gradient for b wrong (it returns b instead of a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * b


class SlightlyWrongExp(mg.Function):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 + 1e-2)


class NoisyBackward(mg.Function):
    """Right on average, but different on every call: a non-deterministic kernel."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        NoisyBackward.calls += 1
        return 2 * g + 1e-9 * NoisyBackward.calls


def test_wrong_backward_is_caught_and_the_input_named():
    rng = np.random.default_rng(0)
    a, b = t64(rng, 3), t64(rng, 3)
    with pytest.raises(mg.GradcheckError, match=r"input 1 at element \(0,\)") as info:
        mg.gradcheck(WrongSecondGrad.apply, [a, b])
    message = str(info.value)
    assert "analytic" in message and "numeric" in message


def test_only_the_wrong_input_fails():
    rng = np.random.default_rng(0)
    a, b = t64(rng, 3), t64(rng, 3, requires_grad=False)
    assert mg.gradcheck(WrongSecondGrad.apply, [a, b])


def test_raise_exception_false_returns_false():
    rng = np.random.default_rng(0)
    a, b = t64(rng, 2, 2), t64(rng, 2, 2)
    assert mg.gradcheck(WrongSecondGrad.apply, [a, b], raise_exception=False) is False


def test_a_one_percent_error_is_caught():
    x = t64(np.random.default_rng(1), 4)
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(SlightlyWrongExp.apply, [x])


def test_fast_mode_catches_wrong_gradient_and_passes_right_one():
    rng = np.random.default_rng(2)
    a, b = t64(rng, 20, 10), t64(rng, 20, 10)
    with pytest.raises(mg.GradcheckError, match="input 1 along random direction"):
        mg.gradcheck(WrongSecondGrad.apply, [a, b], fast=True)
    assert mg.gradcheck(lambda a, b: (a @ b.T).tanh(), [a, b], fast=True)


def test_non_deterministic_backward_is_caught():
    x = t64(np.random.default_rng(3), 3)
    with pytest.raises(mg.GradcheckError, match="not deterministic"):
        mg.gradcheck(NoisyBackward.apply, [x])


def test_each_output_of_a_tuple_is_checked():
    rng = np.random.default_rng(4)
    a, b = t64(rng, 3), t64(rng, 3)
    with pytest.raises(mg.GradcheckError, match="output 1 with respect to input 1"):
        mg.gradcheck(lambda a, b: (a * b, WrongSecondGrad.apply(a, b)), [a, b])
    assert mg.gradcheck(lambda a, b: (a * b, a.exp() + b), [a, b])


def test_a_plain_sum_would_miss_a_swapped_gradient():
    """The reason for a random weight per output element: with sum(), a backward that sends
    each output's gradient to the wrong element can still look right."""

    class Swapped(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return (g[::-1] * 2 * x)

    x = t64(np.random.default_rng(5), 4)
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(Swapped.apply, [x])


def test_inputs_and_grads_are_left_untouched():
    rng = np.random.default_rng(6)
    x = t64(rng, 3, 2)
    before = x.data.copy()
    mg.gradcheck(lambda t: t.tanh(), [x])
    assert np.array_equal(x.data, before)
    assert x.grad is None


def test_gradcheck_does_not_use_the_global_generator():
    mg.manual_seed(9)
    expected = mg.random.default_rng().random()
    mg.manual_seed(9)
    mg.gradcheck(lambda t: t * 2, [t64(np.random.default_rng(7), 3)])
    assert mg.random.default_rng().random() == expected


def test_float32_inputs_warn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mg.gradcheck(lambda t: t * 2, [x], atol=1e-2, rtol=1e-2, eps=1e-3)
    assert any("float64" in str(w.message) for w in caught)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="requires grad"):
        mg.gradcheck(lambda t: t * 2, [mg.tensor([1.0])])


def test_non_tensor_output_is_an_error():
    x = t64(np.random.default_rng(8), 2)
    with pytest.raises(TypeError, match="output 0"):
        mg.gradcheck(lambda t: t.data, [x])
