"""What a finished sweep writes: ``results.csv`` (one row per point), ``summary.md`` (mean ± std
over seeds, the paired comparisons, every point), ``comparisons.csv`` and ``summary.png``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from .compare import comparison_lines, paired_differences
from .tasks import TASKS


def columns(task: str = "speech") -> list[str]:
    """The columns of results.csv after the grid axes."""
    return ["name", "status", *TASKS[task].fields, "wall_seconds", "worker", "attempts",
            "error"]


def write_results(records: list[dict[str, Any]], axes: list[str], out: Path,
                  task: str = "speech") -> None:
    """results.csv, summary.md and summary.png."""
    spec = TASKS[task]
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(axes + columns(task))
        for r in records:
            writer.writerow([r["params"].get(a) for a in axes] +
                            [r.get(c, "") for c in columns(task)])
    others = [a for a in axes if a != "seed"]
    groups: dict[tuple[Any, ...], list[float]] = {}
    failed: dict[tuple[Any, ...], int] = {}
    for r in records:
        key = tuple(r["params"].get(a) for a in others)
        if r.get("status") == "ok":
            groups.setdefault(key, []).append(r[spec.metric])
        else:
            failed[key] = failed.get(key, 0) + 1
    label = spec.label
    lines = ["# Sweep summary", "", f"{label[0].upper() + label[1:]} over seeds (mean ± std).",
             "", "| " + " | ".join(others + ["runs", label, "failed"]) + " |",
             "|" + "---|" * (len(others) + 3)]
    for key in sorted(set(groups) | set(failed), key=str):
        accs = np.array(groups.get(key, []))
        cell = f"{accs.mean():.4f} ± {accs.std():.4f}" if accs.size else "-"
        lines.append("| " + " | ".join(str(k) for k in key) +
                     f" | {accs.size} | {cell} | {failed.get(key, 0)} |")
    paired = paired_differences(records, axes, spec.metric)
    lines += comparison_lines(paired, label)
    with open(out / "comparisons.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["axis", "reference", "value", "fixed", "n", "mean", "sd", "low",
                         "high", "t", "p"])
        for r in paired:
            writer.writerow([r["axis"], r["reference"], r["value"], json.dumps(r["fixed"]),
                             r["n"], r["mean"], r["sd"], r["low"], r["high"], r["t"], r["p"]])
    valid = spec.fields[1]
    lines += ["", "Every point:", "",
              f"| point | status | epochs | {valid} | {label} | worker | attempts |",
              "|---|---|---|---|---|---|---|"]
    for r in records:
        best = r.get(valid)
        test = r.get(spec.metric)
        lines.append(f"| {r['name']} | {r.get('status')} | {r.get('epochs', '')} | "
                     f"{'' if best is None else f'{best:.4f}'} | "
                     f"{'' if test is None else f'{test:.4f}'} | {r.get('worker', '')} | "
                     f"{r.get('attempts', '')} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    if groups:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        keys = sorted(groups, key=str)
        fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(keys)), 3.5))
        ax.bar(range(len(keys)), [np.mean(groups[k]) for k in keys],
               yerr=[np.std(groups[k]) for k in keys], capsize=4)
        ax.set_xticks(range(len(keys)), [", ".join(map(str, k)) or "all" for k in keys],
                      rotation=30, ha="right")
        ax.set(ylabel=label, title="sweep: mean ± std over seeds")
        if spec.higher_is_better:
            ax.set_ylim(0, 1.05)
        fig.tight_layout()
        fig.savefig(out / "summary.png", dpi=90)
        plt.close(fig)
