"""A model's answers averaged over draws of its noise floor (``minigru.speech.views``)."""

import dataclasses

import numpy as np
import pytest
from scipy.io import wavfile

import minigru as mg
from minigru.audio import FeaturePipeline
from minigru.audio import augment as A
from minigru.audio.endpoint import trim
from minigru.audio.pipeline import DRAW_STRIDE, dither_seed
from minigru.data import synthesize_digit
from minigru.data.dataset import ArrayDataset
from minigru.data.loader import DataLoader
from minigru.speech import config, predict, run
from minigru.speech.stream import StreamingRecognizer
from minigru.speech.views import mean_posterior
from minigru.training import RunFolder, evaluate, evaluate_mean

FLOOR = FeaturePipeline(cmvn=True, trim=True, sample_rate=8000, dither_db=25.0)


@pytest.fixture(scope="module")
def clip():
    return synthesize_digit(5, 8000, 0, 0, (20.0, 30.0)).astype(np.float32)


def test_each_draw_is_the_floor_of_its_own_seed(clip):
    draws = FLOOR.floor_draws(3)
    assert [p.floor_draw for p in draws] == [0, 1, 2]
    assert draws[0] == FLOOR
    word = trim(clip, 8000)
    plain = dataclasses.replace(FLOOR, dither_db=None, trim=False)
    for j, p in enumerate(draws):
        noisy = A.dither(word, 25.0, dither_seed(word.size, 8000) + j * DRAW_STRIDE)
        np.testing.assert_array_equal(p.convert(clip, 8000)[0], noisy)
        np.testing.assert_array_equal(p(clip, 8000), plain(noisy, 8000))
    assert not np.array_equal(draws[1](clip, 8000), draws[0](clip, 8000))
    # the same word at another rate gets the same draws
    at_16k = mg.audio.resample(clip, 8000, 16000)
    for p in draws:
        assert np.abs(p(at_16k, 16000) - p(clip, 8000)).max() < 0.5


def test_a_draw_is_described_only_where_it_is_not_the_first():
    assert "floor_draw" not in FLOOR.to_dict()
    second = FLOOR.floor_draws(2)[1]
    assert second.to_dict()["floor_draw"] == 1
    assert FeaturePipeline.from_json(second.to_json()) == second
    assert FeaturePipeline(trim=True).floor_draws(5) == [FeaturePipeline(trim=True)]
    for bad in (0, -1, 2.0, True, "3"):
        with pytest.raises(ValueError, match="k must be"):
            FLOOR.floor_draws(bad)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="floor_draw"):
            FeaturePipeline(floor_draw=bad)


def test_evaluate_mean_averages_the_posteriors():
    rng = np.random.default_rng(0)
    mg.manual_seed(0)
    model = mg.speech.model_for(config.make_config({"hidden": 8}), 4, 3)
    labels = [0, 1, 2, 1, 0]
    views = [ArrayDataset([rng.standard_normal((n, 4)).astype(np.float32) for n in
                           (3, 5, 2, 4, 6)], labels) for _ in range(3)]
    loaders = [DataLoader(v, 2) for v in views]
    one = evaluate(model, loaders[0], 3)
    same = evaluate_mean(model, loaders[:1], 3)
    assert same["accuracy"] == one["accuracy"] and same["loss"] == one["loss"]
    each = [evaluate(model, loader, 3)["probabilities"] for loader in loaders]
    mean = np.mean(each, axis=0)
    r = evaluate_mean(model, loaders, 3)
    np.testing.assert_allclose(r["probabilities"], mean, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(r["predictions"], mean.argmax(1))
    assert r["accuracy"] == pytest.approx(np.mean(mean.argmax(1) == labels))
    assert r["loss"] == pytest.approx(-np.mean(np.log(mean[np.arange(5), labels])))
    assert r["confusion"].sum() == 5 and r["n"] == 5
    for k in range(len(labels)):
        p = mean_posterior(model, [v.features[k] for v in views])
        np.testing.assert_allclose(p, mean[k], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        evaluate_mean(model, [], 3)
    other = ArrayDataset(views[1].features, [2, 1, 2, 1, 0])
    with pytest.raises(ValueError, match="same utterances"):
        evaluate_mean(model, [loaders[0], DataLoader(other, 2)], 3)


def test_the_setting_is_checked_and_old_models_keep_one_draw():
    assert config.make_config()["floor_draws"] == 5
    for bad in (0, 65, 2.5, True, "5"):
        with pytest.raises(config.ConfigError, match="floor_draws"):
            config.make_config({"floor_draws": bad})
    assert config.floor_draws_of({"features": {}}) == 1
    assert config.floor_draws_of({"floor_draws": 3}) == 3


def test_every_answer_averages_the_draws(tmp_path, clip):
    """predict, evaluate, the run's own test and a stream's word decision all answer by the
    mean posterior of the draws; a configuration without the setting answers by one draw."""
    cfg = config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "floor_draws": 3,
                              "synthetic": {"train_per_class": 3, "val_per_class": 2,
                                            "test_per_class": 2}})
    summary = run.train_run(cfg, tmp_path / "run", quiet=True, log=None)
    best = RunFolder(tmp_path / "run").best
    model, cfg2 = predict.load_model(best)
    pipe = config.pipeline_of(cfg2)
    assert cfg2["floor_draws"] == 3 and pipe.dither_db == 25.0
    wavfile.write(tmp_path / "a.wav", 8000, clip)
    views = [p(clip, 8000).astype(np.float32) for p in pipe.floor_draws(3)]
    each = [mean_posterior(model, [v]) for v in views]
    [(_, p)] = predict.predict_files(model, cfg2, [tmp_path / "a.wav"])
    np.testing.assert_allclose(p, np.mean(each, axis=0), rtol=0, atol=1e-6)
    old = {k: v for k, v in cfg2.items() if k != "floor_draws"}
    [(_, p1)] = predict.predict_files(model, old, [tmp_path / "a.wav"])
    np.testing.assert_allclose(p1, each[0], rtol=0, atol=1e-6)
    scored = predict.evaluate_checkpoint(best)
    assert scored["accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-12)
    rec = StreamingRecognizer(model, pipe, 8000, cfg2["classes"], floor_draws=3)
    word = mg.audio.resample(clip, 8000, rec.sample_rate).astype(np.float32)
    at_rate = [mean_posterior(model, [p(word, rec.sample_rate)]) for p in pipe.floor_draws(3)]
    np.testing.assert_allclose(rec._classify(word), np.mean(at_rate, axis=0), rtol=0,
                               atol=1e-6)
    for bad in (0, 1.0, True):
        with pytest.raises(ValueError, match="floor_draws"):
            StreamingRecognizer(model, pipe, 8000, cfg2["classes"], floor_draws=bad)
