"""Streaming recognition: a recogniser fed frame by frame, carrying its recurrent state.

``stream = model.stream()`` (a ``GRUClassifier`` with a unidirectional GRU, LSTM or RNN) gives
``stream.push(frames) -> posteriors``: for every new feature frame, the class posteriors the
classifier would give the sequence so far (its state after that frame, through the head).
Pushing chunk by chunk gives the same numbers as one call on the whole sequence. The step
kernels (``kernels/step.py``) update the state in place with scratch vectors allocated once, so
no graph is recorded and nothing is allocated per frame.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.endpoint import RELEASE_DB, VAD_DB
from ..audio.pipeline import FeaturePipeline
from ..audio.spectral import band_top
from ..errors import InputError
from ..kernels.step import gru_step, lstm_step, rnn_step
from ..kernels.vmath import activation_scratch
from ..ops.recurrent import MODES
from .views import mean_posterior


class RecurrentStream:
    """The stateful step-by-step form of a ``GRUClassifier``."""

    def __init__(self, model: Any) -> None:
        rnn = getattr(model, "rnn", None)
        if rnn is None or not hasattr(rnn, "step_weights"):
            raise InputError(f"stream: {type(model).__name__} has no recurrent layer to stream")
        if rnn.bidirectional:
            raise InputError("stream: a bidirectional model needs the future and cannot stream")
        self.mode, self.pooling = rnn.mode, model.pooling
        dt = rnn.weight_ih_l0.dtype
        G = MODES[self.mode]
        H = rnn.hidden_size
        self.layers = rnn.step_weights(dt)
        self.reset_after = getattr(rnn, "reset_after", True)
        self.w_head = np.ascontiguousarray(model.head.weight.data)
        self.b_head = model.head.bias.data if model.head.bias is not None else \
            np.zeros(self.w_head.shape[0], dtype=dt)
        self.input_size = rnn.input_size
        self.h = np.zeros((len(self.layers), H), dtype=dt)
        self.c = np.zeros((len(self.layers), H), dtype=dt)
        self.gi = np.zeros(G * H, dtype=dt)
        self.gh = np.zeros(G * H, dtype=dt)
        self.q, self.bits = activation_scratch(G * H, self.gi)
        self.x = np.zeros(self.input_size, dtype=dt)
        self.mean = np.zeros(H, dtype=dt)
        self.logits = np.zeros(self.w_head.shape[0], dtype=dt)
        self.frames = 0

    def reset(self) -> None:
        """Forget the past: zero state, as at the start of an utterance."""
        self.h[:] = 0
        self.c[:] = 0
        self.mean[:] = 0
        self.frames = 0

    def _step(self, frame: np.ndarray) -> np.ndarray:
        x = frame
        for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.layers):
            if self.mode == "GRU":
                gru_step(x, self.h[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh, self.q,
                         self.bits, self.reset_after)
            elif self.mode == "LSTM":
                lstm_step(x, self.h[k], self.c[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh,
                          self.q, self.bits)
            else:
                rnn_step(x, self.h[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh, self.q,
                         self.bits, self.mode == "RNN_RELU")
            x = self.h[k]
        self.frames += 1
        top = self.h[-1]
        if self.pooling == "mean":
            self.mean += (top - self.mean) / self.frames
            top = self.mean
        np.dot(self.w_head, top, self.logits)
        self.logits += self.b_head
        self.logits -= self.logits.max()
        np.exp(self.logits, out=self.logits)
        self.logits /= self.logits.sum()
        return self.logits

    def push(self, frames: Any) -> np.ndarray:
        """Feed (n, input_size) frames; return (n, classes) posteriors, one row per frame."""
        f = np.asarray(frames, dtype=self.x.dtype)
        if f.ndim == 1:
            f = f[None, :]
        if f.ndim != 2 or f.shape[1] != self.input_size:
            raise InputError(f"stream.push: frames must be (n, {self.input_size}), got shape "
                             f"{np.shape(frames)}")
        if not np.all(np.isfinite(f)):
            raise InputError("stream.push: frames hold NaN or infinite values")
        out = np.empty((f.shape[0], self.logits.shape[0]), dtype=self.x.dtype)
        for i in range(f.shape[0]):
            self.x[:] = f[i]
            out[i] = self._step(self.x)
        return out


class StreamingRecognizer:
    """Words from a live signal: streaming MFCC -> an energy detector -> the recogniser's
    stream, one utterance at a time.

    The classifiers are trained on whole words that start from a zero state, so the stream is
    reset when a word starts: a word starts when a frame's energy (its c0) rises ``vad_db``
    decibels above the running noise floor, continues while frames stay ``release_db``
    decibels above it (a lower threshold, so the quiet consonants of "six" or "two" do not
    split the word), and ends after ``hangover_ms`` below that; a word whose speech lasts less
    than ``min_word_ms`` is dropped. The floor follows the quietest frames:
    ``floor_t = min(floor_{t-1} + 0.01 vad_db, e_t)`` (it rises at most 1% of ``vad_db`` per
    frame, 12 dB a second with the defaults, and falls at once). A blank frame (digital
    silence: ``StreamingMFCC.last_blank``, where a recording was padded, muted or edited)
    is no speech and leaves the floor as it was, so the room's noise after it is not taken
    for a word.

    A stream that begins inside a word has no quieter frame before it, so its floor starts
    at the word's level, and the word was lost or cut to its loudest part. So the stream
    keeps its opening's frames (its first ``max_word_s``, until a word is reported), and each
    time the floor falls while a word is open, or while the frames from its first sound (its
    first frame that is not blank) are a word (each more than ``release_db`` above
    ``floor_t``, one more than ``vad_db``: a word that rose before the stream began), the
    detector decides the opening again from its first frame, with the floor held at
    ``floor_t`` and, in the second case, in that word from its first sound: as it would
    have, had the floor been known from the start.

    At the end of a word the class with the highest posterior is reported if its probability
    is at least ``threshold``. ``push(samples)`` returns the detections completed by that
    chunk, each ``{"label", "probability", "word_start", "word_end", "time"}`` in seconds of
    stream time (``time`` is when the detection was made: the end of the chunk that
    completed it).

    How the posterior of a word is computed (``decide``):

    - ``"frames"``: the recurrent stream advances with every frame of the word (features by
      ``StreamingMFCC``; a pipeline with CMVN gets running CMVN), so the posterior is ready
      the moment the word ends and its state is visible while it is spoken.
    - ``"word"``: the word's samples (from ``pad_ms`` before its first speech frame to
      ``pad_ms`` after its last, at most ``max_word_s`` long) are kept, and when it ends they
      go through the model's own pipeline and the model in one call: the features of
      ``minigru predict`` on that cut (per-utterance CMVN, trimming), which a frame-by-frame
      stream cannot compute. The decision comes at the same moment, after the hang-over; it
      costs one whole-word forward pass then instead of a step per frame.
    - ``"auto"`` (the default): ``"word"`` when the pipeline normalises or trims each
      utterance (``cmvn`` or ``trim``, as the default recogniser does), stacks frames
      (``stack > 1``), adds a noise floor (``dither_db``) or declips (``declip``,
      ``declip_reshaped``), else ``"frames"``.

    ``declip`` (``None``: the pipeline's own settings, ``declip`` and ``declip_reshaped``;
    True: flat peaks, and reshaped ones if the pipeline restores them; False: neither): a
    word decided whole has its clipped peaks restored (:func:`mg.audio.declip.declip`) as
    ``FeaturePipeline.read`` restores a file's when ``predict`` reads it, so a word spoken
    too loud into a live stream is read as the file would be. Flat peaks are looked for at
    the cut's own extremes, at the stream's rate, and reshaped ones at the model's. A frame
    stream cannot wait for the samples after a clipped peak, so ``declip=True`` with
    ``decide="frames"`` is refused (with ``None`` a frame stream reads the peaks as they
    are, as it leaves trimming to its detector). :func:`run_stream` declips the whole file
    when it reads it and passes ``declip=False``, so no word is declipped twice.

    ``sample_rate``: the rate of the samples pushed (None: the pipeline's). A stream decided
    word by word may run at any rate: its detector runs at the stream's rate and each word,
    cut at that rate, is converted to the model's by the pipeline, as ``predict`` converts a
    file. A stream decided frame by frame feeds its frames to the model as they come, so
    it must run at the model's rate; another rate is refused.

    ``floor_draws``: a word decided whole is read through that many draws of the pipeline's
    noise floor and its posteriors averaged, as ``minigru predict`` reads a file
    (``minigru.speech.views``; the run setting of the same name).
    """

    def __init__(self, model: Any, features: FeaturePipeline, sample_rate: int | None,
                 classes: list[str], threshold: float = 0.5, vad_db: float = VAD_DB,
                 hangover_ms: float = 150.0, min_word_ms: float = 100.0,
                 release_db: float | None = RELEASE_DB, decide: str = "auto",
                 pad_ms: float = 100.0, max_word_s: float = 3.0, floor_draws: int = 1,
                 declip: bool | None = None) -> None:
        if not (isinstance(threshold, (int, float)) and 0 <= threshold <= 1):
            raise InputError(f"StreamingRecognizer: threshold must be a probability in [0, 1], "
                             f"got {threshold!r}")
        for name, value in (("vad_db", vad_db), ("hangover_ms", hangover_ms),
                            ("min_word_ms", min_word_ms)):
            if not (isinstance(value, (int, float)) and 0 < value < float("inf")):
                raise InputError(f"StreamingRecognizer: {name} must be a positive number, got "
                                 f"{value!r}")
        if release_db is None:
            release_db = vad_db
        if not (isinstance(release_db, (int, float)) and 0 < release_db <= vad_db):
            raise InputError(f"StreamingRecognizer: release_db must be a positive number of dB "
                             f"no larger than vad_db ({vad_db}), got {release_db!r}")
        if decide not in ("auto", "frames", "word"):
            raise InputError(f"StreamingRecognizer: decide must be 'auto', 'frames' or 'word', "
                             f"got {decide!r}")
        for name, value in (("pad_ms", pad_ms), ("max_word_s", max_word_s)):
            if not (isinstance(value, (int, float)) and 0 <= value < float("inf")):
                raise InputError(f"StreamingRecognizer: {name} must be a number >= 0, got "
                                 f"{value!r}")
        if not isinstance(floor_draws, int) or isinstance(floor_draws, bool) or floor_draws < 1:
            raise InputError(f"StreamingRecognizer: floor_draws must be an integer >= 1, got "
                             f"{floor_draws!r}")
        if sample_rate is not None and (not isinstance(sample_rate, (int, np.integer))
                                        or isinstance(sample_rate, bool) or sample_rate <= 0):
            raise InputError(f"StreamingRecognizer: sample_rate must be a positive integer "
                             f"(Hz) or None, got {sample_rate!r}")
        if declip is not None and not isinstance(declip, bool):
            raise InputError(f"StreamingRecognizer: declip must be True, False or None, got "
                             f"{declip!r}")
        if declip and decide == "frames":
            raise InputError("StreamingRecognizer: declip=True needs the whole word "
                             "(decide='word' or 'auto'); a frame stream cannot wait for the "
                             "samples after a clipped peak")
        self.draws = features.floor_draws(floor_draws)
        if decide == "auto":
            decide = "word" if features.cmvn or features.trim or features.stack != 1 \
                or features.dither_db is not None or features.declip \
                or features.declip_reshaped or declip else "frames"
        self.decide = decide
        self.declip = decide == "word" and (features.declip if declip is None else declip)
        reshaped = decide == "word" and features.declip_reshaped and declip is not False
        self.reader = dataclasses.replace(features, declip=self.declip,
                                          declip_reshaped=reshaped)
        self.features = features
        if sample_rate is not None and features.sample_rate is not None \
                and int(sample_rate) != features.sample_rate and decide == "frames":
            raise InputError(f"StreamingRecognizer: sample_rate is {sample_rate} Hz but the "
                             f"model reads {features.sample_rate} Hz frame by frame; resample "
                             f"the stream to {features.sample_rate} Hz first, or decide each "
                             f"word whole (decide='word'), which converts it")
        detector = features
        if decide == "word":
            detector = _detector(features, sample_rate)
        self.mfcc = detector.streaming(sample_rate)
        sample_rate = self.mfcc.sample_rate
        self.model = model
        self.model_stream = None
        if decide == "frames":
            self.model_stream = model.stream() if hasattr(model, "stream") else \
                RecurrentStream(model)
        self.pad = int(round(pad_ms / 1000 * sample_rate))
        self.max_word = int(round(max_word_s * sample_rate))
        self.audio = np.zeros(0)
        self.audio_start = 0
        self.classes, self.threshold = classes, threshold
        cfg = self.mfcc.cfg
        per_band = np.log(10.0) * vad_db / 10.0
        self.vad_step = per_band if cfg.energy else per_band * np.sqrt(cfg.n_mels)
        self.release_step = self.vad_step * release_db / vad_db
        self.hop_s = self.mfcc.hop / sample_rate
        self.win_s = self.mfcc.win / sample_rate
        self.hangover = max(1, int(round(hangover_ms / 1000 / self.hop_s)))
        self.min_frames = max(1, int(round(min_word_ms / 1000 / self.hop_s)))
        self.sample_rate = sample_rate
        self.samples = 0
        self.frame = 0
        self.floor: float | None = None
        self.in_word = False
        self.quiet = 0
        self.start = 0
        self.last_speech = 0
        self.posterior = None
        self.pre_roll: list[np.ndarray] = []
        self.opening: list[tuple[np.ndarray, float]] | None = []
        self.opening_frames = max(1, int(max_word_s / self.hop_s))

    def warm_up(self) -> None:
        """Compile the kernels and fill the caches on a little silence, then start afresh, so
        the first real chunk is as fast as the others."""
        self.mfcc.push(np.zeros(self.mfcc.win * 2))
        self.mfcc.flush()
        if self.model_stream is not None:
            self.model_stream.push(np.zeros((2, self.model_stream.input_size)))
            self.model_stream.reset()
        else:
            t = np.arange(self.mfcc.win * 4) / self.sample_rate
            self._classify(0.1 * np.sin(2 * np.pi * 440 * t))

    def _frame(self, feats: np.ndarray, c0: float, blank: bool, now: float
               ) -> list[dict[str, Any]]:
        """The detections one frame completes: the floor follows the frame (a blank one is
        no speech and leaves the floor); in the stream's opening, a fall of the floor while
        a word is open or begins the opening decides the opening again."""
        fell = False
        if blank:
            c0 = -np.inf
        elif self.floor is None:
            self.floor = c0
        else:
            fell = c0 < self.floor
            self.floor = min(self.floor + 0.01 * self.vad_step, c0)
        if self.opening is not None:
            self.opening.append((feats, c0))
            start = self._word_at_start() if fell else None
            if fell and (self.in_word or start is not None):
                found = self._replay_opening(start, now)
            else:
                found = [d] if (d := self._decide(feats, c0, now)) is not None else []
            if found or len(self.opening) >= self.opening_frames:
                self.opening = None
            return found
        d = self._decide(feats, c0, now)
        return [] if d is None else [d]

    def _word_at_start(self) -> int | None:
        """The index of the opening's first sound (its first frame that is not blank) if,
        against the current floor, a word begins there that rose before it: a run of frames
        from there, each ``release_db`` above the floor, one of them ``vad_db`` above it;
        else None."""
        first = next((k for k, (_, c0) in enumerate(self.opening) if c0 > -np.inf), None)
        if first is None:
            return None
        for _, c0 in self.opening[first:]:
            if c0 <= self.floor + self.release_step:
                return None
            if c0 > self.floor + self.vad_step:
                return first
        return None

    def _replay_opening(self, start: int | None, now: float) -> list[dict[str, Any]]:
        """Decide the opening's frames again from the first, against the floor where it has
        fallen to: in a word from frame ``start`` (its first sound) if a word begins there
        (:meth:`_word_at_start`)."""
        self.frame, self.quiet, self.pre_roll, self.in_word = 0, 0, [], False
        self.posterior = None
        if self.model_stream is not None:
            self.model_stream.reset()
        found = []
        for k, (feats, c0) in enumerate(self.opening):
            if k == start:
                self.in_word, self.start, self.last_speech = True, k, k
            if (d := self._decide(feats, c0, now)) is not None:
                found.append(d)
        return found

    def _decide(self, feats: np.ndarray, c0: float, now: float) -> dict[str, Any] | None:
        """One frame of the detector against the current floor: the word it completes, if
        any."""
        speech = self.floor is not None and \
            c0 > self.floor + (self.release_step if self.in_word else self.vad_step)
        index = self.frame
        self.frame += 1
        if not self.in_word:
            self.pre_roll = (self.pre_roll + [feats])[-3:]
            if speech:
                self.in_word, self.quiet, self.start = True, 0, index
                self.last_speech = index
                if self.model_stream is not None:
                    self.model_stream.reset()
                    self.posterior = self.model_stream.push(np.array(self.pre_roll))[-1]
            return None
        if self.model_stream is not None:
            self.posterior = self.model_stream.push(feats)[-1]
        if speech:
            self.quiet, self.last_speech = 0, index
            return None
        self.quiet += 1
        if self.quiet < self.hangover:
            return None
        return self._finish_word(now)

    def _word_samples(self) -> np.ndarray:
        """The kept samples from ``pad`` before the word's first speech frame to ``pad``
        after the end of its last one."""
        hop = self.mfcc.hop
        a = max(self.start * hop - self.pad, self.audio_start)
        b = self.last_speech * hop + self.mfcc.win + self.pad
        b = min(b, a + self.max_word)
        return self.audio[a - self.audio_start:b - self.audio_start]

    def _classify(self, samples: np.ndarray) -> np.ndarray:
        """softmax(model(pipeline(samples))), averaged over the draws of the pipeline's noise
        floor (``floor_draws``; ``minigru.speech.views``): the posterior of one whole word, in
        eval mode; its clipped peaks restored first, if the stream declips, as the pipeline
        restores a file's (``FeaturePipeline.read``)."""
        x, rate = samples.astype(np.float32), self.sample_rate
        if self.reader.declip or self.reader.declip_reshaped:
            x, rate = self.reader.read(samples, self.sample_rate)
        return mean_posterior(self.model, [p(x, rate) for p in self.draws])

    def _finish_word(self, now: float) -> dict[str, Any] | None:
        self.in_word = False
        self.pre_roll = []
        if self.last_speech - self.start + 1 < self.min_frames:
            return None
        if self.model_stream is None:
            self.posterior = self._classify(self._word_samples())
        if self.posterior is None:
            return None
        k = int(np.argmax(self.posterior))
        if self.posterior[k] < self.threshold:
            return None
        return {"label": self.classes[k], "probability": float(self.posterior[k]),
                "word_start": self.start * self.hop_s,
                "word_end": self.last_speech * self.hop_s + self.win_s, "time": now}

    def _keep(self, x: np.ndarray) -> None:
        """Append the chunk to the kept audio; in the stream's opening keep it all (a word
        may have begun at its first sample), outside a word keep only what a word found in
        this chunk could need (``pad``, a frame and the frames deltas hold back), inside one
        at most ``max_word`` more."""
        if self.model_stream is not None:
            return
        self.audio = np.concatenate([self.audio, x])
        if self.opening is not None:
            return
        lag = self.pad + self.mfcc.win + 8 * self.mfcc.hop + x.size
        keep = lag
        if self.in_word:
            keep = max(keep, self.audio_start + self.audio.size
                       - (self.start * self.mfcc.hop - self.pad))
            keep = min(keep, self.max_word + lag)
        drop = self.audio.size - keep
        if drop > 0:
            self.audio = self.audio[drop:]
            self.audio_start += drop

    def push(self, samples: Any) -> list[dict[str, Any]]:
        x = np.asarray(samples, dtype=np.float64).reshape(-1)
        self.samples += x.size
        self._keep(x)
        now = self.samples / self.sample_rate
        found = []
        rows = self.mfcc.push(x)
        for feats, c0, blank in zip(rows, self.mfcc.last_c0, self.mfcc.last_blank,
                                    strict=True):
            found += self._frame(feats, float(c0), bool(blank), now)
        return found

    def flush(self) -> list[dict[str, Any]]:
        """End of the signal: finish a word still open."""
        now = self.samples / self.sample_rate
        rows = self.mfcc.flush()
        found = [d for f, c0, blank in zip(rows, self.mfcc.last_c0, self.mfcc.last_blank,
                                           strict=True)
                 for d in self._frame(f, float(c0), bool(blank), now)]
        if self.in_word and (d := self._finish_word(now)) is not None:
            found.append(d)
        return found


def _detector(features: FeaturePipeline, sample_rate: int | None) -> FeaturePipeline:
    """The pipeline whose frame energies find the words of a stream at ``sample_rate`` (None:
    the pipeline's rate): ``features`` without CMVN or stacking, at the stream's rate, its mel
    filters over the band the model reads. A stream above the model's rate has a band above
    the model's top that the model never sees, and whose filters, empty after an upsampling,
    would dilute the energy's rise at a word."""
    model_rate = features.sample_rate
    rate = model_rate if sample_rate is None else int(sample_rate)
    fmax = features.fmax
    if model_rate is not None and rate != model_rate:
        top = band_top(model_rate, fmax)
        fmax = None if top >= rate / 2 else top
    return dataclasses.replace(features, cmvn=False, stack=1, sample_rate=rate, fmax=fmax)


def run_stream(model: Any, pipeline: FeaturePipeline, classes: list[str],
               path: str | os.PathLike[str], chunk_ms: float = 10.0, threshold: float = 0.5,
               on_detection: Callable[[dict[str, Any]], None] | None = None,
               decide: str = "auto", floor_draws: int = 1) -> dict[str, Any]:
    """Feed a WAV file to a :class:`StreamingRecognizer` in chunks of ``chunk_ms`` as if it
    were live, and measure it.

    The file is read through the model's ``pipeline`` (so declipped, if the pipeline
    declips, and converted to its sample rate), then fed as it would be live.
    If a ``FILE.json`` list of ``{"digit", "start", "end"}`` words lies beside the file (as
    ``make_demo`` writes), the detections are matched against it: a word counts as
    recognised when the first detection overlapping it in time has its label.

    ``decide`` and ``floor_draws`` are the :class:`StreamingRecognizer`'s. Returns the dict
    of :func:`feed_chunks` (``decide``, the mode used, ``detections``, ``seconds`` of audio,
    ``chunk_seconds``, ``chunk_ms``, ``real_time_factor``, ``delays``), and when a truth
    file exists ``truth`` (its name), ``words``, ``hits`` and ``true_delays`` (detection
    time - true word end, s).
    """
    if not 0 <= threshold <= 1:
        raise InputError(f"threshold must be a probability in [0, 1], got {threshold}")
    if not chunk_ms > 0:
        raise InputError(f"chunk_ms must be positive, got {chunk_ms}")
    signal, sr = pipeline.load(path)
    recognizer = StreamingRecognizer(model, pipeline, sr, classes, threshold=threshold,
                                     decide=decide, floor_draws=floor_draws, declip=False)
    chunk = max(1, int(round(chunk_ms / 1000 * sr)))
    recognizer.warm_up()
    report = feed_chunks(recognizer, (signal[a:a + chunk] for a in range(0, signal.size, chunk)),
                         chunk, on_detection)
    found = report["detections"]
    truth_file = Path(path).with_suffix(".json")
    if truth_file.exists():
        words = json.loads(truth_file.read_text())
        hits, true_delays = 0, []
        for w in words:
            match = [d for d in found if d["word_start"] <= w["end"] and
                     d["word_end"] >= w["start"]]
            if match and match[0]["label"] == classes[w["digit"]]:
                hits += 1
                true_delays.append(match[0]["time"] - w["end"])
        report.update(truth=truth_file.name, words=len(words), hits=hits,
                      true_delays=np.array(true_delays))
    return report


def feed_chunks(recognizer: StreamingRecognizer, chunks: Iterable[np.ndarray], chunk: int,
                on_detection: Callable[[dict[str, Any]], None] | None = None,
                interruptible: bool = False) -> dict[str, Any]:
    """Push each of ``chunks`` (``chunk`` samples each, the last maybe fewer) to the
    recogniser, timing each push, then flush it; ``on_detection`` is called with each
    detection as it is made. With ``interruptible``, Ctrl-C (KeyboardInterrupt) while the
    chunks come ends them and the words so far are still finished and reported. A chunk
    holding a NaN or infinite sample is an InputError naming its time in the stream.

    Returns ``decide``, ``detections``, ``seconds`` of audio pushed, ``chunk_seconds``,
    ``chunk_ms`` (each push's time, an array), ``real_time_factor`` (those times over a
    chunk's duration), ``delays`` (detection time - detected word end, s) and
    ``interrupted``."""
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InputError(f"feed_chunks: chunk must be an integer >= 1 (samples), got {chunk!r}")
    times, found, samples, interrupted = [], [], 0, False

    def report(new: list[dict[str, Any]]) -> None:
        for d in new:
            if on_detection is not None:
                on_detection(d)
        found.extend(new)

    try:
        for x in chunks:
            bad = ~np.isfinite(x)
            if bad.any():
                first = samples + int(np.argmax(bad))
                raise InputError(f"the stream holds a NaN or infinite sample at "
                                 f"{first / recognizer.sample_rate:.3f} s (sample {first})")
            t0 = time.perf_counter()
            new = recognizer.push(x)
            times.append(time.perf_counter() - t0)
            samples += np.size(x)
            report(new)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        interrupted = True
    report(recognizer.flush())
    seconds_per_chunk = chunk / recognizer.sample_rate
    return {"decide": recognizer.decide, "detections": found,
            "seconds": samples / recognizer.sample_rate, "chunk_seconds": seconds_per_chunk,
            "chunk_ms": 1000 * np.array(times),
            "real_time_factor": np.array(times) / seconds_per_chunk,
            "delays": np.array([d["time"] - d["word_end"] for d in found]),
            "interrupted": interrupted}


def make_demo(fsdd_root: str | os.PathLike[str], out: str | os.PathLike[str], words: int = 20,
              seed: int = 0) -> dict[str, Any]:
    """Write a long WAV of FSDD test clips with silence and noise between them, and beside it
    ``OUT.json``: the words and their times. Returns ``{"wav", "truth", "seconds", "words"}``.
    """
    from scipy.io import wavfile

    from ..data.stream_file import digit_stream

    x, sr, truth = digit_stream(fsdd_root, words, seed)
    out = Path(out)
    wavfile.write(out, sr, x)
    out.with_suffix(".json").write_text(json.dumps(truth, indent=1))
    return {"wav": out, "truth": out.with_suffix(".json"), "seconds": x.size / sr,
            "words": len(truth)}
