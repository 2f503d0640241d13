"""G.711 mu-law and A-law: the 8-bit codes of telephone audio, decoded and encoded.

Telephone networks, voice-mail and call recorders store speech as 8 kHz, 8-bit companded
samples (ITU-T G.711): mu-law in North America and Japan, A-law elsewhere. Each code holds a
sign, a 3-bit segment e and a 4-bit step m; within a segment the steps are equal, and each
segment's steps are twice as large as the one before, so quiet samples keep fine steps.

mu-law (the code is stored with every bit inverted, c = ~byte; sign bit set means negative):

    |v| = ((2 m + 33) 2^e - 33) * 4        16-bit scale, |v| <= 32124

A-law (the code is stored with the even bits inverted, c = byte XOR 0x55; sign bit set means
positive):

    |v| = (2 m + 1) * 8                    for e = 0
    |v| = (2 m + 33) 2^(e - 1) * 8         for e >= 1,   |v| <= 32256

Each |v| is the middle of the interval of linear values that encode to the code. Decoded
samples are returned as float32 ``v / 32768``, the scale of 16-bit PCM in ``load_wav``. The
encoders are the inverse quantisers of the reference C implementation of G.711 (Sun
Microsystems' ``g711.c``, which the ``audioop`` module of Python before 3.13 also follows): the
16-bit value is cut to 14 bits (mu-law) or 13 bits (A-law) by an arithmetic shift, and the
code of the interval holding it is taken; values past the last segment get its largest code.
So ``encode(decode(c)) == c`` for every code, except mu-law's negative zero (0x7F), which
decodes to 0 and encodes as 0xFF. Encoders that round the 16-bit value instead of cutting it
(SoX's A-law encoder does) can choose the next code up for values near a step's upper edge;
every decoder gives the same value for a code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

SCALE = 32768.0


def _ulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int64) & 0xFF
    e, m = (codes >> 4) & 0x07, codes & 0x0F
    magnitude = (((m << 3) + 0x84) << e) - 0x84
    return np.where(codes & 0x80, -magnitude, magnitude)


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int64) ^ 0x55
    e, m = (codes >> 4) & 0x07, codes & 0x0F
    magnitude = np.where(e == 0, (m << 4) + 8, ((m << 4) + 0x108) << np.maximum(e - 1, 0))
    return np.where(codes & 0x80, magnitude, -magnitude)


ULAW = _ulaw_table()
"""The 16-bit value of each mu-law byte 0-255 (int64, 256 entries)."""
ALAW = _alaw_table()
"""The 16-bit value of each A-law byte 0-255 (int64, 256 entries)."""

_ULAW_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_ALAW_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def _codes(codes: Any, name: str) -> np.ndarray:
    a = np.asarray(codes)
    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() > 255)):
        raise InputError(f"{name}: codes must be integers 0-255 (bytes), got "
                         f"{a.dtype} values" + (f" from {a.min()} to {a.max()}"
                                                if a.size and a.dtype.kind in "iuf" else ""))
    return a.astype(np.intp)


def decode_ulaw(codes: Any) -> np.ndarray:
    """The samples of mu-law bytes (any shape of integers 0-255), float32 in [-1, 1]
    (``v / 32768``, module docstring)."""
    return (ULAW[_codes(codes, "decode_ulaw")] / SCALE).astype(np.float32)


def decode_alaw(codes: Any) -> np.ndarray:
    """The samples of A-law bytes (any shape of integers 0-255), float32 in [-1, 1]."""
    return (ALAW[_codes(codes, "decode_alaw")] / SCALE).astype(np.float32)


def _pcm16(x: Any, name: str) -> np.ndarray:
    """Samples in [-1, 1] as 16-bit values, round(32768 x) clipped to [-32768, 32767]."""
    a = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: x holds NaN or infinite samples")
    return np.clip(np.round(a * SCALE), -32768, 32767).astype(np.int64)


def encode_ulaw(x: Any) -> np.ndarray:
    """mu-law bytes (uint8, x's shape) of samples ``x`` in [-1, 1] (clipped beyond)."""
    v = _pcm16(x, "encode_ulaw") >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), 8159) + 0x21
    seg = np.searchsorted(_ULAW_ENDS, v)
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((v >> (seg + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8)


def encode_alaw(x: Any) -> np.ndarray:
    """A-law bytes (uint8, x's shape) of samples ``x`` in [-1, 1] (clipped beyond)."""
    v = _pcm16(x, "encode_alaw") >> 3
    mask = np.where(v >= 0, 0xD5, 0x55)
    v = np.where(v >= 0, v, -v - 1)
    seg = np.searchsorted(_ALAW_ENDS, v)
    step = np.where(seg < 2, v >> 1, v >> np.maximum(seg, 1)) & 0x0F
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | step)
    return (code ^ mask).astype(np.uint8)
