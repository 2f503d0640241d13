"""Safe save and load of nested arrays and values: ``mg.save(state, path)`` / ``mg.load(path)``.

A checkpoint is a ``.npz`` file (a zip of ``.npy`` arrays). ``state`` is any nesting of dicts,
lists and tuples whose leaves are arrays (or tensors), numbers, strings, booleans or None.
Every array is stored as its own ``.npy`` member (``a0``, ``a1``, ...); everything else is a
JSON document in the member ``__minigru__``, with ``{"__array__": "a0"}`` where an array was.

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

from .tensor import Tensor

FORMAT = "minigru-checkpoint"
VERSION = 1
_META = "__minigru__"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"save: the array at {where} has dtype {obj.dtype}; only numeric "
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
            if "__array__" in obj or "__items__" in obj:
                raise ValueError(f"save: the key names __array__ and __items__ are reserved "
                                 f"(at {where})")
            return {k: _encode(v, arrays, f"{where}.{k}") for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"save: dict key {k!r} at {where} is not a str or number")
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"__items__": items}
    if isinstance(obj, (list, tuple)):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    raise TypeError(f"save: cannot save a {type(obj).__name__} at {where}; use arrays, "
                    f"numbers, strings, lists and dicts")


def _decode(obj: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if isinstance(obj, dict):
        if "__array__" in obj:
            key = obj["__array__"]
            if key not in arrays:
                raise ValueError(f"load: {path} refers to a missing array {key!r}")
            return arrays[key]
        if "__items__" in obj:
            return {k: _decode(v, arrays, path) for k, v in obj["__items__"]}
        return {k: _decode(v, arrays, path) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v, arrays, path) for v in obj]
    return obj


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
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by :func:`save` (never unpickling anything)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no checkpoint file at {path}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError(f"load: {path} is a single .npy array, not a minigru checkpoint")
        with npz:
            if _META not in npz.files:
                raise ValueError(f"load: {path} is not a minigru checkpoint (no {_META} record)")
            meta = json.loads(str(npz[_META]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError(f"load: {path} is not a minigru checkpoint")
            if meta.get("version", 0) > VERSION:
                raise ValueError(f"load: {path} was written by a newer minigru (format "
                                 f"version {meta['version']})")
            arrays = {k: npz[k] for k in npz.files if k != _META}
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError, KeyError) as exc:
        raise ValueError(f"load: {path} is not a readable checkpoint (truncated or corrupt: "
                         f"{exc})") from exc
    except ValueError as exc:
        if str(exc).startswith("load:"):
            raise
        if "pickle" in str(exc).lower():
            raise ValueError(f"load: {path} holds pickled Python objects, which minigru never "
                             f"loads (they could run code)") from exc
        raise ValueError(f"load: {path} is not a readable checkpoint ({exc})") from exc
    return _decode(meta["state"], arrays, str(path))
