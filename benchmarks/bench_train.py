"""The main job, timed: ``minigru train`` on the built-in data and on the FSDD.

    python benchmarks/bench_train.py [--fsdd DIR] [--threads 2] [--quick]

Each run is a fresh process with an empty Numba cache, so the time includes compiling the
kernels, as on a fresh install. Prints test accuracy, wall time and the targets.
``--quick`` checks that the script runs: a tiny model, one epoch, two examples per class
and split, the Numba cache of the calling process kept, and no targets judged.
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

QUICK = ["--limit", "2", "--epochs", "1", "--hidden", "8"]


def run(args: list[str], threads: int, empty_cache: bool = True) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MINIGRU_CACHE=os.path.join(tmp, "cache"))
        if empty_cache:
            env["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
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
    parser.add_argument("--quick", action="store_true",
                        help="check that the script runs: tiny runs, targets not judged")
    args = parser.parse_args()
    jobs = [("minigru train (SyntheticDigits)", [], 0.95, 120)]
    if Path(args.fsdd).is_dir():
        jobs.append(("minigru train --data fsdd", ["--data", "fsdd", "--data-dir", args.fsdd],
                     0.97, 300))
    else:
        print(f"(no FSDD folder at {args.fsdd}; skipping that run)")
    timed = "the Numba cache kept" if args.quick else "compile included"
    print(f"| run | test accuracy | epochs | wall time (s, {timed}) | targets |")
    print("|---|---|---|---|---|")
    for name, extra, acc_target, time_target in jobs:
        summary, wall = run(extra + (QUICK if args.quick else []), args.threads, not args.quick)
        ok = summary["test_accuracy"] >= acc_target and wall <= time_target
        verdict = "not judged (--quick)" if args.quick else "met" if ok else "NOT met"
        print(f"| {name} | {summary['test_accuracy']:.4f} | {summary['epochs']} | {wall:.1f} | "
              f">= {acc_target:.0%} in < {time_target} s: {verdict} |", flush=True)


if __name__ == "__main__":
    main()
