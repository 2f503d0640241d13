"""The ``Trainer``: epochs of a classifier with cross-entropy, checkpoints that resume bit for bit.

A run folder (``RunFolder``) holds ``checkpoint.npz``, rewritten atomically after every epoch
with everything needed to continue exactly where the run was: model, optimiser and scheduler
state,
the global random generator (dropout, shuffling seeds), the loader's epoch counter, the history
and the best result so far. Resuming restores all of it, so the final weights of an
interrupted-and-resumed run are bit-identical to those of a run that was never interrupted
(same data, seed and thread count). A crash or ``kill -9`` at any moment leaves the previous
checkpoint readable; Ctrl-C stops at the next batch and leaves the last epoch's checkpoint.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import random as mg_random
from .. import runtime
from ..data.loader import Batch, DataLoader
from ..errors import InputError
from ..nn import Module
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from ..nn.weight_noise import WeightNoise
from ..optim import Optimizer
from ..optim.ema import ExponentialMovingAverage
from ..serialization import save
from ..tensor import Tensor
from .checkpoint import MODEL_FORMAT, RUN_FORMAT
from .evaluate import evaluate
from .run_folder import RunFolder


class TrainingError(RuntimeError):
    """Training cannot go on (for example the loss is no longer finite)."""


class Interrupted(Exception):
    """Ctrl-C: training stopped cleanly; the last checkpoint is intact."""


class Trainer:
    """Fit a classifier with cross-entropy.

    Args:
        model, optimizer: what to train and how.
        train_loader, val_loader: batches (the validation set picks the best epoch and drives
            early stopping and the scheduler).
        num_classes: for the confusion matrix.
        scheduler: a learning-rate schedule (``step()`` each epoch, or ``step(val_loss)`` for
            ReduceLROnPlateau).
        clip_grad_norm: clip the gradient norm to this before each step (None = no clipping).
            Either way a step whose gradient norm is not finite is never taken: training
            stops with ``TrainingError`` and the last checkpoint stays as it was.
        epochs: the number of epochs in total (a resumed run continues up to it).
        patience: stop after this many epochs without a better validation loss (None = never).
            The weights of the best epoch are kept in ``best_state`` (and ``best.npz``).
        run_dir: where checkpoints and metrics go (None = keep nothing on disk).
        config: the run's configuration, stored in every checkpoint.
        quiet: no progress bar (it is also off when stderr is not a terminal).
        log: where to print one line per epoch (None = nowhere).
        ema: the decay beta of an exponential moving average of the weights, updated after
            every step (``mg.optim.ExponentialMovingAverage``); validation, the best epoch's
            weights and ``best.npz`` then use the average, while training continues from the
            raw weights. None or 0: no average.
        weight_noise: the standard deviation of Gaussian noise added to the weight matrices
            for each step's forward and backward pass (``nn.WeightNoise``, Graves 2011): the
            gradient is taken at ``w + eps`` and the update applied to the clean ``w``, so
            validation and the kept weights are never perturbed. None or 0: no noise.
        on_epoch: called as ``on_epoch(trainer, row)`` after each epoch's validation, while
            the model holds the weights that are validated (the moving average when there is
            one); ``row`` is the epoch's line of ``history``, and what the call adds to it
            is kept there and in the run's metrics (for example a held-out set's accuracy
            after every epoch). The global generator (``mg.random``) is put back as it was
            after the call, so a hook that draws from it, as a ``DataLoader`` made without a
            seed does, leaves the training that follows as it would have been. None: nothing
            is called.
    """

    def __init__(self, model: Module, optimizer: Optimizer, train_loader: DataLoader,
                 val_loader: DataLoader | None, num_classes: int, scheduler: Any = None,
                 clip_grad_norm: float | None = None, epochs: int = 10,
                 patience: int | None = None, run_dir: str | os.PathLike[str] | None = None,
                 config: dict[str, Any] | None = None, quiet: bool = False,
                 log: Callable[[str], None] | None = print, ema: float | None = None,
                 weight_noise: float | None = None,
                 on_epoch: Callable[[Trainer, dict[str, float]], None] | None = None) -> None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise InputError(f"Trainer: epochs must be a positive integer, got {epochs!r}")
        if patience is not None and (not isinstance(patience, int) or isinstance(patience, bool)
                                     or patience < 1):
            raise InputError(f"Trainer: patience must be None (no early stopping) or a whole "
                             f"number of epochs >= 1, got {patience!r}")
        if clip_grad_norm is not None and not (isinstance(clip_grad_norm, (int, float))
                                               and 0 < clip_grad_norm < math.inf):
            raise InputError(f"Trainer: clip_grad_norm must be None or a positive number, got "
                             f"{clip_grad_norm!r}")
        if weight_noise is not None and not (isinstance(weight_noise, (int, float))
                                             and 0 <= weight_noise < math.inf):
            raise InputError(f"Trainer: weight_noise must be None or a standard deviation >= 0, "
                             f"got {weight_noise!r}")
        if on_epoch is not None and not callable(on_epoch):
            raise InputError(f"Trainer: on_epoch must be None or a function of (trainer, row), "
                             f"got {on_epoch!r}")
        self.model, self.optimizer = model, optimizer
        self.ema = (ExponentialMovingAverage(model.parameters(), ema) if ema else None)
        self.noise = WeightNoise(model.parameters(), weight_noise) if weight_noise else None
        self.train_loader, self.val_loader = train_loader, val_loader
        self.num_classes, self.scheduler = num_classes, scheduler
        self.clip_grad_norm, self.epochs, self.patience = clip_grad_norm, epochs, patience
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.files = None if run_dir is None else RunFolder(run_dir)
        self.config = config or {}
        self.quiet, self.log, self.on_epoch = quiet, log, on_epoch
        self.history: list[dict[str, float]] = []
        self.best: dict[str, Any] = {"epoch": 0, "val_loss": math.inf, "val_accuracy": 0.0}
        self.bad_epochs = 0
        self.best_state: dict[str, np.ndarray] | None = None
        self.seconds = 0.0
        self._stop = False

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        return {
            "format": RUN_FORMAT, "epoch": len(self.history),
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": mg_random.get_rng_state(), "loader": self.train_loader.state_dict(),
            "history": self.history, "best": self.best, "bad_epochs": self.bad_epochs,
            "seconds": self.seconds, "config": json.dumps(self.config, sort_keys=True),
            **({"ema": self.ema.state_dict()} if self.ema is not None else {}),
        }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("format") != RUN_FORMAT:
            raise InputError("this file is not a minigru training checkpoint")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        mg_random.set_rng_state(state["rng"])
        self.train_loader.load_state_dict(state["loader"])
        self.history = list(state["history"])
        self.best = dict(state["best"])
        self.bad_epochs = int(state["bad_epochs"])
        self.seconds = float(state.get("seconds", 0.0))
        if self.ema is not None:
            if "ema" not in state:
                raise InputError("this checkpoint was written without a moving average of "
                                 "the weights, and this trainer keeps one (ema)")
            self.ema.load_state_dict(state["ema"])

    def save_checkpoint(self) -> None:
        if self.files is None:
            return
        save(self.state(), self.files.checkpoint)
        self.files.write_metrics(self.history)

    # ------------------------------------------------------------------ training
    def _progress(self, epoch: int) -> Any:
        disable = self.quiet or not sys.stderr.isatty()
        return tqdm(total=len(self.train_loader), desc=f"epoch {epoch}/{self.epochs}",
                    leave=False, disable=disable, unit="batch")

    def train_epoch(self, epoch: int) -> dict[str, float]:
        self.model.train()
        total, correct, n = 0.0, 0, 0
        bar = self._progress(epoch)
        for b, batch in enumerate(self.train_loader):
            if self._stop:
                bar.close()
                raise Interrupted()
            loss, right = self._step(batch, epoch, b)
            total += loss * len(batch)
            correct += right
            n += len(batch)
            bar.set_postfix(loss=f"{total / n:.3f}", acc=f"{correct / n:.3f}")
            bar.update(1)
        bar.close()
        return {"train_loss": total / max(n, 1), "train_accuracy": correct / max(n, 1)}

    def _where(self) -> str:
        """Where the last good checkpoint is, for an error message ("" without a run folder)."""
        return (f" ({self.files.checkpoint}, after epoch {len(self.history)})"
                if self.files else "")

    def _step(self, batch: Batch, epoch: int, index: int) -> tuple[float, int]:
        self.optimizer.zero_grad()
        with self.noise if self.noise is not None else nullcontext():
            logits = self.model(Tensor(batch.x), batch.lengths)
            loss = F.cross_entropy(logits, batch.labels)
            value = float(loss.item())
            if not math.isfinite(value):
                raise TrainingError(f"the loss became {value} at epoch {epoch}, batch {index}; "
                                    f"training stopped and the last good checkpoint is intact"
                                    f"{self._where()}. Try a lower learning rate or gradient "
                                    f"clipping.")
            loss.backward()
        norm = clip_grad_norm_(self.model.parameters(), self.clip_grad_norm or math.inf)
        if not math.isfinite(norm):
            raise TrainingError(f"the gradient norm became {norm} at epoch {epoch}, batch "
                                f"{index} (the loss was {value}); the weights were not "
                                f"updated, training stopped and the last good checkpoint is "
                                f"intact{self._where()}. Look for an operation whose gradient "
                                f"overflows (a log or sqrt at 0), or lower the learning rate.")
        self.optimizer.step()
        if self.ema is not None:
            self.ema.update()
        return value, int(np.sum(logits.data.argmax(axis=1) == batch.labels))

    def fit(self) -> list[dict[str, float]]:
        """Train up to ``epochs`` (continuing from ``history`` after ``restore``)."""
        runtime.apply_memory_default()
        if self.files is not None:
            self.files.create()
            if not self.history:
                self.save_checkpoint()
            else:
                # The checkpoint's history is the record: a kill after the checkpoint was
                # written and before metrics.jsonl was can leave the file an epoch behind.
                self.files.write_metrics(self.history)
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGINT) if in_main else None
        if in_main:  # Ctrl-C handling; a worker thread (Dask) cannot install handlers
            signal.signal(signal.SIGINT, self._request_stop)
        try:
            while len(self.history) < self.epochs:
                if self.patience is not None and self.bad_epochs >= self.patience:
                    if self.log:
                        self.log(f"early stopping: no better validation loss for "
                                 f"{self.patience} epochs")
                    break
                self._run_epoch(len(self.history) + 1)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        return self.history

    def _evaluated_weights(self) -> Any:
        """The weights that are validated and kept: the moving average when there is one."""
        return self.ema.average_parameters() if self.ema is not None else nullcontext()

    def _request_stop(self, signum: int, frame: Any) -> None:
        self._stop = True

    def _run_epoch(self, epoch: int) -> None:
        start = time.perf_counter()
        row: dict[str, float] = {"epoch": epoch,
                                 "lr": float(self.optimizer.param_groups[0]["lr"])}
        row.update(self.train_epoch(epoch))
        if self.val_loader is not None:
            with self._evaluated_weights():
                result = evaluate(self.model, self.val_loader, self.num_classes)
                row["val_loss"], row["val_accuracy"] = result["loss"], result["accuracy"]
                if result["loss"] < self.best["val_loss"]:
                    self.best = {"epoch": epoch, "val_loss": result["loss"],
                                 "val_accuracy": result["accuracy"]}
                    self.best_state = self.model.state_dict()
                    self.bad_epochs = 0
                    if self.files is not None:
                        save({"format": MODEL_FORMAT, "model": self.best_state,
                              "epoch": epoch, "config": json.dumps(self.config, sort_keys=True)},
                             self.files.best)
                else:
                    self.bad_epochs += 1
        if self.on_epoch is not None:
            draws = mg_random.get_rng_state()
            try:
                with self._evaluated_weights():
                    self.on_epoch(self, row)
            finally:
                mg_random.set_rng_state(draws)
        if self.scheduler is not None:
            if hasattr(self.scheduler, "patience"):
                self.scheduler.step(row.get("val_loss", row["train_loss"]))
            else:
                self.scheduler.step()
        self.history.append(row)
        elapsed = time.perf_counter() - start
        self.seconds += elapsed
        self.save_checkpoint()
        if self.log:
            n = len(self.train_loader.dataset)
            val = (f"  val loss {row['val_loss']:.4f} acc {row['val_accuracy']:.4f}"
                   if "val_loss" in row else "")
            self.log(f"epoch {epoch:3d}/{self.epochs}  train loss {row['train_loss']:.4f} "
                     f"acc {row['train_accuracy']:.4f}{val}  {elapsed:.1f} s "
                     f"({n / elapsed:.0f} examples/s)")
