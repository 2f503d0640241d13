"""Long dependencies: the adding problem, where gating matters.

    python examples/07_long_dependencies.py [--seeds 0 1 2 3 4] [--quick]

Each input is T steps of two channels: a random number in [0, 1), and a marker that is 1 at two
steps (one in each half of the sequence) and 0 elsewhere. The target is the sum of the two
marked numbers, known only after the last step. Predicting the average sum, 1, gives a mean
squared error of Var(u1 + u2) = 2/12 = 0.167: that is the trivial baseline a model must beat.

For T = 50, 100, 200 a tanh-RNN, a GRU and an LSTM (same hidden size) are trained with Adam on
fresh batches; the table gives the test MSE, and the figures show the learning curves and the
norm of dL/dh_t over t: the gradient that reaches early steps, which the plain RNN loses.

Each seed (default 0-4) draws its own initial weights and training batches (the test set of
each length is the same for every seed). The tables give the test MSE as mean ± std over the
seeds, in how many seeds each cell solved each length (test MSE below 0.01, a sixteenth of
the baseline), and the GRU against the LSTM paired by seed. The figure draws every seed's
learning curve and the first seed's gradients.
"""

from __future__ import annotations

import time

import numpy as np
from common import mean_std, out_dir, parser, save_results, seeds_label, seeds_of, setup, table

import minigru as mg
from minigru import nn

BASELINE = 2 / 12
SOLVED = 0.01
CELLS = ("rnn", "gru", "lstm")


def adding_batch(rng: np.random.Generator, T: int, B: int) -> tuple[np.ndarray, np.ndarray]:
    values = rng.random((T, B))
    marks = np.zeros((T, B))
    first = rng.integers(0, T // 2, B)
    second = rng.integers(T // 2, T, B)
    marks[first, np.arange(B)] = 1
    marks[second, np.arange(B)] = 1
    x = np.stack([values, marks], axis=2).astype(np.float32)
    y = (values[first, np.arange(B)] + values[second, np.arange(B)]).astype(np.float32)
    return x, y


class Regressor(nn.Module):
    def __init__(self, cell: str, hidden: int) -> None:
        super().__init__()
        cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.cell = cell
        self.rnn = cls(2, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        _, state = self.rnn(mg.tensor(x))
        h = state[0] if isinstance(state, tuple) else state
        return self.head(h[-1]).reshape(-1)


def train(cell: str, T: int, steps: int, hidden: int, seed: int, batch: int = 64):
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Regressor(cell, hidden)
    opt = mg.optim.Adam(model.parameters(), lr=3e-3)
    curve = []
    for _ in range(steps):
        x, y = adding_batch(rng, T, batch)
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        curve.append(loss.item())
    x, y = adding_batch(np.random.default_rng(10_000 + T), T, 1000)
    with mg.no_grad():
        test = float(np.mean((model(x).numpy() - y) ** 2))
    return model, np.array(curve), test


def gradient_over_time(model: Regressor, T: int) -> np.ndarray:
    """||dL/dh_t|| (averaged over a batch) for t = 0 .. T-1, by unrolling the composed cell that
    shares the trained layer's weights, and keeping every state's gradient."""
    r = model.rnn
    if model.cell == "gru":
        cell = nn.GRUCell(2, r.hidden_size)
    elif model.cell == "lstm":
        cell = nn.LSTMCell(2, r.hidden_size)
    else:
        cell = nn.RNNCell(2, r.hidden_size)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        setattr(cell, name, getattr(r, f"{name}_l0"))
    x, y = adding_batch(np.random.default_rng(7), T, 32)
    state, hs = None, []
    for t in range(T):
        state = cell(mg.tensor(x[t]), state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        hs.append(h)
    loss = nn.functional.mse_loss(model.head(hs[-1]).reshape(-1), y)
    loss.backward()
    return np.array([np.linalg.norm(h.grad, axis=1).mean() for h in hs])


def main() -> None:
    from minigru.speech.compare import describe, paired_t

    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    seeds = seeds_of(args)
    out = out_dir(args, "07_long_dependencies")
    lengths = [50] if args.quick else [50, 100, 200]
    steps = 600 if args.quick else 3000
    hidden = 32
    results = {(c, T): [] for T in lengths for c in CELLS}
    curves = {(c, T): [] for T in lengths for c in CELLS}
    grads = {}
    for seed in seeds:
        for T in lengths:
            for cell in CELLS:
                model, curve, test = train(cell, T, steps, hidden, seed)
                results[(cell, T)].append(test)
                curves[(cell, T)].append(curve)
                if seed == seeds[0]:
                    grads[(cell, T)] = gradient_over_time(model, T)
                print(f"seed {seed} T={T:3d} {cell:4s} test MSE {test:.4f}", flush=True)
    n = seeds_label(seeds)
    rows = [[cell] + [mean_std(results[(cell, T)], "{:.4f}") for T in lengths] for cell in CELLS]
    rows.append(["predict 1 (baseline)"] + [f"{BASELINE:.4f}"] * len(lengths))
    print("\n" + table([f"test MSE, hidden 32 ({n}, mean ± std)"]
                       + [f"T = {T}" for T in lengths], rows))
    solved = {k: int(np.sum(np.array(v) < SOLVED)) for k, v in results.items()}
    rows = [[cell] + [f"{solved[(cell, T)]} of {len(seeds)}" for T in lengths] for cell in CELLS]
    print("\n" + table([f"solved (test MSE < {SOLVED})"] + [f"T = {T}" for T in lengths], rows))
    paired = {}
    if len(seeds) > 1:
        paired = {T: paired_t(results[("lstm", T)], results[("gru", T)]) for T in lengths}
        print("\n" + table(["T", "GRU − LSTM test MSE, paired by seed: mean ± sd "
                                 "[95% interval], p"],
                           [[T, describe(paired[T])] for T in lengths]))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = dict(zip(CELLS, ("C0", "C1", "C2"), strict=True))
    fig, axes = plt.subplots(2, len(lengths), figsize=(4.5 * len(lengths), 7), squeeze=False)
    for j, T in enumerate(lengths):
        ax = axes[0, j]
        for cell in CELLS:
            for k, c in enumerate(curves[(cell, T)]):
                smooth = np.convolve(c, np.ones(25) / 25, mode="valid")
                ax.plot(smooth, color=colours[cell], alpha=0.6, lw=1,
                        label=cell if k == 0 else None)
        ax.axhline(BASELINE, color="gray", ls=":", label="baseline 0.167")
        ax.set(title=f"adding problem, T = {T} ({n})", xlabel="step", ylabel="training MSE",
               ylim=(0, 0.3))
        ax.legend()
        ax = axes[1, j]
        for cell in CELLS:
            ax.semilogy(grads[(cell, T)] + 1e-30, color=colours[cell], label=cell)
        ax.set(xlabel="step t", ylabel="mean ||dL/dh_t||",
               title=f"gradient reaching step t (seed {seeds[0]})")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "adding_problem.png", dpi=80)
    print(f"figure: {out / 'adding_problem.png'}")
    save_results(out, "07_long_dependencies",
                 {"name": f"GRU test MSE at T = {lengths[0]}",
                  "value": float(np.mean(results[("gru", lengths[0])])), "baseline": BASELINE,
                  "higher_is_better": False}, started,
                 {"seeds": seeds,
                  "test_mse": {f"{c}_T{T}": v for (c, T), v in results.items()},
                  "paired_gru_minus_lstm": {str(T): v for T, v in paired.items()}})


if __name__ == "__main__":
    main()
