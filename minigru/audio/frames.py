"""From a waveform to windowed frames: pre-emphasis, framing, windows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import InputError, InputTypeError

EDGES = ("pad", "center", "valid")
WINDOWS = ("rectangular", "hamming", "hann", "povey")


def check_signal(signal: np.ndarray, name: str = "signal") -> np.ndarray:
    """A 1-D finite, non-empty float64 copy of ``signal`` (int16 etc. taken as they are)."""
    x = np.asarray(signal)
    if x.ndim != 1:
        raise InputError(f"{name}: expected a 1-D signal, got shape {x.shape} (average the "
                         f"channels first, or load with mono=True)")
    if x.size == 0:
        raise InputError(f"{name}: the signal is empty")
    if x.dtype.kind not in "iuf":
        raise InputTypeError(f"{name}: expected numeric samples, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise InputError(f"{name}: the signal holds NaN or infinite samples")
    return x


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves away from zero (0.5 -> 1, 2.5 -> 3)."""
    return int(Decimal(repr(float(x))).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def preemphasis(signal: np.ndarray, coeff: float = 0.97) -> np.ndarray:
    """y[0] = x[0], y[n] = x[n] - coeff * x[n-1]: a first-order high-pass that lifts the high
    frequencies speech loses (about +6 dB per octave) before analysis."""
    x = np.asarray(signal, dtype=np.float64)
    if coeff == 0 or x.size == 0:
        return x.copy()
    return np.concatenate([x[:1], x[1:] - coeff * x[:-1]])


def num_frames(n: int, frame_length: int, hop: int, edge: str) -> int:
    """How many frames ``frame_signal`` makes from n samples.

    pad:    1 + ceil((n - L) / hop) if n > L, else 1 (the end is zero-padded to fill it)
    center: 1 + floor(n / hop) (the signal is padded by L // 2 on both sides)
    valid:  1 + floor((n - L) / hop) if n >= L, else 0 (complete frames only)
    """
    if edge == "pad":
        return 1 if n <= frame_length else 1 + int(np.ceil((n - frame_length) / hop))
    if edge == "center":
        return 1 + n // hop
    if edge == "valid":
        return 0 if n < frame_length else 1 + (n - frame_length) // hop
    raise InputError(f"edge must be one of {EDGES}, got {edge!r}")


def frame_signal(signal: np.ndarray, frame_length: int, hop: int, edge: str = "pad",
                 pad_length: int | None = None, copy: bool = True) -> np.ndarray:
    """Cut a signal into overlapping frames: frame k holds samples k*hop ... k*hop + L - 1.

    Args:
        signal: (N,) samples.
        frame_length: L samples per frame; hop: samples between frame starts.
        edge: "pad" (zero-pad the end so the last partial frame is kept; python_speech_features),
            "center" (pad ``pad_length // 2`` zeros on both sides, ``pad_length`` defaulting to
            L, so frame k is centred on sample k*hop; librosa), or "valid" (complete frames
            only; Kaldi's snip_edges).

    Returns:
        (frames, L) array: a copy, or with ``copy=False`` a read-only strided view.
    """
    if frame_length < 1 or hop < 1:
        raise InputError(f"frame_signal: frame_length and hop must be >= 1, got {frame_length} "
                         f"and {hop}")
    x = np.asarray(signal, dtype=np.float64)
    n_frames, left = frame_layout(x.size, frame_length, hop, edge, pad_length)
    if n_frames == 0:
        return np.zeros((0, frame_length))
    right = max(0, (n_frames - 1) * hop + frame_length - left - x.size)
    if left or right:
        x = np.pad(x, (left, right))
    view = sliding_window_view(x, frame_length)[::hop][:n_frames]
    return view.copy() if copy else view


def frame_layout(n: int, frame_length: int, hop: int, edge: str = "pad",
                 pad_length: int | None = None) -> tuple[int, int]:
    """(frames, zeros before the signal) that :func:`frame_signal` uses for n samples: frame k
    starts at sample k * hop - left of the signal, samples outside it being zeros.

    "center" puts left = ``pad_length // 2`` zeros (``pad_length`` defaulting to L) on both
    sides and keeps 1 + floor((n + 2 left - L) / hop) frames; "pad" and "valid" have left = 0
    and :func:`num_frames` frames.
    """
    if edge == "center":
        left = (frame_length if pad_length is None else pad_length) // 2
        padded = n + 2 * left
        return (1 + (padded - frame_length) // hop if padded >= frame_length else 0), left
    return num_frames(n, frame_length, hop, edge), 0


def get_window(name: str, length: int, periodic: bool = False) -> np.ndarray:
    """A window of ``length`` samples, w[n] for n = 0 .. length-1, with M = length - 1
    (symmetric) or M = length (periodic, the first length samples of a window one longer):

        rectangular  1
        hamming      0.54 - 0.46 cos(2 pi n / M)
        hann         0.5 - 0.5 cos(2 pi n / M)
        povey        (0.5 - 0.5 cos(2 pi n / M)) ** 0.85      (Kaldi; Hann to the power 0.85)
    """
    if name not in WINDOWS:
        raise InputError(f"get_window: unknown window {name!r}; choose one of {WINDOWS}")
    if length < 1:
        raise InputError(f"get_window: length must be >= 1, got {length}")
    if name == "rectangular":
        return np.ones(length)
    if length == 1:
        return np.ones(1)
    M = length if periodic else length - 1
    phase = 2 * np.pi * np.arange(length) / M
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(phase)
    hann = 0.5 - 0.5 * np.cos(phase)
    return hann if name == "hann" else hann**0.85
