"""The MFCC front end: each stage against its textbook definition computed here, the presets
against recorded outputs of the reference implementations, edge cases and bad input."""

import importlib.util
import pathlib
import wave

import numpy as np
import pytest
from scipy.io import wavfile

import minigru as mg
from minigru import audio

DATA = pathlib.Path(__file__).parent / "data"
FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"


def _load_reference_signals():
    spec = importlib.util.spec_from_file_location("make_refs", DATA / "make_mfcc_references.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.signals()


SIGNALS = _load_reference_signals()
REFS = np.load(DATA / "mfcc_references.npz")


# ---------------------------------------------------------------- presets vs the references

@pytest.mark.parametrize("name", sorted(SIGNALS))
@pytest.mark.parametrize("preset,tol", [("python_speech_features", 1e-9), ("librosa", 1e-9),
                                        ("kaldi", 5e-5)])
def test_presets_reproduce_the_references(name, preset, tol):
    x, sr = SIGNALS[name]
    ref = REFS[f"{name}/{preset}"]
    got = audio.mfcc(x, sr, preset=preset)
    assert got.shape == ref.shape
    scale = max(ref.max() - ref.min(), 1e-12)
    assert np.max(np.abs(got - ref)) / scale < tol


# ---------------------------------------------------------------- stages vs definitions

def test_preemphasis_definition():
    x = np.array([1.0, 2.0, 4.0, -1.0])
    expected = [1.0] + [x[n] - 0.97 * x[n - 1] for n in range(1, 4)]
    np.testing.assert_allclose(audio.preemphasis(x), expected)


@pytest.mark.parametrize("edge", ["pad", "center", "valid"])
@pytest.mark.parametrize("n", [5, 10, 23, 24])
def test_frame_signal_by_loop(edge, n):
    x = np.arange(1.0, n + 1)
    L, hop = 8, 3
    frames = audio.frame_signal(x, L, hop, edge)
    if edge == "center":
        xp = np.concatenate([np.zeros(4), x, np.zeros(4)])
        count = 1 + n // hop
    elif edge == "pad":
        count = 1 if n <= L else 1 + int(np.ceil((n - L) / hop))
        xp = np.concatenate([x, np.zeros(max(0, (count - 1) * hop + L - n))])
    else:
        count = 0 if n < L else 1 + (n - L) // hop
        xp = x
    expected = np.array([xp[k * hop:k * hop + L] for k in range(count)]).reshape(count, L)
    np.testing.assert_array_equal(frames, expected)


@pytest.mark.parametrize("name", ["rectangular", "hamming", "hann", "povey"])
@pytest.mark.parametrize("periodic", [False, True])
def test_windows_by_formula(name, periodic):
    N = 11
    M = N if periodic else N - 1
    n = np.arange(N)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / M)
    expected = {"rectangular": np.ones(N), "hamming": 0.54 - 0.46 * np.cos(2 * np.pi * n / M),
                "hann": hann, "povey": hann**0.85}[name]
    np.testing.assert_allclose(audio.get_window(name, N, periodic), expected, atol=1e-15)
    if name == "hamming" and not periodic:
        np.testing.assert_allclose(audio.get_window(name, N), np.hamming(N))


def test_power_spectrum_against_a_dft_matrix():
    rng = np.random.default_rng(0)
    frames = rng.standard_normal((3, 10))
    n_fft = 16
    k = np.arange(n_fft // 2 + 1)[:, None]
    n = np.arange(10)[None, :]
    dft = np.exp(-2j * np.pi * k * n / n_fft)
    expected = np.abs(frames @ dft.T) ** 2
    np.testing.assert_allclose(audio.power_spectrum(frames, n_fft), expected, rtol=1e-12)
    np.testing.assert_allclose(audio.power_spectrum(frames, n_fft, "n_fft"), expected / n_fft,
                               rtol=1e-12)
    cropped = audio.power_spectrum(frames, 8)
    np.testing.assert_allclose(cropped, audio.power_spectrum(frames[:, :8], 8))


def test_mel_scales_by_formula():
    f = np.array([0.0, 500.0, 1000.0, 4000.0])
    np.testing.assert_allclose(audio.hz_to_mel(f, "htk"), 2595 * np.log10(1 + f / 700))
    np.testing.assert_allclose(audio.hz_to_mel(f, "kaldi"), 1127 * np.log(1 + f / 700))
    slaney = np.where(f < 1000, 3 * f / 200, 15 + 27 * np.log(f / 1000 + 1e-300) / np.log(6.4))
    np.testing.assert_allclose(audio.hz_to_mel(f, "slaney"), slaney)
    for scale in ("htk", "kaldi", "slaney"):
        np.testing.assert_allclose(audio.mel_to_hz(audio.hz_to_mel(f, scale), scale), f,
                                   atol=1e-9)


def test_mel_filterbank_point_by_point():
    sr, n_fft, n_mels = 16000, 512, 10
    fb = audio.mel_filterbank(sr, n_fft, n_mels, 0.0, None, "htk", "hz")
    edges_mel = np.linspace(0, 2595 * np.log10(1 + 8000 / 700), n_mels + 2)
    edges = 700 * (10 ** (edges_mel / 2595) - 1)
    for m in range(n_mels):
        for k in range(n_fft // 2 + 1):
            f = k * sr / n_fft
            lo, c, hi = edges[m], edges[m + 1], edges[m + 2]
            w = (f - lo) / (c - lo) if lo <= f <= c else (hi - f) / (hi - c) if c < f <= hi else 0
            assert fb[m, k] == pytest.approx(max(w, 0.0), abs=1e-12)
    assert np.allclose(fb.max(axis=1), fb.max(axis=1).clip(max=1.0))


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("placement", ["hz", "bins", "mel"])
def test_mel_filterbank_fmax_at_or_below_zero_counts_down_from_nyquist(rate, placement):
    below = audio.mel_filterbank(rate, 512, 40, 20.0, -300.0, placement=placement)
    np.testing.assert_array_equal(
        below, audio.mel_filterbank(rate, 512, 40, 20.0, rate / 2 - 300, placement=placement))
    np.testing.assert_array_equal(audio.mel_filterbank(rate, 512, 40, 20.0, 0.0,
                                                       placement=placement),
                                  audio.mel_filterbank(rate, 512, 40, 20.0, None,
                                                       placement=placement))
    freqs = np.arange(257) * rate / 512
    assert not below[:, freqs > rate / 2 - 300].any()
    covered = below.any(axis=0)
    assert covered[(freqs > 100) & (freqs < rate / 2 - 300 - rate / 512)].all()
    for bad in (-rate / 2, -rate, rate):
        with pytest.raises(ValueError, match="fmax"):
            audio.mel_filterbank(rate, 512, 40, 20.0, bad)


def test_mel_filterbank_bins_and_slaney_norm():
    fb = audio.mel_filterbank(8000, 512, 26, placement="bins", fmin=0)
    assert fb.shape == (26, 257)
    assert np.all(fb >= 0) and np.all(fb <= 1)
    slaney = audio.mel_filterbank(16000, 2048, 40, fmin=0, scale="slaney", norm="slaney")
    plain = audio.mel_filterbank(16000, 2048, 40, fmin=0, scale="slaney")
    freqs = np.arange(1025) * 16000 / 2048
    area = np.trapezoid(slaney, freqs, axis=1)  # unit area in Hz, up to sampling of the triangles
    assert np.allclose(area, 1.0, rtol=0.05)
    assert not np.allclose(slaney, plain)
    kaldi = audio.mel_filterbank(16000, 512, 23, 20, None, "kaldi", "mel")
    assert np.all(kaldi[:, 256] == 0)


def test_dct_by_its_sum():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 8))
    N = 8
    n = np.arange(N)
    expected = np.array([[np.sum(row * np.cos(np.pi * k * (2 * n + 1) / (2 * N)))
                          * np.sqrt((1 if k == 0 else 2) / N) for k in range(N)] for row in x])
    np.testing.assert_allclose(audio.dct(x), expected, atol=1e-12)
    np.testing.assert_allclose(audio.dct(x, 3), expected[:, :3], atol=1e-12)


def test_lifter_delta_cmvn_by_definition():
    c = np.ones((4, 5))
    expected = 1 + 11 * np.sin(np.pi * np.arange(5) / 22)
    np.testing.assert_allclose(audio.lifter(c, 22), np.tile(expected, (4, 1)))
    np.testing.assert_array_equal(audio.lifter(c, 0), c)
    f = np.array([[0.0], [1.0], [4.0], [9.0], [16.0]])
    padded = np.concatenate([f[:1], f[:1], f, f[-1:], f[-1:]])
    expected = [(1 * (padded[t + 3] - padded[t + 1]) + 2 * (padded[t + 4] - padded[t])) / 10
                for t in range(5)]
    np.testing.assert_allclose(audio.delta(f, 2), np.array(expected))
    z = audio.cmvn(np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]]))
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, 0].std(), 1.0)
    assert np.all(np.isfinite(z))


def test_power_to_db_floor():
    m = np.array([[1.0, 1e-3], [1e-12, 0.0]])
    db = audio.power_to_db(m, 1e-10, top_db=80)
    np.testing.assert_allclose(db, [[0.0, -30.0], [-80.0, -80.0]])


def test_power_to_db_per_block_of_rows():
    rng = np.random.default_rng(3)
    m = rng.uniform(0, 1, (9, 4)) * np.repeat([1.0, 1e-6, 1e3], 3)[:, None]
    counts = [3, 0, 6]
    got = audio.power_to_db(m, 1e-10, 20.0, counts)
    np.testing.assert_allclose(got[:3], audio.power_to_db(m[:3], 1e-10, 20.0))
    np.testing.assert_allclose(got[3:], audio.power_to_db(m[3:], 1e-10, 20.0))
    with pytest.raises(ValueError, match="counts"):
        audio.power_to_db(m, 1e-10, 20.0, [3, 3])


@pytest.mark.parametrize("frames", [1, 7, 8, 9, 16, 21])
def test_banded_filter_product_equals_the_dense_product(frames):
    """Any number of frames, whole tiles of ``TILE`` frames or not."""
    from minigru.kernels.spectrum import TILE, banded_mel_power, filter_bands
    assert TILE == 8
    rng = np.random.default_rng(4)
    fb = audio.mel_filterbank(8000, 256, 20, placement="bins")
    fb[3] = 0.0
    spec = rng.standard_normal((frames, 129)) + 1j * rng.standard_normal((frames, 129))
    lo, width, weights = filter_bands(fb)
    assert width[3] == 0 and width.max() < 129
    mel, total = np.empty((frames, 20)), np.empty(frames)
    banded_mel_power(spec, 0.5, lo, width, weights, mel, total)
    power = 0.5 * np.abs(spec) ** 2
    np.testing.assert_allclose(mel, power @ fb.T, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(total, power.sum(axis=1), rtol=1e-13)


def test_mfcc_reads_a_float64_signal_where_it_lies_and_leaves_it_as_it_was():
    """One contiguous float64 signal is not copied before framing; the features are those of
    a copy in another layout (a strided view, which is copied), and the signal is unchanged."""
    x, sr = SIGNALS["voice16000"]
    x = np.ascontiguousarray(x, dtype=np.float64)
    before = x.copy()
    strided = np.repeat(x, 2)[::2]
    assert not strided.flags.c_contiguous
    for preset in (None, "librosa", "kaldi"):
        a = audio.mfcc(x, sr, preset=preset)
        np.testing.assert_array_equal(a, audio.mfcc(strided, sr, preset=preset))
        np.testing.assert_array_equal(a, audio.mfcc_batch([x], sr, preset=preset)[0])
        np.testing.assert_array_equal(audio.fbank(x, sr, preset=preset),
                                      audio.fbank(strided, sr, preset=preset))
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("n", range(10))
def test_kernel_sums(n):
    from minigru.kernels.sums import dot_range, sum_range
    a = np.random.default_rng(n).standard_normal(12)
    assert sum_range(a, 2, 2 + n) == pytest.approx(a[2:2 + n].sum(), abs=1e-13)
    assert dot_range(a, 1, a, 3, n) == pytest.approx(a[1:1 + n] @ a[3:3 + n], abs=1e-13)


def _mfcc_by_the_book(x, sr, cfg):
    """The pipeline one frame at a time in plain NumPy, every step as its definition."""
    win, hop, n_fft = cfg.frame_sizes(sr)
    x = np.asarray(x, dtype=np.float64) * cfg.input_scale
    if cfg.preemphasis and not cfg.preemphasis_per_frame:
        x = np.concatenate([x[:1], x[1:] - cfg.preemphasis * x[:-1]])
    window = audio.get_window(cfg.window, win, cfg.window_periodic)
    fb = audio.mel_filterbank(sr, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                              cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    rows = []
    for frame in audio.frame_signal(x, win, hop, cfg.edge, pad_length=n_fft):
        frame = frame.copy()
        if cfg.remove_dc:
            frame -= frame.mean()
        energy = np.sum(frame ** 2)
        if cfg.preemphasis and cfg.preemphasis_per_frame:
            frame = np.concatenate([[frame[0] * (1 - cfg.preemphasis)],
                                    frame[1:] - cfg.preemphasis * frame[:-1]])
        spec = np.abs(np.fft.rfft((frame * window)[:n_fft], n_fft)) ** 2
        if cfg.power_scale == "n_fft":
            spec /= n_fft
        logs = audio.log_energies(fb @ spec, cfg.log_floor, cfg.log_floor_mode)
        c = audio.lifter(audio.dct(logs, cfg.n_mfcc), cfg.lifter)
        if cfg.energy == "raw":
            c[0] = np.log(max(energy, np.finfo(np.float32).eps))
        elif cfg.energy == "power":
            c[0] = np.log(spec.sum()) if spec.sum() > 0 else np.log(np.finfo(float).eps)
        rows.append(c)
    return np.array(rows).reshape(-1, cfg.n_mfcc)


@pytest.mark.parametrize("changes", [
    {},
    {"edge": "center", "window": "hann", "window_periodic": True},
    {"edge": "valid", "remove_dc": True, "preemphasis_per_frame": True, "energy": "raw",
     "input_scale": 32768.0, "window": "povey"},
    {"win_length": 300, "n_fft": 256, "energy": "power", "power_scale": "n_fft"},
    {"edge": "center", "win_length": 200, "n_fft": 512, "preemphasis": 0.0},
    {"remove_dc": True, "energy": "raw", "preemphasis": 0.5},
])
def test_fused_front_end_equals_the_pipeline_by_the_book(changes):
    rng = np.random.default_rng(5)
    clips = [rng.standard_normal(n) * 0.1 for n in (1, 150, 401, 1234, 20000)]
    cfg = audio.MFCCConfig(**changes)
    for clip, got in zip(clips, audio.mfcc_batch(clips, 16000, config=cfg), strict=True):
        want = _mfcc_by_the_book(clip, 16000, cfg)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


def test_batch_across_many_cache_groups_equals_one_by_one():
    rng = np.random.default_rng(6)
    clips = [rng.standard_normal(n) for n in (70000, 3, 90000, 150000, 5000, 1)]
    for preset in (None, "librosa"):
        batch = audio.mfcc_batch(clips, 16000, preset=preset)
        for clip, feats in zip(clips, batch, strict=True):
            np.testing.assert_array_equal(feats, audio.mfcc(clip, 16000, preset=preset))
    for a, b in zip(audio.fbank_batch(iter(clips), 16000), audio.fbank_batch(clips, 16000),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    bad = [np.ones(100)] * 3 + [np.array([0.0, np.inf])]
    with pytest.raises(ValueError, match=r"signals\[3\].*infinite"):
        audio.mfcc_batch(bad, 16000)


# ---------------------------------------------------------------- whole pipeline

def test_pure_tone_lands_in_the_right_mel_band():
    sr = 16000
    t = np.arange(sr) / sr
    for f0 in (300.0, 1000.0, 3000.0):
        fb = audio.fbank(np.sin(2 * np.pi * f0 * t), sr)
        band = int(np.argmax(fb.mean(axis=0)))
        edges = audio.mel_to_hz(np.linspace(audio.hz_to_mel(20), audio.hz_to_mel(8000), 42))
        assert edges[band] <= f0 <= edges[band + 2]
        assert abs(edges[band + 1] - f0) <= (edges[band + 2] - edges[band]) / 2


@pytest.mark.parametrize("preset", [None, "python_speech_features", "librosa", "kaldi"])
@pytest.mark.parametrize("sr", [8000, 16000, 44100])
def test_silence_odd_lengths_and_rates(preset, sr):
    for n in (sr // 3 + 1, sr // 5 + 7):
        out = audio.mfcc(np.zeros(n), sr, preset=preset)
        assert out.shape[1] == 13 and out.shape[0] > 0
        assert np.all(np.isfinite(out))


def test_shorter_than_one_frame_follows_each_preset():
    x = 0.1 * np.sin(np.arange(100))
    assert audio.mfcc(x, 16000, preset="python_speech_features").shape == (1, 13)
    assert audio.mfcc(x, 16000, preset="kaldi").shape == (0, 13)
    assert audio.mfcc(x, 16000, preset="librosa").shape == (1, 13)
    assert audio.mfcc(x, 16000).shape == (1, 13)


def test_int16_float32_and_float64_inputs_agree():
    x, sr = SIGNALS["voice16000"]
    ints = np.round(x * 32767).astype(np.int16)
    a = audio.mfcc(ints.astype(np.float64) / 32767, sr)
    b = audio.mfcc((ints / 32767).astype(np.float32), sr)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    raw = audio.mfcc(ints, sr)
    assert raw.shape == a.shape and np.all(np.isfinite(raw))


def test_batch_equals_one_by_one_and_deltas():
    clips = [SIGNALS["voice8000"][0], SIGNALS["noise8000"][0][:3001], np.zeros(500)]
    for preset in (None, "librosa", "kaldi", "python_speech_features"):
        batch = audio.mfcc_batch(clips, 8000, preset=preset, deltas=2, cmvn=True)
        for clip, feats in zip(clips, batch, strict=True):
            single = audio.mfcc(clip, 8000, preset=preset, deltas=2, cmvn=True)
            np.testing.assert_allclose(feats, single, rtol=1e-12, atol=1e-12)
            assert feats.shape[1] == 39


def test_overrides_and_fbank():
    x, sr = SIGNALS["voice16000"]
    assert audio.mfcc(x, sr, n_mfcc=20).shape[1] == 20
    assert audio.fbank(x, sr, n_mels=64).shape[1] == 64
    cfg = audio.MFCCConfig(window="hann", n_mels=30)
    assert audio.mfcc(x, sr, config=cfg).shape[1] == 13


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
def test_real_speech_from_fsdd():
    signal, sr = audio.load_wav(FSDD / "7_jackson_32.wav")
    assert sr == 8000 and signal.dtype == np.float32
    feats = audio.mfcc(signal, sr, deltas=1, cmvn=True)
    assert feats.shape[1] == 26 and np.all(np.isfinite(feats))


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("bad,match", [
    (np.zeros(0), "empty"),
    (np.zeros((2, 100)), "1-D"),
    (np.array([0.0, np.nan, 1.0] * 300), "NaN"),
])
def test_bad_signals(bad, match):
    with pytest.raises(ValueError, match=match):
        audio.mfcc(bad, 16000)


def test_bad_settings():
    x = np.ones(1600)
    with pytest.raises(ValueError, match="unknown MFCC preset"):
        audio.mfcc(x, 16000, preset="htk")
    with pytest.raises(ValueError, match="window"):
        audio.mfcc(x, 16000, window="blackman")
    with pytest.raises(ValueError, match="n_mfcc"):
        audio.mfcc(x, 16000, n_mfcc=50)
    with pytest.raises(TypeError, match="no field"):
        audio.mfcc(x, 16000, hop=3)
    with pytest.raises(ValueError, match="fmax"):
        audio.mfcc(x, 16000, fmax=9000)
    with pytest.raises(ValueError, match="sample_rate"):
        audio.mfcc(x, 0)


# ---------------------------------------------------------------- WAV files

@pytest.mark.parametrize("dtype,scale", [(np.int16, 32767), (np.int32, 2**31 - 1),
                                         (np.uint8, None), (np.float32, 1.0)])
def test_load_wav_round_trip(tmp_path, dtype, scale):
    x = 0.5 * np.sin(np.linspace(0, 40, 800))
    if dtype is np.uint8:
        data = np.round(x * 127 + 128).astype(np.uint8)
        expected = (data.astype(np.float64) - 128) / 128
    elif dtype is np.float32:
        data = x.astype(np.float32)
        expected = data
    else:
        data = np.round(x * scale).astype(dtype)
        expected = data / 2.0 ** (8 * np.dtype(dtype).itemsize - 1)
    path = tmp_path / "a.wav"
    wavfile.write(path, 8000, data)
    signal, sr = audio.load_wav(path)
    assert sr == 8000 and signal.dtype == np.float32
    np.testing.assert_allclose(signal, expected, atol=1e-6)


def test_load_wav_stereo_and_resampling(tmp_path):
    left = 0.5 * np.sin(np.linspace(0, 60, 1600))
    stereo = np.stack([left, -0.5 * left], axis=1)
    path = tmp_path / "s.wav"
    wavfile.write(path, 8000, (stereo * 32767).astype(np.int16))
    mono, _ = audio.load_wav(path)
    np.testing.assert_allclose(mono, 0.25 * left, atol=1e-4)
    both, _ = audio.load_wav(path, mono=False)
    assert both.shape == (2, 1600)
    up, sr = audio.load_wav(path, sample_rate=16000)
    assert sr == 16000 and up.shape == (3200,)


def test_load_wav_rejects_broken_files(tmp_path):
    good = tmp_path / "good.wav"
    with wave.open(str(good), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.arange(4000) % 100).astype(np.int16).tobytes())
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    with pytest.raises(ValueError, match="truncated.wav"):
        audio.load_wav(truncated)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:-3001])
    with pytest.raises(ValueError, match="cut.wav"):
        audio.load_wav(cut)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(ValueError, match="notes.wav"):
        audio.load_wav(text)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.wav"):
        audio.load_wav(empty)
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        audio.load_wav(tmp_path / "missing.wav")


def test_feature_cache(tmp_path):
    path = tmp_path / "clip.wav"
    wavfile.write(path, 8000, (np.sin(np.arange(4000) / 5) * 10000).astype(np.int16))
    cache = audio.FeatureCache(tmp_path / "cache")
    calls = []

    def compute():
        calls.append(1)
        return audio.mfcc(audio.load_wav(path)[0], 8000)

    a = cache.get(path, {"preset": None}, compute)
    b = cache.get(path, {"preset": None}, compute)
    c = cache.get(path, {"preset": "kaldi"}, compute)
    assert len(calls) == 2 and cache.hits == 1
    np.testing.assert_array_equal(a, b)
    assert c.shape == a.shape
    assert mg.load(next((tmp_path / "cache").glob("*.npz")))["features"].ndim == 2



def test_feature_cache_keeps_a_list_of_files_as_one_entry(tmp_path):
    paths = []
    for k in range(3):
        paths.append(tmp_path / f"clip{k}.wav")
        wavfile.write(paths[-1], 8000, (np.sin(np.arange(3000 + 500 * k) / (4 + k)) * 9000)
                      .astype(np.int16))
    feats = [audio.mfcc(audio.load_wav(p)[0], 8000) for p in paths]
    cache = audio.FeatureCache(tmp_path / "cache")
    assert cache.lookup_many(paths, {"n": 1}) is None and cache.misses == 3
    cache.store_many(paths, {"n": 1}, feats)
    (entry,) = (tmp_path / "cache").glob("set-*.npz")
    got = cache.lookup_many(paths, {"n": 1})
    assert cache.hits == 3 and [g.shape for g in got] == [f.shape for f in feats]
    for g, f in zip(got, feats, strict=True):
        np.testing.assert_array_equal(g, f)
    assert cache.lookup_many(paths[::-1], {"n": 1}) is None
    assert cache.lookup_many(paths, {"n": 2}) is None
    cache.store_many(paths[:2], {"n": 1}, [feats[0], feats[1][:, :5]])
    cache.store_many(paths[:2], {"n": 1}, feats)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    wavfile.write(paths[1], 8000, np.zeros(4000, dtype=np.int16))
    assert cache.lookup_many(paths, {"n": 1}) is None
    wavfile.write(paths[1], 8000, np.zeros(4000, dtype=np.int16))
    cache.store_many(paths, {"n": 1}, feats)
    bad = next(e for e in (tmp_path / "cache").glob("set-*.npz") if e != entry)
    mg.save({"features": feats[0], "lengths": np.array([1, 2, 3])}, bad)
    assert cache.lookup_many(paths, {"n": 1}) is None and not bad.exists()


def test_threads_do_not_share_buffers():
    from concurrent.futures import ThreadPoolExecutor
    rng = np.random.default_rng(7)
    clips = [rng.standard_normal(n) for n in (30000, 16000, 9000)]
    want = [audio.mfcc_batch(clips, 16000, preset=p) for p in (None, "kaldi")] * 4
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: audio.mfcc_batch(clips, 16000, preset=p),
                            [None, "kaldi"] * 4))
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("edge", ["pad", "center", "valid"])
def test_frame_layout_is_what_frame_signal_cuts(edge):
    from minigru.audio.frames import frame_layout
    x = np.arange(1.0, 24.0)
    count, left = frame_layout(x.size, 8, 3, edge, pad_length=10)
    frames = audio.frame_signal(x, 8, 3, edge, pad_length=10)
    assert frames.shape[0] == count
    padded = np.concatenate([np.zeros(left), x, np.zeros(8 * count)])
    for k in range(count):
        np.testing.assert_array_equal(frames[k], padded[k * 3:k * 3 + 8])
    with pytest.raises(ValueError, match="edge"):
        frame_layout(23, 8, 3, "mirror")
