"""mg.audio.augment: each transform against the formula in its docstring."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigru.audio import augment as A
from minigru.audio.endpoint import speech_bounds
from minigru.audio.lpc import lpc_envelopes

from .helpers import vowel

SR = 8000


def tone(freq: float, seconds: float = 1.0, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)


def peak_hz(x: np.ndarray, sr: int = SR) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size), 8 * x.size))
    return float(np.argmax(spectrum) * sr / (8 * x.size))


def frame_rms(x: np.ndarray, width: int = 200) -> np.ndarray:
    n = x.size // width * width
    return np.sqrt(np.mean(x[:n].reshape(-1, width) ** 2, axis=1))


@pytest.mark.parametrize("factor", [0.9, 1.1, 1.25])
def test_speed_perturb_scales_frequency_and_duration(factor):
    y = A.speed_perturb(tone(500), factor)
    assert abs(y.size - SR / factor) <= 1
    assert peak_hz(y) == pytest.approx(500 * factor, abs=2)


@pytest.mark.parametrize("factor", [0.9, 0.93, 1.07, 1.1, 1.234])
def test_speed_perturb_is_resample_poly_with_its_default_filter(factor):
    """The filter is designed once per ratio; the result is SciPy's default to the bit."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    x = np.random.default_rng(3).standard_normal(3001)
    ratio = Fraction(factor).limit_denominator(100)
    expected = resample_poly(x, ratio.denominator, ratio.numerator)
    for _ in range(2):
        np.testing.assert_array_equal(A.speed_perturb(x, factor), expected)


@pytest.mark.parametrize("rate", [0.8, 0.9, 1.1, 1.25])
def test_time_stretch_keeps_pitch_and_amplitude(rate):
    y = A.time_stretch(tone(500), rate)
    assert y.size == round(SR / rate)
    assert peak_hz(y) == pytest.approx(500, abs=2)
    rms = frame_rms(y)[1:-1]
    np.testing.assert_allclose(rms, 0.5 / np.sqrt(2), rtol=0.02)


@pytest.mark.parametrize("alpha", [0.9, 1.1, 1.2])
def test_frequency_scale_moves_frequencies_not_duration(alpha):
    y = A.frequency_scale(tone(500), alpha)
    assert y.size == SR
    assert peak_hz(y) == pytest.approx(500 * alpha, abs=3)
    np.testing.assert_allclose(frame_rms(y)[1:-2], 0.5 / np.sqrt(2), rtol=0.03)


@settings(max_examples=40, deadline=None)
@given(snr=st.floats(-10, 40), kind=st.sampled_from(["white", "pink", "brown", "babble"]),
       seed=st.integers(0, 2**31))
def test_add_noise_gives_the_requested_snr(snr, kind, seed):
    rng = np.random.default_rng(seed)
    x = tone(300) * np.hanning(SR)
    noise = A.make_noise(kind, SR, rng, [tone(200), tone(700)])
    y = A.add_noise(x, noise, snr)
    assert A.snr_db(x, y - x) == pytest.approx(snr, abs=0.01)


@pytest.mark.parametrize("make, slope", [(A.white_noise, 0.0), (A.pink_noise, -1.0),
                                         (A.brown_noise, -2.0)])
def test_noise_colours_have_their_spectral_slopes(make, slope):
    n = 2**16
    x = make(n, np.random.default_rng(0))
    assert np.std(x) == pytest.approx(1.0, rel=0.05)
    psd = np.abs(np.fft.rfft(x)) ** 2
    f = np.arange(psd.size)
    bands = np.logspace(1, np.log10(psd.size - 1), 20).astype(int)
    centres = np.sqrt(bands[:-1] * bands[1:])
    power = [psd[a:b].mean() for a, b in zip(bands[:-1], bands[1:], strict=True)]
    fitted = np.polyfit(np.log10(centres), np.log10(power), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.15)
    assert f.size == psd.size


def test_babble_is_made_of_the_other_utterances():
    rng = np.random.default_rng(0)
    b = A.babble_noise(4000, [tone(440, 0.3)], rng, talkers=1)
    assert np.std(b) == pytest.approx(1.0)
    assert peak_hz(b) == pytest.approx(440, abs=3)
    with pytest.raises(ValueError, match="others"):
        A.babble_noise(100, [], rng)
    with pytest.raises(ValueError, match="talkers"):
        A.babble_noise(100, [tone(440)], rng, talkers=0)


def test_gain_dc_and_shift():
    x = np.array([0.1, -0.2, 0.3, 0.4])
    np.testing.assert_allclose(A.apply_gain(x, 20.0), 10 * x)
    np.testing.assert_allclose(A.apply_gain(x, -6.0), x * 10 ** (-0.3))
    np.testing.assert_allclose(A.add_dc(x, 0.05), x + 0.05)
    np.testing.assert_array_equal(A.time_shift(x, 1), [0, 0.1, -0.2, 0.3])
    np.testing.assert_array_equal(A.time_shift(x, -2), [0.3, 0.4, 0, 0])
    np.testing.assert_array_equal(A.time_shift(x, 9), [0, 0, 0, 0])
    np.testing.assert_array_equal(A.time_shift(x, 0), x)


def test_overdrive_clips_the_loudest_fraction_at_full_scale():
    x = np.array([0.1, -0.5, 0.2, 0.4, -0.05, 0.3, -0.25, 0.15, 0.35, 0.0])
    y = A.overdrive(x, 0.2)
    np.testing.assert_allclose(y, np.clip(x / 0.35, -1, 1))
    np.testing.assert_array_equal(np.flatnonzero(np.abs(y) == 1.0), [1, 3, 8])
    np.testing.assert_allclose(A.overdrive(x, 0.0), x / 0.5)
    np.testing.assert_array_equal(A.overdrive(np.zeros(5), 0.1), np.zeros(5))
    rng = np.random.default_rng(0)
    speech = tone(200, 0.5) * rng.uniform(0.2, 1.0, tone(200, 0.5).size)
    for fraction in (0.01, 0.1, 0.3):
        clipped = np.mean(A.overdrive(speech, fraction) == 1.0) + np.mean(
            A.overdrive(speech, fraction) == -1.0)
        assert clipped == pytest.approx(fraction, abs=1.5 / speech.size)
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="overdrive: fraction"):
            A.overdrive(x, bad)


def f0_hz(x: np.ndarray, sr: int = SR) -> float:
    middle = x[x.size // 8:-x.size // 8]
    r = np.correlate(middle, middle, mode="full")[middle.size - 1:]
    low, high = sr // 400, sr // 60
    return sr / (low + int(np.argmax(r[low:high])))


def formants_hz(x: np.ndarray, sr: int = SR) -> np.ndarray:
    """The pole frequencies of the envelope in the middle of ``x``, sharpest three."""
    envelopes, _ = lpc_envelopes(x, sr, order=10)
    poles = [z for z in np.roots(envelopes[len(envelopes) // 2]) if z.imag > 0]
    poles = sorted(poles, key=abs)[-3:]
    return np.sort(np.angle(poles) * sr / (2 * np.pi))


@pytest.mark.parametrize("method", ["psola", "wsola"])
@pytest.mark.parametrize("factor", [0.8, 1.1, 1.25])
def test_pitch_shift_moves_the_pitch_and_keeps_the_formants(factor, method):
    x = vowel(100)
    y = A.pitch_shift(x, SR, factor, method=method)
    assert y.shape == x.shape
    assert A.power(y) == pytest.approx(A.power(x), rel=1e-12)
    assert f0_hz(y) == pytest.approx(100 * factor, rel=0.02)
    np.testing.assert_allclose(formants_hz(x), [700, 1200, 2600], rtol=0.01)
    np.testing.assert_allclose(formants_hz(y), formants_hz(x), rtol=0.04)
    # frequency_scale, by contrast, moves the formants with the pitch
    scaled = A.frequency_scale(x, factor)
    assert f0_hz(scaled) == pytest.approx(100 * factor, rel=0.02)
    np.testing.assert_allclose(formants_hz(scaled), factor * formants_hz(x), rtol=0.04)


def test_pitch_shift_by_one_is_the_signal():
    x = vowel(120, 0.3)
    np.testing.assert_array_equal(A.pitch_shift(x, SR, 1.0), x)


def test_a_policy_shifts_the_pitch_by_its_drawn_factor():
    x = vowel(110, 0.4)
    recipe = A.Policy("pitch", p_pitch=1.0, pitch=(0.9, 1.2))
    out = A.augment(x, SR, recipe, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    rng.random(), rng.random(), rng.random()  # speed and VTLP not drawn; pitch drawn
    factor = rng.uniform(0.9, 1.2)
    expected = np.clip(A.pitch_shift(x, SR, factor), -1, 1).astype(np.float32)
    np.testing.assert_array_equal(out, expected)


def test_truncate_word_cuts_the_stated_fractions_of_the_speech():
    word = tone(300, 0.4) * np.hanning(int(0.4 * SR))
    x = np.concatenate([np.zeros(SR // 2), word, np.zeros(SR // 4)])
    start, end = speech_bounds(x, SR)
    n = end - start
    out = A.truncate_word(x, SR, 0.1, 0.25)
    np.testing.assert_array_equal(out, x[start + int(0.1 * n):end - int(0.25 * n)])
    assert out.size == n - int(0.1 * n) - int(0.25 * n)
    np.testing.assert_array_equal(A.truncate_word(x, SR, 0.0, 0.0), x[start:end])
    # the silence around a word does not change what is cut from it
    np.testing.assert_array_equal(A.truncate_word(x[SR // 4:], SR, 0.1, 0.25), out)


def test_a_policy_truncates_with_its_drawn_fractions():
    x = tone(300, 0.4) * np.hanning(int(0.4 * SR))
    recipe = A.Policy("cut", p_truncate=1.0, truncate=0.2)
    out = A.augment(x, SR, recipe, np.random.default_rng(4))
    rng = np.random.default_rng(4)
    rng.random(), rng.random(), rng.random()  # speed and VTLP not drawn; truncation drawn
    head, tail = rng.uniform(0, 0.2), rng.uniform(0, 0.2)
    np.testing.assert_array_equal(out, A.truncate_word(x, SR, head, tail).astype(np.float32))
    assert 0.6 * x.size < out.size < x.size


def test_a_policy_overdrives_with_its_drawn_fraction():
    x = tone(300, 0.4) * np.hanning(int(0.4 * SR))
    recipe = A.Policy("loud", p_clip=1.0, clip=(0.02, 0.2))
    out = A.augment(x, SR, recipe, np.random.default_rng(6))
    rng = np.random.default_rng(6)
    for _ in range(5):  # speed, VTLP, reverberation, telephone and noise not drawn
        rng.random()
    rng.random()  # the overdrive drawn
    fraction = rng.uniform(0.02, 0.2)
    np.testing.assert_array_equal(out, A.overdrive(x, fraction).astype(np.float32))
    assert 0.02 <= np.mean(np.abs(out) == 1.0) <= 0.2


def test_mu_law_round_trip():
    x = np.linspace(-1, 1, 2001)
    y = A.mu_law(x)
    assert y[0] == -1.0 and y[-1] == 1.0 and A.mu_law(np.array([0.0]))[0] == 0.0
    assert np.all(np.diff(y) >= 0)
    # half a code step (1/127 of F) times dx/dF = ln(256) (1 + 255 |x|) / 255, with slack
    bound = 1.05 * np.log(256) * (1 + 255 * np.abs(x)) / 255 / 254 + 1e-12
    assert np.all(np.abs(y - x) <= bound)
    quiet = A.mu_law(np.array([0.001]))[0]
    assert abs(quiet - 0.001) < 2e-4


def test_telephone_passes_speech_band_and_cuts_outside():
    def gain_db(freq: float, sr: int = 16000) -> float:
        x = tone(freq, 1.0, sr, 0.5)
        y = A.telephone(x, sr)
        return 20 * np.log10(np.std(y[2000:-2000]) / np.std(x[2000:-2000]))

    assert abs(gain_db(1000)) < 0.5
    assert gain_db(100) < -15
    assert gain_db(6000) < -20
    assert A.telephone(tone(1000), SR).size == SR


def test_telephone_is_the_documented_filter_then_mu_law():
    from scipy.signal import butter, sosfiltfilt

    x = np.random.default_rng(4).standard_normal(4000)
    band = sosfiltfilt(butter(4, [300, 3400], btype="bandpass", fs=SR, output="sos"), x)
    peak = np.max(np.abs(band))
    for _ in range(2):
        np.testing.assert_array_equal(A.telephone(x, SR), A.mu_law(band / peak) * peak)


def schroeder_rt60(h: np.ndarray, sr: int) -> float:
    """RT60 from the backward-integrated energy decay between -5 and -25 dB (x3)."""
    edc = np.cumsum(h[::-1] ** 2)[::-1]
    db = 10 * np.log10(edc / edc[0])
    i5, i25 = np.argmax(db <= -5), np.argmax(db <= -25)
    return 3 * (i25 - i5) / sr


@pytest.mark.parametrize("rt60", [0.2, 0.5, 1.0])
def test_room_impulse_response_decays_60_db_in_rt60(rt60):
    h = A.room_impulse_response(16000, rt60, np.random.default_rng(1))
    assert h[0] == 1.0 and h.size == round(rt60 * 16000)
    assert np.sum(h[1:] ** 2) == pytest.approx(1.0)
    tail = h[1:]
    assert schroeder_rt60(np.concatenate([[0.0], tail]), 16000) == pytest.approx(rt60, rel=0.1)


def test_reverberate_keeps_length_and_power():
    x = tone(400) * np.hanning(SR)
    np.testing.assert_allclose(A.reverberate(x, np.array([1.0])), x)
    y = A.reverberate(x, A.room_impulse_response(SR, 0.4, np.random.default_rng(0)))
    assert y.size == x.size
    assert A.power(y) == pytest.approx(A.power(x))


def test_spec_augment_masks():
    f = np.ones((100, 26), dtype=np.float32)
    out = A.spec_augment(f, np.random.default_rng(0), time_masks=1, max_time=10,
                         freq_masks=1, max_freq=4)
    assert np.all(f == 1)
    masked_rows = np.flatnonzero(np.all(out == 0, axis=1))
    masked_cols = np.flatnonzero(np.all(out == 0, axis=0))
    assert masked_rows.size <= 10 and masked_cols.size <= 4
    assert np.array_equal(masked_rows, np.arange(masked_rows.min(), masked_rows.max() + 1)) \
        if masked_rows.size else True
    zeros = (out == 0).sum()
    assert zeros == masked_rows.size * 26 + masked_cols.size * 100 - \
        masked_rows.size * masked_cols.size
    again = A.spec_augment(f, np.random.default_rng(0), time_masks=1, max_time=10,
                           freq_masks=1, max_freq=4)
    np.testing.assert_array_equal(out, again)
    assert np.array_equal(A.spec_augment(f, np.random.default_rng(0), 0, 0, 0, 0), f)


def test_augment_is_reproducible_and_copies_differ():
    x = tone(300) * np.hanning(SR)
    a = A.augment(x, SR, "strong", A.utterance_rng(3, 1, 7), [tone(200)])
    b = A.augment(x, SR, "strong", A.utterance_rng(3, 1, 7), [tone(200)])
    c = A.augment(x, SR, "strong", A.utterance_rng(3, 2, 7), [tone(200)])
    assert a.dtype == np.float32 and a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert np.max(np.abs(a)) <= 1.0
    np.testing.assert_array_equal(A.augment(x, SR, "none", A.utterance_rng(0, 0, 0)),
                                  x.astype(np.float32))


def test_augment_is_the_same_in_another_process():
    code = ("import numpy as np, hashlib; from minigru.audio import augment as A; "
            "x = np.sin(np.arange(8000) * 0.3) * np.hanning(8000); "
            "print(hashlib.sha256(A.augment(x, 8000, 'strong', A.utterance_rng(5, 1, 2), "
            "[np.cos(np.arange(4000) * 0.1)]).tobytes()).hexdigest())")
    x = np.sin(np.arange(8000) * 0.3) * np.hanning(8000)
    import hashlib

    here = hashlib.sha256(A.augment(x, 8000, "strong", A.utterance_rng(5, 1, 2),
                                    [np.cos(np.arange(4000) * 0.1)]).tobytes()).hexdigest()
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert here == there


@pytest.mark.parametrize("call, name", [
    (lambda: A.speed_perturb(tone(100), 3.0), "factor"),
    (lambda: A.speed_perturb(np.zeros((2, 3)), 1.1), "x"),
    (lambda: A.time_stretch(tone(100), 0.1), "rate"),
    (lambda: A.frequency_scale(tone(100), 2.0), "alpha"),
    (lambda: A.pitch_shift(tone(100), SR, 0.5), "factor"),
    (lambda: A.pitch_shift(tone(100), SR, float("nan")), "factor"),
    (lambda: A.pitch_shift(np.full(100, np.nan), SR, 1.2), "x: the signal holds NaN"),
    (lambda: A.speed_perturb(np.array([0.1, np.inf]), 1.1),
     "speed_perturb: x: the signal holds NaN"),
    (lambda: A.add_noise(tone(100), np.full(10, np.nan), 10),
     "add_noise: noise: the signal holds NaN"),
    (lambda: A.augment(np.array([0.0, np.nan]), SR, "light", np.random.default_rng()),
     "augment: x: the signal holds NaN"),
    (lambda: A.add_noise(tone(100), np.zeros(10), 10), "noise"),
    (lambda: A.add_noise(tone(100), tone(50), float("nan")), "snr"),
    (lambda: A.telephone(tone(100), -5), "sample_rate"),
    (lambda: A.room_impulse_response(SR, 0.0, np.random.default_rng()), "rt60"),
    (lambda: A.truncate_word(tone(100), SR, 0.5, 0.0), "head"),
    (lambda: A.truncate_word(tone(100), SR, 0.0, -0.1), "tail"),
    (lambda: A.spec_augment(np.zeros(5), np.random.default_rng()), "features"),
    (lambda: A.spec_augment(np.zeros((5, 2)), np.random.default_rng(), -1), "time_masks"),
    (lambda: A.policy("loud"), "augment"),
    (lambda: A.make_noise("purple", 10, np.random.default_rng()), "kind"),
    (lambda: A.augment(np.array([]), SR, "light", np.random.default_rng()), "empty"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("snr", [10.0, 25.0, 40.0])
def test_dither_is_the_seeds_white_noise_at_the_requested_snr(snr):
    x = tone(300) * np.hanning(SR)
    y = A.dither(x, snr)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert A.snr_db(x, y.astype(np.float64) - x) == pytest.approx(snr, abs=0.01)
    w = np.random.default_rng(0).standard_normal(SR)
    expected = x + w * np.sqrt(np.mean(x ** 2) / (np.mean(w ** 2) * 10 ** (snr / 10)))
    np.testing.assert_allclose(y, expected.astype(np.float32), rtol=0, atol=1e-7)
    np.testing.assert_array_equal(A.dither(x, snr), y)
    other = A.dither(x, snr, 7).astype(np.float64) - x
    assert abs(np.corrcoef(other, y.astype(np.float64) - x)[0, 1]) < 0.05
    # another signal with the same seed gets the same noise sequence, at its own power
    z = A.dither(2 * x[:1000], snr).astype(np.float64) - 2 * x[:1000]
    noise = y[:1000].astype(np.float64) - x[:1000]
    corr = np.dot(z, noise) / np.sqrt(np.dot(z, z) * np.dot(noise, noise))
    assert corr > 0.999


def test_dither_leaves_silence_and_refuses_a_bad_snr():
    np.testing.assert_array_equal(A.dither(np.zeros(100), 20.0), np.zeros(100))
    with pytest.raises(ValueError, match="snr"):
        A.dither(tone(100), float("inf"))
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="seed"):
            A.dither(tone(100), 20.0, bad)
    with pytest.raises(ValueError, match="x"):
        A.dither(np.zeros((2, 3)), 20.0)


def test_the_noisy_policy_is_strong_with_more_noise_and_shorter_vocal_tracts():
    strong, noisy = A.policy("strong"), A.policy("noisy")
    assert (noisy.p_noise, noisy.snr, noisy.vtlp) == (0.8, (0.0, 20.0), (0.9, 1.25))
    assert dataclasses.replace(noisy, name="strong", p_noise=0.7, snr=(5.0, 30.0),
                               vtlp=(0.9, 1.1)) == strong


@pytest.mark.parametrize("bad", [np.zeros((2, 400)), np.array([]), np.full(400, np.nan),
                                 np.array(["a", "b"])], ids=["2-D", "empty", "NaN", "strings"])
def test_a_bad_signal_gets_the_same_words_everywhere(bad):
    """Augmentation, linear prediction, pitch and the MFCC front end check a signal with one
    function: the same exception and message, after the name of the call and argument."""
    from minigru.audio import mfcc
    from minigru.audio.pitch import pitch_track

    calls = {"speed_perturb: x": lambda: A.speed_perturb(bad, 1.1),
             "lpc_envelopes: x": lambda: lpc_envelopes(bad, SR),
             "pitch_track: x": lambda: pitch_track(bad, SR),
             "signal": lambda: mfcc(bad, SR)}
    answers = set()
    for name, call in calls.items():
        with pytest.raises(ValueError) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(name + ": "), message
        answers.add((type(caught.value), message[len(name) + 2:]))
    assert len(answers) == 1, answers
