"""Draw the figures of docs/gru.md: one GRU step as a computation graph with its backward
edges, and the norm of a product of step Jacobians along spoken-digit sequences.

    python docs/figures/make_math_figures.py [--out docs/figures]

The Jacobians are taken by autograd through the composed cells (``mg.nn.GRUCell``,
``mg.nn.RNNCell``), one backward pass per hidden unit and step: an independent computation of
the formulas the page checks by finite differences. The models are a GRU and a tanh-RNN of 32
units trained for a few epochs on the built-in spoken digits (``SyntheticDigits``, 13 MFCCs
and deltas).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.data import SyntheticDigits  # noqa: E402
from minigru.speech.models import GRUClassifier  # noqa: E402
from minigru.speech.run import fit_and_test  # noqa: E402

NODES = {"x_t": (0.0, 2.0), "h": (0.0, 0.0), "a_r": (2.0, 3.0), "a_z": (2.0, 1.6),
         "q": (2.0, 0.2), "r": (3.6, 3.0), "z": (3.6, 1.6), "a_n": (5.0, 0.9),
         "n": (6.4, 0.9), "h'": (8.2, 1.2)}
EDGES = [  # (from, to, the backward step that sends the gradient back along it)
    ("x_t", "a_r", "5: G_x -> dW_ih, dx"), ("h", "a_r", "4: G_h W_hh"),
    ("x_t", "a_z", ""), ("h", "a_z", ""), ("h", "q", "4: dq = da_n r"),
    ("a_r", "r", "3: da_r = dr r(1-r)"), ("a_z", "z", "2: da_z = dz z(1-z)"),
    ("r", "a_n", "3: dr = da_n q"), ("q", "a_n", ""), ("x_t", "a_n", ""),
    ("a_n", "n", "2: da_n = dn (1-n^2)"), ("n", "h'", "1: dn = dh (1-z)"),
    ("z", "h'", "1: dz = dh (h-n)"), ("h", "h'", "1: dh_prev = dh z"),
]


def step_graph(path: Path) -> None:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5),
                                      gridspec_kw={"height_ratios": [3, 1.2]})
    for a, b, label in EDGES:
        (x0, y0), (x1, y1) = NODES[a], NODES[b]
        top.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color="black",
                                                             shrinkA=16, shrinkB=16))
        if label:
            top.annotate("", (x0, y0 - 0.12), (x1, y1 - 0.12),
                         arrowprops=dict(arrowstyle="->", color="tab:red", shrinkA=16,
                                         shrinkB=16, linestyle="--"))
            top.text((x0 + x1) / 2, (y0 + y1) / 2 - 0.32, label, color="tab:red", fontsize=8,
                     ha="center")
    for name, (x, y) in NODES.items():
        top.text(x, y, name, ha="center", va="center", fontsize=12,
                 bbox=dict(boxstyle="round", fc="lightyellow" if name[0] == "a" or name == "q"
                           else "lightblue", ec="gray"))
    top.set_title("one GRU step (reset_after=True): forward in black, backward in red "
                  "(numbers: the steps of the derivation)")
    top.set_xlim(-0.6, 8.8)
    top.set_ylim(-0.6, 3.6)
    top.axis("off")
    for k, t in enumerate(("t-1", "t", "t+1")):
        x = 1.5 + 3 * k
        bottom.text(x, 0.5, f"step {t}", ha="center", va="center", fontsize=11,
                    bbox=dict(boxstyle="round", fc="lightblue", ec="gray"))
        bottom.annotate("", (x, 1.0), (x, 0.72), arrowprops=dict(arrowstyle="->"))
        bottom.text(x, 1.05, f"y_{t}", ha="center", va="bottom", fontsize=9)
        if k < 2:
            bottom.annotate("", (x + 2.3, 0.58), (x + 0.7, 0.58),
                            arrowprops=dict(arrowstyle="->"))
            bottom.text(x + 1.5, 0.66, "h", ha="center", fontsize=9)
            bottom.annotate("", (x + 0.7, 0.38), (x + 2.3, 0.38),
                            arrowprops=dict(arrowstyle="->", color="tab:red", linestyle="--"))
            bottom.text(x + 1.5, 0.16, "dh = dh_prev of the later step (+ dy)", color="tab:red",
                        ha="center", fontsize=8)
    bottom.set_title("unrolled: dh flows from step t+1 to step t, and dy_t joins it at each "
                     "step")
    bottom.set_xlim(0, 9)
    bottom.set_ylim(0, 1.4)
    bottom.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _jacobian_norms(cell, features: np.ndarray, H: int) -> np.ndarray:
    """||d h_t / d h_0|| (spectral norm) for t = 1..T along one utterance, by autograd."""
    h = np.zeros((1, H))
    product = np.eye(H)
    norms = []
    for x_t in features:
        ht = mg.tensor(h, requires_grad=True)
        out = cell(mg.tensor(x_t[None]), ht)
        J = np.empty((H, H))
        for i in range(H):
            (g,) = mg.grad(out[0, i], [ht], retain_graph=True)
            J[i] = g[0]
        product = J @ product
        norms.append(np.linalg.norm(product, 2))
        h = out.numpy()
    return np.array(norms)


def jacobian_norms(path: Path, seed: int = 0) -> None:
    pipe = mg.audio.FeaturePipeline(sample_rate=8000)
    train = SyntheticDigits(40, 8000, seed=1, features=pipe)
    val = SyntheticDigits(10, 8000, seed=1, features=pipe, first_take=40)
    test = SyntheticDigits(3, 8000, seed=1, features=pipe, first_take=50)
    H = 32
    curves = {}
    for cell_name in ("gru", "rnn"):
        mg.manual_seed(seed)
        model = GRUClassifier(train.feature_size, 10, H, cell=cell_name)
        fit_and_test(model, train, val, test, epochs=6, seed=seed)
        rnn = model.rnn
        cell = (mg.nn.GRUCell if cell_name == "gru" else mg.nn.RNNCell)(
            train.feature_size, H).double()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).data[...] = getattr(rnn, f"{name}_l0").data
        variants = {cell_name.upper(): cell}
        if cell_name == "gru":
            saturated = mg.nn.GRUCell(train.feature_size, H).double()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(saturated, name).data[...] = getattr(rnn, f"{name}_l0").data
            saturated.bias_ih.data[H:2 * H] += 3.0
            variants["GRU, update-gate bias + 3 (z near 1)"] = saturated
        for label, c in variants.items():
            runs = [_jacobian_norms(c, test.features[k].astype(np.float64), H)
                    for k in range(0, len(test), 3)]
            n = min(len(r) for r in runs)
            curves[label] = np.exp(np.mean([np.log(r[:n] + 1e-300) for r in runs], axis=0))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, values in curves.items():
        ax.semilogy(np.arange(1, values.size + 1), values, label=label)
    ax.set_xlabel("frames t")
    ax.set_ylabel("||dh_t / dh_0||  (geometric mean over utterances)")
    ax.set_title("the gradient through t steps: trained GRU vs tanh-RNN, 32 units")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = parser.parse_args()
    out = Path(args.out)
    step_graph(out / "gru_step_graph.png")
    jacobian_norms(out / "gru_jacobian_norms.png")
    print(f"wrote {out / 'gru_step_graph.png'} and {out / 'gru_jacobian_norms.png'}")


if __name__ == "__main__":
    main()
