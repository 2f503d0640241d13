"""mg.audio.lpc: linear prediction's envelopes, and the residual and synthesis filters that
invert each other."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from minigru.audio import lpc as L

SR = 8000


@pytest.mark.parametrize("sr", [8000, 16000])
@pytest.mark.parametrize("order", [None, 4])
def test_lpc_synthesis_inverts_the_residual(sr, order):
    x = np.random.default_rng(1).standard_normal(sr // 3 + 7)
    x[: sr // 20] = 0.0
    envelopes, hop = L.lpc_envelopes(x, sr, order)
    p = 2 + sr // 1000 if order is None else order
    assert hop == sr // 100 and envelopes.shape == (-(-x.size // hop), p + 1)
    np.testing.assert_array_equal(envelopes[0], np.eye(1, p + 1)[0])  # a silent frame
    e = L.lpc_residual(x, envelopes, hop)
    np.testing.assert_allclose(L.lpc_synthesis(e, envelopes, hop), x, rtol=0, atol=1e-12)


def test_lpc_envelopes_find_an_autoregressive_process():
    """x[n] = 1.3 x[n-1] - 0.8 x[n-2] + w[n]: A(z) = 1 - 1.3 z^-1 + 0.8 z^-2."""
    w = np.random.default_rng(2).standard_normal(4 * SR)
    x = lfilter([1.0], [1.0, -1.3, 0.8], w)
    envelopes, _ = L.lpc_envelopes(x, SR, order=2)
    np.testing.assert_allclose(np.median(envelopes, axis=0), [1.0, -1.3, 0.8], atol=0.03)


def test_a_silent_recording_has_flat_envelopes():
    envelopes, hop = L.lpc_envelopes(np.zeros(1000), SR)
    np.testing.assert_array_equal(envelopes, np.eye(1, 11).repeat(13, axis=0))
    np.testing.assert_array_equal(L.lpc_residual(np.zeros(1000), envelopes, hop), 0.0)


@pytest.mark.parametrize("call, name", [
    (lambda: L.lpc_envelopes(np.ones(100), SR, order=0), "order"),
    (lambda: L.lpc_envelopes(np.ones(100), 8.0e3), "sample_rate"),
    (lambda: L.lpc_envelopes(np.ones((2, 100)), SR), "x"),
    (lambda: L.lpc_residual(np.ones(1000), np.ones((10, 3)), 80), "too few"),
    (lambda: L.lpc_synthesis(np.ones(1000), np.ones((100, 3)), 0), "hop"),
    (lambda: L.lpc_synthesis(np.ones(1000), 2 * np.ones((100, 3)), 80), "envelopes"),
    (lambda: L.lpc_synthesis(np.array([]), np.ones((100, 3)), 80), "e"),
    (lambda: L.lpc_residual(np.array([0.0, np.inf]), np.ones((1, 3)), 80),
     "x: the signal holds NaN"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()
