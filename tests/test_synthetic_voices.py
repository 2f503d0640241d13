"""The synthesizer's speakers: the broad family's ranges, that each drawn quality is heard in
the signal (pitch, tilt, breathiness, accent), and that one broad speaker says every digit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from minigru import cli, commands
from minigru.data import SyntheticDigits
from minigru.data.speech import source_audio
from minigru.data.synthetic import (
    VOWELS,
    Voice,
    _tracks,
    speaker_voice,
    synthesize_digit,
)
from minigru.errors import InputError
from minigru.speech import config, datasets

PLAIN = Voice(f0=150.0, vtl=1.0, rate=1.0, jitter=0.0, shimmer=0.0, pitch_start=1.0,
              pitch_fall=0.0)
QUIET = (80.0, 80.0)


def _voiced(x: np.ndarray, sr: int) -> np.ndarray:
    """The middle 60% of the loudest 0.2 s of ``x`` (inside the vowel)."""
    n = int(0.2 * sr)
    energy = np.convolve(x.astype(float) ** 2, np.ones(n), "valid")
    start = int(np.argmax(energy))
    return x[start + n // 5:start + 4 * n // 5].astype(float)


def _pitch_lags(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """The lags of periods of 60-400 Hz and the normalised autocorrelation of ``x`` at them."""
    x = x - x.mean()
    r = np.correlate(x, x, "full")[x.size - 1:]
    lags = np.arange(int(sr / 400), int(sr / 60))
    return lags, r[lags] / r[0]


def _f0(x: np.ndarray, sr: int) -> float:
    """Pitch by the highest normalised autocorrelation between 60 and 400 Hz."""
    lags, r = _pitch_lags(x, sr)
    return sr / lags[np.argmax(r)]


def _periodicity(x: np.ndarray, sr: int) -> float:
    return float(np.max(_pitch_lags(x, sr)[1]))


@pytest.mark.parametrize("f0", [95.0, 150.0, 240.0])
def test_the_pitch_heard_is_the_voice_s_f0(f0):
    voice = dataclasses.replace(PLAIN, f0=f0)
    x = _voiced(synthesize_digit(2, 16000, 0, 0, QUIET, voice), 16000)  # "two": T UW
    assert _f0(x, 16000) == pytest.approx(f0, rel=0.02)


def test_the_tilt_filters_the_spectrum_by_its_own_response():
    """The source filter is linear, so the voiced spectrum is the flat voice's times |H|^2:
    |H|^2 = (1 - a)^2 / (1 - 2a cos w + a^2) for the low-pass (a > 0), 1 + 2a cos w + a^2 for
    the emphasis (a < 0). The change of the energy ratio of 2-4 kHz to 0-1 kHz is predicted
    from the flat voice's spectrum to 0.5 dB."""
    sr = 16000

    def spectrum(tilt):
        x = _voiced(synthesize_digit(2, sr, 0, 0, QUIET, dataclasses.replace(PLAIN, tilt=tilt)),
                    sr)
        return np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2, np.fft.rfftfreq(x.size, 1 / sr)

    flat, f = spectrum(0.0)
    w = 2 * np.pi * f / sr
    top, bottom = (f >= 2000) & (f < 4000), f < 1000

    def ratio_db(s):
        return 10 * np.log10(s[top].sum() / s[bottom].sum())

    for a in (0.7, 0.4, -0.5, -0.9):
        gain = ((1 - a) ** 2 / (1 - 2 * a * np.cos(w) + a * a) if a > 0
                else 1 + 2 * a * np.cos(w) + a * a)
        measured = ratio_db(spectrum(a)[0]) - ratio_db(flat)
        predicted = ratio_db(flat * gain) - ratio_db(flat)
        assert abs(predicted) > 2
        assert measured == pytest.approx(predicted, abs=0.5)


def test_breathiness_makes_the_top_of_the_vowel_noisy():
    """Aspiration noise is white at the source; below 1 kHz the harmonics still dominate, but
    between 1.5 and 4 kHz, where they are weak, the vowel loses its periodicity step by step."""
    from scipy.signal import butter, sosfiltfilt

    band = butter(4, [1500, 4000], "bandpass", fs=16000, output="sos")
    periodicity = []
    for breathiness in (0.0, 0.3, 0.6):
        x = _voiced(synthesize_digit(2, 16000, 0, 0, QUIET,
                                     dataclasses.replace(PLAIN, breathiness=breathiness)), 16000)
        periodicity.append(_periodicity(sosfiltfilt(band, x), 16000))
        assert _periodicity(x, 16000) > 0.9
    assert periodicity[0] > 0.65
    assert periodicity[0] - periodicity[1] > 0.08 and periodicity[1] - periodicity[2] > 0.12


def test_an_accent_moves_the_vowel_targets_by_its_factors():
    voice = dataclasses.replace(PLAIN, vowel_shift={"UW": (1.1, 0.9)}, timing=(1.0, 1.0))
    track = _tracks("two", voice, np.random.default_rng(0))
    f1, f2, f3 = VOWELS["UW"][0]
    # the last frames of "two" are the steady vowel, past the smoothing of the T-UW boundary
    np.testing.assert_allclose(track.formants[-3], [f1 * 1.1, f2 * 0.9, f3], rtol=1e-12)
    plain = _tracks("two", dataclasses.replace(voice, vowel_shift={}), np.random.default_rng(0))
    np.testing.assert_allclose(plain.formants[-3], [f1, f2, f3], rtol=1e-12)


def test_broad_speakers_stay_in_their_documented_ranges_and_are_varied():
    voices = [speaker_voice(7, take) for take in range(400)]
    f0 = np.array([v.f0 for v in voices])
    vtl = np.array([v.vtl for v in voices])
    assert f0.min() >= 75 and f0.max() <= 300 and f0.max() / f0.min() > 3.3
    assert 0.8 <= vtl.min() and vtl.max() <= 1.25 and np.corrcoef(f0, vtl)[0, 1] > 0.5
    for v in voices:
        assert 0.7 <= v.rate <= 1.35 and 0.7 <= v.bandwidth_scale <= 1.8
        assert all(0.92 <= s <= 1.08 for s in v.formant_scale)
        assert all(0.85 <= a <= 1.15 and 0.85 <= b <= 1.15 for a, b in v.vowel_shift.values())
        assert 0.005 <= v.jitter <= 0.03 and 0.02 <= v.shimmer <= 0.12
        assert -0.05 <= v.pitch_fall <= 0.15 and v.pitch_start == 1 + v.pitch_fall / 2
        assert 0 <= v.accent <= 0.2 and 0 <= v.breathiness <= 0.6 and -0.9 <= v.tilt <= 0.7
        assert v.smoothing in (3, 5, 7, 9)
    assert speaker_voice(7, 3) == speaker_voice(7, 3) and speaker_voice(7, 3) != speaker_voice(8, 3)


def test_one_broad_speaker_says_every_digit_at_its_own_pitch():
    voice = speaker_voice(11, 4)
    steady = dataclasses.replace(voice, jitter=0.0, accent=0.0, pitch_start=1.0, pitch_fall=0.0,
                                 breathiness=0.0)
    for digit in (2, 4):  # "two" and "four": the vowel is long and steady
        x = _voiced(synthesize_digit(digit, 16000, 11, 4, QUIET, steady), 16000)
        assert _f0(x, 16000) == pytest.approx(voice.f0, rel=0.03)
    a = synthesize_digit(5, 8000, 11, 4, voices="broad")
    assert np.array_equal(a, synthesize_digit(5, 8000, 11, 4, voices="broad"))
    assert not np.array_equal(a, synthesize_digit(5, 8000, 11, 5, voices="broad"))
    assert not np.array_equal(a, synthesize_digit(5, 8000, 11, 4))


def test_a_broad_dataset_says_where_each_clip_came_from():
    data = SyntheticDigits(1, 8000, seed=2, voices="broad")
    assert data.names[3] == "3_syntheticbroad2_0"
    assert data.sources[3] == ("synthetic", 3, 8000, 2, 0, (10.0, 30.0), "broad")
    again, rate = source_audio(data.sources[3], data.pipeline)
    assert rate == 8000
    assert np.array_equal(again, synthesize_digit(3, 8000, 2, 0, voices="broad"))
    classic = SyntheticDigits(1, 8000, seed=2)
    assert classic.sources[3] == ("synthetic", 3, 8000, 2, 0, (10.0, 30.0))


def test_a_run_mixes_broad_speakers_when_asked():
    args = cli.build_parser().parse_args(["train", "--mix-synthetic", "2",
                                          "--synthetic-voices", "broad"])
    over = commands.train_overrides(args)
    assert over["synthetic"] == {"voices": "broad"}
    cfg = config.make_config({**over, "limit": 2, "augment": "none", "synthetic": {
        "voices": "broad", "train_per_class": 2, "val_per_class": 1, "test_per_class": 1,
        "sample_rate": 8000}})
    data = datasets.make_datasets(cfg)
    assert len(data["train"]) == 2 * 10 and "syntheticbroad" in data["train"].names[0]


def test_an_unknown_voice_family_is_refused_by_name():
    with pytest.raises(InputError, match="voices"):
        synthesize_digit(1, 8000, voices="wide")
    with pytest.raises(InputError, match="voices"):
        SyntheticDigits(1, 8000, voices="wide")
    with pytest.raises(config.ConfigError, match="synthetic.voices"):
        config.make_config({"synthetic": {"voices": "wide"}})


@pytest.mark.parametrize("change, name", [
    ({"f0": 0.0}, "f0"), ({"vtl": -1.0}, "vtl"), ({"rate": 0.0}, "rate"),
    ({"bandwidth_scale": 0.0}, "bandwidth_scale"), ({"jitter": -0.1}, "jitter"),
    ({"breathiness": -1.0}, "breathiness"), ({"tilt": 1.0}, "tilt"), ({"tilt": -1.5}, "tilt"),
    ({"smoothing": 4}, "smoothing"), ({"smoothing": 0}, "smoothing"),
    ({"timing": (1.2, 0.8)}, "timing"), ({"vowel_shift": {"XX": (1.0, 1.0)}}, "vowel_shift"),
])
def test_a_voice_that_cannot_be_synthesized_is_refused_by_name(change, name):
    with pytest.raises(InputError, match=name):
        dataclasses.replace(PLAIN, **change)


def _word_folder(root, labels):
    """A label folder of one synthetic clip per label, labels named by ``labels[digit]``."""
    from scipy.io import wavfile

    for digit, label in enumerate(labels):
        (root / label).mkdir(parents=True)
        clip = synthesize_digit(digit, 8000, 3, 0)
        wavfile.write(root / label / "a.wav", 8000, (clip * 20000).astype(np.int16))
    return root


def test_synthetic_words_are_mixed_under_a_label_folder_s_own_class_names(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("MINIGRU_CACHE", str(tmp_path / "cache"))
    from minigru.data.synthetic import DIGIT_WORDS

    root = _word_folder(tmp_path / "words", DIGIT_WORDS)
    cfg = config.make_config({"data": "folder", "data_dir": str(root), "augment": "none",
                              "mix_synthetic": 1})
    train = datasets.make_datasets(cfg)["train"]
    assert train.classes == sorted(DIGIT_WORDS)
    mixed = [i for i, n in enumerate(train.names) if "_synthetic" in n]
    assert len(mixed) == 10
    for i in mixed:
        digit = int(train.names[i].split("_")[0])
        assert train.classes[train.labels[i]] == DIGIT_WORDS[digit]


@pytest.mark.parametrize("classes", [["a", "b"], ["0", "1", "2", "3", "4", "5", "6", "7", "8",
                                                  "ten"]])
def test_mixing_digits_into_other_classes_is_refused_with_the_classes(classes):
    with pytest.raises(config.ConfigError, match="ten digits.*" + classes[-1]):
        datasets.digit_classes(classes)
    assert datasets.digit_classes([str(d) for d in range(10)][::-1]) == list(range(9, -1, -1))
