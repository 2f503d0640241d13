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
        write_figure(records, others, groups, spec, out / "summary.png")


def write_figure(records: list[dict[str, Any]], others: list[str],
                 groups: dict[tuple[Any, ...], list[float]], spec: Any, path: Path) -> None:
    """Every run's metric as a dot above its setting (grid order), the mean ± std beside
    it, and, when seeds are an axis, a thin line joining the runs of each seed: the pairs the
    comparisons test."""
    from .figures import new_figure

    keys: list[tuple[Any, ...]] = []
    for r in records:
        key = tuple(r["params"].get(a) for a in others)
        if key in groups and key not in keys:
            keys.append(key)
    fig = new_figure(figsize=(max(4.0, 1.3 * len(keys) + 1.5), 3.6))
    ax = fig.subplots()
    by_seed: dict[Any, dict[int, float]] = {}
    for r in records:
        key = tuple(r["params"].get(a) for a in others)
        if r.get("status") == "ok" and "seed" in r["params"]:
            by_seed.setdefault(r["params"]["seed"], {})[keys.index(key)] = r[spec.metric]
    for points in by_seed.values():
        xs = sorted(points)
        ax.plot(xs, [points[x] for x in xs], "-", color="0.75", lw=0.8, zorder=1)
    for i, k in enumerate(keys):
        values = np.asarray(groups[k], dtype=float)
        ax.scatter(np.full(values.size, i), values, s=14, color="C0", zorder=2)
        ax.errorbar(i + 0.18, values.mean(), yerr=values.std(), fmt="o", color="C3",
                    capsize=4, zorder=3)
    ax.set_xticks(range(len(keys)), [", ".join(map(str, k)) or "all" for k in keys],
                  rotation=30 if len(keys) > 3 else 0, ha="right" if len(keys) > 3 else "center")
    ax.set_xlim(-0.5, len(keys) - 0.3)
    ax.set(ylabel=spec.label, title="runs (blue), mean ± std (red)" +
           ("; a line per seed" if by_seed else ""))
    ax.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
