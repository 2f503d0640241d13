"""The main job, timed: ``minigru train`` on the built-in data and on the FSDD.

    python benchmarks/bench_train.py [--fsdd DIR] [--threads 2]

Each run is a fresh process with an empty Numba cache, so the time includes compiling the
kernels, as on a fresh install. Prints test accuracy, wall time and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(args: list[str], threads: int) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(tmp, "numba"),
                   MINIGRU_CACHE=os.path.join(tmp, "cache"))
        out = Path(tmp) / "run"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "minigru", "train", "--quiet", "--threads",
                        str(threads), "--out", str(out), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        return json.loads((out / "summary.json").read_text()), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_fsdd = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"
    parser.add_argument("--fsdd", default=os.environ.get("MINIGRU_FSDD", str(default_fsdd)))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    jobs = [("minigru train (SyntheticDigits)", [], 0.95, 120)]
    if Path(args.fsdd).is_dir():
        jobs.append(("minigru train --data fsdd", ["--data", "fsdd", "--data-dir", args.fsdd],
                     0.97, 300))
    else:
        print(f"(no FSDD folder at {args.fsdd}; skipping that run)")
    print("| run | test accuracy | epochs | wall time (s, compile included) | targets |")
    print("|---|---|---|---|---|")
    for name, extra, acc_target, time_target in jobs:
        summary, wall = run(extra, args.threads)
        ok = summary["test_accuracy"] >= acc_target and wall <= time_target
        print(f"| {name} | {summary['test_accuracy']:.4f} | {summary['epochs']} | {wall:.1f} | "
              f">= {acc_target:.0%} in < {time_target} s: {'met' if ok else 'NOT met'} |",
              flush=True)


if __name__ == "__main__":
    main()
