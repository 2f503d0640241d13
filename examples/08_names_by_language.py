"""Which language is a surname from? A character-level bidirectional GRU with an Embedding.

    python examples/08_names_by_language.py [--data-dir names/] [--seeds 0 1 2 3 4] [--quick]

Data: one text file per language, one surname per line (the PyTorch char-RNN tutorial's
``data/names``; from --data-dir, MINIGRU_NAMES or ../shared/data/names). Names are reduced to
ASCII as the tutorial does, and each (name, language) pair is kept once, so no name is in both
the training and the test set. Characters -> Embedding(32) -> bidirectional GRU(64) -> last
states of both directions -> Linear -> 18 languages. The classes are unbalanced (about half
the names are Russian), so the table gives the balanced accuracy (mean recall over languages)
beside the plain accuracy, and the majority-class baseline. Each seed (default 0-4) draws its
own split, initial weights and batch order; the table gives the mean ± std over the seeds, the
confusion matrix is summed over them, and the example names are read by the first seed's model.
"""

from __future__ import annotations

import string
import time
import unicodedata

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
from minigru import nn
from minigru.speech.figures import plot_confusion

LETTERS = string.ascii_letters + " .,;'"


def to_ascii(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name)
                   if unicodedata.category(c) != "Mn" and c in LETTERS)


def load_names(root):
    languages = sorted(p.stem for p in root.glob("*.txt"))
    pairs = set()
    for k, lang in enumerate(languages):
        for line in (root / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            name = to_ascii(line.strip())
            if name:
                pairs.add((name, k))
    pairs = sorted(pairs)
    return [p[0] for p in pairs], np.array([p[1] for p in pairs]), languages


def encode(names, vocab):
    lengths = np.array([len(n) for n in names])
    idx = np.zeros((len(names), lengths.max()), dtype=np.int64)
    for i, n in enumerate(names):
        idx[i, :len(n)] = [vocab[c] for c in n]
    return idx, lengths


class NameClassifier(nn.Module):
    def __init__(self, vocab_size: int, classes: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32, padding_idx=0)
        self.gru = nn.GRU(32, 64, batch_first=True, bidirectional=True)
        self.head = nn.Linear(128, classes)

    def forward(self, idx, lengths):
        _, h = self.gru(self.embed(idx), lengths=lengths)
        return self.head(mg.concat([h[0], h[1]], axis=1))


def stratified_split(labels, seed):
    rng = np.random.default_rng(seed)
    parts = {"train": [], "val": [], "test": []}
    for k in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == k))
        n_test = n_val = max(1, len(idx) // 10)
        parts["test"] += idx[:n_test].tolist()
        parts["val"] += idx[n_test:n_test + n_val].tolist()
        parts["train"] += idx[n_test + n_val:].tolist()
    return {k: np.array(sorted(v)) for k, v in parts.items()}


def predict(model, names, vocab):
    idx, lengths = encode(names, vocab)
    with mg.no_grad():
        return nn.functional.softmax(model(idx, lengths), axis=1).numpy()


def train_one(names, labels, languages, vocab, seed: int, quick: bool) -> dict:
    """One seed: a stratified split, a model trained on it (best validation epoch), its test
    accuracy, balanced accuracy, majority baseline and confusion matrix."""
    mg.manual_seed(seed)
    split = stratified_split(labels, seed)
    if quick:
        rng = np.random.default_rng(seed)
        split = {k: np.sort(rng.choice(v, min(len(v), {"train": 3000}.get(k, 500)),
                                       replace=False)) for k, v in split.items()}
    epochs = 3 if quick else 15
    model = NameClassifier(len(vocab) + 1, len(languages))
    opt = mg.optim.Adam(model.parameters(), lr=0.005)
    rng = np.random.default_rng(seed)
    train_idx = split["train"]
    best, best_state = -1.0, None
    for epoch in range(1, epochs + 1):
        model.train()
        order = rng.permutation(train_idx)
        total = 0.0
        for start in range(0, len(order), 64):
            b = order[start:start + 64]
            idx, lengths = encode([names[i] for i in b], vocab)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(idx, lengths), labels[b])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item() * len(b)
        model.eval()
        val = split["val"]
        acc = np.mean(predict(model, [names[i] for i in val], vocab).argmax(1) == labels[val])
        print(f"seed {seed} epoch {epoch:2d}  train loss {total / len(order):.3f}  "
              f"val accuracy {acc:.3f}", flush=True)
        if acc > best:
            best, best_state = acc, model.state_dict()
    model.load_state_dict(best_state)
    test = split["test"]
    pred = predict(model, [names[i] for i in test], vocab).argmax(1)
    confusion = np.zeros((len(languages), len(languages)), dtype=int)
    np.add.at(confusion, (labels[test], pred), 1)
    recall = np.diag(confusion) / np.maximum(confusion.sum(1), 1)
    return {"model": model, "sizes": [len(split[k]) for k in ("train", "val", "test")],
            "accuracy": float(np.mean(pred == labels[test])),
            "balanced": float(recall[confusion.sum(1) > 0].mean()),
            "majority": float(np.max(np.bincount(labels[test])) / len(test)),
            "confusion": confusion}


def main() -> None:
    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    seeds = seeds_of(args)
    root = data_dir("names", args.data_dir)
    out = out_dir(args, "08_names_by_language")
    names, labels, languages = load_names(root)
    vocab = {c: i + 1 for i, c in enumerate(LETTERS)}
    runs = [train_one(names, labels, languages, vocab, seed, args.quick) for seed in seeds]
    n = seeds_label(seeds)
    print("\n" + table(["names (train / val / test)", f"test accuracy ({n}, mean ± std)",
                        "balanced accuracy", "majority-class baseline"],
                       [[" / ".join(str(k) for k in runs[0]["sizes"]),
                         mean_std([r["accuracy"] for r in runs]),
                         mean_std([r["balanced"] for r in runs]),
                         mean_std([r["majority"] for r in runs])]]))
    plot_confusion(sum(r["confusion"] for r in runs), languages, out / "names_confusion.png",
                   f"surnames: test confusion matrix ({n} summed)")
    new = ["Dostoevsky", "Jackson", "Satoshi", "Nguyen", "Schmidt", "Rossi", "Papadopoulos",
           "O'Neill", "Kowalski", "Fernandez"]
    probs = predict(runs[0]["model"], new, vocab)
    rows = []
    for name, p in zip(new, probs, strict=True):
        top = np.argsort(-p)[:3]
        rows.append([name] + [f"{languages[k]} ({p[k]:.2f})" for k in top])
    print("\n" + table([f"name (seed {seeds[0]}'s model)", "1st", "2nd", "3rd"], rows))
    save_results(out, "08_names_by_language",
                 {"name": "test accuracy", "value": float(np.mean([r["accuracy"] for r in runs])),
                  "baseline": float(np.mean([r["majority"] for r in runs])),
                  "higher_is_better": True}, started,
                 {"seeds": seeds, "accuracy": [r["accuracy"] for r in runs],
                  "balanced_accuracy": [r["balanced"] for r in runs]})


if __name__ == "__main__":
    main()
