"""Incremental MFCCs: ``StreamingMFCC`` turns audio arriving in chunks into feature frames.

    stream = mg.audio.StreamingMFCC(16000)
    for chunk in microphone_chunks():          # any sizes, even shorter than a frame
        frames = stream.push(chunk)            # (new frames, features), possibly 0 rows
    frames = stream.flush()                    # the end of the signal: the last frames

Concatenating everything ``push`` and ``flush`` return equals ``mg.audio.mfcc`` of the whole
signal (to rounding, 1e-12) for the configurations that allow it: the presets
``None`` (minigru), ``"python_speech_features"`` and ``"kaldi"``, with or without deltas.
Not streamable exactly, and refused with a ``ValueError``:

- centred frames (``edge="center"``, the librosa preset) need samples before the signal
  starts... which a stream does have (zeros) but also a decibel floor ``top_db`` taken from the
  maximum of the *whole* utterance, which a stream never knows;
- per-utterance CMVN (``cmvn=True``), for the same reason. ``running_cmvn=True`` offers the
  streaming substitute instead: each coefficient normalised by the mean and standard deviation
  of all frames so far (cumulative, Welford's update), documented as an approximation.

Deltas over +-N frames need N frames of the future, so with deltas a frame is emitted N
(or 2N for second-order deltas) frames late; the first and last frames replicate the edge
frame as ``mg.audio.delta`` does.

After each ``push`` or ``flush``, ``last_c0`` holds the first coefficient of the frames it
returned, before any normalisation (the energy a word detector follows), and ``last_blank``
whether each of them holds digital silence: a run of at least one hop of samples that are
exactly zero (after pre-emphasis, which keeps such a run zero after its first sample). A
blank frame's energy says nothing about the room: it is where a recording was padded,
muted or edited.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .features import MFCCConfig, cepstra_of_frames, resolve_config
from .frames import num_frames


class _StreamingDelta:
    """Regression deltas over +-N frames of a stream (edge frames replicated), emitting frame
    t when frame t+N has arrived. Only the frames a later delta still needs are kept (at most
    2N + 1 plus one chunk), so memory stays flat however long the stream runs."""

    def __init__(self, width: int) -> None:
        self.N = width
        self.denominator = 2 * sum(n * n for n in range(1, width + 1))
        self.frames: list[np.ndarray] = []
        self.base = 0
        self.emitted = 0

    def _delta(self, t: int, last: int) -> np.ndarray:
        f, b = self.frames, self.base
        d = np.zeros_like(f[0])
        for n in range(1, self.N + 1):
            d += n * (f[min(t + n, last) - b] - f[max(t - n, 0) - b])
        return d / self.denominator

    def _forget(self) -> None:
        keep_from = max(self.emitted - self.N, 0)
        if keep_from > self.base:
            del self.frames[:keep_from - self.base]
            self.base = keep_from

    def push(self, rows: np.ndarray) -> list[np.ndarray]:
        self.frames.extend(rows)
        out = []
        last = self.base + len(self.frames) - 1
        while self.emitted + self.N <= last:
            out.append(self._delta(self.emitted, last))
            self.emitted += 1
        self._forget()
        return out

    def flush(self) -> list[np.ndarray]:
        out = []
        last = self.base + len(self.frames) - 1
        while self.emitted <= last:
            out.append(self._delta(self.emitted, last))
            self.emitted += 1
        self._forget()
        return out


class StreamingMFCC:
    """MFCC frames from audio pushed in chunks (see the module docstring).

    Args:
        sample_rate: the rate of every chunk (``push(samples, sample_rate=...)`` checks it).
        preset, config, **overrides: as for ``mg.audio.mfcc``.
        running_cmvn: normalise each output frame by the running mean and standard deviation
            of the frames so far (instead of per-utterance CMVN, which cannot be streamed).
    """

    def __init__(self, sample_rate: int, preset: str | None = None,
                 config: MFCCConfig | None = None, running_cmvn: bool = False,
                 **overrides: Any) -> None:
        cfg = resolve_config(preset, config, **overrides)
        cfg.validate(sample_rate)
        if cfg.edge == "center" or cfg.log == "db":
            raise InputError(f"StreamingMFCC: preset {preset!r} cannot be streamed exactly: its "
                             f"frames are centred and its decibel floor (top_db) depends on the "
                             f"whole utterance; use preset None, 'python_speech_features' or "
                             f"'kaldi'")
        if cfg.cmvn:
            raise InputError("StreamingMFCC: per-utterance CMVN needs the whole utterance; pass "
                             "cmvn=False and running_cmvn=True for the streaming substitute")
        if cfg.noise_floor_db is not None:
            raise InputError("StreamingMFCC: noise_floor_db is set by the whole signal's power, "
                             "which a stream has not heard yet; pass noise_floor_db=None")
        self.cfg, self.sample_rate, self.running_cmvn = cfg, int(sample_rate), running_cmvn
        self.win, self.hop, self.n_fft = cfg.frame_sizes(sample_rate)
        self.last_c0 = np.zeros(0)
        self.last_blank = np.zeros(0, dtype=bool)
        self.reset()

    def reset(self) -> None:
        """Start a new utterance."""
        self._buffer = np.zeros(0)  # scaled, pre-emphasised samples not yet fully framed
        self._offset = 0  # index (in the whole signal) of _buffer[0]
        self._total = 0
        self._last = None  # the previous raw sample, for pre-emphasis across chunks
        self._next_frame = 0
        self._deltas = [_StreamingDelta(self.cfg.delta_width) for _ in range(self.cfg.deltas)]
        self._held: list[list[np.ndarray]] = [[] for _ in range(self.cfg.deltas)]
        self._count = 0
        self._mean = None
        self._m2 = None
        self._blank: list[bool] = []  # per frame made and not yet returned

    @property
    def feature_size(self) -> int:
        return self.cfg.n_mfcc * (1 + self.cfg.deltas)

    def _append(self, samples: np.ndarray) -> None:
        x = samples * self.cfg.input_scale if self.cfg.input_scale != 1.0 else samples
        if self.cfg.preemphasis and not self.cfg.preemphasis_per_frame:
            prev = x[0] if self._last is None else self._last
            emphasised = np.empty_like(x)
            emphasised[0] = x[0] - self.cfg.preemphasis * prev if self._last is not None else x[0]
            emphasised[1:] = x[1:] - self.cfg.preemphasis * x[:-1]
            self._last = x[-1]
            x = emphasised
        self._buffer = np.concatenate([self._buffer, x])
        self._total += samples.size

    def _frames_up_to(self, end_frame: int) -> np.ndarray:
        """Frames _next_frame .. end_frame - 1 (the buffer padded with zeros if needed)."""
        count = end_frame - self._next_frame
        if count <= 0:
            return np.zeros((0, self.win))
        start = self._next_frame * self.hop - self._offset
        need = start + (count - 1) * self.hop + self.win
        buf = self._buffer if need <= self._buffer.size else np.pad(
            self._buffer, (0, need - self._buffer.size))
        idx = start + np.arange(count)[:, None] * self.hop + np.arange(self.win)[None, :]
        frames = buf[idx]
        self._blank.extend(_holds_zero_run(frames, self.hop))
        self._next_frame = end_frame
        drop = self._next_frame * self.hop - self._offset
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._offset += drop
        return frames

    def _emit(self, ceps: np.ndarray, final: bool) -> np.ndarray:
        parts = [list(ceps)]
        source = list(ceps)
        for d in self._deltas:
            source = d.push(np.array(source)) if source else []
            if final:
                source = source + d.flush()
            parts.append(source)
        # align: the cepstra (and first deltas) wait for the last-order deltas
        n_out = len(parts[-1])
        if self.cfg.deltas:
            self._held[0].extend(parts[0])
            for k in range(1, self.cfg.deltas):
                self._held[k].extend(parts[k])
            rows = []
            for i in range(n_out):
                pieces = [self._held[k].pop(0) for k in range(self.cfg.deltas)]
                rows.append(np.concatenate(pieces + [parts[-1][i]]))
            out = np.array(rows).reshape(n_out, self.feature_size)
        else:
            out = np.array(parts[0]).reshape(len(parts[0]), self.cfg.n_mfcc)
        return self._normalise(out)

    def _normalise(self, out: np.ndarray) -> np.ndarray:
        self.last_c0 = out[:, 0].copy() if out.size else np.zeros(0)
        self.last_blank = np.array(self._blank[:out.shape[0]], dtype=bool)
        del self._blank[:out.shape[0]]
        if not self.running_cmvn or out.shape[0] == 0:
            return out
        result = np.empty_like(out)
        for i, row in enumerate(out):
            self._count += 1
            if self._mean is None:
                self._mean, self._m2 = row.copy(), np.zeros_like(row)
            else:
                delta = row - self._mean
                self._mean += delta / self._count
                self._m2 += delta * (row - self._mean)
            std = np.sqrt(self._m2 / self._count) if self._count > 1 else np.ones_like(row)
            result[i] = (row - self._mean) / np.maximum(std, 1e-10)
        return result

    def push(self, samples: Any, sample_rate: int | None = None) -> np.ndarray:
        """Add samples; return the frames that are complete, (frames, feature_size).
        ``last_c0`` then holds their first coefficient before any normalisation (the frame
        energy a voice-activity detector needs, which running CMVN would hide)."""
        if sample_rate is not None and int(sample_rate) != self.sample_rate:
            raise InputError(f"StreamingMFCC.push: this stream runs at {self.sample_rate} Hz, "
                             f"got a chunk at {sample_rate} Hz")
        x = np.asarray(samples, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(x)):
            raise InputError("StreamingMFCC.push: the chunk holds NaN or infinite samples")
        if x.size == 0:
            self.last_c0 = np.zeros(0)
            self.last_blank = np.zeros(0, dtype=bool)
            return np.zeros((0, self.feature_size))
        self._append(x)
        available = 0 if self._total < self.win else 1 + (self._total - self.win) // self.hop
        frames = self._frames_up_to(available)
        ceps = cepstra_of_frames(frames, self.cfg, self.sample_rate) if len(frames) else \
            np.zeros((0, self.cfg.n_mfcc))
        return self._emit(ceps, final=False)

    def flush(self) -> np.ndarray:
        """End of the signal: the frames the whole-signal MFCC makes from its end (a zero-padded
        last frame for edge="pad", none for "valid"), and the held-back delta frames. The
        stream is then reset for a new utterance."""
        total = num_frames(self._total, self.win, self.hop, self.cfg.edge) if self._total else 0
        frames = self._frames_up_to(total)
        ceps = cepstra_of_frames(frames, self.cfg, self.sample_rate) if len(frames) else \
            np.zeros((0, self.cfg.n_mfcc))
        out = self._emit(ceps, final=True)
        self.reset()
        return out


def _holds_zero_run(frames: np.ndarray, run: int) -> list[bool]:
    """For each row of ``frames`` (count, win), whether it holds ``run`` consecutive samples
    that are exactly zero."""
    if frames.shape[0] == 0:
        return []
    zeros = np.concatenate([np.zeros((frames.shape[0], 1), dtype=np.int64),
                            np.cumsum(frames == 0, axis=1)], axis=1)
    return list(np.any(zeros[:, run:] - zeros[:, :-run] == run, axis=1))
