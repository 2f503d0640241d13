"""mg.audio.endpoint: the speech found in padded recordings, and the pipeline's trim."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from minigru.audio import FeaturePipeline
from minigru.audio import endpoint as E
from minigru.data.synthetic import synthesize_digit
from minigru.errors import InputError

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


def in_room(word: np.ndarray, kind: str, snr_db: float, seed: int = 0,
            pad_s: float = 1.0) -> tuple[np.ndarray, int, int]:
    """``word`` with ``pad_s`` of silence on each side and steady noise of ``kind`` over the
    whole, ``snr_db`` below the word's power."""
    from minigru.audio.augment import make_noise
    rng = np.random.default_rng(seed)
    a = int(pad_s * SR)
    noise = make_noise(kind, word.size + 2 * a, rng)
    noise *= np.sqrt(np.mean(word ** 2) * 10 ** (-snr_db / 10))
    return np.pad(word, a) + noise, a, a + word.size


@pytest.mark.parametrize("kind, snr_db", [("white", 30.0), ("white", 20.0), ("pink", 30.0),
                                          ("pink", 20.0), ("brown", 30.0)])
@pytest.mark.parametrize("digit", [0, 6, 8])
def test_a_word_in_steady_room_noise_is_cut_from_it(kind, snr_db, digit):
    """Noise 20-30 dB below the word is within 35 dB of its loudest frame, so the ratio to
    the loudest frame alone keeps all of it; the steady floor finds the word within a few
    frames of where it lies, and its features are those of the word in that noise, not of
    2 s of noise around it."""
    word = synthesize_digit(digit, SR, seed=3, take=1, snr_db=(60.0, 60.0)).astype(np.float64)
    s0, e0 = E.speech_bounds(word, SR)
    word = word[s0:e0]
    x, start, end = in_room(word, kind, snr_db, seed=digit)
    s, e = E.speech_bounds(x, SR)
    slack = int(0.06 * SR)
    assert start - slack <= s and e <= end + slack, (s - start, e - end)
    assert e - s >= 0.7 * word.size  # only the word's faint edges may fall under the floor
    floor = E.noise_floor(E.band_power(x, SR))
    assert floor is not None
    pipe = FeaturePipeline(trim=True, cmvn=True, sample_rate=SR)
    assert pipe(x, SR).shape[0] < pipe(word, SR).shape[0] + 12


@pytest.mark.parametrize("kind, snr_db", [("white", 10.0), ("white", 15.0), ("pink", 10.0)])
def test_a_word_close_to_the_floor_keeps_its_onset_and_decay(kind, snr_db, monkeypatch):
    """With noise 10-15 dB below the word, its onset and decay rise less than 3 dB above the
    floor: the run of frames found 3 dB above it grows back over them down to the floor's
    loudest frame (``FLOOR_RELEASE_DB``), so all of the word is kept and at most 60 ms of
    the noise beside it. Without the release (ending at 3 dB too), "three", "four" and "five"
    in white noise at 10 dB lose a fifth of the word or more."""
    covered = {}
    released = E.FLOOR_RELEASE_DB
    for release in (E.FLOOR_MARGIN_DB, released):
        monkeypatch.setattr(E, "FLOOR_RELEASE_DB", release)
        for digit in range(10):
            word = synthesize_digit(digit, SR, seed=3, take=1,
                                    snr_db=(60.0, 60.0)).astype(np.float64)
            word = E.trim(word, SR)
            x, start, end = in_room(word, kind, snr_db, seed=digit)
            s, e = E.speech_bounds(x, SR)
            covered[release, digit] = (min(e, end) - max(s, start)) / word.size
            if release == released:
                slack = int(0.06 * SR)
                assert start - slack <= s <= start and end <= e <= end + slack, (digit, s - start,
                                                                                 e - end)
    assert all(covered[released, d] == 1.0 for d in range(10))
    if (kind, snr_db) == ("white", 10.0):
        assert all(covered[E.FLOOR_MARGIN_DB, d] < 0.8 for d in (3, 4, 5))


def test_the_release_grows_the_run_over_adjacent_kept_frames_only():
    run = np.array([0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)
    keep = np.array([1, 0, 1, 1, 1, 1, 0, 1], dtype=bool)
    np.testing.assert_array_equal(E._released(run, keep), [0, 0, 1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(E._released(run, np.ones(8, bool)), np.ones(8, bool))
    np.testing.assert_array_equal(E._released(run, np.zeros(8, bool)), run)


def test_the_floor_is_the_quietest_steady_window():
    rng = np.random.default_rng(1)
    band = np.concatenate([0.8 + 0.1 * rng.random(30), 100.0 + rng.random(20),
                           0.5 + 0.1 * rng.random(45)])
    band[55] = 2.0  # a window holding it is not steady (2 / 0.6 is more than 6 dB)
    mean, top, start = E.noise_floor(band)
    windows = [band[i:i + E.FLOOR_FRAMES] for i in range(band.size - E.FLOOR_FRAMES + 1)]
    steady = [w for w in windows if w.max() <= w.min() * 10 ** (E.STEADY_DB / 10)]
    best = min(steady, key=np.mean)
    assert (mean, top) == (np.mean(best), np.max(best))
    assert np.array_equal(band[start:start + E.FLOOR_FRAMES], best)
    assert 0.5 <= mean < 0.6
    assert E.noise_floor(band[:E.FLOOR_FRAMES - 1]) is None  # shorter than a window
    assert E.noise_floor(np.full(40, 3.0)) is None  # steady, but not below the loudest frame
    with pytest.raises(ValueError, match="noise_floor: band must be 1-D"):
        E.noise_floor(np.zeros((2, 30)))


def test_band_power_is_the_high_passed_frame_power():
    from scipy.signal import butter, sosfilt
    rng = np.random.default_rng(2)
    x = rng.standard_normal(4000)
    sos = butter(4, E.BAND_HZ, "highpass", fs=SR, output="sos")
    np.testing.assert_allclose(E.band_power(x, SR), E.frame_power(sosfilt(sos, x), SR),
                               rtol=1e-12)
    hum = np.sin(2 * np.pi * 50 * np.arange(4000) / SR)
    steady = E.band_power(hum, SR)[5:-1]  # past the filter's start from rest
    assert np.all(steady < 10 ** (-3.5) * E.frame_power(hum, SR)[5:-1])  # mains hum: < -35 dB
    np.testing.assert_array_equal(E.band_power(x[:50], 200), E.frame_power(x[:50], 200))
    with pytest.raises(ValueError, match="sample_rate"):
        E.band_power(x, 0)
    with pytest.raises(ValueError, match="signal must be 1-D"):
        E.band_power(np.zeros((2, 400)), SR)


def test_a_tight_word_is_trimmed_by_the_loudest_frame_alone():
    """A word cut tightly (every FSDD clip, and these) has no steady 0.2 s below it, so the
    floor plays no part and the bounds are those of the 35 dB rule."""
    for digit in range(10):
        word = synthesize_digit(digit, SR, seed=5, take=0, snr_db=(40.0, 40.0))
        power = E.frame_power(word, SR)
        speech = np.flatnonzero(power >= power.max() * 10 ** (-E.TOP_DB / 10))
        s, e = E.speech_bounds(word, SR)
        assert speech[0] * 80 <= s < speech[0] * 80 + 200
        assert speech[-1] * 80 < e <= speech[-1] * 80 + 200


def test_digital_silence_is_no_floor():
    """A recording whose own room tail is its floor keeps that floor when zeros are put
    around it (the zeros' frames are not steady noise), so it is trimmed to the same
    samples; and the tail itself is cut away."""
    from minigru.audio.augment import make_noise
    word = synthesize_digit(2, SR, seed=4, take=0, snr_db=(60.0, 60.0)).astype(np.float64)
    word = E.trim(word, SR)
    tail = make_noise("pink", int(0.4 * SR), np.random.default_rng(3))
    tail *= np.sqrt(np.mean(word ** 2) * 10 ** (-25 / 10))
    x = np.concatenate([word, tail])
    x[:word.size] += make_noise("pink", word.size, np.random.default_rng(4)) * np.std(tail)
    s, e = E.speech_bounds(x, SR)
    assert e <= word.size + int(0.06 * SR)
    assert E.noise_floor(E.band_power(x, SR)) is not None
    for before, after in ((0.5, 0.5), (0.0, 1.0), (1.3, 0.0)):
        a = int(before * SR)
        padded = np.concatenate([np.zeros(a), x, np.zeros(int(after * SR))])
        assert E.speech_bounds(padded, SR) == (s + a, e + a), (before, after)


# ----------------------------------------------------------------------------- the high-pass

@pytest.mark.parametrize("rate", [400, 8000, 11025, 16000, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("order", [2, 4, 6, 8])
def test_butter_highpass_is_scipys_design_to_the_bit(rate, order):
    from scipy.signal import butter

    from minigru.audio.iir import butter_highpass

    np.testing.assert_array_equal(butter_highpass(order, 150.0, rate),
                                  butter(order, 150.0, "highpass", fs=rate, output="sos"))


def test_butter_highpass_response_by_its_definition():
    """|H| at the cutoff is 1/sqrt(2), and the Butterworth magnitude 1/sqrt(1 + (W/w)^(2N))
    holds at other frequencies, with w and W pre-warped: tan(pi f / f_s)."""
    from minigru.audio.iir import butter_highpass

    sos, rate, cut = butter_highpass(4, 150.0, 8000), 8000, 150.0
    for f in (50.0, 100.0, 150.0, 300.0, 1000.0, 3000.0):
        z = np.exp(-2j * np.pi * f / rate)
        h = np.prod([(s[0] + s[1] * z + s[2] * z**2) / (s[3] + s[4] * z + s[5] * z**2)
                     for s in sos])
        ratio = np.tan(np.pi * cut / rate) / np.tan(np.pi * f / rate)
        assert abs(h) == pytest.approx(1 / np.sqrt(1 + ratio**8), rel=1e-12)


def test_sosfilt_runs_the_sections_as_scipy_does():
    from scipy.signal import butter, sosfilt

    from minigru.audio import iir

    x = np.random.default_rng(3).standard_normal(5000)
    for sos in (butter(4, 150.0, "highpass", fs=8000, output="sos"),
                butter(6, [300.0, 3400.0], "bandpass", fs=16000, output="sos")):
        np.testing.assert_array_equal(iir.sosfilt(sos, x), sosfilt(sos, x))
    np.testing.assert_array_equal(iir.sosfilt(sos, x.astype(np.float32)),
                                  sosfilt(sos, x.astype(np.float32).astype(np.float64)))


@pytest.mark.parametrize("args, match", [
    ((3, 150.0, 8000), "order must be a positive even integer"),
    ((0, 150.0, 8000), "order"), ((True, 150.0, 8000), "order"),
    ((4, 4000.0, 8000), "cutoff must be between 0 and the Nyquist frequency 4000 Hz"),
    ((4, -1.0, 8000), "cutoff"), ((4, 150.0, 0), "sample_rate must be positive"),
    ((4, 150.0, float("nan")), "sample_rate"),
])
def test_butter_highpass_bad_arguments_are_named(args, match):
    from minigru.audio.iir import butter_highpass
    from minigru.errors import InputError

    with pytest.raises(InputError, match=match):
        butter_highpass(*args)


def test_trimming_does_not_import_scipy_signal():
    """Importing scipy.signal takes about half a second, more than the rest of a one-file
    prediction: the endpointing that every prediction runs does without it."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from minigru.audio import endpoint as E; "
            "x = np.sin(np.arange(8000) / 3.0) * (np.arange(8000) > 3000); "
            "print(E.speech_bounds(x, 8000), 'scipy.signal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "False"


def words_apart(digits, gap_s: float, seed: int = 3) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Synthetic words trimmed to themselves, joined by ``gap_s`` of silence, and where each
    lies (sample bounds)."""
    parts, where, at = [], [], 0
    for k, d in enumerate(digits):
        w = synthesize_digit(d, SR, seed=seed + k, take=1, snr_db=(60.0, 60.0))
        w = E.trim(w.astype(np.float64), SR)
        gap = np.zeros(int(gap_s * SR)) if k else np.zeros(0)
        parts += [gap, w]
        at += gap.size
        where.append((at, at + w.size))
        at += w.size
    return np.concatenate(parts), where


def test_speech_runs_find_each_word_of_a_recording():
    x, where = words_apart([1, 2, 3], 0.5)
    runs = E.speech_runs(x, SR)
    assert len(runs) == 3
    for (s, e), (a, b) in zip(runs, where, strict=True):
        assert a <= s <= a + 0.03 * SR and b - 0.03 * SR <= e <= b
    # the same samples as the word's own trimming, for a word alone
    assert E.speech_runs(x[where[1][0]:where[1][1]], SR) == [
        E.speech_bounds(x[where[1][0]:where[1][1]], SR)]
    # a gain moves no run; nor does silence added around the recording
    assert E.speech_runs(x * 10 ** (-30 / 20), SR) == runs
    pad = int(1.0 * SR)
    assert E.speech_runs(np.pad(x, pad), SR) == [(s + pad, e + pad) for s, e in runs]


def test_speech_runs_in_steady_noise():
    x, where = words_apart([4, 7], 0.6)
    noisy, start, _ = in_room(x, "white", 25.0, seed=1, pad_s=0.5)
    runs = E.speech_runs(noisy, SR)
    assert len(runs) == 2
    slack = 0.06 * SR
    for (s, e), (a, b) in zip(runs, where, strict=True):
        assert abs(s - (a + start)) <= slack and abs(e - (b + start)) <= slack


def test_a_pause_of_a_stop_is_one_run_and_a_click_is_none():
    x, _ = words_apart([5, 9], E.MAX_GAP_FRAMES * E.HOP_S - 0.05)
    assert len(E.speech_runs(x, SR)) == 1
    x, where = words_apart([5], 0.0)
    click = np.zeros(int(0.6 * SR))
    click[int(0.5 * SR):int(0.55 * SR)] = 0.5 * np.abs(x).max() * np.sin(
        np.arange(int(0.05 * SR)))
    runs = E.speech_runs(np.concatenate([x, click]), SR)
    assert runs == E.speech_runs(x, SR) and len(runs) == 1
    assert E.MIN_RUN_FRAMES * E.HOP_S == pytest.approx(0.1)


def with_click(x: np.ndarray, at_s: float, level: float, seed: int = 0) -> np.ndarray:
    """``x`` with a click at ``at_s``: 3 ms of noise decaying with a time constant of 0.8
    ms, whose peak is ``level`` times the peak of ``x``."""
    rng = np.random.default_rng(seed)
    n = int(0.003 * SR)
    burst = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.0008 * SR))
    y = x.copy()
    at = int(at_s * SR)
    y[at:at + n] += burst * level * np.abs(x).max() / np.abs(burst).max()
    return y


@pytest.mark.parametrize("at_s", [0.2, 0.7, 1.8, 2.2])
@pytest.mark.parametrize("level", [0.5, 1.0, 8.0])
def test_a_click_away_from_the_word_is_set_aside(at_s, level):
    """A click more than 0.2 s from the word, as loud as the word or far louder, moves
    neither its bounds nor its runs: the frames of a run shorter than ``MIN_RUN_FRAMES``
    beside a word are taken as silent before the loudest frame is found."""
    word, _ = words_apart([3], 0.0)
    x = np.pad(word, SR)  # the word lies from 1.0 s to at most 1.55 s
    assert 0.1 * SR < word.size < 0.55 * SR
    y = with_click(x, at_s, level)
    assert E.speech_bounds(y, SR) == E.speech_bounds(x, SR)
    assert E.speech_runs(y, SR) == E.speech_runs(x, SR) == [E.speech_bounds(x, SR)]
    pipeline = FeaturePipeline(sample_rate=SR, trim=True)
    assert np.array_equal(pipeline(y, SR), pipeline(x, SR))


@pytest.mark.parametrize("at_s", [0.3, 2.0])
def test_a_loud_click_in_a_noisy_room_is_not_taken_for_the_word(at_s):
    """In steady noise the speech is the run around the loudest frame (step 3), so a click
    louder than the word would be taken for it, and the word left out, were it not set
    aside first."""
    word, _ = words_apart([7], 0.0)
    x, start, end = in_room(word, "white", 20.0, seed=2)
    s, e = E.speech_bounds(with_click(x, at_s, 4.0), SR)
    slack = 0.06 * SR
    assert abs(s - start) <= slack and abs(e - end) <= slack
    assert (s, e) == E.speech_bounds(x, SR)


def test_a_click_next_to_the_word_stays_with_it_and_a_lone_click_is_kept():
    """A click within ``MAX_GAP_FRAMES`` of the word is in the word's run and is kept with
    it; a recording whose every run is short (a click alone) keeps its runs for its bounds,
    and has no word."""
    word, _ = words_apart([3], 0.0)
    x = np.pad(word, SR)
    s, e = E.speech_bounds(x, SR)
    near = e + int(0.1 * SR)
    ns, ne = E.speech_bounds(with_click(x, near / SR, 1.0), SR)
    assert ns == s and near <= ne <= near + int(0.003 * SR)
    lone = np.zeros(SR)
    lone[int(0.5 * SR):int(0.5 * SR) + 24] = np.exp(-np.arange(24) / 6.4)
    ls, le = E.speech_bounds(lone, SR)
    assert int(0.5 * SR) == ls and le <= int(0.5 * SR) + 24
    assert E.speech_runs(lone, SR) == []


def test_silence_has_no_speech_runs_and_bad_input_is_named():
    assert E.speech_runs(np.zeros(SR), SR) == []
    with pytest.raises(InputError, match="without_offset: signal must be 1-D"):
        E.speech_runs(np.zeros((2, SR)), SR)
    with pytest.raises(InputError, match="sample_rate must be a positive integer"):
        E.speech_runs(np.zeros(SR), 0)


FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


@pytest.mark.skipif(not (FSDD / "recordings").is_dir(),
                    reason="../shared/data/fsdd is not beside the repository")
def test_a_click_beside_an_fsdd_word_moves_no_bound():
    """FSDD clips padded with 1 s of silence and given a click 0.3 s or more before or after
    the word, as loud as its peak or four times louder, are trimmed to the samples they are
    trimmed to without it (one clip in 25 of the 2,500)."""
    from minigru.audio import load_wav

    for path in sorted((FSDD / "recordings").glob("*.wav"))[::25]:
        x, rate = load_wav(path)
        assert rate == SR
        y = np.pad(x.astype(np.float64), SR)
        bounds = E.speech_bounds(y, SR)
        for at_s in (0.6, 1.3 + x.size / SR):
            for level in (1.0, 4.0):
                assert E.speech_bounds(with_click(y, at_s, level), SR) == bounds, path.name


@pytest.mark.skipif(not (FSDD / "recordings").is_dir(),
                    reason="../shared/data/fsdd is not beside the repository")
def test_an_fsdd_clip_is_one_run():
    """Of FSDD's 2,500 clips, 2,497 are one run: one "seven" has a pause of 0.27 s inside
    it, and two quiet "six"es have no run of 100 ms."""
    from minigru.audio import load_wav

    counts: dict[int, int] = {}
    odd = []
    for f in sorted((FSDD / "recordings").glob("*.wav")):
        n = len(E.speech_runs(*load_wav(f)))
        counts[n] = counts.get(n, 0) + 1
        if n != 1:
            odd.append(f.name)
    assert counts.get(1, 0) >= 2497 and sum(counts.values()) == 2500, (counts, odd)


def test_digital_silence_is_long_runs_of_zeros_and_zeros_at_the_edges():
    hop = int(E.HOP_S * SR)
    x = np.r_[0.0, 0.0, 0.5, 0.0, -0.5, np.zeros(hop), 0.25, np.zeros(hop - 1), 0.1, 0.0]
    expect = np.r_[True, True, False, False, False, np.ones(hop, bool), False,
                   np.zeros(hop - 1, bool), False, True]
    np.testing.assert_array_equal(E.digital_silence(x, SR), expect)
    assert E.digital_silence(np.zeros(3), SR).all()
    assert E.digital_silence(np.zeros(0), SR).size == 0
    with pytest.raises(InputError, match="digital_silence: sample_rate"):
        E.digital_silence(x, 0)


def test_without_offset_takes_the_mean_away_outside_digital_silence():
    rng = np.random.default_rng(1)
    sound = 0.1 * rng.standard_normal(SR)
    x = np.r_[np.zeros(SR // 2), sound + 0.02, np.zeros(SR // 2)]
    y = E.without_offset(x, SR)
    np.testing.assert_array_equal(y[:SR // 2], 0.0)
    np.testing.assert_array_equal(y[-(SR // 2):], 0.0)
    np.testing.assert_allclose(y[SR // 2:-(SR // 2)], sound + 0.02 - np.mean(sound + 0.02),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(E.without_offset(np.full(SR, 0.3), SR), 0.0, atol=1e-15)
    assert E.is_silent(np.full(SR, 0.3), SR)
    assert E.speech_bounds(np.full(SR, 0.3), SR) == (0, SR)
    assert E.speech_runs(np.full(SR, -0.3), SR) == []
    with pytest.raises(InputError, match="without_offset: sample_rate must be a positive"):
        E.without_offset(x, -1)


def test_an_offset_too_small_to_count_leaves_the_signal_as_it_is():
    """c^2 more than TOP_DB + OFFSET_BELOW_DB below the loudest frame: x itself, so a
    recording without an offset is trimmed to the samples it always was."""
    word = synthesize_digit(4, SR, 0, 0, (20.0, 30.0))
    x, _, _ = padded(word, 0.3, 0.3, noise_db=-70.0)
    loudest = E.frame_power(x - x.mean(), SR).max()
    limit = np.sqrt(loudest * 10 ** (-(E.TOP_DB + E.OFFSET_BELOW_DB) / 10))
    for c in (0.0, 0.5 * limit):
        shifted = x - x.mean() + c
        np.testing.assert_array_equal(E.without_offset(shifted, SR), shifted)
    moved = x - x.mean() + 2 * limit
    np.testing.assert_allclose(E.without_offset(moved, SR), x - x.mean(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("offset", [0.003, 0.01, -0.03])
@pytest.mark.parametrize("noise_db", [-70.0, None])
def test_a_dc_offset_moves_no_bound(offset, noise_db):
    """A word in 0.6 s of quiet room (or of nothing) on each side, the whole recording
    carrying an offset as a cheap sound card adds one: trimmed as without it, to the same
    samples, the offset taken away, and read as the same features. The offset's
    square alone reaches step 2's threshold, so before step 1 the word was kept with all of
    the silence around it."""
    word = synthesize_digit(7, SR, 1, 0, (20.0, 30.0))
    if noise_db is None:
        x = np.pad(word - word.mean(), int(0.6 * SR))
    else:
        x, _, _ = padded(word, 0.6, 0.6, noise_db=noise_db, seed=2)
        x = x - x.mean()
    bounds = E.speech_bounds(x, SR)
    assert bounds[1] - bounds[0] < word.size + int(E.FRAME_S * SR)
    assert offset ** 2 >= E.frame_power(x + offset, SR).max() * 10 ** (-E.TOP_DB / 10)
    assert E.speech_bounds(x + offset, SR) == bounds
    assert len(E.speech_runs(x + offset, SR)) == 1
    pipe = FeaturePipeline(sample_rate=SR, trim=True, dither_db=25.0)
    np.testing.assert_allclose(pipe(x + offset, SR), pipe(x, SR), rtol=0, atol=1e-4)
    np.testing.assert_allclose(E.trim(x + offset, SR), E.trim(x, SR), rtol=0, atol=1e-7)
    assert E.trim((x + offset).astype(np.float32), SR).dtype == np.float32


@pytest.mark.skipif(not (FSDD / "recordings").is_dir(),
                    reason="../shared/data/fsdd is not beside the repository")
def test_an_fsdd_voice_with_an_offset_is_trimmed_alike_padded_or_not():
    """nicolas's recordings carry an offset of about -0.007 (-43 dB): one clip in 10 is
    trimmed to the same samples alone and padded with 1 s of zeros, and within a hop of
    them with 1 s on each side of the recording's own offset and a faint hiss."""
    from minigru.audio import load_wav

    rng = np.random.default_rng(0)
    hop = int(E.HOP_S * SR)
    for path in sorted((FSDD / "recordings").glob("*_nicolas_*.wav"))[::10]:
        x, rate = load_wav(path)
        x = x.astype(np.float64)
        assert rate == SR and -0.009 < x.mean() < -0.005, path.name
        start, end = E.speech_bounds(x, SR)
        assert E.speech_bounds(np.pad(x, SR), SR) == (start + SR, end + SR), path.name
        room = np.full(SR, x.mean()) + 1e-4 * rng.standard_normal(SR)
        s, e = E.speech_bounds(np.r_[room, x, room], SR)
        assert abs(s - SR - start) <= hop and abs(e - SR - end) <= hop, path.name
