"""Reading WAV files: ``load_wav``."""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from ..errors import InputError
from .resampling import resample


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


def _check_data_chunk(path: Path) -> None:
    """Refuse a RIFF/WAVE file whose ``data`` chunk declares more bytes than the file holds
    (a cut-off download or copy), which would otherwise read as a shorter recording."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return  # not RIFF/WAVE: scipy names what is wrong
        order = "<" if head[:4] == b"RIFF" else ">"
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk, length = struct.unpack(order + "4sI", f.read(8))
            if chunk == b"data":
                if offset + 8 + length > size:
                    raise InputError(f"load_wav: {path} is truncated: its data chunk declares "
                                     f"{length} bytes but the file holds "
                                     f"{size - offset - 8}")
                return
            offset += 8 + length + (length & 1)


def load_wav(path: str | os.PathLike[str], sample_rate: int | None = None,
             mono: bool = True) -> tuple[np.ndarray, int]:
    """Read a WAV file as float32 samples in [-1, 1].

    Args:
        path: the file.
        sample_rate: resample to this rate (:func:`minigru.audio.resample`, by the
            reduced ratio up/down) if the file's rate differs.
        mono: average the channels into one. Otherwise a multi-channel file gives an array of
            shape (channels, N) (a mono file still gives (N,)).

    Returns:
        (signal, sample_rate): float32 array of shape (N,) or (channels, N), and the rate.

    Raises:
        FileNotFoundError: no such file. ValueError: empty, truncated or not a WAV file, or
        an unsupported sample format; the message names the path.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_wav: no such file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"load_wav: {path} is empty")
    _check_data_chunk(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except (ValueError, EOFError, OSError, struct.error, wavfile.WavFileWarning,
            IndexError) as exc:
        raise InputError(f"load_wav: {path} is not a readable WAV file ({exc})") from exc
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
