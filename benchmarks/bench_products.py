"""Benchmark of the layers' matrix products next to a recurrent layer: one BLAS or two.

    python benchmarks/bench_products.py [--threads 2] [--rounds 3] [--steps 30]

A 2-layer GRU (T=100, B=32, I=39, H=128, float32) with a ``Linear`` on every frame, one
training step at a time (forward, a random-weighted sum of the outputs, backward). Two ways:

- ``shared BLAS``: the library as it is, the Linear's products through Numba to the BLAS of
  the recurrent kernels (``minigru/kernels/products.py``);
- ``NumPy's BLAS`` (the baseline): the same products computed by NumPy, as before that file.

Each way runs in its own process (the effect measured is one process's thread pools), the two
alternating ``--rounds`` times, for 11 and 256 output classes. Prints the median and the best
step time of each process, and the median of the medians.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np
from _threads import THREAD_VARIABLES

CHILD = """
import sys, time
import numpy as np, minigru as mg
from minigru.kernels import products
if {numpy_blas}:
    products._gemm = lambda a, b, ta, tb: np.dot(a.T if ta else a, b.T if tb else b)
mg.runtime.apply_memory_default()
T, B, I, H, C = 100, 32, 39, 128, {classes}
mg.manual_seed(0)
gru, lin = mg.nn.GRU(I, H, num_layers=2), mg.nn.Linear(H, C)
rng = np.random.default_rng(0)
x = rng.standard_normal((T, B, I)).astype(np.float32)
w = rng.standard_normal((T, B, C)).astype(np.float32)

def step():
    out, _ = gru(mg.tensor(x))
    (lin(out) * w).sum().backward()
    gru.zero_grad()
    lin.zero_grad()

step()
times = []
for _ in range({steps}):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
print(np.median(times), min(times))
"""

WAYS = {"shared BLAS": False, "NumPy's BLAS": True}


def run(numpy_blas: bool, classes: int, steps: int, threads: int) -> tuple[float, float]:
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARIABLES})
    code = CHILD.format(numpy_blas=numpy_blas, classes=classes, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    print(f"2-layer GRU + Linear on every frame, training step, float32, {args.threads} "
          f"threads, {args.rounds} processes each, alternating\n")
    print("| classes | products by | median step ms (each process) | best step ms | "
          "median of medians ms |")
    print("|---|---|---|---|---|")
    for classes in (11, 256):
        results = {way: [] for way in WAYS}
        for _ in range(args.rounds):
            for way, numpy_blas in WAYS.items():
                results[way].append(run(numpy_blas, classes, args.steps, args.threads))
        for way, rows in results.items():
            medians = [m * 1e3 for m, _ in rows]
            best = min(b for _, b in rows) * 1e3
            print(f"| {classes} | {way} | {', '.join(f'{m:.1f}' for m in medians)} | "
                  f"{best:.1f} | {np.median(medians):.1f} |", flush=True)


if __name__ == "__main__":
    main()
