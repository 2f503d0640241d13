"""Enrolment: a trained model fine-tuned on a few labelled clips of a new voice, or on many
unlabelled ones labelled by the model itself, written as a new model file that every command
reads."""

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
from minigru.speech import ConfigError, combine_models, config, load_model, predict_files, run
from minigru.speech.adapt import adapt_checkpoint, adapt_model, check_enrolment
from minigru.speech.pseudo_labels import (
    keep_schedule,
    most_confident,
    self_labelled,
    unlabelled_clips,
)
from minigru.training import RunFolder, evaluate

from .test_generalisation import write_fsdd_named


def files_of(root: pathlib.Path, who: str, takes: range, into: pathlib.Path) -> pathlib.Path:
    """A folder holding copies of ``who``'s clips with these takes."""
    into.mkdir()
    for f in sorted(root.glob(f"*_{who}_*.wav")):
        if int(f.stem.rsplit("_", 1)[1]) in takes:
            (into / f.name).write_bytes(f.read_bytes())
    return into


def trained_without(root: pathlib.Path, held_out: str, *settings: str
                    ) -> tuple[pathlib.Path, pathlib.Path]:
    """A corpus of ann, bob and cat (6 takes of each digit) under ``root``, and the model
    file of a run trained on it with ``held_out`` left out and these ``minigru train``
    settings."""
    corpus = root / "corpus"
    corpus.mkdir()
    write_fsdd_named(corpus, takes=6)
    out = root / "run"
    assert cli.main(["train", "--data", "fsdd", "--data-dir", str(corpus), "--test-speaker",
                     held_out, "--quiet", "--out", str(out), "--ensemble", "1", *settings]) == 0
    return corpus, RunFolder(out).best


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    """A model trained on ann and bob (cat held out), cat's takes 0-1 to enrol and 2-5 to
    test."""
    root = tmp_path_factory.mktemp("adapt")
    corpus, model = trained_without(root, "cat", "--epochs", "3", "--hidden", "8",
                                    "--augment", "light")
    return {"model": model, "enrol": files_of(corpus, "cat", range(2), root / "enrol"),
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


def test_the_surest_answers_of_each_class_are_kept():
    """ceil(keep * n_k) rows of each answer k, the most confident first, ties in order."""
    p = np.array([[0.9, 0.1, 0.0],    # 0: answer 0, 0.9
                  [0.6, 0.4, 0.0],    # 1: answer 0, 0.6
                  [0.2, 0.7, 0.1],    # 2: answer 1, 0.7
                  [0.95, 0.05, 0.0],  # 3: answer 0, 0.95
                  [0.1, 0.1, 0.8],    # 4: answer 2, 0.8
                  [0.3, 0.7, 0.0],    # 5: answer 1, 0.7 (tied with row 2, later)
                  [0.1, 0.6, 0.3]])   # 6: answer 1, 0.6
    assert most_confident(p, 0.5).tolist() == most_confident(p).tolist() == [0, 2, 3, 4, 5]
    assert most_confident(p, 0.3).tolist() == [2, 3, 4]
    assert most_confident(p, 1.0).tolist() == list(range(7))
    for keep in (0, -0.5, 1.5, float("nan"), True):
        with pytest.raises(ConfigError, match="keep must be a fraction"):
            most_confident(p, keep)
    for bad in (p[0], np.zeros((0, 3))):
        with pytest.raises(ConfigError, match="probabilities must be"):
            most_confident(bad, 0.5)
    assert keep_schedule(None) == (0.5, 0.7) and keep_schedule(0.3) == (0.3,)
    assert keep_schedule([0.2, 0.4]) == (0.2, 0.4)
    with pytest.raises(ConfigError, match="at least one fraction"):
        keep_schedule([])
    with pytest.raises(ConfigError, match="keep must be a fraction"):
        keep_schedule([0.5, 2])


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory):
    """A model that knows ann and cat well enough to answer every digit for bob, and bob's
    clips under names that say nothing of their label."""
    root = tmp_path_factory.mktemp("unlabelled")
    corpus, model = trained_without(root, "bob", "--epochs", "20", "--hidden", "16",
                                    "--augment", "none", "--lr", "0.01", "--dither-db", "none")
    pool = root / "pool" / "monday"
    pool.mkdir(parents=True)
    for k, f in enumerate(sorted(corpus.glob("*_bob_*.wav"))):
        (pool / f"clip{k:02d}.wav").write_bytes(f.read_bytes())
    return {"model": model, "pool": pool.parent}


def test_unlabelled_adapting_is_enrolment_on_the_models_surest_answers(unlabelled, tmp_path):
    """The model labels every .wav under the folder itself, in two rounds by default; the
    adapted weights are, bit for bit, labelled adapting of the trained weights on the second
    round's kept clips, labelled by the model of the first round."""
    r = adapt_checkpoint(unlabelled["model"], unlabelled["pool"], tmp_path / "cat.npz",
                         unlabelled=True, epochs=2, seed=3)
    model, cfg = load_model(unlabelled["model"])
    pool, skipped = unlabelled_clips(unlabelled["pool"], config.pipeline_of(cfg))
    assert len(pool) == 60 and not skipped and pool.names[0] == "monday/clip00.wav"
    posteriors = evaluate(model, DataLoader(pool, 64), 10)["probabilities"]
    first, p = self_labelled(model, pool, cfg["classes"], 0.5)
    np.testing.assert_array_equal(p, posteriors)
    chosen = most_confident(posteriors, 0.5)
    assert first.names == [pool.names[i] for i in chosen]
    assert first.labels.tolist() == posteriors.argmax(axis=1)[chosen].tolist()
    answers = np.bincount(posteriors.argmax(axis=1), minlength=10)
    assert r["rounds"][0] == {"keep": 0.5, "clips": sum(int(np.ceil(n / 2)) for n in answers)}
    adapt_model(model, cfg, first, epochs=2, seed=3)
    second, relabelled = self_labelled(model, pool, cfg["classes"], 0.7)
    answers = np.bincount(relabelled.argmax(axis=1), minlength=10)
    assert list(r["per_class"].values()) == [int(np.ceil(0.7 * n)) for n in answers]
    assert r["rounds"][1] == {"keep": 0.7, "clips": len(second)} == {"keep": 0.7,
                                                                      "clips": r["clips"]}
    assert r["pool"] == 60 and r["before"] is None and r["keep"] == [0.5, 0.7]
    model, _ = load_model(unlabelled["model"])
    adapt_model(model, cfg, second, epochs=2, seed=3)
    adapted, cfg2 = load_model(r["out"])
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, adapted.state_dict()[name], err_msg=name)
    after = evaluate(model, DataLoader(pool, 64), 10)["probabilities"]
    assert r["changed"] == int(np.sum(after.argmax(axis=1) != posteriors.argmax(axis=1)))
    record = cfg2["adapted"][0]
    assert record["data"] == "unlabelled" and record["keep"] == [0.5, 0.7]
    assert record["pool"] == 60 and record["rounds"] == r["rounds"]
    assert record["clips"] == len(second) and record["labels"] == "the model's own"
    one = adapt_checkpoint(unlabelled["model"], unlabelled["pool"], tmp_path / "one.npz",
                           unlabelled=True, epochs=2, seed=3, keep=0.5)
    assert [step["keep"] for step in one["rounds"]] == [0.5]
    model, _ = load_model(unlabelled["model"])
    adapt_model(model, cfg, first, epochs=2, seed=3)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, load_model(one["out"])[0].state_dict()[name])


def test_unlabelled_adapting_from_the_command_line(unlabelled, tmp_path, capsys):
    (unlabelled["pool"] / "notes.wav").write_bytes(b"not a wav")
    try:
        code = cli.main(["adapt", str(unlabelled["model"]), "--data-dir",
                         str(unlabelled["pool"]), "--unlabelled", "--keep", "0.3", "0.6",
                         "--out", str(tmp_path / "a.npz"), "--epochs", "1"])
    finally:
        (unlabelled["pool"] / "notes.wav").unlink()
    out, err = capsys.readouterr()
    assert code == 1 and "notes.wav" in err
    assert "round 1: the model labelled the 60 recordings; kept the" in out
    assert "round 2: the model of round 1 labelled the 60" in out and "(0.6 of each" in out
    assert "answers that changed by adapting:" in out
    assert load_model(tmp_path / "a.npz")[1]["adapted"][0]["keep"] == [0.3, 0.6]
    cases = [(["--unlabelled", "--keep", "0.5", "0"], "keep must be a fraction"),
             (["--keep", "0.5"], "keep chooses among the model's own labels")]
    for args, message in cases:
        code = cli.main(["adapt", str(unlabelled["model"]), "--data-dir",
                         str(unlabelled["pool"]), "--out", str(tmp_path / "b.npz"), *args])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1
        assert not (tmp_path / "b.npz").exists()


def test_a_round_whose_labels_lack_a_class_ends_the_rounds(unlabelled, tmp_path, monkeypatch):
    """The first round's model is the result when the second round's labels lack a class."""
    from minigru.speech import adapt

    calls = []

    def lacking(model, pool, classes, keep):
        calls.append(keep)
        if len(calls) == 2:
            raise ConfigError("the model heard none of the 60 recordings as ['4']")
        return self_labelled(model, pool, classes, keep)

    monkeypatch.setattr(adapt, "self_labelled", lacking)
    r = adapt_checkpoint(unlabelled["model"], unlabelled["pool"], tmp_path / "a.npz",
                         unlabelled=True, epochs=1, keep=[0.5, 0.7, 0.9])
    assert calls == [0.5, 0.7] and [step["keep"] for step in r["rounds"]] == [0.5]
    assert r["stopped"] == "round 2 was not run: the model heard none of the 60 recordings " \
                           "as ['4']"
    one = adapt_checkpoint(unlabelled["model"], unlabelled["pool"], tmp_path / "b.npz",
                           unlabelled=True, epochs=1, keep=0.5)
    for name, value in load_model(one["out"])[0].state_dict().items():
        np.testing.assert_array_equal(value, load_model(r["out"])[0].state_dict()[name])
    assert load_model(r["out"])[1]["adapted"][0]["rounds"] == one["rounds"]


def test_unlabelled_recordings_of_some_words_only_are_refused(unlabelled, tmp_path):
    """A class the model gives no clip is named: adapting without it would teach the model
    that it is rare."""
    model, cfg = load_model(unlabelled["model"])
    one = tmp_path / "one"
    one.mkdir()
    for f in sorted(unlabelled["pool"].rglob("clip0[0-2].wav")):
        (one / f.name).write_bytes(f.read_bytes())
    answers = {int(np.argmax(p)) for _, p in predict_files(model, cfg, [one])}
    missing = [c for k, c in enumerate(cfg["classes"]) if k not in answers]
    with pytest.raises(ConfigError, match=r"heard none of the 3 recordings as \[") as info:
        adapt_checkpoint(unlabelled["model"], one, tmp_path / "x.npz", unlabelled=True)
    assert str(missing) in str(info.value)
    assert not (tmp_path / "x.npz").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="no .wav or .sph file"):
        adapt_checkpoint(unlabelled["model"], empty, tmp_path / "x.npz", unlabelled=True)
    (empty / "a.wav").write_bytes(b"RIFF....not a wav")
    wavfile.write(empty / "silent.wav", 8000, np.zeros(4000, dtype=np.int16))
    with pytest.raises(ConfigError, match="none of the .wav files under .* could be read"):
        adapt_checkpoint(unlabelled["model"], empty, tmp_path / "x.npz", unlabelled=True)
    assert not (tmp_path / "x.npz").exists()
