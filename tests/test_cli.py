"""The ``minigru`` command through subprocess, including its error paths."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
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


def test_train_evaluate_predict_round_trip(tmp_path):
    run_dir = tmp_path / "run"
    result = run("train", "--limit", "5", "--epochs", "2", "--hidden", "8", "--quiet",
                 "--out", str(run_dir))
    assert result.returncode == 0, result.stderr
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    assert f"test accuracy  {summary['test_accuracy']:.4f} (50 utterances)" in result.stdout
    result = run("evaluate", str(run_dir / "best.npz"), "--json", "--limit", "5")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 50 and len(report["confusion"]) == 10
    assert report["accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-12)
    assert np.trace(np.array(report["confusion"])) == round(50 * report["accuracy"])
    wav = tmp_path / "tone.wav"
    make_wav(wav)
    result = run("predict", str(run_dir / "best.npz"), str(wav), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert sum(answer["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    assert answer["probability"] == max(answer["probabilities"].values())
    assert answer["label"] in answer["probabilities"]
    text = run("predict", str(run_dir / "best.npz"), str(wav))
    assert f"tone.wav: {answer['label']} (p = {answer['probability']:.3f}" in text.stdout
    by_folder = run("predict", str(run_dir), str(wav), "--json")
    assert by_folder.returncode == 0 and json.loads(by_folder.stdout) == answer
    assert answer["words"] == [[0.0, 0.5]]
    sr, tone = wavfile.read(wav)
    two = tmp_path / "two.wav"
    wavfile.write(two, sr, np.concatenate([tone, np.zeros(sr // 2, np.int16), tone]))
    result = run("predict", str(run_dir), str(two))
    assert result.returncode == 0 and result.stdout.count("two.wav") == 1
    assert "two.wav sounds like 2 words (0.00-0.50, 1.00-1.50 s) and was read as one; " \
           "--words answers each" in result.stderr
    result = run("predict", str(run_dir), str(two), str(wav), "--words", "--json")
    assert result.returncode == 0, result.stderr
    words = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(w["file"].endswith("two.wav"), w.get("word"), w.get("start"), w.get("end"))
            for w in words] == [(True, 0, 0.0, 0.5), (True, 1, 1.0, 1.5), (False, None, None, None)]
    text = run("predict", str(run_dir), str(two), "--words")
    assert "two.wav 0.00-0.50 s: " in text.stdout and "two.wav 1.00-1.50 s: " in text.stdout
    assert "sounds like" not in text.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("predict", str(empty), str(wav))
    assert result.returncode == 2 and "empty is a folder without a best.npz" in result.stderr
    result = run("train", "--out", str(run_dir), "--limit", "5")
    assert result.returncode == 2 and "--resume" in result.stderr


def test_train_and_evaluate_error_paths(tmp_path):
    result = run("train", "--data", "fsdd", "--data-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("train", "--model", "transformer")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    result = run("train", "--epochs", "0")
    assert result.returncode == 2 and "epochs" in result.stderr
    result = run("evaluate", str(tmp_path / "missing.npz"))
    assert result.returncode == 2 and "missing.npz" in result.stderr
    result = run("train", "--resume", str(tmp_path))
    assert result.returncode == 2 and "checkpoint" in result.stderr


def test_checkpoint_of_another_model_is_refused(tmp_path):
    import json

    import minigru as mg

    run_dir = tmp_path / "run"
    assert run("train", "--limit", "3", "--epochs", "1", "--hidden", "8", "--quiet",
               "--out", str(run_dir)).returncode == 0
    state = mg.load(run_dir / "best.npz")
    cfg = json.loads(state["config"])
    cfg["model"] = "lstm"
    state["config"] = json.dumps(cfg)
    mg.save(state, tmp_path / "other.npz")
    result = run("evaluate", str(tmp_path / "other.npz"), "--limit", "3")
    assert result.returncode == 2 and "does not match" in result.stderr


def test_sweep_command_and_its_errors(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text("[base]\nlimit = 2\nepochs = 1\nhidden = 4\n"
                     "synthetic = { sample_rate = 8000 }\n[grid]\nseed = [0, 1]\n")
    result = run("sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "2",
                 "--quiet")
    assert result.returncode == 0, result.stderr
    assert "| 2 |" in result.stdout and (tmp_path / "out" / "results.csv").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nmodle = ['gru']\n")
    result = run("sweep", str(bad))
    assert result.returncode == 2 and "modle" in result.stderr and "Traceback" not in result.stderr
    result = run("sweep", str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "missing.toml" in result.stderr


def test_stream_command(tmp_path):
    run_dir = tmp_path / "run"
    assert run("train", "--limit", "4", "--epochs", "2", "--hidden", "8", "--quiet",
               "--out", str(run_dir)).returncode == 0
    wav = tmp_path / "tone.wav"
    make_wav(wav, seconds=1.0)
    result = run("stream", str(run_dir / "best.npz"), str(wav), "--threshold", "0")
    assert result.returncode == 0, result.stderr
    assert "real-time factor" in result.stdout and "per-chunk processing time" in result.stdout
    result = run("stream", str(run_dir / "best.npz"), str(wav), "--chunk-ms", "0")
    assert result.returncode == 2 and "chunk-ms" in result.stderr
    cnn = tmp_path / "cnn"
    assert run("train", "--model", "cnn-gru", "--limit", "3", "--epochs", "1", "--hidden", "4",
               "--quiet", "--out", str(cnn)).returncode == 0
    result = run("stream", str(cnn / "best.npz"), str(wav), "--threshold", "0")
    assert result.returncode == 0 and "decided by the whole word" in result.stdout, result.stderr
    result = run("stream", str(cnn / "best.npz"), str(wav), "--decide", "frames")
    assert result.returncode == 2 and "no recurrent layer to stream" in result.stderr


def test_stream_reads_raw_pcm_on_standard_input(tmp_path):
    """``minigru stream CKPT - --rate R``: the bytes of a WAV file's samples piped in give
    the file's detections; without --rate, with a WAV file and --rate, with a sample cut in
    two, or from a terminal, one line says what is wrong; Ctrl-C ends it with the words so
    far."""
    import signal
    import time

    run_dir = tmp_path / "run"
    assert run("train", "--limit", "4", "--epochs", "2", "--hidden", "8", "--quiet",
               "--out", str(run_dir)).returncode == 0
    rng = np.random.default_rng(3)
    sr = 16000
    parts = [(0.5, 0.0), (0.3, 30.0), (0.6, 0.0), (0.3, 30.0), (0.5, 0.0)]
    x = np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr)) for s, db in parts])
    q = np.round(x / np.abs(x).max() * 20000).astype(np.int16)
    wav = tmp_path / "two.wav"
    wavfile.write(wav, sr, q)
    best = str(run_dir / "best.npz")
    from_file = run("stream", best, str(wav), "--threshold", "0")
    command = [sys.executable, "-m", "minigru", "stream", best, "-", "--threshold", "0"]
    piped = subprocess.run(command + ["--rate", str(sr)], input=q.tobytes(),
                           capture_output=True)
    assert piped.returncode == 0, piped.stderr
    assert b"listening to s16le at 16000 Hz" in piped.stderr
    words = piped.stdout.decode().split("\n\n")[0].splitlines()
    assert len(words) == 2 and words == from_file.stdout.split("\n\n")[0].splitlines()
    stereo = subprocess.run(command + ["--rate", str(sr), "--channels", "2"],
                            input=np.repeat(q, 2).tobytes(), capture_output=True)
    assert stereo.stdout.decode().split("\n\n")[0].splitlines() == words
    for extra, data, message in (
            ([], b"", "give its sample rate, --rate HZ"),
            (["--rate", "8000"], b"\0" * 3, "ended inside a sample: 1 byte")):
        bad = subprocess.run(command + extra, input=data, capture_output=True)
        assert bad.returncode == 2 and message in bad.stderr.decode()
    result = run("stream", best, str(wav), "--rate", "8000")
    assert result.returncode == 2 and "describe raw input (-)" in result.stderr
    if sys.platform != "win32":
        import os
        import pty

        terminal, side = pty.openpty()
        typed = subprocess.run(command + ["--rate", "8000"], stdin=side, capture_output=True)
        os.close(terminal)
        os.close(side)
        assert typed.returncode == 2 and b"standard input is a terminal" in typed.stderr
    live = subprocess.Popen(command + ["--rate", str(sr)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    live.stdin.write(q[:int(1.6 * sr)].tobytes())
    live.stdin.flush()
    first = live.stdout.readline().decode()
    assert first == words[0] + "\n"
    time.sleep(0.2)
    live.send_signal(signal.SIGINT)
    out, err = live.communicate(timeout=60)
    assert live.returncode == 0, err
    assert b"detections in" in out


FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
def test_stream_make_demo_writes_the_words_and_their_times(tmp_path):
    import json

    from scipy.io import wavfile as wf

    demo = tmp_path / "demo.wav"
    result = run("stream", "--make-demo", str(demo), "--data-dir", str(FSDD), "--words", "3")
    assert result.returncode == 0, result.stderr
    rate, samples = wf.read(demo)
    words = json.loads(demo.with_suffix(".json").read_text())
    assert len(words) == 3 and all(0 <= w["start"] < w["end"] for w in words)
    assert rate == 8000 and samples.size / rate > sum(w["end"] - w["start"] for w in words)
