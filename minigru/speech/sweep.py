"""Reproducible sweeps: a grid of training runs, on local processes or on a Dask cluster.

A sweep file (TOML) names a base configuration (anything ``minigru train`` accepts) and the
axes of the grid; every combination is one run::

    [base]
    data = "synthetic"
    epochs = 10

    [grid]
    model = ["gru", "lstm", "rnn"]
    seed = [0, 1, 2, 3, 4]
    "features.deltas" = [0, 1]          # a dotted key reaches into a nested setting

    [sweep]
    retries = 2                          # attempts after the first, per point
    threads = 1                          # threads per run (results depend on it)

Each point trains in its own run folder ``OUT/points/<name>/`` with its own seed, pinned to the
same thread count, so its result does not depend on which worker ran it, how many workers
there were, or in what order. A point is finished when its ``done.json`` exists: it is written
last, atomically. Running the sweep again skips finished points and resumes interrupted ones
from their checkpoints. A point that fails (an exception, or a worker killed under it) is
retried up to ``retries`` times and then recorded with its error; the sweep goes on.

``OUT/results.csv`` has one row per point; ``OUT/summary.md`` groups the rows over seeds
(mean ± std) and ``OUT/summary.png`` draws them.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import os
import re
import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..training import RunFolder
from .config import DEFAULTS, ConfigError, make_config

SWEEP_KEYS = {"retries", "threads"}


def _set_dotted(cfg: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = cfg
    for p in parts[:-1]:
        target = target.setdefault(p, {})
    target[parts[-1]] = value


def _check_key(key: str, where: str) -> None:
    """Refuse a key that names no setting, with the settings of its table and the closest."""
    parts = key.split(".")
    node: Any = DEFAULTS
    for i, p in enumerate(parts):
        if not isinstance(node, dict) or p not in node:
            table = ".".join(parts[:i])
            known = sorted(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(p, known, n=1)
            hint = f"; did you mean {'.'.join(parts[:i] + [close[0]])!r}?" if close else ""
            scope = f"{table!r} has" if table else "settings are"
            raise ConfigError(f"{where}: unknown setting {key!r}{hint} ({scope} {known})")
        node = node[p]


def _flat_items(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of a table whose keys may be dotted or nested tables, so
    ``"features.deltas" = 1`` and ``[base.features] deltas = 1`` are the same."""
    items = []
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            items.extend(_flat_items(value, full + "."))
        else:
            items.append((full, value))
    return items


def _flat_keys(table: dict[str, Any]) -> list[str]:
    return [k for k, _ in _flat_items(table)]


def point_name(params: dict[str, Any]) -> str:
    """A folder name from the grid values: ``model-gru_seed-0``."""
    text = "_".join(f"{k}-{v}" for k, v in params.items())
    return re.sub(r"[^A-Za-z0-9._=-]+", "-", text)


def load_sweep(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a sweep file: every point's configuration is built (and so validated)
    before anything runs. Errors name the key."""
    try:
        import tomllib
    except ModuleNotFoundError as exc:  # Python 3.10
        raise ConfigError("reading a sweep file needs Python 3.11 or newer (tomllib)") from exc
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no sweep file at {path}")
    try:
        spec = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return check_sweep(spec, str(path))


def check_sweep(spec: dict[str, Any], where: str = "sweep") -> dict[str, Any]:
    unknown = set(spec) - {"base", "grid", "sweep"}
    if unknown:
        raise ConfigError(f"{where}: unknown table(s) {sorted(unknown)}; use [base], [grid] and "
                          f"[sweep]")
    base = spec.get("base", {})
    grid = spec.get("grid", {})
    options = spec.get("sweep", {})
    if not isinstance(grid, dict) or not grid:
        raise ConfigError(f"{where}: [grid] must name at least one axis")
    if not isinstance(base, dict) or not isinstance(options, dict):
        raise ConfigError(f"{where}: [base] and [sweep] must be tables of key = value")
    for key in _flat_keys(base) + list(grid):
        _check_key(key, where)
    if "threads" in grid or "threads" in base:
        raise ConfigError(f"{where}: set threads in [sweep], not in [base] or [grid]: every "
                          f"point runs on the [sweep] threads, so that its result does not "
                          f"depend on the worker that ran it")
    for key, values in grid.items():
        if not isinstance(values, list):
            raise ConfigError(f"{where}: grid axis {key!r} must be a list, got "
                              f"{type(values).__name__}")
        if not values:
            raise ConfigError(f"{where}: grid axis {key!r} is empty")
    bad = set(options) - SWEEP_KEYS
    if bad:
        raise ConfigError(f"{where}: unknown [sweep] setting(s) {sorted(bad)}; known: "
                          f"{sorted(SWEEP_KEYS)}")
    retries = options.get("retries", 2)
    threads = options.get("threads", 1)
    for key, value, least in (("retries", retries, 0), ("threads", threads, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"{where}: [sweep] {key} must be an integer >= {least}, got "
                              f"{value!r}")
    points = []
    for combo in itertools.product(*grid.values()):
        params = dict(zip(grid.keys(), combo, strict=True))
        cfg: dict[str, Any] = {}
        for k, v in [*_flat_items(base), *params.items()]:
            _set_dotted(cfg, k, v)
        cfg["threads"] = threads
        try:
            cfg = make_config(cfg)
        except ConfigError as exc:
            raise ConfigError(f"{where}: point {params}: {exc}") from exc
        points.append({"name": point_name(params), "params": params, "config": cfg})
    names = [p["name"] for p in points]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: two grid points get the same folder name")
    return {"points": points, "retries": retries, "threads": threads,
            "axes": list(grid.keys())}


def run_point(point: dict[str, Any], out: str) -> dict[str, Any]:
    """Train one point (resuming if it has a checkpoint); write ``done.json`` last. Runs in a
    worker process (local or Dask)."""
    from .run import train_run

    run_dir = Path(out) / "points" / point["name"]
    done = run_dir / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    resume = RunFolder(run_dir).can_resume()
    start = time.perf_counter()
    summary = train_run(point["config"], run_dir, resume=resume, quiet=True, log=None)
    record = {"name": point["name"], "params": point["params"], "status": "ok",
              "test_accuracy": summary["test_accuracy"],
              "best_val_accuracy": summary["best_val_accuracy"],
              "best_epoch": summary["best_epoch"], "epochs": summary["epochs"],
              "parameters": summary["parameters"], "wall_seconds": time.perf_counter() - start,
              "worker": f"{socket.gethostname()}:{os.getpid()}", "resumed": resume}
    tmp = run_dir / "done.json.tmp"
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, done)
    return record


class _Local:
    """Points on a pool of spawned processes; a pool broken by a killed worker is replaced."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new()
            return self.pool.submit(fn, *args)

    def wait(self, futures: list[Any]) -> set[Any]:
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    @staticmethod
    def outcome(future: Any) -> tuple[Any, BaseException | None]:
        exc = future.exception()
        return (None, exc) if exc is not None else (future.result(), None)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    """Points on a Dask cluster (``dask.distributed``); the scheduler reruns tasks whose worker
    died, and exceptions come back here to be retried or recorded."""

    def __init__(self, address: str) -> None:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise ConfigError("--scheduler needs Dask: pip install \"minigru[dask]\"") from exc
        try:
            self.client = Client(address, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"cannot reach a Dask scheduler at {address}: {exc}") from exc

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures: list[Any]) -> set[Any]:
        from dask.distributed import wait as dask_wait

        return set(dask_wait(futures, return_when="FIRST_COMPLETED").done)

    @staticmethod
    def outcome(future: Any) -> tuple[Any, BaseException | None]:
        if future.status == "finished":
            return future.result(), None
        try:
            return None, future.exception()
        except Exception as exc:  # a cancelled or lost future
            return None, exc

    def close(self) -> None:
        self.client.close()


def run_sweep(sweep: dict[str, Any], out: str | os.PathLike[str], workers: int = 1,
              scheduler: str | None = None, runner: Callable[..., Any] = run_point,
              quiet: bool = False) -> list[dict[str, Any]]:
    """Run every unfinished point; return one record per point (finished or failed)."""
    out = Path(out)
    (out / "points").mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, Any]] = {}
    todo = []
    for p in sweep["points"]:
        done = out / "points" / p["name"] / "done.json"
        if done.exists():
            records[p["name"]] = json.loads(done.read_text())
        else:
            todo.append(p)
    executor: Any = _Dask(scheduler) if scheduler else _Local(workers)
    attempts = {p["name"]: 0 for p in todo}
    bar = tqdm(total=len(sweep["points"]), initial=len(records), desc="sweep", unit="run",
               disable=quiet or not os.isatty(2))
    try:
        pending = {executor.submit(runner, p, str(out)): p for p in todo}
        for p in todo:
            attempts[p["name"]] = 1
        while pending:
            for future in executor.wait(list(pending)):
                point = pending.pop(future)
                result, error = executor.outcome(future)
                if error is None:
                    records[point["name"]] = result
                    bar.update(1)
                elif attempts[point["name"]] <= sweep["retries"]:
                    attempts[point["name"]] += 1
                    pending[executor.submit(runner, point, str(out))] = point
                else:
                    records[point["name"]] = {
                        "name": point["name"], "params": point["params"], "status": "failed",
                        "error": f"{type(error).__name__}: {error}"}
                    bar.update(1)
    finally:
        bar.close()
        executor.close()
    ordered = [records[p["name"]] for p in sweep["points"]]
    for r in ordered:
        r["attempts"] = attempts.get(r["name"], 0)
    write_results(ordered, sweep["axes"], out)
    return ordered


COLUMNS = ["name", "status", "test_accuracy", "best_val_accuracy", "best_epoch", "epochs",
           "parameters", "wall_seconds", "worker", "attempts", "error"]


def write_results(records: list[dict[str, Any]], axes: list[str], out: Path) -> None:
    """results.csv, summary.md and summary.png."""
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(axes + COLUMNS)
        for r in records:
            writer.writerow([r["params"].get(a) for a in axes] +
                            [r.get(c, "") for c in COLUMNS])
    others = [a for a in axes if a != "seed"]
    groups: dict[tuple[Any, ...], list[float]] = {}
    failed: dict[tuple[Any, ...], int] = {}
    for r in records:
        key = tuple(r["params"].get(a) for a in others)
        if r.get("status") == "ok":
            groups.setdefault(key, []).append(r["test_accuracy"])
        else:
            failed[key] = failed.get(key, 0) + 1
    lines = ["# Sweep summary", "", "Test accuracy over seeds (mean ± std).", "",
             "| " + " | ".join(others + ["runs", "test accuracy", "failed"]) + " |",
             "|" + "---|" * (len(others) + 3)]
    for key in sorted(set(groups) | set(failed), key=str):
        accs = np.array(groups.get(key, []))
        cell = f"{accs.mean():.4f} ± {accs.std():.4f}" if accs.size else "-"
        lines.append("| " + " | ".join(str(k) for k in key) +
                     f" | {accs.size} | {cell} | {failed.get(key, 0)} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    if groups:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        keys = sorted(groups, key=str)
        fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(keys)), 3.5))
        ax.bar(range(len(keys)), [np.mean(groups[k]) for k in keys],
               yerr=[np.std(groups[k]) for k in keys], capsize=4)
        ax.set_xticks(range(len(keys)), [", ".join(map(str, k)) or "all" for k in keys],
                      rotation=30, ha="right")
        ax.set(ylabel="test accuracy", title="sweep: mean ± std over seeds", ylim=(0, 1.05))
        fig.tight_layout()
        fig.savefig(out / "summary.png", dpi=90)
        plt.close(fig)
