"""examples/make_experiments.py: the one command that rewrites docs/experiments.md."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_experiments",
                                              ROOT / "examples" / "make_experiments.py")
mx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mx)


def test_tables_are_the_blocks_of_pipe_lines():
    text = "head\n| a | b |\n|---|---|\n| 1 | 2 |\nbetween\n| c |\n|---|\n"
    assert mx.markdown_tables(text) == ["| a | b |\n|---|---|\n| 1 | 2 |", "| c |\n|---|"]


def test_a_sweep_gives_its_summary_and_comparisons_not_every_point():
    summary = ("# Sweep summary\n\n| model | runs |\n|---|---|\n| gru | 5 |\n\nPaired\n\n"
               "| axis |\n|---|\n| model |\n\nEvery point:\n\n| point |\n|---|\n| x |\n")
    assert mx.sweep_tables(summary) == ["| model | runs |\n|---|---|\n| gru | 5 |",
                                        "| axis |\n|---|\n| model |"]


def test_splice_rewrites_only_between_the_markers_and_is_idempotent():
    doc = ("before\n<!-- make_experiments: 09 -->\nold table\n<!-- /make_experiments: 09 -->\n"
           "after\n")
    once = mx.splice(doc, "09", ["| new |\n|---|"], 12.3)
    assert once.startswith("before\n<!-- make_experiments: 09 -->\n| new |\n|---|\n\n_Regen")
    assert once.endswith("<!-- /make_experiments: 09 -->\nafter\n")
    assert "old table" not in once and "12 s on" in once
    assert mx.splice(once, "09", ["| new |\n|---|"], 12.3) == once
    with pytest.raises(KeyError, match="10"):
        mx.splice(doc, "10", [], 1.0)
    stamped = mx.splice(doc, "09", ["| new |\n|---|"], 12.3, "0123456789ab")
    assert "12 s on" in stamped and ", commit 0123456789ab._" in stamped


def test_the_checkout_is_named_by_its_commit():
    got = mx.checkout()
    if got is None:
        pytest.skip("not a git checkout (an unpacked archive): the stamp has no commit")
    assert re.fullmatch(r"[0-9a-f]{12}( \+ uncommitted changes)?", got)


def test_every_step_exists_and_every_marker_names_a_step():
    for name, step in mx.STEPS.items():
        path = (ROOT / "examples" / step["script"]) if "script" in step else \
            (ROOT / "examples" / "sweeps" / step["sweep"])
        assert path.is_file(), name
    doc = (ROOT / "docs" / "experiments.md").read_text()
    begins = re.findall(r"<!-- make_experiments: (\S+) -->", doc)
    ends = re.findall(r"<!-- /make_experiments: (\S+) -->", doc)
    assert begins and begins == ends
    assert set(begins) <= set(mx.STEPS)
