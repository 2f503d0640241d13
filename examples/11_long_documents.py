"""Which party gave the speech? A word-level GRU over whole convention speeches, beside a
bag-of-words logistic regression.

    python examples/11_long_documents.py [--data-dir speeches/] [--quick] [--folds 5]

Data: 189 speeches of the 2012 US party conventions (``../shared/data/speeches``, its README;
from --data-dir or MINIGRU_SPEECHES), 123 Democratic and 66 Republican, median about 750 words
and up to 5,900. Speaker tags ("BARACK OBAMA:") can give the party away, so every model runs
twice: with the tags and stage directions removed (``mg.data.strip_transcript_markup``), and
kept.

Models, in every fold of a stratified k-fold cross-validation (the vocabulary built from the
training fold alone; a tenth of it held out to pick the best epoch):

- ``bow-logreg``: binary bag of words (the training fold's words seen at least twice) ->
  logistic regression (minigru's Linear, AdamW with weight decay), the classic baseline;
- ``gru-mean``, ``gru-last``, ``gru-attention``: words -> Embedding(64) -> GRU(64) over the
  whole document (up to --max-words, 6,000 by default: every speech whole) with full
  backpropagation through time -> mean, last-state or additive-attention pooling -> Linear
  (``mg.nn.TextClassifier``). All three run with the tags removed; with the tags kept, the
  poolings of --kept-poolings (mean by default), to keep the run under an hour on 2 cores.

Writes ``results.csv`` (model, tags, fold, seed, accuracy: the layout of
docs/results/speeches.csv), a table of mean ± std, and two figures of what the GRU does over
a 1,000+ word speech: how far each word moves its state, and the gradient of the decision
with respect to each word's embedding, through all the steps.
"""

from __future__ import annotations

import csv
import json
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from common import data_dir, mean_std, out_dir, parser, save_results, setup, table  # noqa: E402

import minigru as mg  # noqa: E402
from minigru import nn  # noqa: E402
from minigru.data import (  # noqa: E402
    Vocabulary,
    pad,
    stratified_folds,
    strip_transcript_markup,
    tokenize,
)

PARTIES = ["democrat", "republican"]


def load_speeches(root):
    rows = [json.loads(line) for line in (root / "speeches.jsonl").read_text().splitlines()
            if line.strip()]
    return [r["text"] for r in rows], np.array([PARTIES.index(r["party"]) for r in rows])


def documents(texts, tags):
    return [tokenize(t if tags == "kept" else strip_transcript_markup(t)) for t in texts]


def split_val(train, labels, seed):
    """A stratified tenth of the training fold for early stopping."""
    (fit, val), *_ = stratified_folds(labels[train], 10, seed)
    return train[fit], train[val]


def accuracy(logits, y):
    return float(np.mean(logits.argmax(1) == y))


def train_bow(docs, labels, fit, val, test, epochs):
    vocab = Vocabulary.build([set(docs[i]) for i in fit], min_count=2)

    def features(idx):
        out = np.zeros((len(idx), len(vocab)), dtype=np.float32)
        for row, i in enumerate(idx):
            out[row, vocab.encode(sorted(set(docs[i])))] = 1.0
        return out

    xf, xv, xt = features(fit), features(val), features(test)
    model = nn.Linear(len(vocab), 2)
    opt = mg.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05)
    best, state = -1.0, None
    for _ in range(epochs):
        opt.zero_grad()
        nn.functional.cross_entropy(model(mg.tensor(xf)), labels[fit]).backward()
        opt.step()
        with mg.no_grad():
            acc = accuracy(model(mg.tensor(xv)).numpy(), labels[val])
        if acc >= best:
            best, state = acc, model.state_dict()
    model.load_state_dict(state)
    with mg.no_grad():
        return accuracy(model(mg.tensor(xt)).numpy(), labels[test])


def batches(idx, tokens, lengths, size, rng=None):
    order = idx if rng is None else rng.permutation(idx)
    for start in range(0, len(order), size):
        b = order[start:start + size]
        b = b[np.argsort(-lengths[b])]
        T = int(lengths[b].max())
        yield b, tokens[b, :T], lengths[b]


def train_gru(docs, labels, fit, val, test, pooling, args, seed):
    vocab = Vocabulary.build([docs[i] for i in fit], min_count=2)
    tokens, lengths = pad([vocab.encode(d) for d in docs], args.max_words)
    mg.manual_seed(seed)
    model = nn.TextClassifier(len(vocab), 2, 64, 64, pooling=pooling, dropout=0.3)
    opt = mg.optim.Adam(model.parameters(), lr=0.003)
    rng = np.random.default_rng(seed)

    def evaluate(idx):
        model.eval()
        right = 0
        with mg.no_grad():
            for b, tok, lens in batches(idx, tokens, lengths, 32):
                right += int(np.sum(model(tok, lens).numpy().argmax(1) == labels[b]))
        return right / len(idx)

    best, state = -1.0, None
    for _ in range(args.epochs):
        model.train()
        for b, tok, lens in batches(fit, tokens, lengths, 16, rng):
            opt.zero_grad()
            nn.functional.cross_entropy(model(tok, lens), labels[b]).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
        acc = evaluate(val)
        if acc >= best:
            best, state = acc, model.state_dict()
    model.load_state_dict(state)
    return evaluate(test), model, vocab


def what_the_gru_does(model, vocab, doc, label, out):
    """Two figures over one long speech: the state's movement per word, and |dL/dx_t|."""
    ids = vocab.encode(doc)[None, :]
    n = ids.shape[1]
    trace = model.trace(ids[0], n)
    model.eval()
    emb = model.embed(ids)
    emb_t = mg.tensor(emb.numpy(), requires_grad=True)
    logits = model.head(model.pool(model.rnn(mg.transpose(emb_t, 1, 0, 2),
                                             lengths=[n])[0], [n]))
    loss = nn.functional.cross_entropy(logits, np.array([label]))
    (g,) = mg.grad(loss, [emb_t])
    grad_norm = np.linalg.norm(g[0], axis=1)
    fig, (a, b) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    a.plot(trace["step"], lw=0.6)
    a.set_ylabel("||h_t - h_{t-1}||")
    a.set_title(f"one speech of {n} words: how far each word moves the GRU's state")
    b.semilogy(grad_norm + 1e-30, lw=0.6, color="tab:red")
    b.set_ylabel("||dL / d embedding_t||")
    b.set_xlabel("word t")
    b.set_title("the gradient of the decision reaching each word, through every later step")
    fig.tight_layout()
    fig.savefig(out / "speech_trace.png", dpi=110)
    plt.close(fig)
    top = np.argsort(-trace["step"])[:12]
    return [doc[t] for t in sorted(top)], grad_norm


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--max-words", type=int, default=6000)
    p.add_argument("--poolings", default="mean,last,attention")
    p.add_argument("--kept-poolings", default="mean",
                   help="the GRU poolings also run with the speaker tags kept")
    args = p.parse_args()
    started = time.time()
    setup(args)
    root = data_dir("speeches", args.data_dir)
    out = out_dir(args, "11_long_documents")
    texts, labels = load_speeches(root)
    poolings = args.poolings.split(",")
    kept = [p for p in args.kept_poolings.split(",") if p in poolings]
    tag_modes = ["removed", "kept"]
    if args.quick:
        args.folds, args.epochs, args.max_words = 2, 10, 600
        poolings, tag_modes = ["mean"], ["removed"]
    rows, results = [], []
    for tags in tag_modes:
        docs = documents(texts, tags)
        for fold, (train, test) in enumerate(stratified_folds(labels, args.folds, args.seed)):
            fit, val = split_val(train, labels, args.seed)
            acc = train_bow(docs, labels, fit, val, test, 60 if args.quick else 200)
            results.append(("bow-logreg", tags, fold, args.seed, acc))
            print(f"tags {tags:7}  fold {fold}  bow-logreg     {acc:.3f}", flush=True)
            for pooling in (poolings if tags == "removed" else kept):
                t0 = time.time()
                acc, model, vocab = train_gru(docs, labels, fit, val, test, pooling, args,
                                              args.seed)
                results.append((f"gru-{pooling}", tags, fold, args.seed, acc))
                print(f"tags {tags:7}  fold {fold}  gru-{pooling:10} {acc:.3f}  "
                      f"({time.time() - t0:.0f} s)", flush=True)
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "tags", "fold", "seed", "accuracy"])
        w.writerows(results)
    summary = {}
    for model_name in ["bow-logreg"] + [f"gru-{p}" for p in poolings]:
        for tags in tag_modes:
            accs = [r[4] for r in results if r[0] == model_name and r[1] == tags]
            if accs:
                summary[(model_name, tags)] = accs
                rows.append([model_name, tags, mean_std(accs), len(accs)])
    majority = float(np.bincount(labels).max() / labels.size)
    print("\n" + table(["model", "speaker tags", "accuracy (mean ± std over folds)", "folds"],
                       rows))
    print(f"\nmajority class (democrat): {majority:.3f}")
    docs = documents(texts, "removed")
    long_one = int(np.argmax([len(d) if len(d) < 2500 else 0 for d in docs]))
    best_gru = max((p for p in poolings), key=lambda p: np.mean(summary[(f"gru-{p}", "removed")]))
    acc, model, vocab = train_gru(docs, labels, np.setdiff1d(np.arange(len(docs)), [long_one]),
                                  np.array([long_one]), np.array([long_one]), best_gru, args,
                                  args.seed)
    words, grad_norm = what_the_gru_does(model, vocab, docs[long_one], labels[long_one], out)
    print(f"\nspeech {long_one} ({len(docs[long_one])} words): the words that move the state "
          f"most: {', '.join(words)}; the gradient reaching the first 100 words is "
          f"{np.mean(grad_norm[:100]) / np.mean(grad_norm[-100:]):.2g} times that reaching the "
          f"last 100")
    gru_best = max(np.mean(summary[(f"gru-{p}", "removed")]) for p in poolings)
    bow = float(np.mean(summary[("bow-logreg", "removed")]))
    save_results(out, "11_long_documents",
                 {"name": "best GRU accuracy, tags removed", "value": float(gru_best),
                  "baseline": majority, "higher_is_better": True}, started,
                 {"bow_logreg_tags_removed": bow, "folds": args.folds, "epochs": args.epochs})


if __name__ == "__main__":
    main()
