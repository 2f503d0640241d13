"""What padding costs a recurrent layer: a batch of sequences of different lengths against
the same batch with every sequence at full length, measured in the same run.

    python benchmarks/bench_padding.py [--threads 2] [--rounds 40] [--kinds gru,lstm,rnn]
        [--shapes ab] [--low 0.2]

For each shape (from ``bench_rnn.py``) the batch's lengths are drawn uniformly from
``[low T, T]``, with one sequence at T (so the padded tensor is still (T, B, I)), which in
expectation leaves about (1 + low) / 2 of the (t, b) rows valid: random batches of FSDD's
words, before bucketing, are 59% valid. Each cell is the median time of a training step
(forward + backward of a random-weighted sum of the outputs, float32) over ``--rounds``
rounds, each round timing minigru's two variants once, one after the other, so a slow
spell of a shared machine falls on both alike (then torch's two the same way, in rounds of
their own: torch's threads keep spinning after a step and would slow a minigru step that
followed at once):

- minigru with the lengths: its kernels skip the padded rows in every product
  (``minigru/kernels/active.py``);
- minigru with every length at T: the same tensor, no padding (the baseline: what a step
  costs when every row takes part);
- with PyTorch installed (``pip install -e ".[bench]"``), torch's layer on the padded tensor
  without lengths (its outputs at valid steps are the same for a unidirectional layer; the
  padding is computed and ignored) and on a ``pack_padded_sequence`` of it (torch's own way
  to skip padding), at the same thread count.

The last column is the median over rounds of the padded step's time over the full-length
one's in the same round, beside the fraction of rows that are valid: a step whose cost
followed the valid rows exactly would have them equal.
"""

from __future__ import annotations

import argparse
import sys
import time

from _threads import pin_threads, threads_from_argv

if __name__ == "__main__":
    pin_threads(threads_from_argv(2))

import numpy as np  # noqa: E402
from bench_rnn import SHAPES  # noqa: E402

import minigru as mg  # noqa: E402

try:  # optional: the bench extra
    import torch  # noqa: E402
except ImportError:  # pragma: no cover - torch is not a dependency
    torch = None

CLASSES = {"gru": "GRU", "lstm": "LSTM", "rnn": "RNN"}


def draw_lengths(T: int, B: int, low: float, rng: np.random.Generator) -> np.ndarray:
    lengths = rng.integers(max(1, int(round(low * T))), T + 1, size=B)
    lengths[0] = T
    return lengths.astype(np.int64)


def minigru_step(kind: str, s: dict, x: np.ndarray, w: np.ndarray, lengths: np.ndarray):
    mg.manual_seed(0)
    model = getattr(mg.nn, CLASSES[kind])(s["I"], s["H"], num_layers=s["L"],
                                          bidirectional=s["bi"])

    def step() -> None:
        xt = mg.tensor(x, requires_grad=True)
        out = model(xt, lengths=lengths)[0]
        (out * w).sum().backward()
        model.zero_grad()

    return step


def torch_steps(kind: str, s: dict, x: np.ndarray, w: np.ndarray, lengths: np.ndarray,
                threads: int):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = getattr(torch.nn, CLASSES[kind])(s["I"], s["H"], num_layers=s["L"],
                                             bidirectional=s["bi"])
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    lt = torch.from_numpy(lengths)

    def padded() -> None:
        xi = xt.detach().requires_grad_(True)
        (model(xi)[0] * wt).sum().backward()
        model.zero_grad(set_to_none=True)

    def packed() -> None:
        xi = xt.detach().requires_grad_(True)
        seq = torch.nn.utils.rnn.pack_padded_sequence(xi, lt, enforce_sorted=False)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(model(seq)[0], total_length=s["T"])
        (out * wt).sum().backward()
        model.zero_grad(set_to_none=True)

    return padded, packed


def rounds(steps: list, n: int) -> list[np.ndarray]:
    """Seconds of each step in each of ``n`` rounds, after one untimed call of each:
    (n,) per step."""
    for step in steps:
        step()
    times = np.empty((len(steps), n))
    for r in range(n):
        for i, step in enumerate(steps):
            t = time.perf_counter()
            step()
            times[i, r] = time.perf_counter() - t
    return list(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--kinds", default="gru,lstm,rnn")
    p.add_argument("--shapes", default="ab")
    p.add_argument("--low", type=float, default=0.2,
                   help="the shortest drawn length, as a fraction of T (0 < low <= 1)")
    args = p.parse_args()
    if not 0 < args.low <= 1:
        sys.exit(f"--low must be in (0, 1], got {args.low}")
    mg.runtime.apply_memory_default()
    rng = np.random.default_rng(0)
    torch_cols = torch is not None
    if args.rounds < 1:
        sys.exit(f"--rounds must be at least 1, got {args.rounds}")
    print(f"training step (forward + backward), float32, {args.threads} threads, median of "
          f"{args.rounds} rounds; lengths uniform in [{args.low} T, T]; minigru {mg.__version__}"
          + (f", torch {torch.__version__}" if torch_cols else
             " (PyTorch not installed: pip install -e \".[bench]\" adds its columns)") + "\n")
    head = ["shape", "cell", "valid rows", "minigru padded ms", "minigru full ms"]
    if torch_cols:
        head += ["torch padded ms", "torch packed ms"]
    head += ["minigru padded / full"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key in args.shapes:
        s = SHAPES[key]
        T, B = s["T"], s["B"]
        D = 2 if s["bi"] else 1
        x = rng.standard_normal((T, B, s["I"])).astype(np.float32)
        w = rng.standard_normal((T, B, D * s["H"])).astype(np.float32)
        lengths = draw_lengths(T, B, args.low, rng)
        mask = np.arange(T)[:, None] < lengths[None, :]
        x[~mask] = 0.0
        w[~mask] = 0.0
        valid = float(mask.mean())
        full = np.full(B, T, dtype=np.int64)
        for kind in args.kinds.split(","):
            times = rounds([minigru_step(kind, s, x, w, lengths),
                            minigru_step(kind, s, x, w, full)], args.rounds)
            if torch_cols:
                times += rounds(list(torch_steps(kind, s, x, w, lengths, args.threads)),
                                args.rounds)
            cells = [f"{key} B={B} T={T} I={s['I']} H={s['H']} L={s['L']}"
                     + (" bi" if s["bi"] else ""), kind, f"{valid:.2f}"]
            cells += [f"{np.median(t) * 1e3:.1f}" for t in times]
            cells += [f"{np.median(times[0] / times[1]):.2f}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
