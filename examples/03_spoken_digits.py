"""A GRU recognises spoken digits: the Free Spoken Digit Dataset, two ways of splitting it.

    python examples/03_spoken_digits.py [--data-dir FSDD/recordings] [--quick]

The data path comes from --data-dir, MINIGRU_FSDD, or ../shared/data/fsdd.

1. The conventional split (takes 0-4 of every speaker and digit are the test set): accuracy and
   the confusion matrix.
2. Speaker-independent: for each speaker in turn, train on all the others and test on that one
   speaker's 500 recordings, a voice the model has never heard.
"""

from __future__ import annotations

import time

import numpy as np
from common import data_dir, mean_std, out_dir, parser, save_results, setup, table

import minigru as mg
from minigru.data import SpokenDigitFolder, limit_per_class
from minigru.speech.datasets import cache_dir
from minigru.speech.figures import plot_confusion
from minigru.speech.models import GRUClassifier
from minigru.speech.run import fit_and_test


def train_and_test(train, test, args, epochs):
    """A GRU classifier trained on ``train`` (10% held out for early stopping), tested on
    ``test``."""
    order = np.random.default_rng(args.seed).permutation(len(train))
    n_val = max(10, len(train) // 10)
    val, fit = train.subset(sorted(order[:n_val])), train.subset(sorted(order[n_val:]))
    mg.manual_seed(args.seed)
    model = GRUClassifier(train.feature_size, 10, hidden_size=64, dropout=0.3)
    r = fit_and_test(model, fit, val, test, epochs=epochs, seed=args.seed)
    return {"accuracy": r["test_accuracy"], "confusion": r["confusion"]}


def main() -> None:
    args = parser(__doc__).parse_args()
    started = time.time()
    setup(args)
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
    result = train_and_test(train, test, args, epochs)
    print("1. Conventional split (takes 0-4 are the test set)")
    print(table(["train", "test", "test accuracy"],
                [[len(train), len(test), f"{result['accuracy']:.4f}"]]))
    plot_confusion(result["confusion"], [str(d) for d in range(10)],
                   out / "fsdd_confusion.png", "FSDD test split, GRU")

    print("\n2. Speaker-independent: leave one speaker out")
    spk = np.array(everything.speakers)
    held_out = speakers[:2] if args.quick else speakers
    rows, accs = [], []
    for s in held_out:
        tr = limit_per_class(everything.subset(np.flatnonzero(spk != s)), limit and 4 * limit)
        te = limit_per_class(everything.subset(np.flatnonzero(spk == s)), limit)
        r = train_and_test(tr, te, args, epochs)
        accs.append(r["accuracy"])
        rows.append([s, len(tr), len(te), f"{r['accuracy']:.4f}"])
        print(f"   {s}: {r['accuracy']:.4f}", flush=True)
    rows.append(["mean ± std", "", "", mean_std(accs, "{:.4f}")])
    print(table(["held-out speaker", "train", "test", "accuracy"], rows))
    save_results(out, "03_spoken_digits",
                 {"name": "test accuracy, conventional split", "value": result["accuracy"],
                  "baseline": 0.1, "higher_is_better": True}, started,
                 {"speaker_independent": dict(zip(held_out, accs, strict=True))})


if __name__ == "__main__":
    main()
