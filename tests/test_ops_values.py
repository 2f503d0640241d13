"""Forward values against NumPy and the numerically delicate cases."""

import numpy as np
import pytest

import minigru as mg


def test_sigmoid_is_stable_for_large_inputs():
    x = mg.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype="float64", requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = mg.sigmoid(x)
        y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)), 1])
    assert np.all(np.isfinite(x.grad))
    assert mg.sigmoid(mg.tensor([-1000.0])).dtype == np.float32


def test_log_softmax_is_stable():
    x = mg.tensor([[1000.0, 0.0, -1000.0]], dtype="float64")
    y = mg.log_softmax(x, axis=1)
    np.testing.assert_allclose(y.data, [[0.0, -1000.0, -2000.0]])
    s = mg.softmax(x, axis=1)
    np.testing.assert_allclose(s.data, [[1.0, 0.0, 0.0]])


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    x = mg.tensor([[-np.inf, -np.inf], [0.0, 0.0]], dtype="float64")
    y = mg.logsumexp(x, axis=1)
    assert y.data[0] == -np.inf
    assert y.data[1] == pytest.approx(np.log(2))


def test_softmax_rows_sum_to_one():
    x = mg.randn(4, 7, dtype="float64")
    np.testing.assert_allclose(mg.softmax(x, axis=1).sum(axis=1).data, np.ones(4))


def test_values_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2, (3, 4))
    b = rng.uniform(0.5, 2, (4,))
    A, B = mg.tensor(a), mg.tensor(b)
    pairs = [
        (A + B, a + b), (A - B, a - b), (A * B, a * b), (A / B, a / b), (A**B, a**b),
        (mg.exp(A), np.exp(a)), (mg.log(A), np.log(a)), (mg.sqrt(A), np.sqrt(a)),
        (mg.tanh(A), np.tanh(a)), (A.mean(axis=0), a.mean(0)), (A.T, a.T),
        (mg.clip(A, 1.0, 1.5), np.clip(a, 1.0, 1.5)), (mg.relu(A - 1), np.maximum(a - 1, 0)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.data, want, rtol=1e-6)


def test_pow_gradient_at_zero_base_is_finite():
    x = mg.tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0])


def test_argmax():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    assert x.argmax(axis=1).tolist() == [1, 0]
    assert mg.argmin(x).item() == 4
