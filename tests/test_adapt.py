"""Enrolment: a trained model fine-tuned on a few labelled clips of a new voice, written as a
new model file that every command reads."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from scipy.io import wavfile

from minigru import cli
from minigru.data import SpokenDigitFolder
from minigru.data.loader import DataLoader
from minigru.data.speech import augmented
from minigru.data.synthetic import DIGIT_WORDS
from minigru.speech import ConfigError, combine_models, config, load_model, run
from minigru.speech.adapt import adapt_checkpoint, adapt_model, check_enrolment
from minigru.training import RunFolder, evaluate

from .test_generalisation import write_fsdd_named


def files_of(root: pathlib.Path, who: str, takes: range, into: pathlib.Path) -> pathlib.Path:
    """A folder holding copies of ``who``'s clips with these takes."""
    into.mkdir()
    for f in sorted(root.glob(f"*_{who}_*.wav")):
        if int(f.stem.rsplit("_", 1)[1]) in takes:
            (into / f.name).write_bytes(f.read_bytes())
    return into


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    """A model trained on ann and bob (cat held out), cat's takes 0-1 to enrol and 2-5 to
    test."""
    root = tmp_path_factory.mktemp("adapt")
    corpus = root / "corpus"
    corpus.mkdir()
    write_fsdd_named(corpus, takes=6)
    out = root / "run"
    assert cli.main(["train", "--data", "fsdd", "--data-dir", str(corpus), "--test-speaker",
                     "cat", "--epochs", "3", "--hidden", "8", "--augment", "light",
                     "--quiet", "--out", str(out)]) == 0
    return {"model": RunFolder(out).best, "enrol": files_of(corpus, "cat", range(2),
                                                            root / "enrol"),
            "test": files_of(corpus, "cat", range(2, 6), root / "test")}


def clips(folder: pathlib.Path, cfg: dict) -> SpokenDigitFolder:
    return SpokenDigitFolder(folder, "all", features=config.pipeline_of(cfg))


def test_adapting_teaches_the_model_the_new_voice(voices):
    model, cfg = load_model(voices["model"])
    enrol = check_enrolment(clips(voices["enrol"], cfg), cfg["classes"])
    test = clips(voices["test"], cfg)

    def score(data):
        return evaluate(model, DataLoader(data, 64), 10)

    before_enrol, before_test = score(enrol), score(test)
    r = adapt_model(model, cfg, enrol, epochs=20, lr=0.01, seed=0)
    after_enrol, after_test = score(enrol), score(test)
    assert r["clips"] == 20 and r["utterances"] == 60  # light: 2 augmented copies of each
    assert after_enrol["loss"] < 0.5 * before_enrol["loss"]
    assert after_test["loss"] < before_test["loss"]
    assert after_test["accuracy"] > before_test["accuracy"]
    assert not model.training


def test_adapting_is_training_continued_from_the_weights_with_the_models_policy(voices):
    """The adapted weights are, bit for bit, those of the run's own trainer continued on the
    clips and their augmented copies (the policy the model was trained with)."""
    model, cfg = load_model(voices["model"])
    enrol = check_enrolment(clips(voices["enrol"], cfg), cfg["classes"])
    adapt_model(model, cfg, enrol, epochs=2, lr=0.003, seed=4)
    by_hand, _ = load_model(voices["model"])
    data = augmented(enrol, config.pipeline_of(cfg), "light", 4)
    from minigru import random as mg_random

    mg_random.manual_seed(4)
    run.make_trainer(by_hand, data, None, lr=0.003, seed=4, batch_size=16, epochs=2,
                     patience=None, clip=cfg["clip"]).fit()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, by_hand.state_dict()[name], err_msg=name)
    again, _ = load_model(voices["model"])
    adapt_model(again, cfg, enrol, epochs=2, lr=0.003, seed=5)
    assert any(not np.array_equal(v, again.state_dict()[k])
               for k, v in model.state_dict().items())


def test_the_adapted_model_file_is_read_by_every_command(voices, tmp_path, capsys):
    original = voices["model"].read_bytes()
    out = tmp_path / "cat.npz"
    code = cli.main(["adapt", str(voices["model"]), "--data", "fsdd", "--data-dir",
                     str(voices["enrol"]), "--out", str(out), "--epochs", "3"])
    text = capsys.readouterr().out
    assert code == 0
    assert "adapted" in text and "20 clips (0 2, 1 2, 2 2" in text and "40 augmented" in text
    assert voices["model"].read_bytes() == original
    model, cfg = load_model(out)
    record = cfg["adapted"][0]
    assert record["clips"] == 20 and record["epochs"] == 3 and record["augment"] == "light"
    assert record["from"] == str(voices["model"]) and record["lr"] == cfg["lr"] == 0.003
    reference, _ = load_model(voices["model"])
    expected = adapt_model(reference, cfg, check_enrolment(clips(voices["enrol"], cfg),
                                                           cfg["classes"]), epochs=3)
    assert expected["clips"] == 20
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, reference.state_dict()[name], err_msg=name)
    assert cli.main(["evaluate", str(out), "--data", "fsdd", "--data-dir",
                     str(voices["test"]), "--split", "all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 40
    wav = sorted(voices["test"].glob("*.wav"))[0]
    assert cli.main(["predict", str(out), str(wav), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["probabilities"]) == set(cfg["classes"])
    twice = adapt_checkpoint(out, voices["enrol"], tmp_path / "twice.npz", data="fsdd",
                             epochs=1)
    assert [a["epochs"] for a in load_model(twice["out"])[1]["adapted"]] == [3, 1]


def test_an_ensemble_adapts_as_one_model(voices, tmp_path):
    pair = combine_models([voices["model"], voices["model"]], tmp_path / "pair.npz")
    r = adapt_checkpoint(pair["out"], voices["enrol"], tmp_path / "pair-cat.npz",
                         data="fsdd", epochs=2)
    model, cfg = load_model(r["out"])
    assert len(model.members) == 2 and len(cfg["members"]) == 2
    assert r["before"] == pytest.approx(evaluate(load_model(voices["model"])[0], DataLoader(
        clips(voices["enrol"], cfg), 64), 10)["accuracy"])


def test_a_folder_of_labels_enrols_and_bad_files_are_skipped(voices, tmp_path, capsys):
    root = tmp_path / "mine"
    for f in sorted(voices["enrol"].glob("*.wav")):
        label = root / DIGIT_WORDS[int(f.name.split("_")[0])]
        label.mkdir(parents=True, exist_ok=True)
        (label / f.name).write_bytes(f.read_bytes())
    (root / "three" / "broken.wav").write_bytes(b"RIFF....not a wav")
    code = cli.main(["adapt", str(voices["model"]), "--data-dir", str(root), "--out",
                     str(tmp_path / "a.npz"), "--epochs", "1"])
    out, err = capsys.readouterr()
    assert code == 1 and "broken.wav" in err and "20 clips" in out
    assert load_model(tmp_path / "a.npz")[1]["adapted"][0]["data"] == "folder"


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "epochs must be a positive integer"),
    (["--lr", "-1"], "lr must be a positive number"),
    (["--lr", "nan"], "lr must be a positive number"),
    (["--seed", "-3"], "seed must be an integer"),
])
def test_settings_that_cannot_work_are_refused(voices, tmp_path, capsys, args, message):
    code = cli.main(["adapt", str(voices["model"]), "--data", "fsdd", "--data-dir",
                     str(voices["enrol"]), "--out", str(tmp_path / "x.npz"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.npz").exists()


def test_enrolment_that_cannot_work_is_refused(voices, tmp_path, capsys):
    partial = tmp_path / "partial"
    partial.mkdir()
    for f in sorted(voices["enrol"].glob("[0-7]_*.wav")):
        (partial / f.name).write_bytes(f.read_bytes())
    cases = [
        (partial, "x.npz", "every class; none of ['8', '9']"),
        (tmp_path / "nowhere", "x.npz", "data_dir: no folder"),
    ]
    for folder, name, message in cases:
        code = cli.main(["adapt", str(voices["model"]), "--data", "fsdd", "--data-dir",
                         str(folder), "--out", str(tmp_path / name)])
        err = capsys.readouterr().err
        assert code == 2 and message in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert not (tmp_path / name).exists()
    with pytest.raises(ConfigError, match="is the model being adapted"):
        adapt_checkpoint(voices["model"], voices["enrol"], voices["model"], data="fsdd")
    taken = tmp_path / "taken.npz"
    taken.write_bytes(b"keep me")
    with pytest.raises(ConfigError, match="exists"):
        adapt_checkpoint(voices["model"], voices["enrol"], taken, data="fsdd")
    assert taken.read_bytes() == b"keep me"
    adapt_checkpoint(voices["model"], voices["enrol"], taken, data="fsdd", epochs=1,
                     overwrite=True)
    assert load_model(taken)[1]["adapted"][0]["epochs"] == 1
    with pytest.raises(ConfigError, match="'folder' or 'fsdd'"):
        adapt_checkpoint(voices["model"], voices["enrol"], tmp_path / "y.npz",
                         data="synthetic")
    labels = tmp_path / "labels"
    (labels / "eleven").mkdir(parents=True)
    wavfile.write(labels / "eleven" / "a.wav", 8000,
                  (8000 * np.sin(np.arange(4000) / 3)).astype(np.int16))
    with pytest.raises(ConfigError, match="eleven"):
        adapt_checkpoint(voices["model"], labels, tmp_path / "z.npz")
