"""A run of several models: members trained on one training set, saved and tested as one."""

import json
import shutil

import numpy as np
import pytest

from minigru import cli
from minigru.errors import InputError
from minigru.nn import functional as F
from minigru.speech import Ensemble, load_model, run
from minigru.speech import config as config
from minigru.speech.datasets import make_datasets
from minigru.speech.ensemble import member_seed
from minigru.training import RunFolder, load_checkpoint

TINY = {"limit": 6, "epochs": 3, "hidden": 12, "patience": None, "threads": 1,
        "synthetic": {"sample_rate": 8000}, "features": {"cmvn": False, "trim": False}}


def _weights(path):
    return load_checkpoint(path)["model"]


def _same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    assert sorted(wa) == sorted(wb)
    for name in wa:
        np.testing.assert_array_equal(wa[name], wb[name], err_msg=name)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A run of two models and the one-model run with the same seed."""
    root = tmp_path_factory.mktemp("ensemble")
    cfg = config.make_config(dict(TINY, ensemble=2))
    summary = run.train_run(cfg, root / "pair", log=None, quiet=True)
    run.train_run(config.make_config(TINY), root / "one", log=None, quiet=True)
    return {"cfg": cfg, "summary": summary, "pair": RunFolder(root / "pair"),
            "one": RunFolder(root / "one")}


def test_member_seeds():
    assert member_seed(7, 0) == 7
    seeds = {member_seed(s, k) for s in range(20) for k in range(1, 4)}
    assert len(seeds) == 60 and seeds.isdisjoint(range(20))
    assert all(0 <= s < 2**32 for s in seeds)
    assert member_seed(3, 2) == member_seed(3, 2)
    for bad in (-1, 1.0, True):
        with pytest.raises(config.ConfigError, match="k must be"):
            member_seed(0, bad)


def test_a_member_folder_needs_an_index(tmp_path):
    assert RunFolder(tmp_path).member(2).path == tmp_path / "members" / "2"
    for bad in (-1, 1.0, True, "0"):
        with pytest.raises(InputError, match="k must be"):
            RunFolder(tmp_path).member(bad)


def test_how_many_models_by_default_and_bad_counts_are_named():
    assert config.ensemble_of(config.make_config()) == 1
    assert config.ensemble_of(config.make_config({"data": "fsdd"})) == \
        config.ENSEMBLE_RECORDINGS == 3
    assert config.ensemble_of(config.make_config({"data": "folder", "ensemble": 1})) == 1
    assert config.ensemble_of({"data": "fsdd"}) == 1  # stored before the setting: one model
    for bad in (0, config.MAX_MEMBERS + 1, 2.5, True, "3"):
        with pytest.raises(config.ConfigError, match="ensemble"):
            config.make_config({"ensemble": bad})


def test_the_first_member_is_the_one_model_run_and_the_others_have_their_own_seeds(pair):
    files = pair["pair"]
    _same_weights(files.member(0).best, pair["one"].best)
    assert files.member(0).metrics.read_text() == pair["one"].metrics.read_text()
    seeds = [json.loads(files.member(k).config.read_text())["seed"] for k in (0, 1)]
    assert seeds == [0, member_seed(0, 1)]
    assert [m["seed"] for m in pair["summary"]["members"]] == seeds
    stored = files.read_config()
    assert stored["ensemble"] == 2 and stored["seed"] == 0
    assert json.loads(files.member(1).config.read_text())["ensemble"] == 1
    for name in ("config.json", "summary.json", "best.npz", "curves.png", "confusion.png",
                 "gates.png"):
        assert (files.path / name).exists(), name
    for k in (0, 1):
        for name in ("config.json", "checkpoint.npz", "best.npz", "metrics.jsonl",
                     "summary.json"):
            assert (files.member(k).path / name).exists(), (k, name)
    assert [m.path for m in files.members()] == [files.member(k).path for k in (0, 1)]
    assert pair["one"].members() == []


def test_the_run_model_is_the_mean_posterior_of_its_members_and_the_test_scores_it(pair):
    model, cfg = load_model(pair["pair"].best)
    assert isinstance(model, Ensemble) and len(model.members) == 2
    assert cfg["ensemble"] == 2 and [m["seed"] for m in cfg["members"]] == \
        [0, member_seed(0, 1)]
    alone = [load_model(pair["pair"].member(k).best)[0] for k in (0, 1)]
    test = make_datasets(pair["cfg"], config.pipeline_of(cfg))["test"]
    for i in range(3):
        x = test[i][0][:, None, :]
        lengths = [x.shape[0]]
        mean = np.mean([F.softmax(m(x, lengths), axis=1).numpy() for m in alone], axis=0)
        np.testing.assert_allclose(F.softmax(model(x, lengths), axis=1).numpy(), mean,
                                   rtol=1e-6, atol=1e-7)
    summary = pair["summary"]
    assert summary["ensemble"] == 2 and summary["best_epoch"] is None
    assert summary["epochs"] == sum(m["epochs"] for m in summary["members"]) == 6
    assert np.sum(summary["confusion"]) == summary["n_test"]
    assert summary["test_accuracy"] == pytest.approx(
        np.trace(np.array(summary["confusion"])) / summary["n_test"])
    assert summary["parameters"] == 2 * alone[0].num_parameters()


def test_an_interrupted_run_of_several_models_resumes_to_the_same_weights(pair, tmp_path):
    cfg = pair["cfg"]
    run.train_run(dict(cfg, epochs=2), tmp_path / "part", log=None, quiet=True)
    run.train_run(dict(cfg, epochs=3), tmp_path / "part", resume=True, log=None, quiet=True)
    for k in (0, 1):
        _same_weights(RunFolder(tmp_path / "part").member(k).best, pair["pair"].member(k).best)
    # stopped after the first member: the second has no folder yet
    shutil.copytree(pair["pair"].path, tmp_path / "cut")
    cut = RunFolder(tmp_path / "cut")
    shutil.rmtree(cut.member(1).path)
    cut.best.unlink()
    assert cut.can_resume()
    run.train_run(cut.read_config(), cut.path, resume=True, log=None, quiet=True)
    _same_weights(cut.best, pair["pair"].best)


def test_the_command_trains_several_models_and_refuses_to_write_over_them(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--limit", "4", "--hidden", "8", "--epochs", "1", "--threads", "1",
            "--quiet", "--ensemble", "2", "--no-cmvn", "--no-trim", "--out", str(out)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "models         2, answering with their mean posterior" in printed
    assert "report.html" in printed and (out / "report.html").exists()
    assert "2 models answering with their mean posterior" in (out / "report.html").read_text()
    assert cli.main(args) != 0
    assert "already holds a run" in capsys.readouterr().err
