"""Streaming: chunked MFCC == whole-signal MFCC, chunked GRU == whole-sequence GRU."""

import numpy as np
import pytest

import minigru as mg
from minigru import audio
from minigru.speech import models


def signal(sr=8000, seconds=0.83):
    rng = np.random.default_rng(0)
    t = np.arange(int(sr * seconds)) / sr
    return 0.3 * np.sin(2 * np.pi * 300 * t * (1 + t)) + 0.05 * rng.standard_normal(t.size)


@pytest.mark.parametrize("preset", [None, "python_speech_features", "kaldi"])
@pytest.mark.parametrize("chunk", [1, 7, 80, 160, 4000])
@pytest.mark.parametrize("deltas", [0, 2])
def test_chunked_mfcc_equals_whole_signal(preset, chunk, deltas):
    x = signal()
    ref = audio.mfcc(x, 8000, preset=preset, deltas=deltas)
    stream = audio.StreamingMFCC(8000, preset=preset, deltas=deltas)
    parts = [stream.push(x[i:i + chunk]) for i in range(0, x.size, chunk)] + [stream.flush()]
    got = np.concatenate(parts)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_short_signal_and_reuse_after_flush():
    stream = audio.StreamingMFCC(16000)
    assert stream.push(np.zeros(50)).shape == (0, 13)
    last = stream.flush()
    np.testing.assert_allclose(last, audio.mfcc(np.zeros(50), 16000))
    x = signal(16000, 0.3)
    again = np.concatenate([stream.push(x), stream.flush()])
    np.testing.assert_allclose(again, audio.mfcc(x, 16000), atol=1e-9)


@pytest.mark.parametrize("deltas", [0, 2])
def test_blank_frames_are_those_holding_a_hop_of_digital_silence(deltas):
    """``last_blank`` marks each returned frame holding a run of at least a hop (80 samples at
    8 kHz) of exact zeros, whatever the chunks: the frames over a muted stretch and the
    edge frames that reach a full hop into it, not a frame with a shorter run."""
    x = signal(8000, 0.6)
    x[2000:2400] = 0.0  # 50 ms muted
    x[3000:3079] = 0.0  # 79 samples: less than a hop
    win, hop = 200, 80
    starts = np.arange(1 + (x.size - win) // hop) * hop
    expected = [any(np.all(x[a + k:a + k + hop] == 0) for k in range(win - hop + 1))
                for a in starts]
    assert sum(expected) == 6
    for chunk in (37, 160, x.size):
        stream = audio.StreamingMFCC(8000, preset="python_speech_features", deltas=deltas,
                                     preemphasis=0.0)
        blank = []
        for i in range(0, x.size, chunk):
            stream.push(x[i:i + chunk])
            blank += list(stream.last_blank)
        stream.flush()
        blank += list(stream.last_blank)
        assert blank[:len(expected)] == expected, chunk
    assert len(blank) == len(audio.mfcc(x, 8000, preset="python_speech_features"))


def test_running_cmvn_uses_the_frames_so_far():
    x = signal(16000, 0.5)
    plain = audio.StreamingMFCC(16000)
    normed = audio.StreamingMFCC(16000, running_cmvn=True)
    a = np.concatenate([plain.push(x[i:i + 160]) for i in range(0, x.size, 160)])
    b = np.concatenate([normed.push(x[i:i + 160]) for i in range(0, x.size, 160)])
    for k in (1, 10, len(a) - 1):
        seen = a[:k + 1]
        expected = (a[k] - seen.mean(0)) / np.maximum(seen.std(0), 1e-10)
        np.testing.assert_allclose(b[k], expected, rtol=1e-9, atol=1e-9)


def test_streaming_mfcc_bad_input():
    with pytest.raises(ValueError, match="cannot be streamed"):
        audio.StreamingMFCC(16000, preset="librosa")
    with pytest.raises(ValueError, match="running_cmvn"):
        audio.StreamingMFCC(16000, cmvn=True)
    stream = audio.StreamingMFCC(16000)
    with pytest.raises(ValueError, match="16000 Hz"):
        stream.push(np.zeros(10), sample_rate=8000)
    with pytest.raises(ValueError, match="NaN"):
        stream.push(np.array([0.0, np.nan]))


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_chunked_recogniser_equals_whole_sequence(cell, pooling):
    mg.manual_seed(0)
    model = models.GRUClassifier(26, 10, 24, num_layers=2, cell=cell, pooling=pooling).double()
    model.eval()
    x = np.random.default_rng(1).standard_normal((45, 26))
    stream = model.stream()
    got = np.concatenate([stream.push(x[i:i + 4]) for i in range(0, 45, 4)])
    out, _ = model.rnn(mg.tensor(x[:, None, :]))
    top = out.numpy()[:, 0]
    if pooling == "mean":
        top = np.cumsum(top, 0) / np.arange(1, 46)[:, None]
    ref = mg.nn.functional.softmax(model.head(mg.tensor(top)), axis=1).numpy()
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    final = model(mg.tensor(x[:, None, :]), [45])
    np.testing.assert_allclose(got[-1], mg.nn.functional.softmax(final, 1).numpy()[0],
                               atol=1e-12)
    stream.reset()
    np.testing.assert_allclose(stream.push(x[:3]), got[:3], atol=1e-15)


def test_gru_reset_before_streams_too():
    mg.manual_seed(2)
    model = models.GRUClassifier(5, 3, 6).double()
    model.rnn.reset_after = False
    x = np.random.default_rng(2).standard_normal((9, 5))
    got = model.stream().push(x)
    out, _ = model.rnn(mg.tensor(x[:, None, :]))
    ref = mg.nn.functional.softmax(model.head(out[:, 0]), axis=1).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_stream_refuses_what_cannot_stream():
    with pytest.raises(ValueError, match="bidirectional"):
        models.GRUClassifier(5, 3, 4, bidirectional=True).stream()
    with pytest.raises(ValueError, match="frames must be"):
        models.GRUClassifier(5, 3, 4).stream().push(np.zeros((2, 6)))
    from minigru.speech.stream import RecurrentStream

    with pytest.raises(ValueError, match="no recurrent layer"):
        RecurrentStream(models.CNNGRUClassifier(5, 3, channels=4, hidden_size=4))


def _detections(signal, sr, **kwargs):
    from minigru.speech.stream import StreamingRecognizer

    mg.manual_seed(0)
    model = models.GRUClassifier(26, 10, 8)
    rec = StreamingRecognizer(model, audio.FeaturePipeline(sample_rate=sr), sr,
                              list("0123456789"), threshold=0.0, **kwargs)
    found = []
    for i in range(0, signal.size, 80):
        found += rec.push(signal[i:i + 80])
    return found + rec.flush()


def test_a_quieter_stretch_inside_a_word_does_not_split_it():
    """A 'word' of broadband noise 30 dB above the background, 11.5 dB for 160 ms in the
    middle (a quiet consonant), then 30 dB again, with a hang-over shorter than the dip: one
    word when it may continue 6 dB above the floor (the floor creeps up by about 3 dB over the
    word), two when it must stay 12 dB above the floor all through."""
    sr = 8000
    rng = np.random.default_rng(3)
    gains = [(1.0, 0.0), (0.1, 30.0), (0.16, 11.5), (0.1, 30.0), (1.0, 0.0)]
    x = np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr)) for s, db in gains])
    x *= 1e-3
    one = _detections(x, sr, hangover_ms=60.0, release_db=6.0)
    assert len(one) == 1
    assert one[0]["word_start"] == pytest.approx(1.0, abs=0.03)
    assert one[0]["word_end"] == pytest.approx(1.38, abs=0.04)
    two = _detections(x, sr, hangover_ms=60.0, release_db=12.0)
    assert len(two) == 2
    assert two[0]["word_end"] < 1.15 < two[1]["word_start"]


def test_release_threshold_is_checked():
    from minigru.errors import InputError
    from minigru.speech.stream import StreamingRecognizer

    model = models.GRUClassifier(26, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=8000)
    for bad in (0, -3, 13.0, "8"):
        with pytest.raises(InputError, match="release_db must be a positive number"):
            StreamingRecognizer(model, pipe, 8000, list("0123456789"), release_db=bad)


def _burst_stream(sr=8000, seed=3):
    """1 s of quiet noise, 0.3 s of broadband noise 30 dB louder (a 'word'), 1 s quiet."""
    rng = np.random.default_rng(seed)
    parts = [(1.0, 0.0), (0.3, 30.0), (1.0, 0.0)]
    return 1e-3 * np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr))
                                  for s, db in parts])


def _feed(rec, x, chunk=80):
    found = []
    for i in range(0, x.size, chunk):
        found += rec.push(x[i:i + chunk])
    return found + rec.flush()


def _cut_posterior(model, pipe, x, sr, d, restore=None):
    """The model's posterior on the pipeline's features of the stream's cut for detection
    ``d`` (from 100 ms before its start, or the stream's first sample, to 100 ms after its
    end), passed through ``restore`` first if given."""
    pad = int(0.1 * sr)
    cut = x[max(0, int(round(d["word_start"] * sr)) - pad):int(round(d["word_end"] * sr)) + pad]
    if restore is not None:
        cut = restore(cut)
    feats = pipe(cut.astype(np.float32), sr)
    model.eval()
    with mg.no_grad():
        logits = model(mg.Tensor(feats[:, None, :].astype(np.float32)),
                       np.array([feats.shape[0]])).numpy()[0]
    p = np.exp(logits - logits.max())
    return p / p.sum()


@pytest.mark.parametrize("bidirectional", [False, True])
def test_word_mode_classifies_the_cut_word_with_the_models_own_pipeline(bidirectional):
    """With CMVN and trimming (the default recogniser's features) the stream decides on the
    whole word: its posterior is the model's on the pipeline's features of the samples from
    pad_ms before the word to pad_ms after it, as ``predict`` computes them."""
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    mg.manual_seed(1)
    model = models.GRUClassifier(26, 10, 8, bidirectional=bidirectional)
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True)
    rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), threshold=0.0)
    assert rec.decide == "word"
    x = _burst_stream(sr)
    (d,) = _feed(rec, x)
    p = _cut_posterior(model, pipe, x, sr, d)
    assert d["label"] == str(int(np.argmax(p)))
    assert d["probability"] == pytest.approx(float(p.max()), rel=1e-5)
    assert d["word_start"] == pytest.approx(1.0, abs=0.03)


def test_auto_streams_frames_when_the_features_can_be_streamed():
    from minigru.speech.stream import StreamingRecognizer

    model = models.GRUClassifier(26, 10, 8)
    plain = audio.FeaturePipeline(sample_rate=8000)
    assert StreamingRecognizer(model, plain, 8000, list("0123456789")).decide == "frames"
    rec = StreamingRecognizer(model, plain, 8000, list("0123456789"), decide="word")
    assert rec.decide == "word"
    with pytest.raises(mg.errors.InputError, match="decide must be 'auto', 'frames' or"):
        StreamingRecognizer(model, plain, 8000, list("0123456789"), decide="whole")


def test_word_mode_keeps_only_a_bounded_stretch_of_audio():
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    model = models.GRUClassifier(26, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True)
    rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), max_word_s=1.0)
    rng = np.random.default_rng(0)
    quiet = 1e-3 * rng.standard_normal(30 * sr)
    loud = 0.3 * rng.standard_normal(5 * sr)
    sizes = []
    for x in (quiet, loud, quiet):
        for i in range(0, x.size, 160):
            rec.push(x[i:i + 160])
            sizes.append(rec.audio.size)
    bound = rec.max_word + rec.pad + rec.mfcc.win + 8 * rec.mfcc.hop + 160
    assert max(sizes) <= bound
    assert sizes[-1] <= rec.pad + rec.mfcc.win + 8 * rec.mfcc.hop + 160


def _opening_stream(sr=8000, lead_db=30.0, seed=5):
    """A stream that begins inside a 'word': 0.3 s of broadband noise ``lead_db`` above the
    background, 1 s of background, a second word 30 dB above it for 0.3 s, 1 s of
    background."""
    rng = np.random.default_rng(seed)
    parts = [(0.3, lead_db), (1.0, 0.0), (0.3, 30.0), (1.0, 0.0)]
    return 1e-3 * np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr))
                                  for s, db in parts])


def test_a_stream_that_begins_inside_a_word_finds_that_word():
    """The floor starts at the first frame, inside the word; when it falls to the
    background the opening is decided again: the first word is found from the stream's
    first sample and read from there (word mode: the model's posterior on the cut from the
    first sample to pad_ms after it), and the second word as before."""
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    mg.manual_seed(1)
    model = models.GRUClassifier(26, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True)
    rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), threshold=0.0)
    x = _opening_stream(sr)
    first, second = _feed(rec, x)
    assert first["word_start"] == 0.0
    assert first["word_end"] == pytest.approx(0.3, abs=0.03)
    assert second["word_start"] == pytest.approx(1.3, abs=0.03)
    p = _cut_posterior(model, pipe, x, sr, first)
    assert first["probability"] == pytest.approx(float(p.max()), rel=1e-5)
    assert rec.opening is None and rec.audio.size < sr


def test_a_frame_stream_that_begins_inside_a_word_is_read_from_its_first_frame():
    """Frame by frame, the replayed word's posterior is the model's on the stream's frames
    from the first to the one that ended the word (its last speech frame and the
    hang-over)."""
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    mg.manual_seed(3)
    model = models.GRUClassifier(26, 10, 8).double()
    pipe = audio.FeaturePipeline(sample_rate=sr)
    rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), threshold=0.0)
    assert rec.decide == "frames"
    x = _opening_stream(sr)
    first, _ = _feed(rec, x)
    assert first["word_start"] == 0.0
    mfcc = pipe.streaming(sr)
    frames = np.concatenate([mfcc.push(x), mfcc.flush()])
    last = int(round((first["word_end"] - rec.win_s) / rec.hop_s))
    n = last + rec.hangover + 1
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(frames[:n, None, :]), [n]).numpy()[0]
    p = np.exp(logits - logits.max())
    np.testing.assert_allclose(first["probability"], p.max() / p.sum(), rtol=1e-9)


def test_a_louder_start_is_a_word_where_it_would_be_after_a_quiet_start():
    """A stream whose background opens louder for 0.3 s: 6 dB louder is no word, 16 dB
    louder is a word from the first sample; the same stream after 1 s of its background
    finds the same words."""
    sr = 8000
    rng = np.random.default_rng(6)
    for lead_db, words in ((6.0, 1), (16.0, 2)):
        x = _opening_stream(sr, lead_db)
        found = _detections(x, sr)
        after = _detections(np.concatenate([1e-3 * rng.standard_normal(sr), x]), sr)
        assert len(found) == len(after) == words, lead_db
        for d, e in zip(found, after, strict=True):
            assert d["word_start"] == pytest.approx(max(0.0, e["word_start"] - 1), abs=0.015)
            assert d["word_end"] == pytest.approx(e["word_end"] - 1, abs=0.025)
    assert found[0]["word_start"] == 0.0


def test_a_word_with_a_quiet_onset_at_the_start_is_found_whole():
    """A stream that opens on a word's quiet onset (6 dB above the background, then 20 dB,
    then 10 dB): its floor starts at the onset, so the detector found only the loud middle.
    Decided again once the floor has fallen, the word has the bounds it has after 1 s of
    the background."""
    sr = 8000
    rng = np.random.default_rng(7)
    parts = [(0.05, 6.0), (0.1, 20.0), (0.1, 10.0), (1.0, 0.0), (0.3, 30.0), (1.0, 0.0)]
    x = 1e-3 * np.concatenate([10 ** (db / 20) * rng.standard_normal(int(s * sr))
                               for s, db in parts])
    found = _detections(x, sr)
    after = _detections(np.concatenate([1e-3 * np.random.default_rng(6).standard_normal(sr),
                                        x]), sr)
    assert len(found) == len(after) == 2
    for d, e in zip(found, after, strict=True):
        assert d["word_start"] == pytest.approx(e["word_start"] - 1, abs=1e-9)
        assert d["word_end"] == pytest.approx(e["word_end"] - 1, abs=1e-9)
    assert found[0]["word_end"] == pytest.approx(0.25, abs=0.015)


def test_digital_silence_sets_no_floor():
    """A stream padded with 0.5 s of exact zeros before it, or muted for 0.5 s before its
    second word, finds the words it finds without them, at the same places. With the zeros
    taken for the floor, the room's noise after them rose 12 dB above it and was one long
    word."""
    sr = 8000
    x = _burst_stream(sr)
    plain = _detections(x, sr)
    assert len(plain) == 1
    padded = _detections(np.concatenate([np.zeros(sr // 2), x]), sr)
    muted = x.copy()
    muted[int(0.4 * sr):int(0.9 * sr)] = 0.0
    for got, shift in ((padded, 0.5), (_detections(muted, sr), 0.0)):
        assert len(got) == 1
        assert got[0]["word_start"] == pytest.approx(plain[0]["word_start"] + shift, abs=0.015)
        assert got[0]["word_end"] == pytest.approx(plain[0]["word_end"] + shift, abs=0.015)


def test_a_word_right_after_digital_silence_is_found_from_its_first_sound():
    """Zeros, then a stream that begins inside a word: the word starts at the first frame
    that is not blank."""
    sr = 8000
    x = _opening_stream(sr)
    found = _detections(np.concatenate([np.zeros(sr // 4), x]), sr)
    alone = _detections(x, sr)
    assert len(found) == len(alone) == 2
    assert found[0]["word_start"] == pytest.approx(0.25 - 0.01, abs=0.015)
    assert found[0]["word_end"] == pytest.approx(alone[0]["word_end"] + 0.25, abs=0.015)


def test_word_mode_settings_are_checked():
    from minigru.speech.stream import StreamingRecognizer

    model = models.GRUClassifier(26, 10, 8)
    pipe = audio.FeaturePipeline(sample_rate=8000, cmvn=True)
    for name in ("pad_ms", "max_word_s"):
        with pytest.raises(mg.errors.InputError, match=f"{name} must be a number >= 0"):
            StreamingRecognizer(model, pipe, 8000, list("0123456789"), **{name: -1.0})


def _clipped_word_stream(sr=8000):
    """1 s of quiet noise, a 0.3 s 'word' (a gliding tone and its harmonics, which linear
    prediction can follow) recorded too loud, with about a tenth of it at full scale, 1 s of
    quiet noise."""
    rng = np.random.default_rng(4)
    t = np.arange(int(0.3 * sr)) / sr
    phase = 2 * np.pi * 200 * t * (1 + t)
    word = np.sin(phase) + 0.5 * np.sin(2 * phase + 1) + 0.3 * np.sin(3 * phase + 2)
    quiet = 1e-3 * rng.standard_normal(sr)
    x = np.concatenate([quiet, word, quiet])
    return np.clip(x / np.quantile(np.abs(word), 0.9), -1.0, 1.0)


def test_word_mode_declips_the_cut_word_as_predict_reads_a_file():
    """A pipeline that declips: the stream's posterior of a word spoken too loud is the
    model's on the declipped cut, as ``predict`` reads a recording; with ``declip=False``
    it is the model's on the cut as it came."""
    from minigru.audio.declip import clipped_samples, declip
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    mg.manual_seed(2)
    model = models.GRUClassifier(26, 10, 8)
    model.eval()
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True, declip=True)
    x = _clipped_word_stream(sr)
    assert clipped_samples(x).sum() > 100
    posteriors = {}
    for setting in (None, False):
        rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), threshold=0.0,
                                  declip=setting)
        assert rec.declip is (setting is None)
        (d,) = _feed(rec, x)
        p = _cut_posterior(model, pipe, x, sr, d, declip if setting is None else None)
        assert d["probability"] == pytest.approx(float(p.max()), rel=1e-5)
        posteriors[setting] = d["probability"]
    assert posteriors[None] != posteriors[False]


def test_word_mode_restores_reshaped_peaks_as_predict_reads_a_file():
    """A word clipped at 16 kHz and streamed at 8 kHz has no flat peak left: a pipeline with
    ``declip_reshaped`` reads the cut with its piled peaks restored, as ``predict`` reads
    the file, and ``declip=False`` turns both rules off."""
    from minigru.audio.declip import clipped_samples, declip, piled_peaks
    from minigru.speech.stream import StreamingRecognizer

    sr = 8000
    mg.manual_seed(2)
    model = models.GRUClassifier(26, 10, 8)
    x = audio.resample(_clipped_word_stream(2 * sr), 2 * sr, sr)
    assert not clipped_samples(x).any() and piled_peaks(x)[0].sum() > 100
    pipe = audio.FeaturePipeline(sample_rate=sr, cmvn=True, trim=True, declip=True,
                                 declip_reshaped=True)
    posteriors = {}
    for setting in (None, False):
        rec = StreamingRecognizer(model, pipe, sr, list("0123456789"), threshold=0.0,
                                  declip=setting)
        assert rec.reader.declip_reshaped is (setting is None)
        (d,) = _feed(rec, x)
        restore = (lambda c: declip(c, rule="reshaped")) if setting is None else None
        p = _cut_posterior(model, pipe, x, sr, d, restore)
        assert d["probability"] == pytest.approx(float(p.max()), rel=1e-5)
        posteriors[setting] = d["probability"]
    assert posteriors[None] != posteriors[False]


def test_declip_follows_the_pipeline_and_needs_whole_words():
    from minigru.speech.stream import StreamingRecognizer

    model = models.GRUClassifier(26, 10, 8)
    classes = list("0123456789")
    declipping = audio.FeaturePipeline(sample_rate=8000, declip=True)
    rec = StreamingRecognizer(model, declipping, 8000, classes)
    assert (rec.decide, rec.declip) == ("word", True)
    rec = StreamingRecognizer(model, declipping, 8000, classes, decide="frames")
    assert (rec.decide, rec.declip) == ("frames", False)
    plain = audio.FeaturePipeline(sample_rate=8000)
    assert StreamingRecognizer(model, plain, 8000, classes, declip=True).decide == "word"
    reshaping = audio.FeaturePipeline(sample_rate=8000, declip_reshaped=True)
    rec = StreamingRecognizer(model, reshaping, 8000, classes)
    assert rec.decide == "word" and rec.reader.declip_reshaped and not rec.declip
    with pytest.raises(mg.errors.InputError, match="declip=True needs the whole word"):
        StreamingRecognizer(model, plain, 8000, classes, decide="frames", declip=True)
    with pytest.raises(mg.errors.InputError, match="declip must be True, False or None"):
        StreamingRecognizer(model, plain, 8000, classes, declip="yes")


def test_word_mode_runs_at_the_streams_own_rate_and_converts_each_word():
    """A stream at 16 kHz into a model of 8 kHz: its detector runs at 16 kHz over the model's
    band (mel filters to 4 kHz), and each word, cut at 16 kHz, is read by the pipeline, which
    converts it, as ``predict`` reads a 16 kHz file. The word is found where the 8 kHz stream
    finds it."""
    from scipy.signal import resample_poly

    from minigru.speech.stream import StreamingRecognizer

    mg.manual_seed(3)
    model = models.GRUClassifier(26, 10, 8)
    model.eval()
    pipe = audio.FeaturePipeline(sample_rate=8000, cmvn=True, trim=True)
    x8 = _burst_stream(8000)
    x16 = resample_poly(x8, 2, 1)
    rec = StreamingRecognizer(model, pipe, 16000, list("0123456789"), threshold=0.0)
    assert (rec.sample_rate, rec.mfcc.sample_rate) == (16000, 16000)
    assert rec.mfcc.cfg.fmax == 4000.0
    tight = audio.FeaturePipeline(sample_rate=8000, cmvn=True, fmax=-300)
    assert StreamingRecognizer(model, tight, 16000, list("0123456789")).mfcc.cfg.fmax == 3700.0
    assert StreamingRecognizer(model, tight, 8000, list("0123456789")).mfcc.cfg.fmax == -300.0
    assert StreamingRecognizer(model, pipe, 4000, list("0123456789")).mfcc.cfg.fmax is None
    (d16,) = _feed(rec, x16, chunk=160)
    (d8,) = _feed(StreamingRecognizer(model, pipe, 8000, list("0123456789"), threshold=0.0),
                  x8)
    assert d16["word_start"] == pytest.approx(d8["word_start"], abs=0.011)
    assert d16["word_end"] == pytest.approx(d8["word_end"], abs=0.011)
    p = _cut_posterior(model, pipe, x16, 16000, d16)
    assert d16["probability"] == pytest.approx(float(p.max()), rel=1e-5)


def test_a_frame_stream_at_another_rate_than_the_models_is_refused():
    from minigru.speech.stream import StreamingRecognizer

    model = models.GRUClassifier(26, 10, 8)
    plain = audio.FeaturePipeline(sample_rate=8000)
    with pytest.raises(mg.errors.InputError, match="sample_rate is 16000 Hz but the model "
                                                  "reads 8000 Hz frame by frame"):
        StreamingRecognizer(model, plain, 16000, list("0123456789"))
    assert StreamingRecognizer(model, plain, 8000, list("0123456789")).sample_rate == 8000
    assert StreamingRecognizer(model, plain, 16000, list("0123456789"),
                               decide="word").sample_rate == 16000
    for bad in (0, -8000, 8000.0, "8000", True):
        with pytest.raises(mg.errors.InputError, match="sample_rate must be a positive integer"):
            StreamingRecognizer(model, plain, bad, list("0123456789"))
