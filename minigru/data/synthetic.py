"""``SyntheticDigits``: the spoken digits "zero" .. "nine" from a small formant synthesizer.

This is synthetic speech, made so that minigru has a default corpus that needs no download. It
is not a substitute for real recordings (see ``SpokenDigitFolder`` for the Free Spoken Digit
Dataset), but it has the structure a recogniser must learn: a sequence of phonemes whose
spectra move over time, voiced and unvoiced sounds, and variation between speakers.

The source-filter model of speech production, as in Klatt's cascade synthesizer:

- **Source.** Voiced sounds: a glottal flow pulse (a Rosenberg pulse: a raised-cosine opening
  over 40% of the period, a quarter-cosine closing over 16%) repeated at the pitch f0, with a
  slow declination, random jitter of the period and shimmer of the amplitude; its time
  derivative models radiation at the lips. Unvoiced sounds: white noise.
- **Filter.** A cascade of three second-order resonators, one per formant F1, F2, F3:
  y[n] = A x[n] + B y[n-1] + C y[n-2] with C = -exp(-2 pi bw / sr),
  B = 2 exp(-pi bw / sr) cos(2 pi F / sr), A = 1 - B - C (unit gain at 0 Hz). The formant
  frequencies follow each word's phoneme targets, interpolated and smoothed (coarticulation),
  and are updated every 5 ms (``scipy.signal.lfilter`` on successive blocks, its state carried
  from block to block).
- **Fricatives** (s, z, f, v, th) add band-passed noise; **plosives** (t, k) are a closure
  (silence) followed by a burst and aspiration.
- **Speakers** (a :class:`Voice`), in two families:

  - ``"classic"`` (the default corpus): each clip draws its own speaker: a pitch f0 (80-260
    Hz), a vocal-tract length factor scaling every formant (0.85-1.2, larger for higher voices),
    a speaking rate (0.8-1.25); jitter 1.5%, shimmer 5%, a pitch falling 16% over the word.
  - ``"broad"``: take t of every digit is one speaker (drawn from (seed, take) alone, so a
    speaker says all ten digits, as in a recorded corpus), with much more variety: f0
    log-uniform in 75-300 Hz; the formant scale with more spread (0.8-1.25) and each of F1, F2,
    F3 scaled again on its own (0.92-1.08); every vowel's F1 and F2 targets moved by the
    speaker's own factors (sd 5%, an accent); formant bandwidths x0.7-1.8; speaking rate
    0.7-1.35 and phoneme durations x0.75-1.25; coarticulation smoothing over 15-45 ms; jitter
    0.5-3%, shimmer 2-12%; a pitch contour falling from +15% to -5% over the word with an
    accent (a raised-cosine rise of 0-20% at a random point); breathiness (aspiration noise
    of 0-60% of the voiced source's RMS, pulsed with the glottal flow); and a spectral tilt of
    the source, darker or brighter (a in -0.9 to 0.7: for a > 0 the one-pole low-pass
    y[n] = (1 - a) x[n] + a y[n-1], for a < 0 the emphasis y[n] = x[n] + a x[n-1]).

- Every clip has a random onset (0-150 ms of silence) and background noise at a random SNR
  (10-30 dB).

Everything is drawn from generators seeded by (seed, digit, take) and, for a broad speaker,
(seed, take), so a clip does not depend on how many others are generated or in what order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import InputError
from ..kernels.resonator import resonator_cascade

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# Formant targets (F1, F2, F3) in Hz for an adult male voice; a pair means a glide from the
# first target to the second within the phoneme.
VOWELS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "IY": ((270, 2290, 3010),),
    "IH": ((390, 1990, 2550),),
    "EH": ((530, 1840, 2480),),
    "AH": ((620, 1200, 2390),),
    "AO": ((570, 840, 2410),),
    "UW": ((300, 870, 2240),),
    "OW": ((540, 1000, 2400), (330, 800, 2300)),
    "AY": ((730, 1100, 2440), (300, 2200, 2950)),
    "EY": ((500, 1850, 2500), (290, 2250, 2950)),
}
APPROXIMANTS = {"R": (310, 1060, 1380), "W": (300, 610, 2200), "N": (280, 1700, 2600)}
# Fricatives: (voiced, noise band low, high in Hz, noise level).
FRICATIVES = {"S": (False, 4000, 7500, 0.35), "Z": (True, 4000, 7500, 0.22),
              "F": (False, 1500, 7000, 0.10), "V": (True, 1500, 6000, 0.07),
              "TH": (False, 1400, 7000, 0.08)}
# Plosives: (burst band low, high).
PLOSIVES = {"T": (3000, 6500), "K": (1500, 3200)}
DURATIONS_MS = {"IY": 140, "IH": 100, "EH": 120, "AH": 110, "AO": 160, "UW": 160, "OW": 190,
                "AY": 200, "EY": 180, "R": 70, "W": 70, "N": 80, "S": 120, "Z": 90, "F": 100,
                "V": 60, "TH": 100, "T": 100, "K": 100}
PRONUNCIATIONS = {
    "zero": ["Z", "IH", "R", "OW"], "one": ["W", "AH", "N"], "two": ["T", "UW"],
    "three": ["TH", "R", "IY"], "four": ["F", "AO", "R"], "five": ["F", "AY", "V"],
    "six": ["S", "IH", "K", "S"], "seven": ["S", "EH", "V", "AH", "N"], "eight": ["EY", "T"],
    "nine": ["N", "AY", "N"],
}
NEUTRAL = (500.0, 1500.0, 2500.0)
BANDWIDTHS = np.array([80.0, 100.0, 150.0])
BLOCK_S = 0.005


VOICE_FAMILIES = ("classic", "broad")
VOICE_KEY = 0x766F696365
"""The third entropy word of a broad speaker's seed, (seed, take, VOICE_KEY): no clip's
(seed, digit, take) can equal it, as a digit is at most 9."""


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker.

    Attributes:
        f0: mean pitch in Hz.
        vtl: the factor that scales every formant (a shorter vocal tract, a larger factor).
        rate: speaking rate (durations are divided by it).
        formant_scale: F1, F2, F3 scaled again, each by its own factor.
        vowel_shift: {vowel: (F1 factor, F2 factor)}, the speaker's accent.
        bandwidth_scale: factor on the formant bandwidths (80, 100, 150 Hz).
        timing: (low, high) of the uniform factor on each phoneme's duration.
        smoothing: the moving average over the formant tracks, in 5 ms blocks (odd).
        jitter: sd of the slow relative wobble of the pitch period.
        shimmer: sd of the relative amplitude of each glottal period.
        pitch_start, pitch_fall: the pitch goes from f0 * pitch_start to
            f0 * (pitch_start - pitch_fall) over the word.
        accent, accent_at: a raised-cosine rise of the pitch by the fraction ``accent``
            centred at the fraction ``accent_at`` of the word (a third of it wide).
        breathiness: aspiration noise in voiced sounds, as a fraction of the voiced source's
            RMS, pulsed with the glottal flow.
        tilt: a first-order filter on the source: for a > 0 the one-pole low-pass
            y[n] = (1 - a) x[n] + a y[n-1] (a darker voice), for a < 0 the emphasis
            y[n] = x[n] + a x[n-1] (a brighter one), for 0 none.
    """

    f0: float
    vtl: float
    rate: float
    formant_scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    vowel_shift: dict[str, tuple[float, float]] = field(default_factory=dict)
    bandwidth_scale: float = 1.0
    timing: tuple[float, float] = (0.85, 1.15)
    smoothing: int = 5
    jitter: float = 0.015
    shimmer: float = 0.05
    pitch_start: float = 1.08
    pitch_fall: float = 0.16
    accent: float = 0.0
    accent_at: float = 0.5
    breathiness: float = 0.0
    tilt: float = 0.0

    def __post_init__(self) -> None:
        for name in ("f0", "vtl", "rate", "bandwidth_scale"):
            if not getattr(self, name) > 0:
                raise InputError(f"Voice: {name} must be > 0, got {getattr(self, name)!r}")
        for name in ("jitter", "shimmer", "accent", "breathiness"):
            if not getattr(self, name) >= 0:
                raise InputError(f"Voice: {name} must be >= 0, got {getattr(self, name)!r}")
        if not -1 < self.tilt < 1:
            raise InputError(f"Voice: tilt must be in (-1, 1), got {self.tilt!r}")
        if not isinstance(self.smoothing, int) or self.smoothing < 1 or self.smoothing % 2 == 0:
            raise InputError(f"Voice: smoothing must be an odd number of blocks >= 1, got "
                             f"{self.smoothing!r}")
        low, high = self.timing
        if not 0 < low <= high:
            raise InputError(f"Voice: timing must be (low, high) with 0 < low <= high, got "
                             f"{self.timing!r}")
        unknown = set(self.vowel_shift) - set(VOWELS)
        if unknown:
            raise InputError(f"Voice: vowel_shift names vowels the synthesizer does not have: "
                             f"{sorted(unknown)} (it has {sorted(VOWELS)})")


def _classic_voice(rng: np.random.Generator) -> Voice:
    f0 = rng.uniform(80, 260)
    vtl = np.clip(0.85 + 0.35 * (f0 - 80) / 180 + rng.normal(0, 0.05), 0.85, 1.2)
    return Voice(f0=f0, vtl=float(vtl), rate=rng.uniform(0.8, 1.25))


def speaker_voice(seed: int, take: int) -> Voice:
    """The broad speaker of take ``take`` of ``seed`` (the same for every digit it says)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, take, VOICE_KEY]))
    f0 = float(np.exp(rng.uniform(np.log(75), np.log(300))))
    size = (np.log(f0) - np.log(75)) / (np.log(300) - np.log(75))
    vtl = float(np.clip(0.85 + 0.3 * size + rng.normal(0, 0.07), 0.8, 1.25))
    fall = rng.uniform(-0.05, 0.15)
    return Voice(
        f0=f0, vtl=vtl, rate=rng.uniform(0.7, 1.35),
        formant_scale=tuple(float(x) for x in rng.uniform(0.92, 1.08, 3)),
        vowel_shift={v: tuple(float(x) for x in np.clip(rng.normal(1, 0.05, 2), 0.85, 1.15))
                     for v in VOWELS},
        bandwidth_scale=float(np.exp(rng.uniform(np.log(0.7), np.log(1.8)))),
        timing=(0.75, 1.25), smoothing=int(rng.choice([3, 5, 7, 9])),
        jitter=rng.uniform(0.005, 0.03), shimmer=rng.uniform(0.02, 0.12),
        pitch_start=1 + fall / 2, pitch_fall=fall,
        accent=rng.uniform(0, 0.2), accent_at=rng.uniform(0.2, 0.8),
        breathiness=rng.uniform(0, 0.6), tilt=rng.uniform(-0.9, 0.7))


@dataclass
class _Track:
    """Control values every 5 ms: formants (n, 3), voicing, aspiration, frication levels."""

    formants: np.ndarray
    voicing: np.ndarray
    aspiration: np.ndarray
    frication: np.ndarray
    fric_band: np.ndarray  # (n, 2): noise band of the frication at each block


def _phoneme_blocks(ph: str, rate: float) -> int:
    return max(2, int(round(DURATIONS_MS[ph] / 1000 / rate / BLOCK_S)))


def _vowel_targets(ph: str, voice: Voice) -> tuple[tuple[float, float, float], ...]:
    if ph not in voice.vowel_shift:
        return VOWELS[ph]
    a, b = voice.vowel_shift[ph]
    return tuple((f1 * a, f2 * b, f3) for f1, f2, f3 in VOWELS[ph])


def _tracks(word: str, voice: Voice, rng: np.random.Generator) -> _Track:
    formants, voicing, aspiration, frication, bands = [], [], [], [], []
    phones = PRONUNCIATIONS[word]
    for i, ph in enumerate(phones):
        n = int(_phoneme_blocks(ph, voice.rate) * rng.uniform(*voice.timing))
        nxt = phones[i + 1] if i + 1 < len(phones) else None
        neighbour = _vowel_targets(nxt, voice)[0] if nxt in VOWELS else NEUTRAL
        if ph in VOWELS:
            targets = _vowel_targets(ph, voice)
            start, end = np.array(targets[0]), np.array(targets[-1])
            f = start + (end - start) * np.linspace(0, 1, n)[:, None]
            v, a, fr = np.ones(n), np.zeros(n), np.zeros(n)
            band = (0.0, 0.0)
        elif ph in APPROXIMANTS:
            f = np.tile(APPROXIMANTS[ph], (n, 1)).astype(float)
            v = np.full(n, 0.45 if ph == "N" else 0.7)
            a, fr = np.zeros(n), np.zeros(n)
            band = (0.0, 0.0)
        elif ph in FRICATIVES:
            voiced, lo, hi, level = FRICATIVES[ph]
            f = np.tile(neighbour, (n, 1)).astype(float)
            v = np.full(n, 0.35 if voiced else 0.0)
            a, fr = np.zeros(n), np.full(n, level)
            band = (lo, hi)
        else:
            lo, hi = PLOSIVES[ph]
            closure, burst = int(n * 0.45), max(1, int(n * 0.12))
            f = np.tile(neighbour, (n, 1)).astype(float)
            v = np.zeros(n)
            fr = np.zeros(n)
            fr[closure:closure + burst] = 0.5
            a = np.zeros(n)
            a[closure + burst:] = 0.25 * np.linspace(1, 0.2, n - closure - burst)
            band = (lo, hi)
        formants.append(f)
        voicing.append(v)
        aspiration.append(a)
        frication.append(fr)
        bands.append(np.tile(band, (n, 1)))
    f = np.concatenate(formants)
    smooth = np.ones(voice.smoothing) / voice.smoothing
    f = np.stack([np.convolve(np.pad(f[:, k], voice.smoothing // 2, mode="edge"), smooth,
                              "valid")
                  for k in range(3)], axis=1)
    soft = np.ones(3) / 3
    levels = [np.convolve(np.pad(np.concatenate(x), 1, mode="edge"), soft, "valid")
              for x in (voicing, aspiration, frication)]
    return _Track(f, levels[0], levels[1], levels[2], np.concatenate(bands))


def _glottal_source(n: int, sr: int, voice: Voice, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Derivative of a Rosenberg glottal flow at the voice's jittered pitch contour, and the
    flow itself (n samples each)."""
    t = np.arange(n) / sr
    span = max(t[-1], 1e-9)
    contour = voice.f0 * (voice.pitch_start - voice.pitch_fall * t / span)
    if voice.accent:
        bump = np.clip((t / span - voice.accent_at) * 3, -1, 1)
        contour = contour * (1 + voice.accent * 0.5 * (1 + np.cos(np.pi * bump)))
    wobble = np.interp(t, np.linspace(0, t[-1] + 1e-9, max(2, n // 160)),
                       rng.normal(0, voice.jitter, max(2, n // 160)))
    phase = np.cumsum(contour * (1 + wobble) / sr) % 1.0
    flow = np.where(phase < 0.4, 0.5 * (1 - np.cos(np.pi * phase / 0.4)),
                    np.where(phase < 0.56, np.cos(np.pi * (phase - 0.4) / 0.32), 0.0))
    period = np.floor(np.cumsum(contour / sr))
    shimmer = 1 + rng.normal(0, voice.shimmer, int(period[-1]) + 2)[period.astype(int)]
    return np.diff(flow * shimmer, prepend=0.0), flow


@lru_cache(maxsize=64)
def _bandpass(lo: float, hi: float, sr: int) -> np.ndarray:
    hi_c = min(hi, 0.45 * sr)
    from scipy.signal import butter  # imported on use: it costs ~0.7 s

    return butter(4, [min(lo, 0.6 * hi_c), hi_c], btype="bandpass", fs=sr, output="sos")


def synthesize_digit(digit: int, sample_rate: int = 16000, seed: int = 0, take: int = 0,
                     snr_db: tuple[float, float] = (10.0, 30.0),
                     voices: str | Voice = "classic") -> np.ndarray:
    """One utterance of ``digit`` (0-9) as float32 samples, deterministic for (seed, digit,
    take, voices); background noise at an SNR drawn uniformly from ``snr_db``.

    ``voices``: ``"classic"`` (a speaker drawn for this clip alone), ``"broad"`` (the speaker
    ``speaker_voice(seed, take)``, wider in every respect; see the module docstring) or a
    :class:`Voice`.
    """
    if not 0 <= digit <= 9:
        raise InputError(f"synthesize_digit: digit must be 0-9, got {digit}")
    if not isinstance(voices, Voice) and voices not in VOICE_FAMILIES:
        raise InputError(f"synthesize_digit: voices must be one of {VOICE_FAMILIES} or a "
                         f"Voice, got {voices!r}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, digit, take]))
    sr = int(sample_rate)
    if isinstance(voices, Voice):
        voice = voices
    elif voices == "broad":
        voice = speaker_voice(seed, take)
    else:
        voice = _classic_voice(rng)
    track = _tracks(DIGIT_WORDS[digit], voice, rng)
    block = int(round(BLOCK_S * sr))
    n = track.formants.shape[0] * block
    formants = track.formants * voice.vtl * np.asarray(voice.formant_scale)
    per_sample = np.repeat(np.arange(track.formants.shape[0]), block)
    source, flow = _glottal_source(n, sr, voice, rng)
    from scipy.signal import lfilter, sosfilt  # imported on use: it costs ~0.7 s

    if voice.tilt > 0:
        source = lfilter([1 - voice.tilt], [1, -voice.tilt], source)
    elif voice.tilt < 0:
        source = lfilter([1, voice.tilt], [1], source)
    if voice.breathiness:
        breath = np.random.default_rng(np.random.SeedSequence([seed, digit, take, 1]))
        rms = np.sqrt(np.mean(source**2) + 1e-24)
        source = source + voice.breathiness * rms * (0.5 + flow) * breath.standard_normal(n)
    voiced = source * track.voicing[per_sample]
    noise = rng.standard_normal(n)
    excitation = voiced + 0.3 * noise * track.aspiration[per_sample]
    speech = resonator_cascade(excitation, np.minimum(formants, 0.45 * sr),
                               BANDWIDTHS * voice.bandwidth_scale, float(sr), block)
    fric = np.zeros(n)
    for lo, hi in sorted({tuple(b) for b in track.fric_band if b[1] > 0}):
        mask = np.all(track.fric_band[per_sample] == (lo, hi), axis=1)
        fric += sosfilt(_bandpass(lo, hi, sr), rng.standard_normal(n)) * mask * \
            track.frication[per_sample]
    voiced_rms = np.sqrt(np.mean(speech[track.voicing[per_sample] > 0.3] ** 2) + 1e-12)
    word = speech / voiced_rms + 2.5 * fric
    ramp = min(int(0.01 * sr), n // 2)
    word[:ramp] *= np.linspace(0, 1, ramp)
    word[n - ramp:] *= np.linspace(1, 0, ramp)
    onset = np.zeros(int(rng.uniform(0, 0.15) * sr))
    tail = np.zeros(int(rng.uniform(0.02, 0.1) * sr))
    clip = np.concatenate([onset, word, tail])
    snr = rng.uniform(*snr_db)
    signal_power = np.mean(word**2)
    clip = clip + rng.standard_normal(clip.size) * np.sqrt(signal_power / 10 ** (snr / 10))
    return (0.3 * clip / (np.max(np.abs(clip)) + 1e-12)).astype(np.float32)
