"""From frames to cepstra: power spectrum, mel filter banks, logarithms, DCT, lifter."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.fft

from ..errors import InputError
from ..kernels.spectrum import power_of

MEL_SCALES = ("htk", "slaney", "kaldi")
PLACEMENTS = ("bins", "hz", "mel")


def power_spectrum(frames: np.ndarray, n_fft: int, scale: str = "none") -> np.ndarray:
    """|X_k|^2 for k = 0 .. n_fft/2 of each frame's real DFT X_k = sum_n x_n e^{-2 pi i k n / N}.

    Frames shorter than ``n_fft`` are zero-padded; longer ones are cropped to their first
    ``n_fft`` samples (what ``numpy.fft.rfft(frames, n_fft)`` does). ``scale="n_fft"`` divides
    by n_fft (python_speech_features' periodogram).

    (frames, L) -> (frames, n_fft // 2 + 1)
    """
    if scale not in ("none", "n_fft"):
        raise InputError(f"power_spectrum: scale must be 'none' or 'n_fft', got {scale!r}")
    frames = np.asarray(frames, dtype=np.float64)
    spec = scipy.fft.rfft(frames.reshape(-1, frames.shape[-1]), n=n_fft, axis=-1)
    power = power_of(spec, 1.0 / n_fft if scale == "n_fft" else 1.0)
    return power.reshape(frames.shape[:-1] + (n_fft // 2 + 1,))


def hz_to_mel(f: np.ndarray | float, scale: str = "htk") -> np.ndarray:
    """Frequency in Hz to mel.

    htk:    2595 log10(1 + f / 700)
    kaldi:  1127 ln(1 + f / 700)  (the same curve, natural log)
    slaney: linear below 1 kHz (f / (200/3)), logarithmic above: 15 + ln(f / 1000) / (ln 6.4 / 27)
    """
    f = np.asarray(f, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    if scale == "kaldi":
        return 1127.0 * np.log(1.0 + f / 700.0)
    if scale == "slaney":
        f_sp = 200.0 / 3
        mels = f / f_sp
        min_log_mel = 1000.0 / f_sp
        logstep = np.log(6.4) / 27.0
        log_t = f >= 1000.0
        return np.where(log_t, min_log_mel + np.log(np.maximum(f, 1e-300) / 1000.0) / logstep,
                        mels)
    raise InputError(f"mel scale must be one of {MEL_SCALES}, got {scale!r}")


def mel_to_hz(m: np.ndarray | float, scale: str = "htk") -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    m = np.asarray(m, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    if scale == "kaldi":
        return 700.0 * (np.exp(m / 1127.0) - 1.0)
    if scale == "slaney":
        f_sp = 200.0 / 3
        min_log_mel = 1000.0 / f_sp
        logstep = np.log(6.4) / 27.0
        return np.where(m >= min_log_mel, 1000.0 * np.exp(logstep * (m - min_log_mel)),
                        f_sp * m)
    raise InputError(f"mel scale must be one of {MEL_SCALES}, got {scale!r}")


def band_top(sample_rate: float, fmax: float | None) -> float:
    """The top of a filter bank in Hz: ``sample_rate / 2`` for ``fmax`` None, ``fmax`` when it
    is above 0, and ``sample_rate / 2 + fmax`` when it is 0 or less (counted down from the
    Nyquist frequency, as Kaldi's ``--high-freq``)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float, np.number)) \
            or not 0 < sample_rate < float("inf"):
        raise InputError(f"band_top: sample_rate must be a positive number of Hz, got "
                         f"{sample_rate!r}")
    if fmax is not None and (isinstance(fmax, bool)
                             or not isinstance(fmax, (int, float, np.number))
                             or not np.isfinite(fmax)):
        raise InputError(f"band_top: fmax must be None or a finite number of Hz, got {fmax!r}")
    if fmax is None:
        return sample_rate / 2
    return fmax + sample_rate / 2 if fmax <= 0 else fmax


def mel_filterbank(sample_rate: float, n_fft: int, n_mels: int = 40, fmin: float = 0.0,
                   fmax: float | None = None, scale: str = "htk", placement: str = "hz",
                   norm: str | None = None, dtype: str | None = None) -> np.ndarray:
    """Triangular filters evenly spaced on the mel scale, as a (n_mels, n_fft // 2 + 1) matrix.

    The n_mels + 2 edge frequencies f_0 < ... < f_{n+1} are evenly spaced in mel from fmin to
    fmax (default sr / 2; ``fmax <= 0`` is an offset from the Nyquist frequency, as Kaldi's
    ``--high-freq``: -300 at 8 kHz is 3700 Hz); filter m rises from f_m to a peak of 1 at
    f_{m+1} and falls to f_{m+2}.
    Where the triangles are evaluated is the ``placement``:

    - "bins" (python_speech_features): edges rounded down to FFT bins
      b_m = floor((n_fft + 1) f_m / sr), weights (k - b_m) / (b_{m+1} - b_m) rising and
      (b_{m+2} - k) / (b_{m+2} - b_{m+1}) falling, on integer bins k.
    - "hz" (librosa): at each bin's frequency k sr / n_fft, linear in Hz between the edges.
    - "mel" (Kaldi): linear in mel, on bins 0 .. n_fft/2 - 1 whose mel lies strictly between
      the outer edges (the Nyquist bin gets no weight).

    ``norm="slaney"`` scales filter m by 2 / (f_{m+2} - f_m) so each has unit area in Hz.
    ``dtype="float32"`` rounds the matrix to float32 (librosa keeps its filters in float32).
    """
    if n_mels < 1:
        raise InputError(f"mel_filterbank: n_mels must be >= 1, got {n_mels}")
    if placement not in PLACEMENTS:
        raise InputError(f"mel_filterbank: placement must be one of {PLACEMENTS}, got "
                         f"{placement!r}")
    if norm not in (None, "slaney"):
        raise InputError(f"mel_filterbank: norm must be None or 'slaney', got {norm!r}")
    top = band_top(sample_rate, fmax)
    if not 0 <= fmin < top <= sample_rate / 2:
        raise InputError(f"mel_filterbank: need 0 <= fmin < fmax <= sample_rate/2 (fmax <= 0 "
                         f"counts down from sample_rate/2), got fmin {fmin}, fmax {fmax}, "
                         f"sample_rate {sample_rate}")
    fmax = top
    n_bins = n_fft // 2 + 1
    mel_lo, mel_hi = hz_to_mel(fmin, scale), hz_to_mel(fmax, scale)
    if placement == "mel":
        delta = (mel_hi - mel_lo) / (n_mels + 1)
        edges_mel = mel_lo + np.arange(n_mels + 2) * delta
        edges = mel_to_hz(edges_mel, scale)
    else:
        edges_mel = np.linspace(mel_lo, mel_hi, n_mels + 2)
        edges = mel_to_hz(edges_mel, scale)
    k = np.arange(n_bins)
    if placement == "bins":
        b = np.floor((n_fft + 1) * edges / sample_rate)
        lo, c, hi = b[:-2, None], b[1:-1, None], b[2:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where((k >= lo) & (k < c), (k - lo) / (c - lo), 0.0)
            down = np.where((k >= c) & (k < hi), (hi - k) / (hi - c), 0.0)
        weights = up + down
    elif placement == "hz":
        freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
        fdiff = np.diff(edges)
        ramps = np.subtract.outer(edges, freqs)
        lower = -ramps[:-2] / fdiff[:-1, None]
        upper = ramps[2:] / fdiff[1:, None]
        weights = np.maximum(0.0, np.minimum(lower, upper))
    else:
        mel = hz_to_mel(k * (sample_rate / n_fft), scale)
        left, centre, right = edges_mel[:-2, None], edges_mel[1:-1, None], edges_mel[2:, None]
        inside = (mel > left) & (mel < right) & (k < n_fft // 2)
        rising = (mel - left) / (centre - left)
        falling = (right - mel) / (right - centre)
        weights = np.where(inside, np.where(mel <= centre, rising, falling), 0.0)
    if dtype == "float32":
        weights = weights.astype(np.float32)
    if norm == "slaney":
        weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights


def log_energies(m: np.ndarray, floor: float = 1e-10, mode: str = "max") -> np.ndarray:
    """Natural log of mel energies with a floor: ln(max(m, floor)) (``mode="max"``), or with
    only exact zeros replaced by the floor (``mode="zeros"``, python_speech_features)."""
    if mode == "max":
        return np.log(np.maximum(m, floor))
    if mode == "zeros":
        return np.log(np.where(m == 0, floor, m))
    raise InputError(f"log_energies: mode must be 'max' or 'zeros', got {mode!r}")


ROOT_POWER = 1.0 / 15.0
"""PNCC's exponent (Kim and Stern 2016), the default of every power-law setting."""


def root_energies(m: np.ndarray, floor: float = 1e-10, power: float = ROOT_POWER
                  ) -> np.ndarray:
    """Power-law compression of mel energies in place of the log: max(m, floor)^power.

    Kim and Stern's PNCC (2016) compresses with power = 1/15: over the range where speech
    lies it bends like the log, but a band that holds only a little energy (where noise
    fills the gaps between the harmonics and between the words) is not stretched towards
    -inf as ln m stretches it, so noise moves the features less. A gain g scales every
    value by g^power; per-utterance mean and variance normalisation removes that factor, as
    it removes the offset ln g from log energies.
    """
    if not 0.0 < power < 1.0:
        raise InputError(f"root_energies: power must be in (0, 1), got {power!r}")
    return np.maximum(m, floor) ** power


def power_to_db(m: np.ndarray, amin: float = 1e-10, top_db: float | None = 80.0,
                counts: Sequence[int] | None = None) -> np.ndarray:
    """10 log10(max(m, amin)), then floored at (its maximum - top_db) when top_db is given.
    The maximum is over the whole array (one utterance), or with ``counts`` over each block of
    that many consecutive rows (many utterances stacked)."""
    if top_db is not None and top_db < 0:
        raise InputError(f"power_to_db: top_db must be >= 0, got {top_db}")
    db = 10.0 * np.log10(np.maximum(amin, m))
    if top_db is None or db.size == 0:
        return db
    if counts is None:
        return np.maximum(db, db.max() - top_db)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.sum() != db.shape[0]:
        raise InputError(f"power_to_db: counts add up to {counts.sum()}, not to the "
                         f"{db.shape[0]} rows of m")
    row_max = db.reshape(db.shape[0], -1).max(axis=1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    used = counts > 0
    block_max = np.zeros(counts.size)
    block_max[used] = np.maximum.reduceat(row_max, starts[used])
    floor = np.repeat(block_max - top_db, counts)
    return np.maximum(db, floor.reshape((-1,) + (1,) * (db.ndim - 1)))


def dct(x: np.ndarray, n_out: int | None = None) -> np.ndarray:
    """Orthonormal DCT-II over the last axis, keeping the first ``n_out`` coefficients:

        c_k = s_k sum_{n<N} x_n cos(pi k (2n + 1) / (2N)),  s_0 = sqrt(1/N), s_k = sqrt(2/N)
    """
    c = scipy.fft.dct(x, type=2, norm="ortho", axis=-1)
    return c if n_out is None else c[..., :n_out]


def lifter(cepstra: np.ndarray, L: int = 22) -> np.ndarray:
    """Sinusoidal liftering: c_n * (1 + (L / 2) sin(pi n / L)) for n = 0 .. (L = 0: unchanged),
    which evens out the magnitudes of the higher coefficients."""
    if L == 0:
        return cepstra
    if L < 0:
        raise InputError(f"lifter: L must be >= 0, got {L}")
    n = np.arange(cepstra.shape[-1])
    return cepstra * (1 + (L / 2.0) * np.sin(np.pi * n / L))
