"""A convolutional front end before the GRU (CNN-GRU / CRNN) vs a plain GRU.

    python examples/05_cnn_gru.py [--data-dir FSDD/recordings] [--quick]

Models: (a) a GRU (64 units) on the MFCCs; (b) a Conv1d over time (64 channels, width 5) ->
ReLU -> MaxPool1d(2) -> bidirectional GRU (64 units). Data: the Free Spoken Digit Dataset
(conventional split; --data-dir, MINIGRU_FSDD or ../shared/data/fsdd), and the synthetic
digits with heavy background noise (SNR drawn from -5 to 5 dB instead of 10 to 30 dB).
Reported: test accuracy, seconds per epoch, parameters.
"""

from __future__ import annotations

import time

import numpy as np
from common import ENV, SHARED, out_dir, parser, save_results, setup, table

import minigru as mg
from minigru.data import SpokenDigitFolder, SyntheticDigits, limit_per_class
from minigru.speech.datasets import cache_dir
from minigru.speech.models import CNNGRUClassifier, GRUClassifier
from minigru.speech.run import fit_and_test


def fsdd_splits(root, spec, limit):
    train_all = SpokenDigitFolder(root, "train", features=spec, cache_dir=cache_dir())
    index = np.array([int(n.rsplit("_", 1)[1][:-4]) for n in train_all.names])
    test = SpokenDigitFolder(root, "test", features=spec, cache_dir=cache_dir())
    parts = {"train": train_all.subset(np.flatnonzero(index >= 10)),
             "val": train_all.subset(np.flatnonzero(index < 10)), "test": test}
    return {k: limit_per_class(v, limit) for k, v in parts.items()}


def noisy_synthetic(spec, n, seed):
    counts = {"train": n, "val": max(5, n // 6), "test": max(5, n // 4)}
    out, start = {}, 0
    for split, k in counts.items():
        out[split] = SyntheticDigits(k, 16000, seed, spec, first_take=start, snr_db=(-5, 5))
        start += k
    return out


def main() -> None:
    import os

    args = parser(__doc__).parse_args()
    started = time.time()
    setup(args)
    out = out_dir(args, "05_cnn_gru")
    spec = mg.audio.DEFAULT_PIPELINE
    epochs = 6 if args.quick else 25
    datasets = {"synthetic, SNR -5..5 dB": noisy_synthetic(spec, 15 if args.quick else 150,
                                                           1234)}
    fsdd = args.data_dir or os.environ.get(ENV["fsdd"]) or str(SHARED / "fsdd")
    if os.path.isdir(fsdd):
        datasets["FSDD"] = fsdd_splits(fsdd, spec, 6 if args.quick else None)
    else:
        print(f"(no FSDD at {fsdd}: only the synthetic comparison runs)")
    rows, headline = [], None
    for name, d in datasets.items():
        F = d["train"].feature_size
        for label, build in (("GRU", lambda F=F: GRUClassifier(F, 10, 64, dropout=0.3)),
                             ("CNN-GRU (bidirectional)",
                              lambda F=F: CNNGRUClassifier(F, 10, channels=64, kernel_size=5,
                                                           hidden_size=64, dropout=0.3))):
            mg.manual_seed(args.seed)
            model = build()
            r = fit_and_test(model, d["train"], d["val"], d["test"], epochs=epochs,
                                     seed=args.seed)
            rows.append([name, label, f"{model.num_parameters():,}",
                         f"{r['train_seconds'] / r['epochs']:.2f}", f"{r['test_accuracy']:.4f}"])
            print(f"{name}: {label}: {r['test_accuracy']:.4f}", flush=True)
            headline = max(headline or 0.0, r["test_accuracy"])
    print("\n" + table(["data", "model", "parameters", "s / epoch", "test accuracy"], rows))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = list(datasets)
    for k, label in enumerate(("GRU", "CNN-GRU (bidirectional)")):
        values = [float(r[4]) for r in rows if r[1] == label]
        ax.bar(np.arange(len(names)) + 0.38 * k, values, 0.36, label=label)
    ax.set_xticks(np.arange(len(names)) + 0.19, names)
    ax.set(ylabel="test accuracy", ylim=(0, 1), title="CNN front end before the GRU")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "cnn_gru_accuracy.png", dpi=90)
    save_results(out, "05_cnn_gru", {"name": "best test accuracy",
                                     "value": headline, "baseline": 0.1,
                                     "higher_is_better": True}, started, {"rows": rows})


if __name__ == "__main__":
    main()
