"""Streaming inference: a recogniser fed frame by frame, carrying its recurrent state.

``stream = model.stream()`` (a ``GRUClassifier`` with a unidirectional GRU, LSTM or RNN) gives
``stream.push(frames) -> posteriors``: for every new feature frame, the class posteriors the
classifier would give the sequence so far (its state after that frame, through the head).
Pushing chunk by chunk gives the same numbers as one call on the whole sequence. The step
kernels (``kernels/step.py``) update the state in place with scratch vectors allocated once, so
no graph is recorded and nothing is allocated per frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .kernels.step import gru_step, lstm_step, rnn_step


class RecurrentStream:
    """The stateful step-by-step form of a ``GRUClassifier``."""

    def __init__(self, model: Any) -> None:
        rnn = getattr(model, "rnn", None)
        if rnn is None or not hasattr(rnn, "_weight_names"):
            raise ValueError(f"stream: {type(model).__name__} has no recurrent layer to stream")
        if rnn.bidirectional:
            raise ValueError("stream: a bidirectional model needs the future and cannot stream")
        self.mode, self.pooling = rnn.mode, model.pooling
        dt = rnn.weight_ih_l0.dtype
        G = {"GRU": 3, "LSTM": 4, "RNN_TANH": 1, "RNN_RELU": 1}[self.mode]
        H = rnn.hidden_size
        zeros = np.zeros(G * H, dtype=dt)
        self.layers = []
        for names in rnn._weight_names:
            w_ih, w_hh, b_ih, b_hh = (np.ascontiguousarray(getattr(rnn, n).data) if n else zeros
                                      for n in names)
            self.layers.append((w_ih, w_hh, b_ih, b_hh))
        self.reset_after = getattr(rnn, "reset_after", True)
        self.w_head = np.ascontiguousarray(model.head.weight.data)
        self.b_head = model.head.bias.data if model.head.bias is not None else \
            np.zeros(self.w_head.shape[0], dtype=dt)
        self.input_size = rnn.input_size
        self.h = np.zeros((len(self.layers), H), dtype=dt)
        self.c = np.zeros((len(self.layers), H), dtype=dt)
        self.gi = np.zeros(G * H, dtype=dt)
        self.gh = np.zeros(G * H, dtype=dt)
        self.u = np.zeros(H, dtype=dt)
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
                gru_step(x, self.h[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh, self.u,
                         self.reset_after)
            elif self.mode == "LSTM":
                lstm_step(x, self.h[k], self.c[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh)
            else:
                rnn_step(x, self.h[k], w_ih, w_hh, b_ih, b_hh, self.gi, self.gh,
                         self.mode == "RNN_RELU")
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
            raise ValueError(f"stream.push: frames must be (n, {self.input_size}), got shape "
                             f"{np.shape(frames)}")
        if not np.all(np.isfinite(f)):
            raise ValueError("stream.push: frames hold NaN or infinite values")
        out = np.empty((f.shape[0], self.logits.shape[0]), dtype=self.x.dtype)
        for i in range(f.shape[0]):
            self.x[:] = f[i]
            out[i] = self._step(self.x)
        return out
