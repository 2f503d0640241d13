"""mg.load on crafted and mutated files: a ValueError naming the file, and nothing else, ever.

The mutations start from real checkpoints (a model with an optimiser, and a run's resume
state) and apply what a damaged disk, a bad download or a hostile sender would: truncation,
bit flips, byte runs overwritten, members swapped or dropped, the JSON manifest edited.
"""

import io
import json
import os
import stat
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigru as mg
from minigru import nn, optim


@pytest.fixture(scope="module")
def real_checkpoint(tmp_path_factory):
    mg.manual_seed(0)
    model = nn.GRU(3, 4)
    opt = optim.Adam(model.parameters(), lr=0.01)
    out, _ = model(mg.randn(5, 2, 3))
    out.sum().backward()
    opt.step()
    state = {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3,
             "shape": (5, 2), "history": [{"loss": 1.5}], "rng": mg.random.get_rng_state()}
    path = tmp_path_factory.mktemp("ck") / "ck.npz"
    mg.save(state, path)
    return path.read_bytes()


def _load_bytes(tmp_path, data: bytes, name: str = "m.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        return mg.load(path)
    except ValueError as exc:
        assert str(path) in str(exc), f"the message does not name the file: {exc}"
        return exc


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def _manifest(state) -> bytes:
    return _npy(np.array(json.dumps({"format": "minigru-checkpoint", "version": 2,
                                     "state": state})))


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)),
                                        min_size=1, max_size=8)),
    st.tuples(st.just("overwrite"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("swap"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("drop"), st.integers(0, 50)),
    st.tuples(st.just("json"), st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["__array__", "__items__", "__tuple__", "format", "version",
                             "state", "a0", "w"]), inner, max_size=4),
        max_leaves=20)),
)


def _mutate(data: bytes, mutation) -> bytes:
    kind = mutation[0]
    if kind == "truncate":
        return data[:int(mutation[1] * len(data))]
    if kind == "flip":
        out = bytearray(data)
        for where, bit in mutation[1]:
            i = min(int(where * len(out)), len(out) - 1)
            out[i] ^= 1 << bit
        return bytes(out)
    if kind == "overwrite":
        i = int(mutation[1] * len(data))
        return data[:i] + mutation[2] + data[i + len(mutation[2]):]
    members = _members(data)
    names = sorted(members)
    if kind == "swap":
        a, b = names[mutation[1] % len(names)], names[mutation[2] % len(names)]
        members[a], members[b] = members[b], members[a]
        return _zip(members)
    if kind == "drop":
        del members[names[mutation[1] % len(names)]]
        return _zip(members)
    edited = {"format": "minigru-checkpoint", "version": 2, "state": mutation[1]}
    if isinstance(mutation[1], dict) and "format" in mutation[1]:
        edited = mutation[1]
    members["__minigru__.npy"] = _npy(np.array(json.dumps(edited)))
    return _zip(members)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutation=MUTATIONS)
def test_mutated_checkpoints_only_ever_raise_value_error(tmp_path_factory, real_checkpoint,
                                                         mutation):
    tmp_path = tmp_path_factory.mktemp("fuzz", numbered=True)
    _load_bytes(tmp_path, _mutate(real_checkpoint, mutation))


def test_the_fuzz_starts_from_a_checkpoint_that_loads(tmp_path, real_checkpoint):
    out = _load_bytes(tmp_path, real_checkpoint)
    assert not isinstance(out, Exception)
    assert out["epoch"] == 3 and out["shape"] == (5, 2)


@pytest.mark.parametrize("members, message", [
    ({"__minigru__.npy": _manifest({"__array__": "a7"})}, "missing array 'a7'"),
    ({"__minigru__.npy": _manifest({"__array__": 3})}, "malformed array reference"),
    ({"__minigru__.npy": _manifest({"__items__": 5})}, "malformed key-value"),
    ({"__minigru__.npy": _manifest({"__items__": [[[1], 2]]})}, "malformed key-value"),
    ({"__minigru__.npy": _manifest({"__tuple__": "ab"})}, "malformed tuple"),
    ({"__minigru__.npy": _npy(np.array(json.dumps({"format": "minigru-checkpoint",
                                                   "version": "2", "state": 1})))},
     "malformed format version"),
    ({"__minigru__.npy": _npy(np.array(json.dumps({"format": "minigru-checkpoint",
                                                   "version": 99, "state": 1})))},
     "newer minigru"),
    ({"__minigru__.npy": _npy(np.array(json.dumps({"format": "minigru-checkpoint",
                                                   "version": 2})))}, "no state"),
    ({"__minigru__.npy": _npy(np.array("[" * 100000 + "]" * 100000))}, "nests too deeply"),
    ({"__minigru__.npy": _manifest(json.loads("[" * 70 + "]" * 70))}, "nests deeper than 64"),
    ({"__minigru__.npy": _npy(np.arange(3.0))}, "manifest is not a string"),
    ({"__minigru__.npy": b"not an npy header"}, "not a valid .npy"),
    ({"a0.npy": _npy(np.zeros(2))}, r"no __minigru__ record"),
    ({"__minigru__.npy": _manifest(1), "a0.npy": _npy(np.array([{"x": 1}], dtype=object))},
     "pickled Python objects"),
    ({"__minigru__.npy": _manifest(1), "notes.txt": b"hello"}, "unexpected member"),
    ({"__minigru__.npy": _manifest(1), "a0.npy": _npy(np.array(["text"]))}, "holds text"),
    ({"__minigru__.npy": _manifest(1),
      "a0.npy": _npy(np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]))}, "dtype"),
])
def test_crafted_archives_are_refused_with_a_reason(tmp_path, members, message):
    with pytest.raises(ValueError, match=message) as info:
        mg.load(_write(tmp_path, _zip(members)))
    assert "m.npz" in str(info.value)


def _write(tmp_path, data: bytes):
    path = tmp_path / "m.npz"
    path.write_bytes(data)
    return path


def test_a_header_declaring_two_to_the_forty_elements_allocates_nothing(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
    data = _zip({"__minigru__.npy": _manifest({"__array__": "a0"}),
                 "a0.npy": header.getvalue() + b"\0" * 64})
    with pytest.raises(ValueError, match=r"declares shape \(1099511627776,\)"):
        mg.load(_write(tmp_path, data))


@pytest.mark.parametrize("data, message", [
    (os.urandom(0), "not a .npz zip archive"),
    (b"\x00\x01random bytes" * 40, "not a .npz zip archive"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 40, "not a .npz zip archive"),
    (b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94.", "pickled Python objects"),
    (_npy(np.zeros(3)), "single .npy array"),
    (b"PK\x03\x04" + b"\xff" * 100, "truncated or corrupt"),
])
def test_foreign_files_are_named_for_what_they_are(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        mg.load(_write(tmp_path, data))


def test_tuples_and_fortran_arrays_round_trip(tmp_path):
    state = {"shape": (3, (4, 5)), "list": [1, (2,)], "f": np.asfortranarray(np.arange(6.)
                                                                            .reshape(2, 3))}
    mg.save(state, tmp_path / "t.npz")
    out = mg.load(tmp_path / "t.npz")
    assert out["shape"] == (3, (4, 5)) and type(out["shape"]) is tuple
    assert out["list"] == [1, (2,)]
    np.testing.assert_array_equal(out["f"], state["f"])


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        mg.save({"x": 1}, tmp_path / "u.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "u.npz").stat().st_mode) == 0o644


def test_version_one_files_still_load(tmp_path):
    np.savez(tmp_path / "v1.npz", __minigru__=np.array(json.dumps(
        {"format": "minigru-checkpoint", "version": 1, "state": [{"__array__": "a0"}, 2]})),
        a0=np.arange(3))
    out = mg.load(tmp_path / "v1.npz")
    np.testing.assert_array_equal(out[0], np.arange(3))
    assert out[1] == 2
