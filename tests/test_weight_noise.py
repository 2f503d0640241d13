"""nn.WeightNoise: gradients at perturbed weights, clean weights restored bit for bit."""

import numpy as np
import pytest

import minigru as mg
from minigru import nn


def _model():
    mg.manual_seed(3)
    return nn.GRU(4, 5)


def test_weights_are_restored_exactly_and_only_matrices_move():
    model = _model()
    before = model.state_dict()
    noise = nn.WeightNoise(model.parameters(), std=0.5)
    with noise:
        inside = model.state_dict()
    after = model.state_dict()
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])
        if name.startswith("weight"):
            assert np.abs(inside[name] - before[name]).max() > 0.1
        else:  # biases are left alone by default
            np.testing.assert_array_equal(inside[name], before[name])


def test_biases_too_when_asked():
    model = _model()
    before = model.state_dict()
    with nn.WeightNoise(model.parameters(), std=0.5, biases=True):
        inside = model.state_dict()
    assert all(np.abs(inside[n] - before[n]).max() > 0 for n in before)


def test_noise_is_gaussian_with_the_given_std():
    p = nn.Parameter(np.zeros((400, 500)))
    rng = np.random.default_rng(0)
    with nn.WeightNoise([p], std=0.075, rng=rng):
        eps = p.data.copy()
    assert abs(eps.mean()) < 0.075 * 4 / np.sqrt(eps.size)
    assert abs(eps.std() / 0.075 - 1) < 4 * np.sqrt(0.5 / eps.size)
    # fourth moment of a Gaussian: 3 std^4
    assert abs(np.mean(eps ** 4) / 0.075 ** 4 - 3) < 0.05
    np.testing.assert_array_equal(p.data, 0)


def test_the_gradient_is_taken_at_the_perturbed_point():
    w = nn.Parameter(np.array([[1.0, -2.0], [0.5, 3.0]]))
    x = np.array([0.3, -0.7])
    rng = np.random.default_rng(7)
    eps = np.random.default_rng(7).standard_normal((2, 2)) * 0.1
    with nn.WeightNoise([w], std=0.1, rng=rng):
        y = mg.sum(mg.matmul(w, mg.tensor(x)) ** 2)
        y.backward()
    w_noisy = w.data + eps
    expected = 2 * np.outer(w_noisy @ x, x)      # d/dW sum((W x)^2) = 2 (W x) x^T
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)
    np.testing.assert_array_equal(w.data, [[1.0, -2.0], [0.5, 3.0]])


def test_seeded_global_generator_gives_the_same_noise():
    draws = []
    for _ in range(2):
        p = nn.Parameter(np.zeros((3, 3)))
        mg.manual_seed(11)
        with nn.WeightNoise([p], std=1.0):
            draws.append(p.data.copy())
    np.testing.assert_array_equal(draws[0], draws[1])


def test_restored_after_an_exception_and_std_zero_draws_nothing():
    p = nn.Parameter(np.ones((2, 2)))
    with pytest.raises(ZeroDivisionError):
        with nn.WeightNoise([p], std=1.0):
            raise ZeroDivisionError
    np.testing.assert_array_equal(p.data, 1)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with nn.WeightNoise([p], std=0.0, rng=rng):
        np.testing.assert_array_equal(p.data, 1)
    assert rng.bit_generator.state == state


def test_float32_weights_stay_float32():
    p = nn.Parameter(np.ones((3, 3), np.float32))
    with nn.WeightNoise([p], std=0.1):
        assert p.data.dtype == np.float32
    assert p.data.dtype == np.float32


@pytest.mark.parametrize("std", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_std_is_refused(std):
    with pytest.raises(ValueError, match="std"):
        nn.WeightNoise([nn.Parameter(np.ones((2, 2)))], std=std)


def test_bad_parameters_and_rng_are_refused():
    with pytest.raises(TypeError, match=r"parameters\[0\]"):
        nn.WeightNoise([np.ones((2, 2))], std=0.1)
    with pytest.raises(TypeError, match="rng"):
        nn.WeightNoise([nn.Parameter(np.ones((2, 2)))], std=0.1, rng=3)


def test_nesting_is_refused():
    noise = nn.WeightNoise([nn.Parameter(np.ones((2, 2)))], std=0.1)
    with noise:
        with pytest.raises(RuntimeError, match="nested"):
            with noise:
                pass
