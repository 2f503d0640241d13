"""Paired comparisons of sweep points, against formulas written out by hand."""

import math

import pytest

from minigru.errors import InputError
from minigru.speech.compare import comparison_lines, describe, paired_differences, paired_t


def rec(model, seed, acc, status="ok", hidden=64):
    return {"params": {"model": model, "hidden": hidden, "seed": seed}, "status": status,
            "test_accuracy": acc}


def test_the_paired_t_test_by_hand():
    """d = 1, 2, 3: mean 2, sd 1, t = 2 sqrt(3); with 2 degrees of freedom the t CDF is
    1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2), and t_{0.975, 2} = 4.302653."""
    records = [rec("gru", s, 0.5) for s in range(3)] + \
        [rec("lstm", s, 0.5 + d) for s, d in zip(range(3), (1, 2, 3), strict=True)]
    (row,) = paired_differences(records, ["model", "seed"], "test_accuracy")
    t = 2 * math.sqrt(3)
    assert (row["axis"], row["reference"], row["value"], row["n"]) == ("model", "gru", "lstm", 3)
    assert row["mean"] == pytest.approx(2) and row["sd"] == pytest.approx(1)
    assert row["t"] == pytest.approx(t)
    assert row["p"] == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9)
    half = 4.302652729911275 / math.sqrt(3)
    assert (row["low"], row["high"]) == (pytest.approx(2 - half), pytest.approx(2 + half))


def test_pairs_are_matched_on_seed_and_the_other_axes():
    records = [rec("gru", 0, 0.9, hidden=32), rec("gru", 1, 0.8, hidden=32),
               rec("rnn", 1, 0.5, hidden=32), rec("rnn", 0, 0.7, hidden=32),
               rec("gru", 0, 0.95, hidden=64), rec("rnn", 0, 0.6, hidden=64),
               rec("rnn", 1, 0.1, status="failed", hidden=64), rec("gru", 1, 0.9, hidden=64)]
    rows = paired_differences(records, ["model", "hidden", "seed"], "test_accuracy")
    by = {(r["axis"], tuple(r["fixed"].values())): r for r in rows}
    m32 = by[("model", (32,))]
    assert m32["n"] == 2 and m32["mean"] == pytest.approx(((0.7 - 0.9) + (0.5 - 0.8)) / 2)
    m64 = by[("model", (64,))]
    assert m64["n"] == 1 and m64["sd"] is None and m64["p"] is None   # seed 1 failed
    h_gru = by[("hidden", ("gru",))]
    assert (h_gru["reference"], h_gru["value"]) == (32, 64)
    assert h_gru["mean"] == pytest.approx(((0.95 - 0.9) + (0.9 - 0.8)) / 2)


def test_identical_differences_and_no_seed_axis():
    records = [rec("gru", s, 0.5) for s in range(4)] + [rec("lstm", s, 0.6) for s in range(4)]
    (row,) = paired_differences(records, ["model", "seed"], "test_accuracy")
    assert row["sd"] == pytest.approx(0, abs=1e-12)
    assert row["p"] is not None and row["p"] < 1e-6
    same = [rec("gru", s, 0.5) for s in range(3)] + [rec("lstm", s, 0.5) for s in range(3)]
    assert paired_differences(same, ["model", "seed"], "test_accuracy")[0]["p"] == 1.0
    assert paired_differences(records, ["model"], "test_accuracy") == []


def test_the_markdown_table():
    records = [rec("gru", s, 0.5 + 0.01 * s) for s in range(3)] + \
        [rec("lstm", s, 0.6) for s in range(3)]
    lines = comparison_lines(paired_differences(records, ["model", "seed"], "test_accuracy"),
                             "test accuracy")
    assert lines[-1].startswith("| model | gru | lstm | - | 3 | +0.0900 ± 0.0100 | [")
    assert comparison_lines([], "x") == []


def test_paired_t_on_two_lists_and_its_text():
    """The same d = 1, 2, 3 as above, given as two lists; one pair has no spread; equal
    differences have sd 0; unequal lengths are refused by name."""
    row = paired_t([0.5, 0.5, 0.5], [1.5, 2.5, 3.5])
    t = 2 * math.sqrt(3)
    assert row["mean"] == pytest.approx(2) and row["t"] == pytest.approx(t)
    assert row["p"] == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9)
    half = 4.302652729911275 / math.sqrt(3)
    assert describe(row, "{:+.2f}") == (f"+2.00 ± 1.00 [{2 - half:+.2f}, {2 + half:+.2f}], "
                                        f"p = {row['p']:.3g}")
    one = paired_t([1.0], [3.0])
    assert one["n"] == 1 and one["sd"] is None and "one pair" in describe(one)
    same = paired_t([1.0, 2.0], [2.0, 3.0])
    assert same["sd"] == 0 and same["p"] == 0.0 and same["t"] == math.inf
    with pytest.raises(InputError, match="paired_t needs two equally long"):
        paired_t([1.0, 2.0], [1.0])
