"""Reading recordings: ``load_wav``.

Every WAV that SciPy reads (8-bit unsigned, 16-, 24- and 32-bit integer and 32- and 64-bit
float PCM, any number of channels), and two kinds it does not: G.711 mu-law and A-law WAVs
(format tags 7 and 6, or WAVE_FORMAT_EXTENSIBLE with either as its sub-format; the 8 kHz
8-bit files of telephone recordings, decoded by ``minigru.audio.g711``), and NIST SPHERE files
(``minigru.audio.sphere``: TIMIT, TIDIGITS, Switchboard), whatever their names. Integer PCM
becomes ``v / 2^(bits - 1)`` (8-bit: ``(v - 128) / 128``), G.711 ``v / 2^15`` of its 16-bit
value, so every kind lands on the same scale in [-1, 1]. Files of other audio formats (FLAC,
Ogg, MP3, M4A, ...) are recognised by their first bytes and refused by name, with the command
that converts them. A WAV written to a pipe, whose header cannot give its length
(``UNKNOWN_DATA_LENGTHS``), is read to its end; any other file whose data chunk declares more
bytes than it holds is refused as truncated.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from ..errors import InputError
from .g711 import decode_alaw, decode_ulaw
from .resampling import resample
from .sphere import is_sphere, read_header, read_sphere

AUDIO_SUFFIXES = (".wav", ".sph")
"""The file names that folders of recordings are read for (in any case: ``.WAV`` too)."""


OTHER_AUDIO_SUFFIXES = (".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".mp4", ".aac",
                        ".webm", ".mka", ".amr", ".aif", ".aiff", ".aifc", ".caf", ".au",
                        ".snd", ".wma")
"""The names of audio files in formats ``load_wav`` does not read: a folder given to
``minigru predict`` lists them too, so each is reported with the way to convert it rather than
passed over."""


def is_audio_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file named as a recording (:data:`AUDIO_SUFFIXES`)."""
    p = Path(path)
    return p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()


def _to_float(data: np.ndarray, path: Path) -> np.ndarray:
    """Integer PCM to float in [-1, 1]: int16 / 2^15, int32 / 2^31, (uint8 - 128) / 2^7;
    float WAVs are taken as they are."""
    kind, size = data.dtype.kind, data.dtype.itemsize
    if kind == "f":
        return data.astype(np.float32)
    if kind == "u" and size == 1:
        return ((data.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if kind == "i" and size in (2, 4):
        return (data.astype(np.float64) / float(2 ** (8 * size - 1))).astype(np.float32)
    if kind == "i" and size == 8:  # 24-bit files come back from scipy left-aligned in int32
        return (data.astype(np.float64) / 2.0**63).astype(np.float32)
    raise InputError(f"load_wav: {path}: unsupported sample format {data.dtype}")


def _riff_chunks(path: Path) -> tuple[str, list[tuple[bytes, int, int]]]:
    """(byte order "<" or ">", [(chunk id, offset of its payload, declared length)]) of a
    RIFF/WAVE (or big-endian RIFX) file; ("", []) for any other file."""
    size = path.stat().st_size
    chunks = []
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return "", []
        order = "<" if head[:4] == b"RIFF" else ">"
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk, length = struct.unpack(order + "4sI", f.read(8))
            chunks.append((chunk, offset + 8, length))
            if chunk == b"data":
                break
            offset += 8 + length + (length & 1)
    return order, chunks


UNKNOWN_DATA_LENGTHS = (0xFFFFFFFF, 0x7FFFF000)
"""The ``data`` chunk lengths that writers put in a WAV header when they cannot know the
length, because they write to a pipe and cannot go back (0xFFFFFFFF: FFmpeg, GStreamer;
0x7FFFF000: SoX): such a file's samples run to its end."""


def _streamed_wav(path: Path, order: str, chunks: list[tuple[bytes, int, int]]
                  ) -> tuple[list[tuple[bytes, int, int]], io.BytesIO | None]:
    """A WAV written to a pipe (its last chunk, ``data``, declares one of
    ``UNKNOWN_DATA_LENGTHS`` and runs past the end of the file): its chunks with the data's
    true length (the bytes to the end of the file, in whole sample frames), and the file in
    memory with that length written into its header. Any other file: (chunks, None)."""
    size = path.stat().st_size
    if not chunks or chunks[-1][0] != b"data" or chunks[-1][2] not in UNKNOWN_DATA_LENGTHS \
            or chunks[-1][1] + chunks[-1][2] <= size:
        return chunks, None
    fmt = _wave_format(path, order, chunks)
    frame = max(1, fmt[1] * ((fmt[3] + 7) // 8)) if fmt is not None else 1
    offset = chunks[-1][1]
    length = (size - offset) - (size - offset) % frame
    data = bytearray(path.read_bytes())
    struct.pack_into(order + "I", data, 4, offset + length - 8)
    struct.pack_into(order + "I", data, offset - 4, length)
    del data[offset + length:]
    return chunks[:-1] + [(b"data", offset, length)], io.BytesIO(data)


def _check_data_chunk(path: Path, chunks: list[tuple[bytes, int, int]]) -> None:
    """Refuse a RIFF/WAVE file whose ``data`` chunk declares more bytes than the file holds
    (a cut-off download or copy), which would otherwise read as a shorter recording."""
    for chunk, offset, length in chunks:
        if chunk == b"data" and offset + length > path.stat().st_size:
            raise InputError(f"load_wav: {path} is truncated: its data chunk declares "
                             f"{length} bytes but the file holds "
                             f"{path.stat().st_size - offset}")


WAVE_FORMAT_ALAW = 6
WAVE_FORMAT_MULAW = 7
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_G711 = {WAVE_FORMAT_ALAW: decode_alaw, WAVE_FORMAT_MULAW: decode_ulaw}


def _wave_format(path: Path, order: str, chunks: list[tuple[bytes, int, int]]
                 ) -> tuple[int, int, int, int] | None:
    """(format tag, channels, sample rate, bits per sample) from a RIFF/WAVE file's ``fmt ``
    chunk, the tag of WAVE_FORMAT_EXTENSIBLE replaced by its sub-format's; None without
    one."""
    for chunk, offset, length in chunks:
        if chunk == b"fmt " and length >= 16:
            with open(path, "rb") as f:
                f.seek(offset)
                fmt = f.read(min(length, 40))
            tag, channels, rate, _, _, bits = struct.unpack(order + "HHIIHH", fmt[:16])
            if tag == WAVE_FORMAT_EXTENSIBLE and len(fmt) >= 26:
                tag = struct.unpack(order + "H", fmt[24:26])[0]
            return tag, channels, rate, bits
    return None


def _g711_wav(path: Path, order: str, chunks: list[tuple[bytes, int, int]]
              ) -> tuple[int, np.ndarray] | None:
    """(rate, samples (N,) or (N, channels) float32) of a G.711 mu-law or A-law WAV (format
    tag 7 or 6, or WAVE_FORMAT_EXTENSIBLE with either as its sub-format), which SciPy does
    not read; None for any other format."""
    fmt = _wave_format(path, order, chunks)
    data = [(offset, length) for chunk, offset, length in chunks if chunk == b"data"]
    if fmt is None or fmt[0] not in _G711 or not data:
        return None
    tag, channels, rate, bits = fmt
    if bits != 8 or channels < 1:
        raise InputError(f"load_wav: {path}: a G.711 WAV has 8-bit samples and at least "
                         f"one channel, this one declares {bits} bits and {channels} "
                         f"channels")
    offset, length = data[0]
    with open(path, "rb") as f:
        f.seek(offset)
        codes = np.frombuffer(f.read(length - length % channels), dtype=np.uint8)
    samples = _G711[tag](codes)
    return rate, samples.reshape(-1, channels) if channels > 1 else samples


def sample_rate_of(path: str | os.PathLike[str]) -> int | None:
    """The sample rate a WAV or NIST SPHERE file declares in its header, without reading its
    samples; None for a file that is missing or neither."""
    path = Path(path)
    try:
        if is_sphere(path):
            rate = read_header(path)[1].get("sample_rate")
            return int(rate) if isinstance(rate, (int, float)) and rate > 0 else None
        fmt = _wave_format(path, *_riff_chunks(path))
    except (OSError, ValueError, struct.error):
        return None
    return int(fmt[2]) if fmt is not None and fmt[2] > 0 else None


_OTHER_FORMATS = ((0, b"fLaC", "FLAC"), (0, b"OggS", "Ogg (Vorbis or Opus)"), (0, b"ID3", "MP3"),
                  (4, b"ftyp", "MP4/M4A"), (0, b"\x1aE\xdf\xa3", "WebM/Matroska"),
                  (0, b"#!AMR", "AMR"), (8, b"AIFF", "AIFF"), (8, b"AIFC", "AIFF-C"),
                  (0, b"caff", "CAF (Core Audio)"), (0, b".snd", "AU (Sun/NeXT)"))


def other_format(path: Path) -> str | None:
    """The name of the audio format a file's first bytes announce when it is one that
    ``load_wav`` does not read (FLAC, Ogg, MP3, M4A, WebM, AMR, AIFF, CAF, AU), else None."""
    with open(path, "rb") as f:
        head = f.read(16)
    for offset, magic, name in _OTHER_FORMATS:
        if head[offset:offset + len(magic)] == magic:
            return name
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "MP3"  # an MPEG audio frame header without an ID3 tag
    return None


def _read(path: Path) -> tuple[int, np.ndarray]:
    """(rate, samples as stored: (N,) or (N, channels)) of a NIST SPHERE file, a G.711 WAV
    or any WAV that SciPy reads."""
    if is_sphere(path):
        return read_sphere(path)
    name = other_format(path)
    if name is not None:
        raise InputError(f"load_wav: {path} is {name} audio; minigru reads WAV and NIST "
                         f"SPHERE files, so convert it first, for example with ffmpeg: "
                         f"ffmpeg -i {path.name} {path.stem}.wav")
    order, chunks = _riff_chunks(path)
    chunks, streamed = _streamed_wav(path, order, chunks)
    _check_data_chunk(path, chunks)
    try:
        g711 = _g711_wav(path, order, chunks)
        if g711 is not None:
            return g711
        with warnings.catch_warnings():
            warnings.simplefilter("error", wavfile.WavFileWarning)
            return wavfile.read(path if streamed is None else streamed)
    except (ValueError, EOFError, OSError, struct.error, wavfile.WavFileWarning,
            IndexError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"load_wav: {path} is not a readable WAV file ({exc})") from exc


def load_wav(path: str | os.PathLike[str], sample_rate: int | None = None,
             mono: bool = True) -> tuple[np.ndarray, int]:
    """Read a recording (a WAV of any format in the module docstring, or a NIST SPHERE file)
    as float32 samples in [-1, 1].

    Args:
        path: the file.
        sample_rate: resample to this rate (:func:`minigru.audio.resample`, by the
            reduced ratio up/down) if the file's rate differs.
        mono: average the channels into one. Otherwise a multi-channel file gives an array of
            shape (channels, N) (a mono file still gives (N,)).

    Returns:
        (signal, sample_rate): float32 array of shape (N,) or (channels, N), and the rate.

    Raises:
        FileNotFoundError: no such file. ValueError: empty, truncated or not a WAV or SPHERE
        file, a compressed SPHERE file, or an unsupported sample format; the message names
        the path.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_wav: no such file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"load_wav: {path} is empty")
    rate, data = _read(path)
    if data.size == 0:
        raise InputError(f"load_wav: {path} holds no samples")
    signal = _to_float(np.asarray(data), path)
    if signal.ndim == 2:
        signal = signal.mean(axis=1, dtype=np.float64).astype(np.float32) if mono else \
            np.ascontiguousarray(signal.T)
    if not np.all(np.isfinite(signal)):
        raise InputError(f"load_wav: {path} holds NaN or infinite samples")
    if sample_rate is not None:
        if int(sample_rate) <= 0:
            raise InputError(f"load_wav: sample_rate must be positive, got {sample_rate}")
        if int(sample_rate) != rate:
            signal = resample(signal, int(rate), int(sample_rate)).astype(np.float32,
                                                                         copy=False)
            rate = int(sample_rate)
    return signal, int(rate)
