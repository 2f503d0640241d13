"""Inference mirrors training: any rate, channel count and sample format gives the model's
features; padded words are trimmed; evaluate and predict score any labelled folder and go on
past bad files; the training set grows by augmentation and synthetic voices."""

from __future__ import annotations

import json
import pathlib
import shutil
import struct

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly

from minigru import cli, commands
from minigru.audio import FeaturePipeline, load_wav, stack_frames
from minigru.audio.g711 import encode_alaw, encode_ulaw
from minigru.data import SyntheticDigits
from minigru.data.speech import augmented
from minigru.speech import config, datasets, predict, run
from minigru.training import RunFolder

from .helpers import g711_wav, sphere

FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"
needs_fsdd = pytest.mark.skipif(not FSDD.is_dir(),
                                reason="../shared/data/fsdd is not beside the repository")
RATES = (16000, 22050, 44100, 48000)


def write_wav24(path: pathlib.Path, rate: int, x: np.ndarray) -> None:
    """A 24-bit PCM WAV written byte by byte (scipy writes no 24-bit files)."""
    q = np.clip(np.round(x * (2**23 - 1)), -2**23, 2**23 - 1).astype(np.int32)
    data = b"".join(int(v).to_bytes(3, "little", signed=True) for v in q)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 3, 3, 24)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + \
        struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_every_sample_format_reads_to_the_same_signal(tmp_path):
    x = 0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)
    wavfile.write(tmp_path / "f32.wav", 8000, x.astype(np.float32))
    wavfile.write(tmp_path / "f64.wav", 8000, x)
    wavfile.write(tmp_path / "i16.wav", 8000, np.round(x * 32767).astype(np.int16))
    wavfile.write(tmp_path / "i32.wav", 8000, np.round(x * (2**31 - 1)).astype(np.int32))
    wavfile.write(tmp_path / "u8.wav", 8000, np.round(x * 127 + 128).astype(np.uint8))
    write_wav24(tmp_path / "i24.wav", 8000, x)
    tolerance = {"f32": 1e-7, "f64": 1e-7, "i16": 4e-5, "i32": 1e-7, "u8": 1e-2, "i24": 1e-6}
    for name, tol in tolerance.items():
        y, rate = load_wav(tmp_path / f"{name}.wav")
        assert rate == 8000 and y.dtype == np.float32
        np.testing.assert_allclose(y, x, atol=tol, err_msg=name)


@pytest.fixture(scope="module")
def fsdd_model(tmp_path_factory):
    """A small GRU trained briefly on FSDD, trimming and normalising its features."""
    if not FSDD.is_dir():
        pytest.skip("../shared/data/fsdd is not beside the repository")
    out = tmp_path_factory.mktemp("fsdd") / "run"
    cfg = config.make_config({"data": "fsdd", "data_dir": str(FSDD), "limit": 120,
                              "epochs": 10, "hidden": 48, "seed": 0, "augment": "light",
                              "features": {"trim": True, "cmvn": True}})
    run.train_run(cfg, out, quiet=True, log=None)
    return predict.load_model(RunFolder(out).best)


@needs_fsdd
def test_any_rate_and_stereo_gives_the_8k_posteriors(fsdd_model, tmp_path):
    model, cfg = fsdd_model
    assert config.pipeline_of(cfg).sample_rate == 8000
    pipeline = FeaturePipeline(sample_rate=8000)  # conversion alone: no trim, no CMVN
    originals = sorted(FSDD.glob("*_theo_1.wav")) + sorted(FSDD.glob("*_george_2.wav"))
    base = predict.predict_each(model, cfg, originals)
    for rate in RATES:
        files = []
        for f in originals:
            x, _ = load_wav(f)
            g = np.gcd(rate, 8000)
            up = resample_poly(x, rate // g, 8000 // g).astype(np.float32)
            wavfile.write(tmp_path / f"{rate}_{f.name}", rate, up)
            wavfile.write(tmp_path / f"st{rate}_{f.name}", rate, np.stack([up, up], axis=1))
            files += [tmp_path / f"{rate}_{f.name}", tmp_path / f"st{rate}_{f.name}"]
            feats = pipeline.from_file(tmp_path / f"{rate}_{f.name}")
            ref = pipeline.from_file(f)
            assert feats.shape == ref.shape
            # up and back down is not exact: SciPy's default filter, which made the copy,
            # takes a little of the top of the band (the last mel filter), which moves the
            # features by 4-6%; the pipeline's own filter passes it (mg.audio.resample)
            assert np.linalg.norm(feats - ref) / np.linalg.norm(ref) < 0.07, (rate, f.name)
        got = predict.predict_each(model, cfg, files)
        for k, r in enumerate(base):
            p0 = np.array(list(r["probabilities"].values()))
            for copy in got[2 * k:2 * k + 2]:
                p1 = np.array(list(copy["probabilities"].values()))
                assert np.max(np.abs(p1 - p0)) < 0.05, (rate, copy["file"])
                top2 = np.sort(p0)[-2:]
                if top2[1] - top2[0] > 0.1:  # not a near tie: the same answer
                    assert copy["label"] == r["label"], (rate, copy["file"])


@needs_fsdd
def test_telephone_and_sphere_copies_give_the_answers_of_the_originals(fsdd_model, tmp_path):
    """The same clips as a call recorder (G.711 mu-law and A-law WAVs) and an LDC corpus
    (NIST SPHERE, 16-bit PCM and mu-law) store them: the SPHERE PCM copy holds the same
    samples, so the same posteriors; the companded copies add noise about 38 dB below the
    word, under the pipeline's noise floor (25 dB), so the answers stay."""
    model, cfg = fsdd_model
    originals = sorted(FSDD.glob("*_theo_1.wav")) + sorted(FSDD.glob("*_george_2.wav"))
    base = predict.predict_each(model, cfg, originals)
    copies: dict[str, list[pathlib.Path]] = {"pcm": [], "ulaw": [], "alaw": [], "sph-ulaw": []}
    for f in originals:
        rate, q = wavfile.read(f)
        assert q.dtype == np.int16
        x = q / 32768.0
        head = {"sample_count -i": q.size, "sample_rate -i": rate, "channel_count -i": 1}
        copies["pcm"].append(sphere(tmp_path / f"{f.stem}.sph", {
            **head, "sample_n_bytes -i": 2, "sample_byte_format -s2": "01",
            "sample_coding -s3": "pcm"}, q.astype("<i2").tobytes()))
        copies["ulaw"].append(g711_wav(tmp_path / f"u_{f.name}", 7, encode_ulaw(x).tobytes()))
        copies["alaw"].append(g711_wav(tmp_path / f"a_{f.name}", 6, encode_alaw(x).tobytes()))
        copies["sph-ulaw"].append(sphere(tmp_path / f"u_{f.stem}.sph", {
            **head, "sample_n_bytes -i": 1, "sample_coding -s4": "ulaw"},
            encode_ulaw(x).tobytes()))
    for kind, files in copies.items():
        got = predict.predict_each(model, cfg, files)
        same = 0
        for r, copy in zip(base, got, strict=True):
            p0 = np.array(list(r["probabilities"].values()))
            p1 = np.array(list(copy["probabilities"].values()))
            if kind == "pcm":
                np.testing.assert_array_equal(p1, p0)
            assert np.max(np.abs(p1 - p0)) < 0.25, (kind, copy["file"])
            same += copy["label"] == r["label"]
        assert same >= len(originals) - 1, kind


@needs_fsdd
def test_a_word_with_silence_around_it_is_treated_like_the_word(fsdd_model, tmp_path):
    model, trimmed = fsdd_model
    originals = sorted(FSDD.glob("*_jackson_3.wav"))
    base = [r["label"] for r in predict.predict_each(model, trimmed, originals)]
    rng = np.random.default_rng(0)
    for before, after in ((0.5, 0.5), (2.0, 1.0), (1.0, 2.0)):
        files = []
        for f in originals:
            x, rate = load_wav(f)
            pad = np.concatenate([np.zeros(int(before * rate)), x, np.zeros(int(after * rate))])
            pad += 3e-4 * rng.standard_normal(pad.size)
            wavfile.write(tmp_path / f.name, rate, pad.astype(np.float32))
            files.append(tmp_path / f.name)
        got = [r["label"] for r in predict.predict_each(model, trimmed, files)]
        assert sum(a == b for a, b in zip(got, base, strict=True)) >= 8, (before, after)


@needs_fsdd
def test_a_word_recorded_in_a_quiet_room_is_treated_like_the_word(fsdd_model, tmp_path):
    """1 s of steady noise on each side, 30 dB (pink) and 20 dB (white) below the word: the
    35 dB rule alone would keep all of it, and the model would read 2 s of noise with the
    word; the endpoint's steady floor cuts it away."""
    from minigru.audio import augment as A
    from minigru.audio.endpoint import speech_bounds

    model, trimmed = fsdd_model
    originals = sorted(FSDD.glob("*_jackson_3.wav"))
    base = [r["label"] for r in predict.predict_each(model, trimmed, originals)]
    rng = np.random.default_rng(0)
    for kind, snr in (("pink", 30.0), ("white", 20.0)):
        files = []
        for f in originals:
            x, rate = load_wav(f)
            x = x.astype(np.float64)
            noise = A.make_noise(kind, x.size + 2 * rate, rng)
            y = np.pad(x, rate) + noise * np.sqrt(np.mean(x ** 2) * 10 ** (-snr / 10))
            s, e = speech_bounds(y, rate)
            s0, e0 = speech_bounds(x, rate)
            assert rate + s0 - 0.1 * rate <= s and e <= rate + e0 + 0.1 * rate, (f.name, kind)
            wavfile.write(tmp_path / f.name, rate, y.astype(np.float32))
            files.append(tmp_path / f.name)
        got = [r["label"] for r in predict.predict_each(model, trimmed, files)]
        assert sum(a == b for a, b in zip(got, base, strict=True)) >= 8, kind


def test_a_training_set_grows_reproducibly():
    p = FeaturePipeline(cmvn=True)
    base = SyntheticDigits(2, 8000, seed=5, features=p)
    a = augmented(base, base.pipeline, "light", seed=1)
    b = augmented(base, base.pipeline, "light", seed=1)
    c = augmented(base, base.pipeline, "light", seed=2)
    assert len(a) == 3 * len(base)
    assert a.names[len(base)] == base.names[0] + "+aug1"
    np.testing.assert_array_equal(a.labels, np.tile(base.labels, 3))
    for fa, fb in zip(a.features, b.features, strict=True):
        assert fa.tobytes() == fb.tobytes()
    assert any(fa.shape != fc.shape or not np.array_equal(fa, fc)
               for fa, fc in zip(a.features[len(base):], c.features[len(base):], strict=True))
    assert augmented(base, base.pipeline, "none", seed=1) is base


def test_each_augmented_copy_is_its_formula_whatever_the_batch(monkeypatch):
    """Copy c of item i is features(augment(audio_i, rng(seed, c, i))) then SpecAugment with
    the same generator, computed one item at a time here and in batches by ``augmented``."""
    from minigru.audio import augment as A
    from minigru.data import speech

    p = FeaturePipeline(cmvn=True)
    base = SyntheticDigits(3, 8000, seed=5, features=p)
    recipe = A.policy("strong")
    audio = [speech.source_audio(s, base.pipeline)[0] for s in base.sources]
    expected = []
    for copy in (1, 2):
        for i in range(len(base)):
            rng = A.utterance_rng(7, copy, i)
            others = [audio[j] for j in rng.choice(len(audio), size=min(8, len(audio)),
                                                   replace=False) if j != i]
            f = base.pipeline.frames([A.augment(audio[i], 8000, recipe, rng, others)], 8000)[0]
            expected.append(A.spec_augment(f, rng, **recipe.spec_augment))
    for chunk in (1, 7, 256):
        monkeypatch.setattr(speech, "_AUGMENT_CHUNK", chunk)
        got = augmented(base, base.pipeline, "strong", seed=7).features[len(base):]
        for fa, fb in zip(got[:len(expected)], expected, strict=True):
            assert fa.tobytes() == fb.tobytes(), chunk


def test_augmented_copies_of_files_are_cached(tmp_path):
    from minigru.data import AudioFolder
    from minigru.data.synthetic import synthesize_digit

    for d in (1, 2):
        (tmp_path / "data" / str(d)).mkdir(parents=True)
        for take in range(2):
            wavfile.write(tmp_path / "data" / str(d) / f"{take}.wav", 8000,
                          synthesize_digit(d, 8000, 0, take))
    folder = AudioFolder(tmp_path / "data", features=FeaturePipeline(cmvn=True))
    uncached = augmented(folder, folder.pipeline, "strong", 3)
    first = augmented(folder, folder.pipeline, "strong", 3, tmp_path / "cache")
    entries = sorted((tmp_path / "cache").glob("*.npz"))
    assert len(entries) == 4 and all(e.name.startswith("set-") for e in entries)
    again = augmented(folder, folder.pipeline, "strong", 3, tmp_path / "cache")
    for fa, fb, fc in zip(uncached.features, first.features, again.features, strict=True):
        assert fa.tobytes() == fb.tobytes() == fc.tobytes()
    stacked = AudioFolder(tmp_path / "data", features=FeaturePipeline(cmvn=True, stack=2))
    two = augmented(stacked, stacked.pipeline, "strong", 3, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 4
    for fa, f2 in zip(first.features[4:], two.features[4:], strict=True):
        np.testing.assert_array_equal(stack_frames(fa, 2), f2)


def test_mix_synthetic_and_augment_are_settings(tmp_path):
    cfg = config.make_config({"augment": "light", "mix_synthetic": 2, "limit": 2,
                              "synthetic": {"train_per_class": 2, "val_per_class": 1,
                                            "test_per_class": 1, "sample_rate": 8000}})
    data = datasets.make_datasets(cfg)
    assert len(data["train"]) == 3 * 20 and len(data["val"]) == 10
    with pytest.raises(config.ConfigError, match="augment"):
        config.make_config({"augment": "loud"})
    with pytest.raises(config.ConfigError, match="mix_synthetic"):
        config.make_config({"mix_synthetic": -1})


@pytest.fixture()
def synthetic_run(tmp_path):
    cfg = config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "synthetic": {
        "train_per_class": 3, "val_per_class": 2, "test_per_class": 2}})
    run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    return RunFolder(tmp_path / "run").best


def labelled_folder(root: pathlib.Path, names=("zero", "one", "two")) -> pathlib.Path:
    from minigru.data.synthetic import DIGIT_WORDS, synthesize_digit

    for name in names:
        (root / name).mkdir(parents=True)
        for take in range(2):
            digit = DIGIT_WORDS.index(name) if name in DIGIT_WORDS else \
                int(name) if name.isdigit() else 5
            wavfile.write(root / name / f"{take}.wav", 22050,
                          synthesize_digit(digit, 22050, 9, take))
    return root


def test_evaluate_scores_every_file_of_a_labelled_folder(tmp_path, synthetic_run, capsys):
    root = labelled_folder(tmp_path / "mine")
    (root / "one" / "broken.wav").write_bytes(b"RIFF....not a wav")
    wavfile.write(root / "zero" / "quiet.wav", 16000, np.zeros(8000, dtype=np.int16))
    code = cli.main(["evaluate", str(synthetic_run), "--data", "folder", "--data-dir",
                     str(root), "--json"])
    out, err = capsys.readouterr()
    r = json.loads(out)
    assert code == 1 and "broken.wav" in err
    assert any(s["file"].endswith("quiet.wav") and "silent" in s["error"]
               for s in r["skipped"])
    assert r["n"] == 6 and r["split"] == "all"
    assert r["per_class"]["zero"]["n"] == 2 and r["per_class"]["three"]["n"] == 0
    assert r["per_class"]["three"]["accuracy"] is None
    assert sum(c["correct"] for c in r["per_class"].values()) == round(r["accuracy"] * 6)
    assert np.array(r["confusion"]).sum() == 6
    assert r["skipped"][0]["file"].endswith("broken.wav")


def test_evaluate_refuses_a_label_the_model_does_not_know(tmp_path, synthetic_run, capsys):
    root = labelled_folder(tmp_path / "mine", names=("zero", "bonjour"))
    code = cli.main(["evaluate", str(synthetic_run), "--data", "folder", "--data-dir",
                     str(root)])
    err = capsys.readouterr().err
    assert code == 2 and "bonjour" in err and len(err.strip().splitlines()) == 1


def test_evaluate_maps_digit_folders_to_digit_words(tmp_path, synthetic_run, capsys):
    root = labelled_folder(tmp_path / "digits", names=("3", "4"))
    assert cli.main(["evaluate", str(synthetic_run), "--data", "folder", "--data-dir",
                     str(root), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["per_class"]["three"]["n"] == 2 and r["per_class"]["four"]["n"] == 2


def test_predict_goes_on_past_bad_files(tmp_path, synthetic_run, capsys):
    from minigru.data.synthetic import synthesize_digit

    good = tmp_path / "good.wav"
    wavfile.write(good, 16000, synthesize_digit(4, 16000, 1, 1))
    silent = tmp_path / "silent.wav"
    wavfile.write(silent, 16000, np.zeros(16000, dtype=np.int16))
    short = tmp_path / "short.wav"
    wavfile.write(short, 16000, np.full(50, 0.1, dtype=np.float32))
    nan = tmp_path / "nan.wav"
    wavfile.write(nan, 16000, np.array([0.1, np.nan] * 400, dtype=np.float32))
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    files = [good, silent, short, nan, text, tmp_path / "missing.wav", good]
    code = cli.main(["predict", str(synthetic_run), *map(str, files), "--json"])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert code == 1 and len(rows) == 7
    assert [("error" in r) for r in rows] == [False, True, True, True, True, True, False]
    assert "silent" in rows[1]["error"] and "short" in rows[2]["error"]
    assert "NaN" in rows[3]["error"] and "not a readable WAV" in rows[4]["error"]
    assert "no such file" in rows[5]["error"]
    for r in rows[1:6]:
        assert r["file"] in r["error"]
    assert rows[0]["label"] == rows[6]["label"]
    assert abs(sum(rows[0]["probabilities"].values()) - 1) < 1e-5
    assert "5 of 7" in err


def test_a_file_below_the_model_rate_is_upsampled(tmp_path, synthetic_run):
    from minigru.data.synthetic import synthesize_digit

    model, cfg = predict.load_model(synthetic_run)
    low = tmp_path / "low.wav"
    wavfile.write(low, 8000, synthesize_digit(2, 8000, 1, 1))
    x, rate = config.pipeline_of(cfg).load(low)
    assert rate == 16000 and x.size == 2 * wavfile.read(low)[1].size
    assert "label" in predict.predict_each(model, cfg, [low])[0]
    shutil.rmtree(tmp_path / "run", ignore_errors=True)


def test_train_flags_set_the_features_and_augmentation():
    args = cli.build_parser().parse_args(["train", "--no-cmvn", "--trim", "--augment", "strong",
                                          "--mix-synthetic", "3"])
    over = commands.train_overrides(args)
    assert over["features"] == {"cmvn": False, "trim": True}
    cfg = config.make_config(over)
    assert cfg["augment"] == "strong" and cfg["mix_synthetic"] == 3
    assert config.pipeline_of(cfg) == FeaturePipeline(cmvn=False, trim=True, sample_rate=16000,
                                                      dither_db=25.0, floor="expected",
                                                      declip=True, declip_reshaped=True)
    assert config.augment_of(config.make_config({})) == "none"
    over = commands.train_overrides(cli.build_parser().parse_args(["train", "--stack", "2"]))
    assert config.pipeline_of(config.make_config(over)).stack == 2
    assert config.augment_of(config.make_config({"data": "fsdd"})) == "noisy"


def test_a_run_records_the_policy_it_resolved_and_an_old_auto_keeps_its_meaning(tmp_path):
    """A new run writes the concrete policy into config.json; a run folder written when
    ``auto`` meant ``light`` for recordings resumes with ``light``, not today's default."""
    cfg, files = run.prepare_run({"limit": 2, "epochs": 1, "hidden": 4, "threads": 1,
                                  "patience": None}, out=tmp_path / "new")
    run.train_run(cfg, files.path, quiet=True, log=None)
    assert files.read_config()["augment"] == "none"
    old = dict(cfg, data="fsdd", data_dir=str(tmp_path), augment="auto")
    files.write_config(old)
    (files.path / files.CHECKPOINT).write_bytes(b"")
    resumed, _ = run.prepare_run({}, resume=files.path)
    assert resumed["augment"] == "light"
    assert config.legacy_config({"data": "synthetic", "augment": "auto"})["augment"] == "none"
    assert config.legacy_config({"data": "fsdd", "augment": "strong"})["augment"] == "strong"


def test_joining_and_augmenting_refuse_what_cannot_work():
    from minigru.data import ArrayDataset, join

    a = ArrayDataset([np.zeros((3, 2))], [0], classes=["x", "y"])
    b = ArrayDataset([np.zeros((3, 2))], [1], classes=["x", "z"])
    with pytest.raises(ValueError, match="no datasets"):
        join([])
    with pytest.raises(ValueError, match="classes differ"):
        join([a, b])
    assert join([a, a]).sources is None and len(join([a, a])) == 2
    with pytest.raises(ValueError, match="sources"):
        ArrayDataset([np.zeros((3, 2))], [0], sources=["a.wav", "b.wav"])
    with pytest.raises(ValueError, match="where its audio came from"):
        augmented(a, FeaturePipeline(sample_rate=8000), "light", 0)
    synth = SyntheticDigits(1, 8000, features=FeaturePipeline())
    with pytest.raises(ValueError, match="sample rate"):
        augmented(synth, FeaturePipeline(), "light", 0)
    with pytest.raises(ValueError, match="augment"):
        augmented(synth, synth.pipeline, "loud", 0)


def write_fsdd_named(root: pathlib.Path, speakers=("ann", "bob", "cat"), takes=3) -> None:
    """A small corpus named like FSDD (digit_speaker_index.wav): each digit a chirp of its
    own pitch, each speaker a little higher, with a little noise."""
    rng = np.random.default_rng(0)
    t = np.arange(2400) / 8000
    for k, who in enumerate(speakers):
        for d in range(10):
            for i in range(takes):
                f = 200 + 60 * d + 25 * k
                x = 0.4 * np.sin(2 * np.pi * f * t * (1 + 0.3 * t)) * np.hanning(t.size)
                x = x + 0.01 * rng.standard_normal(t.size)
                wavfile.write(root / f"{d}_{who}_{i}.wav", 8000,
                              np.round(x * 32767).astype(np.int16))


def test_leave_one_speaker_out_split(tmp_path):
    write_fsdd_named(tmp_path)
    from minigru.data import SpokenDigitFolder

    everything = SpokenDigitFolder(tmp_path, "all", features=FeaturePipeline(sample_rate=8000))
    split = datasets.speaker_split(everything, "bob", seed=0)
    assert len(split["test"]) == 30 and all("_bob_" in n for n in split["test"].names)
    train, val = set(split["train"].names), set(split["val"].names)
    assert len(val) == 6 and len(train) == 54 and not train & val
    assert train | val == {n for n in everything.names if "_bob_" not in n}
    again = datasets.speaker_split(everything, "bob", seed=0)
    assert again["val"].names == split["val"].names
    assert datasets.speaker_split(everything, "bob", seed=1)["val"].names != split["val"].names
    with pytest.raises(config.ConfigError, match=r"'dan'.*\['ann', 'bob', 'cat'\]"):
        datasets.speaker_split(everything, "dan", seed=0)
    for bad, message in (({"test_speaker": "bob"}, "needs --data fsdd"),
                         ({"data": "fsdd", "test_speaker": 3}, "speaker's name"),
                         ({"data": "fsdd", "test_speaker": " "}, "speaker's name")):
        with pytest.raises(config.ConfigError, match=message):
            config.make_config(bad)
    cfg = config.make_config({"data": "fsdd", "test_speaker": "bob", "seed": 2})
    assert run.run_name(cfg) == "fsdd-gru-h128-seed2-test-bob"


def test_train_with_a_speaker_held_out_tests_on_that_speaker(tmp_path, capsys):
    root = tmp_path / "corpus"
    root.mkdir()
    write_fsdd_named(root)
    out = tmp_path / "run"
    code = cli.main(["train", "--data", "fsdd", "--data-dir", str(root), "--test-speaker",
                     "cat", "--epochs", "1", "--hidden", "8", "--augment", "none", "--quiet",
                     "--out", str(out)])
    assert code == 0
    assert "(30 utterances of cat, held out)" in capsys.readouterr().out
    files = RunFolder(out)
    assert files.read_config()["test_speaker"] == "cat"
    assert json.loads(files.summary.read_text())["n_test"] == 30
    capsys.readouterr()
    assert cli.main(["evaluate", str(files.best), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 30
    assert cli.main(["evaluate", str(files.best), "--data", "folder", "--data-dir",
                     str(tmp_path / "none"), "--json"]) == 2
    assert "test_speaker" not in capsys.readouterr().err
    assert cli.main(["train", "--data", "fsdd", "--data-dir", str(root), "--test-speaker",
                     "dan", "--quiet", "--out", str(tmp_path / "run2")]) == 2
    assert "['ann', 'bob', 'cat']" in capsys.readouterr().err


@needs_fsdd
def test_a_recording_of_several_words_is_answered_word_by_word(fsdd_model, tmp_path):
    """Three of one speaker's FSDD clips 0.5 s apart in one file: read as one word the
    answer says there are three (``words``); with ``words=True`` each is answered on its own
    cut (100 ms each side, through the model's pipeline), as the clip alone is."""
    from minigru.audio.endpoint import speech_runs
    from minigru.speech.views import draw_pipelines, mean_posterior

    model, cfg = fsdd_model
    names = ["3_george_7.wav", "8_george_2.wav", "1_george_30.wav"]
    clips = [wavfile.read(FSDD / n)[1] for n in names]
    gap = np.zeros(4000, np.int16)
    joined = tmp_path / "three.wav"
    wavfile.write(joined, 8000, np.concatenate([clips[0], gap, clips[1], gap, clips[2]]))
    (whole,) = predict.predict_each(model, cfg, [joined])
    assert len(whole["words"]) == 3 and "start" not in whole
    each = predict.predict_each(model, cfg, [joined], words=True)
    alone = predict.predict_each(model, cfg, [FSDD / n for n in names])
    assert [r["label"] for r in each] == [r["label"] for r in alone]
    pipelines = draw_pipelines(cfg, config.pipeline_of(cfg))
    signal, rate = pipelines[0].load(joined)
    pad = int(predict.WORD_PAD_S * rate)
    for r, (a, b) in zip(each, speech_runs(signal, rate), strict=True):
        assert (r["start"], r["end"]) == (round(a / rate, 3), round(b / rate, 3))
        views = predict.signal_views(pipelines, joined, signal[max(0, a - pad):b + pad], rate)
        np.testing.assert_allclose(list(r["probabilities"].values()),
                                   mean_posterior(model, views), rtol=1e-6)
    one = predict.predict_each(model, cfg, [FSDD / names[0]], words=True)
    assert one[0].keys() == alone[0].keys() and "start" not in one[0]
    with pytest.raises(config.ConfigError, match="predict_each: words must be True or False"):
        predict.predict_each(model, cfg, [joined], words="yes")


@needs_fsdd
def test_a_stream_that_starts_on_a_word_finds_that_word(fsdd_model, tmp_path):
    """"one two three" (three of theo's clips, 0.5 s of silence between) in a file that
    starts at the first sample of "one": streamed, each word is found once, the first from
    0 s, each where the endpointer finds a stretch of speech (``predict --words``), though
    the stream's floor started inside "one"."""
    from minigru.audio.endpoint import speech_runs
    from minigru.speech.stream import run_stream

    model, cfg = fsdd_model
    clips = [wavfile.read(FSDD / f"{d}_theo_3.wav")[1] for d in (1, 2, 3)]
    gap = np.zeros(4000, np.int16)
    joined = tmp_path / "one_two_three.wav"
    wavfile.write(joined, 8000, np.concatenate([clips[0], gap, clips[1], gap, clips[2]]))
    found = run_stream(model, config.pipeline_of(cfg), cfg["classes"], joined,
                       threshold=0.0)["detections"]
    signal, rate = FeaturePipeline(sample_rate=8000).load(joined)
    runs = [(a / rate, b / rate) for a, b in speech_runs(signal, rate)]
    assert len(found) == len(runs) == 3
    assert found[0]["word_start"] == 0.0
    for d, (a, b) in zip(found, runs, strict=True):
        assert d["word_start"] < b and d["word_end"] > a
