"""Polyphonic music: tanh-RNN vs GRU vs LSTM on four music sets, by Chung et al.'s protocol.

    python examples/09_polyphonic_music.py [--data-dir polyphonic/] [--workers 2] [--quick]

The sequence-modelling benchmark of Chung, Gulcehre, Cho and Bengio (2014), "Empirical
Evaluation of Gated Recurrent Neural Networks on Sequence Modeling", Table 2: predict the next
step of a piano roll (88 keys, one quarter note a step) from the steps so far, each key an
independent Bernoulli given the past; the score is the NLL per step, summed over the keys, in
nats. The data are the Boulanger-Lewandowski et al. (2012) splits of JSB Chorales,
Nottingham, MuseData and Piano-midi.de (--data-dir, MINIGRU_POLYPHONIC or
../shared/data/polyphonic).

Every run follows the paper (``minigru.music.run``): the paper's sizes (tanh-RNN 100, GRU
46, LSTM 36 units), RMSProp, weight noise of std 0.075, the gradient norm rescaled to 1,
early stopping on validation. Two sweeps, run here through ``minigru.speech.sweep``:

1. the learning-rate search, ``examples/sweeps/chung2014.toml`` (the same points as
   ``minigru sweep examples/sweeps/chung2014.toml``): every dataset x cell x learning rate,
   seed 0;
2. seeds 1 and 2 at each (dataset, cell)'s learning rate with the best validation NLL.

Writes ``chung2014.csv`` (every run of both sweeps: dataset, cell, seed, params, lr,
valid_nll, test_nll), the table of test NLL (mean ± std over the 3 seeds at the chosen rate)
beside the paper's, the cells paired by seed against the GRU, the seed-0 GRU's NLL averaged
over steps and over sequences, and figures. Finished points are skipped when it runs again, so an
interrupted run resumes. --quick: JSB only, one rate, a few epochs.
"""

from __future__ import annotations

import csv
import json
import time
import tomllib
from pathlib import Path

import numpy as np
from common import data_dir, mean_std, out_dir, parser, save_results, table

from minigru import music
from minigru.speech.compare import describe, paired_t
from minigru.speech.sweep import check_sweep, point_name, run_sweep

SWEEP_FILE = Path(__file__).resolve().parent / "sweeps" / "chung2014.toml"
DATASETS = ["nottingham", "jsb", "musedata", "pianomidi"]
CELLS = ["rnn", "gru", "lstm"]
NAMES = {"nottingham": "Nottingham", "jsb": "JSB Chorales", "musedata": "MuseData",
         "pianomidi": "Piano-midi", "rnn": "tanh-RNN", "gru": "GRU", "lstm": "LSTM"}
PAPER_TEST = {  # Chung et al. (2014), Table 2, test NLL per step (arXiv:1412.3555v1)
    "nottingham": {"rnn": 3.13, "gru": 3.23, "lstm": 3.20},
    "jsb": {"rnn": 9.10, "gru": 8.54, "lstm": 8.67},
    "musedata": {"rnn": 6.23, "gru": 5.99, "lstm": 6.23},
    "pianomidi": {"rnn": 9.03, "gru": 8.82, "lstm": 9.03},
}
COLUMNS = ["dataset", "cell", "seed", "params", "lr", "valid_nll", "test_nll"]


def search_spec(root: Path, quick: bool) -> dict:
    spec = tomllib.loads(SWEEP_FILE.read_text())
    spec["base"]["data_dir"] = str(root)
    if quick:
        spec["base"].update(epochs=4, patience=4)
        spec["grid"]["dataset"] = ["jsb"]
        spec["grid"]["lr"] = spec["grid"]["lr"][-1:]
    return spec


def best_rates(search: list[dict]) -> dict[tuple[str, str], float]:
    """(dataset, cell) -> the learning rate of its finished search run with the lowest
    validation NLL."""
    best: dict[tuple[str, str], dict] = {}
    for r in search:
        key = (r["params"]["dataset"], r["params"]["cell"])
        if r.get("status") == "ok" and (key not in best
                                        or r["valid_nll"] < best[key]["valid_nll"]):
            best[key] = r
    return {k: r["params"]["lr"] for k, r in best.items()}


def seeds_sweep(chosen: dict[tuple[str, str], float], base: dict, seeds: list[int]) -> dict:
    """Points for ``seeds`` at the chosen learning rate of every (dataset, cell)."""
    points = []
    for (dataset, cell), lr in chosen.items():
        for seed in seeds:
            spec = check_sweep({"base": {**base, "dataset": dataset, "cell": cell, "lr": lr,
                                         "seed": seed},
                                "grid": {"seed": [seed]}, "sweep": {"task": "music"}})
            point = spec["points"][0]
            point["params"] = {"dataset": dataset, "cell": cell, "lr": lr, "seed": seed}
            point["name"] = point_name(point["params"])
            points.append(point)
    return {"points": points, "retries": 2, "threads": 1, "task": "music",
            "axes": ["dataset", "cell", "lr", "seed"]}


def rows_of(records: list[dict], base: dict) -> list[dict]:
    return [{"dataset": r["params"]["dataset"], "cell": r["params"]["cell"],
             "seed": r["params"].get("seed", base.get("seed", 0)), "params": r["parameters"],
             "lr": r["params"]["lr"], "valid_nll": round(r["valid_nll"], 5),
             "test_nll": round(r["test_nll"], 5)} for r in records if r.get("status") == "ok"]


def figures(rows: list[dict], chosen: dict, search_dir: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = [d for d in DATASETS if any((d, c) in chosen for c in CELLS)]
    fig, axes = plt.subplots(1, len(sets), figsize=(3.4 * len(sets), 3.6), squeeze=False)
    for ax, d in zip(axes[0], sets, strict=True):
        for k, c in enumerate(CELLS):
            if (d, c) not in chosen:
                continue
            vals = [r["test_nll"] for r in rows if r["dataset"] == d and r["cell"] == c
                    and r["lr"] == chosen[d, c]]
            ax.bar(k, np.mean(vals), yerr=np.std(vals), capsize=4, color=f"C{k}",
                   label="minigru (mean ± std)" if k == 0 else None)
            ax.plot([k - 0.4, k + 0.4], [PAPER_TEST[d][c]] * 2, "k--",
                    label="Chung et al. 2014" if k == 0 else None)
        ax.set_xticks(range(3), [NAMES[c] for c in CELLS])
        ours = [r["test_nll"] for r in rows if r["dataset"] == d]
        lo = min(min(PAPER_TEST[d].values()), min(ours)) - 0.5
        ax.set(title=NAMES[d], ylim=(max(0, lo), None), ylabel="test NLL per step (nats)")
    axes[0][0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out / "chung2014_test_nll.png", dpi=90)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(sets), figsize=(3.4 * len(sets), 3.4), squeeze=False)
    for ax, d in zip(axes[0], sets, strict=True):
        for k, c in enumerate(CELLS):
            if (d, c) not in chosen:
                continue
            name = point_name({"dataset": d, "cell": c, "lr": chosen[d, c]})
            lines = (search_dir / "points" / name / "metrics.jsonl").read_text().splitlines()
            curve = [json.loads(x)["valid_nll"] for x in lines]
            ax.plot(np.arange(1, len(curve) + 1), curve, color=f"C{k}", label=NAMES[c])
        ax.set(title=f"{NAMES[d]}: validation", xlabel="epoch", ylabel="NLL per step")
        finite = [r["valid_nll"] for r in rows if r["dataset"] == d]
        ax.set_ylim(min(finite) - 0.3, min(finite) + 3)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "chung2014_curves.png", dpi=90)
    plt.close(fig)


def paired_rows(rows: list[dict], chosen: dict) -> str:
    """LSTM - GRU and tanh-RNN - GRU test NLL, paired by seed at each cell's chosen rate."""
    def by_seed(d: str, c: str) -> dict[int, float]:
        return {r["seed"]: r["test_nll"] for r in rows if r["dataset"] == d and r["cell"] == c
                and r["lr"] == chosen.get((d, c))}

    out = []
    for d in DATASETS:
        if not all((d, c) in chosen for c in CELLS):
            continue
        gru = by_seed(d, "gru")
        cells = []
        for other in ("lstm", "rnn"):
            theirs = by_seed(d, other)
            seeds = sorted(set(gru) & set(theirs))
            cells.append(describe(paired_t([gru[k] for k in seeds], [theirs[k] for k in seeds]),
                                  "{:+.3f}"))
        out.append([NAMES[d], *cells])
    return table(["dataset", "LSTM − GRU", "tanh-RNN − GRU"], out)


def averaging_rows(root: Path, chosen: dict, search_dir: Path) -> str:
    """The seed-0 GRU's test NLL per step against the mean of its sequences' own NLL per
    step (``music.nll_per_sequence``), beside the paper."""
    out = []
    for d in DATASETS:
        if (d, "gru") not in chosen:
            continue
        name = point_name({"dataset": d, "cell": "gru", "lr": chosen[d, "gru"]})
        model, _ = music.load_music_model(search_dir / "points" / name / "best.npz")
        rolls = music.load_rolls(root / music.DATASETS[d], "test")
        out.append([NAMES[d], f"{music.nll_per_step(model, rolls):.3f}",
                    f"{np.mean(music.nll_per_sequence(model, rolls)):.3f}",
                    f"{PAPER_TEST[d]['gru']:.2f}"])
    return table(["dataset", "per step (used here)", "mean of the sequences' per-step NLL",
                  "paper"], out)


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--workers", type=int, default=2, help="runs at a time (1 thread each)")
    args = p.parse_args()
    started = time.time()
    root = data_dir("polyphonic", args.data_dir)
    out = out_dir(args, "09_polyphonic_music")
    spec = search_spec(root, args.quick)
    search = run_sweep(check_sweep(spec, str(SWEEP_FILE)), out / "search", args.workers,
                       quiet=True)
    chosen = best_rates(search)
    seeds = run_sweep(seeds_sweep(chosen, spec["base"], [1, 2]), out / "seeds", args.workers,
                      quiet=True)
    failed = [r["name"] for r in search + seeds if r.get("status") != "ok"]
    if failed:
        print(f"failed runs (see {out}/*/failures.json): {failed}")
    rows = rows_of(search, spec["base"]) + rows_of(seeds, spec["base"])
    rows.sort(key=lambda r: (DATASETS.index(r["dataset"]), CELLS.index(r["cell"]), r["lr"],
                             r["seed"]))
    with open(out / "chung2014.csv", "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    out_rows, results = [], {}
    for d in DATASETS:
        for c in CELLS:
            if (d, c) not in chosen:
                continue
            runs = [r for r in rows if r["dataset"] == d and r["cell"] == c
                    and r["lr"] == chosen[d, c]]
            test = [r["test_nll"] for r in runs]
            results[f"{d}/{c}"] = {"lr": chosen[d, c], "test": test,
                                   "valid": [r["valid_nll"] for r in runs]}
            out_rows.append([NAMES[d], NAMES[c], runs[0]["params"], f"{chosen[d, c]:.2e}",
                             mean_std([r["valid_nll"] for r in runs], "{:.2f}"),
                             mean_std(test, "{:.2f}"), len(test),
                             f"{PAPER_TEST[d][c]:.2f}"])
    print(table(["dataset", "cell", "parameters", "chosen lr", "valid NLL", "test NLL",
                 "seeds", "paper test NLL"], out_rows))
    print("\nPaired by seed, test NLL of each cell minus the GRU's (mean ± sd over the seeds, "
          "95% interval, paired t-test):\n")
    print(paired_rows(rows, chosen))
    print("\nTwo ways to average, the seed-0 GRU at its chosen rate: every predicted step alike "
          "(used here), or every sequence alike:\n")
    print(averaging_rows(root, chosen, out / "search"))
    jsb = music.load_rolls(root / music.DATASETS["jsb"], "train")
    freq = np.clip(np.concatenate(jsb).mean(0), 1e-6, 1 - 1e-6)
    test_steps = np.concatenate([r[1:] for r in music.load_rolls(
        root / music.DATASETS["jsb"], "test")])
    unigram = float(-(test_steps * np.log(freq)
                      + (1 - test_steps) * np.log(1 - freq)).sum(1).mean())
    print(f"\nnote frequencies on JSB (the trivial baseline): {unigram:.2f}")
    figures(rows, chosen, out / "search", out)
    gru_jsb = float(np.mean(results["jsb/gru"]["test"]))
    save_results(out, "09_polyphonic_music",
                 {"name": "GRU test NLL per step on JSB Chorales", "value": gru_jsb,
                  "baseline": unigram, "higher_is_better": False}, started,
                 {"chung2014": results})


if __name__ == "__main__":
    main()
