"""Live recognition from raw audio on a pipe: a microphone's samples as a recorder writes them.

minigru reads no sound card itself (that would need a dependency per platform); the tools
that do write raw PCM to standard output, which ``minigru stream CHECKPOINT - --rate R``
reads::

    arecord -q -t raw -f S16_LE -r 16000 -c 1 | minigru stream run/best.npz - --rate 16000
    sox -q -d -t raw -e signed -b 16 -r 16000 -c 1 - | minigru stream run/best.npz - --rate 16000
    ffmpeg -loglevel quiet -f pulse -i default -f s16le -ac 1 -ar 16000 - | \\
        minigru stream run/best.npz - --rate 16000

Raw PCM carries no header, so its rate, sample format and channels are given. A sample of
format ``s16le`` (signed 16-bit little-endian integers) is ``q / 32768``, ``s32le``
``q / 2^31``, ``f32le`` (32-bit floats) as it is, and ``u8`` (unsigned bytes, offset binary)
``(q - 128) / 128``, the scaling ``load_wav`` gives the same samples in a WAV file; the
channels of a frame (interleaved) are averaged.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import numpy as np

from ..audio.pipeline import FeaturePipeline
from ..errors import InputError
from .stream import StreamingRecognizer, feed_chunks

PCM_FORMATS: dict[str, tuple[str, float, float]] = {
    "s16le": ("<i2", 0.0, 32768.0),
    "s32le": ("<i4", 0.0, 2.0 ** 31),
    "f32le": ("<f4", 0.0, 1.0),
    "u8": ("u1", 128.0, 128.0),
}
"""Each raw sample format: its NumPy dtype, the offset subtracted and the scale divided by."""


def pcm_chunks(source: BinaryIO, pcm_format: str, channels: int, chunk: int
               ) -> Iterator[np.ndarray]:
    """Chunks of ``chunk`` samples (the last may be shorter) read from raw interleaved PCM in
    ``source`` until it ends, as float64 in [-1, 1) with the channels averaged: shape
    (chunk,). Input that ends inside a sample frame is an InputError naming the format and
    channels."""
    if pcm_format not in PCM_FORMATS:
        raise InputError(f"pcm_chunks: pcm_format must be one of {sorted(PCM_FORMATS)}, got "
                         f"{pcm_format!r}")
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise InputError(f"pcm_chunks: channels must be an integer >= 1, got {channels!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise InputError(f"pcm_chunks: chunk must be an integer >= 1 (samples), got {chunk!r}")
    dtype, offset, scale = PCM_FORMATS[pcm_format]
    frame_bytes = np.dtype(dtype).itemsize * channels
    want = chunk * frame_bytes
    while True:
        data = _read_up_to(source, want)
        if not data:
            return
        whole = len(data) - len(data) % frame_bytes
        if whole < len(data):
            raise InputError(f"the raw input ended inside a sample: {len(data) - whole} "
                             f"byte(s) left over after {whole // frame_bytes} samples of "
                             f"{channels} channel(s) of {pcm_format}; are --format and "
                             f"--channels right?")
        q = np.frombuffer(data, dtype=dtype).astype(np.float64)
        yield ((q - offset) / scale).reshape(-1, channels).mean(axis=1)
        if len(data) < want:
            return


def _read_up_to(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes from ``source``, fewer only at its end (a pipe gives what it has)."""
    parts, got = [], 0
    while got < size:
        data = source.read(size - got)
        if isinstance(data, str):
            raise InputError("pcm_chunks: source must be a binary file object (opened with "
                             "'rb', or sys.stdin.buffer), got one that reads text")
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def read_ahead(chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """``chunks``, read on a thread of their own from the moment this is called: a pipe is
    emptied as fast as the recorder fills it, while the recogniser warms up (seconds the
    first time, when Numba compiles its kernels) or decides a word. A recorder writing to a
    full pipe would stop reading its sound card, which then drops samples. What the reader
    raises is raised where the chunks are taken."""
    box: queue.Queue[Any] = queue.Queue()
    end = object()

    def read() -> None:
        try:
            for chunk in chunks:
                box.put(chunk)
            box.put(end)
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(exc)

    threading.Thread(target=read, name="minigru-read-ahead", daemon=True).start()

    def take() -> Iterator[np.ndarray]:
        while (item := box.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item

    return take()


def run_live(model: Any, pipeline: FeaturePipeline, classes: list[str], source: BinaryIO,
             sample_rate: int, pcm_format: str = "s16le", channels: int = 1,
             chunk_ms: float = 10.0, threshold: float = 0.5,
             on_detection: Callable[[dict[str, Any]], None] | None = None,
             decide: str = "auto", floor_draws: int = 1) -> dict[str, Any]:
    """Recognise the words of raw PCM read from ``source`` as it arrives, in chunks of
    ``chunk_ms`` (read ahead on a thread of their own: :func:`read_ahead`), until it ends or
    the user interrupts (Ctrl-C): a :class:`StreamingRecognizer` at the input's own
    ``sample_rate`` (each word decided whole is declipped and converted to the model's rate
    by its pipeline; a stream decided frame by frame must come at the model's rate).
    ``on_detection`` is called with each detection as it is made.

    Returns the dict of :func:`~minigru.speech.stream.feed_chunks` (``interrupted`` is True
    when Ctrl-C ended it)."""
    if not (isinstance(chunk_ms, (int, float)) and chunk_ms > 0):
        raise InputError(f"run_live: chunk_ms must be positive, got {chunk_ms!r}")
    recognizer = StreamingRecognizer(model, pipeline, sample_rate, classes,
                                     threshold=threshold, decide=decide,
                                     floor_draws=floor_draws)
    chunk = max(1, int(round(chunk_ms / 1000 * recognizer.sample_rate)))
    chunks = read_ahead(pcm_chunks(source, pcm_format, channels, chunk))
    recognizer.warm_up()
    return feed_chunks(recognizer, chunks, chunk, on_detection, interruptible=True)
