"""Sweeps on a real Dask cluster: a scheduler and two workers started as their own processes
on 127.0.0.1, each in a working directory of its own, and the client in a third."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")

from minigru.speech.config import ConfigError  # noqa: E402
from minigru.speech.sweep import load_sweep, read_attempts, run_sweep  # noqa: E402

SWEEP = """
[base]
limit = 6
epochs = 6
hidden = 8
patience = 6
synthetic = { sample_rate = 8000 }
[grid]
model = ["gru", "rnn"]
seed = [0, 1]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    for name in ("scheduler", "workers", "client"):
        (root / name).mkdir()
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", address.rsplit(":", 1)[1], "--no-dashboard"], cwd=root / "scheduler",
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
         "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], cwd=root / "workers",
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, root
    finally:
        for proc in (workers, scheduler):
            proc.send_signal(signal.SIGTERM)
        for proc in (workers, scheduler):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _rows(out):
    with open(out / "results.csv") as f:
        return [{k: v for k, v in r.items() if k not in ("wall_seconds", "worker", "attempts")}
                for r in csv.DictReader(f)]


def test_a_relative_out_from_another_folder_lands_in_one_folder(cluster, tmp_path):
    address, root = cluster
    (root / "client" / "s.toml").write_text(SWEEP)
    result = subprocess.run([sys.executable, "-m", "minigru", "sweep", "s.toml", "--scheduler",
                             address, "--out", "rel/out", "--quiet"], cwd=root / "client",
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = root / "client" / "rel" / "out"
    assert sorted(p.name for p in (out / "points").iterdir()) == [
        "model-gru_seed-0", "model-gru_seed-1", "model-rnn_seed-0", "model-rnn_seed-1"]
    assert all((p / "done.json").exists() for p in (out / "points").iterdir())
    assert (out / "results.csv").exists() and (out / "summary.md").exists()
    assert not (root / "workers" / "rel").exists(), "a worker wrote into its own folder"
    local = tmp_path / "local"
    run_sweep(load_sweep(root / "client" / "s.toml"), local, workers=2, quiet=True)
    assert _rows(out) == _rows(local)


def test_a_worker_killed_mid_point_shows_in_the_results(cluster, tmp_path):
    address, root = cluster
    sweep = load_sweep(_write(tmp_path, SWEEP))
    out = tmp_path / "out"
    victim = out / "points" / "model-gru_seed-1"
    killed = {}

    def kill_when_started():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            tries = read_attempts(victim)
            if tries and tries[0]["ended"] is None:
                pid = int(tries[0]["worker"].rsplit(":", 1)[1])
                time.sleep(0.3)
                os.kill(pid, signal.SIGKILL)
                killed["pid"] = pid
                return
            time.sleep(0.05)

    thread = threading.Thread(target=kill_when_started)
    thread.start()
    records = run_sweep(sweep, out, scheduler=address, quiet=True)
    thread.join()
    assert "pid" in killed, "the point never started"
    by_name = {r["name"]: r for r in records}
    assert all(r["status"] == "ok" for r in records)
    assert by_name["model-gru_seed-1"]["attempts"] >= 2
    failures = json.loads((out / "failures.json").read_text())
    lost = [f for f in failures if f["name"] == "model-gru_seed-1"]
    assert lost and "worker died" in lost[0]["cause"] and str(killed["pid"]) in lost[0]["worker"]
    run_sweep(sweep, tmp_path / "clean", workers=1, quiet=True)
    assert _rows(out) == _rows(tmp_path / "clean")
    again = run_sweep(sweep, out, scheduler=address, quiet=True)
    assert {r["name"]: r["attempts"] for r in again}["model-gru_seed-1"] >= 2, \
        "a rerun must keep the history of tries"


def test_a_wrong_scheduler_creates_nothing(tmp_path):
    sweep = load_sweep(_write(tmp_path, SWEEP))
    with pytest.raises(ConfigError, match="cannot reach a Dask scheduler"):
        run_sweep(sweep, tmp_path / "never", scheduler=f"tcp://127.0.0.1:{_free_port()}",
                  quiet=True)
    assert not (tmp_path / "never").exists()


def _write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return Path(path)
