"""Polyphonic music: tanh-RNN vs GRU vs LSTM on JSB Chorales (Chung et al., 2014).

    python examples/09_polyphonic_music.py [--data-dir polyphonic/] [--quick]

The sequence-modelling benchmark of Chung, Gulcehre, Cho and Bengio (2014), "Empirical
Evaluation of Gated Recurrent Neural Networks on Sequence Modeling": predict the next step of a
piano roll (88 keys, one quarter note per step) from the steps so far. Each key is an
independent Bernoulli given the past (sigmoid outputs, binary cross-entropy), and the score is
the negative log-likelihood per time step, summed over the 88 keys, in nats. The data are the
Boulanger-Lewandowski et al. (2012) splits (--data-dir, MINIGRU_POLYPHONIC or
../shared/data/polyphonic). Each cell gets about 20k parameters, as in the paper. A model that
predicts each key's training frequency, ignoring the past, scores 11.06 on the test set: the
trivial baseline. The paper reports 8.54 for the GRU on the JSB test set.
"""

from __future__ import annotations

import time

import numpy as np
from common import data_dir, out_dir, parser, save_results, setup, table

import minigru as mg
from minigru import nn


def load_rolls(path, split):
    z = np.load(path, allow_pickle=False)
    notes, nps, sps = z[f"{split}_notes"], z[f"{split}_notes_per_step"], \
        z[f"{split}_steps_per_seq"]
    step_start = np.concatenate([[0], np.cumsum(nps)])
    seq_start = np.concatenate([[0], np.cumsum(sps)])
    rolls = []
    for i in range(len(sps)):
        roll = np.zeros((sps[i], 88), dtype=np.float32)
        for t in range(sps[i]):
            g = seq_start[i] + t
            roll[t, notes[step_start[g]:step_start[g + 1]] - 21] = 1.0
        rolls.append(roll)
    return rolls


def batch(rolls):
    """Inputs x_0..x_{T-2}, targets x_1..x_{T-1}, as padded (T-1, B, 88) arrays and lengths."""
    lengths = np.array([r.shape[0] - 1 for r in rolls])
    T = lengths.max()
    x = np.zeros((T, len(rolls), 88), np.float32)
    y = np.zeros_like(x)
    for b, r in enumerate(rolls):
        x[:lengths[b], b] = r[:-1]
        y[:lengths[b], b] = r[1:]
    return x, y, lengths


class NextStep(nn.Module):
    def __init__(self, cell, hidden):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](88, hidden)
        self.head = nn.Linear(hidden, 88)

    def forward(self, x, lengths):
        out, _ = self.rnn(mg.tensor(x), lengths=lengths)
        return self.head(out)


def nll_per_step(model, rolls, train=False):
    """Summed BCE over keys, averaged over the valid steps (with gradients if ``train``)."""
    x, y, lengths = batch(rolls)
    mask = (np.arange(x.shape[0])[:, None] < lengths[None, :]).astype(np.float32)[:, :, None]
    logits = model(x, lengths)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    return mg.sum(loss * mask) / float(lengths.sum())


def hidden_for(cell, target=20000):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    count = lambda h: gates * (88 * h + h * h + 2 * h) + 88 * h + 88  # noqa: E731
    return min(range(8, 200), key=lambda h: abs(count(h) - target))


def main() -> None:
    args = parser(__doc__).parse_args()
    started = time.time()
    setup(args)
    path = data_dir("polyphonic", args.data_dir) / "jsb_chorales.npz"
    out = out_dir(args, "09_polyphonic_music")
    splits = {s: load_rolls(path, s) for s in ("train", "valid", "test")}
    epochs = 12 if args.quick else 300
    rows, curves, results = [], {}, {}
    for cell in ("rnn", "gru", "lstm"):
        mg.manual_seed(args.seed)
        model = NextStep(cell, hidden_for(cell))
        opt = mg.optim.Adam(model.parameters(), lr=1e-2 if args.quick else 5e-3)
        rng = np.random.default_rng(args.seed)
        best, best_state, curve = np.inf, None, []
        for _ in range(epochs):
            model.train()
            order = rng.permutation(len(splits["train"]))
            for start in range(0, len(order), 16):
                opt.zero_grad()
                loss = nll_per_step(model, [splits["train"][i] for i in order[start:start + 16]])
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
            model.eval()
            with mg.no_grad():
                valid = nll_per_step(model, splits["valid"]).item()
            curve.append(valid)
            if valid < best:
                best, best_state = valid, model.state_dict()
        model.load_state_dict(best_state)
        with mg.no_grad():
            scores = {s: nll_per_step(model, splits[s]).item() for s in splits}
        results[cell] = scores
        curves[cell] = curve
        rows.append([cell, hidden_for(cell), f"{model.num_parameters():,}",
                     f"{scores['train']:.2f}", f"{scores['valid']:.2f}", f"{scores['test']:.2f}"])
        print(f"{cell}: test NLL {scores['test']:.3f}", flush=True)
    train_freq = np.clip(np.concatenate(splits["train"]).mean(0), 1e-6, 1 - 1e-6)
    test_steps = np.concatenate([r[1:] for r in splits["test"]])
    unigram = float(-(test_steps * np.log(train_freq)
                      + (1 - test_steps) * np.log(1 - train_freq)).sum(1).mean())
    rows.append(["note frequencies (baseline)", "", "88", "", "", f"{unigram:.2f}"])
    rows.append(["GRU in Chung et al. (2014)", "", "~20k", "", "", "8.54"])
    print("\n" + table(["model", "hidden", "parameters", "train NLL", "valid NLL", "test NLL"],
                       rows))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for cell, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=cell)
    ax.axhline(unigram, color="gray", ls=":", label="note frequencies")
    ax.set(xlabel="epoch", ylabel="validation NLL per step (nats)", title="JSB Chorales",
           ylim=(7, 13))
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "jsb_learning_curves.png", dpi=90)
    save_results(out, "09_polyphonic_music",
                 {"name": "GRU test NLL per step", "value": results["gru"]["test"],
                  "baseline": unigram, "higher_is_better": False}, started,
                 {"nll": results})


if __name__ == "__main__":
    main()
