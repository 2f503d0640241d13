"""Helpers for the tests: float64 tensors from a given generator, recordings in the formats
SciPy does not write (G.711 WAVs, NIST SPHERE files), and a synthetic vowel."""

import pathlib
import struct

import numpy as np

import minigru as mg

SUBFORMAT_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def t64(rng, *shape, low=None, high=None, requires_grad=True):
    """A float64 leaf tensor of random values (normal, or uniform in [low, high))."""
    if low is None:
        data = rng.standard_normal(shape)
    else:
        data = rng.uniform(low, high, shape)
    return mg.tensor(data, requires_grad=requires_grad, dtype="float64")


def g711_wav(path: pathlib.Path, tag: int, codes: bytes, rate: int = 8000, channels: int = 1,
             extensible: bool = False, bits: int = 8) -> pathlib.Path:
    """A G.711 WAV as a telephone system writes one: an 18-byte fmt (or WAVE_FORMAT_EXTENSIBLE
    with the tag as its sub-format GUID), a fact chunk, the data padded to an even length."""
    head = struct.pack("<IIHH", rate, rate * channels, channels, bits)
    if extensible:
        fmt = struct.pack("<HH", 0xFFFE, channels) + head + struct.pack("<HHI", 22, bits, 4) \
            + struct.pack("<H", tag) + SUBFORMAT_TAIL
    else:
        fmt = struct.pack("<HH", tag, channels) + head + b"\0\0"
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<II", 4, len(codes) // channels)
            + b"data" + struct.pack("<I", len(codes)) + codes + b"\0" * (len(codes) % 2))
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def sphere(path: pathlib.Path, fields: dict, data: bytes, end: bool = True) -> pathlib.Path:
    """A NIST SPHERE file: a 1024-byte header of ``name -type value`` lines, then the data."""
    lines = ["NIST_1A", "   1024"] + [f"{k} {v}" for k, v in fields.items()]
    text = "\n".join(lines + (["end_head"] if end else [])) + "\n"
    path.write_bytes(text.encode().ljust(1024, b" ") + data)
    return path


def vowel(f0: float, seconds: float = 1.0, sr: int = 8000) -> np.ndarray:
    """A pulse train at ``f0`` (one pulse every ``round(sr / f0)`` samples) through
    :func:`vocal_tract`."""
    pulses = np.zeros(int(seconds * sr))
    pulses[::int(round(sr / f0))] = 1.0
    return vocal_tract(pulses, sr)


def vocal_tract(source: np.ndarray, sr: int = 8000) -> np.ndarray:
    """``source`` through resonators at 700, 1200 and 2600 Hz (bandwidths 80, 90 and
    120 Hz)."""
    from scipy.signal import lfilter

    a = np.array([1.0])
    for freq, bandwidth in [(700, 80), (1200, 90), (2600, 120)]:
        r = np.exp(-np.pi * bandwidth / sr)
        a = np.convolve(a, [1.0, -2 * r * np.cos(2 * np.pi * freq / sr), r * r])
    return lfilter([1.0], a, source)
