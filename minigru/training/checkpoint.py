"""Checkpoint files of training runs: what they hold and how they are read back.

A checkpoint (``format = "minigru-run"``) holds the model, optimiser, scheduler and random
generator state, the loader's position, the history, the best result so far and the run's
configuration as JSON; a best-model file (``format = "minigru-model"``) holds the model, its
epoch and the configuration. Both are written by ``mg.save`` (a temporary file, then a
rename: a crash never leaves a torn file) and read by ``mg.load`` (``allow_pickle=False``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..serialization import load
from .run_folder import RunFolder

RUN_FORMAT = "minigru-run"
MODEL_FORMAT = "minigru-model"


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A checkpoint or best-model file, with its configuration decoded. A run folder stands
    for its best-model file (``best.npz``), the model every command of a finished run uses."""
    if Path(path).is_dir():
        best = RunFolder(path).best
        if not best.is_file():
            raise FileNotFoundError(f"{path} is a folder without a {RunFolder.BEST}: give a "
                                    f"model file, or a run folder with at least one finished "
                                    f"epoch")
        path = best
    state = load(path)
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise InputError(f"{path} is not a minigru model checkpoint")
    state["config"] = json.loads(state["config"])
    return state
