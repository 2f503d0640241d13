"""mg.audio.endpoint: the speech found in padded recordings, and the pipeline's trim."""

from __future__ import annotations

import numpy as np
import pytest

from minigru.audio import FeaturePipeline
from minigru.audio import endpoint as E
from minigru.data.synthetic import synthesize_digit

SR = 8000


def padded(word: np.ndarray, before_s: float, after_s: float, noise_db: float = -60.0,
           seed: int = 0) -> tuple[np.ndarray, int, int]:
    rng = np.random.default_rng(seed)
    a, b = int(before_s * SR), int(after_s * SR)
    x = np.concatenate([np.zeros(a), word, np.zeros(b)])
    x = x + rng.standard_normal(x.size) * 10 ** (noise_db / 20)
    return x, a, a + word.size


@pytest.mark.parametrize("before, after", [(0.5, 0.5), (2.0, 0.7), (1.0, 2.0)])
@pytest.mark.parametrize("noise_db", [-70.0, -50.0])
def test_bounds_of_a_tone_burst_in_silence_and_noise(before, after, noise_db):
    word = 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(0.4 * SR)) / SR)
    x, start, end = padded(word, before, after, noise_db)
    s, e = E.speech_bounds(x, SR)
    if noise_db < -60:  # background far below the threshold: bounds to the sample
        assert start <= s <= start + 3  # the first samples of a sine are near zero
        assert end - 3 <= e <= end
        assert (s - start, e - start) == E.speech_bounds(word, SR)
    else:  # a noise sample may cross the amplitude threshold next to the word
        win = int(E.FRAME_S * SR)
        assert start - win <= s <= start + 3 and end - 3 <= e <= end + win


def test_steady_noise_and_silence_are_left_whole():
    rng = np.random.default_rng(0)
    noise = 0.1 * rng.standard_normal(SR)
    assert E.speech_bounds(noise, SR) == (0, SR)
    assert E.speech_bounds(np.zeros(SR), SR) == (0, SR)
    assert E.is_silent(np.zeros(SR), SR)
    assert not E.is_silent(noise, SR)
    assert E.trim(np.zeros(3), SR).size == 3


def test_frame_energy_matches_its_formula():
    x = np.arange(1000, dtype=float) / 1000
    e = E.frame_energy_db(x, SR)
    win, hop = 200, 80
    assert e.size == 1 + int(np.ceil((1000 - win) / hop))  # 11: the last frame is completed
    np.testing.assert_allclose(e[3], 10 * np.log10(np.mean(x[3 * hop:3 * hop + win] ** 2)
                                                   + 1e-10))
    np.testing.assert_allclose(e[-1], 10 * np.log10(np.sum(x[800:] ** 2) / win + 1e-10))
    with pytest.raises(ValueError, match="sample_rate"):
        E.frame_energy_db(x, 0)
    with pytest.raises(ValueError, match="signal"):
        E.frame_energy_db(np.zeros((2, 2)), SR)


def test_a_gain_moves_no_bound():
    """Every comparison is a ratio to the loudest frame: the quiet copy of a word over faint
    noise is trimmed to the same samples, down to -60 dB (with the energies' absolute
    1e-10 floor, the quiet frames of the -30 dB copy would fall differently)."""
    word = synthesize_digit(6, SR, 0, 0, (20.0, 30.0))
    x, _, _ = padded(word, 0.3, 0.4, noise_db=-75.0)
    bounds = E.speech_bounds(x, SR)
    for db in (-60.0, -30.0, 10.0):
        assert E.speech_bounds(x * 10 ** (db / 20), SR) == bounds, db
    np.testing.assert_allclose(E.frame_power(x, SR)[:3], [np.mean(x[i * 80:i * 80 + 200] ** 2)
                                                           for i in range(3)], rtol=1e-9)
    with pytest.raises(ValueError, match="frame_power: signal must be 1-D"):
        E.frame_power(np.zeros((2, 2)), SR)


@pytest.mark.parametrize("digit", [0, 6, 7])
def test_trim_makes_a_padded_word_look_like_the_word(digit):
    word = synthesize_digit(digit, SR, seed=3, take=1, snr_db=(40.0, 40.0)).astype(np.float64)
    word = word[E.speech_bounds(word, SR)[0]:E.speech_bounds(word, SR)[1]]
    pipe = FeaturePipeline(trim=True, cmvn=True, sample_rate=SR)
    alone = pipe(word, SR)
    for before, after in ((0.5, 0.5), (2.0, 1.0)):
        x, _, _ = padded(word, before, after, noise_db=-75.0)
        f = pipe(x, SR)
        untrimmed = FeaturePipeline(cmvn=True, sample_rate=SR)(x, SR)
        assert abs(f.shape[0] - alone.shape[0]) <= 1
        assert untrimmed.shape[0] > alone.shape[0] + 90
        n = min(f.shape[0], alone.shape[0])
        assert np.mean(np.abs(f[:n].mean(0) - alone[:n].mean(0))) < 0.05


def test_trim_is_a_pipeline_setting_that_round_trips():
    p = FeaturePipeline(trim=True)
    assert FeaturePipeline.from_dict(p.to_dict()) == p
    assert FeaturePipeline.from_dict({"preset": None}).trim is False
    with pytest.raises(ValueError, match="trim"):
        FeaturePipeline(trim="yes")
