"""Training: the loss falls, runs are reproducible, interrupted runs resume bit for bit."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import minigru as mg
from minigru.speech import config as config
from minigru.speech import datasets, models, run
from minigru.training import Trainer, TrainingError, load_checkpoint

TINY = {"limit": 6, "epochs": 4, "hidden": 16, "patience": None, "threads": 1,
        "synthetic": {"sample_rate": 8000}, "features": {"cmvn": False, "trim": False}}


def model_arrays(path):
    return load_checkpoint(path)["model"]


def test_loss_falls_and_files_are_written(tmp_path):
    summary = run.train_run(config.make_config(dict(TINY, epochs=8, limit=10, lr=0.01)),
                                tmp_path / "run", log=None, quiet=True)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert len(rows) == 8 and rows[-1]["train_loss"] < 0.75 * rows[0]["train_loss"]
    for name in ("config.json", "summary.json", "checkpoint.npz", "best.npz", "curves.png",
                 "confusion.png", "gates.png"):
        assert (tmp_path / "run" / name).exists(), name
    for key in ("test_accuracy", "best_epoch", "epochs", "wall_seconds", "parameters"):
        assert key in summary
    assert np.array(summary["confusion"]).sum() == summary["n_test"]


def test_same_seed_gives_identical_runs(tmp_path):
    cfg = config.make_config(TINY)
    for name in ("a", "b"):
        run.train_run(cfg, tmp_path / name, log=None, quiet=True)
    assert (tmp_path / "a" / "metrics.jsonl").read_text() == \
        (tmp_path / "b" / "metrics.jsonl").read_text()
    for k, v in model_arrays(tmp_path / "a" / "checkpoint.npz").items():
        assert np.array_equal(v, model_arrays(tmp_path / "b" / "checkpoint.npz")[k]), k


def test_resume_in_process_is_bit_identical(tmp_path):
    cfg = config.make_config(TINY)
    run.train_run(cfg, tmp_path / "full", log=None, quiet=True)
    run.train_run(dict(cfg, epochs=2), tmp_path / "part", log=None, quiet=True)
    run.train_run(dict(cfg, epochs=4), tmp_path / "part", resume=True, log=None, quiet=True)
    assert (tmp_path / "full" / "metrics.jsonl").read_text() == \
        (tmp_path / "part" / "metrics.jsonl").read_text()
    full, part = model_arrays(tmp_path / "full" / "checkpoint.npz"), \
        model_arrays(tmp_path / "part" / "checkpoint.npz")
    for k in full:
        assert np.array_equal(full[k], part[k]), k


def test_resume_rewrites_metrics_left_behind_by_a_kill(tmp_path):
    """Killed after the last epoch's checkpoint was written and before metrics.jsonl was,
    a run resumes with nothing left to train: it still writes the checkpoint's epochs."""
    cfg = config.make_config(TINY)
    run.train_run(cfg, tmp_path / "full", log=None, quiet=True)
    metrics = tmp_path / "full" / "metrics.jsonl"
    expected = metrics.read_text()
    metrics.write_text("".join(expected.splitlines(keepends=True)[:-1]))
    run.train_run(cfg, tmp_path / "full", resume=True, log=None, quiet=True)
    assert metrics.read_text() == expected


def _cli(*args):
    return [sys.executable, "-m", "minigru", "train", *args]


CLI_TINY = ["--limit", "12", "--hidden", "16", "--threads", "1", "--quiet", "--epochs", "8"]


def _wait_for_epochs(run_dir, n, proc, timeout=120):
    deadline = time.monotonic() + timeout
    metrics = run_dir / "metrics.jsonl"
    while time.monotonic() < deadline and proc.poll() is None:
        if metrics.exists() and len(metrics.read_text().splitlines()) >= n:
            return True
        time.sleep(0.05)
    return False


KILL_TINY = ["--limit", "30", "--hidden", "16", "--threads", "1", "--quiet", "--epochs", "6"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    full = subprocess.run(_cli(*KILL_TINY, "--out", str(out)), capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL timing is tested on Linux")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigkill_at_a_random_moment_then_resume_matches_an_uninterrupted_run(
        tmp_path, uninterrupted, seed):
    """Killed at a moment drawn from the seed (anywhere in the two epochs after the second:
    nearly always inside an epoch, between checkpoints), resumed, the run is bit-identical."""
    proc = subprocess.Popen(_cli(*KILL_TINY, "--out", str(tmp_path / "cut")),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for_epochs(tmp_path / "cut", 1, proc), "the run ended before its first epoch"
    t1 = time.monotonic()
    assert _wait_for_epochs(tmp_path / "cut", 2, proc), "the run ended before its second epoch"
    epoch_seconds = time.monotonic() - t1
    time.sleep(np.random.default_rng(seed).uniform(0, 2 * epoch_seconds))
    assert proc.poll() is None, "the run finished before it could be killed; make it longer"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    mg.load(tmp_path / "cut" / "checkpoint.npz")  # readable after kill -9
    resumed = subprocess.run(_cli("--resume", str(tmp_path / "cut"), "--quiet"),
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    expected = (uninterrupted / "metrics.jsonl").read_text()
    assert expected.count("\n") == 6
    assert (tmp_path / "cut" / "metrics.jsonl").read_text() == expected
    a = model_arrays(uninterrupted / "checkpoint.npz")
    b = model_arrays(tmp_path / "cut" / "checkpoint.npz")
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_sigint_stops_cleanly_and_keeps_the_checkpoint(tmp_path):
    proc = subprocess.Popen(_cli(*CLI_TINY, "--out", str(tmp_path / "run")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reached = _wait_for_epochs(tmp_path / "run", 1, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert reached and proc.returncode != 0, "the run finished before it could be interrupted"
    assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    state = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    assert state["epoch"] >= 1


def test_non_finite_loss_stops_with_the_checkpoint_intact(tmp_path):
    cfg = config.make_config(TINY)
    data = datasets.make_datasets(cfg)
    model = models.model_for(cfg, data["train"].feature_size, 10)
    model.head.bias.data[:] = np.nan
    opt = mg.optim.Adam(model.parameters())
    loader = mg.data.DataLoader(data["train"], 8, shuffle=True, seed=0)
    trainer = Trainer(model, opt, loader, None, 10, epochs=2, run_dir=tmp_path, log=None,
                      quiet=True)
    with pytest.raises(TrainingError, match="nan.*checkpoint"):
        trainer.fit()
    assert load_checkpoint(tmp_path / "checkpoint.npz")["epoch"] == 0


def test_bad_configuration_is_named():
    with pytest.raises(config.ConfigError, match="epochs"):
        config.make_config({"epochs": 0})
    with pytest.raises(config.ConfigError, match="unknown setting 'epoch'"):
        config.make_config({"epoch": 3})
    with pytest.raises(config.ConfigError, match="MINIGRU_FSDD"):
        env = os.environ.pop("MINIGRU_FSDD", None)
        try:
            datasets.make_datasets(config.make_config({"data": "fsdd"}))
        finally:
            if env is not None:
                os.environ["MINIGRU_FSDD"] = env


def _flag_sets_a_number_in_0_1(flag, key):
    """``minigru train FLAG 0.05`` sets ``key`` to 0.05, the default is 0, and values outside
    [0, 1) or not numbers are refused with an error naming ``key``."""
    from minigru import cli, commands

    over = commands.train_overrides(cli.build_parser().parse_args(["train", flag, "0.05"]))
    assert config.make_config(over)[key] == 0.05
    assert config.make_config({})[key] == 0.0
    for bad in (-0.1, 1.0, "some"):
        with pytest.raises(config.ConfigError, match=key):
            config.make_config({key: bad})


def test_weight_decay_trains_with_adamw_and_is_recorded(tmp_path):
    """``weight_decay`` > 0 is AdamW's decoupled decay; 0 (the default) is plain Adam, so the
    default run is unchanged; the value is stored in the run's configuration."""
    from minigru.optim import Adam, AdamW

    _flag_sets_a_number_in_0_1("--weight-decay", "weight_decay")
    data = datasets.make_datasets(config.make_config(TINY))
    model = models.model_for(config.make_config(TINY), data["train"].feature_size, 10)
    plain = run.make_trainer(model, data["train"], data["val"], lr=0.01, seed=0, batch_size=8,
                             epochs=1, patience=None, clip=None)
    assert type(plain.optimizer) is Adam
    decayed = run.make_trainer(model, data["train"], data["val"], lr=0.01, seed=0,
                               batch_size=8, epochs=1, patience=None, clip=None,
                               weight_decay=0.05)
    assert isinstance(decayed.optimizer, AdamW)
    assert all(g["weight_decay"] == 0.05 for g in decayed.optimizer.param_groups)
    cfg, files = run.prepare_run(dict(TINY, epochs=1, weight_decay=0.05), out=tmp_path / "wd")
    run.train_run(cfg, files.path, quiet=True, log=None)
    assert files.read_config()["weight_decay"] == 0.05


def test_weight_noise_takes_the_gradient_at_perturbed_weights_and_updates_the_clean_ones(
        tmp_path):
    """One SGD step of a Trainer with ``weight_noise``: the update is -lr times the gradient
    at ``w + eps`` (eps drawn from the global generator, weight matrices only), applied to the
    clean ``w``; ``weight_noise`` 0 is the plain step. The setting is validated, reaches the
    trainer from ``--weight-noise`` and is stored in the run's configuration."""
    from minigru import nn

    data = datasets.make_datasets(config.make_config(TINY))
    cfg = config.make_config(dict(TINY, dropout=0.0))

    def one_step(noise):
        mg.manual_seed(5)
        model = models.model_for(cfg, data["train"].feature_size, 10)
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
        loader = mg.data.DataLoader(data["train"], 8)
        trainer = Trainer(model, opt, loader, None, 10, epochs=1, log=None, quiet=True,
                          weight_noise=noise)
        batch = next(iter(loader))
        start = {k: v.copy() for k, v in model.state_dict().items()}
        mg.manual_seed(11)
        trainer._step(batch, 1, 0)
        return model, start, batch

    model, start, batch = one_step(0.05)
    twin, _, _ = one_step(None)
    twin.load_state_dict(start)
    mg.manual_seed(11)
    with nn.WeightNoise(twin.parameters(), 0.05):
        twin.zero_grad()
        mg.nn.functional.cross_entropy(twin(mg.Tensor(batch.x), batch.lengths),
                                       batch.labels).backward()
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters(),
                                 strict=True):
        np.testing.assert_allclose(p.data, start[name] - 0.1 * q.grad, rtol=1e-5, atol=1e-7)
    plain, _, _ = one_step(0.0)
    assert not np.array_equal(plain.state_dict()["rnn.weight_hh_l0"],
                              model.state_dict()["rnn.weight_hh_l0"])

    _flag_sets_a_number_in_0_1("--weight-noise", "weight_noise")
    with pytest.raises(ValueError, match="weight_noise"):
        Trainer(model, mg.optim.SGD(model.parameters(), lr=0.1),
                mg.data.DataLoader(data["train"], 8), None, 10, weight_noise=-1.0)
    run_cfg, files = run.prepare_run(dict(TINY, epochs=1, weight_noise=0.05),
                                     out=tmp_path / "wn")
    run.train_run(run_cfg, files.path, quiet=True, log=None)
    assert files.read_config()["weight_noise"] == 0.05


def test_cosine_schedule_follows_its_formula_and_is_recorded(tmp_path):
    """``schedule = "cosine"`` trains epoch e at lr (1 + cos(pi e / epochs)) / 2; the default
    is the plateau schedule; an unknown schedule is refused, naming the setting; the CLI's
    ``--schedule`` sets it and the run's configuration records it."""
    from minigru import cli, commands
    from minigru.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau

    assert config.make_config({})["schedule"] == "plateau"
    for bad in ("linear", 1, None):
        with pytest.raises(config.ConfigError, match="schedule"):
            config.make_config({"schedule": bad})
    over = commands.train_overrides(cli.build_parser().parse_args(["train", "--schedule",
                                                                "cosine"]))
    assert over["schedule"] == "cosine"
    cfg, files = run.prepare_run(dict(TINY, epochs=4, lr=0.01, schedule="cosine"),
                                 out=tmp_path / "cos")
    run.train_run(cfg, files.path, quiet=True, log=None)
    assert files.read_config()["schedule"] == "cosine"
    rows = [json.loads(line) for line in (files.path / "metrics.jsonl").open()]
    expected = [0.01 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)]
    np.testing.assert_allclose([r["lr"] for r in rows], expected, rtol=1e-12)

    data = datasets.make_datasets(config.make_config(TINY))
    model = models.model_for(config.make_config(TINY), data["train"].feature_size, 10)
    kinds = {None: type(None), "plateau": ReduceLROnPlateau, "cosine": CosineAnnealingLR}
    for schedule, kind in kinds.items():
        trainer = run.make_trainer(model, data["train"], data["val"], lr=0.01, seed=0,
                                   batch_size=8, epochs=3, patience=None, clip=None,
                                   schedule=schedule)
        assert type(trainer.scheduler) is kind
    with pytest.raises(config.ConfigError, match="schedule"):
        run.make_trainer(model, data["train"], data["val"], lr=0.01, seed=0, batch_size=8,
                         epochs=3, patience=None, clip=None, schedule="linear")


def test_on_epoch_sees_the_validated_weights_and_its_numbers_are_kept(tmp_path):
    """``on_epoch(trainer, row)`` runs once per epoch, while the model holds the moving
    average that validation scores (evaluating the validation set in the hook gives the
    epoch's ``val_loss`` exactly), training then goes on from the raw weights and the global
    generator as they were (the hook's unseeded loader draws from it, and dropout draws from
    it after), and what the hook adds to ``row`` is in ``history`` and the run's metrics."""
    data = datasets.make_datasets(config.make_config(TINY))
    cfg = config.make_config(dict(TINY, dropout=0.3))
    calls = []

    def train(hook, run_dir=None):
        mg.manual_seed(5)
        model = models.model_for(cfg, data["train"].feature_size, 10)
        trainer = run.make_trainer(model, data["train"], data["val"], lr=0.003, seed=0,
                                   batch_size=8, epochs=3, patience=None, clip=5.0,
                                   ema=0.9, run_dir=run_dir, on_epoch=hook)
        trainer.fit()
        return trainer

    def hook(trainer, row):
        scored = mg.training.evaluate(trainer.model, mg.data.DataLoader(data["val"], 64), 10)
        mg.random.default_rng().normal(size=3)
        calls.append((row["epoch"], scored["loss"], row["val_loss"]))
        row["held_out_accuracy"] = scored["accuracy"]

    trainer = train(hook, tmp_path / "hooked")
    assert [c[0] for c in calls] == [1, 2, 3]
    for _, loss, val_loss in calls:
        assert loss == pytest.approx(val_loss, rel=1e-12)
    assert all("held_out_accuracy" in row for row in trainer.history)
    metrics = trainer.files.read_metrics()
    assert [m["held_out_accuracy"] for m in metrics] == \
        [row["held_out_accuracy"] for row in trainer.history]
    plain = train(None)
    for name, value in plain.model.state_dict().items():
        np.testing.assert_array_equal(trainer.model.state_dict()[name], value)
    with pytest.raises(ValueError, match="on_epoch"):
        Trainer(plain.model, mg.optim.SGD(plain.model.parameters(), lr=0.1),
                mg.data.DataLoader(data["train"], 8), None, 10, on_epoch="print")
