"""Data augmentation for speech: new recordings of the same words, made from the ones we have.

Every transform is a pure function of its inputs. The random ones take a
``numpy.random.Generator``; :func:`utterance_rng` derives that generator from
(seed, copy, index), so an augmented utterance depends only on those three numbers and not
on the order, the process or the loader worker that makes it: augmentation is
bit-reproducible.

Waveform transforms, for a signal ``x[n]`` at rate ``sr`` (float arrays of shape (N,)):

- :func:`speed_perturb` - play faster or slower, tempo and pitch together (Ko et al. 2015).
- :func:`time_stretch` - tempo without pitch (WSOLA).
- :func:`frequency_scale` - formants and pitch without tempo, the waveform form of
  vocal-tract-length perturbation (Jaitly and Hinton 2013).
- :func:`pitch_shift` - pitch without formants or tempo (the LPC residual's glottal pulses
  moved closer or further apart under the recording's own spectral envelope).
- :func:`add_noise` at an exact SNR, with :func:`white_noise`, :func:`pink_noise`,
  :func:`brown_noise` and :func:`babble_noise` (any of them by name: :func:`make_noise`).
- :func:`dither` - white noise at an exact SNR from a given seed, not a random draw: a
  feature pipeline's noise floor (``FeaturePipeline.dither_db``), the same at training and
  at test.
- (These noises are defined in :mod:`mg.audio.noise` and importable from here.)
- :func:`truncate_word` - a word that starts late or stops early, as a recording cut too
  tightly around it.
- :func:`apply_gain`, :func:`add_dc`, :func:`time_shift`.
- :func:`overdrive` - a recording made too loud: its loudest samples clipped at full scale.
- :func:`telephone` - a 300-3400 Hz band-pass and 8-bit mu-law.
- :func:`reverberate` with :func:`room_impulse_response` - exponentially decaying noise.

Feature transform, on (frames, features):

- :func:`spec_augment` - time and frequency masks (Park et al. 2019).

:data:`POLICIES` names four recipes (``none``, ``light``, ``strong``, ``noisy``) that draw
these transforms at random; :func:`augment` applies one to an utterance.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from .endpoint import speech_bounds
from .frames import check_signal
from .lpc import lpc_envelopes, lpc_residual, lpc_synthesis
from .noise import (
    add_noise,
    babble_noise,
    brown_noise,
    dither,
    make_noise,
    pink_noise,
    power,
    snr_db,
    white_noise,
)
from .pitch import pitch_marks, pitch_track, psola
from .resampling import lowpass

__all__ = [
    "MU", "POLICIES", "Policy", "add_dc", "add_noise", "apply_gain", "augment",
    "babble_noise", "brown_noise", "dither", "frequency_scale", "make_noise", "mu_law",
    "overdrive", "pink_noise", "pitch_shift", "policy", "power", "reverberate",
    "room_impulse_response", "snr_db", "spec_augment", "speed_perturb", "telephone",
    "time_shift", "time_stretch", "truncate_word", "utterance_rng", "white_noise",
]
"""This module's transforms and policies, and the noises of :mod:`mg.audio.noise` that the
policies add, importable from here as well."""

MU = 255


def utterance_rng(seed: int, copy: int, index: int) -> np.random.Generator:
    """The generator of augmented copy ``copy`` of utterance ``index`` in a run seeded by
    ``seed``: ``default_rng(SeedSequence([seed, copy, index]))``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(copy), int(index)]))


def _positive_rate(sample_rate: Any) -> int:
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise InputError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    return int(sample_rate)


# ---------------------------------------------------------------------- tempo and pitch
def speed_perturb(x: Any, factor: float) -> np.ndarray:
    """Speed perturbation (Ko et al. 2015, "Audio augmentation for speech recognition").

    The signal is treated as if it had been recorded at ``factor * sr`` and resampled back to
    ``sr``: ``y(t) = x(factor * t)``. Duration becomes ``N / factor`` and every frequency is
    multiplied by ``factor`` (tempo and pitch change together, like a tape played faster).
    ``factor`` is taken as the nearest fraction p/q with q <= 100 and applied with
    ``scipy.signal.resample_poly(x, q, p)`` and its default anti-aliasing filter (designed
    once per ratio: :func:`~minigru.audio.resampling.lowpass` with 10 zero crossings, Kaiser
    beta 5), which removes what would fold over when speeding up.
    """
    a = check_signal(x, "speed_perturb: x")
    if not np.isfinite(factor) or not 0.5 <= factor <= 2.0:
        raise InputError(f"speed_perturb: factor must be in [0.5, 2], got {factor!r}")
    ratio = Fraction(float(factor)).limit_denominator(100)
    if ratio == 1:
        return a.copy()
    from scipy.signal import resample_poly

    up, down = ratio.denominator, ratio.numerator
    return resample_poly(a, up, down, window=lowpass(up, down, zero_crossings=10, beta=5.0))


def time_stretch(x: Any, rate: float, frame: int = 256, tolerance: int | None = None
                 ) -> np.ndarray:
    """Change tempo without changing pitch: WSOLA (waveform-similarity overlap-add,
    Verhelst and Roelands 1993). The output has ``round(N / rate)`` samples.

    Output frame ``k`` (periodic Hann window ``v`` of ``L = frame`` samples, hop ``S = L/2``,
    so the windows sum to 1) is the input segment starting at ``k S rate + d_k``, where the
    shift ``|d_k| <= tolerance`` (default ``L/4``) maximises the cross-correlation of that segment
    with the one that would have continued the previous frame naturally,
    ``x[p_(k-1) + S : p_(k-1) + S + L]``. Choosing segments that line up with what came before
    keeps periods intact, so a sinusoid stays one sinusoid at its frequency and amplitude.
    """
    a = check_signal(x, "time_stretch: x")
    if not np.isfinite(rate) or not 0.5 <= rate <= 2.0:
        raise InputError(f"time_stretch: rate must be in [0.5, 2], got {rate!r}")
    n_out = max(1, int(round(a.size / rate)))
    if rate == 1.0:
        return a.copy()
    length = int(frame)
    if length < 8 or length % 2:
        raise InputError(f"time_stretch: frame must be an even number >= 8, got {frame!r}")
    hop = length // 2
    tol = length // 4 if tolerance is None else int(tolerance)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)
    padded = np.pad(a, (tol, length + tol + int(np.ceil(n_out * rate)) + hop))
    out = np.zeros(n_out + 2 * length)
    previous = 0
    for k in range((n_out + hop - 1) // hop + 1):
        nominal = int(round(k * hop * rate))
        if k == 0:
            start = nominal
        else:
            natural = padded[tol + previous + hop: tol + previous + hop + length]
            region = padded[nominal: nominal + length + 2 * tol]
            score = np.correlate(region, natural, mode="valid")
            start = nominal - tol + int(np.argmax(score))
        out[k * hop: k * hop + length] += window * padded[tol + start: tol + start + length]
        previous = start
    return out[:n_out]


def frequency_scale(x: Any, alpha: float) -> np.ndarray:
    """Every frequency multiplied by ``alpha`` at the same duration: a shorter vocal tract
    (formants up) and a higher voice (pitch up) for ``alpha > 1``.

    This is vocal-tract-length perturbation on the waveform. VTLP as Jaitly and Hinton (2013)
    define it warps the mel filterbank's frequency axis by ``alpha``; scaling the signal's
    frequencies moves the spectral envelope the same way, and the pitch with it.
    Implemented as :func:`speed_perturb` by ``alpha`` (every frequency times ``alpha``,
    duration divided by it) followed by :func:`time_stretch` by ``1 / alpha`` (the duration
    back, frequencies kept). The output has the input's length.
    """
    a = check_signal(x, "frequency_scale: x")
    if not np.isfinite(alpha) or not 0.7 <= alpha <= 1.4:
        raise InputError(f"frequency_scale: alpha must be in [0.7, 1.4], got {alpha!r}")
    if alpha == 1.0:
        return a.copy()
    fast = speed_perturb(a, alpha)
    y = time_stretch(fast, fast.size / a.size)
    return np.pad(y, (0, a.size - y.size))[:a.size] if y.size != a.size else y


def pitch_shift(x: Any, sample_rate: int, factor: float, order: int | None = None,
                method: str = "psola") -> np.ndarray:
    """Pitch times ``factor``, with the formants and the duration kept: another speaker's
    voice over the same vocal tract (the complement of :func:`frequency_scale`, which moves
    both).

    Source-filter decomposition by linear prediction: every 10 ms the recording's envelope
    ``1 / A_k(z)`` is estimated (:func:`lpc_envelopes`, order ``2 + sr/1000``), the
    excitation ``e = A_k(z) x`` is taken out (:func:`lpc_residual`; its spectrum is flat, the
    harmonics of f0 and noise), its pitch is changed, and it is filtered again by the same
    envelopes (:func:`lpc_synthesis`). The result is scaled to the power of ``x``.
    ``factor`` in [0.7, 1.4]. ``method`` says how the excitation's pitch is changed:

    - ``"psola"`` (the default): pitch-synchronous overlap-add on the excitation's glottal
      pulses (:func:`~minigru.audio.pitch.psola`, with :func:`~minigru.audio.pitch.pitch_track`
      and :func:`~minigru.audio.pitch.pitch_marks`): each pulse's two-period grain is laid
      down ``factor`` times closer together. Unvoiced stretches are copied unchanged.
    - ``"wsola"``: every frequency of the excitation scaled by ``factor`` at the same duration
      (:func:`frequency_scale`: harmonics at ``factor * h f0``). With ``factor < 1`` the
      excitation's top ``(1 - factor) sr / 2`` Hz are empty. This shift is not transparent:
      a recording shifted by 1.25 and back by 0.8 costs a recogniser about as much as one
      shift does (docs/generalisation.md, "The pitch alone").
    """
    a = check_signal(x, "pitch_shift: x")
    sr = _positive_rate(sample_rate)
    if not np.isfinite(factor) or not 0.7 <= factor <= 1.4:
        raise InputError(f"pitch_shift: factor must be in [0.7, 1.4], got {factor!r}")
    if method not in ("psola", "wsola"):
        raise InputError(f"pitch_shift: method must be 'psola' or 'wsola', got {method!r}")
    if factor == 1.0:
        return a.copy()
    envelopes, hop = lpc_envelopes(a, sr, order)
    residual = lpc_residual(a, envelopes, hop)
    if method == "wsola":
        excitation = frequency_scale(residual, factor)
    else:
        f0, pitch_hop = pitch_track(a, sr)
        marks, pulses = pitch_marks(a, sr, f0, pitch_hop, residual)
        excitation = psola(residual, marks, pulses, factor)
    y = lpc_synthesis(excitation, envelopes, hop)
    before, after = power(a), power(y)
    if not np.isfinite(after) or after <= 0.0:
        return a.copy()
    return y * np.sqrt(before / after)


def truncate_word(x: Any, sample_rate: int, head: float, tail: float) -> np.ndarray:
    """The speech of ``x`` with its first ``head`` and last ``tail`` fractions cut away: a
    recording that starts after the word has begun or stops before it has ended.

    With the speech bounds ``[s, e)`` of :func:`minigru.audio.endpoint.speech_bounds` and
    ``L = e - s``, the result is ``x[s + floor(head L) : e - floor(tail L)]``; the silence
    around the word goes too (the pipeline would trim it anyway). ``head`` and ``tail`` are
    in [0, 0.5) each, so at least a sample of the word is always left.
    """
    y = check_signal(x, "truncate_word: x")
    sr = _positive_rate(sample_rate)
    for name, value in (("head", head), ("tail", tail)):
        if not 0.0 <= value < 0.5:
            raise InputError(f"truncate_word: {name} must be in [0, 0.5), got {value!r}")
    start, end = speech_bounds(y, sr)
    n = end - start
    return y[start + int(head * n):end - int(tail * n)].copy()


# ---------------------------------------------------------------------- level and timing
def apply_gain(x: Any, db: float) -> np.ndarray:
    """``x * 10^(db / 20)``: a gain of ``db`` decibels."""
    return check_signal(x, "apply_gain: x") * 10.0 ** (float(db) / 20.0)


def add_dc(x: Any, offset: float) -> np.ndarray:
    """``x + offset``: a constant (DC) offset, as a cheap sound card adds."""
    return check_signal(x, "add_dc: x") + float(offset)


def overdrive(x: Any, fraction: float) -> np.ndarray:
    """The recording made with so much gain that ``fraction`` of its samples hit full scale:
    hard clipping, as a word spoken close to a microphone set too loud.

    With ``k = round(fraction * N)`` and ``c`` the (k+1)-th largest ``|x[n]|``,

        y[n] = clip(x[n] / c, -1, 1),

    so the k loudest samples (more where several share the level c) become +-1 and the rest
    are scaled by ``1/c``. ``fraction`` 0 only brings the loudest sample to full scale;
    ``fraction`` must be in [0, 1). A silent ``x`` is returned unchanged.
    """
    a = check_signal(x, "overdrive: x")
    f = float(fraction)
    if not 0.0 <= f < 1.0:
        raise InputError(f"overdrive: fraction must be in [0, 1), got {fraction!r}")
    k = int(round(f * a.size))
    c = float(np.partition(np.abs(a), a.size - 1 - k)[a.size - 1 - k])
    if c == 0.0:
        return a.copy()
    return np.clip(a / c, -1.0, 1.0)


def time_shift(x: Any, shift: int) -> np.ndarray:
    """The signal moved by ``shift`` samples at the same length: later by ``shift > 0``
    (``shift`` zeros in front, the last ``shift`` samples dropped), earlier by ``shift < 0``.
    Not circular: nothing wraps around."""
    a = check_signal(x, "time_shift: x")
    s = int(shift)
    out = np.zeros_like(a)
    if s >= 0:
        out[s:] = a[:a.size - s] if s < a.size else []
    else:
        out[:a.size + s] = a[-s:] if -s < a.size else []
    return out


# ---------------------------------------------------------------------- channels
def mu_law(x: Any, mu: int = MU) -> np.ndarray:
    """mu-law companding of ``x`` in [-1, 1] to 8 bits and back (ITU-T G.711's curve):

        F(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu),
        q = sign(F) round(127 |F|) / 127       (8 bits: a sign and a 7-bit magnitude),
        F^-1(q) = sign(q) ((1 + mu)^|q| - 1) / mu.

    Quiet samples keep fine steps and loud ones coarse steps, as on a telephone line.
    """
    a = np.clip(check_signal(x, "mu_law: x"), -1.0, 1.0)
    y = np.sign(a) * np.log1p(mu * np.abs(a)) / np.log1p(mu)
    q = np.sign(y) * np.round(127.0 * np.abs(y)) / 127.0
    return np.sign(q) * ((1.0 + mu) ** np.abs(q) - 1.0) / mu


def telephone(x: Any, sample_rate: int, low: float = 300.0, high: float = 3400.0) -> np.ndarray:
    """A telephone channel: a 4th-order Butterworth band-pass from ``low`` to ``high`` Hz
    (applied forwards and backwards, so without phase shift: ``scipy.signal.sosfiltfilt``),
    then 8-bit mu-law (:func:`mu_law`) of the signal scaled to peak 1 and scaled back.
    ``high`` is kept below the Nyquist frequency."""
    a = check_signal(x, "telephone: x")
    sr = _positive_rate(sample_rate)
    high = min(float(high), 0.45 * sr)
    if not 0 < low < high:
        raise InputError(f"telephone: need 0 < low < high, got low={low}, high={high}")
    from scipy.signal import sosfiltfilt

    y = sosfiltfilt(_band_pass(4, float(low), high, sr).copy(), a) if a.size > 27 else a.copy()
    peak = float(np.max(np.abs(y)))
    return mu_law(y / peak) * peak if peak > 0 else y


@functools.lru_cache(maxsize=64)
def _band_pass(order: int, low: float, high: float, sample_rate: int) -> np.ndarray:
    """A Butterworth band-pass as second-order sections, (order, 6), designed once per
    setting (read-only: SciPy's filters want a writable copy)."""
    from scipy.signal import butter

    sos = butter(order, [low, high], btype="bandpass", fs=sample_rate, output="sos")
    sos.flags.writeable = False
    return sos


def room_impulse_response(sample_rate: int, rt60: float, rng: np.random.Generator,
                          direct: float = 1.0) -> np.ndarray:
    """A synthetic room: an impulse response of exponentially decaying Gaussian noise.

    ``h[0] = direct`` (the direct path) and for ``n >= 1``, ``h[n] = e[n] exp(-3 ln(10) n /
    (rt60 sr))`` with ``e`` white noise scaled so the tail holds as much energy as the direct
    path. The amplitude falls 60 dB (a factor 1000) in ``rt60`` seconds, which is the
    definition of the reverberation time RT60; the response lasts ``rt60`` seconds.
    """
    sr = _positive_rate(sample_rate)
    if not np.isfinite(rt60) or not 0 < rt60 <= 3:
        raise InputError(f"room_impulse_response: rt60 must be in (0, 3] seconds, got {rt60!r}")
    n = max(2, int(round(rt60 * sr)))
    t = np.arange(1, n)
    tail = rng.standard_normal(n - 1) * np.exp(-3.0 * np.log(10.0) * t / (rt60 * sr))
    tail *= direct / np.sqrt(np.sum(tail**2) + 1e-300)
    return np.concatenate([[direct], tail])


def reverberate(x: Any, impulse_response: Any) -> np.ndarray:
    """``x`` convolved with a room's impulse response, cut to the length of ``x`` and scaled
    back to the power of ``x``: ``y = (x * h)[0:N] * sqrt(P(x) / P((x * h)[0:N]))``."""
    a = check_signal(x, "reverberate: x")
    h = check_signal(impulse_response, "reverberate: impulse_response")
    from scipy.signal import fftconvolve

    y = fftconvolve(a, h)[:a.size]
    py = power(y)
    return y * np.sqrt(power(a) / py) if py > 0 else y


# ---------------------------------------------------------------------- features
def spec_augment(features: Any, rng: np.random.Generator, time_masks: int = 2,
                 max_time: int = 8, freq_masks: int = 2, max_freq: int = 3,
                 value: float = 0.0) -> np.ndarray:
    """SpecAugment's masks (Park et al. 2019) on features of shape (frames, features).

    ``time_masks`` times: draw a width ``t`` uniformly from 0..``max_time`` (at most a fifth
    of the frames) and a start ``t0`` from 0..frames-t, and set rows ``t0 .. t0+t-1`` to
    ``value``; then ``freq_masks`` times the same across columns with widths up to
    ``max_freq``. With normalised features ``value = 0`` is the mean. Returns a new array.
    """
    f = np.array(features, dtype=np.float32, copy=True)
    if f.ndim != 2:
        raise InputError(f"spec_augment: features must be (frames, features), got shape "
                         f"{np.shape(features)}")
    for name, v in (("time_masks", time_masks), ("max_time", max_time),
                    ("freq_masks", freq_masks), ("max_freq", max_freq)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise InputError(f"spec_augment: {name} must be a non-negative integer, got {v!r}")
    frames, size = f.shape
    for axis, count, widest, length in ((0, time_masks, min(max_time, frames // 5), frames),
                                        (1, freq_masks, min(max_freq, size), size)):
        for _ in range(count):
            width = int(rng.integers(0, widest + 1)) if widest > 0 else 0
            start = int(rng.integers(0, length - width + 1))
            if axis == 0:
                f[start:start + width, :] = value
            else:
                f[:, start:start + width] = value
    return f


# ---------------------------------------------------------------------- policies
@dataclasses.dataclass(frozen=True)
class Policy:
    """A recipe of random transforms, each applied with its probability, in this order:

    1. speed perturbation, factor drawn from ``speeds``;
    2. VTLP (:func:`frequency_scale`), alpha uniform in ``vtlp``;
    3. :func:`pitch_shift`, factor uniform in ``pitch`` (in no named policy: see
       docs/generalisation.md);
    4. :func:`truncate_word`, head and tail fractions each uniform in [0, ``truncate``]
       (in no named policy: it did not help on voices never heard; see the README);
    5. reverberation, RT60 uniform in ``rt60``;
    6. telephone channel;
    7. noise (one of ``noises``: white, pink, brown or babble), SNR uniform in ``snr``;
    8. :func:`overdrive`, the fraction of samples clipped uniform in ``clip`` (in no named
       policy: see docs/generalisation.md);
    9. gain uniform in ``gain_db`` and a DC offset uniform in +-``dc`` (a pipeline that
       trims takes the offset away again: ``mg.audio.endpoint``, step 1);
    10. silence of up to ``shift_s`` seconds before and after the word (a time shift that
        cuts nothing);
    11. after the features, SpecAugment masks (``spec_augment``: keyword arguments of
        :func:`spec_augment`, or None).

    The pitch, truncation and overdrive steps draw from the generator only when their
    probability is above 0.

    ``copies`` is how many augmented copies of every training utterance a run adds.
    """

    name: str
    copies: int = 0
    speeds: tuple[float, ...] = (0.9, 1.0, 1.1)
    p_speed: float = 0.0
    vtlp: tuple[float, float] = (0.9, 1.1)
    p_vtlp: float = 0.0
    pitch: tuple[float, float] = (0.85, 1.4)
    p_pitch: float = 0.0
    truncate: float = 0.15
    p_truncate: float = 0.0
    rt60: tuple[float, float] = (0.1, 0.6)
    p_reverb: float = 0.0
    p_telephone: float = 0.0
    snr: tuple[float, float] = (5.0, 30.0)
    p_noise: float = 0.0
    noises: tuple[str, ...] = ("white", "pink", "brown", "babble")
    clip: tuple[float, float] = (0.0, 0.1)
    p_clip: float = 0.0
    gain_db: tuple[float, float] = (-20.0, 6.0)
    p_gain: float = 0.0
    dc: float = 0.01
    shift_s: float = 0.1
    p_shift: float = 0.0
    spec_augment: dict[str, int] | None = None


POLICIES: dict[str, Policy] = {
    "none": Policy("none"),
    "light": Policy("light", copies=2, p_speed=0.6, p_vtlp=0.5, p_noise=0.5, snr=(10.0, 30.0),
                    p_gain=0.5, p_shift=0.3, p_reverb=0.15, rt60=(0.1, 0.4)),
    "strong": Policy("strong", copies=4, p_speed=0.7, p_vtlp=0.7, p_noise=0.7,
                     snr=(5.0, 30.0), p_gain=0.7, p_shift=0.5, p_reverb=0.3,
                     p_telephone=0.15, spec_augment={"time_masks": 2, "max_time": 6,
                                                     "freq_masks": 1, "max_freq": 3}),
}
"""The named recipes of ``--augment``: ``none``; ``light`` (2 copies: speed, VTLP, noise at
10-30 dB, gain, shifts, a little reverberation); ``strong`` (4 copies: more of everything,
noise down to 5 dB, telephone channel, SpecAugment masks); ``noisy`` (``strong`` with noise
in 8 copies of 10 instead of 7, at 0-20 dB instead of 5-30, and VTLP's alpha in 0.9-1.25
instead of 0.9-1.1, towards the shorter vocal tracts of women and children, which a corpus
of men's voices lacks)."""
POLICIES["noisy"] = dataclasses.replace(POLICIES["strong"], name="noisy", p_noise=0.8,
                                        snr=(0.0, 20.0), vtlp=(0.9, 1.25))


def policy(name: str | Policy) -> Policy:
    """The policy called ``name`` (see :data:`POLICIES`), or ``name`` if it is a Policy."""
    if isinstance(name, Policy):
        return name
    if name not in POLICIES:
        raise InputError(f"augment must be one of {sorted(POLICIES)}, got {name!r}")
    return POLICIES[name]


def augment(x: Any, sample_rate: int, recipe: str | Policy, rng: np.random.Generator,
            others: Sequence[Any] = ()) -> np.ndarray:
    """One augmented version of the utterance ``x`` under ``recipe`` (a :class:`Policy` or
    its name), drawn from ``rng``. ``others`` are other training utterances at the same
    rate, for babble noise (pink noise stands in when there are none). The result is float32,
    clipped to [-1, 1] as a recording would be."""
    p = policy(recipe)
    sr = _positive_rate(sample_rate)
    y = check_signal(x, "augment: x")
    if rng.random() < p.p_speed:
        y = speed_perturb(y, float(rng.choice(p.speeds)))
    if rng.random() < p.p_vtlp:
        y = frequency_scale(y, float(rng.uniform(*p.vtlp)))
    if p.p_pitch > 0 and rng.random() < p.p_pitch:
        y = pitch_shift(y, sr, float(rng.uniform(*p.pitch)))
    if p.p_truncate > 0 and rng.random() < p.p_truncate:
        y = truncate_word(y, sr, float(rng.uniform(0, p.truncate)),
                          float(rng.uniform(0, p.truncate)))
    if rng.random() < p.p_reverb:
        y = reverberate(y, room_impulse_response(sr, float(rng.uniform(*p.rt60)), rng))
    if rng.random() < p.p_telephone:
        y = telephone(y, sr)
    if rng.random() < p.p_noise:
        kind = str(rng.choice(p.noises))
        y = add_noise(y, make_noise(kind, y.size, rng, others), float(rng.uniform(*p.snr)))
    if p.p_clip > 0 and rng.random() < p.p_clip:
        y = overdrive(y, float(rng.uniform(*p.clip)))
    if rng.random() < p.p_gain:
        y = add_dc(apply_gain(y, float(rng.uniform(*p.gain_db))),
                   float(rng.uniform(-p.dc, p.dc)))
    if rng.random() < p.p_shift:
        limit = int(p.shift_s * sr)
        y = np.pad(y, (int(rng.integers(0, limit + 1)), int(rng.integers(0, limit + 1))))
    return np.clip(y, -1.0, 1.0).astype(np.float32)
