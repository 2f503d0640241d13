"""The expected noise floor: what white noise d dB below a signal adds to its mel energies on
average, added without a draw (``MFCCConfig.noise_floor_db``, ``FeaturePipeline(floor=
"expected")``)."""

from __future__ import annotations

import numpy as np
import pytest

import minigru as mg
from minigru.audio import FeaturePipeline, StreamingMFCC, mel_filterbank, noise_mel
from minigru.audio.augment import dither
from minigru.audio.endpoint import trim
from minigru.audio.features import dct, fbank, lifter, mfcc, resolve_config
from minigru.audio.normalize import cmvn, delta
from minigru.errors import InputError

RATE = 8000


def vowel(seconds: float = 0.6, f0: float = 120.0, seed: int = 0) -> np.ndarray:
    """A harmonic tone with an onset and decay, over faint noise (no digital silence)."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 20))
    x = x * np.hanning(t.size) + 1e-4 * np.random.default_rng(seed).standard_normal(t.size)
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def white_noise_spectrum(window: np.ndarray, a: float, n_fft: int) -> np.ndarray:
    """E|X_k|^2 of a windowed frame of unit white noise pre-emphasised by a over the whole
    signal: e_t = n_t - a n_{t-1}, whose autocorrelation is r_0 = 1 + a^2, r_1 = -a, so
    E|X_k|^2 = (1 + a^2) sum_t w_t^2 - 2 a cos(2 pi k / N) sum_t w_t w_{t+1}."""
    k = np.arange(n_fft // 2 + 1)
    return ((1 + a * a) * np.sum(window ** 2)
            - 2 * a * np.cos(2 * np.pi * k / n_fft) * np.sum(window[1:] * window[:-1]))


@pytest.mark.parametrize("preset", [None, "python_speech_features"])
def test_noise_mel_is_the_closed_form_of_white_noise(preset):
    cfg = resolve_config(preset)
    win, _, n_fft = cfg.frame_sizes(RATE)
    w = mg.audio.get_window(cfg.window, win, cfg.window_periodic) * cfg.input_scale
    spectrum = white_noise_spectrum(w, cfg.preemphasis, n_fft)
    if cfg.power_scale == "n_fft":
        spectrum = spectrum / n_fft
    fb = mel_filterbank(RATE, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                        cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    np.testing.assert_allclose(noise_mel(RATE, preset=preset), fb @ spectrum, rtol=1e-12)


def test_noise_mel_of_kaldi_frames_is_the_sum_over_impulses_of_its_matrix():
    """Kaldi removes each frame's mean and pre-emphasises inside the frame: the frame is
    A n with A = g W P D (D = I - 1 1^T / L, P the per-frame pre-emphasis with
    v_0 (1 - a), W the povey window), and E|F A n|^2 = sum_j |F A e_j|^2."""
    cfg = resolve_config("kaldi")
    win, _, n_fft = cfg.frame_sizes(RATE)
    a = cfg.preemphasis
    remove_mean = np.eye(win) - 1.0 / win
    emphasis = np.eye(win) - a * np.eye(win, k=-1)
    emphasis[0, 0] = 1 - a
    w = mg.audio.get_window(cfg.window, win, cfg.window_periodic)
    frame_of = cfg.input_scale * (w[:, None] * emphasis @ remove_mean)
    spectrum = (np.abs(np.fft.rfft(frame_of, n=n_fft, axis=0)) ** 2).sum(axis=1)
    fb = mel_filterbank(RATE, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                        cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    np.testing.assert_allclose(noise_mel(RATE, preset="kaldi"), fb @ spectrum, rtol=1e-10)


def test_noise_mel_is_what_white_noise_gives_on_average():
    rng = np.random.default_rng(0)
    noise = [rng.standard_normal(RATE * 20) for _ in range(4)]
    measured = np.concatenate([np.exp(f) for f in mg.audio.fbank_batch(noise, RATE)]).mean(0)
    np.testing.assert_allclose(measured / noise_mel(RATE), 1.0, atol=0.04)


def test_the_floor_is_the_expected_noise_added_before_the_log():
    x = vowel()
    d = 25.0
    variance = np.mean(x.astype(np.float64) ** 2) * 10 ** (-d / 10)
    for deltas, with_cmvn in ((0, False), (1, True)):
        got = mfcc(x, RATE, deltas=deltas, cmvn=with_cmvn, noise_floor_db=d)
        mel = np.exp(fbank(x, RATE, log_floor=1e-300))
        want = lifter(dct(np.log(mel + variance * noise_mel(RATE)), 13), 22)
        if deltas:
            want = np.concatenate([want, delta(want, 2)], axis=1)
        if with_cmvn:
            want = cmvn(want)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_the_floor_moves_the_quiet_bands_and_spares_the_loud_ones():
    x = vowel()
    plain, floored = fbank(x, RATE), fbank(x, RATE, noise_floor_db=25.0)
    lift = floored - plain
    assert np.all(lift >= 0)
    loud = plain > np.percentile(plain, 90)
    quiet = plain < np.percentile(plain, 10)
    assert lift[loud].max() < 0.05 < lift[quiet].min()


def test_the_expected_floor_is_the_mean_of_drawn_floors_in_the_mel_domain():
    x = vowel(seconds=0.3)
    mel = [np.exp(fbank(dither(x, 20.0, seed), RATE, log_floor=1e-300)) for seed in range(400)]
    drawn = np.mean(mel, axis=0)
    expected = np.exp(fbank(x, RATE, noise_floor_db=20.0, log_floor=1e-300))
    ratio = drawn / expected
    assert np.median(np.abs(ratio - 1)) < 0.02
    assert np.percentile(np.abs(ratio - 1), 95) < 0.1


def test_a_gain_changes_nothing_with_cmvn():
    x = vowel()
    a = mfcc(x, RATE, deltas=1, cmvn=True, noise_floor_db=25.0)
    b = mfcc(16.0 * x, RATE, deltas=1, cmvn=True, noise_floor_db=25.0)
    np.testing.assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("preset", ["python_speech_features", "kaldi"])
def test_a_preset_whose_c0_is_an_energy_floors_that_energy_too(preset):
    x = vowel()
    cfg = resolve_config(preset)
    plain = mfcc(x, RATE, preset=preset)[:, 0]
    floored = mfcc(x, RATE, preset=preset, noise_floor_db=10.0)[:, 0]
    assert cfg.energy in ("power", "raw")
    assert np.all(floored >= plain - 1e-12)
    assert np.max(floored - plain) > 0.01


def test_the_floor_is_refused_where_it_cannot_work():
    with pytest.raises(InputError, match="sample_rate"):
        noise_mel(0)
    with pytest.raises(InputError, match="n_mels"):
        noise_mel(RATE, n_mels=0, n_mfcc=1)
    with pytest.raises(InputError, match="noise_floor_db"):
        mfcc(vowel(), RATE, noise_floor_db=float("nan"))
    with pytest.raises(InputError, match="noise_floor_db"):
        StreamingMFCC(RATE, noise_floor_db=25.0)
    with pytest.raises(InputError, match="floor must be one of"):
        FeaturePipeline(floor="drawn")


def test_a_pipeline_with_the_expected_floor_reads_one_view_without_noise():
    x = np.concatenate([np.zeros(2000, np.float32), vowel(), np.zeros(1500, np.float32)])
    p = FeaturePipeline(cmvn=True, trim=True, dither_db=25.0, floor="expected",
                        sample_rate=RATE)
    assert p.floor_draws(5) == [p]
    assert p.convert(x, RATE)[0].tolist() == trim(x, RATE).tolist()
    want = mfcc(trim(x, RATE), RATE, deltas=1, cmvn=True, noise_floor_db=25.0)
    np.testing.assert_allclose(p(x, RATE), want, rtol=1e-12, atol=1e-12)
    drawn = FeaturePipeline(cmvn=True, trim=True, dither_db=25.0, sample_rate=RATE)
    assert len(drawn.floor_draws(5)) == 5
    assert p.streaming().cfg.noise_floor_db is None
    stages = p.mfcc_stages(x, RATE)
    np.testing.assert_allclose(stages["mel_floor"],
                               np.mean(trim(x, RATE).astype(np.float64) ** 2)
                               * 10 ** -2.5 * noise_mel(RATE), rtol=1e-12)


def test_the_setting_round_trips_and_is_described_only_when_not_the_default():
    drawn = FeaturePipeline(dither_db=25.0)
    assert "floor" not in drawn.to_dict()
    p = FeaturePipeline(dither_db=25.0, floor="expected")
    assert p.to_dict()["floor"] == "expected"
    assert FeaturePipeline.from_dict(p.to_dict()) == p
    assert p.mfcc_config().noise_floor_db == 25.0
    assert FeaturePipeline(floor="expected").mfcc_config().noise_floor_db is None


def test_a_sample_more_at_the_edge_moves_the_expected_floor_less_than_a_drawn_one():
    """A drawn floor pairs its noise with the word's samples: shift the word by one sample
    and every frame meets other noise. The expected floor has no noise to pair."""
    x = vowel(seed=3)
    moved = {}
    for floor in ("noise", "expected"):
        p = FeaturePipeline(cmvn=True, dither_db=25.0, floor=floor, sample_rate=RATE)
        a, b = p(x[:-1], RATE), p(x[1:], RATE)
        moved[floor] = np.abs(a - b).mean()
    assert moved["expected"] < 0.5 * moved["noise"]


def test_a_default_model_answers_by_one_reading_of_its_expected_floor(tmp_path):
    from scipy.io import wavfile

    from minigru.data import synthesize_digit
    from minigru.speech import config, predict, run
    from minigru.training import RunFolder

    cfg = config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "synthetic": {
        "train_per_class": 3, "val_per_class": 2, "test_per_class": 2}})
    assert cfg["features"]["floor"] == "expected" and cfg["floor_draws"] == 5
    run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    model, stored = predict.load_model(RunFolder(tmp_path / "run").best)
    pipe = config.pipeline_of(stored)
    assert pipe.floor == "expected" and pipe.mfcc_config().noise_floor_db == 25.0
    clip = synthesize_digit(3, 16000, 0, 0, (20.0, 30.0)).astype(np.float32)
    wavfile.write(tmp_path / "clip.wav", 16000, clip)
    [(_, p)] = predict.predict_files(model, stored, [tmp_path / "clip.wav"])
    feats = pipe(clip, 16000).astype(np.float32)
    with mg.no_grad():
        direct = mg.nn.functional.softmax(model(feats[:, None, :], [feats.shape[0]]),
                                          axis=1).numpy()[0]
    np.testing.assert_allclose(p, direct, rtol=0, atol=1e-6)
