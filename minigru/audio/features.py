"""MFCC and log-mel features: one configurable pipeline, and presets that reproduce the
references people compare against.

The pipeline, each step a public function of ``minigru.audio``:

    x -> (x * input_scale) -> preemphasis -> frame_signal -> [remove DC] -> [per-frame
    preemphasis] -> window -> power_spectrum -> mel_filterbank -> log -> dct -> lifter
    -> [c0 := log energy] -> [deltas] -> [cmvn]

Every choice lives in :class:`MFCCConfig`; ``preset=`` picks a named configuration and keyword
arguments override single fields::

    mg.audio.mfcc(signal, 16000)                                  # minigru's default
    mg.audio.mfcc(signal, 8000, preset="python_speech_features")  # psf 0.6 mfcc()
    mg.audio.mfcc(signal, 16000, preset="librosa", n_mfcc=20)     # librosa.feature.mfcc
    mg.audio.mfcc(signal, 16000, preset="kaldi")                  # compute-mfcc-feats, dither 0

Many clips are computed together (:func:`mfcc_batch`): their frames are stacked into one matrix
so the FFT, the filter bank and the DCT are a few large calls instead of one per clip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .frames import EDGES, WINDOWS, check_signal, frame_signal, get_window, round_half_up
from .normalize import cmvn, delta
from .spectral import (
    MEL_SCALES,
    PLACEMENTS,
    dct,
    lifter,
    log_energies,
    mel_filterbank,
    power_spectrum,
    power_to_db,
)

FLOAT32_EPS = float(np.finfo(np.float32).eps)
FLOAT64_EPS = float(np.finfo(np.float64).eps)


@dataclasses.dataclass(frozen=True)
class MFCCConfig:
    """Every choice of the MFCC pipeline. The defaults are minigru's own preset (``None``):
    25 ms Hamming frames every 10 ms, pre-emphasis 0.97, 40 HTK-mel filters from 20 Hz to
    sr/2, natural log with a floor, 13 coefficients, lifter 22.

    Attributes:
        n_mfcc: coefficients kept after the DCT.
        frame_length, frame_step: in seconds; converted to samples by ``frame_rounding``
            ("half_up" or "floor"). ``win_length`` / ``hop_length`` in samples override them.
        edge: framing at the ends, "pad", "center" or "valid" (see ``frame_signal``).
        n_fft: FFT size; None is the next power of two >= the frame length. Longer frames are
            cropped to n_fft.
        input_scale: the signal is multiplied by this first (Kaldi works on int16 values).
        remove_dc: subtract each frame's mean (Kaldi).
        preemphasis: coefficient (0 = off); ``preemphasis_per_frame`` applies it inside each
            frame with y[0] = x[0] - c x[0] (Kaldi) instead of on the whole signal.
        window, window_periodic: "rectangular", "hamming", "hann" or "povey"; symmetric or
            periodic.
        power_scale: "none" (|X|^2) or "n_fft" (|X|^2 / n_fft).
        n_mels, fmin, fmax, mel_scale, filter_placement, mel_norm, filter_dtype: the filter bank
            (see ``mel_filterbank``); fmax None is sr / 2.
        log: "ln" (natural log with ``log_floor`` applied by ``log_floor_mode`` "max" or
            "zeros") or "db" (10 log10 with ``log_floor`` as amin, then ``top_db``).
        lifter: the liftering parameter L (0 = none).
        energy: None, "power" (c0 := ln of each frame's total power spectrum, zeros replaced by
            machine epsilon) or "raw" (c0 := ln max(sum x^2, float32 eps) of the frame after DC
            removal, before pre-emphasis and window; Kaldi).
        deltas: 0, 1 or 2: append first (and second) order deltas over +-``delta_width`` frames.
        cmvn: per-utterance mean and variance normalisation of the final features.
    """

    n_mfcc: int = 13
    frame_length: float = 0.025
    frame_step: float = 0.010
    win_length: int | None = None
    hop_length: int | None = None
    frame_rounding: str = "half_up"
    edge: str = "pad"
    n_fft: int | None = None
    input_scale: float = 1.0
    remove_dc: bool = False
    preemphasis: float = 0.97
    preemphasis_per_frame: bool = False
    window: str = "hamming"
    window_periodic: bool = False
    power_scale: str = "none"
    n_mels: int = 40
    fmin: float = 20.0
    fmax: float | None = None
    mel_scale: str = "htk"
    filter_placement: str = "hz"
    mel_norm: str | None = None
    filter_dtype: str | None = None
    log: str = "ln"
    log_floor: float = 1e-10
    log_floor_mode: str = "max"
    top_db: float | None = None
    lifter: int = 22
    energy: str | None = None
    deltas: int = 0
    delta_width: int = 2
    cmvn: bool = False

    def replace(self, **changes: Any) -> MFCCConfig:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"MFCCConfig has no field(s) {sorted(unknown)}; fields are "
                            f"{[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    def validate(self, sample_rate: float) -> None:
        """Raise ``ValueError`` naming the first field whose value cannot work."""
        choices = {"edge": EDGES, "window": WINDOWS, "mel_scale": MEL_SCALES,
                   "filter_placement": PLACEMENTS, "frame_rounding": ("half_up", "floor"),
                   "power_scale": ("none", "n_fft"), "log": ("ln", "db"),
                   "log_floor_mode": ("max", "zeros"), "energy": (None, "power", "raw"),
                   "mel_norm": (None, "slaney"), "filter_dtype": (None, "float32")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"MFCCConfig.{name}: {getattr(self, name)!r} is not one of "
                                 f"{allowed}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if self.n_mfcc < 1:
            raise ValueError(f"MFCCConfig.n_mfcc must be >= 1, got {self.n_mfcc}")
        if self.n_mfcc > self.n_mels:
            raise ValueError(f"MFCCConfig.n_mfcc ({self.n_mfcc}) cannot exceed n_mels "
                             f"({self.n_mels}): the DCT of {self.n_mels} filter outputs has "
                             f"{self.n_mels} coefficients")
        if self.deltas not in (0, 1, 2):
            raise ValueError(f"MFCCConfig.deltas must be 0, 1 or 2, got {self.deltas}")
        if self.log_floor <= 0:
            raise ValueError(f"MFCCConfig.log_floor must be positive, got {self.log_floor}")
        win, hop, n_fft = self.frame_sizes(sample_rate)
        if win < 1 or hop < 1:
            raise ValueError(f"frames of {win} samples every {hop} samples at {sample_rate} Hz: "
                             f"frame_length and frame_step are too short")
        if n_fft < 2:
            raise ValueError(f"MFCCConfig.n_fft must be >= 2, got {n_fft}")

    def frame_sizes(self, sample_rate: float) -> tuple[int, int, int]:
        """(frame length, hop, n_fft) in samples at ``sample_rate``."""
        rnd = round_half_up if self.frame_rounding == "half_up" else int
        win = self.win_length if self.win_length is not None else rnd(self.frame_length
                                                                      * sample_rate)
        hop = self.hop_length if self.hop_length is not None else rnd(self.frame_step
                                                                      * sample_rate)
        n_fft = self.n_fft if self.n_fft is not None else 1 << max(0, int(win - 1).bit_length())
        return int(win), int(hop), int(n_fft)


PRESETS: dict[str | None, MFCCConfig] = {
    None: MFCCConfig(),
    "python_speech_features": MFCCConfig(
        edge="pad", n_fft=512, preemphasis=0.97, window="rectangular", power_scale="n_fft",
        n_mels=26, fmin=0.0, mel_scale="htk", filter_placement="bins", log="ln",
        log_floor=FLOAT64_EPS, log_floor_mode="zeros", lifter=22, energy="power"),
    "librosa": MFCCConfig(
        win_length=2048, hop_length=512, n_fft=2048, edge="center", preemphasis=0.0,
        window="hann", window_periodic=True, power_scale="none", n_mels=128, fmin=0.0,
        mel_scale="slaney", filter_placement="hz", mel_norm="slaney", filter_dtype="float32",
        log="db", log_floor=1e-10, top_db=80.0, lifter=0),
    "kaldi": MFCCConfig(
        frame_rounding="floor", edge="valid", n_fft=None, input_scale=32768.0, remove_dc=True,
        preemphasis=0.97, preemphasis_per_frame=True, window="povey", window_periodic=False,
        power_scale="none", n_mels=23, fmin=20.0, mel_scale="kaldi", filter_placement="mel",
        log="ln", log_floor=FLOAT32_EPS, log_floor_mode="max", lifter=22, energy="raw"),
}
"""The named presets. Their quirks, all reproduced on purpose:

- ``"python_speech_features"`` (``mfcc()`` of version 0.6): pre-emphasis on the whole signal;
  frames of round-half-up(0.025 sr) samples, the last partial frame zero-padded and at least one
  frame; rectangular window; n_fft 512, so at 44.1 kHz the 1103-sample frames are cropped to
  512; periodogram |X|^2 / 512; 26 filters on integer FFT bins; exact zeros replaced by float64
  eps before the log; c0 replaced by ln of the frame's total power (zeros to eps).
- ``"librosa"`` (``librosa.feature.mfcc(y=y, sr=sr)``, 0.10/0.11): n_fft 2048 and hop 512 samples
  whatever the rate; frames centred with n_fft/2 zeros on both sides; periodic Hann; 128 Slaney
  filters with area normalisation, held in float32; power in dB floored at 80 dB below the
  whole utterance's maximum (so features depend on the utterance as a whole); no lifter.
- ``"kaldi"`` (``compute-mfcc-feats --dither=0``): works on int16-scaled samples; frames of
  int(0.025 sr) every int(0.010 sr), complete frames only, so a signal shorter than one frame has
  no frames; per frame: DC removed, raw log energy taken, pre-emphasis inside the frame, povey
  window, zero-padded to a power of two; 23 filters triangular in mel = 1127 ln(1 + f/700) from
  20 Hz, none on the Nyquist bin; energies floored at float32 eps; c0 replaced by the raw log
  energy. (Kaldi computes in float32; this pipeline computes in float64.)
"""


def resolve_config(preset: str | None = None, config: MFCCConfig | None = None,
                   **overrides: Any) -> MFCCConfig:
    """The configuration for a preset name (or an explicit ``config``) with ``overrides``."""
    if config is None:
        if preset not in PRESETS:
            names = [p for p in PRESETS if p is not None]
            raise ValueError(f"unknown MFCC preset {preset!r}; choose None or one of {names}")
        config = PRESETS[preset]
    return config.replace(**overrides) if overrides else config


# --------------------------------------------------------------------------- the pipeline


def _signal_stage(signal: np.ndarray, cfg: MFCCConfig) -> np.ndarray:
    """Input scaling and whole-signal pre-emphasis."""
    x = signal * cfg.input_scale if cfg.input_scale != 1.0 else signal
    if cfg.preemphasis and not cfg.preemphasis_per_frame:
        x = np.concatenate([x[:1], x[1:] - cfg.preemphasis * x[:-1]])
    return x


def log_power_energy(total_power: np.ndarray) -> np.ndarray:
    """ln of each frame's total power, exact zeros replaced by float64 eps (python_speech_features'
    c0)."""
    return np.log(np.where(total_power == 0, FLOAT64_EPS, total_power))


def prepare_frames(frames: np.ndarray, cfg: MFCCConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """The per-frame steps before the window: DC removal, the raw log energy (for
    energy="raw"), per-frame pre-emphasis. Returns the frames (a copy if anything changed) and
    the raw log energies or None."""
    if not (cfg.remove_dc or cfg.energy == "raw" or cfg.preemphasis_per_frame):
        return frames, None
    frames = np.array(frames, dtype=np.float64, copy=True)
    if cfg.remove_dc and frames.shape[0]:
        frames -= frames.mean(axis=1, keepdims=True)
    raw = None
    if cfg.energy == "raw":
        raw = np.log(np.maximum(np.einsum("ij,ij->i", frames, frames), FLOAT32_EPS))
    if cfg.preemphasis and cfg.preemphasis_per_frame:
        frames[:, 1:] -= cfg.preemphasis * frames[:, :-1].copy()
        frames[:, 0] *= 1.0 - cfg.preemphasis
    return frames, raw


def _frames(signal: np.ndarray, cfg: MFCCConfig, win: int, hop: int, n_fft: int
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Frames of one signal before the window (a strided view where no per-frame processing
    is needed) and, for energy="raw", their raw log energies."""
    x = _signal_stage(signal, cfg)
    return prepare_frames(frame_signal(x, win, hop, cfg.edge, pad_length=n_fft, copy=False),
                          cfg)


def cepstra_of_frames(frames: np.ndarray, cfg: MFCCConfig, sample_rate: float
                      ) -> np.ndarray:
    """MFCCs (before deltas and CMVN) of frames cut from an already scaled and pre-emphasised
    signal: the per-frame part of the pipeline, used by the streaming front end. Only for
    configurations whose log does not look at the whole utterance (``log="ln"``)."""
    win, _, n_fft = cfg.frame_sizes(sample_rate)
    frames, raw = prepare_frames(frames, cfg)
    width = min(win, n_fft)
    windowed = frames[:, :width] * get_window(cfg.window, win, cfg.window_periodic)[:width]
    power = power_spectrum(windowed, n_fft, cfg.power_scale)
    logs = log_energies(power @ _filters(cfg, sample_rate, n_fft), cfg.log_floor,
                        cfg.log_floor_mode)
    ceps = lifter(dct(logs, cfg.n_mfcc), cfg.lifter)
    if cfg.energy == "power" and ceps.shape[0]:
        ceps[:, 0] = log_power_energy(power.sum(axis=1))
    elif cfg.energy == "raw" and ceps.shape[0]:
        ceps[:, 0] = raw
    return ceps


_FILTER_CACHE: dict[tuple[Any, ...], np.ndarray] = {}


def _filters(cfg: MFCCConfig, sample_rate: float, n_fft: int) -> np.ndarray:
    key = (sample_rate, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
           cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    if key not in _FILTER_CACHE:
        fb = mel_filterbank(sample_rate, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                            cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
        _FILTER_CACHE[key] = np.ascontiguousarray(fb.T)
    return _FILTER_CACHE[key]


def _log_mel_batch(signals: Sequence[Any], sample_rate: float, cfg: MFCCConfig,
                   chunk_frames: int = 2048
                   ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Per clip: log mel energies (frames, n_mels), and the c0 replacement (or None)."""
    cfg.validate(sample_rate)
    win, hop, n_fft = cfg.frame_sizes(sample_rate)
    window = get_window(cfg.window, win, cfg.window_periodic)
    fb = _filters(cfg, sample_rate, n_fft)
    per_clip, raws = [], []
    for i, s in enumerate(signals):
        frames, raw = _frames(check_signal(s, f"signals[{i}]"), cfg, win, hop, n_fft)
        per_clip.append(frames)
        raws.append(raw)
    counts = [f.shape[0] for f in per_clip]
    total = sum(counts)
    mel = np.empty((total, cfg.n_mels))
    power_total = np.empty(total) if cfg.energy == "power" else None
    width = min(win, n_fft)
    buffer = np.zeros((min(chunk_frames, max(total, 1)), n_fft))
    window = window[:width]

    def flush(rows: int, start: int) -> None:
        power = power_spectrum(buffer[:rows], n_fft, cfg.power_scale)
        mel[start:start + rows] = power @ fb
        if power_total is not None:
            power_total[start:start + rows] = power.sum(axis=1)

    filled, done = 0, 0
    for frames in per_clip:
        pos = 0
        while pos < frames.shape[0]:
            take = min(frames.shape[0] - pos, buffer.shape[0] - filled)
            np.multiply(frames[pos:pos + take, :width], window, out=buffer[filled:filled + take,
                                                                          :width])
            filled += take
            pos += take
            if filled == buffer.shape[0]:
                flush(filled, done)
                done += filled
                filled = 0
    if filled:
        flush(filled, done)
    bounds = np.cumsum([0] + counts)
    logs, c0s = [], []
    for i in range(len(counts)):
        m = mel[bounds[i]:bounds[i + 1]]
        if cfg.log == "db":
            logs.append(power_to_db(m, cfg.log_floor, cfg.top_db) if m.size else m)
        else:
            logs.append(log_energies(m, cfg.log_floor, cfg.log_floor_mode))
        if cfg.energy == "power":
            c0s.append(log_power_energy(power_total[bounds[i]:bounds[i + 1]]))
        else:
            c0s.append(raws[i])
    return logs, c0s


def _finish(features: np.ndarray, cfg: MFCCConfig) -> np.ndarray:
    if cfg.deltas:
        parts = [features, delta(features, cfg.delta_width)]
        if cfg.deltas == 2:
            parts.append(delta(parts[1], cfg.delta_width))
        features = np.concatenate(parts, axis=1)
    if cfg.cmvn:
        features = cmvn(features)
    return features


def mfcc_batch(signals: Sequence[Any], sample_rate: float, n_mfcc: int | None = None,
               preset: str | None = None, config: MFCCConfig | None = None,
               **overrides: Any) -> list[np.ndarray]:
    """MFCCs of many 1-D signals (same rate) with few large FFT, matrix and DCT calls.

    Returns one (frames, n_mfcc * (1 + deltas)) float64 array per signal.
    """
    if n_mfcc is not None:
        overrides["n_mfcc"] = n_mfcc
    cfg = resolve_config(preset, config, **overrides)
    logs, c0s = _log_mel_batch(signals, sample_rate, cfg)
    if not logs:
        return []
    counts = [lg.shape[0] for lg in logs]
    ceps = lifter(dct(np.concatenate(logs), cfg.n_mfcc), cfg.lifter)
    bounds = np.cumsum([0] + counts)
    out = []
    for i in range(len(logs)):
        c = ceps[bounds[i]:bounds[i + 1]]
        if c0s[i] is not None and c.shape[0]:
            c[:, 0] = c0s[i]
        out.append(_finish(c, cfg))
    return out


def mfcc(signal: Any, sample_rate: float, n_mfcc: int | None = None, preset: str | None = None,
         config: MFCCConfig | None = None, **overrides: Any) -> np.ndarray:
    """Mel-frequency cepstral coefficients of a 1-D signal: (frames, n_mfcc) float64
    (more columns with ``deltas``). See the module docstring and :class:`MFCCConfig`."""
    return mfcc_batch([signal], sample_rate, n_mfcc, preset, config, **overrides)[0]


def fbank_batch(signals: Sequence[Any], sample_rate: float, preset: str | None = None,
                config: MFCCConfig | None = None, **overrides: Any) -> list[np.ndarray]:
    """Log mel energies of many signals: (frames, n_mels) each (deltas and cmvn as configured)."""
    cfg = resolve_config(preset, config, **overrides)
    logs, _ = _log_mel_batch(signals, sample_rate, cfg)
    return [_finish(lg, cfg) for lg in logs]


def fbank(signal: Any, sample_rate: float, preset: str | None = None,
          config: MFCCConfig | None = None, **overrides: Any) -> np.ndarray:
    """Log mel filter-bank energies of a 1-D signal: (frames, n_mels)."""
    return fbank_batch([signal], sample_rate, preset, config, **overrides)[0]
