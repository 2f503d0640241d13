"""The one description of "audio in, model input out": :class:`FeaturePipeline`.

Everything that turns sound into a recogniser's input goes through one pipeline object:
datasets and their feature cache, training, ``evaluate``, ``predict``, ``stream``, the
``mfcc`` command and the figures. A run stores its pipeline in its configuration (the
``features`` section of ``config.json`` and of every checkpoint), so a model loaded from a
checkpoint computes exactly the features it was trained on, whatever file it is handed.

For a signal ``x`` at rate ``r`` the pipeline computes::

    x  -> if ``declip``: clipped peaks restored, each channel on    (mg.audio.declip)
          its own, at the rate r (in :meth:`FeaturePipeline.read`, and a file's
          :meth:`~FeaturePipeline.load`, alone: once, where a recording enters)
       -> downmix to mono (mean of the channels)
       -> resample r -> sample_rate by the reduced ratio up/down  (mg.audio.resample)
          to round(N up / down) samples, the input's duration to the nearest sample (to_rate)
       -> if ``declip_reshaped``: peaks clipped and then resampled  (mg.audio.declip)
          or filtered, restored at ``sample_rate`` (in ``read`` alone)
       -> if ``trim``: the speech alone, silence around it removed (mg.audio.endpoint.trim)
       -> if ``dither_db`` and ``floor="noise"``: + white noise that many dB below it,
          seeded by its duration in ms (and by ``floor_draw``: see
          :meth:`FeaturePipeline.floor_draws`)
       -> MFCC of ``preset`` with ``n_mfcc`` coefficients          (mg.audio.mfcc)
          (with ``floor="expected"``: of the mel energies plus what that noise adds to them
          on average, ``MFCCConfig.noise_floor_db``; nothing random)
          (with ``compression="root"``: of the mel energies' power law, not their log)
       -> deltas of order 1..``deltas``                            (mg.audio.delta)
       -> per-utterance CMVN if ``cmvn``                           (mg.audio.cmvn)
       -> ``stack`` consecutive frames side by side                (stack_frames)

giving an array of shape (ceil(frames / stack), ``size``) with
``size = n_mfcc * (1 + deltas) * stack``.
``sample_rate=None`` keeps each input's own rate (a pipeline that has not been fixed yet;
a training run fixes it to the rate of its data, see :meth:`FeaturePipeline.at_rate`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .declip import declip
from .endpoint import trim
from .features import PRESETS, MFCCConfig, mfcc_batch, noise_mel, resolve_config
from .frames import frame_signal, get_window, preemphasis
from .noise import dither
from .resampling import resample
from .spectral import ROOT_POWER, mel_filterbank, power_spectrum
from .wav import load_wav

COMPRESSIONS = ("log", "root")
FLOORS = ("noise", "expected")


@dataclasses.dataclass(frozen=True)
class FeaturePipeline:
    """How audio becomes a model's input (see the module docstring).

    Attributes:
        preset: the MFCC preset (None is minigru's own; see ``mg.audio.PRESETS``).
        n_mfcc: cepstral coefficients per frame.
        deltas: 0, 1 or 2 orders of deltas appended.
        cmvn: per-utterance mean and variance normalisation of the final features.
        sample_rate: the rate every input is converted to before framing (None: its own).
        trim: cut the silence or noise before and after the speech (``mg.audio.endpoint``),
            so a word with seconds of silence around it gives the features of the word.
        stack: frames per model step (:func:`stack_frames`): 1 keeps every 10 ms frame; 2
            puts each pair of frames side by side, so a recurrent layer takes half the steps
            over inputs twice as wide (a lower frame rate, as in Pundak and Sainath 2016).
        dither_db: a noise floor: white noise this many dB below the (trimmed) signal's power
            added to every input (``mg.audio.augment.dither``, seeded by the signal's
            duration, :func:`dither_seed`), so that what lies below it in a recording (its
            room, its microphone's hiss) looks alike in every recording (None: none).
        compression: how the MFCCs compress the mel energies: "log" (the preset's own log)
            or "root" (the power law m^root_power of PNCC, ``mg.audio.root_energies``, which
            noise moves less; it needs ``cmvn`` to be independent of the input's level).
        root_power: the exponent of ``compression="root"``, in (0, 1) (PNCC's 1/15).
        floor: how the floor of ``dither_db`` is added: "noise" (a draw of white noise,
            added to the signal) or "expected" (its expected power, added to every frame's mel
            energies: ``MFCCConfig.noise_floor_db``). The expected floor has no draw to
            average over, and a sample more or less at the word's edges, or another seed,
            does not change it: a copy of a clip at another rate gets the features of the
            original, where a drawn floor pairs its noise with the word's samples differently.
        floor_draw: which draw of that noise this pipeline adds (0, the first, unless the
            pipeline is one of :meth:`floor_draws`): its seed is
            ``dither_seed(N, rate) + floor_draw * DRAW_STRIDE``.
        fmax: the top of the mel filter bank in Hz (``MFCCConfig.fmax``; None: the
            preset's own, the Nyquist frequency; <= 0: that many Hz below the Nyquist
            frequency, as Kaldi's ``--high-freq``). The top few hundred Hz of a recording's
            band are where anti-aliasing filters and resamplers roll off, each its own way,
            so a copy of a clip made at another rate differs from it there most; features
            that stop below them read the copy more nearly as the original (the top filter
            of an 8 kHz model loses 0.35 dB of a copy made by SciPy's default filter at
            -300, 2.5 dB with the whole band).
        declip: restore a recording's clipped peaks by linear prediction
            (``mg.audio.declip``) where it is read (:meth:`read`, :meth:`load`), at its own
            rate, before it is resampled; the stages of :meth:`convert` do not declip.
        declip_reshaped: restore the peaks of a recording clipped and then resampled or
            filtered, found by where its samples pile up below its maximum
            (``declip(rule="reshaped")``), where it is read, once it is at the pipeline's
            rate (after ``declip``, which restores what was still flat: a converter that
            writes integers clips again the overshoot of the peaks it reshaped).
    """

    preset: str | None = None
    n_mfcc: int = 13
    deltas: int = 1
    cmvn: bool = False
    sample_rate: int | None = None
    trim: bool = False
    stack: int = 1
    dither_db: float | None = None
    compression: str = "log"
    root_power: float = ROOT_POWER
    floor: str = "noise"
    floor_draw: int = 0
    fmax: float | None = None
    declip: bool = False
    declip_reshaped: bool = False

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            names = [p for p in PRESETS if p is not None]
            raise InputError(f"FeaturePipeline: preset must be None or one of {names}, got "
                             f"{self.preset!r}")
        for name, low in (("n_mfcc", 1), ("deltas", 0), ("stack", 1), ("floor_draw", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InputError(f"FeaturePipeline: {name} must be an integer >= {low}, got "
                                 f"{value!r}")
        if self.deltas > 2:
            raise InputError(f"FeaturePipeline: deltas must be 0, 1 or 2, got {self.deltas}")
        if self.floor not in FLOORS:
            raise InputError(f"FeaturePipeline: floor must be one of {FLOORS}, got "
                             f"{self.floor!r}")
        if self.compression not in COMPRESSIONS:
            raise InputError(f"FeaturePipeline: compression must be one of {COMPRESSIONS}, "
                             f"got {self.compression!r}")
        r = self.root_power
        if (not isinstance(r, (int, float)) or isinstance(r, bool) or not 0.0 < r < 1.0):
            raise InputError(f"FeaturePipeline: root_power must be a number in (0, 1), got "
                             f"{r!r}")
        for name in ("cmvn", "trim", "declip", "declip_reshaped"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"FeaturePipeline: {name} must be true or false, got "
                                 f"{getattr(self, name)!r}")
        d = self.dither_db
        if d is not None and (not isinstance(d, (int, float)) or isinstance(d, bool)
                              or not np.isfinite(d)):
            raise InputError(f"FeaturePipeline: dither_db must be a finite number of dB or "
                             f"None, got {d!r}")
        top = self.fmax
        if top is not None and (not isinstance(top, (int, float)) or isinstance(top, bool)
                                or not np.isfinite(top)):
            raise InputError(f"FeaturePipeline: fmax must be a finite number of Hz (<= 0: "
                             f"below the Nyquist frequency) or None, got {top!r}")
        rate = self.sample_rate
        if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool)
                                 or rate <= 0):
            raise InputError(f"FeaturePipeline: sample_rate must be a positive integer or "
                             f"None, got {rate!r}")

    # ------------------------------------------------------------------ description
    @property
    def size(self) -> int:
        """Features per model step: ``n_mfcc * (1 + deltas) * stack``."""
        return self.n_mfcc * (1 + self.deltas) * self.stack

    def step_seconds(self, sample_rate: int | None = None) -> float:
        """Seconds of audio per row of the features: the frame hop times ``stack``, at the
        pipeline's rate (or ``sample_rate`` when it has none)."""
        rate = self.sample_rate or sample_rate
        if rate is None:
            raise InputError("FeaturePipeline.step_seconds: the pipeline has no sample rate; "
                             "pass sample_rate")
        return self.mfcc_config().frame_sizes(rate)[1] * self.stack / rate

    def to_dict(self) -> dict[str, Any]:
        """The pipeline as a JSON-ready dict (the ``features`` section of a run config).
        ``dither_db`` is left out when it is None, ``compression`` when it is "log",
        ``root_power`` when it is PNCC's 1/15, ``floor`` when it is "noise",
        ``floor_draw`` when it is 0, ``fmax`` when it is None and ``declip`` and
        ``declip_reshaped`` when they are False, so a pipeline without a noise floor, with
        the log, with a drawn floor, with its first draw, with the preset's filter bank or
        without declipping, is described, and its cached features are found, as before the
        settings existed."""
        d = dataclasses.asdict(self)
        if d["dither_db"] is None:
            del d["dither_db"]
        if d["compression"] == "log":
            del d["compression"]
        if d["root_power"] == ROOT_POWER:
            del d["root_power"]
        if d["floor"] == "noise":
            del d["floor"]
        if d["floor_draw"] == 0:
            del d["floor_draw"]
        if d["fmax"] is None:
            del d["fmax"]
        for name in ("declip", "declip_reshaped"):
            if not d[name]:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeaturePipeline:
        """The inverse of :meth:`to_dict`; an unknown key is an error that names it."""
        if not isinstance(d, dict):
            raise InputError(f"FeaturePipeline.from_dict: expected a dict, got "
                             f"{type(d).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields
        if unknown:
            raise InputError(f"FeaturePipeline: unknown setting(s) {sorted(unknown)}; settings "
                             f"are {sorted(fields)}")
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FeaturePipeline:
        return cls.from_dict(json.loads(text))

    def at_rate(self, sample_rate: int) -> FeaturePipeline:
        """This pipeline with its sample rate fixed (unchanged if it already has one)."""
        if self.sample_rate is not None:
            return self
        return dataclasses.replace(self, sample_rate=int(sample_rate))

    def floor_draws(self, k: int) -> list[FeaturePipeline]:
        """The pipelines of the first ``k`` draws of the noise floor: this one with
        ``floor_draw`` 0, 1, ..., k-1, which read a signal alike except for the seed of the
        white noise ``dither_db`` dB below it. A recogniser that averages its posteriors over
        them, p(c | x) = (1/k) sum_j p(c | features_j(x)), answers by the floor's level alone
        rather than by one draw of its noise (``minigru.speech.views``). A pipeline without a
        floor, or with the expected floor (``floor="expected"``), has one draw: ``[self]``.

        Raises:
            InputError: ``k`` is not an integer >= 1.
        """
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise InputError(f"FeaturePipeline.floor_draws: k must be an integer >= 1, got "
                             f"{k!r}")
        if self.dither_db is None or self.floor == "expected":
            return [self]
        return [dataclasses.replace(self, floor_draw=j) for j in range(int(k))]

    def mfcc_config(self) -> MFCCConfig:
        """The MFCC settings of the pipeline: the preset with its coefficients, deltas, CMVN,
        for ``compression="root"`` ``log="root"``, for ``floor="expected"``
        ``noise_floor_db=dither_db``, and ``fmax`` when it is set."""
        extra: dict[str, Any] = ({"log": "root", "root_power": float(self.root_power)}
                                 if self.compression == "root" else {})
        if self.dither_db is not None and self.floor == "expected":
            extra["noise_floor_db"] = float(self.dither_db)
        if self.fmax is not None:
            extra["fmax"] = float(self.fmax)
        return resolve_config(self.preset, n_mfcc=self.n_mfcc, deltas=self.deltas,
                              cmvn=self.cmvn, **extra)

    # ------------------------------------------------------------------ computing
    def convert(self, signal: Any, sample_rate: int) -> tuple[np.ndarray, int]:
        """A signal in this pipeline's form: mono float32 at its rate (its speech alone if
        ``trim``, over the drawn noise floor of ``dither_db``), and that rate.

        ``signal`` of shape (N,), or (channels, N) which is averaged over channels.
        """
        x, rate = self._at_rate(*to_mono(signal, sample_rate, "FeaturePipeline"))
        if self.trim:
            x = trim(x, rate)
        if self.dither_db is not None and self.floor == "noise" and x.size:
            x = dither(x, self.dither_db,
                       dither_seed(x.size, rate) + self.floor_draw * DRAW_STRIDE)
        return x, rate

    def frames(self, signals: Sequence[Any], sample_rate: int) -> list[np.ndarray]:
        """Features of many signals that share one rate before :func:`stack_frames`: a list
        of (frames, size / stack) arrays, one row per frame."""
        converted = [self.convert(s, sample_rate) for s in signals]
        rate = converted[0][1] if converted else int(sample_rate)
        return mfcc_batch([x for x, _ in converted], rate, config=self.mfcc_config())

    def batch(self, signals: Sequence[Any], sample_rate: int) -> list[np.ndarray]:
        """Features of many signals that share one rate: a list of (steps, size) arrays."""
        return [stack_frames(f, self.stack) for f in self.frames(signals, sample_rate)]

    def __call__(self, signal: Any, sample_rate: int) -> np.ndarray:
        """Features of one signal: (steps, size)."""
        return self.batch([signal], sample_rate)[0]

    def load(self, path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
        """A WAV file as this pipeline reads it (:meth:`read`). Errors of ``load_wav`` name
        the file."""
        return self.read(*load_wav(path, mono=False))

    def read(self, signal: Any, sample_rate: int) -> tuple[np.ndarray, int]:
        """A recording as this pipeline reads it: its clipped peaks restored (if ``declip``,
        :func:`mg.audio.declip.declip`, each channel on its own) at the rate it was recorded
        at, where they are flat, the channels averaged to mono float32, then at the
        pipeline's rate (or its own when the pipeline has none; :func:`to_rate`), and there,
        if ``declip_reshaped``, the peaks of a recording clipped and then reshaped restored
        (``declip(rule="reshaped")``). Its features are then
        ``self(*self.read(signal, rate))``.

        A recording enters the pipeline here once: a file through :meth:`load`, a recording
        in memory through this method. The other stages (:meth:`convert`) do not declip, so a
        signal already read or an augmented copy of one is not declipped again. (A live
        stream's words enter through ``StreamingRecognizer``, which declips each cut.)
        """
        x, rate = to_mono(signal, sample_rate, "FeaturePipeline.read",
                          declip if self.declip else None)
        x, rate = self._at_rate(x.astype(np.float32), rate)
        if self.declip_reshaped and x.size:
            x = declip(x, rule="reshaped").astype(np.float32)
        return x, rate

    def _at_rate(self, x: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
        """``x`` at the pipeline's rate (:func:`to_rate`; unchanged when the pipeline has
        none), and that rate."""
        if self.sample_rate is not None and rate != self.sample_rate:
            return to_rate(x, rate, self.sample_rate), self.sample_rate
        return x, rate

    def from_file(self, path: str | os.PathLike[str]) -> np.ndarray:
        """Features of a WAV file: (frames, size)."""
        signal, rate = self.load(path)
        return self(signal, rate)

    def streaming(self, sample_rate: int | None = None) -> Any:
        """A ``StreamingMFCC`` computing this pipeline frame by frame (CMVN, which needs the
        whole utterance, becomes running CMVN). Trimming and the noise floor (``dither_db``)
        are set by the whole word, which a stream has not heard yet: the stream has neither
        (its detector finds the words), so a model trained with them is best decided on whole
        words (``decide='word'``, the streaming recogniser's choice for such pipelines). A
        pipeline that stacks frames has no frame-by-frame form and is refused."""
        from .streaming import StreamingMFCC

        if self.stack != 1:
            raise InputError(f"FeaturePipeline.streaming: a pipeline with stack={self.stack} "
                             f"has no frame-by-frame form; classify whole words (decide='word')")
        rate = self.sample_rate or sample_rate
        if rate is None:
            raise InputError("FeaturePipeline.streaming: the pipeline has no sample rate; "
                             "pass sample_rate")
        return StreamingMFCC(rate, config=self.mfcc_config().replace(cmvn=False,
                                                                     noise_floor_db=None),
                             running_cmvn=self.cmvn)

    def mfcc_stages(self, signal: Any, sample_rate: int) -> dict[str, Any]:
        """The intermediate stages of the pipeline for one signal, for figures and teaching.

        Returns a dict with ``signal`` (N,) and ``sample_rate`` after conversion, ``power``
        (frames, n_fft // 2 + 1) the power spectrum of the frames exactly as the features see
        them (scaled, pre-emphasised, DC removed where the preset does, windowed), so
        ``log(power @ filterbank.T)`` (or its power law, for ``compression="root"``) then the
        DCT and lifter give the features, ``freqs`` the
        frequency of each bin in Hz, ``filterbank`` (n_mels, bins), ``mel_scale``,
        ``mel_floor`` (n_mels,) what ``floor="expected"`` adds to every frame's mel energies
        before the log (zeros otherwise), ``features`` (steps, size) the pipeline's output,
        and ``hop_seconds`` (of a frame).
        """
        x, rate = self.convert(signal, sample_rate)
        cfg = self.mfcc_config()
        cfg.validate(rate)
        win, hop, n_fft = cfg.frame_sizes(rate)
        sig = np.asarray(x, dtype=np.float64) * cfg.input_scale
        if cfg.preemphasis and not cfg.preemphasis_per_frame:
            sig = preemphasis(sig, cfg.preemphasis)
        frames = frame_signal(sig, win, hop, cfg.edge, pad_length=n_fft)[:, :win]
        if cfg.remove_dc:
            frames = frames - frames.mean(axis=1, keepdims=True)
        if cfg.preemphasis and cfg.preemphasis_per_frame:
            frames = np.concatenate([frames[:, :1] * (1 - cfg.preemphasis),
                                     frames[:, 1:] - cfg.preemphasis * frames[:, :-1]], axis=1)
        power = power_spectrum(frames * get_window(cfg.window, win, cfg.window_periodic), n_fft,
                               cfg.power_scale)
        fb = mel_filterbank(rate, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                            cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
        mel_floor = np.zeros(cfg.n_mels)
        if cfg.noise_floor_db is not None and x.size:
            variance = float(np.mean(np.square(x, dtype=np.float64)))
            mel_floor = variance * 10.0 ** (-cfg.noise_floor_db / 10.0) * noise_mel(rate,
                                                                                    config=cfg)
        return {"signal": x, "sample_rate": rate, "power": power,
                "freqs": np.arange(fb.shape[1]) * rate / n_fft, "filterbank": fb,
                "mel_scale": cfg.mel_scale, "mel_floor": mel_floor, "features": self(x, rate),
                "hop_seconds": hop / rate}


def to_mono(signal: Any, sample_rate: int, name: str,
            restore: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, int]:
    """``signal`` of shape (N,) or (channels, N), each channel first passed through
    ``restore`` if it is given and the signal is not empty, then the channels averaged (in
    float64, to float32); and ``sample_rate`` as an int. A bad shape or a rate <= 0 is an
    InputError whose message starts with ``name``."""
    x = np.asarray(signal)
    if x.ndim not in (1, 2):
        raise InputError(f"{name}: signal must be (N,) or (channels, N), got shape "
                         f"{np.shape(signal)}")
    rate = int(sample_rate)
    if rate <= 0:
        raise InputError(f"{name}: sample_rate must be positive, got {sample_rate}")
    if restore is not None and x.size:
        x = np.stack([restore(c) for c in x]) if x.ndim == 2 else restore(x)
    if x.ndim == 2:
        x = x.mean(axis=0, dtype=np.float64).astype(np.float32)
    return x, rate


def to_rate(signal: np.ndarray, rate: int, target: int) -> np.ndarray:
    """A mono signal of N samples at ``rate`` as float32 at ``target`` (``mg.audio.resample``),
    cut to ``max(1, round(N target / rate))`` samples: its duration to the nearest sample.
    ``resample`` gives ``ceil(N target / rate)``, up to a sample more, the filter's tail
    beyond the signal's end; so a clip copied to twice its rate or more (8 kHz to 16 or
    44.1 kHz) by a resampler that rounds up, as ``scipy.signal.resample_poly`` does, reads
    back with the clip's own length rather than a sample more. A rate that is not a
    positive integer is refused by ``resample``, naming it."""
    y = resample(signal, rate, target)
    n = max(1, (2 * np.asarray(signal).shape[-1] * int(target) + int(rate)) // (2 * int(rate)))
    return y[..., :n].astype(np.float32, copy=False)


DRAW_STRIDE = 104729
"""The step between the seeds of successive draws of a clip's noise floor
(``FeaturePipeline.floor_draw``): a prime larger than the duration in milliseconds of any
clip under 104 s, so a clip's later draws do not repeat the first draw of a shorter clip."""


def dither_seed(samples: int, sample_rate: int) -> int:
    """The seed of a pipeline's noise floor for a (trimmed) signal of ``samples`` at
    ``sample_rate``: its duration in whole milliseconds, ``round(1000 samples / rate)``. The
    same clip always gets the same noise, clips of other lengths (other words, augmented
    copies) other noise, and a copy of the clip at another sample rate the same noise."""
    for name, value, low in (("samples", samples, 0), ("sample_rate", sample_rate, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise InputError(f"dither_seed: {name} must be an integer >= {low}, got {value!r}")
    return int(round(1000 * int(samples) / int(sample_rate)))


def stack_frames(features: Any, stack: int) -> np.ndarray:
    """Consecutive frames side by side: (T, d) -> (ceil(T / k), k d) for ``stack = k``.

    Row ``j`` of the result is ``[f_{jk}, f_{jk+1}, ..., f_{jk+k-1}]``, where a frame past the
    end repeats the last one, ``f_t = f_{T-1}`` for ``t >= T``. ``stack=1`` returns the
    features unchanged (the same array).
    """
    if not isinstance(stack, int) or isinstance(stack, bool) or stack < 1:
        raise InputError(f"stack_frames: stack must be an integer >= 1, got {stack!r}")
    f = np.asarray(features)
    if f.ndim != 2:
        raise InputError(f"stack_frames: features must be (frames, size), got shape {f.shape}")
    if stack == 1:
        return f
    if f.shape[0] == 0:
        return np.zeros((0, f.shape[1] * stack), dtype=f.dtype)
    steps = -(-f.shape[0] // stack)
    padded = np.pad(f, ((0, steps * stack - f.shape[0]), (0, 0)), mode="edge")
    return padded.reshape(steps, stack * f.shape[1])


DEFAULT_PIPELINE = FeaturePipeline()
"""minigru's library default: its own MFCC preset, 13 coefficients and their deltas, no CMVN,
no trimming. (The recogniser's default run configures its own, in ``minigru.speech.config``.)"""
