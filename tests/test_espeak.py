"""eSpeak NG's voices as synthetic speakers (``minigru.data.espeak``): the voice draw, the
cached clips, the dataset and its place in a run.

The tests that run the synthesizer run twice: with the ``espeak-ng`` program and with the
stand-in on eSpeak NG's library (``minigru/data/espeak_ng.py``, from the ``espeakng-loader``
package of the ``voices`` extra). Each skips when its eSpeak NG is absent, with the reason,
unless ``MINIGRU_REQUIRE_ESPEAK`` is set (``.ci/run`` installs both and sets it), where it
fails instead."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from minigru import cli, commands
from minigru.audio.wav import load_wav
from minigru.data import espeak
from minigru.data.espeak import PITCH, SPEED, EspeakDigits, EspeakVoice, espeak_voice, speak
from minigru.data.synthetic import DIGIT_WORDS
from minigru.errors import InputError
from minigru.speech.config import SYNTHETIC_VOICES, ConfigError, make_config
from minigru.speech.datasets import make_datasets
from minigru.speech.run import train_run


def _clear_caches():
    for cached in (espeak.backend, espeak.version, espeak.variants, espeak.dialects):
        cached.cache_clear()


def _require(present: bool, reason: str) -> None:
    if not present:
        if os.environ.get("MINIGRU_REQUIRE_ESPEAK"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(params=["program", "library"])
def program(request, monkeypatch):
    """eSpeak NG as the program, then as the library's stand-in (MINIGRU_ESPEAK)."""
    if request.param == "program":
        _require(shutil.which("espeak-ng") is not None,
                 "espeak-ng is not installed (apt-get install espeak-ng; .ci/run does)")
    else:
        _require(espeak.has_library(), "espeakng-loader is not installed "
                 "(pip install -e \".[voices]\"; the README's test command does)")
    monkeypatch.setenv("MINIGRU_ESPEAK", request.param)
    _clear_caches()
    assert espeak.backend().kind == request.param
    yield request.param
    _clear_caches()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRU_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _f0(signal: np.ndarray, rate: int) -> float:
    """The median pitch of the voiced frames: the autocorrelation peak in 60-400 Hz of
    40 ms frames within 10 dB of the loudest."""
    n = int(0.04 * rate)
    frames = [signal[i:i + n] for i in range(0, signal.size - n, n // 2)]
    energy = np.array([np.sum(f ** 2) for f in frames])
    lags = np.arange(rate // 400, rate // 60)
    pitches = []
    for f, e in zip(frames, energy, strict=True):
        if e < energy.max() / 10:
            continue
        f = f - f.mean()
        ac = np.array([np.dot(f[:-lag], f[lag:]) for lag in lags])
        pitches.append(rate / lags[np.argmax(ac)])
    return float(np.median(pitches))


def test_a_voice_is_drawn_from_its_seed_and_take_alone_within_its_ranges():
    accents, kinds = ("en-us", "en-gb"), ("m1", "f2", "klatt")
    voices = [espeak_voice(3, t, accents, kinds) for t in range(200)]
    assert voices[7] == espeak_voice(3, 7, accents, kinds)
    assert voices[7] != espeak_voice(4, 7, accents, kinds)
    assert {v.dialect for v in voices} == set(accents)
    assert {v.variant for v in voices} == set(kinds)
    pitch = np.array([v.pitch for v in voices])
    speed = np.array([v.speed for v in voices])
    assert pitch.min() >= PITCH[0] and pitch.max() <= PITCH[1] and np.ptp(pitch) > 50
    assert speed.min() >= SPEED[0] and speed.max() <= SPEED[1] and np.ptp(speed) > 60
    assert voices[0].args() == ["-v", f"{voices[0].dialect}+{voices[0].variant}",
                                "-p", str(voices[0].pitch), "-s", str(voices[0].speed)]


def test_the_voice_lists_are_read_from_espeak_s_own_table(monkeypatch):
    table = {
        "--voices=variant": (
            "Pty Language       Age/Gender VoiceName          File                 Other Lang\n"
            " 5  variant         --/M      Mr_Serious         !v/Mr serious        \n"
            " 5  variant         --/F      f2                 !v/f2                \n"
            " 5  variant         --/M      Storm              !v/Storm             (en-us 5)\n"),
        "--voices=en": (
            "Pty Language       Age/Gender VoiceName          File                 Other Lang\n"
            " 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)\n"
            " 5  en-gb-x-rp      --/M      English_(Received_Pronunciation) gmw/en-GB-x-rp"
            "       (en-gb 4)(en 5)\n"),
    }
    monkeypatch.setattr(espeak, "_listing", lambda command, option: table[option])
    monkeypatch.setattr(espeak, "backend", lambda: espeak.Espeak("program", ["espeak-ng"]))
    espeak.variants.cache_clear()
    espeak.dialects.cache_clear()
    try:
        assert espeak.variants() == ("Mr serious", "Storm", "f2")
        assert espeak.dialects() == ("en-us", "en-gb-x-rp")
    finally:
        espeak.variants.cache_clear()
        espeak.dialects.cache_clear()
    voice = EspeakVoice("en-us", "Mr serious", 30, 140)
    assert voice.args()[1] == "en-us+Mr serious" and voice.tag() == "en-us+Mr-serious_p30_s140"


def test_a_missing_espeak_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="espeak-ng.*apt-get install espeak-ng"):
        espeak.program()
    monkeypatch.setattr(espeak, "has_library", lambda: False)
    monkeypatch.delenv("MINIGRU_ESPEAK", raising=False)
    espeak.backend.cache_clear()
    try:
        with pytest.raises(InputError, match="neither.*apt-get install espeak-ng.*"
                                             "pip install \"minigru\\[voices\\]\""):
            espeak.backend()
        monkeypatch.setenv("MINIGRU_ESPEAK", "library")
        with pytest.raises(InputError, match="MINIGRU_ESPEAK=library.*espeakng-loader"):
            espeak.backend()
        monkeypatch.setenv("MINIGRU_ESPEAK", "festival")
        with pytest.raises(InputError, match="MINIGRU_ESPEAK must be 'program' or 'library'"):
            espeak.backend()
    finally:
        espeak.backend.cache_clear()


def test_the_library_stand_in_speaks_as_the_program(tmp_path):
    """The stand-in makes the program's calls: for a voice whose variant did not change
    between eSpeak NG 1.51 and 1.52, the two give the same samples to the bit."""
    _require(shutil.which("espeak-ng") is not None and espeak.has_library(),
             "needs both the espeak-ng program and espeakng-loader (.ci/run has both)")
    script = Path(espeak.__file__).with_name("espeak_ng.py")
    voice = EspeakVoice("en-us", "m3", 50, 160)
    for name, command in (("program", ["espeak-ng"]), ("library", [sys.executable, script])):
        subprocess.run([*command, *voice.args(), "-w", str(tmp_path / f"{name}.wav"),
                        "seven"], check=True)
    rate, program = wavfile.read(tmp_path / "program.wav")
    assert wavfile.read(tmp_path / "library.wav")[0] == rate == 22050
    np.testing.assert_array_equal(wavfile.read(tmp_path / "library.wav")[1], program)
    usage = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: espeak_ng.py" in usage.stderr


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_a_bad_count_is_refused_by_name(bad):
    with pytest.raises(InputError, match="n_per_class"):
        EspeakDigits(bad, 8000)


def test_a_clip_is_made_once_and_is_the_same_each_time(program, tmp_path):
    voice = EspeakVoice("en-us", "m3", 50, 160)
    path = speak("seven", voice, tmp_path / "a")
    assert path.name == "en-us+m3_p50_s160_seven.wav"
    made = path.stat().st_mtime_ns
    assert speak("seven", voice, tmp_path / "a") == path
    assert path.stat().st_mtime_ns == made
    again = speak("seven", voice, tmp_path / "b")
    assert again.read_bytes() == path.read_bytes()
    signal, rate = load_wav(path)
    assert rate == 22050 and 0.3 < signal.size / rate < 1.5
    assert list((tmp_path / "a").iterdir()) == [path]


def test_the_pitch_option_is_heard_in_the_voice(program, tmp_path):
    low, rate = load_wav(speak("nine", EspeakVoice("en-us", "m1", 15, 150), tmp_path))
    high, _ = load_wav(speak("nine", EspeakVoice("en-us", "m1", 85, 150), tmp_path))
    assert _f0(high, rate) > 1.5 * _f0(low, rate)


def test_the_rate_option_is_heard_in_the_length(program, tmp_path):
    slow, _ = load_wav(speak("seven", EspeakVoice("en-gb", "f2", 50, 120), tmp_path))
    fast, _ = load_wav(speak("seven", EspeakVoice("en-gb", "f2", 50, 200), tmp_path))
    assert slow.size > 1.3 * fast.size


def test_a_voice_espeak_cannot_load_is_refused_by_name(program, tmp_path):
    with pytest.raises(InputError, match="variant 'no-such-voice'"):
        speak("one", EspeakVoice("en-us", "no-such-voice", 50, 160), tmp_path)
    with pytest.raises(InputError, match="xx-nowhere.*could not say 'one'"):
        speak("one", EspeakVoice("xx-nowhere", "m1", 50, 160), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_dataset_is_every_digit_per_voice_from_its_cached_files(program, cache):
    data = EspeakDigits(2, 8000, seed=5, first_take=3)
    assert len(data) == 20 and data.classes == DIGIT_WORDS
    assert data.labels.tolist() == list(range(10)) * 2
    assert data.names[13] == "3_espeak5_4"
    assert data.voices == [espeak_voice(5, t, espeak.dialects(), espeak.variants())
                           for t in (3, 4)]
    assert data.sources[13].endswith(f"{data.voices[1].tag()}_three.wav")
    assert data.sources[13].startswith(str(cache / "espeak" / espeak.version()))
    signal, rate = load_wav(data.sources[13])
    assert np.allclose(data.features[13], data.pipeline(signal, rate))
    assert data.pipeline.sample_rate == 8000 and data.features[13].shape[1] == 26
    again = EspeakDigits(2, 8000, seed=5, first_take=3)
    assert all(np.array_equal(a, b) for a, b in zip(again.features, data.features,
                                                     strict=True))


def test_a_synthetic_corpus_can_be_spoken_by_espeak_voices(program, cache):
    args = cli.build_parser().parse_args(["train", "--synthetic-voices", "espeak"])
    over = commands.train_overrides(args)
    assert over["synthetic"] == {"voices": "espeak"}
    cfg = make_config({**over, "augment": "none", "synthetic": {
        "voices": "espeak", "train_per_class": 2, "val_per_class": 1, "test_per_class": 1,
        "sample_rate": 8000}})
    data = make_datasets(cfg)
    assert [len(data[k]) for k in ("train", "val", "test")] == [20, 10, 10]
    voices = [n.rsplit("_", 1)[1] for k in ("train", "val", "test") for n in data[k].names]
    assert sorted(set(voices)) == ["0", "1", "2", "3"]


def test_a_run_on_recordings_mixes_espeak_voices_into_training_only(program, cache,
                                                                      tmp_path):
    corpus = EspeakDigits(3, 8000, seed=99)
    root = tmp_path / "corpus"
    for label, source in zip(corpus.labels, corpus.sources, strict=True):
        (root / str(label)).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / str(label))
    cfg = make_config({"data": "folder", "data_dir": str(root), "augment": "none",
                       "mix_synthetic": 2, "synthetic": {"voices": "espeak"}})
    data = make_datasets(cfg)
    mixed = [n for n in data["train"].names if "_espeak" in n]
    assert len(mixed) == 20 and len(data["train"]) == 20 + 30 - 6
    assert not any("_espeak" in n for k in ("val", "test") for n in data[k].names)
    assert data["train"].classes == [str(d) for d in range(10)]


def test_a_run_records_the_espeak_version_it_heard(program, cache, tmp_path):
    cfg = make_config({"synthetic": {"voices": "espeak", "train_per_class": 2,
                                     "val_per_class": 1, "test_per_class": 1},
                       "epochs": 1, "hidden": 8})
    summary = train_run(cfg, tmp_path / "run", quiet=True, log=None)
    assert summary["espeak_version"] == espeak.version()
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["espeak_version"] \
        == espeak.version()
    assert "espeak_version" not in train_run(dict(cfg, synthetic=dict(
        cfg["synthetic"], voices="classic")), tmp_path / "classic", quiet=True, log=None)


def test_an_unknown_voice_family_lists_espeak():
    assert "espeak" in SYNTHETIC_VOICES
    with pytest.raises(ConfigError, match="espeak"):
        make_config({"synthetic": {"voices": "robots"}})
