"""Piano rolls: the four music sets of Boulanger-Lewandowski et al. (2012) as (T, 88) arrays.

Each ``.npz`` holds, per split, the MIDI numbers of the active notes (``{split}_notes``), how
many are active at each step (``{split}_notes_per_step``) and how many steps each sequence has
(``{split}_steps_per_seq``). Key k of a roll is MIDI note 21 + k (A0 .. C8); one step is one
quarter note.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError

DATASETS = {"jsb": "jsb_chorales.npz", "nottingham": "nottingham.npz",
            "musedata": "musedata.npz", "pianomidi": "piano_midi.npz"}
"""Dataset name -> file name in the data folder."""

SPLITS = ("train", "valid", "test")
KEYS = 88
ENV = "MINIGRU_POLYPHONIC"


def data_file(dataset: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ``.npz`` of ``dataset`` in ``data_dir``, or in ``$MINIGRU_POLYPHONIC``."""
    if dataset not in DATASETS:
        raise InputError(f"dataset must be one of {sorted(DATASETS)}, got {dataset!r}")
    folder = data_dir if data_dir is not None else os.environ.get(ENV)
    if folder is None:
        raise InputError(f"no folder for the music data: pass data_dir or set {ENV} to the "
                         f"folder holding {DATASETS[dataset]}")
    path = Path(folder) / DATASETS[dataset]
    if not path.is_file():
        raise InputError(f"data_dir: no {DATASETS[dataset]} in {folder}")
    return path


def load_rolls(path: str | os.PathLike[str], split: str) -> list[np.ndarray]:
    """Every sequence of ``split`` as a float32 (T, 88) 0/1 piano roll."""
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}, got {split!r}")
    with np.load(path, allow_pickle=False) as z:
        notes = z[f"{split}_notes"].astype(np.int64)
        per_step = z[f"{split}_notes_per_step"].astype(np.int64)
        per_seq = z[f"{split}_steps_per_seq"].astype(np.int64)
    if per_step.sum() != notes.size or per_seq.sum() != per_step.size:
        raise InputError(f"{path}: the {split} counts do not add up (a damaged file)")
    if notes.size and (notes.min() < 21 or notes.max() > 108):
        raise InputError(f"{path}: {split} has notes outside MIDI 21..108")
    step_of_note = np.repeat(np.arange(per_step.size), per_step)
    flat = np.zeros((per_step.size, KEYS), np.float32)
    flat[step_of_note, notes - 21] = 1.0
    return np.split(flat, np.cumsum(per_seq)[:-1])


def length_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Indices of sequences of similar length, ``batch_size`` at a time (the last may be
    smaller): sorted by length so that a batch pads little; shuffle the list, not its
    members, between epochs."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[s:s + batch_size] for s in range(0, order.size, batch_size)]


def next_step_batch(rolls: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs x_1..x_{T-1} and targets x_2..x_T as zero-padded (T-1, B, 88) arrays, and the
    number of predicted steps of each sequence."""
    lengths = np.array([r.shape[0] - 1 for r in rolls])
    if lengths.min() < 1:
        raise InputError("next_step_batch: every sequence needs at least 2 steps")
    x = np.zeros((lengths.max(), len(rolls), KEYS), np.float32)
    y = np.zeros_like(x)
    for b, r in enumerate(rolls):
        x[:lengths[b], b] = r[:-1]
        y[:lengths[b], b] = r[1:]
    return x, y, lengths
