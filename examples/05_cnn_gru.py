"""A convolutional front end before the GRU (CNN-GRU / CRNN) vs a plain GRU.

    python examples/05_cnn_gru.py [--data-dir FSDD/recordings] [--seeds 0 1 2 3 4] [--quick]

Models: (a) a GRU (64 units) on the MFCCs; (b) a Conv1d over time (64 channels, width 5) ->
ReLU -> MaxPool1d(2) -> bidirectional GRU (64 units). Data: the Free Spoken Digit Dataset
(conventional split; --data-dir, MINIGRU_FSDD or ../shared/data/fsdd), and the synthetic
digits with heavy background noise (SNR drawn from -5 to 5 dB instead of 10 to 30 dB).
Reported: test accuracy (mean ± std over the seeds, default 0-4: each seed draws the initial
weights, dropout masks and batch order; the data are the same for every seed), seconds per
epoch, parameters, and the CNN-GRU against the GRU on each data set, paired by seed.
"""

from __future__ import annotations

import time

import numpy as np
from common import (
    ENV,
    SHARED,
    mean_std,
    out_dir,
    parser,
    save_results,
    seeds_label,
    seeds_of,
    setup,
    table,
)

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


MODELS = ("GRU", "CNN-GRU (bidirectional)")


def build(label: str, features: int):
    if label == "GRU":
        return GRUClassifier(features, 10, 64, dropout=0.3)
    return CNNGRUClassifier(features, 10, channels=64, kernel_size=5, hidden_size=64,
                            dropout=0.3)


def main() -> None:
    import os

    from minigru.speech.compare import describe, paired_t

    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    seeds = seeds_of(args)
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
    acc = {(d, m): [] for d in datasets for m in MODELS}
    per_epoch = {(d, m): [] for d in datasets for m in MODELS}
    params = {}
    for seed in seeds:
        for name, d in datasets.items():
            for label in MODELS:
                mg.manual_seed(seed)
                model = build(label, d["train"].feature_size)
                r = fit_and_test(model, d["train"], d["val"], d["test"], epochs=epochs,
                                 seed=seed)
                acc[(name, label)].append(r["test_accuracy"])
                per_epoch[(name, label)].append(r["train_seconds"] / r["epochs"])
                params[label] = model.num_parameters()
                print(f"seed {seed} {name}: {label}: {r['test_accuracy']:.4f}", flush=True)
    n = seeds_label(seeds)
    rows = [[name, label, f"{params[label]:,}", f"{np.mean(per_epoch[(name, label)]):.2f}",
             mean_std(acc[(name, label)], "{:.4f}")] for name in datasets for label in MODELS]
    print("\n" + table(["data", "model", "parameters", "s / epoch",
                        f"test accuracy ({n}, mean ± std)"], rows))
    paired = {}
    if len(seeds) > 1:
        paired = {name: paired_t(acc[(name, MODELS[0])], acc[(name, MODELS[1])])
                  for name in datasets}
        print("\n" + table(["data", "CNN-GRU − GRU, paired by seed: mean ± sd "
                                    "[95% interval], p"],
                           [[name, describe(row)] for name, row in paired.items()]))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(datasets)
    fig, axes = plt.subplots(1, len(names), figsize=(3.8 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        values = np.array([acc[(name, label)] for label in MODELS])
        for k in range(values.shape[1]):
            ax.plot([0, 1], values[:, k], "o-", color="gray", alpha=0.6)
        ax.plot([0, 1], values.mean(axis=1), "s-", color="C3", lw=2, label="mean")
        ax.set_xticks([0, 1], ["GRU", "CNN-GRU"])
        ax.set(xlim=(-0.4, 1.4), ylabel="test accuracy", title=f"{name} ({n})")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "cnn_gru_accuracy.png", dpi=90)
    headline = max(float(np.mean(v)) for v in acc.values())
    save_results(out, "05_cnn_gru", {"name": "best mean test accuracy",
                                     "value": headline, "baseline": 0.1,
                                     "higher_is_better": True}, started,
                 {"seeds": seeds, "test_accuracy": {f"{d} / {m}": v for (d, m), v in acc.items()},
                  "paired_cnn_minus_gru": paired})


if __name__ == "__main__":
    main()
