"""What a user must be able to trust: a run never saves poison, a resumed run is the run it
says it is, the configuration describes the model built, long streams keep no history, and
the command tells a user's mistake from a bug."""

import json

import numpy as np
import pytest

import minigru as mg
from minigru import audio, cli, nn
from minigru.autograd import Function
from minigru.errors import InputError
from minigru.speech import config, datasets, models, run
from minigru.speech.stream import StreamingRecognizer
from minigru.training import Trainer, TrainingError, load_checkpoint

TINY = {"limit": 6, "epochs": 3, "hidden": 16, "patience": None, "threads": 1,
        "synthetic": {"sample_rate": 8000}, "features": {"cmvn": False, "trim": False}}


class _NaNGradient(Function):
    """The identity forward; a NaN gradient backward (a broken operation)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return np.full_like(g, np.nan)


class _Poisoned(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x, lengths=None):
        return _NaNGradient.apply(self.inner(x, lengths))


@pytest.mark.parametrize("clip", [None, 5.0])
def test_a_nan_gradient_never_reaches_the_weights_or_the_checkpoint(tmp_path, clip):
    cfg = config.make_config(TINY)
    data = datasets.make_datasets(cfg)
    model = _Poisoned(models.model_for(cfg, data["train"].feature_size, 10))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    opt = mg.optim.Adam(model.parameters())
    loader = mg.data.DataLoader(data["train"], 8, shuffle=True, seed=0)
    trainer = Trainer(model, opt, loader, None, 10, epochs=2, run_dir=tmp_path, log=None,
                      quiet=True, clip_grad_norm=clip)
    with pytest.raises(TrainingError, match="gradient norm became nan.*not updated"):
        trainer.fit()
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    saved = load_checkpoint(tmp_path / "checkpoint.npz")
    assert saved["epoch"] == 0
    for k, v in saved["model"].items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("patience", [0, -1, 1.5, True])
def test_patience_below_one_epoch_is_refused(patience):
    with pytest.raises(config.ConfigError, match="patience must be (a whole number of epochs"
                                                 "|an integer)"):
        config.make_config({"patience": patience})
    model = nn.Linear(2, 2)
    loader = mg.data.DataLoader(mg.data.ArrayDataset([np.zeros((1, 2))], [0], None,
                                                     ["a", "b"]), 1)
    with pytest.raises(InputError, match="Trainer: patience"):
        Trainer(model, mg.optim.SGD(model.parameters(), lr=0.1), loader, None, 2,
                patience=patience)


@pytest.mark.parametrize("key, value, message", [
    ("seed", -1, "seed must be an integer"), ("seed", 2**32, "seed must be an integer"),
    ("clip", 0, "clip must be a positive"), ("clip", float("inf"), "clip must be a positive"),
    ("lr", 0, "lr must be a number"), ("lr", "0.1", "lr must be a number"),
    ("dropout", True, "dropout must be a number"), ("bidirectional", "yes", "bidirectional"),
    ("pooling", "max", "pooling must be one of"), ("hidden", 1.0, "hidden must be an integer"),
    ("hidden", 0, "hidden must be a positive"), ("features", 3, "features is a table"),
    ("features", {"delta": 1}, "did you mean 'deltas'"), ("epoch", 3, "did you mean 'epochs'"),
])
def test_every_numeric_setting_has_a_range(key, value, message):
    with pytest.raises(config.ConfigError, match=message):
        config.make_config({key: value})


def test_the_configuration_describes_the_cnn_gru_that_is_built():
    cfg = config.make_config({"model": "cnn-gru"})
    assert cfg["bidirectional"] is True
    model = models.model_for(cfg, 39, 10)
    assert model.gru.rnn.bidirectional
    uni = config.make_config({"model": "cnn-gru", "bidirectional": False})
    assert not models.model_for(uni, 39, 10).gru.rnn.bidirectional
    assert config.make_config({})["bidirectional"] is False
    legacy = dict(uni)
    del legacy["pooling"]
    assert models.model_for(legacy, 39, 10).gru.rnn.bidirectional, \
        "a 0.1.0 configuration's cnn-gru was always bidirectional"


def test_pooling_is_a_setting_and_mean_is_the_default():
    assert models.model_for(config.make_config({}), 39, 10).pooling == "mean"
    assert models.model_for(config.make_config({"pooling": "last"}), 39, 10).pooling == "last"
    legacy = config.make_config({})
    del legacy["pooling"]
    assert models.model_for(legacy, 39, 10).pooling == "last"


def test_resume_refuses_settings_that_change_the_model_and_applies_the_rest(tmp_path):
    cfg = config.make_config(TINY)
    run.train_run(dict(cfg, epochs=1), tmp_path / "r", log=None, quiet=True)
    for over, key in (({"hidden": 128}, "hidden"), ({"model": "lstm"}, "model"),
                      ({"features": {"cmvn": True}}, "features.cmvn"),
                      ({"augment": "strong"}, "augment")):
        with pytest.raises(config.ConfigError, match=f"{key} cannot change when a run is "
                                                     f"resumed"):
            run.prepare_run(over, resume=tmp_path / "r")
    same, _ = run.prepare_run({"hidden": 16, "epochs": 3, "patience": 2}, resume=tmp_path / "r")
    assert same["epochs"] == 3 and same["patience"] == 2
    written = json.loads((tmp_path / "r" / "config.json").read_text())
    assert written["epochs"] == 3 and written["patience"] == 2
    code = cli.main(["train", "--resume", str(tmp_path / "r"), "--hidden", "32", "--quiet"])
    assert code == 2


def test_streaming_deltas_keep_no_history():
    x = np.random.default_rng(0).standard_normal(8000 * 20) * 0.1
    stream = audio.StreamingMFCC(8000, deltas=2)
    for i in range(0, x.size, 800):
        stream.push(x[i:i + 800])
    kept = [len(d.frames) for d in stream._deltas]
    assert max(kept) <= 2 * 2 + 1 + 10, kept
    assert max(len(h) for h in stream._held) <= 10


def test_voice_activity_reads_the_energy_before_running_cmvn():
    sr = 8000
    t = np.arange(sr) / sr
    x = np.concatenate([1e-3 * np.random.default_rng(1).standard_normal(sr),
                        0.3 * np.sin(2 * np.pi * 300 * t)])
    plain = audio.StreamingMFCC(sr)
    normed = audio.StreamingMFCC(sr, running_cmvn=True)
    raw = np.concatenate([plain.push(x[i:i + 80]) for i in range(0, x.size, 80)])
    c0 = []
    for i in range(0, x.size, 80):
        normed.push(x[i:i + 80])
        c0.extend(normed.last_c0)
    np.testing.assert_allclose(c0, raw[:, 0], rtol=1e-12)


def test_a_stream_threshold_outside_zero_one_is_refused():
    model = models.GRUClassifier(39, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=8000)
    for bad in (2, -1, float("nan")):
        with pytest.raises(InputError, match="threshold must be a probability"):
            StreamingRecognizer(model, pipe, 8000, list("0123456789"), threshold=bad)
    with pytest.raises(InputError, match="hangover_ms must be a positive"):
        StreamingRecognizer(model, pipe, 8000, list("0123456789"), hangover_ms=0)


def test_a_bug_is_shown_as_a_bug_and_a_mistake_as_one_line(capsys, monkeypatch):
    def broken(args):
        raise ValueError("an internal invariant broke")

    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with(parser(), "mfcc", broken))
    assert cli.main(["mfcc", "x.wav"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "a bug in minigru" in err
    assert cli.main(["mfcc", "no-such-file.wav"]) == 1
    capsys.readouterr()
    monkeypatch.undo()
    assert cli.main(["mfcc", "no-such-file.wav"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no-such-file.wav" in err


def _with(parser, command, func):
    parser._subparsers._group_actions[0].choices[command].set_defaults(func=func)
    return parser


def test_input_errors_are_value_errors_and_type_errors_still():
    with pytest.raises(ValueError):
        mg.tensor([1.0]).reshape(3)
    with pytest.raises(InputError):
        mg.tensor([1.0]).reshape(3)
    with pytest.raises(TypeError):
        mg.tensor(object())
    with pytest.raises(mg.InputTypeError):
        mg.tensor(object())
