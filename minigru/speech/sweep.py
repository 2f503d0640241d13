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
    task = "speech"                      # or "music": minigru.music runs (Chung et al. 2014)

The task says what one point is: ``speech`` (the default) trains a recogniser with the
settings of ``minigru train``; ``music`` trains a next-step model of piano rolls with the
settings of ``minigru.music.DEFAULTS`` and is scored by its test NLL per step.

Each point trains in its own run folder ``OUT/points/<name>/`` with its own seed, pinned to the
same thread count, so its result does not depend on which worker ran it, how many workers
there were, or in what order. A point is finished when its ``done.json`` exists: it is written
last, atomically. Running the sweep again skips finished points and resumes interrupted ones
from their checkpoints. A point that fails (an exception, or a worker killed under it) is
retried up to ``retries`` times and then recorded with its error; the sweep goes on.

``OUT/results.csv`` has one row per point; ``OUT/summary.md`` groups the rows over seeds
(mean ± std) and ``OUT/summary.png`` draws every run, the mean ± std and each seed's runs
joined. When ``seed`` is an axis, every other axis's
values are compared with its first, seed for seed (``compare.paired_differences``: the mean
difference, its 95% interval and a paired t-test), in ``summary.md`` and
``OUT/comparisons.csv``.
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..training import RunFolder
from .config import DEFAULTS, ConfigError, flat_items
from .sweep_results import write_results
from .tasks import TASKS

SWEEP_KEYS = {"retries", "threads", "task"}


def _set_dotted(cfg: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = cfg
    for p in parts[:-1]:
        target = target.setdefault(p, {})
    target[parts[-1]] = value


def _check_key(key: str, where: str, defaults: dict[str, Any] | None = None) -> None:
    """Refuse a key that names no setting, with the settings of its table and the closest."""
    parts = key.split(".")
    node: Any = DEFAULTS if defaults is None else defaults
    for i, p in enumerate(parts):
        if not isinstance(node, dict) or p not in node:
            table = ".".join(parts[:i])
            known = sorted(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(p, known, n=1)
            hint = f"; did you mean {'.'.join(parts[:i] + [close[0]])!r}?" if close else ""
            scope = f"{table!r} has" if table else "settings are"
            raise ConfigError(f"{where}: unknown setting {key!r}{hint} ({scope} {known})")
        node = node[p]


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
    if isinstance(grid, dict):
        grid = dict(flat_items(grid))
    options = spec.get("sweep", {})
    if not isinstance(grid, dict) or not grid:
        raise ConfigError(f"{where}: [grid] must name at least one axis")
    if not isinstance(base, dict) or not isinstance(options, dict):
        raise ConfigError(f"{where}: [base] and [sweep] must be tables of key = value")
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
    task_name = options.get("task", "speech")
    if task_name not in TASKS:
        raise ConfigError(f"{where}: [sweep] task must be one of {sorted(TASKS)}, got "
                          f"{task_name!r}")
    task = TASKS[task_name]
    for key in [k for k, _ in flat_items(base)] + list(grid):
        _check_key(key, where, task.defaults())
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
        for k, v in [*flat_items(base), *params.items()]:
            _set_dotted(cfg, k, v)
        cfg["threads"] = threads
        try:
            cfg = task.make_config(cfg)
        except InputError as exc:
            raise ConfigError(f"{where}: point {params}: {exc}") from exc
        points.append({"name": point_name(params), "params": params, "config": cfg,
                       "task": task_name})
    names = [p["name"] for p in points]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: two grid points get the same folder name")
    return {"points": points, "retries": retries, "threads": threads,
            "axes": list(grid.keys()), "task": task_name}


ATTEMPTS = "attempts.jsonl"
"""In each point's folder: one JSON line per try (its start, and its end if it ended), kept
across reruns, so a try whose worker died is still counted."""


def _log_attempt(run_dir: Path, entry: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ATTEMPTS, "a") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_attempts(run_dir: Path) -> list[dict[str, Any]]:
    """Every try of a point, in order: ``{"try", "worker", "started", "ended", "cause"}``;
    a try that started and never ended was lost with its worker."""
    path = run_dir / ATTEMPTS
    if not path.exists():
        return []
    tries: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a killed worker
        t = tries.setdefault(entry["id"], {"worker": entry.get("worker"), "started": None,
                                           "ended": None, "cause": None})
        if entry["event"] == "start":
            t["started"] = entry["time"]
        else:
            t["ended"], t["cause"] = entry["time"], entry.get("cause")
    out = []
    for k, t in enumerate(tries.values(), 1):
        if t["ended"] is None:
            t["cause"] = "the worker died or was lost before the point finished"
        out.append({"try": k, **t})
    return out


def run_point(point: dict[str, Any], out: str) -> dict[str, Any]:
    """Train one point (resuming if it has a checkpoint); write ``done.json`` last. Runs in a
    worker process (local or Dask); every try is logged in the point's ``attempts.jsonl``."""
    task = TASKS[point.get("task", "speech")]
    run_dir = Path(out) / "points" / point["name"]
    done = run_dir / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    worker = f"{socket.gethostname()}:{os.getpid()}"
    attempt = f"{worker}:{time.time_ns()}"
    _log_attempt(run_dir, {"id": attempt, "event": "start", "worker": worker,
                           "time": time.time()})
    resume = RunFolder(run_dir).can_resume()
    start = time.perf_counter()
    try:
        summary = task.train(point["config"], run_dir, resume)
    except BaseException as exc:
        _log_attempt(run_dir, {"id": attempt, "event": "end", "time": time.time(),
                               "cause": f"{type(exc).__name__}: {exc}"})
        raise
    record = {"name": point["name"], "params": point["params"], "status": "ok",
              **{k: summary[k] for k in task.fields},
              "wall_seconds": time.perf_counter() - start, "worker": worker, "resumed": resume}
    _log_attempt(run_dir, {"id": attempt, "event": "end", "time": time.time(), "cause": None})
    tmp = run_dir / "done.json.tmp"
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, done)
    return record


def _sees(path: str, token: str) -> bool:
    """On a worker: whether the probe file the client wrote is there, with its token."""
    try:
        return Path(path).read_text() == token
    except OSError:
        return False


def _warm_up() -> float:
    """On a worker: load (or compile) the GRU, LSTM and RNN kernels once, before any point,
    so no point pays for it; returns the seconds it took."""
    import numpy as _np

    from .. import nn as _nn
    from ..tensor import Tensor as _Tensor

    start = time.perf_counter()
    for cls in (_nn.GRU, _nn.LSTM, _nn.RNN):
        x = _Tensor(_np.zeros((2, 1, 3), _np.float32), requires_grad=True)
        cls(3, 4)(x, lengths=[2])[0].sum().backward()
    return time.perf_counter() - start


class _Local:
    """Points on a pool of spawned processes; a pool broken by a killed worker is replaced."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))

    def check_folder(self, out: Path) -> None:
        """Local workers share the client's file system."""

    def warm_up(self) -> dict[str, float]:
        return {}

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new()
            return self.pool.submit(fn, *args)

    def wait(self, futures: list[Any], timeout: float | None = None) -> set[Any]:
        done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
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

    def check_folder(self, out: Path) -> None:
        """Every worker must read the probe file the client wrote into ``out``."""
        import secrets

        token = secrets.token_hex(8)
        probe = out / f".probe-{token}"
        probe.write_text(token)
        try:
            seen = self.client.run(_sees, str(probe), token)
        finally:
            probe.unlink(missing_ok=True)
        blind = sorted(w for w, ok in seen.items() if not ok)
        if not seen:
            raise ConfigError(f"the Dask scheduler at {self.client.scheduler.address} has no "
                              f"workers")
        if blind:
            raise ConfigError(f"the Dask worker(s) {blind} cannot see {out}: the workers write "
                              f"each point's folder there, so a sweep on a cluster needs a "
                              f"folder every worker can read and write at the same path (a "
                              f"shared file system)")

    def warm_up(self) -> dict[str, float]:
        return self.client.run(_warm_up)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures: list[Any], timeout: float | None = None) -> set[Any]:
        from dask.distributed import wait as dask_wait

        try:
            return set(dask_wait(futures, timeout=timeout, return_when="FIRST_COMPLETED").done)
        except TimeoutError:
            return set()

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


class _Table:
    """The live table of a sweep: point, state, epoch, best validation score, worker,
    attempts; redrawn in place on a terminal, one line per finished point elsewhere."""

    def __init__(self, points: list[dict[str, Any]], out: Path, quiet: bool,
                 task: str = "speech") -> None:
        self.points, self.out, self.quiet = points, out, quiet
        self.task = TASKS[task]
        self.tty = os.isatty(2)
        self.state = {p["name"]: "queued" for p in points}
        self.drawn = 0

    def row(self, name: str) -> list[str]:
        run_dir = self.out / "points" / name
        files = RunFolder(run_dir)
        epochs, best = 0, None
        lines = [row for f in [files, *files.members()] if f.metrics.exists()
                 for row in f.read_metrics()]
        if lines:
            epochs = len(lines)
            vals = [r[self.task.live] for r in lines if self.task.live in r]
            best = (max if self.task.higher_is_better else min)(vals) if vals else None
        tries = read_attempts(run_dir)
        state = self.state[name]
        if state == "queued" and tries and tries[-1]["ended"] is None:
            state = "running"
        return [name, state, str(epochs), "" if best is None else f"{best:.4f}",
                tries[-1]["worker"] if tries else "", str(len(tries))]

    def lines(self) -> list[str]:
        header = ["point", "state", "epoch", f"best {self.task.live}", "worker", "attempts"]
        rows = [header] + [self.row(p["name"]) for p in self.points]
        widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
        return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]

    def set(self, name: str, state: str) -> None:
        self.state[name] = state
        if self.quiet:
            return
        if not self.tty and state in ("done", "failed", "retrying"):
            print(" | ".join(self.row(name)), file=sys.stderr, flush=True)
        self.draw()

    def draw(self) -> None:
        if self.quiet or not self.tty:
            return
        text = self.lines()
        if self.drawn:
            sys.stderr.write(f"\x1b[{self.drawn}F")
        sys.stderr.write("\n".join(line + "\x1b[K" for line in text) + "\n")
        sys.stderr.flush()
        self.drawn = len(text)


def run_sweep(sweep: dict[str, Any], out: str | os.PathLike[str], workers: int = 1,
              scheduler: str | None = None, runner: Callable[..., Any] = run_point,
              quiet: bool = False) -> list[dict[str, Any]]:
    """Run every unfinished point; return one record per point (finished or failed).

    ``out`` is made absolute here, on the client, before anything is sent; nothing is
    written until the scheduler has answered, and on a cluster every worker must see ``out``
    (a probe file written here and read there) or the sweep stops with a ``ConfigError``.
    Every try of every point is counted from its ``attempts.jsonl`` (across reruns too):
    ``results.csv`` has the count, ``failures.json`` each try that failed and why."""
    out = Path(out).resolve()
    executor: Any = _Dask(scheduler) if scheduler else _Local(workers)
    try:
        (out / "points").mkdir(parents=True, exist_ok=True)
        executor.check_folder(out)
        warm = executor.warm_up()
        if warm and not quiet:
            print(f"kernels ready on {len(warm)} worker(s) in "
                  f"{max(warm.values()):.1f} s at most", file=sys.stderr)
        records: dict[str, dict[str, Any]] = {}
        todo = []
        for p in sweep["points"]:
            done = out / "points" / p["name"] / "done.json"
            if done.exists():
                records[p["name"]] = json.loads(done.read_text())
            else:
                todo.append(p)
        table = _Table(sweep["points"], out, quiet, sweep.get("task", "speech"))
        for name in records:
            table.state[name] = "done"
        tries = {p["name"]: 0 for p in todo}
        pending = {}
        for p in todo:
            pending[executor.submit(runner, p, str(out))] = p
            tries[p["name"]] = 1
        table.draw()
        while pending:
            finished = executor.wait(list(pending), timeout=2.0)
            if not finished:
                table.draw()
                continue
            for future in finished:
                point = pending.pop(future)
                result, error = executor.outcome(future)
                if error is None:
                    records[point["name"]] = result
                    table.set(point["name"], "done")
                elif tries[point["name"]] <= sweep["retries"]:
                    tries[point["name"]] += 1
                    pending[executor.submit(runner, point, str(out))] = point
                    table.set(point["name"], "retrying")
                else:
                    records[point["name"]] = {
                        "name": point["name"], "params": point["params"], "status": "failed",
                        "error": f"{type(error).__name__}: {error}"}
                    table.set(point["name"], "failed")
    finally:
        executor.close()
    ordered = [records[p["name"]] for p in sweep["points"]]
    failures = []
    for r in ordered:
        history = read_attempts(out / "points" / r["name"])
        r["attempts"] = max(len(history), tries.get(r["name"], 0))
        failures += [{"name": r["name"], **t} for t in history if t["cause"]]
    (out / "failures.json").write_text(json.dumps(failures, indent=2) + "\n")
    write_results(ordered, sweep["axes"], out, sweep.get("task", "speech"))
    retried = [r for r in ordered if r["attempts"] > 1]
    if retried and not quiet:
        print(f"{len(retried)} point(s) needed more than one try (causes in "
              f"{out / 'failures.json'}):", file=sys.stderr)
        for r in retried:
            causes = sorted({f["cause"] for f in failures if f["name"] == r["name"]})
            print(f"  {r['name']}: {r['attempts']} tries; {'; '.join(causes)}",
                  file=sys.stderr)
    return ordered
