"""Linear prediction: a recording as an excitation through a slowly changing all-pole filter.

The source-filter view of speech: every 10 ms the vocal tract is an all-pole filter
``1 / A_k(z)``, ``A_k(z) = 1 + sum_j a_kj z^-j``, and the recording ``x`` is an excitation ``e``
(the glottal pulses at the pitch, and noise) through it. :func:`lpc_envelopes` estimates the
filters, :func:`lpc_residual` takes the excitation out (``e = A_k(z) x``) and
:func:`lpc_synthesis` puts it back (``x = e / A_k(z)``), exactly: the two are inverse
filters with the same coefficients hop by hop. Changing ``e`` between them changes the voice
and keeps the vocal tract (``mg.audio.augment.pitch_shift``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .frames import check_signal


def as_rate(sample_rate: Any, name: str) -> int:
    """``sample_rate`` as an int, refused (the message starting with ``name``) unless it is
    an integer number of Hz >= 1000."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) \
            or sample_rate < 1000:
        raise InputError(f"{name}: sample_rate must be an integer number of Hz >= 1000, "
                         f"got {sample_rate!r}")
    return int(sample_rate)


def as_hop(hop: Any, name: str) -> int:
    """``hop`` as an int, refused (the message starting with ``name``) unless it is a
    positive integer number of samples."""
    if isinstance(hop, bool) or not isinstance(hop, (int, np.integer)) or hop < 1:
        raise InputError(f"{name}: hop must be a positive integer, got {hop!r}")
    return int(hop)


def _filters(envelopes: Any, hop: Any, n: int, name: str) -> tuple[np.ndarray, int]:
    """``envelopes`` and ``hop`` checked against a signal of ``n`` samples."""
    hop = as_hop(hop, name)
    filters = np.asarray(envelopes, dtype=np.float64)
    if filters.ndim != 2 or filters.shape[1] < 2 or not np.all(filters[:, 0] == 1.0) \
            or not np.all(np.isfinite(filters)):
        raise InputError(f"{name}: envelopes must be a (K, p+1) array of finite filters "
                         f"[1, a_1, ..., a_p], got shape {np.shape(envelopes)}")
    if filters.shape[0] * hop < n:
        raise InputError(f"{name}: envelopes has {filters.shape[0]} rows of hop {hop}, too few "
                         f"for {n} samples")
    return filters, hop


def prediction_error_filter(frame: np.ndarray, order: int) -> np.ndarray:
    """Prediction-error filter ``[1, a_1, ..., a_p]`` of a windowed frame (autocorrelation
    method: the normal equations ``sum_j a_j r_|i-j| = -r_i``, i = 1..p, solved by
    Levinson's recursion, with ``r_0`` raised by 1e-9 of itself so a silent frame is
    well posed). The autocorrelation method makes ``1 / A(z)`` stable."""
    from scipy.linalg import solve_toeplitz

    r = np.correlate(frame, frame, mode="full")[frame.size - 1:frame.size + order]
    if r[0] <= 0.0:
        return np.concatenate([[1.0], np.zeros(order)])
    column = r[:order].copy()
    column[0] *= 1.0 + 1e-9
    return np.concatenate([[1.0], solve_toeplitz(column, -r[1:order + 1])])


def lpc_envelopes(x: Any, sample_rate: int, order: int | None = None
                  ) -> tuple[np.ndarray, int]:
    """The spectral envelope of ``x`` every 10 ms: an (K, p+1) array whose row ``k`` is the
    prediction-error filter ``A_k(z) = 1 + sum_j a_kj z^-j`` of the Hann-windowed 20 ms
    around hop ``k`` (samples ``[k S, (k+1) S)``, ``S`` = 10 ms), and ``S``. The order
    ``p`` is ``2 + sample_rate // 1000`` unless given (a pole pair per kHz of band and two
    for the glottal tilt and the lip radiation)."""
    a = check_signal(x, "lpc_envelopes: x")
    sr = as_rate(sample_rate, "lpc_envelopes")
    p = 2 + sr // 1000 if order is None else order
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise InputError(f"lpc_envelopes: order must be >= 1, got {order!r}")
    hop = max(1, sr // 100)
    window = np.hanning(2 * hop + 2)[1:-1]
    padded = np.pad(a, (hop // 2, 2 * hop))
    count = max(1, -(-a.size // hop))
    return np.stack([prediction_error_filter(window * padded[k * hop:k * hop + 2 * hop], p)
                     for k in range(count)]), hop


def lpc_residual(x: Any, envelopes: Any, hop: int) -> np.ndarray:
    """The excitation ``e[n] = x[n] + sum_j a_kj x[n - j]`` for ``n`` in hop ``k``: ``x``
    inverse-filtered by each hop's own envelope (:func:`lpc_envelopes`), the past samples
    taken from ``x`` itself, so :func:`lpc_synthesis` inverts it exactly."""
    a = check_signal(x, "lpc_residual: x")
    envelopes, hop = _filters(envelopes, hop, a.size, "lpc_residual")
    p = envelopes.shape[1] - 1
    padded = np.pad(a, (p, 0))
    out = np.empty_like(a)
    for k, start in enumerate(range(0, a.size, hop)):
        stop = min(start + hop, a.size)
        out[start:stop] = np.convolve(padded[start:stop + p], envelopes[k], mode="valid")
    return out


def lpc_synthesis(e: Any, envelopes: Any, hop: int) -> np.ndarray:
    """The all-pole filter that undoes :func:`lpc_residual`:
    ``y[n] = e[n] - sum_j a_kj y[n - j]`` for ``n`` in hop ``k``, the filter's state carried
    from one hop to the next (``scipy.signal.lfilter`` with ``lfiltic`` of the last ``p``
    outputs)."""
    from scipy.signal import lfilter, lfiltic

    src = check_signal(e, "lpc_synthesis: e")
    envelopes, hop = _filters(envelopes, hop, src.size, "lpc_synthesis")
    p = envelopes.shape[1] - 1
    out = np.zeros(src.size + p)
    for k, start in enumerate(range(0, src.size, hop)):
        stop = min(start + hop, src.size)
        past = out[start:start + p][::-1]
        zi = lfiltic([1.0], envelopes[k], past)
        out[p + start:p + stop], _ = lfilter([1.0], envelopes[k], src[start:stop], zi=zi)
    return out[p:]
