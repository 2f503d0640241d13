"""The moving average of the weights: its formula, its swap, its state, and training with it."""

import numpy as np
import pytest

import minigru as mg
from minigru.optim import ExponentialMovingAverage
from minigru.speech import config, run
from minigru.training import load_checkpoint


def _params(rng, dtype="float64"):
    return [mg.tensor(rng.standard_normal((3, 4)), requires_grad=True, dtype=dtype),
            mg.tensor(rng.standard_normal(5), requires_grad=True, dtype=dtype)]


def _walk(params, ema, rng, steps):
    """Move the parameters ``steps`` times, updating the average after each; return every
    iterate of every parameter."""
    seen = [[] for _ in params]
    for _ in range(steps):
        for p, history in zip(params, seen, strict=True):
            p.data = (p.data + rng.standard_normal(p.shape)).astype(p.data.dtype)
            history.append(p.data.copy())
        ema.update()
    return seen


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9, 0.999])
def test_average_is_the_bias_corrected_weighted_sum_of_the_iterates(decay):
    rng = np.random.default_rng(0)
    params = _params(rng)
    ema = ExponentialMovingAverage(params, decay=decay)
    seen = _walk(params, ema, rng, 7)
    n = 7
    weights = np.array([(1 - decay) * decay ** (n - k) for k in range(1, n + 1)])
    weights /= 1 - decay ** n
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    for avg, history in zip(ema.averages(), seen, strict=True):
        expected = np.tensordot(weights, np.stack(history), axes=1)
        np.testing.assert_allclose(avg, expected, rtol=0, atol=1e-12)


def test_first_average_is_the_first_iterate_and_decay_zero_is_the_last():
    rng = np.random.default_rng(1)
    params = _params(rng)
    ema = ExponentialMovingAverage(params, decay=0.99)
    before = [p.data.copy() for p in params]
    for a, b in zip(ema.averages(), before, strict=True):
        assert np.array_equal(a, b)
    seen = _walk(params, ema, rng, 1)
    for a, history in zip(ema.averages(), seen, strict=True):
        np.testing.assert_allclose(a, history[0], rtol=1e-14)
    last = ExponentialMovingAverage(params, decay=0.0)
    seen = _walk(params, last, rng, 3)
    for a, history in zip(last.averages(), seen, strict=True):
        assert np.array_equal(a, history[-1])


def test_swap_in_and_back_exactly_also_after_an_exception():
    rng = np.random.default_rng(2)
    params = _params(rng, "float32")
    ema = ExponentialMovingAverage(params, decay=0.9)
    _walk(params, ema, rng, 5)
    raw = [p.data.copy() for p in params]
    with ema.average_parameters():
        for p, avg in zip(params, ema.averages(), strict=True):
            assert np.array_equal(p.data, avg) and p.data.dtype == np.float32
        assert not np.array_equal(params[0].data, raw[0])
    for p, r in zip(params, raw, strict=True):
        assert np.array_equal(p.data, r)
    with pytest.raises(ZeroDivisionError), ema.average_parameters():
        _ = 1 / 0
    for p, r in zip(params, raw, strict=True):
        assert np.array_equal(p.data, r)


def test_state_dict_through_a_file_continues_bit_for_bit(tmp_path):
    rng = np.random.default_rng(3)
    params = _params(rng)
    ema = ExponentialMovingAverage(params, decay=0.95)
    _walk(params, ema, rng, 4)
    mg.save({"ema": ema.state_dict()}, tmp_path / "ema.npz")
    twins = [mg.tensor(p.data.copy(), requires_grad=True) for p in params]
    copy = ExponentialMovingAverage(twins, decay=0.5)
    copy.load_state_dict(mg.load(tmp_path / "ema.npz")["ema"])
    assert copy.decay == 0.95 and copy.steps == 4
    _walk(params, ema, np.random.default_rng(9), 3)
    _walk(twins, copy, np.random.default_rng(9), 3)
    for a, b in zip(ema.averages(), copy.averages(), strict=True):
        assert np.array_equal(a, b)


def test_bad_arguments_are_named():
    p = mg.tensor(np.zeros(3), requires_grad=True)
    for bad in (1.0, -0.1, 1.5, "0.9", True, None):
        with pytest.raises(mg.InputError, match="decay"):
            ExponentialMovingAverage([p], decay=bad)
    with pytest.raises(mg.InputError, match="empty"):
        ExponentialMovingAverage([], decay=0.9)
    with pytest.raises(TypeError, match=r"params\[1\]"):
        ExponentialMovingAverage([p, np.zeros(3)], decay=0.9)
    ema = ExponentialMovingAverage([p], decay=0.9)
    with ema.average_parameters():
        with pytest.raises(mg.InputError, match="inside"):
            ema.update()
        with pytest.raises(mg.InputError, match="already"):
            with ema.average_parameters():
                pass
    with pytest.raises(mg.InputError, match="accumulators"):
        ema.load_state_dict({"decay": 0.9, "steps": 1, "accumulators": {}})
    with pytest.raises(mg.InputError, match="shape"):
        ema.load_state_dict({"decay": 0.9, "steps": 1, "accumulators": {0: np.zeros(4)}})


TINY = {"limit": 6, "epochs": 4, "hidden": 16, "patience": None, "threads": 1, "ema": 0.9,
        "synthetic": {"sample_rate": 8000}, "features": {"cmvn": False, "trim": False}}


def test_a_run_keeps_the_average_and_resumes_bit_for_bit(tmp_path):
    cfg = config.make_config(TINY)
    run.train_run(cfg, tmp_path / "full", log=None, quiet=True)
    run.train_run(dict(cfg, epochs=2), tmp_path / "part", log=None, quiet=True)
    run.train_run(dict(cfg, epochs=4), tmp_path / "part", resume=True, log=None, quiet=True)
    full = load_checkpoint(tmp_path / "full" / "checkpoint.npz")
    part = load_checkpoint(tmp_path / "part" / "checkpoint.npz")
    assert (tmp_path / "full" / "metrics.jsonl").read_text() == \
        (tmp_path / "part" / "metrics.jsonl").read_text()
    for k in full["model"]:
        assert np.array_equal(full["model"][k], part["model"][k]), k
    assert int(full["ema"]["steps"]) == int(part["ema"]["steps"]) > 0
    best = load_checkpoint(tmp_path / "full" / "best.npz")["model"]
    assert any(not np.array_equal(best[k], full["model"][k]) for k in best)


def test_best_weights_are_the_average_not_the_last_iterate(tmp_path):
    cfg = config.make_config(dict(TINY, epochs=1))
    run.train_run(cfg, tmp_path / "one", log=None, quiet=True)
    last = load_checkpoint(tmp_path / "one" / "checkpoint.npz")
    best = load_checkpoint(tmp_path / "one" / "best.npz")
    assert int(best["epoch"]) == 1
    decay, steps = float(last["ema"]["decay"]), int(last["ema"]["steps"])
    assert decay == 0.9 and steps > 1
    for i, k in enumerate(last["model"]):
        average = np.asarray(last["ema"]["accumulators"][i]) / (1 - decay ** steps)
        np.testing.assert_allclose(best["model"][k], average, rtol=1e-5, atol=1e-7)
        assert not np.array_equal(best["model"][k], last["model"][k]), k


def test_ema_setting_is_checked():
    with pytest.raises(config.ConfigError, match="ema"):
        config.make_config({"ema": 1.0})
    with pytest.raises(config.ConfigError, match="ema"):
        config.make_config({"ema": "yes"})


def test_default_average_is_for_recordings_and_an_old_run_keeps_none(tmp_path):
    assert config.ema_of(config.make_config({})) == 0.0
    assert config.ema_of(config.make_config({"data": "fsdd"})) == config.EMA_RECORDINGS
    assert config.ema_of(config.make_config({"data": "folder", "ema": 0.5})) == 0.5
    assert config.ema_of(config.make_config({"data": "fsdd", "ema": 0})) == 0.0
    assert config.legacy_config({"data": "fsdd", "augment": "strong"})["ema"] == 0.0
    assert config.legacy_config({"data": "fsdd", "ema": 0.9})["ema"] == 0.9
    cfg, files = run.prepare_run(dict(TINY, ema=None, epochs=1), out=tmp_path / "new")
    run.train_run(cfg, files.path, quiet=True, log=None)
    assert files.read_config()["ema"] == 0.0
    assert "ema" not in load_checkpoint(files.checkpoint)
