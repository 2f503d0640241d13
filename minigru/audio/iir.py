"""A Butterworth high-pass filter, designed and run without ``scipy.signal``.

Endpointing (``minigru.audio.endpoint``) high-passes every recording it trims. SciPy's
``butter`` and ``sosfilt`` would do it, but importing ``scipy.signal`` takes about half a
second, more than everything else a one-file ``minigru predict`` does; so the design is
written out here, by the steps ``scipy.signal.butter(order, cutoff, "highpass", fs=rate,
output="sos")`` takes, and the filter runs as a compiled cascade of second-order sections
(``minigru.kernels.biquad``). Both give SciPy's numbers to the bit (``tests/test_endpoint.py``).

The design, for an even order N, cutoff f_c and sample rate f_s:

1. The analog low-pass prototype of cutoff 1 rad/s has the N poles on the left half of the
   unit circle, ``p_k = -exp(i pi m / (2N))`` for m = -N+1, -N+3, ..., N-1, and no zeros.
2. The cutoff is pre-warped, so that the digital filter is down 3 dB exactly at f_c:
   with the frequency normalised to Nyquist, ``w = 2 f_c / f_s``, the analog cutoff is
   ``W = 4 tan(pi w / 2)`` (the bilinear transform below with its rate set to 2).
3. Low-pass to high-pass, s -> W / s: poles ``W / p_k``, N zeros at s = 0, gain
   ``1 / prod(-p_k)`` (1 up to rounding).
4. The bilinear transform, s = 4 (z - 1) / (z + 1): a pole P goes to ``(4 + P) / (4 - P)``,
   the zeros at s = 0 to z = 1, and the gain is multiplied by ``4^N / prod(4 - P)``.
5. The conjugate poles are paired into N/2 sections, each with two of the zeros at z = 1:
   ``b = [1, -2, 1]`` and ``a = [1, -2 Re P, |P|^2]``, ordered as SciPy's ``zpk2sos`` orders
   them (the pair nearest the unit circle last), the gain applied to the first section.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..kernels.biquad import sos_filter


def butter_highpass(order: int, cutoff: float, sample_rate: float) -> np.ndarray:
    """The second-order sections (order/2, 6) of a digital Butterworth high-pass filter of
    even ``order`` with its -3 dB point at ``cutoff`` Hz, for ``sample_rate`` (module
    docstring): each row ``[b0, b1, b2, 1, a1, a2]``, as ``scipy.signal.butter(order, cutoff,
    "highpass", fs=sample_rate, output="sos")``.

    Raises:
        InputError: ``order`` is not a positive even integer, or ``cutoff`` is not between 0
            and the Nyquist frequency.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 2 or order % 2:
        raise InputError(f"butter_highpass: order must be a positive even integer, got "
                         f"{order!r}")
    if not (isinstance(sample_rate, (int, float)) and math.isfinite(sample_rate)
            and sample_rate > 0):
        raise InputError(f"butter_highpass: sample_rate must be positive, got {sample_rate!r}")
    if not (isinstance(cutoff, (int, float)) and 0 < cutoff < sample_rate / 2):
        raise InputError(f"butter_highpass: cutoff must be between 0 and the Nyquist "
                         f"frequency {sample_rate / 2:g} Hz, got {cutoff!r}")
    m = np.arange(-order + 1, order, 2)
    prototype = -np.exp(1j * np.pi * m / (2 * order))
    warped = 2 * 2.0 * np.tan(np.pi * (2 * cutoff / sample_rate) / 2.0)
    analog = warped / prototype
    poles = (4.0 + analog) / (4.0 - analog)
    gain = np.real(1.0 / np.prod(-prototype)) * np.real(4.0**order / np.prod(4.0 - analog))
    upper = poles[poles.imag > 0]
    upper = upper[np.argsort(-np.abs(1 - np.abs(upper)), kind="stable")]
    sos = np.zeros((order // 2, 6))
    for s, p in enumerate(upper):
        sos[s, :3] = (1.0, -2.0, 1.0)
        sos[s, 3:] = np.poly([p, np.conj(p)])
    sos[0, :3] *= gain
    return sos


def sosfilt(sos: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """``signal`` (N,) filtered by the sections ``sos`` (S, 6) from rest, in float64
    (``scipy.signal.sosfilt(sos, signal)``; ``minigru.kernels.biquad``)."""
    return sos_filter(np.ascontiguousarray(sos, dtype=np.float64),
                      np.ascontiguousarray(signal, dtype=np.float64))
