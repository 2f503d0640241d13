"""Pitch: a voice's fundamental frequency hop by hop, the instants of its glottal pulses, and
the pitch changed by moving those pulses (pitch-synchronous overlap-add).

- :func:`pitch_track` - the fundamental frequency ``f0`` every 10 ms, 0 where the voice is
  silent or unvoiced (YIN, de Cheveigne and Kawahara 2002).
- :func:`pitch_marks` - one sample per glottal pulse in the voiced stretches (the peaks of
  the linear-prediction residual, one period apart), evenly spaced marks elsewhere.
- :func:`psola` - every pulse's two-period grain moved to a new spacing, ``factor`` times
  denser: the pitch times ``factor`` at the same duration (Moulines and Charpentier 1990).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from ..errors import InputError
from .frames import check_signal
from .lpc import as_hop, as_rate, lpc_envelopes, lpc_residual

FMIN = 60.0
FMAX = 400.0
THRESHOLD = 0.2
FLOOR_DB = 40.0


def pitch_track(x: Any, sample_rate: int, fmin: float = FMIN, fmax: float = FMAX,
                threshold: float = THRESHOLD) -> tuple[np.ndarray, int]:
    """The fundamental frequency of ``x`` every 10 ms, by YIN: an array ``f0`` of shape (K,)
    in Hz, 0 where hop ``k`` is unvoiced, and the hop ``S`` in samples (``K = ceil(N / S)``;
    hop ``k`` holds samples ``[k S, (k+1) S)``).

    For the ``W = 2 S`` samples ``s`` starting at the middle of hop ``k`` less ``S``, the
    difference function ``d(tau) = sum_{j<W} (s[j] - s[j + tau])^2`` (from the correlation,
    ``d(tau) = E_0 + E_tau - 2 r(tau)``) is normalised by its running mean,
    ``d'(tau) = d(tau) tau / sum_{u=1..tau} d(u)`` (``d'(0) = 1``), which is near 0 at the
    period and its multiples and near 1 for noise. The period is the first ``tau`` in
    ``[sr / fmax, sr / fmin]`` where ``d'`` falls below ``threshold``, taken down to the
    local minimum that follows and refined by a parabola through it and its neighbours; the
    hop is unvoiced where ``d'`` never falls below ``threshold`` or where the frame is more
    than 40 dB below the loudest frame. ``f0 = sr / period``. Then each voiced stretch's
    octave jumps are undone and breaks of one or two hops bridged (see :func:`_smoothed`).
    """
    a = check_signal(x, "pitch_track: x")
    sr = as_rate(sample_rate, "pitch_track")
    if not (np.isfinite(fmin) and np.isfinite(fmax) and 0.0 < fmin < fmax < sr / 4):
        raise InputError(f"pitch_track: need 0 < fmin < fmax < sample_rate / 4, got "
                         f"fmin={fmin!r}, fmax={fmax!r}")
    if not np.isfinite(threshold) or not 0.0 < threshold < 1.0:
        raise InputError(f"pitch_track: threshold must be in (0, 1), got {threshold!r}")
    hop = sr // 100
    width = 2 * hop
    low = max(2, int(np.floor(sr / fmax)))
    high = int(np.ceil(sr / fmin))
    count = max(1, -(-a.size // hop))
    padded = np.pad(a, (hop // 2, width + high + hop))
    energies = np.empty(count)
    periods = np.zeros(count)
    for k in range(count):
        s = padded[k * hop:k * hop + width + high + 1]
        head = s[:width]
        energies[k] = float(head @ head)
        r = np.correlate(s, head, mode="valid")[:high + 1]
        squares = np.cumsum(np.concatenate([[0.0], s * s]))
        e_tau = squares[width:width + high + 1] - squares[:high + 1]
        d = np.maximum(energies[k] + e_tau - 2.0 * r, 0.0)
        running = np.cumsum(d[1:])
        normalised = np.ones(high + 1)
        safe = running > 0.0
        normalised[1:][safe] = d[1:][safe] * np.arange(1, high + 1)[safe] / running[safe]
        below = np.flatnonzero(normalised[low:high] < threshold)
        if below.size == 0:
            continue
        tau = low + int(below[0])
        while tau + 1 < high and normalised[tau + 1] < normalised[tau]:
            tau += 1
        left, mid, right = normalised[tau - 1], normalised[tau], normalised[tau + 1]
        curvature = left - 2.0 * mid + right
        shift = 0.5 * (left - right) / curvature if curvature > 0.0 else 0.0
        periods[k] = tau + float(np.clip(shift, -0.5, 0.5))
    loud = energies.max()
    voiced = (periods > 0.0) & (energies > loud * 10.0 ** (-FLOOR_DB / 10.0)) & (loud > 0.0)
    f0 = np.zeros(count)
    f0[voiced] = sr / periods[voiced]
    return _smoothed(f0), hop


def _smoothed(f0: np.ndarray) -> np.ndarray:
    """A track without its octave jumps and short breaks: a value about twice or half its
    stretch's median (ratio in [1.7, 2.3] or its inverse) is halved or doubled, and a break
    of one or two unvoiced hops between values within 20% of each other is bridged by a
    straight line."""
    f0 = f0.copy()
    for start, stop in _runs(f0 > 0.0):
        median = float(np.median(f0[start:stop]))
        ratio = f0[start:stop] / median
        f0[start:stop] = np.where((ratio > 1.7) & (ratio < 2.3), f0[start:stop] / 2.0,
                                  np.where((ratio > 1 / 2.3) & (ratio < 1 / 1.7),
                                           f0[start:stop] * 2.0, f0[start:stop]))
    for start, stop in _runs(f0 == 0.0):
        if start == 0 or stop == f0.size or stop - start > 2:
            continue
        before, after = f0[start - 1], f0[stop]
        if max(before, after) <= 1.2 * min(before, after):
            f0[start:stop] = np.linspace(before, after, stop - start + 2)[1:-1]
    return f0


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The ``[start, stop)`` index ranges where ``flags`` is true."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def pitch_marks(x: Any, sample_rate: int, f0: Any, hop: int, residual: Any = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """One mark per glottal pulse where ``f0`` (from :func:`pitch_track`) is voiced, evenly
    spaced marks elsewhere: sorted sample indices ``m`` of shape (M,) from 0 to ``N - 1``
    and a boolean array saying which are pulses.

    A pulse is a peak of the excitation ``e`` (``residual``, by default the
    linear-prediction residual of ``x``, :func:`~minigru.audio.lpc.lpc_residual`), smoothed
    over 1 ms and taken with the sign ``sgn(sum e^3)`` of its larger peaks over the voiced
    stretches. In each voiced stretch the first mark is the largest peak within one period
    of its start, and each next mark the largest peak between 0.75 and 1.25 periods after
    the last (the period ``sr / f0`` of the hop the last mark is in), until the stretch
    ends. Everywhere else, before, between and after the stretches, marks are about 5 ms
    apart, evenly spaced.
    """
    a = check_signal(x, "pitch_marks: x")
    sr = as_rate(sample_rate, "pitch_marks")
    track = np.asarray(f0, dtype=np.float64)
    hop = as_hop(hop, "pitch_marks")
    if track.ndim != 1 or track.size * hop < a.size or not np.all(np.isfinite(track)) \
            or np.any(track < 0.0):
        raise InputError(f"pitch_marks: f0 must be a 1-D array of frequencies >= 0 with a value "
                         f"for every hop of {hop} samples of x, got shape {np.shape(f0)}")
    if residual is None:
        envelopes, lpc_hop = lpc_envelopes(a, sr)
        e = lpc_residual(a, envelopes, lpc_hop)
    else:
        e = check_signal(residual, "pitch_marks: residual")
        if e.size != a.size:
            raise InputError(f"pitch_marks: residual has {e.size} samples, x has {a.size}")
    smooth = max(1, sr // 1000)
    e = np.convolve(e, np.hanning(smooth + 2)[1:-1], mode="same")
    voiced_hops = track[:-(-a.size // hop)] > 0.0
    stretches = [(int(start) * hop, min(int(stop) * hop, a.size))
                 for start, stop in _runs(voiced_hops)]
    if stretches:
        inside = np.concatenate([e[start:stop] for start, stop in stretches])
        if float(np.sum(inside ** 3)) < 0.0:
            e = -e
    pulses: list[tuple[int, int]] = []
    for number, (start, stop) in enumerate(stretches):
        period = sr / track[start // hop]
        mark = start + int(np.argmax(e[start:min(stop, start + int(np.ceil(period)))]))
        while mark < stop:
            pulses.append((mark, number))
            f = track[min(mark // hop, track.size - 1)]
            if f <= 0.0:
                break
            lo = mark + max(1, int(np.floor(0.75 * sr / f)))
            hi = min(a.size, mark + int(np.ceil(1.25 * sr / f)) + 1)
            if lo >= stop or lo >= hi:
                break
            mark = lo + int(np.argmax(e[lo:hi]))
    spacing = max(1, sr // 200)
    anchors = [(0, -1), *pulses, (a.size - 1, -1)] if a.size > 1 else [(0, -1)]
    marks: list[int] = []
    flags: list[bool] = []
    for (left, left_stretch), (right, right_stretch) in pairwise(anchors):
        marks.append(left)
        flags.append(left_stretch >= 0)
        same = left_stretch >= 0 and left_stretch == right_stretch
        inner = 0 if same else max(0, round((right - left) / spacing) - 1)
        if inner:
            marks.extend(int(round(v)) for v in np.linspace(left, right, inner + 2)[1:-1])
            flags.extend([False] * inner)
    marks.append(anchors[-1][0])
    flags.append(anchors[-1][1] >= 0)
    m = np.asarray(marks, dtype=np.int64)
    keep = np.concatenate([[True], np.diff(m) > 0])
    return m[keep], np.asarray(flags, dtype=bool)[keep]


def psola(x: Any, marks: Any, pulses: Any, factor: float) -> np.ndarray:
    """Pitch-synchronous overlap-add (TD-PSOLA, Moulines and Charpentier 1990): the pitch
    times ``factor``, the duration and the spectral envelope kept. Shape (N,) in, (N,) out.

    Mark ``i`` (from :func:`pitch_marks`, at ``m_i``) owns the grain of ``x`` from the
    previous mark to the next, ``x[m_(i-1) : m_(i+1)]``, under a window that rises as a
    half Hann window over ``L_i = m_i - m_(i-1)`` samples and falls as one over
    ``R_i = m_(i+1) - m_i``. Output marks ``t_0 = m_0, t_(j+1) = t_j + step_j`` are laid
    down to the end of the signal; output mark ``t_j`` takes the grain of the analysis mark
    nearest to it (the mapping of time is the identity: the duration is kept) and adds it
    centred on ``t_j``. ``step_j = (L_i + R_i) / (2 factor)`` at a pulse, a period
    ``factor`` times shorter; ``R_i`` elsewhere, so the unvoiced stretches are copied as they
    were. ``factor`` in [0.5, 2].
    """
    a = check_signal(x, "psola: x")
    m = np.asarray(marks)
    flags = np.asarray(pulses, dtype=bool)
    if m.ndim != 1 or m.size < 1 or not np.issubdtype(m.dtype, np.integer) \
            or m[0] != 0 or m[-1] != a.size - 1 or np.any(np.diff(m) <= 0):
        raise InputError(f"psola: marks must be increasing sample indices from 0 to "
                         f"{a.size - 1}, got shape {np.shape(marks)}")
    if flags.shape != m.shape:
        raise InputError(f"psola: pulses must have the shape of marks {m.shape}, got "
                         f"{flags.shape}")
    if not np.isfinite(factor) or not 0.5 <= factor <= 2.0:
        raise InputError(f"psola: factor must be in [0.5, 2], got {factor!r}")
    if a.size == 1 or factor == 1.0:
        return a.copy()
    gaps = np.diff(m)
    left = np.concatenate([[gaps[0]], gaps])
    right = np.concatenate([gaps, [gaps[-1]]])
    reach = int(max(left.max(), right.max()))
    padded = np.pad(a, reach)
    out = np.zeros(a.size + 2 * reach)
    t = 0.0
    while t <= a.size - 1:
        j = int(round(t))
        i = int(np.searchsorted(m, j))
        if i == m.size or (i > 0 and j - m[i - 1] <= m[i] - j):
            i -= 1
        lo, hi = int(left[i]), int(right[i])
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(lo) / lo)
        fall = 0.5 + 0.5 * np.cos(np.pi * np.arange(hi) / hi)
        grain = padded[reach + m[i] - lo:reach + m[i] + hi] * np.concatenate([rise, fall])
        out[reach + j - lo:reach + j + hi] += grain
        t += (lo + hi) / (2.0 * factor) if flags[i] else hi
    return out[reach:reach + a.size]
