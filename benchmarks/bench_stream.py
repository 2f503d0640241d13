"""Streaming latency: per-chunk processing time of MFCC + a 2-layer GRU, as a real-time factor.

    python benchmarks/bench_stream.py [--chunk-ms 10] [--seconds 20] [--rate 16000]

One thread. The model is a 2-layer GRU of 128 units on 13 MFCCs + deltas (26 features) with a
10-class head; the audio is noise with tones. For each 10 ms chunk: the time of
``StreamingMFCC.push`` + the recogniser stream's ``push`` (median, p95, max), divided by the
chunk's duration. Baseline, measured in the same run: recomputing the whole-signal MFCC and the
whole-sequence GRU on everything heard so far at every chunk (what a non-streaming model has to
do), over the first 2 seconds.

Memory: a stream of ``--memory-minutes`` (default 60) of the same audio in 100 ms chunks through
``StreamingMFCC`` (deltas and delta-deltas, running CMVN) and the model's stream, with the
memory Python holds for them (``tracemalloc``) after 1 minute (the baseline) and at later
points: a stream that keeps no history stays flat.
"""

from __future__ import annotations

from _threads import pin_threads

pin_threads(1)

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.speech.models import GRUClassifier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk-ms", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--memory-minutes", type=float, default=60.0)
    args = parser.parse_args()
    sr = args.rate
    rng = np.random.default_rng(0)
    t = np.arange(int(args.seconds * sr)) / sr
    x = 0.05 * rng.standard_normal(t.size) + 0.2 * np.sin(2 * np.pi * 440 * t) * (t % 1 < 0.4)
    mg.manual_seed(0)
    model = GRUClassifier(26, 10, hidden_size=128, num_layers=2)
    model.eval()
    chunk = int(round(args.chunk_ms / 1000 * sr))
    mfcc = mg.audio.StreamingMFCC(sr, deltas=1)
    stream = model.stream()
    mfcc.push(np.zeros(4 * chunk))
    mfcc.flush()
    stream.push(np.zeros((2, 26), np.float32))
    stream.reset()
    times = []
    for start in range(0, x.size, chunk):
        t0 = time.perf_counter()
        frames = mfcc.push(x[start:start + chunk])
        if len(frames):
            stream.push(frames)
        times.append(time.perf_counter() - t0)
    rtf = np.array(times) / (chunk / sr)

    base = []
    history = 0
    for start in range(0, min(x.size, 2 * sr), chunk):
        history = start + chunk
        t0 = time.perf_counter()
        feats = mg.audio.mfcc(x[:history], sr, deltas=1).astype(np.float32)
        with mg.no_grad():
            model(feats[:, None, :], [feats.shape[0]])
        base.append(time.perf_counter() - t0)
    base_rtf = np.array(base) / (chunk / sr)
    print(f"{args.seconds:.0f} s of audio at {sr} Hz in {args.chunk_ms:.0f} ms chunks, one "
          f"thread; 2-layer GRU, 128 units, 26 features\n")
    print("| method | median RTF | p95 RTF | max RTF |")
    print("|---|---|---|---|")
    print(f"| streaming (StreamingMFCC + model.stream) | {np.median(rtf):.4f} | "
          f"{np.percentile(rtf, 95):.4f} | {np.max(rtf):.4f} |")
    print(f"| recompute everything so far (first 2 s) | {np.median(base_rtf):.4f} | "
          f"{np.percentile(base_rtf, 95):.4f} | {np.max(base_rtf):.4f} |")
    print("\ntargets: median < 0.02, p95 < 0.05: "
          + ("met" if np.median(rtf) < 0.02 and np.percentile(rtf, 95) < 0.05 else "NOT met"))

    memory_table(x, sr, args.memory_minutes)


def memory_table(x: np.ndarray, sr: int, minutes: float) -> None:
    """Traced memory of an hour-long stream at several points, against its first minute."""
    mg.manual_seed(0)
    model = GRUClassifier(39, 10, hidden_size=128, num_layers=2)
    model.eval()
    mfcc = mg.audio.StreamingMFCC(sr, deltas=2, running_cmvn=True)
    stream = model.stream()
    chunk = sr // 10
    marks = sorted({1.0, *(m for m in (10.0, 30.0, 60.0, 120.0) if m < minutes), minutes})
    tracemalloc.start()
    rows, pushed, start = [], 0, time.perf_counter()
    for mark in marks:
        while pushed < mark * 60 * sr:
            i = pushed % (x.size - chunk)
            frames = mfcc.push(x[i:i + chunk])
            if len(frames):
                stream.push(frames.astype(np.float32))
            pushed += chunk
        rows.append((mark, tracemalloc.get_traced_memory()[0]))
    tracemalloc.stop()
    base = rows[0][1]
    print(f"\nmemory of one stream (StreamingMFCC with deltas 2 and running CMVN + the "
          f"model's stream), 100 ms chunks, {time.perf_counter() - start:.0f} s to run\n")
    print("| stream time | traced memory (KiB) | / after 1 minute |")
    print("|---|---|---|")
    for mark, size in rows:
        print(f"| {mark:g} min | {size / 1024:.1f} | {size / base:.2f} |")
    flat = rows[-1][1] <= 1.1 * base + 64 * 1024
    print("\ntarget: flat (within 10% + 64 KiB of the first minute): "
          + ("met" if flat else "NOT met"))


if __name__ == "__main__":
    main()
