"""Loaders, the synthetic corpus and the folder datasets."""

import pathlib

import numpy as np
import pytest
from scipy.io import wavfile

from minigru import data
from minigru.data import synthetic

FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


def toy(lengths, F=3):
    feats = [np.full((n, F), i, dtype=np.float32) for i, n in enumerate(lengths)]
    return data.ArrayDataset(feats, [i % 2 for i in range(len(lengths))])


def test_pad_batch_time_major_and_batch_first():
    ds = toy([3, 1, 2])
    batch = data.pad_batch([ds[0], ds[1], ds[2]])
    assert batch.x.shape == (3, 3, 3) and batch.x.dtype == np.float32
    assert batch.lengths.tolist() == [3, 1, 2] and batch.labels.tolist() == [0, 1, 0]
    assert np.all(batch.x[1:, 1] == 0) and np.all(batch.x[:2, 2] == 2)
    assert np.all(batch.x[2, 2] == 0)
    bf = data.pad_batch([ds[0], ds[1]], batch_first=True)
    assert bf.x.shape == (2, 3, 3)
    with pytest.raises(ValueError, match="empty"):
        data.pad_batch([])


def test_loader_covers_everything_once_and_is_seeded():
    ds = toy(list(range(1, 24)))
    loader = data.DataLoader(ds, batch_size=5, shuffle=True, seed=3)
    epoch0 = np.concatenate([b.indices for b in loader])
    epoch1 = np.concatenate([b.indices for b in loader])
    assert sorted(epoch0) == list(range(23)) and sorted(epoch1) == list(range(23))
    assert not np.array_equal(epoch0, epoch1)
    again = data.DataLoader(ds, batch_size=5, shuffle=True, seed=3)
    assert np.array_equal(np.concatenate([b.indices for b in again]), epoch0)
    assert len(loader) == 5
    assert len(data.DataLoader(ds, 5, drop_last=True)) == 4
    assert sum(len(b) for b in data.DataLoader(ds, 5, drop_last=True)) == 20


def test_loader_state_dict_resumes_the_order():
    ds = toy(list(range(1, 30)))
    a = data.DataLoader(ds, 4, shuffle=True, seed=1)
    list(a)
    state = a.state_dict()
    expected = [b.indices.tolist() for b in a]
    b = data.DataLoader(ds, 4, shuffle=True, seed=99)
    b.load_state_dict(state)
    assert [x.indices.tolist() for x in b] == expected


def test_bucketing_cuts_padding():
    rng = np.random.default_rng(0)
    ds = toy(rng.integers(1, 200, 400).tolist())

    def padding(loader):
        return sum(int(b.lengths.max()) * len(b) - int(b.lengths.sum()) for b in loader)

    plain = data.DataLoader(ds, 16, shuffle=True, seed=0)
    bucketed = data.DataLoader(ds, 16, shuffle=True, seed=0, bucket_by_length=True)
    assert padding(bucketed) < 0.2 * padding(plain)
    assert sorted(np.concatenate([b.indices for b in bucketed])) == list(range(400))


def test_loader_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(toy([1, 2]), 0)
    with pytest.raises(ValueError, match="empty"):
        data.DataLoader(data.ArrayDataset([], []), 2)


def test_synthesizer_is_deterministic_and_varied():
    a = synthetic.synthesize_digit(7, 16000, seed=5, take=2)
    b = synthetic.synthesize_digit(7, 16000, seed=5, take=2)
    c = synthetic.synthesize_digit(7, 16000, seed=5, take=3)
    assert np.array_equal(a, b) and not np.array_equal(a[:1000], c[:1000])
    assert a.dtype == np.float32 and 0.2 < a.size / 16000 < 1.5
    assert np.abs(a).max() <= 0.31
    low = synthetic.synthesize_digit(1, 8000, seed=0, take=0)
    assert np.all(np.isfinite(low))
    with pytest.raises(ValueError, match="digit"):
        synthetic.synthesize_digit(10)


def test_synthetic_digits_balanced_and_order_independent():
    small = data.SyntheticDigits(2, sample_rate=8000, seed=3)
    assert len(small) == 20 and np.bincount(small.labels).tolist() == [2] * 10
    assert small.classes[3] == "three" and small.feature_size == 26
    later = data.SyntheticDigits(1, sample_rate=8000, seed=3, first_take=1)
    np.testing.assert_array_equal(later.features[4], small.features[14])


def write_tone(path, sr=8000, n=2400, freq=440.0):
    t = np.arange(n) / sr
    wavfile.write(path, sr, (6000 * np.sin(2 * np.pi * freq * t)).astype(np.int16))


def test_spoken_digit_folder_rules(tmp_path):
    for digit in range(3):
        for index in (0, 5, 7):
            write_tone(tmp_path / f"{digit}_alice_{index}.wav", freq=300 + 100 * digit)
    write_tone(tmp_path / "1_bob_6.wav")
    train = data.SpokenDigitFolder(tmp_path, "train")
    test = data.SpokenDigitFolder(tmp_path, "test")
    assert len(train) == 7 and len(test) == 3
    assert sorted(set(train.labels.tolist())) == [0, 1, 2]
    only = data.SpokenDigitFolder(tmp_path, "all", speakers=["bob"])
    assert len(only) == 1 and only.speakers == ["bob"]
    (tmp_path / "notes.wav").write_text("nope")
    with pytest.raises(ValueError, match="notes.wav"):
        data.SpokenDigitFolder(tmp_path, "all")
    (tmp_path / "notes.wav").unlink()
    (tmp_path / "2_carol_9.wav").write_text("corrupt")
    with pytest.raises(ValueError, match="2_carol_9.wav"):
        data.SpokenDigitFolder(tmp_path, "train")
    skipping = data.SpokenDigitFolder(tmp_path, "train", skip_bad=True)
    assert len(skipping) == 7 and "2_carol_9.wav" in skipping.skipped[0][0]
    with pytest.raises(ValueError, match="no usable"):
        data.SpokenDigitFolder(tmp_path, "test", speakers=["nobody"])
    with pytest.raises(FileNotFoundError):
        data.SpokenDigitFolder(tmp_path / "missing")


def test_audio_folder(tmp_path):
    for label in ("yes", "no"):
        (tmp_path / label).mkdir()
        for k in range(2):
            write_tone(tmp_path / label / f"{k}.wav", freq=200 + 300 * k)
    ds = data.AudioFolder(tmp_path)
    assert ds.classes == ["no", "yes"] and len(ds) == 4
    assert ds.labels.tolist() == [0, 0, 1, 1]


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
def test_fsdd_conventional_split(tmp_path):
    test = data.SpokenDigitFolder(FSDD, "test", speakers=["jackson", "theo"],
                                  cache_dir=tmp_path / "cache")
    assert len(test) == 100 and np.bincount(test.labels).tolist() == [10] * 10
    assert all(int(n.split("_")[2][:-4]) <= 4 for n in test.names)
    again = data.SpokenDigitFolder(FSDD, "test", speakers=["jackson", "theo"],
                                   cache_dir=tmp_path / "cache")
    for a, b in zip(test.features, again.features, strict=True):
        np.testing.assert_array_equal(a, b)
