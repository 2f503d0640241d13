"""Transcribing digit strings with a bidirectional GRU and CTC.

    python examples/06_ctc_digit_strings.py [--data-dir FSDD/recordings] [--seeds 0 1 2 3 4]
        [--quick]

Utterances of 2 to 5 digits are made by joining Free Spoken Digit Dataset clips with short
random gaps and background noise: training strings only from training-split clips (takes
5-49), test strings only from test-split clips (takes 0-4). A bidirectional GRU emits
posteriors over blank + 10 digits for every pair of frames, trained with the CTC loss (no
alignment needed);
its output is decoded greedily (best path) and by prefix beam search. Reported: the digit
error rate (edit distance / number of reference digits), and the share of strings transcribed
exactly, for each seed (the seed draws the strings, the initial weights and the batch order),
their mean ± std over the seeds, and beam search against greedy decoding paired by seed.
Predicting nothing gives a digit error rate of 1.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from common import data_dir, mean_std, out_dir, parser, save_results, seeds_of, setup, table

import minigru as mg
from minigru import nn
from minigru.audio import FeaturePipeline, load_wav
from minigru.data import pad_batch
from minigru.speech.compare import describe, paired_t
from minigru.speech.models import CTCRecogniser


def edit_distance(a: list[int], b: list[int]) -> int:
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(b)]


def load_clips(root: Path) -> dict[str, list[tuple[np.ndarray, int]]]:
    clips: dict[str, list[tuple[np.ndarray, int]]] = {"train": [], "test": []}
    for f in sorted(root.glob("*.wav")):
        digit, _, index = f.stem.split("_")
        signal, _ = load_wav(f)
        clips["test" if int(index) <= 4 else "train"].append((signal, int(digit)))
    return clips


def make_strings(clips, n, rng, max_digits=5, sr=8000):
    """n utterances of 2..max_digits digits: (signal, digits)."""
    out = []
    for _ in range(n):
        k = rng.integers(2, max_digits + 1)
        parts, digits = [np.zeros(int(rng.uniform(0.05, 0.2) * sr))], []
        for _ in range(k):
            signal, digit = clips[rng.integers(len(clips))]
            parts += [signal / (np.abs(signal).max() + 1e-9) * 0.5,
                      np.zeros(int(rng.uniform(0.05, 0.25) * sr))]
            digits.append(digit)
        x = np.concatenate(parts)
        power = np.mean(x**2)
        x = x + rng.standard_normal(x.size) * np.sqrt(power / 10 ** (rng.uniform(15, 30) / 10))
        out.append((x.astype(np.float32), digits))
    return out


def featurize(strings, spec, stack=2):
    """MFCCs with every ``stack`` consecutive frames joined into one (half the frame rate:
    shorter sequences for the GRU, and still several frames per digit for CTC)."""
    out = []
    for f, (_, d) in zip(spec.batch([s for s, _ in strings], 8000), strings, strict=True):
        n = f.shape[0] // stack * stack
        out.append((f[:n].reshape(n // stack, -1).astype(np.float32), d))
    return out


def batch_of(items):
    b = pad_batch([(f, 0) for f, _ in items])
    targets = np.zeros((len(items), max(len(d) for _, d in items)), dtype=np.int64)
    for i, (_, d) in enumerate(items):
        targets[i, :len(d)] = np.array(d) + 1
    return b, targets, np.array([len(d) for _, d in items])


def score(model, items, beam):
    errors = words = exact = 0
    for start in range(0, len(items), 64):
        chunk = items[start:start + 64]
        b, _, _ = batch_of(chunk)
        hyps = model.decode(b.x, b.lengths, beam_width=beam)
        for hyp, (_, ref) in zip(hyps, chunk, strict=True):
            hyp = [h - 1 for h in hyp]
            errors += edit_distance(hyp, ref)
            words += len(ref)
            exact += hyp == ref
    return errors / words, exact / len(items)


def train_and_score(clips, seed: int, quick: bool) -> dict:
    """One run: strings drawn, model initialised and batches ordered by ``seed``; the test
    digit error rate and exact-string rate of both decoders, the model and the test set."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_train, n_test, epochs = (300, 40, 8) if quick else (2000, 300, 8)
    max_digits = 3 if quick else 5
    spec = FeaturePipeline(cmvn=True)
    train = featurize(make_strings(clips["train"], n_train, rng, max_digits), spec)
    test = featurize(make_strings(clips["test"], n_test, rng, max_digits), spec)
    model = CTCRecogniser(2 * spec.size, 11, hidden_size=64 if quick else 128, num_layers=1)
    opt = mg.optim.Adam(model.parameters(), lr=0.01 if quick else 0.005)
    order_rng = np.random.default_rng(seed + 1)
    for epoch in range(1, epochs + 1):
        model.train()
        order = order_rng.permutation(len(train))
        total = 0.0
        for start in range(0, len(order), 32):
            b, targets, target_lengths = batch_of([train[i] for i in order[start:start + 32]])
            opt.zero_grad()
            loss = nn.functional.ctc_loss(model(b.x, b.lengths), targets, b.lengths,
                                          target_lengths)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item() * len(b)
        print(f"seed {seed} epoch {epoch:2d}  CTC loss {total / len(train):.4f}", flush=True)
    model.eval()
    greedy_der, greedy_exact = score(model, test, 0)
    beam_der, beam_exact = score(model, test, 8)
    return {"seed": seed, "greedy_der": greedy_der, "greedy_exact": greedy_exact,
            "beam_der": beam_der, "beam_exact": beam_exact, "model": model, "test": test}


def main() -> None:
    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    root = data_dir("fsdd", args.data_dir)
    root = root / "recordings" if (root / "recordings").is_dir() else root
    out = out_dir(args, "06_ctc_digit_strings")
    seeds = seeds_of(args)
    clips = load_clips(root)
    runs = [train_and_score(clips, seed, args.quick) for seed in seeds]
    keys = ("greedy_der", "greedy_exact", "beam_der", "beam_exact")
    values = {k: [r[k] for r in runs] for k in keys}
    print("\n" + table(["seed", "greedy digit error rate", "beam digit error rate",
                         "greedy exact", "beam exact"],
                        [[r["seed"], f"{r['greedy_der']:.4f}", f"{r['beam_der']:.4f}",
                          f"{r['greedy_exact']:.3f}", f"{r['beam_exact']:.3f}"] for r in runs]))
    print("\n" + table([f"decoding ({len(seeds)} seeds, mean ± std)", "digit error rate",
                         "strings exactly right"],
                        [["greedy (best path)", mean_std(values["greedy_der"], "{:.4f}"),
                          mean_std(values["greedy_exact"])],
                         ["prefix beam search, width 8", mean_std(values["beam_der"], "{:.4f}"),
                          mean_std(values["beam_exact"])],
                         ["predict nothing (baseline)", "1.0000", "0.000"]]))
    paired = {}
    if len(seeds) > 1:
        paired = {"digit error rate": paired_t(values["greedy_der"], values["beam_der"]),
                  "strings exactly right": paired_t(values["greedy_exact"],
                                                    values["beam_exact"])}
        print("\n" + table(["beam search − greedy, paired by seed", "mean ± sd [95% interval], p"],
                            [[k, describe(v)] for k, v in paired.items()]))
    model, test = runs[0]["model"], runs[0]["test"]
    b, _, _ = batch_of(test[:1])
    with mg.no_grad():
        post = np.exp(model(b.x, b.lengths).numpy()[:, 0])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.imshow(post.T, aspect="auto", origin="lower", cmap="viridis")
    ax.set_yticks(range(11), ["blank"] + [str(d) for d in range(10)])
    ax.set(xlabel="frame", title=f"CTC posteriors for the digits {test[0][1]} (seed {seeds[0]})")
    fig.tight_layout()
    fig.savefig(out / "ctc_posteriors.png", dpi=80)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for i, r in enumerate(runs):
        ax.plot([0, 1], [100 * r["greedy_der"], 100 * r["beam_der"]], "o-", color=f"C{i}",
                label=f"seed {r['seed']}")
    ax.set_xticks([0, 1], ["greedy", "beam, width 8"])
    ax.set(ylabel="digit error rate (%)", title="CTC decoding, paired by seed")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "ctc_seeds.png", dpi=80)
    save_results(out, "06_ctc_digit_strings",
                 {"name": "digit error rate (greedy, mean over seeds)",
                  "value": float(np.mean(values["greedy_der"])), "baseline": 1.0,
                  "higher_is_better": False}, started,
                 {"beam_der": float(np.mean(values["beam_der"])), "seeds": seeds,
                  "runs": [{k: r[k] for k in ("seed", *keys)} for r in runs],
                  "paired_beam_minus_greedy": paired})


if __name__ == "__main__":
    main()
