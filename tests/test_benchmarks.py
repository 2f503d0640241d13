"""Every benchmark script runs, in its smallest configuration, and prints its table.

The benchmarks are measured by hand and their numbers go into the README; these tests only
hold that each script still runs against the library as it is now and prints the header of
its table. They time nothing and judge no speed (the scripts do that when run in full).
The PyTorch comparison of the FSDD recipe needs torch, which the tests never install.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"

SMALLEST = {
    "bench_halves": (["--rounds", "1", "--steps", "1", "--kinds", "rnn", "--sizes", "8x16x5"],
                     "| cell | B | H |"),
    "bench_mfcc": (["--clips", "3", "--seconds", "0.5", "--reps", "1", "--loop-clips", "2"],
                   "| preset |"),
    "bench_padding": (["--rounds", "1", "--shapes", "a", "--kinds", "rnn"], "| shape |"),
    "bench_products": (["--rounds", "1", "--steps", "1"], "| classes | products by |"),
    "bench_rnn": (["--shapes", "d", "--kinds", "rnn", "--reps", "1", "--composed-limit", "0",
                   "--startup-runs", "0"], "| shape | cell | impl |"),
    "bench_step_product": (["--rounds", "1", "--steps", "2", "--shapes", "a"], "| shape |"),
    "bench_stream": (["--seconds", "0.3", "--memory-minutes", "0.05"], "| method | median RTF |"),
    "bench_train": (["--quick", "--fsdd", "nowhere"], "| run | test accuracy |"),
}


def run(script: str, args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, str(BENCHMARKS / f"{script}.py"), *args],
                          capture_output=True, text=True, cwd=BENCHMARKS, env=env)


def test_every_script_is_covered():
    scripts = {p.stem for p in BENCHMARKS.glob("bench_*.py")}
    assert scripts == set(SMALLEST) | {"bench_generalisation", "bench_recipe_torch"}


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_benchmark_runs_and_prints_its_table(script):
    args, header = SMALLEST[script]
    result = run(script, args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert header in result.stdout, result.stdout[-2000:]


def test_generalisation_benchmark_on_a_few_clips(tmp_path):
    """Leave one speaker out, the corruption suite, enrolment and self-training, on 8 takes of
    each digit by 3 speakers (links into the FSDD folder), one epoch, two seeds: every table
    and the JSON."""
    if not FSDD.is_dir():
        pytest.skip("../shared/data/fsdd/recordings is not beside the repository")
    data = tmp_path / "fsdd"
    data.mkdir()
    for speaker in ("george", "jackson", "theo"):
        for digit in range(10):
            for take in (0, 1, 2, 3, 5, 6, 30, 31):
                name = f"{digit}_{speaker}_{take}.wav"
                (data / name).symlink_to(FSDD / name)
    out = tmp_path / "numbers.json"
    result = run("bench_generalisation", [
        "--data-dir", str(data), "--speakers", "theo", "--seeds", "0", "1", "--recipes",
        "none", "--epochs", "1", "--set", "hidden=8", "--set", "features.floor=noise",
        "--enrol", "1", "--self-adapt", "0.5,0.7", "--json", str(out)])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "| recipe | theo | mean | worst |" in result.stdout
    assert "| none, ensemble of the 2 seeds |" in result.stdout
    assert "| none, the first draw of the noise floor alone |" in result.stdout
    assert "answers averaged over 5 draw(s) of the noise floor" in result.stdout
    assert "| babble 10 dB |" in result.stdout and "| 44.1 kHz |" in result.stdout
    assert "| pitch x0.8 |" in result.stdout and "| pitch x1.25 |" in result.stdout
    assert "| pitch x1.25 then x0.8 |" in result.stdout
    assert "| recipe | clips per digit | theo | mean | worst | other speakers |" in result.stdout
    assert "| none | 1 |" in result.stdout
    assert "| recipe | kept of each answer | theo | mean | worst | other speakers | kept " \
           "answers right |" in result.stdout
    assert "| none | not adapted |" in result.stdout and "| none | 0.5,0.7 |" in result.stdout
    rows = json.loads(out.read_text())["results"]["none"]["theo"]
    assert len(rows) == 2 and all(sum(map(sum, r["confusion"])) == 80 for r in rows)
    assert all(0 <= r["first draw"] <= 1 for r in rows)
    assert all(set(r["enrol"]) == {"0", "1", "others 0", "others 1"} for r in rows)
    assert all(set(r["self"]) == {"0", "0.5,0.7", "others 0", "others 0.5,0.7",
                                  "right 0.5,0.7"} for r in rows)


def test_generalisation_benchmark_member_voices_and_epoch_curve(tmp_path):
    """--member-voices: an ensemble of two, the second mixing in its own synthetic voices; it
    needs voices mixed in, and says so without them. --curve: the first model's held-out
    accuracy after every epoch, whose kept epoch is the model the fold scores."""
    if not FSDD.is_dir():
        pytest.skip("../shared/data/fsdd/recordings is not beside the repository")
    data = tmp_path / "fsdd"
    data.mkdir()
    for speaker in ("george", "theo"):
        for digit in range(10):
            for take in (0, 1, 2, 3):
                name = f"{digit}_{speaker}_{take}.wav"
                (data / name).symlink_to(FSDD / name)
    common = ["--data-dir", str(data), "--speakers", "theo", "--seeds", "0", "--recipes",
              "none", "--epochs", "3", "--no-corruptions", "--set", "hidden=8",
              "--set", "ensemble=2", "--set", "patience=null", "--member-voices", "--curve"]
    refused = run("bench_generalisation", common)
    assert refused.returncode != 0
    assert "--set mix_synthetic=N" in refused.stdout + refused.stderr
    out = tmp_path / "numbers.json"
    result = run("bench_generalisation", common + ["--set", "mix_synthetic=2", "--json",
                                                   str(out)])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "(56 train" in result.stdout  # 36 of george's clips, 2 synthetic of each digit
    assert "| none, the first model: the best epoch for the held-out voice (an oracle) |" \
        in result.stdout
    row = json.loads(out.read_text())["results"]["none"]["theo"][0]
    assert len(row["members"]) == 2 and sum(map(sum, row["confusion"])) == 40
    curve = row["curve"]
    assert len(curve["accuracy"]) == 3 and 1 <= curve["kept epoch"] <= 3
    assert curve["kept"] == curve["accuracy"][curve["kept epoch"] - 1] == row["members"][0]
    assert curve["best"] == max(curve["accuracy"])
    assert all(0 <= curve[k] <= 1 for k in ("averaged", "averaged to kept"))


def test_recipe_against_torch_says_what_it_needs():
    """Without torch the comparison stops with a message naming the extra to install."""
    try:
        import torch  # noqa: F401
    except ImportError:
        result = run("bench_recipe_torch", ["--epochs", "1"])
        assert result.returncode != 0
        assert "torch" in (result.stdout + result.stderr)
        assert "Traceback" not in result.stderr
    else:
        pytest.skip("torch is installed: the comparison would run in full")


def test_halves_benchmark_times_a_stack_three_ways():
    """``--layers 2`` adds the stack as one node beside its layers as halves, in one table."""
    done = run("bench_halves", ["--rounds", "1", "--steps", "1", "--kinds", "gru", "--sizes",
                                "8x16x5", "--layers", "2"])
    assert done.returncode == 0, done.stderr
    assert "a stack of 2 layers" in done.stdout
    assert "| stack ms | stack / halves |" in done.stdout
    row = [line for line in done.stdout.splitlines() if line.startswith("| gru | 8 | 16 |")]
    assert len(row) == 1 and len(row[0].split("|")) == 13
    bad = run("bench_halves", ["--layers", "0"])
    assert bad.returncode == 2 and "--layers must be at least 1, got 0" in bad.stderr


def test_alternated_ratio_pairs_blocks_that_ran_together(monkeypatch):
    """A fake clock: minigru's step takes 1 ms and torch's 3 ms (in binary fractions, so the
    sums are exact) until the machine's load doubles every step from the second round on.
    Each round's ratio is still 1/3."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_rnn
    finally:
        sys.path.remove(str(BENCHMARKS))
    clock = {"now": 0, "calls": 0}

    def step(units):
        def run():
            clock["calls"] += 1
            clock["now"] += units / 1024 * (2 if clock["calls"] > 24 else 1)
        return run

    monkeypatch.setattr(bench_rnn.time, "perf_counter", lambda: clock["now"])
    median, low, high = bench_rnn.alternated_ratio(step(1), step(3), rounds=5)
    assert (median, low, high) == (1 / 3, 1 / 3, 1 / 3)
    assert clock["calls"] == 4 + 5 * (10 + 10)    # warm-up, then 5 rounds of two blocks of 10


def test_recipe_comparison_alternates_the_frameworks_epoch_by_epoch():
    """minigru's epoch first in even epochs and torch's in odd ones; each framework's own
    seconds come back in epoch order."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_recipe_torch
    finally:
        sys.path.remove(str(BENCHMARKS))
    order = []

    def framework(name, seconds):
        def epoch(i):
            order.append((name, i))
            return seconds * (i + 1)
        return epoch

    ours, theirs = bench_recipe_torch.train_both(framework("minigru", 1.0),
                                                 framework("torch", 3.0), 3)
    assert order == [("minigru", 0), ("torch", 0), ("torch", 1), ("minigru", 1),
                     ("minigru", 2), ("torch", 2)]
    assert ours == [1.0, 2.0, 3.0] and theirs == [3.0, 6.0, 9.0]
