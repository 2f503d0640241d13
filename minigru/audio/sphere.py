"""Reading NIST SPHERE files, the format of the LDC's classic speech corpora (TIMIT,
TIDIGITS, Switchboard, Wall Street Journal), often named ``.wav`` or ``.sph``.

A SPHERE file is a text header of ``header_size`` bytes followed by the samples:

    NIST_1A
       1024
    sample_count -i 35840          samples per channel
    sample_rate -i 16000
    channel_count -i 1
    sample_n_bytes -i 2
    sample_byte_format -s2 01      01: least significant byte first; 10: most first
    sample_coding -s3 pcm          pcm, ulaw (or mu-law), alaw
    end_head

Fields are ``name -i integer``, ``name -r real`` or ``name -sN string``. Samples of all
channels are interleaved. 16- and 32-bit PCM become ``v / 2^15`` and ``v / 2^31`` as in a WAV;
mu-law and A-law bytes are decoded by G.711 (``minigru.audio.g711``). Files compressed with
``shorten`` (a ``sample_coding`` such as ``pcm,embedded-shorten-v2.00``) are refused with a
message saying how to decompress them (``sph2pipe``); so is any other coding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from .g711 import decode_alaw, decode_ulaw

MAGIC = b"NIST_1A"


def is_sphere(path: Path) -> bool:
    """Whether the file starts with the SPHERE header's first line."""
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def read_header(path: Path) -> tuple[int, dict[str, int | float | str]]:
    """(header size in bytes, {field: value}) of a SPHERE file."""
    with open(path, "rb") as f:
        head = f.read(1024)
        lines = head.split(b"\n", 2)
        try:
            size = int(lines[1])
        except (IndexError, ValueError):
            raise InputError(f"load_wav: {path}: a NIST SPHERE file whose second line is not "
                             f"its header size") from None
        if size < 16:
            raise InputError(f"load_wav: {path}: a NIST SPHERE header of {size} bytes")
        if size > len(head):
            head += f.read(size - len(head))
    if len(head) < size:
        raise InputError(f"load_wav: {path} is truncated inside its NIST SPHERE header")
    fields: dict[str, int | float | str] = {}
    for raw in head[:size].split(b"\n")[2:]:
        line = raw.decode("latin-1").strip()
        if line == "end_head":
            return size, fields
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[1].startswith("-"):
            continue
        name, kind = parts[0], parts[1]
        value = parts[2] if len(parts) == 3 else ""
        try:
            if kind == "-i":
                fields[name] = int(value)
            elif kind == "-r":
                fields[name] = float(value)
            elif kind.startswith("-s"):
                fields[name] = value[:int(kind[2:])] if kind[2:].isdigit() else value
        except ValueError:
            raise InputError(f"load_wav: {path}: the NIST SPHERE field {name!r} holds "
                             f"{value!r}, not a value of type {kind}") from None
    raise InputError(f"load_wav: {path}: a NIST SPHERE header without end_head")


def _field(fields: dict, name: str, path: Path, default=None, kind: type = int):
    value = fields.get(name, default)
    if value is None or not isinstance(value, kind):
        raise InputError(f"load_wav: {path}: the NIST SPHERE header "
                         + (f"has no {name}" if value is None else f"has {name} = {value!r}"))
    return value


def read_sphere(path: Path) -> tuple[int, np.ndarray]:
    """(sample rate, samples (N,) or (N, channels) float32 in [-1, 1]) of a SPHERE file."""
    size, fields = read_header(path)
    coding = str(fields.get("sample_coding", "pcm")).strip().lower()
    if any(word in coding for word in ("shorten", "wavpack", "shortpack")):
        raise InputError(f"load_wav: {path} is a compressed NIST SPHERE file "
                         f"({coding}); decompress it first, for example with the LDC's "
                         f"sph2pipe: sph2pipe -f wav {path.name} out.wav")
    rate = _field(fields, "sample_rate", path, kind=(int, float))
    channels = _field(fields, "channel_count", path, 1)
    width = _field(fields, "sample_n_bytes", path, 2 if coding == "pcm" else 1)
    if rate <= 0 or channels < 1:
        raise InputError(f"load_wav: {path}: the NIST SPHERE header gives sample_rate "
                         f"{rate} and channel_count {channels}")
    if coding in ("ulaw", "mu-law", "alaw") and width == 1:
        dtype, decode = np.dtype(np.uint8), (decode_alaw if coding == "alaw" else decode_ulaw)
    elif coding == "pcm" and width in (2, 4):
        order = str(fields.get("sample_byte_format", ""))
        if order not in ("01", "10", "0123", "3210"):
            raise InputError(f"load_wav: {path}: NIST SPHERE PCM with sample_byte_format "
                             f"{order or 'missing'}; 01 (or 0123) and 10 (or 3210) are read")
        dtype = np.dtype(("<" if order.startswith("0") else ">") + f"i{width}")
        decode = None
    else:
        raise InputError(f"load_wav: {path}: NIST SPHERE sample_coding {coding!r} with "
                         f"{width}-byte samples; pcm (2 or 4 bytes), ulaw and alaw are read")
    available = (path.stat().st_size - size) // (width * channels)
    count = fields.get("sample_count", available)
    if not isinstance(count, int) or count < 0:
        raise InputError(f"load_wav: {path}: the NIST SPHERE header has sample_count = "
                         f"{count!r}")
    if count > available:
        raise InputError(f"load_wav: {path} is truncated: its NIST SPHERE header declares "
                         f"{count} samples per channel but the file holds {available}")
    with open(path, "rb") as f:
        f.seek(size)
        raw = np.frombuffer(f.read(count * width * channels), dtype=dtype)
    if decode is not None:
        samples = decode(raw)
    else:
        samples = (raw.astype(np.float64) / 2.0 ** (8 * width - 1)).astype(np.float32)
    return int(rate), samples.reshape(-1, channels) if channels > 1 else samples
