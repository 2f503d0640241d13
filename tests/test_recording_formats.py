"""Recordings SciPy does not read: G.711 mu-law and A-law (the codec by its defining formula and
against Python's own ``audioop``), G.711 WAVs and NIST SPHERE files, and the folders that list
them."""

import pathlib
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minigru.audio import g711, load_wav
from minigru.audio.pipeline import FeaturePipeline
from minigru.audio.wav import is_audio_file, sample_rate_of
from minigru.data.speech import AudioFolder, fix_rate
from minigru.speech.predict import expand_folders

from .helpers import g711_wav, sphere

CODES = np.arange(256)


def audioop():
    if sys.version_info >= (3, 13):
        pytest.skip("Python 3.13 removed audioop, the reference G.711 implementation")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop as module
    return module


# ----------------------------------------------------------------------------- the codec

def test_ulaw_decodes_by_the_segment_formula():
    c = ~CODES & 0xFF
    e, m = (c >> 4) & 7, c & 15
    magnitude = ((2 * m + 33) * 2.0 ** e - 33) * 4
    expected = np.where(c & 0x80, -magnitude, magnitude) / 32768
    np.testing.assert_array_equal(g711.decode_ulaw(CODES), expected.astype(np.float32))
    assert g711.ULAW[0x80] == 32124 and g711.ULAW[0x00] == -32124
    assert g711.ULAW[0xFF] == 0 and g711.ULAW[0x7F] == 0


def test_alaw_decodes_by_the_segment_formula():
    c = CODES ^ 0x55
    e, m = (c >> 4) & 7, c & 15
    magnitude = np.where(e == 0, (2 * m + 1) * 8, (2 * m + 33) * 2.0 ** (e - 1) * 8)
    expected = np.where(c & 0x80, magnitude, -magnitude) / 32768
    np.testing.assert_array_equal(g711.decode_alaw(CODES), expected.astype(np.float32))
    assert g711.ALAW[0xAA] == 32256 and g711.ALAW[0x2A] == -32256
    assert g711.ALAW[0xD5] == 8 and g711.ALAW[0x55] == -8


def test_every_code_and_every_16_bit_value_match_audioop():
    ref = audioop()
    raw = bytes(range(256))
    np.testing.assert_array_equal(g711.ULAW, np.frombuffer(ref.ulaw2lin(raw, 2), np.int16))
    np.testing.assert_array_equal(g711.ALAW, np.frombuffer(ref.alaw2lin(raw, 2), np.int16))
    values = np.arange(-32768, 32768).astype(np.int16)
    np.testing.assert_array_equal(g711.encode_ulaw(values / 32768.0),
                                  np.frombuffer(ref.lin2ulaw(values.tobytes(), 2), np.uint8))
    np.testing.assert_array_equal(g711.encode_alaw(values / 32768.0),
                                  np.frombuffer(ref.lin2alaw(values.tobytes(), 2), np.uint8))


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_encoding_is_the_nearest_level_and_inverts_decoding(law):
    encode, decode = getattr(g711, f"encode_{law}"), getattr(g711, f"decode_{law}")
    back = encode(decode(CODES))
    if law == "ulaw":  # the negative zero 0x7F decodes to 0, which encodes as 0xFF
        assert back[0x7F] == 0xFF
        back[0x7F] = 0x7F
    np.testing.assert_array_equal(back, CODES)
    v = np.arange(-32768, 32768) / 32768.0
    q = decode(encode(v)).astype(np.float64)
    assert np.all(np.diff(q) >= 0)  # monotone
    top = 32124 if law == "ulaw" else 32256
    inside = np.abs(v) <= top / 32768
    # within one step of the value: the largest step is 1024 (mu-law) or 1024 (A-law)
    assert np.max(np.abs(q - v)[inside]) <= 1024 / 32768
    assert np.all(np.abs(q[~inside]) == np.float32(top / 32768))


def test_codec_refuses_what_is_not_a_byte_or_a_sample():
    with pytest.raises(ValueError, match="decode_ulaw: codes"):
        g711.decode_ulaw([0, 256])
    with pytest.raises(ValueError, match="decode_alaw: codes"):
        g711.decode_alaw(np.array([0.5]))
    with pytest.raises(ValueError, match="encode_alaw: x"):
        g711.encode_alaw([0.1, np.nan])


# ----------------------------------------------------------------------------- files

@pytest.fixture()
def tone():
    return 0.5 * np.sin(2 * np.pi * 440 * np.arange(801) / 8000)


@pytest.mark.parametrize("law,tag", [("ulaw", 7), ("alaw", 6)])
@pytest.mark.parametrize("extensible", [False, True])
def test_g711_wavs_read_as_their_decoded_samples(tmp_path, tone, law, tag, extensible):
    codes = getattr(g711, f"encode_{law}")(tone)
    path = g711_wav(tmp_path / "call.wav", tag, codes.tobytes(), extensible=extensible)
    y, rate = load_wav(path)
    assert rate == 8000 and y.dtype == np.float32 and y.shape == (801,)
    np.testing.assert_array_equal(y, getattr(g711, f"decode_{law}")(codes))
    assert np.max(np.abs(y - tone)) < 0.016  # half of the largest step, 512 / 32768
    assert sample_rate_of(path) == 8000
    up, rate = load_wav(path, sample_rate=16000)
    assert rate == 16000 and up.shape == (1602,)


def test_a_stereo_ulaw_wav_keeps_or_averages_its_channels(tmp_path, tone):
    codes = g711.encode_ulaw(np.stack([tone, -0.5 * tone], axis=1))
    path = g711_wav(tmp_path / "two.wav", 7, codes.tobytes(), channels=2)
    both, _ = load_wav(path, mono=False)
    assert both.shape == (2, 801)
    np.testing.assert_array_equal(both, g711.decode_ulaw(codes).T)
    mono, _ = load_wav(path)
    np.testing.assert_allclose(mono, g711.decode_ulaw(codes).mean(axis=1), atol=1e-7)


def test_broken_g711_wavs_are_named(tmp_path, tone):
    codes = g711.encode_ulaw(tone).tobytes()
    with pytest.raises(ValueError, match="wide.wav.*8-bit samples"):
        load_wav(g711_wav(tmp_path / "wide.wav", 7, codes, bits=16))
    good = g711_wav(tmp_path / "good.wav", 7, codes).read_bytes()
    (tmp_path / "cut.wav").write_bytes(good[:-200])
    with pytest.raises(ValueError, match="cut.wav is truncated"):
        load_wav(tmp_path / "cut.wav")


def _streamed(path, length, riff=0xFFFFFFFF):
    """The WAV at ``path`` as a writer to a pipe leaves it: ``length`` in its data chunk's
    size field and ``riff`` in the RIFF size field."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"data")
    raw[4:8] = riff.to_bytes(4, "little")
    raw[at + 4:at + 8] = length.to_bytes(4, "little")
    return bytes(raw)


@pytest.mark.parametrize("length", [0xFFFFFFFF, 0x7FFFF000])
def test_a_wav_written_to_a_pipe_reads_to_its_end(tmp_path, tone, length):
    from scipy.io import wavfile

    stereo = (np.stack([tone, -tone], axis=1) * 2**23).astype(np.int32)
    wavfile.write(tmp_path / "whole.wav", 22050, stereo)
    whole, rate = load_wav(tmp_path / "whole.wav", mono=False)
    piped = tmp_path / "piped.wav"
    piped.write_bytes(_streamed(tmp_path / "whole.wav", length) + b"\1\2\3")
    got, got_rate = load_wav(piped, mono=False)
    assert got_rate == rate == 22050
    np.testing.assert_array_equal(got, whole)
    codes = g711.encode_ulaw(tone).tobytes()
    law = g711_wav(tmp_path / "law.wav", 7, codes + b"\0")
    (tmp_path / "law_piped.wav").write_bytes(_streamed(law, length))
    np.testing.assert_array_equal(load_wav(tmp_path / "law_piped.wav")[0], g711.decode_ulaw(
        np.frombuffer(codes + b"\0", dtype=np.uint8)))
    (tmp_path / "short.wav").write_bytes(_streamed(tmp_path / "whole.wav", 10**6, riff=10**6))
    with pytest.raises(ValueError, match="short.wav is truncated"):
        load_wav(tmp_path / "short.wav")


PCM16 = {"sample_count -i": 801, "sample_rate -i": 16000, "channel_count -i": 1,
         "sample_n_bytes -i": 2, "sample_byte_format -s2": "01", "sample_coding -s3": "pcm"}


@pytest.mark.parametrize("order", ["01", "10"])
def test_sphere_pcm_in_either_byte_order(tmp_path, tone, order):
    q = np.round(tone * 32767).astype("<i2" if order == "01" else ">i2")
    path = sphere(tmp_path / "SA1.WAV", {**PCM16, "sample_byte_format -s2": order},
                  q.tobytes())
    y, rate = load_wav(path)
    assert rate == 16000 and y.shape == (801,)
    np.testing.assert_array_equal(y, (q.astype(np.float64) / 32768).astype(np.float32))
    assert sample_rate_of(path) == 16000


def test_sphere_without_a_sample_count_reads_the_whole_file(tmp_path, tone):
    q = np.round(tone * 32767).astype("<i2")
    fields = {k: v for k, v in PCM16.items() if k != "sample_count -i"}
    y, _ = load_wav(sphere(tmp_path / "a.sph", fields, q.tobytes()))
    assert y.shape == (801,)


@pytest.mark.parametrize("coding", ["ulaw", "mu-law", "alaw"])
def test_sphere_companded_two_channel_calls(tmp_path, tone, coding):
    law = "alaw" if coding == "alaw" else "ulaw"
    codes = getattr(g711, f"encode_{law}")(np.stack([tone, 0.2 * tone], axis=1))
    fields = {"sample_count -i": 801, "sample_rate -i": 8000, "channel_count -i": 2,
              "sample_n_bytes -i": 1, f"sample_coding -s{len(coding)}": coding}
    both, rate = load_wav(sphere(tmp_path / "sw02001.sph", fields, codes.tobytes()),
                          mono=False)
    assert rate == 8000 and both.shape == (2, 801)
    np.testing.assert_array_equal(both, getattr(g711, f"decode_{law}")(codes).T)


@pytest.mark.parametrize("fields,data,match", [
    ({**PCM16, "sample_coding -s26": "pcm,embedded-shorten-v2.00"}, b"\0" * 10,
     "compressed.*sph2pipe"),
    ({**PCM16, "sample_count -i": 900}, b"\0" * 1602, "truncated.*900 samples"),
    ({k: v for k, v in PCM16.items() if k != "sample_rate -i"}, b"\0" * 1602,
     "no sample_rate"),
    ({**PCM16, "sample_byte_format -s2": "xx"}, b"\0" * 1602, "sample_byte_format"),
    ({**PCM16, "sample_coding -s4": "ulaw"}, b"\0" * 1602, "'ulaw' with 2-byte"),
    ({**PCM16, "sample_rate -i": "fast"}, b"", "sample_rate.*'fast'"),
])
def test_broken_sphere_files_are_named(tmp_path, fields, data, match):
    path = sphere(tmp_path / "bad.sph", fields, data)
    with pytest.raises(ValueError, match=match):
        load_wav(path)


def test_a_sphere_header_without_its_end_is_named(tmp_path):
    with pytest.raises(ValueError, match="nohead.sph.*end_head"):
        load_wav(sphere(tmp_path / "nohead.sph", PCM16, b"\0" * 1602, end=False))


def test_sample_rate_of_needs_a_header(tmp_path):
    (tmp_path / "notes.wav").write_text("not audio")
    assert sample_rate_of(tmp_path / "notes.wav") is None
    assert sample_rate_of(tmp_path / "missing.wav") is None


def test_folders_list_sphere_and_upper_case_names(tmp_path, tone):
    q = np.round(tone * 32767).astype("<i2").tobytes()
    codes = g711.encode_ulaw(tone).tobytes()
    for label in ("one", "two"):
        (tmp_path / label).mkdir()
        sphere(tmp_path / label / "a.sph", PCM16, q)
        sphere(tmp_path / label / "B.WAV", PCM16, q)
        g711_wav(tmp_path / label / "c.wav", 7, codes)
        (tmp_path / label / "notes.txt").write_text("not a recording")
    (tmp_path / "one" / "memo.mp3").write_bytes(b"ID3\x04" + bytes(100))
    found = expand_folders([tmp_path])
    # the MP3 is listed, so that predict reports it (with the way to convert it)
    assert [f.name for f in found] == ["B.WAV", "a.sph", "c.wav", "memo.mp3",
                                       "B.WAV", "a.sph", "c.wav"]
    assert [is_audio_file(f) for f in found] == [True] * 3 + [False] + [True] * 3
    with pytest.raises(ValueError, match="memo.mp3 is MP3 audio"):
        load_wav(found[3])
    found = [f for f in found if is_audio_file(f)]
    assert fix_rate(FeaturePipeline(), found).sample_rate == 8000  # the lowest of the rates
    data = AudioFolder(tmp_path, features=FeaturePipeline(sample_rate=8000),
                       cache_dir=tmp_path / "cache")
    assert len(data) == 6 and data.classes == ["one", "two"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["g711", "sphere"]), cut=st.integers(0, 2000),
       flips=st.lists(st.tuples(st.integers(0, 1100), st.integers(0, 255)), max_size=6))
def test_damaged_files_read_or_name_themselves(tmp_path, kind, cut, flips):
    """A cut or overwritten G.711 WAV or SPHERE file: samples in [-1, 1], or a ValueError that
    names the file, and nothing else."""
    x = 0.5 * np.sin(np.arange(600) / 5.0)
    if kind == "g711":
        data = bytearray(g711_wav(tmp_path / "f.wav", 7, g711.encode_ulaw(x).tobytes())
                         .read_bytes())
    else:
        q = np.round(x * 32767).astype("<i2").tobytes()
        data = bytearray(sphere(tmp_path / "f.wav", {**PCM16, "sample_count -i": 600}, q)
                         .read_bytes())
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path = tmp_path / "damaged.wav"
    path.write_bytes(bytes(data[:len(data) - cut]))
    try:
        y, rate = load_wav(path)
    except ValueError as exc:
        assert str(path) in str(exc), exc
        return
    assert rate > 0 and y.dtype == np.float32 and np.all(np.abs(y) <= 1.0)


@pytest.mark.parametrize("head,name", [
    (b"fLaC\x00\x00\x00\x22", "FLAC"), (b"OggS\x00\x02", "Ogg"), (b"ID3\x04\x00", "MP3"),
    (b"\xff\xfb\x90\x64", "MP3"), (b"\x00\x00\x00\x20ftypM4A ", "MP4/M4A"),
    (b"\x1aE\xdf\xa3\x9fB\x86", "WebM"), (b"#!AMR\n", "AMR"),
    (b"FORM\x00\x00\x10\x00AIFFCOMM", "AIFF"), (b"caff\x00\x01", "CAF"), (b".snd\x00\x00", "AU"),
])
def test_other_audio_formats_are_named_with_the_way_to_convert_them(tmp_path, head, name):
    path = tmp_path / "memo.m4a"
    path.write_bytes(head + bytes(200))
    with pytest.raises(ValueError, match=f"memo.m4a is {name}.*ffmpeg -i memo.m4a memo.wav"):
        load_wav(path)


SOX = pathlib.Path(__file__).resolve().parent / "data" / "sox"


@pytest.mark.parametrize("name,reference", [
    ("ulaw.wav", "ulaw_decoded.wav"), ("alaw.wav", "alaw_decoded.wav"),
    ("ulaw.sph", "ulaw_sph_decoded.wav"), ("pcm.sph", "tone.wav"),
    ("ulaw_stereo.wav", "ulaw_stereo_decoded.wav"),
])
def test_files_written_by_sox_read_as_sox_decodes_them(name, reference):
    """Files written by another implementation of the formats (SoX; tests/data/sox/make.sh):
    the samples are the ones SoX itself decodes them to, bit for bit."""
    from scipy.io import wavfile

    y, rate = load_wav(SOX / name, mono=False)
    ref_rate, q = wavfile.read(SOX / reference)
    assert rate == ref_rate == 8000
    expected = (q.astype(np.float64) / 32768).astype(np.float32)
    np.testing.assert_array_equal(y, expected.T if expected.ndim == 2 else expected)
    assert sample_rate_of(SOX / name) == 8000


def test_the_ulaw_encoder_writes_the_codes_sox_writes():
    from scipy.io import wavfile

    _, q = wavfile.read(SOX / "tone.wav")
    codes = np.frombuffer((SOX / "ulaw.wav").read_bytes()[-q.size:], dtype=np.uint8)
    np.testing.assert_array_equal(g711.encode_ulaw(q / 32768.0), codes)
