"""Declipping: the peaks of a recording made too loud, restored by linear prediction.

A word spoken close to a microphone whose gain is set too high reaches full scale, and every
sample beyond it is recorded *at* full scale: the waveform's peaks are cut flat. The flat tops
add odd harmonics and spread the voice's energy up the band, so the spectral envelope the
features read is not the word's: without declipping, the default recogniser heard a voice it
never met 20 points less often when a tenth of the samples were clipped
(``benchmarks/bench_generalisation.py``).

Which samples are clipped: those equal to the recording's maximum, where it is positive, and
to its minimum, where it is negative (an integer WAV clips at +32767 and -32768 sixteen-bit
steps, so the two levels are found separately). A level counts as clipped only when at
least :data:`MIN_CLIPPED` samples lie at it: a single loudest sample is not clipping; and
only when no more than half of the recording's samples do (:data:`MAX_CLIPPED_SHARE`): a
level held by most of the recording is where it sits (a constant, or an offset held through
silence), and restoring it from no unclipped context gave values of 10^5. A
synthetic signal that repeats itself exactly, or one quantised to a few bits, can meet this
rule unclipped; restoring its loudest samples moves them a little beyond their level. A
gain or a DC offset applied after the clipping moves every clipped sample alike, so they
stay level and are found. A recording whose clipped peaks were reshaped afterwards
(resampled, filtered, dithered, or channels clipped apart and mixed down to mono:
``FeaturePipeline.read`` declips each channel before it averages them) has no exact level,
so this rule (``rule="flat"``, the default) does not find it; the rule for reshaped peaks,
below, finds it by where its samples lie.

How they are restored (Janssen, Veldhuis and Vries 1986, with the constraint of consistent
declipping): over a short stretch speech is an autoregressive process,

    e[n] = sum_{i=0}^{p} a_i x[n - i],   a_0 = 1,   e small,

so the clipped samples are taken as missing and chosen to make the prediction error small.
The recording is cut into blocks of ``block`` samples, each read with ``order`` samples of
context on either side (N samples). In a block that holds clipped samples M (the others, K,
are known), ``iterations`` times (3 by default):

1. estimate ``a`` from the Hann-windowed block as it now stands (the autocorrelation method,
   ``mg.audio.lpc.prediction_error_filter``);
2. with ``A`` the (N - p, N) prediction-error matrix (``(A x)_n = e[n + p]``, the error at
   every sample whose p predecessors lie in the block), take the least-squares solution

       x_M = argmin || A_M x_M + A_K x_K ||^2,  that is  A_M^T A_M x_M = -A_M^T A_K x_K;

3. keep it consistent with what was recorded: a sample clipped at the positive level c+ was at
   least c+, one clipped at c- at most c-, so ``x_M <- max(x_M, c+)`` or ``min(x_M, c-)``.

Blocks are taken in order, ``passes`` times over the recording (2), so on the second pass
every block's context on both sides is already restored. The samples that were not clipped
are never changed.

Peaks clipped and then reshaped (``rule="reshaped"``, :func:`piled_peaks`). A recording
clipped at level c and then resampled is ``y = h * z``, ``z`` the clipped signal and ``h``
the resampler's low-pass filter: each flat top of ``z`` comes out as a stretch near c that
ripples a little above and below it, and no two samples share a level. What remains is
where the samples lie: they pile up just below the recording's maximum m. In speech the
top of the distribution of |x| thins out instead, so for each polarity s (the samples
``s x > 0``, maximum ``m_s``), with ``N_s(t)`` the number of samples with ``s x >= t``,

    N_s(l m_s) / N_s(u m_s)      (l = PILE_LEVEL = 0.8, u = PILE_BASE = 0.6)

is small in a recording that was not clipped and large in one that was (FSDD's 2,500
clips: median 0.32, 90th percentile 0.47; clipped at 16 kHz and resampled to 8 kHz, 0.49
with 1% of the samples clipped and 0.66 with 10%, medians over one speaker's 500). The
share is counted on the recording without the top of its band (:func:`below_band_edge`,
faded out between 0.75 and 0.9 of the Nyquist frequency, its own ``m_s``), which is where
resamplers differ: on the whole band, 14 of FSDD's clips were judged otherwise than their
copies taken to 16 or 44.1 kHz and read back at 8 kHz; below the edge, 1. A polarity whose
share is at least ``PILE_SHARE`` (0.5) and which has at least :data:`MIN_CLIPPED` samples
of the recording at or above ``l m_s``, and no more than half of all its samples, counts as
clipped: those samples are taken as missing and restored as above, with ``s x_M >= l m_s``
as the constraint. The test finds nearly all the recordings clipped 10% (492 and 498 of
500) and about half of those clipped 1% (whose clipping mattered less), and takes about one
clean recording in fourteen (178 of FSDD's 2,500): restoring a clean recording's loudest
peaks by linear prediction moves them a little (7% of their RMS, median) and leaves the
rest as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .frames import check_signal
from .lpc import prediction_error_filter

MIN_CLIPPED = 3
"""Fewest samples at a recording's maximum (or minimum) for that level to count as clipped."""
MAX_CLIPPED_SHARE = 0.5
"""Clipping cuts a waveform's peaks: a level (or a polarity's piled peaks) that holds more
than this share of a recording's samples is where the recording sits, not its peaks (a
constant, an offset held through silence), and is not taken as clipped."""
PILE_LEVEL = 0.8
"""The fraction of a polarity's maximum above which the samples of a reshaped clipped peak
lie (:func:`piled_peaks`)."""
PILE_BASE = 0.6
"""The fraction of a polarity's maximum whose exceedances the pile is measured against."""
PILE_SHARE = 0.5
"""The share of the samples above ``PILE_BASE`` that lie above ``PILE_LEVEL`` from which a
polarity counts as clipped and reshaped."""
SHARE_BAND = (0.75, 0.9)
"""The fractions of the Nyquist frequency between which the copy the share is measured on
fades out (:func:`below_band_edge`)."""
RULES = ("flat", "reshaped")


def clipped_samples(x: Any) -> np.ndarray:
    """A boolean mask of the clipped samples of ``x`` (N,): those at its maximum, where that is
    positive, and those at its minimum, where that is negative, each level only when at least
    :data:`MIN_CLIPPED` samples lie at it and no more than :data:`MAX_CLIPPED_SHARE` of all."""
    a = check_signal(x, "clipped_samples: x")
    mask = np.zeros(a.size, dtype=bool)
    for level in (a.max(), a.min()):
        at = a == level
        if level != 0 and MIN_CLIPPED <= np.count_nonzero(at) <= MAX_CLIPPED_SHARE * a.size:
            mask |= at
    return mask


def below_band_edge(x: Any) -> np.ndarray:
    """``x`` (N,) without the top of its band: zero-phase, its spectrum (of the signal
    padded with 64 zeros) times ``g(f) = (1 - cos(pi r)) / 2``, ``r = clip((f_1 - f) /
    (f_1 - f_0), 0, 1)``, with f the frequency as a fraction of Nyquist and
    ``(f_0, f_1) = SHARE_BAND``: 1 below 0.75 of Nyquist, 0 above 0.9. The top of the band
    is where resamplers differ, and what makes a recording's peaks differ from its copy's
    at another rate read back at this one. float64, (N,).

    Raises:
        InputError: ``x`` is not a 1-D, non-empty, finite signal.
    """
    a = check_signal(x, "below_band_edge: x")
    n = a.size + 64
    low, high = SHARE_BAND
    fade = np.clip((high - np.fft.rfftfreq(n, 0.5)) / (high - low), 0.0, 1.0)
    return np.fft.irfft(np.fft.rfft(a, n) * (0.5 - 0.5 * np.cos(np.pi * fade)), n)[:a.size]


def piled_peaks(x: Any) -> tuple[np.ndarray, float, float]:
    """The peaks of a recording clipped and then reshaped (resampled, filtered), found by
    where its samples lie (the rule is in the module docstring): a boolean mask of them,
    (N,), and the levels ``high`` and ``low`` the positive and negative ones lie beyond
    (``inf`` and ``-inf`` for a polarity not found clipped)."""
    a = check_signal(x, "piled_peaks: x")
    mask = np.zeros(a.size, dtype=bool)
    levels = [np.inf, -np.inf]
    smooth = below_band_edge(a)
    for k, sign in enumerate((1.0, -1.0)):
        v, w = sign * a, sign * smooth
        top, smooth_top = v.max(initial=0.0), w.max(initial=0.0)
        if top <= 0 or smooth_top <= 0:
            continue
        above = v >= PILE_LEVEL * top
        piled = np.count_nonzero(w >= PILE_LEVEL * smooth_top)
        if (MIN_CLIPPED <= np.count_nonzero(above) <= MAX_CLIPPED_SHARE * a.size
                and piled >= PILE_SHARE * np.count_nonzero(w >= PILE_BASE * smooth_top)):
            mask |= above
            levels[k] = sign * PILE_LEVEL * top
    return mask, levels[0], levels[1]


def _positive_int(value: Any, low: int, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise InputError(f"declip: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _prediction_error_matrix(a: np.ndarray, n: int) -> np.ndarray:
    """(n - p, n) matrix ``A`` with ``(A x)_r = sum_i a_i x[r + p - i]``."""
    p = a.size - 1
    out = np.zeros((n - p, n))
    rows = np.arange(n - p)
    for i, coefficient in enumerate(a):
        out[rows, rows + p - i] = coefficient
    return out


def _least_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin_x ||a x - b||^2 by the normal equations ``a^T a x = a^T b`` (a has full column
    rank here: every column holds a_0 = 1 in a row of its own), by SVD if they are
    singular."""
    try:
        return np.linalg.solve(a.T @ a, a.T @ b)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(a, b, rcond=None)[0]


def declip(x: Any, order: int = 16, block: int = 256, iterations: int = 3,
           passes: int = 2, rule: str = "flat") -> np.ndarray:
    """``x`` with its clipped samples restored by linear prediction (the method is in the
    module docstring); float64, (N,). A recording that is not clipped comes back unchanged
    (as float64).

    Args:
        x: (N,) signal.
        order: p, the order of the prediction (16: at 8 kHz two milliseconds of context,
            eight resonances).
        block: samples per block (each read with ``order`` samples of context each side).
        iterations: rounds of estimating ``a`` and solving for the clipped samples per block.
        passes: times over the whole recording.
        rule: which samples are clipped: "flat", those at the recording's extreme levels
            (:func:`clipped_samples`), or "reshaped", the peaks piled below its maximum of
            a recording clipped and then resampled or filtered (:func:`piled_peaks`).

    Raises:
        InputError: a bad signal, ``rule`` not one of :data:`RULES`, or ``order``,
            ``block``, ``iterations`` or ``passes`` not an integer >= 1 (``block`` >=
            ``order``).
    """
    a = check_signal(x, "declip: x").astype(np.float64)
    p = _positive_int(order, 1, "order")
    size = _positive_int(block, p, "block")
    rounds = _positive_int(iterations, 1, "iterations")
    sweeps = _positive_int(passes, 1, "passes")
    if rule not in RULES:
        raise InputError(f"declip: rule must be one of {RULES}, got {rule!r}")
    if rule == "flat":
        clipped, high, low = clipped_samples(a), a.max(), a.min()
    else:
        clipped, high, low = piled_peaks(a)
    y = a.copy()
    if not clipped.any():
        return y
    n = a.size
    for _ in range(sweeps):
        for start in range(0, n, size):
            end = min(n, start + size)
            if not clipped[start:end].any():
                continue
            first, last = max(0, start - p), min(n, end + p)
            segment = y[first:last].copy()
            missing = np.zeros(segment.size, dtype=bool)
            missing[start - first:end - first] = clipped[start:end]
            positive = a[first:last][missing] > 0
            window = np.hanning(segment.size)
            q = min(p, segment.size - 1)
            for _ in range(rounds):
                matrix = _prediction_error_matrix(
                    prediction_error_filter(segment * window, q), segment.size)
                solution = _least_squares(matrix[:, missing],
                                          -matrix[:, ~missing] @ segment[~missing])
                segment[missing] = np.where(positive, np.maximum(solution, high),
                                            np.minimum(solution, low))
            y[start:end] = segment[start - first:end - first]
    return y
