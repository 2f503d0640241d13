"""Endpointing: where the speech in a recording starts and ends.

One rule, used by every entry point (the pipeline's ``trim`` setting at training,
evaluation and prediction; the streaming recogniser's word detector):

1. Cut the signal into frames of ``FRAME_S`` (25 ms) every ``HOP_S`` (10 ms) and take each
   frame's power ``p_t = mean(x_t^2)``.
2. A frame is speech when its power is within ``TOP_DB`` (35 dB) of the loudest frame's:
   ``p_t >= P 10^(-TOP_DB / 10)`` with ``P = max_t p_t``.
3. The speech runs from the first sample of the first speech frame whose magnitude reaches
   the threshold's amplitude, ``|x[n]| >= sqrt(P 10^(-TOP_DB / 10))``, to the last such
   sample of the last speech frame (such samples exist: a frame's RMS cannot exceed its
   largest sample). Bounds to the sample, not the frame, keep silence out of the edge
   frames, so CMVN statistics are not pulled by it.

Every comparison is a ratio to the loudest frame, so a gain changes no bound: the recording
at -30 dB is trimmed to the same samples. (The energies in decibels of
:func:`frame_energy_db`, ``10 log10(p_t + 1e-10)``, add an absolute floor that a quiet copy
of a recording meets and a loud one does not; they decide silence, not bounds.)

The threshold depends only on the loudest frame, so a word cut tightly and the same word
with seconds of silence (or any background more than ``TOP_DB`` below the word) around it
are trimmed to the same samples. Background louder than that (noise at an SNR under about
35 dB) is not removed: it is everywhere, so it is left to the model, which meets it in
training through ``mg.audio.augment``. A signal with no frame louder than ``SILENT_DB`` is
silent (:func:`is_silent`), and is left whole.

The streaming recogniser finds words with the same frame energies, causally: a word starts
when a frame is ``VAD_DB`` (12 dB) above the running floor of the energies seen so far
(``minigru.speech.stream.StreamingRecognizer``), since a stream has no loudest frame yet, and
goes on while frames stay ``RELEASE_DB`` (8 dB) above it: two thresholds (hysteresis), so the
quieter consonants inside a word do not cut it into pieces too short to count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

FRAME_S = 0.025
HOP_S = 0.010
VAD_DB = 12.0
RELEASE_DB = 8.0
"""A word in a stream continues while its frames are this many dB above the floor (chosen on
streams of FSDD training clips: 190 of 200 words found and recognised with 12 dB, 195 with 8;
10, 6 and 4 dB gave 194)."""
TOP_DB = 35.0
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
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise InputError(f"frame_power: signal must be 1-D, got shape {np.shape(signal)}")
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise InputError(f"frame_power: sample_rate must be a positive integer, got "
                         f"{sample_rate!r}")
    win = max(1, int(round(FRAME_S * sample_rate)))
    hop = max(1, int(round(HOP_S * sample_rate)))
    n = 1 + max(0, -(-(x.size - win) // hop))
    squares = np.concatenate([[0.0], np.cumsum(x * x)])
    starts = np.arange(n) * hop
    ends = np.minimum(starts + win, x.size)
    return np.maximum(squares[ends] - squares[starts], 0.0) / win


def is_silent(signal: Any, sample_rate: int) -> bool:
    """True when no frame of the signal is louder than ``SILENT_DB``."""
    return bool(np.max(frame_energy_db(signal, sample_rate)) < SILENT_DB)


def speech_bounds(signal: Any, sample_rate: int, top_db: float = TOP_DB) -> tuple[int, int]:
    """(start, end): the samples ``signal[start:end]`` that hold the speech, by the rule of
    the module docstring; ``(0, len(signal))`` for a silent signal."""
    x = np.asarray(signal, dtype=np.float64)
    power = frame_power(x, sample_rate)
    peak = power.max()
    if 10.0 * np.log10(peak + 1e-10) < SILENT_DB:
        return 0, x.size
    threshold = peak * 10.0 ** (-top_db / 10.0)
    speech = np.flatnonzero(power >= threshold)
    hop = max(1, int(round(HOP_S * sample_rate)))
    win = max(1, int(round(FRAME_S * sample_rate)))
    loud = np.abs(x) >= np.sqrt(threshold)
    first, last = int(speech[0]) * hop, min(x.size, int(speech[-1]) * hop + win)
    start = first + int(np.argmax(loud[first:first + win]))
    tail = loud[max(0, last - win):last]
    end = last - int(np.argmax(tail[::-1]))
    return start, end


def trim(signal: Any, sample_rate: int) -> np.ndarray:
    """The speech of ``signal`` without the silence or noise around it: ``signal[start:end]``
    for :func:`speech_bounds`."""
    start, end = speech_bounds(signal, sample_rate)
    return np.asarray(signal)[start:end]
