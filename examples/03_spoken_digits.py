"""A GRU recognises spoken digits: the Free Spoken Digit Dataset, two ways of splitting it.

    python examples/03_spoken_digits.py [--data-dir FSDD/recordings] [--seeds 0 1 2 3 4] [--quick]

The data path comes from --data-dir, MINIGRU_FSDD, or ../shared/data/fsdd.

1. The conventional split (takes 0-4 of every speaker and digit are the test set): accuracy and
   the confusion matrix.
2. Speaker-independent: for each speaker in turn, train on all the others and test on that one
   speaker's 500 recordings, a voice the model has never heard.

Each seed (default 0-4) draws its own initial weights, early-stopping split and batch order;
the tables give the mean ± std over the seeds, per held-out speaker, and of each seed's mean
and worst speaker. The confusion matrix is summed over the seeds.
"""

from __future__ import annotations

import time

import numpy as np
from common import (
    data_dir,
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
from minigru.data import SpokenDigitFolder, limit_per_class
from minigru.speech.datasets import cache_dir
from minigru.speech.figures import plot_confusion
from minigru.speech.models import GRUClassifier
from minigru.speech.run import fit_and_test


def train_and_test(train, test, seed, epochs):
    """A GRU classifier trained on ``train`` (10% held out for early stopping), tested on
    ``test``."""
    order = np.random.default_rng(seed).permutation(len(train))
    n_val = max(10, len(train) // 10)
    val, fit = train.subset(sorted(order[:n_val])), train.subset(sorted(order[n_val:]))
    mg.manual_seed(seed)
    model = GRUClassifier(train.feature_size, 10, hidden_size=64, dropout=0.3)
    r = fit_and_test(model, fit, val, test, epochs=epochs, seed=seed)
    return {"accuracy": r["test_accuracy"], "confusion": r["confusion"]}


def main() -> None:
    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    seeds = seeds_of(args)
    root = data_dir("fsdd", args.data_dir)
    out = out_dir(args, "03_spoken_digits")
    spec = mg.audio.DEFAULT_PIPELINE
    cache = cache_dir()
    limit = 8 if args.quick else None
    epochs = 6 if args.quick else 30

    everything = SpokenDigitFolder(root, "all", features=spec, cache_dir=cache)
    speakers = sorted(set(everything.speakers))
    index = np.array([int(n.rsplit("_", 1)[1][:-4]) for n in everything.names])
    train = limit_per_class(everything.subset(np.flatnonzero(index > 4)), limit and 4 * limit)
    test = limit_per_class(everything.subset(np.flatnonzero(index <= 4)), limit)
    spk = np.array(everything.speakers)
    held_out = speakers[:2] if args.quick else speakers
    folds = {s: (limit_per_class(everything.subset(np.flatnonzero(spk != s)), limit and 4 * limit),
                 limit_per_class(everything.subset(np.flatnonzero(spk == s)), limit))
             for s in held_out}

    conventional, confusion = [], 0
    loso = {s: [] for s in held_out}
    for seed in seeds:
        result = train_and_test(train, test, seed, epochs)
        conventional.append(result["accuracy"])
        confusion = confusion + result["confusion"]
        for s, (tr, te) in folds.items():
            loso[s].append(train_and_test(tr, te, seed, epochs)["accuracy"])
        print(f"seed {seed}: conventional {result['accuracy']:.4f}, leave one speaker out "
              + ", ".join(f"{s} {loso[s][-1]:.4f}" for s in held_out), flush=True)

    n = seeds_label(seeds)
    print("\n1. Conventional split (takes 0-4 are the test set)")
    print(table(["train", "test", f"test accuracy ({n}, mean ± std)"],
                [[len(train), len(test), mean_std(conventional, "{:.4f}")]]))
    plot_confusion(confusion, [str(d) for d in range(10)], out / "fsdd_confusion.png",
                   f"FSDD test split, GRU ({n} summed)")

    print("\n2. Speaker-independent: leave one speaker out")
    per_seed = np.array([loso[s] for s in held_out])
    rows = [[s, len(tr), len(te), mean_std(loso[s], "{:.4f}")]
            for s, (tr, te) in folds.items()]
    rows.append(["mean of the speakers", "", "", mean_std(per_seed.mean(axis=0), "{:.4f}")])
    rows.append(["worst speaker", "", "", mean_std(per_seed.min(axis=0), "{:.4f}")])
    print(table(["held-out speaker", "train", "test", f"accuracy ({n}, mean ± std)"], rows))
    save_results(out, "03_spoken_digits",
                 {"name": "test accuracy, conventional split",
                  "value": float(np.mean(conventional)), "baseline": 0.1,
                  "higher_is_better": True}, started,
                 {"seeds": seeds, "conventional": conventional, "speaker_independent": loso})


if __name__ == "__main__":
    main()
