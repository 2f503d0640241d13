"""Safe save and load of nested arrays and values: ``mg.save(state, path)`` / ``mg.load(path)``.

A checkpoint is a ``.npz`` file (a zip of ``.npy`` arrays). ``state`` is any nesting of dicts,
lists and tuples whose leaves are arrays (or tensors), numbers, strings, booleans or None;
it comes back with the same types (tuples as tuples, dicts with non-string keys as such).
Every array is stored as its own ``.npy`` member (``a0``, ``a1``, ...); everything else is a
JSON document in the member ``__minigru__``, with ``{"__array__": "a0"}`` where an array was.
The file gets the permissions of any new file (``0o666`` less the process umask).

Loading uses ``np.load(..., allow_pickle=False)`` and ``json``: no code in the file can ever
run. Writing goes to a temporary file in the same folder, flushed to disk, then renamed over
the target with ``os.replace`` (atomic on POSIX and Windows), so a crash leaves either the old
file or the new one, never a torn one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, InputTypeError
from .tensor import Tensor

FORMAT = "minigru-checkpoint"
VERSION = 2
"""1: the first format; 2: tuples come back as tuples (``{"__tuple__": [...]}``)."""
_META = "__minigru__"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise InputTypeError(f"save: the array at {where} has dtype {obj.dtype}; only numeric "
                                 f"and boolean arrays can be saved safely")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            if {"__array__", "__items__", "__tuple__"} & obj.keys():
                raise InputError(f"save: the key names __array__, __items__ and __tuple__ are "
                                 f"reserved (at {where})")
            return {k: _encode(v, arrays, f"{where}.{k}") for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise InputTypeError(f"save: dict key {k!r} at {where} is not a str or number")
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"__items__": items}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    raise InputTypeError(f"save: cannot save a value of type {type(obj).__name__} at {where}; "
                         f"use arrays, numbers, strings, lists and dicts")


MAX_DEPTH = 64
"""Deepest nesting of dicts and lists a checkpoint may hold (a crafted file cannot recurse)."""
MAX_MANIFEST_BYTES = 64 * 2**20
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _decode(obj: Any, arrays: dict[str, np.ndarray], path: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise InputError(f"load: {path} nests deeper than {MAX_DEPTH} levels; not a minigru "
                         f"checkpoint")
    if isinstance(obj, dict):
        if "__array__" in obj:
            key = obj["__array__"]
            if not isinstance(key, str) or len(obj) != 1:
                raise InputError(f"load: {path} has a malformed array reference {obj!r:.80}")
            if key not in arrays:
                raise InputError(f"load: {path} refers to a missing array {key!r}")
            return arrays[key]
        if "__tuple__" in obj:
            items = obj["__tuple__"]
            if not isinstance(items, list) or len(obj) != 1:
                raise InputError(f"load: {path} has a malformed tuple record")
            return tuple(_decode(v, arrays, path, depth + 1) for v in items)
        if "__items__" in obj:
            items = obj["__items__"]
            if (not isinstance(items, list) or len(obj) != 1
                    or not all(isinstance(kv, list) and len(kv) == 2 for kv in items)
                    or not all(kv[0] is None or isinstance(kv[0], (str, int, float, bool))
                               for kv in items)):
                raise InputError(f"load: {path} has a malformed key-value record")
            return {k: _decode(v, arrays, path, depth + 1) for k, v in items}
        return {k: _decode(v, arrays, path, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v, arrays, path, depth + 1) for v in obj]
    return obj


def _read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> np.ndarray:
    """One ``.npy`` member, its header checked against the member's size before any data is
    read: a header declaring a shape of 2**40 is refused without allocating anything."""
    name = info.filename
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise InputError(f"unknown .npy version {version}")
        except ValueError as exc:
            raise InputError(f"load: {path}: member {name} is not a valid .npy array "
                             f"({exc})") from exc
        if dtype.hasobject:
            raise InputError(f"load: {path} holds pickled Python objects (member {name}), "
                             f"which minigru never loads (they could run code)")
        if dtype.kind not in "biufcU" or dtype.fields is not None:
            raise InputError(f"load: {path}: member {name} has dtype {dtype}, which a minigru "
                             f"checkpoint never holds")
        count = 1
        for n in shape:
            count *= n
        expected = count * dtype.itemsize
        available = info.file_size - f.tell()
        if expected != available:
            raise InputError(f"load: {path}: member {name} declares shape {shape} of "
                             f"{dtype} ({expected} bytes) but holds {available} bytes")
        data = f.read(expected)
    if len(data) != expected:
        raise InputError(f"load: {path}: member {name} is truncated")
    array = np.frombuffer(data, dtype=dtype, count=count)
    if fortran:
        return array.reshape(shape[::-1]).transpose().copy()
    return array.reshape(shape).copy()


def _classify_foreign(path: Path, head: bytes) -> str:
    if head.startswith(b"\x93NUMPY"):
        return f"load: {path} is a single .npy array, not a minigru checkpoint"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return (f"load: {path} holds pickled Python objects, which minigru never loads "
                f"(they could run code)")
    return f"load: {path} is not a minigru checkpoint (not a .npz zip archive)"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(state: Any, path: str | os.PathLike[str]) -> None:
    """Write ``state`` to ``path`` (a ``.npz`` file) atomically."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(state, arrays, "state")
    meta = json.dumps({"format": FORMAT, "version": VERSION, "state": structure})
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_META: np.array(meta)}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by :func:`save` (never unpickling anything).

    Whatever the file holds, the only exception besides ``FileNotFoundError`` is a
    ``ValueError`` naming the file: the manifest is parsed and checked (types, nesting at most
    ``MAX_DEPTH``, every array reference present) and each array's declared shape is checked
    against its member's size before a byte of it is read."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint file at {path}")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.startswith(_ZIP_MAGIC):
        raise InputError(_classify_foreign(path, head))
    try:
        with zipfile.ZipFile(path) as zf:
            members = {info.filename: info for info in zf.infolist()}
            meta_info = members.get(_META + ".npy")
            if meta_info is None:
                raise InputError(f"load: {path} is not a minigru checkpoint (no {_META} record)")
            if meta_info.file_size > MAX_MANIFEST_BYTES:
                raise InputError(f"load: {path}: its manifest is {meta_info.file_size} bytes, "
                                 f"more than a checkpoint ever needs")
            manifest = _read_npy(zf, meta_info, path)
            if manifest.dtype.kind != "U" or manifest.shape != ():
                raise InputError(f"load: {path} is not a minigru checkpoint (its manifest is "
                                 f"not a string)")
            meta = json.loads(str(manifest))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise InputError(f"load: {path} is not a minigru checkpoint")
            version = meta.get("version")
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise InputError(f"load: {path} has a malformed format version {version!r}")
            if version > VERSION:
                raise InputError(f"load: {path} was written by a newer minigru (format "
                                 f"version {version})")
            if "state" not in meta:
                raise InputError(f"load: {path} is a minigru checkpoint with no state")
            arrays = {}
            for name, info in members.items():
                if name == meta_info.filename:
                    continue
                if not name.endswith(".npy"):
                    raise InputError(f"load: {path} holds an unexpected member {name!r}")
                array = _read_npy(zf, info, path)
                if array.dtype.kind == "U":
                    raise InputError(f"load: {path}: member {name} holds text, not numbers")
                arrays[name[:-4]] = array
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError,
            json.JSONDecodeError, UnicodeDecodeError, NotImplementedError) as exc:
        raise InputError(f"load: {path} is not a readable checkpoint (truncated or corrupt: "
                         f"{exc})") from exc
    except RecursionError as exc:
        raise InputError(f"load: {path} nests too deeply to be a minigru checkpoint") from exc
    except ValueError as exc:
        if str(exc).startswith("load:"):
            raise
        raise InputError(f"load: {path} is not a readable checkpoint ({exc})") from exc
    try:
        return _decode(meta["state"], arrays, str(path))
    except RecursionError as exc:
        raise InputError(f"load: {path} nests too deeply to be a minigru checkpoint") from exc
