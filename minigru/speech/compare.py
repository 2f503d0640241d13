"""Paired comparisons of a sweep's points: is one setting better than another, seed for seed?

For an axis with values a (the first, the reference) and b, and every other axis held fixed,
the runs with the same seed form pairs; with d_s = m_s(b) - m_s(a) the metric's difference for
seed s, over n seeds:

    mean = (1/n) sum_s d_s,   sd = sqrt(sum_s (d_s - mean)^2 / (n - 1))
    t = mean / (sd / sqrt(n)),   p = 2 P(T_{n-1} > |t|)          (the paired t-test)
    95% interval: mean -+ t_{0.975, n-1} sd / sqrt(n)

Pairing by seed removes what the seeds share (initialisation, data order) from the spread of
the difference. The test assumes the d_s are independent draws from a normal distribution; with
5 seeds it tells a consistent difference from noise, not a small one from none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..errors import InputError


def paired_differences(records: list[dict[str, Any]], axes: list[str],
                       metric: str) -> list[dict[str, Any]]:
    """One row per (axis, value b, other axes' values): ``axis, reference, value, fixed
    (the other axes' values), n, mean, sd, low, high, t, p`` for ``metric(b) - metric(a)``.

    Only axes other than ``seed`` with two or more values are compared, and only when ``seed``
    is an axis; a pair needs both runs finished (status ``ok``). Rows with fewer than two pairs
    have ``sd``, the interval, ``t`` and ``p`` as None.
    """

    if "seed" not in axes:
        return []
    ok = [r for r in records if r.get("status") == "ok"]
    rows = []
    for axis in [a for a in axes if a != "seed"]:
        values = []
        for r in records:
            v = r["params"].get(axis)
            if v not in values:
                values.append(v)
        if len(values) < 2:
            continue
        others = [a for a in axes if a not in (axis, "seed")]
        reference = values[0]
        fixed_sets = []
        for r in ok:
            key = tuple(r["params"].get(a) for a in others)
            if key not in fixed_sets:
                fixed_sets.append(key)
        for fixed in fixed_sets:
            base = _by_seed(ok, axis, reference, others, fixed, metric)
            for value in values[1:]:
                other = _by_seed(ok, axis, value, others, fixed, metric)
                seeds = sorted(set(base) & set(other))
                if not seeds:
                    continue
                row = {"axis": axis, "reference": reference, "value": value,
                       "fixed": dict(zip(others, fixed, strict=True))}
                row.update(paired_t([base[s] for s in seeds], [other[s] for s in seeds]))
                rows.append(row)
    return rows


def paired_t(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """The paired comparison of ``b`` with ``a`` (equal lengths, pair i = seed i):
    ``n, mean, sd, low, high, t, p`` of d_i = b_i - a_i by the formulas of the module
    docstring. With one pair ``sd``, the interval, ``t`` and ``p`` are None; with sd = 0,
    t is +-inf and p is 0 (or t = 0 and p = 1 when every d_i is 0)."""
    from scipy import stats

    if len(a) != len(b) or not len(a):
        raise InputError(f"paired_t needs two equally long, non-empty sequences, got "
                         f"{len(a)} and {len(b)} values")
    d = [float(y) - float(x) for x, y in zip(a, b, strict=True)]
    n = len(d)
    mean = sum(d) / n
    row: dict[str, Any] = {"n": n, "mean": mean, "sd": None, "low": None, "high": None,
                           "t": None, "p": None}
    if n >= 2:
        sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        row.update(sd=sd, low=mean - half, high=mean + half)
        if sd > 0:
            t = mean / (sd / math.sqrt(n))
            row.update(t=t, p=float(2 * stats.t.sf(abs(t), n - 1)))
        else:
            row.update(t=math.copysign(math.inf, mean) if mean else 0.0,
                       p=0.0 if mean else 1.0)
    return row


def describe(row: dict[str, Any], fmt: str = "{:+.4f}") -> str:
    """A paired comparison as text: ``mean ± sd [low, high], p = p``."""
    if row["sd"] is None:
        return fmt.format(row["mean"]) + f" (one pair, n = {row['n']})"
    return (f"{fmt.format(row['mean'])} ± {fmt.format(row['sd']).lstrip('+')} "
            f"[{fmt.format(row['low'])}, {fmt.format(row['high'])}], p = {row['p']:.3g}")


def _by_seed(ok: list[dict[str, Any]], axis: str, value: Any, others: list[str],
             fixed: tuple[Any, ...], metric: str) -> dict[Any, float]:
    return {r["params"]["seed"]: float(r[metric]) for r in ok
            if r["params"].get(axis) == value
            and tuple(r["params"].get(a) for a in others) == fixed}


def comparison_lines(rows: list[dict[str, Any]], label: str) -> list[str]:
    """The rows as a Markdown table for a summary."""
    if not rows:
        return []
    lines = ["", f"Paired by seed: {label} of a setting minus that of the reference, mean ± "
                 f"sd over seeds, 95% interval and paired t-test.", "",
             "| axis | reference | value | other settings | seeds | difference | 95% interval "
             "| p |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        fixed = ", ".join(f"{k}={v}" for k, v in r["fixed"].items()) or "-"
        diff = f"{r['mean']:+.4f}" + (f" ± {r['sd']:.4f}" if r["sd"] is not None else "")
        interval = "-" if r["low"] is None else f"[{r['low']:+.4f}, {r['high']:+.4f}]"
        p = "-" if r["p"] is None else f"{r['p']:.3g}"
        lines.append(f"| {r['axis']} | {r['reference']} | {r['value']} | {fixed} | {r['n']} | "
                     f"{diff} | {interval} | {p} |")
    return lines
