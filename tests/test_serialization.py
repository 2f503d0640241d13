"""mg.save / mg.load: round trips, atomic writes, and files that must be refused."""

import os
import zipfile

import numpy as np
import pytest

import minigru as mg
from minigru import nn, optim


def test_nested_round_trip(tmp_path):
    state = {
        "model": {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": mg.tensor([1.0])},
        "step": 7, "lr": 0.5, "name": "gru", "flags": [True, None, 3],
        "by_index": {0: {"m": np.ones(2)}, 1: {"step": 2}},
        "rng": mg.random.get_rng_state(),
    }
    path = tmp_path / "ck.npz"
    mg.save(state, path)
    out = mg.load(path)
    np.testing.assert_array_equal(out["model"]["w"], state["model"]["w"])
    assert out["model"]["w"].dtype == np.float32
    np.testing.assert_array_equal(out["model"]["b"], [1.0])
    assert out["step"] == 7 and out["lr"] == 0.5 and out["name"] == "gru"
    assert out["flags"] == [True, None, 3]
    assert set(out["by_index"]) == {0, 1} and out["by_index"][1] == {"step": 2}
    assert out["rng"] == state["rng"]


def test_model_and_optimizer_round_trip(tmp_path):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = mg.randn(5, 3)
    y = np.array([0, 1, 1, 0, 1])
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "m.npz")
    restored = mg.load(tmp_path / "m.npz")
    model2 = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model2.load_state_dict(restored["model"])
    opt2 = optim.Adam(model2.parameters(), lr=0.01)
    opt2.load_state_dict(restored["opt"])
    for m, o in ((model, opt), (model2, opt2)):
        o.zero_grad()
        nn.functional.cross_entropy(m(x), y).backward()
        o.step()
    for p1, p2 in zip(model.parameters(), model2.parameters(), strict=True):
        np.testing.assert_array_equal(p1.data, p2.data)


def test_pickled_npz_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __minigru__=np.array('{"format": "minigru-checkpoint", "version": 1, '
                                        '"state": {"__array__": "a0"}}'),
             a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        mg.load(path)


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "ck.npz"
    mg.save({"w": np.ones((100, 100))}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="ck.npz"):
        mg.load(path)


def test_foreign_files_are_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(3))
    with pytest.raises(ValueError, match="not a minigru checkpoint"):
        mg.load(plain)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="notes.npz"):
        mg.load(text)
    npy = tmp_path / "one.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ValueError, match="single .npy"):
        mg.load(npy)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        mg.load(tmp_path / "missing.npz")


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "ck.npz"
    mg.save({"v": 1}, path)
    with pytest.raises(TypeError, match="object"):
        mg.save({"v": 2, "bad": object()}, path)
    assert mg.load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ck.npz"]
    assert zipfile.is_zipfile(path)


def test_unsupported_values_are_named(tmp_path):
    with pytest.raises(TypeError, match=r"state\.x"):
        mg.save({"x": {1, 2}}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match="dtype"):
        mg.save({"x": np.array(["a"])}, tmp_path / "a.npz")
