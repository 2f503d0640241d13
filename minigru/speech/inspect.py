"""A look at one file through a feature pipeline: what ``minigru mfcc`` prints and draws."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..audio.features import PRESETS
from ..audio.pipeline import FeaturePipeline

PRESET_NAMES = ["minigru"] + [k for k in PRESETS if k]
"""The MFCC presets by name, minigru's own first."""


def pipeline_for(preset: str | None = None, n_mfcc: int = 13, deltas: int = 0,
                 sample_rate: int | None = None) -> FeaturePipeline:
    """A pipeline for looking at a file: the named preset ("minigru" or None for minigru's
    own), no CMVN."""
    return FeaturePipeline(None if preset in (None, "minigru") else preset, n_mfcc, deltas,
                           False, sample_rate)


def feature_report(path: str | os.PathLike[str], pipeline: FeaturePipeline,
                   plot: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The features of one WAV file and a summary of them.

    Returns ``samples``, ``sample_rate`` (after the pipeline's conversion), ``seconds``,
    ``features`` (frames, size), and per feature column ``mean``, ``std``, ``min``, ``max``
    (empty when there are no frames). With ``plot``, also writes the pipeline's stages of the
    file as a figure there.
    """
    signal, rate = pipeline.load(path)
    feats = pipeline(signal, rate)
    stats = {k: getattr(np, k)(feats, axis=0) if feats.size else np.zeros(0)
             for k in ("mean", "std", "min", "max")}
    if plot:
        from .figures import plot_features

        plot_features(signal, rate, plot, pipeline, title=str(path))
    return {"samples": int(signal.size), "sample_rate": rate, "seconds": signal.size / rate,
            "features": feats, **stats}
