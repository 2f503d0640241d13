"""Live recognition from raw PCM: the samples read as a WAV file gives them, and the same
words as the file."""

import io

import numpy as np
import pytest
from scipy.io import wavfile

import minigru as mg
from minigru import audio
from minigru.speech import models
from minigru.speech.live import PCM_FORMATS, pcm_chunks, run_live
from minigru.speech.stream import StreamingRecognizer, feed_chunks, run_stream


class Trickle(io.RawIOBase):
    """A pipe that hands over at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.pos, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        out = self.data[self.pos:self.pos + size]
        self.pos += len(out)
        return out


@pytest.mark.parametrize("fmt", sorted(PCM_FORMATS))
def test_raw_samples_are_scaled_as_a_wav_file_and_channels_averaged(fmt, tmp_path):
    """Each format's samples equal what ``load_wav`` reads from a WAV file of the same
    samples (s16le, s32le and f32le; u8 as 8-bit WAV), in chunks of any size however the
    pipe hands the bytes over; two channels are averaged."""
    rng = np.random.default_rng(0)
    dtype = np.dtype(PCM_FORMATS[fmt][0])
    if dtype.kind == "f":
        q = rng.uniform(-1, 1, (1000, 2)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        q = rng.integers(info.min, info.max, (1000, 2), endpoint=True).astype(dtype)
    wav = tmp_path / "x.wav"
    wavfile.write(wav, 8000, q.astype(dtype.newbyteorder("=")))
    channels, rate = audio.load_wav(wav, mono=False)
    assert rate == 8000 and channels.shape == (2, 1000)
    for chunk in (1, 37, 1000, 4096):
        got = np.concatenate(list(pcm_chunks(Trickle(q.tobytes()), fmt, 2, chunk)))
        np.testing.assert_allclose(got, channels.astype(np.float64).mean(axis=0), atol=1e-7)
    left = np.concatenate(list(pcm_chunks(io.BytesIO(q[:, 0].tobytes()), fmt, 1, 100)))
    np.testing.assert_allclose(left, channels[0], rtol=0, atol=1e-7)


def test_raw_input_errors_name_what_is_wrong():
    with pytest.raises(mg.errors.InputError, match="ended inside a sample: 1 byte"):
        list(pcm_chunks(io.BytesIO(b"\0" * 9), "s16le", 2, 10))
    with pytest.raises(mg.errors.InputError, match="pcm_format must be one of"):
        list(pcm_chunks(io.BytesIO(b""), "s24le", 1, 10))
    for name, kwargs in (("channels", {"channels": 0}), ("chunk", {"chunk": 0})):
        args = {"pcm_format": "s16le", "channels": 1, "chunk": 10, **kwargs}
        with pytest.raises(mg.errors.InputError, match=f"{name} must be an integer >= 1"):
            list(pcm_chunks(io.BytesIO(b""), **args))
    assert list(pcm_chunks(io.BytesIO(b""), "s16le", 1, 10)) == []
    with pytest.raises(mg.errors.InputError, match="source must be a binary file object"):
        list(pcm_chunks(io.StringIO("abc"), "s16le", 1, 10))


def test_the_pipe_is_read_ahead_while_the_recogniser_is_busy():
    """``read_ahead`` empties the pipe on its own thread before anything is taken (as while
    the recogniser warms up), gives the chunks in order, and raises the reader's error where
    they are taken."""
    import threading

    from minigru.speech.live import read_ahead

    q = np.arange(4000, dtype="<i2")
    source = Trickle(q.tobytes(), 100)
    done = threading.Event()

    def chunks():
        yield from pcm_chunks(source, "s16le", 1, 160)
        done.set()

    taken = read_ahead(chunks())
    assert done.wait(30) and source.pos == q.nbytes
    got = np.concatenate(list(taken))
    np.testing.assert_array_equal(got, q / 32768.0)
    with pytest.raises(mg.errors.InputError, match="ended inside a sample"):
        list(read_ahead(pcm_chunks(io.BytesIO(b"\0" * 201), "s16le", 1, 160)))


def test_feed_chunks_checks_the_chunk_size():
    rec = StreamingRecognizer(models.GRUClassifier(26, 10, 8),
                              audio.FeaturePipeline(sample_rate=8000), 8000, list("0123456789"))
    for bad in (0, 1.5, True):
        with pytest.raises(mg.errors.InputError, match="chunk must be an integer >= 1"):
            feed_chunks(rec, [], bad)
    assert feed_chunks(rec, [np.zeros(80)], 80)["seconds"] == 0.01


def test_a_nan_in_the_stream_is_named_by_its_time():
    """Raw float samples may hold a NaN (a driver's fault): the error says where."""
    x = np.zeros(4000, dtype="<f4")
    x[2345] = np.inf
    x[3000] = np.nan
    with pytest.raises(mg.errors.InputError,
                       match=r"NaN or infinite sample at 0\.293 s \(sample 2345\)"):
        run_live(models.GRUClassifier(26, 10, 8), audio.FeaturePipeline(sample_rate=8000),
                 list("0123456789"), io.BytesIO(x.tobytes()), 8000, pcm_format="f32le")


def test_live_raw_input_gives_the_words_of_the_file(tmp_path):
    """A stream of two noise 'words' at 16 kHz, as an int16 WAV file and as the same bytes
    raw on a pipe: the same detections, to the probability, and each chunk timed; an 8 kHz
    model hears the raw 16 kHz input at its own rate and finds the same two words."""
    sr = 16000
    rng = np.random.default_rng(3)
    parts = [(0.5, 0.0), (0.3, 30.0), (0.6, 0.0), (0.25, 30.0), (0.5, 0.0)]
    x = 1e-3 * np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr))
                               for s, db in parts])
    q = np.round(x / np.abs(x).max() * 20000).astype(np.int16)
    wav = tmp_path / "two.wav"
    wavfile.write(wav, sr, q)
    mg.manual_seed(0)
    model = models.GRUClassifier(26, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True)
    classes = list("0123456789")
    from_file = run_stream(model, pipe, classes, wav, threshold=0.0)
    live = run_live(model, pipe, classes, Trickle(q.tobytes(), 333), sr, threshold=0.0)
    assert len(from_file["detections"]) == len(live["detections"]) == 2
    for a, b in zip(from_file["detections"], live["detections"], strict=True):
        assert a["label"] == b["label"]
        assert b["probability"] == pytest.approx(a["probability"], rel=1e-6)
        assert (b["word_start"], b["word_end"]) == pytest.approx((a["word_start"],
                                                                  a["word_end"]))
    assert live["seconds"] == pytest.approx(q.size / sr)
    assert live["chunk_ms"].size == -(-q.size // 160) and not live["interrupted"]
    at_8k = run_live(model, audio.FeaturePipeline(sample_rate=8000, cmvn=True, trim=True),
                     classes, io.BytesIO(q.tobytes()), sr, threshold=0.0)["detections"]
    assert len(at_8k) == 2
    for a, b in zip(at_8k, live["detections"], strict=True):
        assert a["word_start"] == pytest.approx(b["word_start"], abs=0.03)
        assert a["word_end"] == pytest.approx(b["word_end"], abs=0.03)
    with pytest.raises(mg.errors.InputError, match="chunk_ms must be positive"):
        run_live(model, pipe, classes, io.BytesIO(b""), sr, chunk_ms=0)
