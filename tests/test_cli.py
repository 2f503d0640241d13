"""The ``minigru`` command through subprocess, including its error paths."""

import subprocess
import sys

import numpy as np
from scipy.io import wavfile


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "minigru", *args], capture_output=True,
                          text=True, cwd=cwd)


def make_wav(path, seconds=0.5, sr=8000):
    t = np.arange(int(seconds * sr)) / sr
    wavfile.write(path, sr, (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16))


def test_mfcc_prints_shape_and_writes_figure(tmp_path):
    wav = tmp_path / "tone.wav"
    make_wav(wav)
    out = tmp_path / "fig.png"
    result = run("mfcc", str(wav), "--preset", "kaldi", "--plot", str(out))
    assert result.returncode == 0, result.stderr
    assert "48 frames x 13 coefficients" in result.stdout
    assert out.stat().st_size > 10000


def test_mfcc_error_paths(tmp_path):
    result = run("mfcc", str(tmp_path / "missing.wav"))
    assert result.returncode == 2
    assert "missing.wav" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.wav"
    bad.write_text("not a wav")
    result = run("mfcc", str(bad))
    assert result.returncode == 2 and "bad.wav" in result.stderr
    result = run("mfcc", str(bad), "--preset", "nope")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_gradcheck_command_passes():
    result = run("gradcheck")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout and "GRU (2 layers, bidirectional, lengths)" in result.stdout


def test_no_command_prints_help():
    result = run()
    assert result.returncode == 2 and "mfcc" in result.stdout
