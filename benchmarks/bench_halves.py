"""When a one-way recurrent layer gains from running the two halves of its batch at once.

    python benchmarks/bench_halves.py [--threads 2] [--rounds 6] [--kinds gru,lstm,rnn]
        [--sizes 32x128,16x256,...] [--steps 20] [--layers 1]

A unidirectional layer's sequences do not interact, so the two halves of its batch can run on
the two cores at once, each with one BLAS thread (``BatchHalves``, ``minigru/parallel.py``),
instead of the whole batch with the BLAS library's own threads. Which is faster depends on
the batch B and the hidden size H: ``minigru.parallel.halves_pay`` decides, from this
benchmark's numbers.

For each B x H and cell (one layer, T = 100 unless the size says ``BxHxT``, I = 39, float32)
it times a training step (forward + backward of a random-weighted sum of the outputs, the
input needing its gradient) both ways: ``whole`` (the baseline, the rule forced off) and
``halves`` (forced on). Each round times each way once (the best of ``--steps`` steps), one
after the other, so a slow spell of a shared machine falls on both; the table gives the
median over rounds, their ratio, the half's step work (B/2) H^2, and what
``halves_pay(B, H)`` says. The first few steps after a switch are slow (OpenBLAS's threads,
busy after the whole layer's shared products, keep spinning on the cores the halves need),
so a round takes the best of 20 steps by default: a layer keeps its way from step to step.

With ``--layers L`` of 2 or more, each model is a stack of L such layers, and a third way is
timed in the same rounds: ``stack``, the whole stack as one ``StackHalves`` node (each half's
stack on one core: what a stack whose halves pay runs as), beside ``halves``, its layers one
by one as ``BatchHalves`` nodes (the baseline for it).
"""

from __future__ import annotations

import argparse
import time

from _threads import pin_threads, threads_from_argv

if __name__ == "__main__":
    pin_threads(threads_from_argv(2))

import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru import nn, parallel  # noqa: E402
from minigru.ops import recurrent  # noqa: E402

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}
SIZES = "16x96,32x64,16x128,64x96,32x128,8x256,16x256,32x256,32x384,8x512,64x512x50,32x1024x20"
INPUT = 39


def parse_size(text: str) -> tuple[int, int, int]:
    """'BxH' or 'BxHxT' -> (B, H, T), T = 100 unless given."""
    parts = [int(p) for p in text.lower().split("x")]
    if len(parts) not in (2, 3) or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"a size is BxH or BxHxT, got {text!r}")
    return (parts[0], parts[1], parts[2] if len(parts) == 3 else 100)


def training_step(kind: str, B: int, H: int, T: int, layers: int = 1):
    mg.manual_seed(0)
    model = CELLS[kind](INPUT, H, num_layers=layers).float()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, INPUT)).astype(np.float32)
    w = mg.tensor(rng.standard_normal((T, B, H)).astype(np.float32))

    def step() -> None:
        out = model(mg.tensor(x, requires_grad=True))[0]
        (out * w).sum().backward()
        model.zero_grad()

    return step


def best_of(step, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(kind: str, B: int, H: int, T: int, rounds: int, steps: int, layers: int = 1
            ) -> dict[str, float]:
    """Median seconds of a step: ``whole``, ``halves`` (layer by layer) and, for a stack of
    two or more layers, ``stack`` (one ``StackHalves`` node)."""
    step = training_step(kind, B, H, T, layers)
    rule, stack_rule = recurrent.halves_pay, recurrent.stack_halves_pay
    ways = ("whole", "halves", "stack") if layers > 1 else ("whole", "halves")
    got: dict[str, list[float]] = {way: [] for way in ways}
    try:
        for _ in range(rounds):
            for way in ways:
                recurrent.halves_pay = lambda batch, hidden, gates=3, *, h=way != "whole": h
                recurrent.stack_halves_pay = stack_rule if way == "stack" else \
                    (lambda *args: False)
                step()
                got[way].append(best_of(step, steps))
    finally:
        recurrent.halves_pay, recurrent.stack_halves_pay = rule, stack_rule
    return {way: float(np.median(times)) for way, times in got.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--kinds", default="gru,lstm,rnn")
    parser.add_argument("--sizes", default=SIZES)
    parser.add_argument("--layers", type=int, default=1)
    args = parser.parse_args()
    for name, value in (("--rounds", args.rounds), ("--steps", args.steps),
                        ("--layers", args.layers)):
        if value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or set(kinds) - set(CELLS):
        parser.error(f"--kinds takes {','.join(CELLS)}, got {args.kinds!r}")
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",")]
    except argparse.ArgumentTypeError as err:
        parser.error(f"--sizes: {err}")
    mg.runtime.apply_memory_default()
    if not parallel.pairs_run_at_once():
        print("note: pairs cannot run at once here (one core, or one thread): the halves run "
              "one after the other")
    stacked = args.layers > 1
    what = f"a stack of {args.layers} layers" if stacked else "one layer"
    print(f"training step, {what}, I={INPUT}, float32, {args.threads} threads, median of "
          f"{args.rounds} rounds (best of {args.steps} steps each)\n")
    extra = (" stack ms | stack / halves |", "---|---|") if stacked else ("", "")
    print(f"| cell | B | H | T | (B/2) H^2 | whole ms | halves ms | halves / whole |{extra[0]} "
          "halves_pay |")
    print(f"|---|---|---|---|---|---|---|---|{extra[1]}---|")
    for kind in kinds:
        for B, H, T in sizes:
            got = measure(kind, B, H, T, args.rounds, args.steps, args.layers)
            whole, halves = got["whole"], got["halves"]
            row = (f"| {kind} | {B} | {H} | {T} | {B // 2 * H * H:,} | {whole * 1e3:.1f} | "
                   f"{halves * 1e3:.1f} | {halves / whole:.2f} |")
            if stacked:
                row += f" {got['stack'] * 1e3:.1f} | {got['stack'] / halves:.2f} |"
            print(f"{row} {'yes' if parallel.halves_pay(B, H) else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
