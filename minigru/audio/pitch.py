"""Pitch: a voice's fundamental frequency hop by hop, the instants of its glottal pulses, and
the pitch changed by moving those pulses (pitch-synchronous overlap-add).

- :func:`pitch_track` - the fundamental frequency ``f0`` every 10 ms, 0 where the voice is
  silent or unvoiced (pYIN, Mauch and Dixon 2014, or YIN, de Cheveigne and Kawahara 2002).
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
BINS_PER_OCTAVE = 48
MAX_STEP = 17
SWITCH = 0.01
ABSOLUTE = 0.01
PRIOR = (2.0, 18.0)
TRUST = 0.5


def pitch_track(x: Any, sample_rate: int, fmin: float = FMIN, fmax: float = FMAX,
                threshold: float | None = None, method: str = "pyin"
                ) -> tuple[np.ndarray, int]:
    """The fundamental frequency of ``x`` every 10 ms: an array ``f0`` of shape (K,) in Hz, 0
    where hop ``k`` is unvoiced, and the hop ``S`` in samples (``K = ceil(N / S)``; hop ``k``
    holds samples ``[k S, (k+1) S)``).

    Both methods read YIN's curve (de Cheveigne and Kawahara 2002). For the ``W = 2 S``
    samples ``s`` starting at the middle of hop ``k`` less ``S``, the difference function
    ``d(tau) = sum_{j<W} (s[j] - s[j + tau])^2`` (from the correlation,
    ``d(tau) = E_0 + E_tau - 2 r(tau)``) is normalised by its running mean,
    ``d'(tau) = d(tau) tau / sum_{u=1..tau} d(u)`` (``d'(0) = 1``), which is near 0 at the
    period and its multiples and near 1 for noise. A trough is a ``tau`` in
    ``[sr / fmax, sr / fmin)`` where ``d'`` is lower than before and not higher after; its
    period is refined by a parabola through it and its neighbours, and ``f0 = sr / period``.
    A hop whose frame is more than 40 dB below the loudest frame is unvoiced.

    - ``method="pyin"`` (the default; Mauch and Dixon 2014): every threshold ``s`` is drawn from
      a Beta(2, 18) prior (mean 0.1) instead of fixed. Trough ``t`` (values ``v_t`` in order of
      ``tau``) is YIN's pick for every ``s`` above ``v_t`` and at most every earlier trough's
      value, so its probability is ``p_t = F(m_t) - F(v_t)``, where
      ``m_t = min(1, min_{u<t} v_u)`` and ``F`` is the prior's distribution function; the lowest
      trough also takes ``0.01 F(v_min)``, for the thresholds no trough is below. A hidden
      Markov model then reads the whole track at once. Its states are a pitch bin (a quarter of
      a semitone each, from ``fmin`` to ``fmax``) times voiced or unvoiced. A voiced state's
      likelihood is half the sum of ``p_t`` over the troughs in its bin (YIN trusted by half, as
      in the authors' implementation), an unvoiced state's ``(1 - sum_t p_t / 2) / M`` over the
      ``M`` bins. The pitch moves from bin ``i`` to bin ``j`` with probability
      ``max(0, 18 - |i - j|) / 18^2`` (at most 4.25 semitones a hop; a move past ``fmin`` or
      ``fmax`` is lost, so the edges of the range are no cheaper to stay in than its middle),
      and the voicing switches with probability 0.01, also into the first hop and out of the
      last (the track starts and ends as if an unvoiced hop lay beyond the signal). The Viterbi
      path gives each hop its state; a voiced hop's ``f0`` is its bin's most probable trough. A
      voice that dips in periodicity for a few hops (a falling pitch, a weak closure) stays
      voiced, and an octave error costs a jump the model cannot make.
    - ``method="yin"``: the period is the first ``tau`` where ``d'`` falls below
      ``threshold`` (default 0.2), taken down to the local minimum that follows and refined
      as above; the hop is unvoiced where ``d'`` never falls below ``threshold``. Then each
      voiced stretch's octave jumps are undone and breaks of one or two hops bridged (see
      :func:`_smoothed`).
    """
    a = check_signal(x, "pitch_track: x")
    sr = as_rate(sample_rate, "pitch_track")
    if not (np.isfinite(fmin) and np.isfinite(fmax) and 0.0 < fmin < fmax < sr / 4):
        raise InputError(f"pitch_track: need 0 < fmin < fmax < sample_rate / 4, got "
                         f"fmin={fmin!r}, fmax={fmax!r}")
    if method not in ("pyin", "yin"):
        raise InputError(f"pitch_track: method must be 'pyin' or 'yin', got {method!r}")
    if threshold is not None and method != "yin":
        raise InputError("pitch_track: threshold applies to method='yin' only")
    threshold = THRESHOLD if threshold is None else threshold
    if not np.isfinite(threshold) or not 0.0 < threshold < 1.0:
        raise InputError(f"pitch_track: threshold must be in (0, 1), got {threshold!r}")
    hop = sr // 100
    low = max(2, int(np.floor(sr / fmax)))
    high = int(np.ceil(sr / fmin))
    curves, energies = _yin_curves(a, hop, high)
    loud = energies.max()
    audible = (energies > loud * 10.0 ** (-FLOOR_DB / 10.0)) & (loud > 0.0)
    if method == "pyin":
        return _pyin(curves, audible, sr, low, high, fmin, fmax), hop
    periods = np.array([_yin_period(c, low, high, threshold) for c in curves])
    voiced = (periods > 0.0) & audible
    f0 = np.zeros(curves.shape[0])
    f0[voiced] = sr / periods[voiced]
    return _smoothed(f0), hop


def _yin_curves(a: np.ndarray, hop: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """YIN's normalised difference ``d'(tau)``, ``tau = 0..high``, of every hop's frame (K,
    high + 1), and each frame's energy ``E_0`` (K,) (see :func:`pitch_track`)."""
    width = 2 * hop
    count = max(1, -(-a.size // hop))
    padded = np.pad(a, (hop // 2, width + high + hop))
    energies = np.empty(count)
    curves = np.ones((count, high + 1))
    lags = np.arange(1, high + 1)
    for k in range(count):
        s = padded[k * hop:k * hop + width + high + 1]
        head = s[:width]
        energies[k] = float(head @ head)
        r = np.correlate(s, head, mode="valid")[:high + 1]
        squares = np.cumsum(np.concatenate([[0.0], s * s]))
        e_tau = squares[width:width + high + 1] - squares[:high + 1]
        d = np.maximum(energies[k] + e_tau - 2.0 * r, 0.0)
        running = np.cumsum(d[1:])
        safe = running > 0.0
        curves[k, 1:][safe] = d[1:][safe] * lags[safe] / running[safe]
    return curves, energies


def _refined(curve: np.ndarray, tau: int) -> float:
    """``tau`` moved to the vertex of the parabola through ``curve`` at ``tau - 1``, ``tau``
    and ``tau + 1`` (by at most half a sample)."""
    left, mid, right = curve[tau - 1], curve[tau], curve[tau + 1]
    curvature = left - 2.0 * mid + right
    shift = 0.5 * (left - right) / curvature if curvature > 0.0 else 0.0
    return tau + float(np.clip(shift, -0.5, 0.5))


def _yin_period(curve: np.ndarray, low: int, high: int, threshold: float) -> float:
    """YIN's period of one frame's curve, 0 where it never falls below ``threshold``."""
    below = np.flatnonzero(curve[low:high] < threshold)
    if below.size == 0:
        return 0.0
    tau = low + int(below[0])
    while tau + 1 < high and curve[tau + 1] < curve[tau]:
        tau += 1
    return _refined(curve, tau)


def _trough_probabilities(curve: np.ndarray, low: int, high: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """The troughs' refined periods and their probabilities ``p_t`` under the threshold
    prior (see :func:`pitch_track`)."""
    from scipy.special import betainc

    tau = np.arange(low, high)
    c = curve
    troughs = tau[(c[tau] < c[tau - 1]) & (c[tau] <= c[tau + 1])]
    if troughs.size == 0:
        return np.zeros(0), np.zeros(0)
    values = np.minimum(c[troughs], 1.0)
    earlier = np.minimum.accumulate(np.concatenate([[1.0], values[:-1]]))
    cdf = betainc(*PRIOR, values)
    probabilities = np.maximum(betainc(*PRIOR, earlier) - cdf, 0.0)
    lowest = int(np.argmin(values))
    probabilities[lowest] += ABSOLUTE * cdf[lowest]
    return np.array([_refined(c, int(t)) for t in troughs]), probabilities


def _pyin(curves: np.ndarray, audible: np.ndarray, sr: int, low: int, high: int,
          fmin: float, fmax: float) -> np.ndarray:
    """pYIN's track from the frames' YIN curves (see :func:`pitch_track`). The model's state
    ``(0, j)`` is voiced in pitch bin ``j``, ``(1, j)`` unvoiced in it; ``log_switch[u, v]``
    is the log probability of voicing ``u`` followed by voicing ``v``."""
    count = curves.shape[0]
    bins = 1 + int(np.floor(BINS_PER_OCTAVE * np.log2(fmax / fmin)))
    voiced_like = np.zeros((count, bins))
    best = np.zeros((count, bins))
    best_p = np.zeros((count, bins))
    for k in np.flatnonzero(audible):
        periods, probabilities = _trough_probabilities(curves[k], low, high)
        f = sr / periods
        j = np.clip(np.rint(BINS_PER_OCTAVE * np.log2(f / fmin)), 0, bins - 1).astype(int)
        np.add.at(voiced_like[k], j, probabilities)
        for b, freq, p in zip(j, f, probabilities, strict=True):
            if p > best_p[k, b]:
                best_p[k, b], best[k, b] = p, freq
    voiced_like *= TRUST
    unvoiced_like = (1.0 - np.minimum(voiced_like.sum(axis=1), TRUST)) / bins
    with np.errstate(divide="ignore"):
        log_like = np.stack([np.log(voiced_like),
                             np.log(np.repeat(unvoiced_like[:, None], bins, axis=1))], axis=1)
    step = np.abs(np.subtract.outer(np.arange(bins), np.arange(bins)))
    moves = np.maximum(MAX_STEP + 1 - step, 0).astype(np.float64)
    with np.errstate(divide="ignore"):
        log_move = np.log(moves / (MAX_STEP + 1) ** 2)
    log_switch = np.log(np.array([[1.0 - SWITCH, SWITCH], [SWITCH, 1.0 - SWITCH]]))
    score = log_like[0] + log_switch[1][:, None] - np.log(bins)
    from_bin = np.zeros((count, 2, bins), dtype=np.int64)
    from_voicing = np.zeros((count, 2, bins), dtype=np.int64)
    states = np.arange(bins)
    for k in range(1, count):
        moved = score[:, :, None] + log_move[None]
        came = moved.argmax(axis=1)
        arrived = np.take_along_axis(moved, came[:, None, :], axis=1)[:, 0]
        switched = arrived[:, None, :] + log_switch[:, :, None]
        voicing = switched.argmax(axis=0)
        score = np.take_along_axis(switched, voicing[None], axis=0)[0] + log_like[k]
        from_voicing[k] = voicing
        from_bin[k] = came[voicing, states]
    f0 = np.zeros(count)
    ending = score + log_switch[:, 1][:, None]
    v, b = np.unravel_index(int(np.argmax(ending)), score.shape)
    for k in range(count - 1, -1, -1):
        if v == 0:
            f0[k] = best[k, b]
        v, b = from_voicing[k, v, b], from_bin[k, v, b]
    return f0


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
