"""minigru.music: piano rolls, the next-step NLL, one run by Chung et al.'s protocol, and
music sweeps."""

import json
from pathlib import Path

import numpy as np
import pytest

import minigru as mg
from minigru import music
from minigru.music.rolls import length_batches, next_step_batch
from minigru.speech.sweep import check_sweep, run_sweep

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polyphonic"
needs_data = pytest.mark.skipif(not (SHARED / "jsb_chorales.npz").is_file(),
                                reason=f"the polyphonic music data is not at {SHARED}")


def write_rolls(path, seqs_per_split=(8, 3, 3), steps=20):
    """A tiny dataset in the file format: a rising arpeggio of 4 notes, one at a time, each
    sequence starting at another phase, so the next step is predictable from the last."""
    arrays = {}
    for split, n in zip(("train", "valid", "test"), seqs_per_split, strict=True):
        notes, per_step, per_seq = [], [], []
        for s in range(n):
            for t in range(steps):
                notes.append(60 + 2 * ((s + t) % 4))
                per_step.append(1)
            per_seq.append(steps)
        arrays[f"{split}_notes"] = np.array(notes, np.int16)
        arrays[f"{split}_notes_per_step"] = np.array(per_step, np.int32)
        arrays[f"{split}_steps_per_seq"] = np.array(per_seq, np.int32)
    np.savez_compressed(path, **arrays)


@pytest.fixture
def tiny(tmp_path):
    write_rolls(tmp_path / "jsb_chorales.npz")
    return tmp_path


def test_rolls_decode_the_flat_layout(tiny):
    rolls = music.load_rolls(tiny / "jsb_chorales.npz", "train")
    assert len(rolls) == 8 and rolls[0].shape == (20, 88) and rolls[0].dtype == np.float32
    assert np.all(rolls[0].sum(1) == 1)
    for s, r in enumerate(rolls):
        assert [int(np.flatnonzero(r[t])[0]) + 21 for t in range(5)] == \
            [60 + 2 * ((s + t) % 4) for t in range(5)]


def test_damaged_counts_and_notes_are_refused(tmp_path):
    write_rolls(tmp_path / "a.npz")
    z = dict(np.load(tmp_path / "a.npz"))
    z["train_steps_per_seq"] = z["train_steps_per_seq"] + 1
    np.savez(tmp_path / "b.npz", **z)
    with pytest.raises(ValueError, match="do not add up"):
        music.load_rolls(tmp_path / "b.npz", "train")
    z = dict(np.load(tmp_path / "a.npz"))
    z["train_notes"][0] = 12
    np.savez(tmp_path / "c.npz", **z)
    with pytest.raises(ValueError, match="outside MIDI"):
        music.load_rolls(tmp_path / "c.npz", "train")
    with pytest.raises(ValueError, match="split"):
        music.load_rolls(tmp_path / "a.npz", "dev")


def test_length_batches_cover_every_sequence_once_sorted():
    lengths = np.array([5, 3, 9, 3, 7, 1, 8])
    batches = length_batches(lengths, 3)
    flat = np.concatenate(batches)
    assert sorted(flat) == list(range(7))
    assert list(lengths[flat]) == sorted(lengths)
    assert [len(b) for b in batches] == [3, 3, 1]


def test_next_step_batch_shifts_by_one_and_pads_with_zeros():
    a = np.eye(88, dtype=np.float32)[:4]
    b = np.eye(88, dtype=np.float32)[10:13]
    x, y, lengths = next_step_batch([a, b])
    assert x.shape == (3, 2, 88) and list(lengths) == [3, 2]
    np.testing.assert_array_equal(x[:, 0], a[:3])
    np.testing.assert_array_equal(y[:, 0], a[1:])
    np.testing.assert_array_equal(y[:2, 1], b[1:])
    assert not x[2, 1].any() and not y[2, 1].any()
    with pytest.raises(ValueError, match="2 steps"):
        next_step_batch([a[:1]])


def test_nll_of_a_constant_model_is_the_bernoulli_formula(tiny):
    """A model whose state never reaches the output predicts p_k = sigmoid(b_k) at every step:
    its NLL per step is -sum_k [f_k log p_k + (1 - f_k) log(1 - p_k)] averaged over the
    predicted steps, here computed by hand."""
    rolls = music.load_rolls(tiny / "jsb_chorales.npz", "valid")
    model = music.NextStep("gru", 6)
    model.head.weight.data[...] = 0
    p = np.full(88, 1e-3)
    p[[38, 40, 42, 44]] = 0.25
    model.head.bias.data[...] = np.log(p / (1 - p))
    targets = np.concatenate([r[1:] for r in rolls]).astype(np.float64)
    expected = -(targets * np.log(p) + (1 - targets) * np.log(1 - p)).sum(1).mean()
    assert music.nll_per_step(model, rolls, batch_size=2) == pytest.approx(expected, rel=1e-6)


@needs_data
def test_the_note_frequency_baseline_of_the_2012_paper():
    """Boulanger-Lewandowski et al. (2012), Table 1, Note 1-Gram on JSB: 11.06 nats a step."""
    train = np.concatenate(music.load_rolls(SHARED / "jsb_chorales.npz", "train"))
    test = np.concatenate(music.load_rolls(SHARED / "jsb_chorales.npz", "test"))
    f = np.clip(train.mean(0), 1e-6, 1 - 1e-6)
    nll = -(test * np.log(f) + (1 - test) * np.log(1 - f)).sum(1).mean()
    assert round(float(nll), 2) == 11.06
    assert [len(music.load_rolls(SHARED / "jsb_chorales.npz", s))
            for s in ("train", "valid", "test")] == [229, 76, 77]


def test_config_defaults_and_the_papers_sizes():
    assert {c: music.make_music_config({"cell": c})["hidden"] for c in ("rnn", "gru", "lstm")} \
        == {"rnn": 100, "gru": 46, "lstm": 36}
    cfg = music.make_music_config()
    assert (cfg["weight_noise"], cfg["clip"], cfg["alpha"]) == (0.075, 1.0, 0.9)


@pytest.mark.parametrize("override, match", [
    ({"cell": "transformer"}, "cell"), ({"dataset": "bach"}, "dataset"),
    ({"lr": 0}, "lr"), ({"lr": -1e-3}, "lr"), ({"weight_noise": float("nan")}, "weight_noise"),
    ({"epochs": 0}, "epochs"), ({"batch_size": 2.5}, "batch_size"), ({"seed": -1}, "seed"),
    ({"hidden": 0}, "hidden"), ({"alpha": 1.5}, "alpha"), ({"data_dir": 3}, "data_dir"),
    ({"weight_nois": 0.1}, "did you mean 'weight_noise'"),
])
def test_bad_settings_are_refused_by_name(override, match):
    with pytest.raises(ValueError, match=match):
        music.make_music_config(override)


def test_missing_data_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIGRU_POLYPHONIC", raising=False)
    with pytest.raises(ValueError, match="MINIGRU_POLYPHONIC"):
        music.train_music({"epochs": 1}, tmp_path / "run")
    with pytest.raises(ValueError, match="no nottingham.npz"):
        music.train_music({"epochs": 1, "dataset": "nottingham", "data_dir": str(tmp_path)},
                          tmp_path / "run")


def test_a_run_learns_the_arpeggio_and_is_reproducible(tiny):
    cfg = {"data_dir": str(tiny), "epochs": 40, "patience": 40, "batch_size": 2, "lr": 3e-2,
           "hidden": 8}
    first = music.train_music(cfg, tiny / "a")
    second = music.train_music(cfg, tiny / "b")
    assert first == second                      # same seed: bit-identical
    # the note-frequency model scores 4 H(1/4) + 84 * ~0 = 2.25 nats; a model that reads
    # the last note predicts the next one
    assert first["test_nll"] < 0.1 < 2.0 < music.train_music(
        {**cfg, "epochs": 1}, tiny / "c")["test_nll"]
    lines = [json.loads(x) for x in (tiny / "a" / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == first["epochs"] == 40
    assert min(line["valid_nll"] for line in lines) == pytest.approx(first["valid_nll"])
    saved = mg.load(tiny / "a" / "best.npz")
    model = music.NextStep("gru", 8)
    model.load_state_dict(saved["model"])
    rolls = music.load_rolls(tiny / "jsb_chorales.npz", "test")
    assert music.nll_per_step(model, rolls) == pytest.approx(first["test_nll"], rel=1e-12)
    summary = json.loads((tiny / "a" / "summary.json").read_text())
    assert summary == first
    loaded, cfg_a = music.load_music_model(tiny / "a" / "best.npz")
    assert cfg_a["hidden"] == 8 and not loaded.training
    per = music.nll_per_sequence(loaded, rolls, batch_size=2)
    steps = np.array([len(r) - 1 for r in rolls])
    assert per.shape == (len(rolls),)
    assert (per * steps).sum() / steps.sum() == pytest.approx(first["test_nll"], rel=1e-6)
    for i in (0, len(rolls) - 1):
        assert per[i] == pytest.approx(music.nll_per_step(loaded, [rolls[i]]), rel=1e-6)
    with pytest.raises(ValueError, match="not a music run"):
        mg.save({"weights": 1}, tiny / "other.npz")
        music.load_music_model(tiny / "other.npz")
    noisy = music.train_music({**cfg, "weight_noise": 0.3}, tiny / "d")
    assert noisy["test_nll"] != first["test_nll"]


def test_early_stopping_keeps_the_best_epoch(tiny):
    out = music.train_music({"data_dir": str(tiny), "epochs": 30, "patience": 2,
                             "lr": 0.2, "hidden": 4}, tiny / "run")
    lines = [json.loads(x) for x in (tiny / "run" / "metrics.jsonl").read_text().splitlines()]
    vals = [line["valid_nll"] for line in lines]
    assert out["best_epoch"] == int(np.argmin(vals)) + 1
    assert out["epochs"] == len(vals)
    if out["epochs"] < 30:
        assert out["epochs"] - out["best_epoch"] == 2


def test_a_music_sweep_writes_nll_results(tiny):
    sweep = check_sweep({"base": {"data_dir": str(tiny), "epochs": 3, "hidden": 4},
                         "grid": {"cell": ["gru", "lstm"], "seed": [0, 1]},
                         "sweep": {"task": "music"}})
    assert sweep["task"] == "music" and len(sweep["points"]) == 4
    records = run_sweep(sweep, tiny / "sweep", workers=1, quiet=True)
    assert all(r["status"] == "ok" for r in records)
    header = (tiny / "sweep" / "results.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["cell", "seed", "name", "status", "test_nll", "valid_nll"]
    direct = music.train_music({"data_dir": str(tiny), "epochs": 3, "hidden": 4,
                                "cell": "lstm", "seed": 1}, tiny / "direct")
    assert records[3]["test_nll"] == direct["test_nll"]
    assert "Test NLL per step over seeds" in (tiny / "sweep" / "summary.md").read_text()


@pytest.mark.parametrize("spec, match", [
    ({"grid": {"cell": ["gru"]}, "sweep": {"task": "vision"}}, "task must be one of"),
    ({"grid": {"cel": ["gru"]}, "sweep": {"task": "music"}}, "did you mean 'cell'"),
    ({"grid": {"model": ["gru"]}, "sweep": {"task": "music"}}, "unknown setting 'model'"),
    ({"grid": {"lr": [0.0]}, "sweep": {"task": "music"}}, "lr"),
])
def test_bad_music_sweeps_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        check_sweep(spec)


def test_the_chung2014_sweep_file_is_the_protocol_of_the_paper():
    from minigru.speech.sweep import load_sweep

    sweep = load_sweep(Path(__file__).resolve().parents[1] / "examples" / "sweeps" /
                       "chung2014.toml")
    assert sweep["task"] == "music" and len(sweep["points"]) == 4 * 3 * 3
    assert {p["params"]["dataset"] for p in sweep["points"]} == set(music.DATASETS)
    for p in sweep["points"]:
        cfg = p["config"]
        assert (cfg["weight_noise"], cfg["clip"], cfg["alpha"], cfg["threads"]) == \
            (0.075, 1.0, 0.9, 1)
        assert cfg["hidden"] == music.PAPER_UNITS[cfg["cell"]]


def test_the_committed_chung2014_results_are_complete():
    """docs/results/chung2014.csv: every run of examples/09 (the search and the seeds), so
    the table of docs/experiments.md can be rebuilt from it."""
    import csv

    path = Path(__file__).resolve().parents[1] / "docs" / "results" / "chung2014.csv"
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["dataset", "cell", "seed", "params", "lr", "valid_nll",
                                     "test_nll"]
        rows = list(reader)
    assert {r["dataset"] for r in rows} == {"jsb", "nottingham", "musedata", "pianomidi"}
    assert {r["cell"] for r in rows} == {"rnn", "gru", "lstm"}
    for d in ("jsb", "nottingham", "musedata", "pianomidi"):
        for c in ("rnn", "gru", "lstm"):
            search = [r for r in rows if (r["dataset"], r["cell"], r["seed"]) == (d, c, "0")]
            best = min(search, key=lambda r: float(r["valid_nll"]))["lr"]
            seeds = {r["seed"] for r in rows if (r["dataset"], r["cell"], r["lr"]) == (d, c, best)}
            assert len(seeds) >= 3, (d, c)
            params = {int(r["params"]) for r in rows if (r["dataset"], r["cell"]) == (d, c)}
            assert params == {music.NextStep(c, music.PAPER_UNITS[c]).num_parameters()}
    for r in rows:
        assert 0 < float(r["test_nll"]) < 20 and 0 < float(r["valid_nll"]) < 20
