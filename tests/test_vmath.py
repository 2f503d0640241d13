"""The vectorised sigmoid and tanh of the recurrent kernels, against math's exp and tanh."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigru.kernels.vmath import activation_scratch, sigmoid_row, tanh_row

EPS = np.finfo(np.float64).eps


def _run(fn, a):
    a = np.asarray(a)
    out = np.empty_like(a)
    fn(a, out, np.empty(a.size), np.empty(a.size, dtype=np.int64))
    return out


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


GRID = np.concatenate([np.linspace(-700, 700, 20001), np.linspace(-3, 3, 20001),
                       np.geomspace(1e-300, 700, 2000), -np.geomspace(1e-300, 700, 2000)])


def test_sigmoid_within_a_few_ulps():
    got = _run(sigmoid_row, GRID)
    want = np.array([_sigmoid(v) for v in GRID])
    assert np.max(np.abs(got - want) / want) < 4 * EPS


def test_tanh_within_a_few_ulps_also_near_zero():
    got = _run(tanh_row, GRID)
    want = np.tanh(GRID)
    assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) < 4 * EPS
    assert np.array_equal(np.sign(got), np.sign(want))


def test_extremes_and_special_values():
    a = np.array([0.0, -0.0, np.inf, -np.inf, 800.0, -800.0, 1e-320, np.nan])
    s = _run(sigmoid_row, a)
    t = _run(tanh_row, a)
    np.testing.assert_array_equal(s[:5], [0.5, 0.5, 1.0, 0.0, 1.0])
    assert s[5] == 0.0 and s[6] == 0.5 and np.isnan(s[7])
    np.testing.assert_array_equal(t[:6], [0.0, 0.0, 1.0, -1.0, 1.0, -1.0])
    assert t[6] == pytest.approx(1e-320, rel=0.01) and np.isnan(t[7])


def test_float32_rows_and_aliasing():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(300).astype(np.float32) * 8
    out = _run(sigmoid_row, a)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-a.astype(np.float64))), rtol=1e-7)
    b = a.astype(np.float64)
    tanh_row(b, b, np.empty(300), np.empty(300, dtype=np.int64))
    np.testing.assert_allclose(b, np.tanh(a.astype(np.float64)), rtol=4 * EPS, atol=0)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_identities(v):
    s = _run(sigmoid_row, np.array([v, -v]))
    assert s[0] + s[1] == pytest.approx(1.0, abs=2 * EPS)
    t = _run(tanh_row, np.array([v / 2]))[0]
    assert t == pytest.approx(2 * s[0] - 1, abs=4 * EPS)


EPS32 = float(np.finfo(np.float32).eps)


def _run32(fn, a):
    """The row computed in float32 arithmetic (float32 scratch, as the kernels use for
    float32 models)."""
    a = np.asarray(a, dtype=np.float32)
    out = np.empty_like(a)
    q, bits = activation_scratch(a.size, a)
    assert q.dtype == np.float32 and bits.dtype == np.int32
    fn(a, out, q, bits)
    return out


GRID32 = np.concatenate([np.linspace(-87, 87, 40001), np.linspace(-3, 3, 20001),
                         np.geomspace(1e-37, 87, 2000), -np.geomspace(1e-37, 87, 2000)]
                        ).astype(np.float32)


def test_float32_arithmetic_sigmoid_within_two_float32_ulps():
    got = _run32(sigmoid_row, GRID32)
    assert got.dtype == np.float32
    want = 1 / (1 + np.exp(-GRID32.astype(np.float64)))
    assert np.max(np.abs(got - want) / want) < 2 * EPS32


def test_float32_arithmetic_tanh_within_two_float32_ulps_also_near_zero():
    got = _run32(tanh_row, GRID32)
    want = np.tanh(GRID32.astype(np.float64))
    assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-37)) < 2 * EPS32
    assert np.array_equal(np.sign(got), np.sign(want))


def test_float32_arithmetic_extremes_and_special_values():
    a = np.array([0.0, -0.0, np.inf, -np.inf, 800.0, -800.0, -100.0, 1e-40, np.nan],
                 dtype=np.float32)
    s = _run32(sigmoid_row, a)
    t = _run32(tanh_row, a)
    np.testing.assert_array_equal(s[:7], [0.5, 0.5, 1.0, 0.0, 1.0, 0.0, 0.0])
    assert s[7] == 0.5 and np.isnan(s[8])
    np.testing.assert_array_equal(t[:7], [0.0, 0.0, 1.0, -1.0, 1.0, -1.0, -1.0])
    assert t[7] == pytest.approx(1e-40, rel=0.01) and np.isnan(t[8])


def test_scratch_precision_not_row_dtype_chooses_the_arithmetic():
    a = (np.random.default_rng(1).standard_normal(500) * 6).astype(np.float32)
    exact = (1 / (1 + np.exp(-a.astype(np.float64)))).astype(np.float32)
    np.testing.assert_array_equal(_run(sigmoid_row, a), exact)
    q, bits = activation_scratch(3, np.zeros(2))
    assert q.dtype == np.float64 and bits.dtype == np.int64
