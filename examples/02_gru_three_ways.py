"""The GRU three ways, and its backward pass three ways.

    python examples/02_gru_three_ways.py [--quick]

1. One GRU step by the equations written in NumPy, by the composed ``mg.nn.GRUCell`` (autograd
   primitives) and by the fused Numba kernel behind ``mg.nn.GRU``: the same numbers.
2. Backpropagation through time over a short sequence: by hand in NumPy (the derivation of
   docs/gru.md), by autograd through the fused layer, and by central finite differences.
3. The gate figure: a small GRU trained on the synthetic digits, and its update and reset gates
   over one utterance.
"""

from __future__ import annotations

import time

import numpy as np
from common import out_dir, parser, save_results, setup, table

import minigru as mg


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def step_by_equations(x, h, W, U, b, c):
    """h' for one step: r, z, n from the equations (PyTorch's form, reset after the product)."""
    H = h.shape[1]
    gi, gh = x @ W.T + b, h @ U.T + c
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h, (r, z, n, gh)


def bptt_by_hand(xs, h0, W, U, b, c, dys):
    """Gradients of L = sum_t <dy_t, h_t> with respect to W, U, b, c, h0: the loop of
    docs/gru.md, with per-step outer products (clear, not fast)."""
    H = h0.shape[1]
    hs, caches = [h0], []
    for x in xs:
        h, cache = step_by_equations(x, hs[-1], W, U, b, c)
        hs.append(h)
        caches.append(cache)
    dW, dU, db, dc = (np.zeros_like(a) for a in (W, U, b, c))
    dh = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        r, z, n, gh = caches[t]
        h_prev = hs[t]
        d = dh + dys[t]
        dn, dz = d * (1 - z), d * (h_prev - n)
        da_n = dn * (1 - n**2)
        da_z = dz * z * (1 - z)
        da_r = da_n * gh[:, 2 * H:] * r * (1 - r)
        g_x = np.concatenate([da_r, da_z, da_n], axis=1)
        g_h = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dW += g_x.T @ xs[t]
        db += g_x.sum(0)
        dU += g_h.T @ h_prev
        dc += g_h.sum(0)
        dh = d * z + g_h @ U
    return {"weight_ih_l0": dW, "weight_hh_l0": dU, "bias_ih_l0": db, "bias_hh_l0": dc,
            "h0": dh}


def main() -> None:
    args = parser(__doc__).parse_args()
    started = time.time()
    setup(args)
    out = out_dir(args, "02_gru_three_ways")
    rng = np.random.default_rng(args.seed)
    I, H, B, T = 4, 5, 3, 6
    gru = mg.nn.GRU(I, H).double()
    cell = mg.nn.GRUCell(I, H).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(gru, f"{name}_l0").data.copy()
    W, U = gru.weight_ih_l0.data, gru.weight_hh_l0.data
    b, c = gru.bias_ih_l0.data, gru.bias_hh_l0.data

    print("1. One step, three ways")
    x, h = rng.standard_normal((B, I)), rng.standard_normal((B, H))
    by_eq, _ = step_by_equations(x, h, W, U, b, c)
    by_cell = cell(mg.tensor(x), mg.tensor(h)).numpy()
    by_kernel = gru(mg.tensor(x[None]), mg.tensor(h[None]))[0].numpy()[0]
    d1 = np.max(np.abs(by_eq - by_cell))
    d2 = np.max(np.abs(by_eq - by_kernel))
    print(table(["comparison", "max abs difference"],
                [["equations vs GRUCell", f"{d1:.1e}"], ["equations vs fused kernel",
                                                         f"{d2:.1e}"]]))

    print("\n2. BPTT over a sequence, three ways")
    xs = rng.standard_normal((T, B, I))
    h0 = mg.tensor(rng.standard_normal((1, B, H)), requires_grad=True, dtype="float64")
    dys = rng.standard_normal((T, B, H))
    hand = bptt_by_hand(xs, h0.data[0], W, U, b, c, dys)
    out_t, _ = gru(mg.tensor(xs), h0)
    (out_t * dys).sum().backward()
    auto = {n: p.grad for n, p in gru.named_parameters()}
    auto["h0"] = h0.grad[0]
    rows = []
    worst = max(d1, d2)
    for name in hand:
        diff = np.max(np.abs(hand[name] - auto[name]))
        worst = max(worst, diff)
        rows.append([name, f"{diff:.1e}"])
    print(table(["gradient", "max abs difference, by hand vs autograd (fused kernel)"], rows))
    ok = mg.gradcheck(lambda x, h, *p: gru(x, h)[0], [mg.tensor(xs, requires_grad=True), h0,
                                                      *gru.parameters()])
    print(f"finite differences (mg.gradcheck, every element of x, h0 and the weights): "
          f"{'agree' if ok else 'DISAGREE'}")

    print("\n3. The gates of a trained GRU")
    from minigru.speech import make_config, make_datasets, train_run
    from minigru.speech.figures import plot_gates
    from minigru.speech.predict import load_model
    from minigru.training import RunFolder

    cfg = make_config({"limit": 10 if args.quick else 60, "epochs": 4 if args.quick
                               else 10, "seed": args.seed, "patience": None})
    summary = train_run(cfg, out / "run", log=None, quiet=True)
    model, _ = load_model(RunFolder(out / "run").best)
    test = make_datasets(cfg)["test"]
    feats, label = test[3]
    gates = model.gates(feats[:, None, :], [feats.shape[0]])
    plot_gates(feats, gates["z"][:, 0], gates["r"][:, 0], out / "gru_gates.png",
               f"a GRU's gates over '{test.classes[label]}' (test accuracy "
               f"{summary['test_accuracy']:.2f})")
    print(f"trained a GRU (test accuracy {summary['test_accuracy']:.3f}); figure: "
          f"{out / 'gru_gates.png'}")
    save_results(out, "02_gru_three_ways",
                 {"name": "max |difference| between the three forms", "value": worst,
                  "baseline": 1e-8, "higher_is_better": False}, started)


if __name__ == "__main__":
    main()
