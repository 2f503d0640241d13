"""Ensembles: the mean posterior of several models, in one module and one model file."""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.io import wavfile

import minigru as mg
from minigru.nn import functional as F
from minigru.speech import ConfigError, Ensemble, combine_models, load_model, models
from minigru.speech.stream import StreamingRecognizer


def _members(dtype=np.float64):
    mg.manual_seed(0)
    return [models.GRUClassifier(5, 4, 6, pooling="mean").to(dtype),
            models.GRUClassifier(5, 4, 3, num_layers=2).to(dtype),
            models.build_model("lstm", 5, 4, hidden=4).to(dtype)]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_ensemble_is_the_log_of_the_mean_posterior():
    members = _members()
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((7, 3, 5)))
    lengths = np.array([7, 5, 2])
    ens = Ensemble(members)
    out = ens(x, lengths).numpy()
    mean = np.mean([_softmax(m(x, lengths).numpy()) for m in members], axis=0)
    np.testing.assert_allclose(out, np.log(mean), rtol=0, atol=1e-13)
    np.testing.assert_allclose(F.softmax(ens(x, lengths), axis=1).numpy(), mean, atol=1e-13)
    loss = F.cross_entropy(ens(x, lengths), np.array([0, 3, 1])).item()
    assert loss == pytest.approx(-np.mean(np.log(mean[[0, 1, 2], [0, 3, 1]])), abs=1e-12)
    one = Ensemble(members[:1])(x, lengths).numpy()
    np.testing.assert_allclose(one, F.log_softmax(members[0](x, lengths), axis=1).numpy(),
                               atol=1e-13)


def test_ensemble_gradients_match_finite_differences():
    members = _members()
    ens = Ensemble(members)
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((4, 2, 5)), requires_grad=True)
    w = members[1].head.weight
    c = rng.standard_normal((2, 4))
    mg.gradcheck(lambda x, w: (ens(x, [4, 3]) * mg.tensor(c)).sum(), [x, w], atol=1e-7,
                 rtol=1e-5)


def test_ensemble_streams_the_mean_of_its_members_streams():
    members = _members()[:2]
    ens = Ensemble(members)
    rng = np.random.default_rng(3)
    frames = rng.standard_normal((9, 5))
    stream = ens.stream()
    got = np.concatenate([stream.push(frames[:4]), stream.push(frames[4:])])
    for t in (0, 3, 8):
        whole = F.softmax(ens(mg.tensor(frames[:t + 1, None, :]), [t + 1]), axis=1).numpy()
        np.testing.assert_allclose(got[t], whole[0], atol=1e-12)
    stream.reset()
    np.testing.assert_allclose(stream.push(frames[:1])[0], got[0], atol=0)
    pipe = mg.audio.FeaturePipeline(sample_rate=8000, n_mfcc=5, cmvn=False, trim=False)
    rec = StreamingRecognizer(ens, pipe, 8000, list("abcd"), decide="frames")
    assert rec.model_stream.input_size == 5
    with pytest.raises(ValueError, match="no recurrent layer"):
        Ensemble([models.CNNGRUClassifier(5, 4, channels=4, hidden_size=4)]).stream()
    with pytest.raises(ConfigError, match="members"):
        Ensemble([])


def run(*args):
    return subprocess.run([sys.executable, "-m", "minigru", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ensemble")
    for seed, hidden in ((0, 8), (1, 6)):
        result = run("train", "--limit", "4", "--epochs", "1", "--hidden", str(hidden),
                     "--seed", str(seed), "--quiet", "--out", str(root / f"s{seed}"))
        assert result.returncode == 0, result.stderr
    return root


def test_combined_file_predicts_the_mean_posterior_of_its_members(two_runs, tmp_path):
    a, b = two_runs / "s0" / "best.npz", two_runs / "s1" / "best.npz"
    out = tmp_path / "ens.npz"
    result = run("ensemble", str(a), str(b), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "an ensemble of 2 models" in result.stdout
    assert "member 1: model gru, hidden 6, layers 1, seed 1" in result.stdout
    model, cfg = load_model(out)
    assert isinstance(model, Ensemble) and len(model.members) == 2
    assert [m["seed"] for m in cfg["members"]] == [0, 1]
    wav = tmp_path / "chirp.wav"
    t = np.arange(4000) / 8000
    wavfile.write(wav, 8000, (8000 * np.sin(2 * np.pi * 300 * t * (1 + 2 * t))).astype(np.int16))

    def probs(path):
        r = run("predict", str(path), str(wav), "--json")
        assert r.returncode == 0, r.stderr
        return np.array(list(json.loads(r.stdout)["probabilities"].values()))

    np.testing.assert_allclose(probs(out), (probs(a) + probs(b)) / 2, atol=1e-6)
    report = run("evaluate", str(out), "--json", "--limit", "4")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["n"] == 40
    three = combine_models([out, a], tmp_path / "three.npz")
    assert [m["hidden"] for m in three["members"]] == [8, 6, 8]
    model3, _ = load_model(tmp_path / "three.npz")
    x = mg.tensor(np.random.default_rng(0).standard_normal((6, 2, 26)).astype(np.float32))
    with mg.no_grad():
        p3 = F.softmax(model3(x, [6, 4]), axis=1).numpy()
        pa = F.softmax(model.members[0](x, [6, 4]), axis=1).numpy()
        pb = F.softmax(model.members[1](x, [6, 4]), axis=1).numpy()
    np.testing.assert_allclose(p3, (2 * pa + pb) / 3, atol=1e-6)


def test_combining_refuses_what_cannot_be_one_model(two_runs, tmp_path):
    a, b = two_runs / "s0" / "best.npz", two_runs / "s1" / "best.npz"
    with pytest.raises(ConfigError, match="at least two"):
        combine_models([a], tmp_path / "x.npz")
    with pytest.raises(ConfigError, match="is one of the models"):
        combine_models([a, b], a)
    (tmp_path / "taken.npz").write_bytes(b"keep me")
    with pytest.raises(ConfigError, match="exists"):
        combine_models([a, b], tmp_path / "taken.npz")
    assert (tmp_path / "taken.npz").read_bytes() == b"keep me"
    combine_models([a, b], tmp_path / "taken.npz", overwrite=True)
    assert isinstance(load_model(tmp_path / "taken.npz")[0], Ensemble)
    state = mg.load(b)
    cfg = json.loads(state["config"])
    for key, value, message in (("classes", list("abcdefghij"), "classes"),
                                ("features", {**cfg["features"], "n_mfcc": 12},
                                 "other features")):
        mg.save({**state, "config": json.dumps({**cfg, key: value})}, tmp_path / "odd.npz")
        with pytest.raises(ConfigError, match=message) as info:
            combine_models([a, tmp_path / "odd.npz"], tmp_path / f"{key}.npz")
        assert "odd.npz" in str(info.value)
        assert not (tmp_path / f"{key}.npz").exists()
    result = run("ensemble", str(a), "--out", str(tmp_path / "y.npz"))
    assert result.returncode == 2 and "at least two" in result.stderr
    assert "Traceback" not in result.stderr
