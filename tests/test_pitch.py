"""mg.audio.pitch: the pitch track, the glottal-pulse marks and pitch-synchronous overlap-add,
each against the rule in its docstring."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from minigru.audio import augment as A
from minigru.audio import load_wav
from minigru.audio.pitch import _smoothed, pitch_marks, pitch_track, psola
from minigru.errors import InputError

from .helpers import vocal_tract, vowel

SR = 8000
FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"


@pytest.mark.parametrize("method", ["pyin", "yin"])
@pytest.mark.parametrize("f0, sr", [(100, 8000), (160, 8000), (125, 16000), (80, 16000)])
def test_pitch_track_finds_the_pitch_of_a_vowel(f0, sr, method):
    track, hop = pitch_track(vowel(f0, 0.5, sr), sr, method=method)
    assert hop == sr // 100 and track.size == 50
    middle = track[3:-3]
    period = round(sr / f0)
    np.testing.assert_allclose(middle, sr / period, rtol=0.005)


@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_the_track_is_aligned_with_its_hops(method):
    x = np.concatenate([np.zeros(2400), vowel(100, 0.4), np.zeros(2400)])
    track, hop = pitch_track(x, SR, method=method)
    voiced = np.flatnonzero(track > 0)
    # the vowel fills hops 30-69; a hop's frame is centred on the hop's middle
    assert voiced[0] == 30 and 66 <= voiced[-1] <= 69
    assert np.all(track[voiced[0]:voiced[-1] + 1] > 0)


@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_silence_and_noise_are_unvoiced(method):
    assert not np.any(pitch_track(np.zeros(4000), SR, method=method)[0])
    for seed in range(3):
        noise = np.random.default_rng(seed).standard_normal(8000)
        assert np.mean(pitch_track(noise, SR, method=method)[0] > 0) < 0.1


@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_a_voice_40_db_below_the_loudest_frame_is_unvoiced(method):
    x = np.concatenate([vowel(100, 0.3), 10 ** (-45 / 20) * vowel(100, 0.3)])
    track, _ = pitch_track(x, SR, method=method)
    assert np.all(track[3:27] > 0) and not np.any(track[33:])


def breathy_glide(f_start: float, f_end: float, seconds: float, snr_db: float,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A vowel (``vocal_tract``'s resonators) whose pitch glides linearly from ``f_start``
    to ``f_end``, in white noise ``snr_db`` below it, and its pitch at every sample."""
    n = int(seconds * SR)
    f = f_start + (f_end - f_start) * np.arange(n) / n
    cycles = np.floor(np.cumsum(f) / SR)
    x = vocal_tract((np.diff(cycles, prepend=0.0) > 0).astype(np.float64), SR)
    noise = np.random.default_rng(seed).standard_normal(n)
    noise *= np.sqrt(np.mean(x ** 2) / np.mean(noise ** 2) * 10 ** (-snr_db / 10))
    return x + noise, f


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pyin_follows_a_breathy_glide_that_yin_breaks_up(seed):
    x, f = breathy_glide(160.0, 100.0, 0.6, 8.0, seed)
    track, hop = pitch_track(x, SR)
    truth = f[np.arange(track.size) * hop + hop // 2]
    np.testing.assert_allclose(track[3:-3], truth[3:-3], rtol=0.015)
    yin, _ = pitch_track(x, SR, method="yin")
    assert np.mean(yin[3:-3] > 0) < 0.8


def test_pyin_takes_the_trough_that_keeps_the_pitch_continuous():
    """Frames whose YIN curves dip to 0.05 at a period of 80 samples and to 0.3 at 40;
    in frame 5 the dip at 40 falls to 0.15, which YIN's threshold of 0.2 takes first."""
    from minigru.audio.pitch import _pyin

    curves = np.ones((10, 135))
    for k in range(10):
        curves[k, 39:42] = [0.5, 0.15 if k == 5 else 0.3, 0.5]
        curves[k, 79:82] = [0.3, 0.05, 0.3]
    track = _pyin(curves, np.ones(10, bool), SR, 20, 134, 60.0, 400.0)
    np.testing.assert_allclose(track, 100.0)


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
@pytest.mark.parametrize("name", ["0_jackson_0.wav", "2_jackson_31.wav", "0_george_0.wav"])
def test_pyin_voices_more_of_a_spoken_digit_without_octave_jumps(name):
    """YIN (threshold 0.2) jumps to about twice or three times these voices' pitch for a few
    hops and leaves others unvoiced; pYIN's track moves at most 4.25 semitones a hop."""
    signal, sr = load_wav(FSDD / name)
    x = np.asarray(signal, dtype=np.float64)
    track, _ = pitch_track(x, sr)
    yin, _ = pitch_track(x, sr, method="yin")
    assert np.count_nonzero(track) > np.count_nonzero(yin)
    steps = np.abs(np.diff(np.log2(track[track > 0])))
    assert steps.max() < 4.25 / 12
    assert np.abs(np.diff(np.log2(yin[yin > 0]))).max() > 0.5
    both = (track > 0) & (yin > 0)
    ratio = track[both] / yin[both]
    close = np.abs(ratio - 1) < 0.1
    assert close.mean() > 0.5 and np.median(np.abs(ratio[close] - 1)) < 0.005


def test_octave_jumps_are_undone_and_short_breaks_bridged():
    np.testing.assert_allclose(_smoothed(np.array([100.0, 101, 204, 100, 49, 100])),
                               [100, 101, 102, 100, 98, 100])
    np.testing.assert_allclose(_smoothed(np.array([100.0, 0, 0, 106, 0, 0, 0, 100])),
                               [100, 102, 104, 106, 0, 0, 0, 100])
    np.testing.assert_allclose(_smoothed(np.array([0.0, 100, 0, 130, 0])),
                               [0, 100, 0, 130, 0])


def test_pitch_marks_fall_on_the_pulses_one_period_apart():
    x = vowel(100, 0.5)
    track, hop = pitch_track(x, SR)
    marks, pulses = pitch_marks(x, SR, track, hop)
    assert marks[0] == 0 and marks[-1] == x.size - 1 and np.all(np.diff(marks) > 0)
    assert np.all(np.diff(marks[pulses]) == 80)
    assert pulses.sum() >= 45
    # the residual peaks at each pulse, where the pulse train has its ones
    assert np.all(marks[pulses] % 80 <= 1)
    first = int(np.argmax(pulses))
    assert first >= 1 and np.all(np.diff(marks[:first + 1]) <= 50)


def test_unvoiced_marks_are_about_5_ms_apart():
    noise = np.random.default_rng(1).standard_normal(4000)
    marks, pulses = pitch_marks(noise, SR, np.zeros(50), 80)
    assert not pulses.any() and marks[0] == 0 and marks[-1] == 3999
    assert np.all(np.abs(np.diff(marks) - 40) <= 1)


@pytest.mark.parametrize("factor", [0.5, 0.8, 1.25, 2.0])
def test_psola_copies_what_has_no_pulses(factor):
    x = np.random.default_rng(2).standard_normal(3000)
    marks, pulses = pitch_marks(x, SR, np.zeros(38), 80)
    np.testing.assert_allclose(psola(x, marks, pulses, factor), x, atol=1e-12)


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_psola_lays_the_pulses_a_period_over_factor_apart(factor):
    x = np.zeros(4000)
    x[200:3800:80] = 1.0
    marks = np.concatenate([[0], np.arange(200, 3800, 80), [3999]])
    pulses = np.isin(marks, np.arange(200, 3800, 80))
    y = psola(x, marks, pulses, factor)
    peaks = np.flatnonzero(y > 0.5)
    spacing = np.diff(peaks[(peaks > 400) & (peaks < 3400)])
    np.testing.assert_allclose(spacing, 80 / factor, atol=1)
    np.testing.assert_allclose(y[peaks[(peaks > 400) & (peaks < 3400)]], 1.0, atol=1e-12)


def test_psola_by_one_is_the_signal():
    x = vowel(100, 0.2)
    marks, pulses = pitch_marks(x, SR, *pitch_track(x, SR))
    np.testing.assert_array_equal(psola(x, marks, pulses, 1.0), x)


def periodicity(x: np.ndarray, lag: int) -> float:
    """The normalised correlation of the middle of ``x`` with itself ``lag`` samples on."""
    m = x[1000:-1000]
    return float(m[:-lag] @ m[lag:] / np.sqrt((m[:-lag] @ m[:-lag]) * (m[lag:] @ m[lag:])))


def envelope_db(x: np.ndarray) -> np.ndarray:
    """The power spectrum of the middle half second, averaged over 202 Hz (two harmonics of
    100 Hz), from 200 to 3,000 Hz."""
    spectrum = np.abs(np.fft.rfft(x[2000:6000] * np.hanning(4000))) ** 2
    return 10 * np.log10(np.convolve(spectrum, np.ones(101) / 101, mode="same")[100:1500])


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_a_shifted_vowel_repeats_at_its_new_period(factor):
    y = A.pitch_shift(vowel(100), SR, factor)
    assert periodicity(y, round(80 / factor)) > 0.9999


@pytest.mark.parametrize("there, back", [(1.25, 0.8), (0.8, 1.25)])
def test_a_shift_and_its_inverse_give_the_vowel_back(there, back):
    x = vowel(100)
    y = A.pitch_shift(A.pitch_shift(x, SR, there), SR, back)
    track, _ = pitch_track(y, SR)
    assert np.all(track[5:-10] > 0)
    np.testing.assert_allclose(track[track > 0], 100, rtol=0.01)
    assert periodicity(y, 80) > 0.97
    change = envelope_db(y) - envelope_db(x)
    assert np.max(np.abs(change - change.mean())) < 3.0


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
@pytest.mark.parametrize("name", ["9_jackson_5.wav", "0_theo_20.wav", "5_george_3.wav"])
@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_a_spoken_digits_pitch_moves_by_the_factor(name, factor):
    signal, sr = load_wav(FSDD / name)
    x = np.asarray(signal, dtype=np.float64)
    before, _ = pitch_track(x, sr)
    after, _ = pitch_track(A.pitch_shift(x, sr, factor), sr)
    both = (before > 0) & (after > 0)
    assert both.sum() >= 10
    assert np.median(after[both] / before[both]) == pytest.approx(factor, rel=0.02)


@pytest.mark.parametrize("call, words", [
    (lambda: pitch_track(np.ones(100), 500), "sample_rate"),
    (lambda: pitch_track(np.ones(100), SR, fmin=300, fmax=200), "fmin"),
    (lambda: pitch_track(np.ones(100), SR, fmax=2500), "fmax"),
    (lambda: pitch_track(np.ones(100), SR, threshold=1.5, method="yin"), "threshold"),
    (lambda: pitch_track(np.ones(100), SR, threshold=0.2), "threshold applies to method='yin'"),
    (lambda: pitch_track(np.ones(100), SR, method="crepe"), "method"),
    (lambda: pitch_track(np.full(100, np.nan), SR), "x: the signal holds NaN"),
    (lambda: pitch_marks(np.ones(100), SR, np.zeros(2), 0), "hop"),
    (lambda: pitch_marks(np.ones(100), SR, np.zeros(1), 80), "f0 must be"),
    (lambda: pitch_marks(np.ones(100), SR, -np.ones(2), 80), "f0 must be"),
    (lambda: pitch_marks(np.ones(100), SR, np.zeros(2), 80, np.ones(99)), "residual"),
    (lambda: psola(np.ones(10), np.array([0, 5]), np.zeros(2, bool), 1.2), "marks"),
    (lambda: psola(np.ones(10), np.array([0, 5, 5, 9]), np.zeros(4, bool), 1.2), "marks"),
    (lambda: psola(np.ones(10), np.array([0.0, 9.0]), np.zeros(2, bool), 1.2), "marks"),
    (lambda: psola(np.ones(10), np.array([0, 9]), np.zeros(3, bool), 1.2), "pulses"),
    (lambda: psola(np.ones(10), np.array([0, 9]), np.zeros(2, bool), 3.0), "factor"),
    (lambda: A.pitch_shift(np.ones(100), SR, 1.2, method="fft"), "method"),
])
def test_bad_input_names_the_argument(call, words):
    with pytest.raises(InputError, match=words):
        call()
