"""A long recording for streaming tests: FSDD clips joined with silence and background noise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.wav import load_wav
from ..errors import InputError
from .speech import FSDD_NAME


def digit_stream(root: str | os.PathLike[str], n_words: int = 20, seed: int = 0,
                 split: str = "test", gap: tuple[float, float] = (0.4, 1.0),
                 snr_db: float = 25.0) -> tuple[np.ndarray, int, list[dict[str, Any]]]:
    """``n_words`` random recordings of the split (takes 0-4 for "test", 5-49 for "train"),
    each level-normalised, separated by ``gap`` seconds of silence, plus white noise at
    ``snr_db`` relative to the speech. Returns (signal, sample rate, words), each word
    ``{"digit", "start", "end", "file"}`` in seconds."""
    folder = Path(root)
    folder = folder / "recordings" if (folder / "recordings").is_dir() else folder
    files = []
    for f in sorted(folder.glob("*.wav")):
        m = FSDD_NAME.match(f.name)
        if m and (int(m["index"]) <= 4) == (split == "test"):
            files.append((f, int(m["digit"])))
    if not files:
        raise InputError(f"digit_stream: no FSDD recordings of the {split} split in {folder}")
    rng = np.random.default_rng(seed)
    parts, words, t, sr = [], [], 0.0, None
    for k in rng.choice(len(files), n_words, replace=n_words > len(files)):
        path, digit = files[int(k)]
        clip, rate = load_wav(path)
        sr = sr or rate
        if rate != sr:
            clip, _ = load_wav(path, sample_rate=sr)
        silence = np.zeros(int(rng.uniform(*gap) * sr))
        parts += [silence, 0.3 * clip / (np.abs(clip).max() + 1e-9)]
        start = t + silence.size / sr
        t = start + clip.size / sr
        words.append({"digit": digit, "start": start, "end": t, "file": path.name})
    parts.append(np.zeros(int(gap[1] * sr)))
    x = np.concatenate(parts)
    speech_power = np.mean(np.concatenate(parts[1::2]) ** 2)
    x = x + rng.standard_normal(x.size) * np.sqrt(speech_power / 10 ** (snr_db / 10))
    return x.astype(np.float32), int(sr), words
