"""Noise to add to speech, and its level: the noises of a recogniser's rooms and the exact
signal-to-noise ratio at which :mod:`mg.audio.augment` and the feature pipeline's noise floor
add them.

For signals ``x[n]`` and ``v[n]`` of N samples, the power is ``P(x) = (1/N) sum_n x[n]^2`` and
the SNR ``10 log10(P(x) / P(v))`` in dB. :func:`add_noise` scales the noise to meet a
requested SNR exactly; :func:`dither` adds white noise from a given seed (the same noise for
the same signal, the pipeline's ``dither_db``). The noises, each of unit variance:
:func:`white_noise` (flat spectrum), :func:`pink_noise` (power spectral density 1/f),
:func:`brown_noise` (1/f^2) and :func:`babble_noise` (other utterances summed), or any of
them by name, :func:`make_noise`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .frames import check_signal


def power(x: Any) -> float:
    """Mean power of a signal: ``P(x) = (1/N) sum_n x[n]^2``."""
    a = np.asarray(x, dtype=np.float64)
    return float(np.mean(a * a))


def snr_db(signal: Any, noise: Any) -> float:
    """The signal-to-noise ratio in decibels: ``10 log10(P(signal) / P(noise))``."""
    return 10.0 * float(np.log10(power(signal) / power(noise)))


def white_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of Gaussian white noise: a flat power spectrum, unit variance."""
    return rng.standard_normal(int(n))


def _coloured(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Noise whose power spectrum falls as ``1 / f^exponent``: white noise shaped in the
    frequency domain by ``|H(f)| = f^(-exponent/2)`` (the 0 Hz bin set to 0), unit variance."""
    n = int(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=np.float64)
    f[0] = np.inf
    y = np.fft.irfft(spectrum * f ** (-exponent / 2.0), n)
    return y / (np.std(y) + 1e-300)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of pink noise: power spectral density proportional to 1/f (equal power
    in every octave), unit variance."""
    return _coloured(n, rng, 1.0)


def brown_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of brown (red) noise: power spectral density proportional to 1/f^2, like
    integrated white noise; unit variance."""
    return _coloured(n, rng, 2.0)


def babble_noise(n: int, others: Sequence[Any], rng: np.random.Generator,
                 talkers: int = 5) -> np.ndarray:
    """``n`` samples of babble: the sum of ``talkers`` utterances drawn from ``others`` (each
    scaled to unit power, tiled to length ``n`` from a random start), the murmur of a room
    of people talking. Unit variance."""
    if len(others) == 0:
        raise InputError("babble_noise: others holds no utterances to make babble from")
    if talkers < 1:
        raise InputError(f"babble_noise: talkers must be >= 1, got {talkers}")
    n = int(n)
    out = np.zeros(n)
    for k in rng.choice(len(others), size=talkers, replace=len(others) < talkers):
        u = check_signal(others[int(k)], "babble_noise: an utterance in others")
        u = u / np.sqrt(power(u) + 1e-300)
        start = int(rng.integers(u.size))
        out += np.resize(np.roll(u, -start), n)
    return out / (np.std(out) + 1e-300)


def dither(x: Any, snr: float, seed: int = 0) -> np.ndarray:
    """``x`` plus white noise ``snr`` dB below its power: ``add_noise(x, w, snr)`` with
    ``w = default_rng(seed).standard_normal(N)``, so the result is a function of ``x``,
    ``snr`` and ``seed`` alone. Float32, shape (N,). A silent ``x`` is returned unchanged.

    A recogniser that reads every recording through this floor hears the room and the
    microphone of each one below ``snr`` dB as white noise: the steady background of one
    speaker's recordings, which a model trained on a few voices can take for part of the
    voice, is covered (``FeaturePipeline.dither_db``; README, "Voices and recordings it
    never met").
    """
    if not np.isfinite(snr):
        raise InputError(f"dither: snr must be a finite number of dB, got {snr!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"dither: seed must be an integer >= 0, got {seed!r}")
    a = check_signal(x, "dither: x")
    w = np.random.default_rng(int(seed)).standard_normal(a.size)
    return add_noise(a, w, float(snr)).astype(np.float32)


def add_noise(x: Any, noise: Any, snr: float) -> np.ndarray:
    """``x + g * noise`` with the gain ``g`` that gives exactly the requested SNR in dB:
    ``g = sqrt(P(x) / (P(noise) 10^(snr/10)))``, so ``10 log10(P(x) / P(g noise)) = snr``.

    ``noise`` is tiled or cut to the length of ``x``. A silent ``x`` is returned unchanged
    (no SNR is defined for it).
    """
    a = check_signal(x, "add_noise: x")
    v = np.resize(check_signal(noise, "add_noise: noise"), a.size)
    if not np.isfinite(snr):
        raise InputError(f"add_noise: snr must be a finite number of dB, got {snr!r}")
    px, pn = power(a), power(v)
    if px == 0.0:
        return a.copy()
    if pn == 0.0:
        raise InputError("add_noise: the noise is silent")
    return a + v * np.sqrt(px / (pn * 10.0 ** (snr / 10.0)))


def make_noise(kind: str, n: int, rng: np.random.Generator,
               others: Sequence[Any] = ()) -> np.ndarray:
    """``n`` samples of noise of ``kind`` ("white", "pink", "brown" or "babble"; babble of
    ``others``, or pink noise when there are none), unit variance."""
    if kind not in ("white", "pink", "brown", "babble"):
        raise InputError(f"make_noise: kind must be white, pink, brown or babble, got {kind!r}")
    if kind == "babble" and len(others) > 0:
        return babble_noise(n, others, rng)
    return {"white": white_noise, "pink": pink_noise, "brown": brown_noise,
            "babble": pink_noise}[kind](n, rng)
