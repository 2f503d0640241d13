"""The FSDD recipe like-for-like: the same GRU classifier trained by minigru and by PyTorch.

    python benchmarks/bench_recipe_torch.py [--data-dir FSDD] [--threads 2] [--epochs 30]
        [--hidden 128] [--layers 2] [--batch-size 32]

Needs PyTorch (``pip install -e ".[bench]"``: the CPU build of torch 2.13.0); without it the
script says so and stops. Both frameworks get exactly the same work:

- the FSDD's conventional split (takes 0-4 of every speaker and digit are the test set),
  read once through the recogniser's feature pipeline (MFCCs and deltas, trimmed, CMVN);
- the same batches in the same order: every epoch a permutation drawn from ``--seed``, each
  batch zero-padded to its longest utterance, (T, B, F) float32 with its lengths;
- the same model: a ``--layers``-layer unidirectional GRU of ``--hidden`` units, the mean of
  the top layer's outputs over each utterance's valid frames, a linear layer to 10 logits;
  no dropout;
- the same training: cross-entropy, Adam (lr 3e-3, betas 0.9/0.999, eps 1e-8), every epoch,
  no early stopping, the same thread count (``torch.set_num_threads`` and Numba's).

The two train epoch by epoch in turn (``train_both``), so that both meet the same load.
Prints the wall time of the training (features excluded, Numba compiled beforehand by one
untimed step), the time per epoch, the test accuracy of each, and minigru's time over
torch's: in all, and epoch by epoch (median and range).
Padding steps do not change a unidirectional GRU's outputs at valid steps, so torch reads the
padded batch and its pooling skips the padding, as minigru's does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from _threads import pin_threads, threads_from_argv

if __name__ == "__main__":
    pin_threads(threads_from_argv(2))

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.data import SpokenDigitFolder  # noqa: E402
from minigru.data.loader import pad_batch  # noqa: E402
from minigru.speech.config import RECOGNISER_PIPELINE  # noqa: E402
from minigru.speech.datasets import cache_dir  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # pragma: no cover - torch is not a dependency
    torch = None

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"
LR = 3e-3


def epoch_batches(features: list[np.ndarray], labels: np.ndarray, batch_size: int,
                  epochs: int, seed: int) -> list[list[tuple[np.ndarray, np.ndarray,
                                                             np.ndarray]]]:
    """Every epoch's batches, (x (T, B, F), lengths (B,), labels (B,)), fixed in advance."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        order = rng.permutation(len(features))
        batches = []
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            b = pad_batch([(features[i], int(labels[i])) for i in idx])
            batches.append((b.x, b.lengths, b.labels))
        out.append(batches)
    return out


def minigru_model(n_in: int, hidden: int, layers: int) -> mg.nn.Module:
    return mg.speech.GRUClassifier(n_in, 10, hidden_size=hidden, num_layers=layers,
                                   pooling="mean")


def timed_epochs(step, epochs_of_batches) -> Callable[[int], float]:
    """After one untimed step on the first batch (compiling or loading kernels), a function
    that trains epoch ``i`` with ``step`` and returns its seconds."""
    step(*epochs_of_batches[0][0])

    def epoch(i: int) -> float:
        start = time.perf_counter()
        for batch in epochs_of_batches[i]:
            step(*batch)
        return time.perf_counter() - start

    return epoch


def minigru_epochs(model, epochs_of_batches) -> Callable[[int], float]:
    """``timed_epochs`` of ``model`` trained by minigru's Adam."""
    opt = mg.optim.Adam(model.parameters(), lr=LR)
    model.train()

    def step(x, lengths, y):
        opt.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(mg.tensor(x), lengths), y)
        loss.backward()
        opt.step()

    return timed_epochs(step, epochs_of_batches)


def predict_minigru(model, features: list[np.ndarray]) -> np.ndarray:
    model.eval()
    with mg.no_grad():
        b = pad_batch([(f, 0) for f in features])
        return model(mg.tensor(b.x), b.lengths).numpy().argmax(axis=1)


if torch is not None:
    class TorchGRUClassifier(torch.nn.Module):
        """The same model in PyTorch: GRU -> masked mean over valid frames -> Linear."""

        def __init__(self, n_in: int, hidden: int, layers: int) -> None:
            super().__init__()
            self.rnn = torch.nn.GRU(n_in, hidden, num_layers=layers)
            self.head = torch.nn.Linear(hidden, 10)

        def forward(self, x, lengths):
            out, _ = self.rnn(x)
            steps = torch.arange(x.shape[0]).unsqueeze(1)
            mask = (steps < lengths.unsqueeze(0)).unsqueeze(2).to(out.dtype)
            mean = (out * mask).sum(0) / lengths.unsqueeze(1).to(out.dtype)
            return self.head(mean)


def torch_epochs(model, epochs_of_batches) -> Callable[[int], float]:
    """``timed_epochs`` of ``model`` trained by torch's Adam, on the same batches as tensors."""
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = [[tuple(torch.from_numpy(a) for a in b) for b in epoch]
               for epoch in epochs_of_batches]

    def step(x, lengths, y):
        opt.zero_grad()
        loss = loss_fn(model(x, lengths), y)
        loss.backward()
        opt.step()

    return timed_epochs(step, batches)


def predict_torch(model, features: list[np.ndarray]) -> np.ndarray:
    model.eval()
    b = pad_batch([(f, 0) for f in features])
    with torch.no_grad():
        return model(torch.from_numpy(b.x), torch.from_numpy(b.lengths)).numpy().argmax(1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--data-dir", default=os.environ.get("MINIGRU_FSDD") or str(SHARED))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if torch is None:
        sys.exit("PyTorch is not installed: pip install -e \".[bench]\" (the CPU build of "
                 "torch 2.13.0) to run this comparison")
    if not Path(args.data_dir).is_dir():
        sys.exit(f"no FSDD folder at {args.data_dir}; pass --data-dir or set MINIGRU_FSDD")
    torch.set_num_threads(args.threads)
    mg.runtime.apply_memory_default()
    train = SpokenDigitFolder(args.data_dir, "train", features=RECOGNISER_PIPELINE,
                              cache_dir=cache_dir())
    test = SpokenDigitFolder(args.data_dir, "test", features=RECOGNISER_PIPELINE,
                             cache_dir=cache_dir())
    feats = [np.asarray(f, dtype=np.float32) for f in train.features]
    test_feats = [np.asarray(f, dtype=np.float32) for f in test.features]
    test_labels = np.asarray(test.labels)
    plan = epoch_batches(feats, np.asarray(train.labels), args.batch_size, args.epochs,
                         args.seed)
    n_in = feats[0].shape[1]
    mean_len = np.mean([f.shape[0] for f in feats])
    print(f"FSDD conventional split: {len(feats)} training utterances (mean {mean_len:.0f} "
          f"frames of {n_in} features), {len(test_feats)} test; {args.layers}-layer GRU of "
          f"{args.hidden} units, batch {args.batch_size}, {args.epochs} epochs; minigru "
          f"{mg.__version__}, torch {torch.__version__}, {args.threads} threads\n", flush=True)

    mg.manual_seed(args.seed)
    ours = minigru_model(n_in, args.hidden, args.layers)
    torch.manual_seed(args.seed)
    theirs = TorchGRUClassifier(n_in, args.hidden, args.layers)
    ours_s, theirs_s = train_both(minigru_epochs(ours, plan), torch_epochs(theirs, plan),
                                  args.epochs)
    ours_acc = float(np.mean(predict_minigru(ours, test_feats) == test_labels))
    theirs_acc = float(np.mean(predict_torch(theirs, test_feats) == test_labels))

    print("| framework | training (s) | per epoch (s) | test accuracy |")
    print("|---|---|---|---|")
    for name, secs, acc in (("minigru", ours_s, ours_acc), ("PyTorch", theirs_s, theirs_acc)):
        print(f"| {name} | {sum(secs):.1f} | {sum(secs) / args.epochs:.2f} | {acc:.4f} |")
    ratios = np.asarray(ours_s) / np.asarray(theirs_s)
    print(f"\nminigru / PyTorch wall time: {sum(ours_s) / sum(theirs_s):.2f} (target <= 0.33); "
          f"epoch by epoch: median {np.median(ratios):.2f}, range {ratios.min():.2f}-"
          f"{ratios.max():.2f}")


def train_both(ours: Callable[[int], float], theirs: Callable[[int], float],
               epochs: int) -> tuple[list[float], list[float]]:
    """Each framework's seconds for each epoch, the two trained epoch by epoch in turn
    (minigru first in even epochs, torch first in odd ones), so both meet the same load of a
    shared machine, which drifts over the minutes a run takes. Each framework trains its own
    model on the plan's batches, so the interleaving changes no number either computes."""
    ours_s, theirs_s = [], []
    for i in range(epochs):
        if i % 2 == 0:
            ours_s.append(ours(i))
            theirs_s.append(theirs(i))
        else:
            theirs_s.append(theirs(i))
            ours_s.append(ours(i))
    return ours_s, theirs_s


if __name__ == "__main__":
    main()
