"""Polyphonic music next-step prediction: the benchmark of Chung et al. (2014).

A second, small application beside ``speech``: it imports the library floors only.

- ``rolls``: the Boulanger-Lewandowski et al. (2012) piano rolls (JSB Chorales, Nottingham,
  MuseData, Piano-midi.de) from their ``.npz`` files, and length-bucketed batches.
- ``model``: a recurrent cell (tanh-RNN, GRU, LSTM) with one sigmoid output per key, the
  sizes of the paper's Table 1.
- ``run``: one training run by the paper's protocol (RMSProp, weight noise, gradient norm
  clipped at 1, early stopping on validation), the unit of a ``minigru sweep`` with
  ``task = "music"``.
"""

from .model import PAPER_UNITS, NextStep
from .rolls import DATASETS, load_rolls
from .run import (
                  DEFAULTS,
                  load_music_model,
                  make_music_config,
                  nll_per_sequence,
                  nll_per_step,
                  train_music,
)

__all__ = ["DATASETS", "DEFAULTS", "NextStep", "PAPER_UNITS", "load_music_model", "load_rolls",
           "make_music_config", "nll_per_sequence", "nll_per_step", "train_music"]
