"""Sweeps: the same results whatever the workers, retries after a killed worker, resuming."""

import csv
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from minigru.speech.config import ConfigError
from minigru.speech.sweep import check_sweep, load_sweep, run_point, run_sweep
from minigru.training import load_checkpoint

TINY = """
[base]
limit = 3
epochs = 2
hidden = 8
synthetic = { sample_rate = 8000 }

[grid]
model = ["gru", "rnn"]
seed = [0, 1]
"""


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def rows(out):
    with open(out / "results.csv") as f:
        return [{k: v for k, v in r.items() if k not in ("wall_seconds", "worker", "attempts")}
                for r in csv.DictReader(f)]


def weights(out, name):
    return load_checkpoint(out / "points" / name / "checkpoint.npz")["model"]


def same_results(a, b, names):
    assert rows(a) == rows(b)
    for name in names:
        wa, wb = weights(a, name), weights(b, name)
        for k in wa:
            assert np.array_equal(wa[k], wb[k]), (name, k)


def test_one_and_two_workers_give_identical_results(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    run_sweep(sweep, tmp_path / "one", workers=1, quiet=True)
    run_sweep(sweep, tmp_path / "two", workers=2, quiet=True)
    names = [p["name"] for p in sweep["points"]]
    same_results(tmp_path / "one", tmp_path / "two", names)
    assert len(rows(tmp_path / "one")) == 4
    assert all(r["status"] == "ok" for r in rows(tmp_path / "one"))
    summary = (tmp_path / "one" / "summary.md").read_text()
    assert "| gru | 2 |" in summary and (tmp_path / "one" / "summary.png").exists()


def test_dask_local_cluster_gives_the_same_results(tmp_path):
    distributed = pytest.importorskip("dask.distributed",
                                      reason="the dask extra is not installed")
    sweep = load_sweep(write(tmp_path, TINY))
    run_sweep(sweep, tmp_path / "local", workers=2, quiet=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        run_sweep(sweep, tmp_path / "dask", scheduler=cluster.scheduler_address, quiet=True)
    same_results(tmp_path / "local", tmp_path / "dask", [p["name"] for p in sweep["points"]])


def killing_runner(point, out):
    """Kills its own worker process the first time it runs point model=gru, seed=1."""
    marker = Path(out) / "killed-once"
    if point["name"] == "model-gru_seed-1" and not marker.exists():
        marker.write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)
    return run_point(point, out)


def test_a_killed_worker_is_retried_and_nothing_is_lost(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    records = run_sweep(sweep, tmp_path / "out", workers=2, runner=killing_runner, quiet=True)
    assert (tmp_path / "out" / "killed-once").exists()
    assert all(r["status"] == "ok" for r in records)
    by_name = {r["name"]: r for r in records}
    assert by_name["model-gru_seed-1"]["attempts"] >= 2
    run_sweep(sweep, tmp_path / "clean", workers=1, quiet=True)
    same_results(tmp_path / "out", tmp_path / "clean", list(by_name))


def failing_runner(point, out):
    if point["name"] == "model-rnn_seed-0":
        raise RuntimeError("this point always fails")
    return run_point(point, out)


def test_a_point_that_keeps_failing_is_recorded(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY + "\n[sweep]\nretries = 1\n"))
    records = run_sweep(sweep, tmp_path / "out", workers=2, runner=failing_runner, quiet=True)
    failed = [r for r in records if r["status"] == "failed"]
    assert [r["name"] for r in failed] == ["model-rnn_seed-0"]
    assert failed[0]["attempts"] == 2 and "always fails" in failed[0]["error"]
    assert sum(r["status"] == "ok" for r in records) == 3


def counting_runner(point, out):
    (Path(out) / f"ran-{point['name']}").write_text("x")
    return run_point(point, out)


def test_a_rerun_runs_only_what_is_missing(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    out = tmp_path / "out"
    run_sweep(sweep, out, workers=2, quiet=True)
    before = rows(out)
    (out / "points" / "model-rnn_seed-1" / "done.json").unlink()
    run_sweep(sweep, out, workers=2, runner=counting_runner, quiet=True)
    assert sorted(p.name for p in out.glob("ran-*")) == ["ran-model-rnn_seed-1"]
    assert rows(out) == before


@pytest.mark.parametrize("text,match", [
    ("[grid]\nmodle = ['gru']\n", "unknown setting 'modle'"),
    ("[grid]\nmodel = []\n", "grid axis 'model' is empty"),
    ("[grid]\nmodel = 'gru'\n", "must be a list"),
    ("[grid]\nhidden = ['big']\n", "hidden"),
    ("[base]\nepochs = 0\n[grid]\nseed = [0]\n", "epochs"),
    ("[grid]\nseed = [0]\n[sweep]\nworkers = 3\n", r"\[sweep\] setting"),
    ("[extra]\n[grid]\nseed = [0]\n", "unknown table"),
    ("[base]\nepochs = 2\n", "at least one axis"),
    ("[grid\n", "not valid TOML"),
    ("[grid]\nmodle = ['gru']\n", "did you mean 'model'"),
    ("[grid]\n'features.delta' = [1]\n", r"did you mean 'features.deltas'.*'features' has"),
    ("[grid]\nthreads = [1, 2]\n", r"set threads in \[sweep\]"),
    ("[base]\nthreads = 2\n[grid]\nseed = [0]\n", r"set threads in \[sweep\]"),
    ("[grid]\nlr = ['fast']\n", "lr must be a number"),
    ("[grid]\nseed = [0.5]\n", "seed must be an integer"),
    ("[grid]\n'features.cmvn' = ['yes']\n", "features.cmvn must be true or false"),
    ("[grid]\n'synthetic.train_per_class' = [0]\n", "synthetic.train_per_class must be"),
    ("[base]\nfeatures = 3\n[grid]\nseed = [0]\n", "features is a table"),
    ("[base]\nhidden = {a = 1}\n[grid]\nseed = [0]\n", "unknown setting 'hidden.a'"),
    ("base = 3\n[grid]\nseed = [0]\n", r"\[base\] and \[sweep\] must be tables"),
    ("[grid]\npatience = [0]\n", "patience must be a whole number"),
])
def test_bad_sweep_files_name_the_key(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_sweep(write(tmp_path, text))


def test_base_accepts_dotted_keys_and_nested_tables_alike():
    a = check_sweep({"base": {"synthetic.train_per_class": 7}, "grid": {"seed": [0]}})
    b = check_sweep({"base": {"synthetic": {"train_per_class": 7}}, "grid": {"seed": [0]}})
    assert a["points"][0]["config"] == b["points"][0]["config"]
    assert a["points"][0]["config"]["synthetic"]["train_per_class"] == 7


def test_dotted_keys_reach_nested_settings():
    sweep = check_sweep({"grid": {"features.deltas": [0, 2]}})
    assert [p["config"]["features"]["deltas"] for p in sweep["points"]] == [0, 2]
    assert sweep["points"][0]["name"] == "features.deltas-0"
