"""Endpointing: where the speech in a recording starts and ends.

One rule, used by every entry point (the pipeline's ``trim`` setting at training,
evaluation and prediction; the streaming recogniser's word detector):

1. Take the recording's offset away. A cheap sound card adds a constant ``c`` to every
   sample (a DC offset); its square counts in every frame's power, so a quiet room around
   the word would reach within 35 dB of it, and the word would be kept with all of it.
   ``c`` is the mean of the samples that are not digital silence (runs of at least one hop
   of exact zeros, as a recording padded or muted by an editor holds, and the exact zeros
   that begin or end it). Where ``c^2`` is within ``TOP_DB + OFFSET_BELOW_DB`` (45 dB) of
   the loudest frame's power of ``x - c``, ``y = x - c`` outside digital silence and 0 on
   it; else ``y = x`` (:func:`without_offset`). So a recording that carries an offset
   throughout is read as if it had none, and a clip with an offset padded with zeros
   keeps its own samples' ``y``. An offset whose square is more than ``OFFSET_BELOW_DB``
   (10 dB) below step 2's threshold adds at most a tenth of the threshold to any frame:
   it could move only a frame already within 0.4 dB of it, and the mean of a short clip
   that small is mostly the speech's own. Such a recording is read exactly as it is, so
   recordings without an offset are trimmed to the samples they were before this step.
   Cut ``y`` into frames of ``FRAME_S`` (25 ms) every ``HOP_S`` (10 ms) and take each
   frame's power ``p_t = mean(y_t^2)``. Every step below reads ``y``, and :func:`trim`
   keeps ``y`` between the bounds, so the words' features do not carry the offset either
   (the noise floor's level, ``mean(x^2)``, would count ``c^2``, and what pre-emphasis
   leaves of it reaches the lowest mel filter of every quiet frame).
2. A frame is speech when its power is within ``TOP_DB`` (35 dB) of the loudest frame's:
   ``p_t >= P 10^(-TOP_DB / 10)`` with ``P = max_t p_t``.
3. A recording made in a room has a floor of steady noise around the word (its fan, its
   hum, the microphone's hiss), often less than 35 dB below the word. Where the recording
   holds one, speech must also rise above it (:func:`noise_floor`):

   - ``b_t`` is the power of the same frames after a 4th-order Butterworth high-pass at
     ``BAND_HZ`` (150 Hz), so that a rumble's few slow components do not make the floor
     look unsteady;
   - a window of ``FLOOR_FRAMES`` (20) frames, about 0.2 s, is steady when
     ``max b / min b <= 10^(STEADY_DB / 10)`` (6 dB) within it and ``min b > 0`` (digital
     silence is no floor: a word padded with zeros has the floor it had alone); the floor
     is the steady window of least mean ``b``, when that mean is at least
     ``FLOOR_BELOW_DB`` (12 dB) below the loudest ``b``;
   - with a floor, a frame is speech only if also ``b_t >= B_max 10^(FLOOR_MARGIN_DB / 10)``,
     ``B_max`` the floor window's loudest frame and ``FLOOR_MARGIN_DB`` 3 dB; and the
     speech is the run of speech frames around the loudest one, bridging gaps of at most
     ``MAX_GAP_FRAMES`` (20) frames (the silence of a stop inside "eight" or "six" is
     shorter), so a burst of noise a second away from the word is not taken for it;
   - the run then grows over the adjacent frames of step 2 that still reach the floor's
     loudest frame, ``b_t >= B_max 10^(FLOOR_RELEASE_DB / 10)`` with ``FLOOR_RELEASE_DB``
     0 dB, up to the first frame that does not. Two thresholds, as the streaming detector
     has (below): 3 dB above the floor to find the word, the floor itself to end it, so
     the word's onset and decay, which rise above the noise by less than 3 dB, stay with
     it. A word 10 dB above white noise, with 1 s of the noise on each side, was cut to
     its loud middle by the 3 dB threshold alone (up to a quarter of the word went), and
     the recogniser, which trains on whole words, recognised 75.0% of such words from
     speakers it never heard against 81.7% with the noise over the word alone; 79.8% with
     the release (``benchmarks/bench_generalisation.py``, three seeds). A floor that
     takes away no frame of step 2 (digital silence, or a hiss more than ``TOP_DB`` below
     the word) changes nothing.

   A word cut tightly has no 0.2 s of steady sound 12 dB below it, so it is trimmed by step
   2 alone: 14 of FSDD's 2,500 clips are trimmed differently than by steps 1-2 alone, most
   of them a word followed by a long steady tail of its room. In 4 the steady window is part
   of the word itself, 12-20 dB below its loudest frame (the vowel or final /s/ of "six",
   the final /n/ of "nine"), and the word is cut down to the rest: by level alone such a
   sound and a room 12-20 dB below the word look alike, and the floor 12 dB down, rather
   than 20, is what finds a room 10-15 dB below the word. FSDD clips set in 1 s of noise on
   each side, 10-40 dB below the word's power, keep a median of 0-50 ms of the 2 s of
   padding beyond the clip's own bounds (white, pink and brown noise; white noise at 5 dB
   is kept), where steps 1-2 alone kept 1.7-2 s of it from 30 dB down, and a model read it
   with the word.
4. Clicks are set aside. The speech frames found so far, apart by at most
   ``MAX_GAP_FRAMES`` frames that are not, make runs (the silence of a stop inside a word
   is shorter). A run of fewer than ``MIN_RUN_FRAMES`` frames (100 ms) beside one of at
   least as many (a word) is a click: a tap on the microphone, a key, a pop at the
   recording's edge, more than 0.2 s from the word. While such a run holds the loudest
   frame, by power or by band power (which decides whether a floor lies 12 dB down), its
   frames are taken as silent, their power and band power 0, and steps 2-3 are taken
   again: ``P`` is then the loudest frame of a word, and the floor is found beside it.
   Then the frames of the short runs left beside a word are no speech either. A recording
   whose runs are all short (a click alone, a word of less than 100 ms) keeps them.
   Without this step a click in the silence around a word stretched the speech from the
   word to the click, and in a room's steady noise a click louder than the word *was* the
   run around the loudest frame, and the word was left out. A click within 0.2 s of the
   word is in the word's run and stays with it. 2 of FSDD's 2,500 clips are trimmed
   otherwise than without this step: a pop at the file's edge, about a quarter of a second
   from the word, is left out. Each clip padded with 1 s of silence and given a click 0.3
   s or more from the word, as loud as the word's peak or four times louder, is trimmed to
   the samples it is trimmed to without the click; in white noise 10-30 dB below the word,
   to within 40 ms for 99 in 100.
5. The speech runs from the first sample of the first speech frame whose magnitude reaches
   the threshold's amplitude, ``|y[n]| >= sqrt(P 10^(-TOP_DB / 10))``, to the last such
   sample of the last speech frame (such samples exist: a frame's RMS cannot exceed its
   largest sample). Bounds to the sample, not the frame, keep silence out of the edge
   frames, so CMVN statistics are not pulled by it.

Every comparison is a ratio (to the loudest frame, to the floor), so a gain changes no
bound: the recording at -30 dB is trimmed to the same samples. (The energies in decibels of
:func:`frame_energy_db`, ``10 log10(p_t + 1e-10)``, add an absolute floor that a quiet copy
of a recording meets and a loud one does not; they decide silence, not bounds.)

So a word cut tightly and the same word with seconds of silence (or any background more
than ``TOP_DB`` below the word) around it are trimmed to the same samples, and a word in
steady noise to within a few frames of them. Noise is not removed from the word itself, nor
noise that is not steady (babble, music) or less than ``FLOOR_BELOW_DB`` below the word: that
is left to the model, which meets it in training through ``mg.audio.augment``. A signal with
no frame louder than ``SILENT_DB`` is silent (:func:`is_silent`), and is left whole.

A recording of several words has several runs of speech frames, each found by steps 2-4
(:func:`speech_runs`, one stretch a word, which ``minigru predict --words`` answers one by
one); the trimming keeps the run around the loudest frame where a floor takes frames away,
and otherwise the span from the first speech frame to the last.

The streaming recogniser finds words with the same frame energies, causally: a word starts
when a frame is ``VAD_DB`` (12 dB) above the running floor of the energies seen so far
(``minigru.speech.stream.StreamingRecognizer``), since a stream has no loudest frame yet, and
goes on while frames stay ``RELEASE_DB`` (8 dB) above it: two thresholds (hysteresis), so the
quieter consonants inside a word do not cut it into pieces too short to count. There too,
digital silence sets no floor.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError
from .iir import butter_highpass, sosfilt

FRAME_S = 0.025
HOP_S = 0.010
VAD_DB = 12.0
RELEASE_DB = 8.0
"""A word in a stream continues while its frames are this many dB above the floor (chosen on
streams of FSDD training clips: 190 of 200 words found and recognised with 12 dB, 195 with 8;
10, 6 and 4 dB gave 194)."""
TOP_DB = 35.0
BAND_HZ = 150.0
OFFSET_BELOW_DB = 10.0
"""Step 1 takes an offset away when its square is no more than this many dB below step 2's
threshold (``TOP_DB`` below the loudest frame)."""
FLOOR_FRAMES = 20
STEADY_DB = 6.0
FLOOR_BELOW_DB = 12.0
FLOOR_MARGIN_DB = 3.0
FLOOR_RELEASE_DB = 0.0
MAX_GAP_FRAMES = 20
MIN_RUN_FRAMES = 10
"""The fewest frames (100 ms, the streaming detector's shortest word) a run of speech frames
needs to count as a word of its own (:func:`speech_runs`)."""
SILENT_DB = -90.0
"""A recording whose loudest frame is below this many dB (re full scale 1.0) is silent."""


def frame_energy_db(signal: Any, sample_rate: int) -> np.ndarray:
    """Energy in dB of frames of ``FRAME_S`` every ``HOP_S``, ``10 log10(p_t + 1e-10)`` for
    the frame powers of :func:`frame_power`: shape (frames,)."""
    return 10.0 * np.log10(frame_power(signal, sample_rate) + 1e-10)


def frame_power(signal: Any, sample_rate: int) -> np.ndarray:
    """Mean square ``p_t = mean(x_t^2)`` of frames of ``FRAME_S`` every ``HOP_S``: shape
    (frames,), with ``frames = 1 + ceil((N - win) / hop)`` so every sample is in a frame (the
    last frame is completed with zeros; a signal shorter than one frame is one frame)."""
    x = _checked(signal, sample_rate, "frame_power")
    win = max(1, int(round(FRAME_S * sample_rate)))
    hop = max(1, int(round(HOP_S * sample_rate)))
    n = 1 + max(0, -(-(x.size - win) // hop))
    squares = np.concatenate([[0.0], np.cumsum(x * x)])
    starts = np.arange(n) * hop
    ends = np.minimum(starts + win, x.size)
    return np.maximum(squares[ends] - squares[starts], 0.0) / win


def _checked(signal: Any, sample_rate: Any, name: str) -> np.ndarray:
    """``signal`` as a 1-D float64 array, or InputError naming ``name`` and what is wrong
    with the signal or ``sample_rate`` (a positive integer)."""
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise InputError(f"{name}: signal must be 1-D, got shape {np.shape(signal)}")
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise InputError(f"{name}: sample_rate must be a positive integer, got "
                         f"{sample_rate!r}")
    return x


def without_offset(signal: Any, sample_rate: int) -> np.ndarray:
    """Step 1 of the module docstring, in float64, shape (N,): ``x - c`` outside digital
    silence (:func:`digital_silence`) and 0 on it, ``c`` the mean of the samples outside
    it; or ``x`` itself when ``c^2`` lies more than ``TOP_DB + OFFSET_BELOW_DB`` dB below
    the loudest frame power (:func:`frame_power`) of ``x - c``. A constant signal becomes
    0 (to rounding)."""
    return _offset_free(signal, sample_rate)[0]


def _offset_free(signal: Any, sample_rate: int) -> tuple[np.ndarray, bool]:
    """:func:`without_offset`, and whether it took an offset away."""
    x = _checked(signal, sample_rate, "without_offset")
    blank = digital_silence(x, sample_rate)
    if blank.all():
        return x, False
    c = float(np.mean(x[~blank]))
    y = np.where(blank, 0.0, x - c)
    if c * c < frame_power(y, sample_rate).max() * 10.0 ** (-(TOP_DB + OFFSET_BELOW_DB) / 10.0):
        return x, False
    return y, True


def digital_silence(signal: Any, sample_rate: int) -> np.ndarray:
    """The samples of 1-D ``signal`` (a boolean mask, shape (N,)) in runs of exact zeros
    that are at least one hop (``HOP_S``) long or begin or end the signal (a recorder's
    first samples before its input settles, an editor's padding)."""
    zero = _checked(signal, sample_rate, "digital_silence") == 0
    hop = max(1, int(round(HOP_S * sample_rate)))
    edges = np.flatnonzero(np.diff(np.r_[0, zero.astype(np.int8), 0]))
    starts, ends = edges[::2], edges[1::2]
    blank = (ends - starts >= hop) | (starts == 0) | (ends == zero.size)
    marks = np.zeros(zero.size + 1, dtype=np.int64)
    np.add.at(marks, starts[blank], 1)
    np.add.at(marks, ends[blank], -1)
    return np.cumsum(marks[:-1]) > 0


def band_power(signal: Any, sample_rate: int) -> np.ndarray:
    """Frame powers (as :func:`frame_power`) of ``signal`` high-passed by a 4th-order
    Butterworth filter at ``BAND_HZ``, from rest (``minigru.audio.iir``: the filter
    ``scipy.signal.butter`` designs, run as ``scipy.signal.sosfilt`` runs it, without
    importing ``scipy.signal``); the plain frame powers when ``BAND_HZ`` is not below the
    Nyquist frequency. Shape (frames,)."""
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1 or not isinstance(sample_rate, (int, np.integer)) or BAND_HZ >= sample_rate / 2:
        return frame_power(x, sample_rate)  # which refuses a bad signal or rate by name
    return frame_power(sosfilt(_highpass(int(sample_rate)), x), sample_rate)


@functools.lru_cache(maxsize=16)
def _highpass(sample_rate: int) -> np.ndarray:
    return butter_highpass(4, BAND_HZ, sample_rate)


class Floor(NamedTuple):
    """A steady floor: the mean and the largest band power of its window of
    ``FLOOR_FRAMES`` frames, and the window's first frame."""

    mean: float
    top: float
    start: int


def noise_floor(band: Any) -> Floor | None:
    """The steady floor of band powers ``band`` (from :func:`band_power`), by step 3 of the
    module docstring: the steady window of ``FLOOR_FRAMES`` frames with the least mean, or
    None when no steady window lies ``FLOOR_BELOW_DB`` below the loudest frame (or there are
    fewer frames than a window)."""
    b = np.asarray(band, dtype=np.float64)
    if b.ndim != 1:
        raise InputError(f"noise_floor: band must be 1-D, got shape {np.shape(band)}")
    if b.size < FLOOR_FRAMES:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(b, FLOOR_FRAMES)
    lows = windows.min(axis=1)
    steady = (windows.max(axis=1) <= lows * 10.0 ** (STEADY_DB / 10.0)) & (lows > 0.0)
    means = np.where(steady, windows.mean(axis=1), np.inf)
    i = int(np.argmin(means))
    if not np.isfinite(means[i]) or means[i] > b.max() * 10.0 ** (-FLOOR_BELOW_DB / 10.0):
        return None
    return Floor(float(means[i]), float(windows[i].max()), i)


def _around_loudest(speech: np.ndarray, power: np.ndarray) -> np.ndarray:
    """The speech frames (a boolean mask) reachable from the loudest one through gaps of at
    most ``MAX_GAP_FRAMES`` non-speech frames, as a contiguous mask."""
    idx = np.flatnonzero(speech)
    j = int(np.searchsorted(idx, int(np.argmax(np.where(speech, power, -1.0)))))
    gaps = np.diff(idx) - 1 > MAX_GAP_FRAMES
    lo = j - int(np.argmax(gaps[:j][::-1])) if gaps[:j].any() else 0
    hi = j + int(np.argmax(gaps[j:])) if gaps[j:].any() else idx.size - 1
    out = np.zeros_like(speech)
    out[idx[lo]:idx[hi] + 1] = True
    return out


def _released(run: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The contiguous mask ``run`` grown on each side over the adjacent frames where
    ``keep`` holds, up to the first frame where it does not."""
    idx = np.flatnonzero(run)
    lo, hi = int(idx[0]), int(idx[-1])
    before = np.flatnonzero(~keep[:lo])
    after = np.flatnonzero(~keep[hi + 1:])
    lo = int(before[-1]) + 1 if before.size else 0
    hi = hi + int(after[0]) if after.size else keep.size - 1
    out = np.zeros_like(run)
    out[lo:hi + 1] = True
    return out


def is_silent(signal: Any, sample_rate: int) -> bool:
    """True when no frame of the signal, its offset taken away (:func:`without_offset`),
    is louder than ``SILENT_DB``: a constant is silent."""
    return bool(np.max(frame_energy_db(without_offset(signal, sample_rate), sample_rate))
                < SILENT_DB)


class _Frames(NamedTuple):
    """A signal's frame powers, the threshold of step 2, the frames of step 2 (``near_peak``),
    the band powers and floor of step 3, and the frames of step 2 that also rise
    ``FLOOR_MARGIN_DB`` above the floor (``above``; ``near_peak`` when there is no floor).
    The clicks of step 4 are in neither mask, and those that held the loudest frame have
    power and band power 0."""

    power: np.ndarray
    threshold: float
    near_peak: np.ndarray
    band: np.ndarray
    floor: Floor | None
    above: np.ndarray


def _speech_frames(x: np.ndarray, sample_rate: int, top_db: float) -> _Frames | None:
    """Steps 2-4 of the module docstring for the frames of ``x`` (step 1's ``y``): the
    frames of step 2, and of step 3's first test, with the clicks beside a word set aside;
    None for a silent signal."""
    power = frame_power(x, sample_rate)
    if 10.0 * np.log10(power.max() + 1e-10) < SILENT_DB:
        return None
    band = band_power(x, sample_rate)
    aside = np.zeros(power.size, dtype=bool)
    while True:
        frames = _frames_of(power, band, aside, top_db)
        click = _click_at_loudest(frames.near_peak, frames.power, frames.band)
        if click is None and frames.floor is not None:
            click = _click_at_loudest(frames.above, frames.power, frames.band)
        if click is None:
            break
        aside[click[0]:click[1] + 1] = True
    short = np.zeros(power.size, dtype=bool)
    for a, b in _clicks(frames.above):
        short[a:b + 1] = True
    return frames._replace(near_peak=frames.near_peak & ~short, above=frames.above & ~short)


def _clicks(speech: np.ndarray) -> list[tuple[int, int]]:
    """The runs of ``speech`` frames (:func:`_runs`) shorter than ``MIN_RUN_FRAMES``, when
    another run is not (step 4's clicks beside a word); else none."""
    runs = _runs(speech)
    if not any(b - a + 1 >= MIN_RUN_FRAMES for a, b in runs):
        return []
    return [(a, b) for a, b in runs if b - a + 1 < MIN_RUN_FRAMES]


def _click_at_loudest(speech: np.ndarray, power: np.ndarray, band: np.ndarray
                      ) -> tuple[int, int] | None:
    """The click of ``speech`` (:func:`_clicks`) that holds the loudest frame of ``power``
    or, failing that, of ``band``; None when none does."""
    clicks = _clicks(speech)
    for loudest in (int(np.argmax(power)), int(np.argmax(band))):
        for a, b in clicks:
            if a <= loudest <= b:
                return a, b
    return None


def _frames_of(power: np.ndarray, band: np.ndarray, aside: np.ndarray, top_db: float
               ) -> _Frames:
    """Steps 2 and 3's first test on frame powers ``power`` and band powers ``band``, the
    frames ``aside`` taken as silent."""
    power = np.where(aside, 0.0, power)
    band = np.where(aside, 0.0, band)
    threshold = float(power.max() * 10.0 ** (-top_db / 10.0))
    near_peak = (power >= threshold) & ~aside
    floor = noise_floor(band)
    above = near_peak if floor is None else \
        near_peak & (band >= floor.top * 10.0 ** (FLOOR_MARGIN_DB / 10.0))
    return _Frames(power, threshold, near_peak, band, floor, above)


def _runs(speech: np.ndarray) -> list[tuple[int, int]]:
    """The runs of ``speech`` frames, as (first, last) frames, that are apart by more than
    ``MAX_GAP_FRAMES`` frames that are not speech."""
    idx = np.flatnonzero(speech)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) - 1 > MAX_GAP_FRAMES)
    firsts, lasts = np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks], idx[-1]]
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


def speech_runs(signal: Any, sample_rate: int, top_db: float = TOP_DB
                ) -> list[tuple[int, int]]:
    """The separate stretches of speech in a recording, as ``(start, end)`` sample bounds in
    time order: where it holds several words, one stretch a word.

    The speech frames are those of steps 2-4 of the module docstring (within ``top_db``
    of the loudest frame, and ``FLOOR_MARGIN_DB`` above a steady floor when the recording
    has one, the clicks beside a word set aside before either is found). Frames apart by
    at most ``MAX_GAP_FRAMES`` non-speech frames are one run (the silence of a stop inside
    a word is shorter), and a run of fewer than ``MIN_RUN_FRAMES`` frames (a click, a
    breath) is no word. Each run is bounded to the sample as :func:`speech_bounds` bounds
    the word (step 5). A silent recording has none; a single word has one (2,497 of FSDD's
    2,500 clips, where one "seven" has a pause of 0.27 s inside it and two quiet "six"es
    no run of 100 ms).

    Words of one voice at one level are found apart. A word 12 dB or more quieter than the
    loudest, whose vowel holds steady for 0.2 s, looks like a room's floor (step 3) and is
    not found: three FSDD clips of three speakers joined, the quietest 17 dB below the
    others, gave two runs.
    """
    y = without_offset(signal, sample_rate)
    frames = _speech_frames(y, sample_rate, top_db)
    if frames is None:
        return []
    return [_to_samples(y, sample_rate, frames.threshold, a, b)
            for a, b in _runs(frames.above) if b - a + 1 >= MIN_RUN_FRAMES]


def speech_bounds(signal: Any, sample_rate: int, top_db: float = TOP_DB) -> tuple[int, int]:
    """(start, end): the samples ``signal[start:end]`` that hold the speech, by the rule of
    the module docstring; ``(0, len(signal))`` for a silent signal."""
    return _bounds(without_offset(signal, sample_rate), sample_rate, top_db)


def _bounds(y: np.ndarray, sample_rate: int, top_db: float) -> tuple[int, int]:
    """:func:`speech_bounds` of step 1's ``y``."""
    frames = _speech_frames(y, sample_rate, top_db)
    if frames is None:
        return 0, y.size
    power, threshold, near_peak, band, floor, above = frames
    speech = near_peak
    if floor is not None and not np.array_equal(above, speech):
        if not above.any():
            above[int(np.argmax(power))] = True
        speech = _around_loudest(above, power)
        speech = _released(speech, near_peak & (band >= floor.top * 10.0 ** (
            FLOOR_RELEASE_DB / 10.0)))
    speech = np.flatnonzero(speech)
    return _to_samples(y, sample_rate, threshold, int(speech[0]), int(speech[-1]))


def _to_samples(x: np.ndarray, sample_rate: int, threshold: float, first: int, last: int
                ) -> tuple[int, int]:
    """Step 5: the sample bounds of the speech frames ``first`` to ``last``, from the first
    sample of frame ``first`` whose magnitude reaches ``sqrt(threshold)`` to the last such
    sample of frame ``last``."""
    hop = max(1, int(round(HOP_S * sample_rate)))
    win = max(1, int(round(FRAME_S * sample_rate)))
    loud = np.abs(x) >= np.sqrt(threshold)
    head, tail = first * hop, min(x.size, last * hop + win)
    start = head + int(np.argmax(loud[head:head + win]))
    end = tail - int(np.argmax(loud[max(0, tail - win):tail][::-1]))
    return start, end


def trim(signal: Any, sample_rate: int) -> np.ndarray:
    """The speech of ``signal`` without the silence or noise around it, nor its offset:
    ``signal[start:end]`` for :func:`speech_bounds` where step 1 takes no offset away, and
    else step 1's ``y[start:end]`` (the offset taken away, digital silence kept at 0), in
    the signal's dtype when that is floating (float64 otherwise)."""
    x = np.asarray(signal)
    y, moved = _offset_free(x, sample_rate)
    start, end = _bounds(y, sample_rate, TOP_DB)
    if not moved:
        return x[start:end]
    return y[start:end].astype(x.dtype) if np.issubdtype(x.dtype, np.floating) \
        else y[start:end]
