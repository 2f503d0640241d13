"""The tutorials run as written, and each one's cells assert what they show.

The tutorials are jupytext percent scripts (``# %%`` cells): plain Python that ``python``
runs and Jupyter opens as a notebook (with jupytext), reviewed and diffed as code, executed
here without a notebook server or a kernel dependency.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from scipy.io import wavfile

TUTORIALS = pathlib.Path(__file__).resolve().parents[1] / "tutorials"
FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"
FIGURES = {"01_autograd_from_zero": [], "02_gru_by_hand": ["vanishing_gradient.png"],
           "03_mfcc_step_by_step": ["mfcc_stages.png", "endpoint.png"],
           "04_train_and_look_inside": ["curves.png", "confusion.png", "gates.png",
                                        "augmentation.png"],
           "05_source_and_filter": ["source_and_filter.png", "pitch_tracks.png",
                                    "declipping.png"],
           "06_listening_to_a_stream": ["stream_detector.png"]}
SOUNDS = {"05_source_and_filter": ["voice.wav", "voice_lower.wav", "voice_higher.wav",
                                   "voice_clipped.wav", "voice_declipped.wav"]}


def test_every_tutorial_has_cells_and_checks():
    names = sorted(p.stem for p in TUTORIALS.glob("[0-9][0-9]_*.py"))
    assert names == sorted(FIGURES)
    for name in names:
        text = (TUTORIALS / f"{name}.py").read_text()
        assert text.count("# %%") >= 4 and text.count("assert ") >= 2, name


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_tutorial_runs_and_its_checks_pass(name, tmp_path):
    env = dict(os.environ, TUTORIAL_OUT=str(tmp_path), MPLBACKEND="Agg")
    if FSDD.is_dir():
        env["MINIGRU_FSDD"] = str(FSDD)
    result = subprocess.run([sys.executable, str(TUTORIALS / f"{name}.py")], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    for figure in FIGURES[name]:
        assert (tmp_path / figure).stat().st_size > 5000, figure
    for sound in SOUNDS.get(name, []):
        rate, samples = wavfile.read(tmp_path / sound)
        assert rate >= 8000 and samples.size > rate // 4, sound
        assert 0.5 < np.abs(samples).max() <= 1.0, sound
