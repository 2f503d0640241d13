"""The FeaturePipeline: its definition written out, conversion of rates and channels, JSON
round trip, checks, and a run that stores it so a loaded model computes its own features."""

import dataclasses
import json

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly

import minigru as mg
from minigru.audio import FeaturePipeline
from minigru.data import synthesize_digit
from minigru.speech import config, predict, run
from minigru.training import RunFolder


@pytest.fixture(scope="module")
def clip():
    return synthesize_digit(3, 16000, 0, 0, (20.0, 30.0)).astype(np.float32)


def test_equals_its_definition(clip):
    p = FeaturePipeline(n_mfcc=12, deltas=2, cmvn=True)
    ceps = mg.audio.mfcc(clip, 16000, n_mfcc=12)
    d1 = mg.audio.delta(ceps, 2)
    d2 = mg.audio.delta(d1, 2)
    expected = mg.audio.cmvn(np.concatenate([ceps, d1, d2], axis=1))
    np.testing.assert_allclose(p(clip, 16000), expected, rtol=0, atol=1e-12)
    assert p.size == 36 == p(clip, 16000).shape[1]


def test_converts_rate_and_channels(clip):
    p = FeaturePipeline(sample_rate=8000)
    at_8k = mg.audio.resample(clip, 16000, 8000)
    np.testing.assert_array_equal(p(clip, 16000), p(at_8k, 8000))
    stereo = np.stack([clip, 0.5 * clip])
    np.testing.assert_array_equal(p(stereo, 16000),
                                  p((0.75 * clip.astype(np.float64)).astype(np.float32), 16000))
    x, rate = p.convert(clip, 16000)
    assert rate == 8000 and x.dtype == np.float32 and x.size == clip.size // 2
    assert FeaturePipeline()(clip, 16000).shape == mg.audio.mfcc(clip, 16000, deltas=1).shape


def test_from_file_reads_any_rate_through_the_pipeline(tmp_path, clip):
    p = FeaturePipeline(sample_rate=16000)
    wavfile.write(tmp_path / "a.wav", 16000, clip)
    wavfile.write(tmp_path / "b.wav", 48000, resample_poly(clip, 3, 1).astype(np.float32))
    a, b = p.from_file(tmp_path / "a.wav"), p.from_file(tmp_path / "b.wav")
    np.testing.assert_array_equal(a, p(clip, 16000))
    assert a.shape == b.shape
    # up by 3 then down by 3 is the identity inside the band, up to the filters' ripple
    assert np.max(np.abs(a[:, :13] - b[:, :13])) < 0.05 * np.max(np.abs(a[:, :13]))


def test_json_round_trip_and_checks():
    p = FeaturePipeline(preset="kaldi", n_mfcc=13, deltas=2, cmvn=True, sample_rate=16000)
    assert FeaturePipeline.from_json(p.to_json()) == p
    assert FeaturePipeline.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    with pytest.raises(ValueError, match="unknown setting.*'delta'"):
        FeaturePipeline.from_dict({"delta": 1})
    for bad, name in (({"preset": "htk"}, "preset"), ({"n_mfcc": 0}, "n_mfcc"),
                      ({"deltas": 3}, "deltas"), ({"cmvn": 1}, "cmvn"),
                      ({"sample_rate": -8000}, "sample_rate"), ({"sample_rate": 8e3},
                                                                "sample_rate")):
        with pytest.raises(ValueError, match=name):
            FeaturePipeline(**bad)
    assert FeaturePipeline().at_rate(8000).sample_rate == 8000
    assert FeaturePipeline(sample_rate=16000).at_rate(8000).sample_rate == 16000


def test_band_top_counts_down_from_the_nyquist_frequency_at_or_below_zero():
    from minigru.audio.spectral import band_top

    assert band_top(8000, None) == 4000.0
    assert band_top(8000, 3500.0) == 3500.0
    assert band_top(8000, -300.0) == 3700.0
    assert band_top(16000, 0.0) == 8000.0
    for bad in (0, -8000, float("nan"), "8000", True):
        with pytest.raises(mg.errors.InputError, match="band_top: sample_rate must be"):
            band_top(bad, None)
    for bad in (float("inf"), float("nan"), "3500"):
        with pytest.raises(mg.errors.InputError, match="band_top: fmax must be None or"):
            band_top(8000, bad)


def test_fmax_is_the_top_of_the_filter_bank(clip):
    p = FeaturePipeline(cmvn=True, fmax=-300)
    assert p.mfcc_config().fmax == -300.0
    assert FeaturePipeline.from_json(p.to_json()) == p
    assert "fmax" not in FeaturePipeline().to_dict()
    expected = mg.audio.cmvn(mg.audio.mfcc(clip, 16000, deltas=1, fmax=7700.0))
    np.testing.assert_allclose(p(clip, 16000), expected, rtol=0, atol=1e-12)
    st = p.mfcc_stages(clip, 16000)
    assert not st["filterbank"][:, st["freqs"] > 7700].any()
    for bad in ("3700", float("nan"), True):
        with pytest.raises(ValueError, match="fmax"):
            FeaturePipeline(fmax=bad)


def test_fmax_from_the_command_line_and_the_run_settings():
    from minigru import cli, commands

    parse = cli.build_parser().parse_args
    assert commands.train_overrides(parse(["train", "--fmax", "-300"]))["features"] == {
        "fmax": -300.0}
    assert commands.train_overrides(parse(["train", "--fmax", "none"]))["features"] == {
        "fmax": None}
    with pytest.raises(SystemExit):
        parse(["train", "--fmax", "top"])
    assert config.pipeline_of(config.make_config()).fmax is None
    cfg = config.make_config({"data": "fsdd", "features": {"fmax": -300}})
    assert config.pipeline_of(cfg).fmax == -300
    with pytest.raises(config.ConfigError, match="fmax"):
        config.make_config({"features": {"fmax": "high"}})


def test_fmax_below_the_band_edge_reads_a_copy_at_another_rate_as_the_original():
    """SciPy's default resampling filter takes 2.5 dB from the top mel band of an 8 kHz
    model when a clip is copied to a higher rate; 300 Hz below the Nyquist frequency it
    takes 0.35 dB, and the features differ a seventh as much."""
    x = (0.1 * np.random.default_rng(0).standard_normal(8000)).astype(np.float32)

    def top_bands_db(p, signal, rate):
        st = p.mfcc_stages(signal, rate)
        return 10 * np.log10((st["power"] @ st["filterbank"].T)[5:-5].sum(axis=0)[-2:])

    diffs = {}
    for fmax in (None, -300):
        p = FeaturePipeline(sample_rate=8000, fmax=fmax)
        for up, down, rate in ((2, 1, 16000), (441, 80, 44100)):
            copy = resample_poly(x, up, down).astype(np.float32)
            loss = top_bands_db(p, x, 8000) - top_bands_db(p, copy, rate)
            diffs[fmax, rate] = np.abs(p(x, 8000) - p(copy, rate))[5:-5].mean()
            if fmax is None:
                assert loss[-1] > 2.0
            else:
                assert np.all(np.abs(loss) < 0.5)
        assert diffs[fmax, 16000] == pytest.approx(diffs[fmax, 44100], rel=0.01)
    assert diffs[-300, 16000] < diffs[None, 16000] / 5


def test_stages_are_the_pipelines_own(clip):
    p = FeaturePipeline(sample_rate=8000)
    st = p.mfcc_stages(clip, 16000)
    np.testing.assert_array_equal(st["features"], p(clip, 16000))
    assert st["sample_rate"] == 8000 and st["power"].shape[0] == st["features"].shape[0]
    assert st["filterbank"].shape == (40, st["power"].shape[1])


def test_streaming_equals_the_whole_signal(clip):
    p = FeaturePipeline(sample_rate=16000)
    stream = p.streaming()
    rows = [stream.push(clip[i:i + 1000]) for i in range(0, clip.size, 1000)]
    rows.append(stream.flush())
    np.testing.assert_allclose(np.concatenate(rows), p(clip, 16000), atol=1e-9)


def test_a_run_stores_its_pipeline_and_prediction_uses_it(tmp_path, clip):
    cfg = config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "synthetic": {
        "train_per_class": 3, "val_per_class": 2, "test_per_class": 2}})
    run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    files = RunFolder(tmp_path / "run")
    stored = files.read_config()["features"]
    assert stored == config.RECOGNISER_PIPELINE.at_rate(16000).to_dict()
    model, cfg2 = predict.load_model(files.best)
    assert config.pipeline_of(cfg2) == config.RECOGNISER_PIPELINE.at_rate(16000)
    wavfile.write(tmp_path / "16k.wav", 16000, clip)
    wavfile.write(tmp_path / "8k.wav", 8000, resample_poly(clip, 1, 2).astype(np.float32))
    wavfile.write(tmp_path / "stereo.wav", 16000, np.stack([clip, clip], axis=1))
    (_, p16), (_, p8), (_, pst) = predict.predict_files(
        model, cfg2, [tmp_path / "16k.wav", tmp_path / "8k.wav", tmp_path / "stereo.wav"])
    np.testing.assert_array_equal(p16, pst)
    feats16 = config.pipeline_of(cfg2).from_file(tmp_path / "16k.wav")
    feats8 = config.pipeline_of(cfg2).from_file(tmp_path / "8k.wav")
    assert feats8.shape == feats16.shape  # the 8 kHz file was brought to 16 kHz first


def test_old_configurations_get_the_rate_their_features_had():
    cfg = config.make_config({})
    del cfg["features"]["sample_rate"]
    assert config.pipeline_of(cfg).sample_rate == 16000
    cfg = dict(cfg, data="fsdd")
    assert config.pipeline_of(cfg).sample_rate is None


def test_a_folder_fixes_the_pipeline_to_its_rate(tmp_path, clip):
    from minigru.data import AudioFolder, fix_rate

    for label, rate in (("a", 16000), ("b", 8000)):
        (tmp_path / label).mkdir()
        x = clip if rate == 16000 else resample_poly(clip, 1, 2).astype(np.float32)
        wavfile.write(tmp_path / label / "x.wav", rate, x)
    files = sorted(tmp_path.glob("*/*.wav"))
    assert fix_rate(FeaturePipeline(), files).sample_rate == 8000  # the lowest rate
    assert fix_rate(FeaturePipeline(sample_rate=22050), files).sample_rate == 22050
    folder = AudioFolder(tmp_path)
    assert folder.pipeline.sample_rate == 8000
    np.testing.assert_allclose(folder.features[0], folder.pipeline.from_file(files[0]),
                               atol=1e-6)


@pytest.mark.parametrize("preset", [None, "python_speech_features", "kaldi"])
def test_the_stages_are_the_features_own(preset):
    """log(power @ filterbank.T), the DCT and the lifter give the features (but c0 where the
    preset replaces it by an energy): the stages drawn are the ones the model sees."""
    rate = 8000
    signal = mg.data.synthesize_digit(7, rate, seed=0)
    pipe = mg.audio.FeaturePipeline(sample_rate=rate, deltas=0, preset=preset)
    st = pipe.mfcc_stages(signal, rate)
    cfg = pipe.mfcc_config()
    logs = mg.audio.log_energies(st["power"] @ st["filterbank"].T, cfg.log_floor,
                                 cfg.log_floor_mode)
    ceps = mg.audio.lifter(mg.audio.dct(logs, cfg.n_mfcc), cfg.lifter)
    first = 0 if cfg.energy is None else 1
    np.testing.assert_allclose(ceps[:, first:], st["features"][:, first:], rtol=0, atol=1e-9)


def test_stack_frames_written_out():
    f = np.arange(10.0).reshape(5, 2)
    got = mg.audio.stack_frames(f, 2)
    np.testing.assert_array_equal(got, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 8, 9]])
    np.testing.assert_array_equal(mg.audio.stack_frames(f, 3),
                                  [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 8, 9]])
    assert mg.audio.stack_frames(f, 1) is f
    assert mg.audio.stack_frames(f, 5).shape == (1, 10)
    assert mg.audio.stack_frames(np.zeros((0, 3)), 2).shape == (0, 6)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="stack"):
            mg.audio.stack_frames(f, bad)
    with pytest.raises(ValueError, match="features"):
        mg.audio.stack_frames(np.zeros(4), 2)


def test_a_stacking_pipeline_stacks_its_own_frames(clip):
    plain = FeaturePipeline(cmvn=True, trim=True, sample_rate=16000)
    two = FeaturePipeline(cmvn=True, trim=True, sample_rate=16000, stack=2)
    frames = plain(clip, 16000)
    got = two(clip, 16000)
    assert two.size == 2 * plain.size == got.shape[1]
    assert got.shape[0] == -(-frames.shape[0] // 2)
    np.testing.assert_array_equal(got[:, :plain.size], frames[0::2])
    np.testing.assert_array_equal(got[: frames.shape[0] // 2, plain.size:], frames[1::2])
    np.testing.assert_array_equal(two.frames([clip], 16000)[0], frames)
    assert two.step_seconds() == pytest.approx(2 * plain.step_seconds()) == pytest.approx(0.02)
    assert FeaturePipeline.from_json(two.to_json()) == two
    assert FeaturePipeline.from_dict({"cmvn": True}).stack == 1  # configs written before stack
    with pytest.raises(ValueError, match="stack"):
        FeaturePipeline(stack=0)
    with pytest.raises(ValueError, match="stack=2 has no frame-by-frame form"):
        two.streaming()
    with pytest.raises(config.ConfigError, match="features.stack"):
        config.make_config({"features": {"stack": 1.5}})


def test_augmented_copies_are_masked_before_stacking():
    from minigru.data import SyntheticDigits
    from minigru.data.speech import augmented

    plain = SyntheticDigits(1, 8000, seed=5, features=FeaturePipeline(cmvn=True))
    two = SyntheticDigits(1, 8000, seed=5, features=FeaturePipeline(cmvn=True, stack=2))
    a = augmented(plain, plain.pipeline, "strong", seed=1)
    b = augmented(two, two.pipeline, "strong", seed=1)
    assert len(a) == len(b) == 5 * len(plain)
    for fa, fb in zip(a.features, b.features, strict=True):
        np.testing.assert_array_equal(fb, mg.audio.stack_frames(fa, 2))


def test_a_stacking_run_travels_with_its_model(tmp_path, clip):
    from minigru.speech.stream import StreamingRecognizer

    cfg = config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "features": {"stack": 2},
                              "synthetic": {"train_per_class": 3, "val_per_class": 2,
                                            "test_per_class": 2}})
    run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    model, cfg2 = predict.load_model(RunFolder(tmp_path / "run").best)
    pipe = config.pipeline_of(cfg2)
    assert pipe.stack == 2 and model.rnn.input_size == pipe.size == 52
    wavfile.write(tmp_path / "16k.wav", 16000, clip)
    [(_, p)] = predict.predict_files(model, cfg2, [tmp_path / "16k.wav"])
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-6
    rec = StreamingRecognizer(model, pipe, 16000, cfg2["classes"], threshold=0.0)
    assert rec.decide == "word"
    quiet = 1e-4 * np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    words = rec.push(np.concatenate([quiet, clip, quiet])) + rec.flush()
    assert len(words) == 1 and words[0]["word_start"] < 0.6 < words[0]["word_end"]
    with pytest.raises(ValueError, match="frame-by-frame"):
        StreamingRecognizer(model, pipe, 16000, cfg2["classes"], decide="frames")
    plain = dataclasses.replace(pipe, cmvn=False, trim=False)
    assert StreamingRecognizer(model, plain, 16000, cfg2["classes"]).decide == "word"


def test_a_noise_floor_is_the_trimmed_word_dithered(clip):
    from minigru.audio import augment as A
    from minigru.audio.endpoint import trim

    plain = FeaturePipeline(cmvn=True, trim=True, sample_rate=8000)
    floor = dataclasses.replace(plain, dither_db=25.0)
    x, rate = plain.convert(clip, 16000)
    y, _ = floor.convert(clip, 16000)
    word = trim(mg.audio.resample(clip, 16000, 8000).astype(np.float32), 8000)
    seed = round(1000 * word.size / 8000)
    assert mg.audio.pipeline.dither_seed(word.size, 8000) == seed
    for args, name in (((-1, 8000), "samples"), ((100, 0), "sample_rate"),
                       ((100.5, 8000), "samples"), ((100, True), "sample_rate")):
        with pytest.raises(ValueError, match=name):
            mg.audio.pipeline.dither_seed(*args)
    np.testing.assert_array_equal(y, A.dither(word, 25.0, seed))
    assert A.snr_db(x, y.astype(np.float64) - x) == pytest.approx(25.0, abs=0.01)
    np.testing.assert_array_equal(floor(clip, 16000), plain(y, 8000))
    # the same word with a second of silence around it gets the same floor
    at_8k = mg.audio.resample(clip, 16000, 8000).astype(np.float32)
    np.testing.assert_array_equal(floor(np.pad(at_8k, 8000), 8000), floor(at_8k, 8000))
    assert floor.to_dict()["dither_db"] == 25.0 and "dither_db" not in plain.to_dict()
    assert FeaturePipeline.from_json(floor.to_json()) == floor
    assert FeaturePipeline.from_dict(plain.to_dict()).dither_db is None
    for bad in ("25", float("nan"), True):
        with pytest.raises(ValueError, match="dither_db"):
            FeaturePipeline(dither_db=bad)
    stream, plain_stream = floor.streaming(), plain.streaming()
    np.testing.assert_array_equal(stream.push(x),
                                  plain_stream.push(x))
    with pytest.raises(config.ConfigError, match="dither_db"):
        config.make_config({"features": {"dither_db": "loud"}})


def test_a_noise_floor_travels_with_its_model(tmp_path, clip):
    from minigru import cli, commands
    from minigru.speech.stream import StreamingRecognizer

    args = cli.build_parser().parse_args(["train", "--dither-db", "30"])
    over = commands.train_overrides(args)
    assert over["features"] == {"dither_db": 30.0}
    none = commands.train_overrides(cli.build_parser().parse_args(["train", "--dither-db", "none"]))
    assert none["features"] == {"dither_db": None}
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--dither-db", "loud"])
    drawn = commands.train_overrides(cli.build_parser().parse_args(["train", "--floor", "noise"]))
    assert drawn["features"] == {"floor": "noise"}
    assert config.make_config()["features"]["floor"] == "expected"
    cfg = config.make_config({"features": {"dither_db": 30.0, "floor": "noise"}, "limit": 3,
                              "epochs": 1, "hidden": 8, "synthetic": {
                                  "train_per_class": 3, "val_per_class": 2,
                                  "test_per_class": 2}})
    run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    model, cfg2 = predict.load_model(RunFolder(tmp_path / "run").best)
    pipe = config.pipeline_of(cfg2)
    assert pipe.dither_db == 30.0
    wavfile.write(tmp_path / "16k.wav", 16000, clip)
    [(_, p)] = predict.predict_files(model, cfg2, [tmp_path / "16k.wav"])
    assert cfg2["floor_draws"] == 5
    direct = []
    for draw in range(5):
        feats = dataclasses.replace(pipe, floor_draw=draw)(clip, 16000).astype(np.float32)
        with mg.no_grad():
            direct.append(mg.nn.functional.softmax(model(feats[:, None, :], [feats.shape[0]]),
                                                   axis=1).numpy()[0])
    np.testing.assert_allclose(p, np.mean(direct, axis=0), rtol=0, atol=1e-6)
    assert np.abs(direct[1] - direct[0]).max() > 1e-4
    assert StreamingRecognizer(model, dataclasses.replace(pipe, cmvn=False, trim=False),
                               16000, cfg2["classes"]).decide == "word"


def _tone(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)


def _level_db(x: np.ndarray, rate: int) -> float:
    """RMS level in dB of a 0 dB sine, ignoring the filters' edges (0.1 s each side)."""
    edge = rate // 10
    return 20 * np.log10(np.sqrt(2) * np.std(x[edge:-edge]))


@pytest.mark.parametrize("rate_in", [16000, 22050, 44100, 48000])
def test_resample_keeps_the_top_of_the_band_and_stops_aliases(rate_in):
    """Down to 8 kHz: a tone at 3.8 kHz passes within 0.1 dB (SciPy's default filter takes
    several dB there), one at 4.25 kHz, which would fold to 3.75 kHz, is 70 dB down; the
    length is ceil(N up / down)."""
    from math import ceil, gcd

    passed = mg.audio.resample(_tone(3800, rate_in), rate_in, 8000)
    assert abs(_level_db(passed, 8000)) < 0.1
    folded = mg.audio.resample(_tone(4250, rate_in), rate_in, 8000)
    assert _level_db(folded, 8000) < -70
    g = gcd(rate_in, 8000)
    assert passed.size == ceil(rate_in * (8000 // g) / (rate_in // g))
    default = resample_poly(_tone(3800, rate_in), 8000 // g, rate_in // g)
    assert _level_db(default, 8000) < -1.0


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_the_pipeline_reads_a_copy_at_another_rate_with_the_originals_length(tmp_path, rate):
    """``to_rate`` gives round(N target / rate) samples, where ``resample`` (and
    ``resample_poly``, which made the copy) give ceil: a clip of 4,594 samples at 8 kHz is
    25,325 samples at 44.1 kHz, which ``resample`` brings back as 4,595. The copy's extra
    fraction of a sample is less than half of one of the clip's at twice its rate or more."""
    from math import gcd

    from minigru.audio.pipeline import to_rate

    x = (0.1 * np.random.default_rng(1).standard_normal(4594)).astype(np.float32)
    g = gcd(rate, 8000)
    copy = resample_poly(x, rate // g, 8000 // g).astype(np.float32)
    assert copy.size == -(-4594 * rate // 8000)
    assert to_rate(copy, rate, 8000).size == 4594
    assert to_rate(copy, rate, 8000).dtype == np.float32
    np.testing.assert_array_equal(to_rate(copy, rate, 8000),
                                  mg.audio.resample(copy, rate, 8000)[:4594])
    p = FeaturePipeline(sample_rate=8000)
    assert p.convert(copy, rate)[0].size == 4594
    wavfile.write(tmp_path / "copy.wav", rate, copy)
    np.testing.assert_array_equal(p.load(tmp_path / "copy.wav")[0], p.convert(copy, rate)[0])
    assert p(copy, rate).shape == p(x, 8000).shape
    assert to_rate(x[:1], 8000, 16000).size == 2 and to_rate(x[:1], 16000, 8000).size == 1
    for bad in ({"rate": 0}, {"target": -8000}, {"rate": 8000.5}):
        args = {"rate": rate, "target": 8000, **bad}
        with pytest.raises(ValueError, match="rate_in" if "rate" in bad else "rate_out"):
            to_rate(copy, **args)


def test_resample_round_trip_is_close_inside_the_band():
    """8 kHz -> 16 kHz -> 8 kHz: within 0.01 of the original's peak for a signal of tones up
    to 3.7 kHz (the Kaiser filter's passband ripple and edge effects)."""
    x = sum(_tone(f, 8000) for f in (300.0, 1200.0, 2500.0, 3700.0)) / 4
    back = mg.audio.resample(mg.audio.resample(x, 8000, 16000), 16000, 8000)
    assert back.shape == x.shape
    assert np.max(np.abs(back - x)[200:-200]) < 0.01 * np.max(np.abs(x))


def test_resample_dtypes_channels_and_bad_rates():
    x = np.random.default_rng(0).standard_normal((2, 4410)).astype(np.float32)
    y = mg.audio.resample(x, 44100, 8000)
    assert y.dtype == np.float32 and y.shape == (2, 800)
    np.testing.assert_allclose(y[1], mg.audio.resample(x[1], 44100, 8000), rtol=0, atol=0)
    assert mg.audio.resample(np.arange(4), 8000, 8000).dtype == np.float64
    for bad in (0, -8000, 8000.0, True):
        with pytest.raises(mg.InputError, match="rate_out"):
            mg.audio.resample(x, 8000, bad)
        with pytest.raises(mg.InputError, match="rate_in"):
            mg.audio.resample(x, bad, 8000)
