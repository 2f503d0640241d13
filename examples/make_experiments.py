"""Regenerate the tables, figures and result files of docs/experiments.md.

    python examples/make_experiments.py [--only NAME[,NAME...]] [--quick] [--list]

Each step is an example script (``NN``) or a sweep file (``sweep-NAME``). A step runs in its
own process, its printed Markdown tables (for a sweep: the summary over seeds and the paired
comparisons of its ``summary.md``) replace the text between the step's markers in
docs/experiments.md::

    <!-- make_experiments: 09 -->
    ... (rewritten) ...
    <!-- /make_experiments: 09 -->

followed by the wall time of the step, the core count and the commit the step ran at (with
"+ uncommitted changes" when the checkout had any); the figures and CSV files each step
lists are copied into docs/figures and docs/results. Without --only every step runs (several
hours on 2 cores; the times of the last full run are in the doc beside each table). --quick
passes --quick to the examples (a check that every step still runs; the doc is not touched).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DOC = ROOT / "docs" / "experiments.md"
SHARED = ROOT.parent / "shared" / "data"

STEPS: dict[str, dict] = {
    "02": {"script": "02_gru_three_ways.py", "figures": ["gru_gates.png"]},
    "03": {"script": "03_spoken_digits.py", "figures": ["fsdd_confusion.png"]},
    "04": {"script": "04_gru_vs_lstm_vs_rnn.py", "figures": ["cells_learning_curves.png"]},
    "05": {"script": "05_cnn_gru.py", "figures": ["cnn_gru_accuracy.png"]},
    "06": {"script": "06_ctc_digit_strings.py",
           "figures": ["ctc_posteriors.png", "ctc_seeds.png"]},
    "07": {"script": "07_long_dependencies.py", "figures": ["adding_problem.png"]},
    "08": {"script": "08_names_by_language.py", "figures": ["names_confusion.png"]},
    "09": {"script": "09_polyphonic_music.py",
           "figures": ["chung2014_test_nll.png", "chung2014_curves.png"],
           "results": {"chung2014.csv": "chung2014.csv"}},
    "10": {"script": "10_streaming.py", "figures": ["streaming.png", "streaming_seeds.png"]},
    "11": {"script": "11_long_documents.py", "figures": ["speech_trace.png"],
           "results": {"results.csv": "speeches.csv"}},
    "sweep-chung2014-noise": {"sweep": "chung2014_noise.toml",
                              "figures": {"summary.png": "sweep_chung2014_noise.png"},
                              "results": {"results.csv": "chung2014_noise.csv"}},
    "sweep-fsdd-cells": {"sweep": "fsdd_cells.toml",
                         "figures": {"summary.png": "sweep_fsdd_cells.png"},
                         "results": {"results.csv": "fsdd_cells.csv"}},
    "sweep-fsdd-bidirectional": {"sweep": "fsdd_bidirectional.toml",
                                 "figures": {"summary.png": "sweep_fsdd_bidirectional.png"},
                                 "results": {"results.csv": "fsdd_bidirectional.csv"}},
    "sweep-fsdd-cnn": {"sweep": "fsdd_cnn.toml", "figures": {"summary.png": "sweep_fsdd_cnn.png"},
                       "results": {"results.csv": "fsdd_cnn.csv"}},
}
"""Every step: an example script or a sweep file, with the figures (a list of names, or
{file in the step's folder: name in docs/figures}) and result files to keep."""

ENVIRONMENT = {"MINIGRU_FSDD": SHARED / "fsdd" / "recordings",
               "MINIGRU_POLYPHONIC": SHARED / "polyphonic"}


def markdown_tables(text: str) -> list[str]:
    """Every block of consecutive lines that start with ``|``."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def sweep_tables(summary: str) -> list[str]:
    """The summary over seeds and the paired comparisons of a sweep's summary.md (not the
    table of every point)."""
    head = summary.split("Every point:")[0]
    return markdown_tables(head)


def run_step(name: str, out: Path, quick: bool) -> tuple[list[str], float]:
    step = STEPS[name]
    env = dict(os.environ)
    for key, path in ENVIRONMENT.items():
        if key not in env and path.is_dir():
            env[key] = str(path)
    if "script" in step:
        cmd = [sys.executable, str(EXAMPLES / step["script"]), "--out", str(out)]
        cmd += ["--quick"] if quick else []
    else:
        cmd = [sys.executable, "-m", "minigru", "sweep", str(EXAMPLES / "sweeps" / step["sweep"]),
               "--workers", "2", "--out", str(out), "--quiet"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=EXAMPLES, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"step {name} failed ({' '.join(cmd)}):\n{proc.stdout[-3000:]}"
                 f"{proc.stderr[-3000:]}")
    if "script" in step:
        return markdown_tables(proc.stdout), wall
    return sweep_tables((out / "summary.md").read_text()), wall


def checkout() -> str | None:
    """The short commit of the repository the steps run from, with "+ uncommitted changes"
    when tracked files differ from it; None outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + (" + uncommitted changes" if dirty else "")


def splice(doc: str, name: str, tables: list[str], wall: float,
           commit: str | None = None) -> str:
    """``doc`` with the block between the markers of ``name`` replaced."""
    begin, end = f"<!-- make_experiments: {name} -->", f"<!-- /make_experiments: {name} -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(doc):
        raise KeyError(f"docs/experiments.md has no markers for step {name!r}")
    body = "\n\n".join(tables)
    at = f", commit {commit}" if commit else ""
    stamp = (f"_Regenerated by `python examples/make_experiments.py --only {name}`: "
             f"{wall:.0f} s on {os.cpu_count()} cores{at}._")
    return pattern.sub(lambda _: f"{begin}\n{body}\n\n{stamp}\n{end}", doc, count=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--only", help="comma-separated step names (default: every step)")
    p.add_argument("--quick", action="store_true", help="quick runs; the doc is not touched")
    p.add_argument("--list", action="store_true", help="print the step names and stop")
    p.add_argument("--out", default=str(ROOT / "runs" / "experiments"))
    args = p.parse_args()
    if args.list:
        print("\n".join(STEPS))
        return
    names = args.only.split(",") if args.only else list(STEPS)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        sys.exit(f"error: unknown step(s) {unknown}; the steps are {list(STEPS)}")
    commit = checkout()
    for name in names:
        out = Path(args.out) / name
        print(f"{name} ...", flush=True)
        tables, wall = run_step(name, out, args.quick)
        print(f"{name}: {len(tables)} table(s) in {wall:.0f} s", flush=True)
        (out / "tables.md").write_text("\n\n".join(tables) + "\n")
        if args.quick:
            continue
        doc = DOC.read_text()  # read afresh: the doc may have been edited while the step ran
        try:
            doc = splice(doc, name, tables, wall, commit)
        except KeyError as exc:
            print(f"warning: {exc.args[0]}; its tables are in {out / 'tables.md'}")
        DOC.write_text(doc)
        step = STEPS[name]
        figures = step.get("figures", [])
        pairs = figures.items() if isinstance(figures, dict) else ((f, f) for f in figures)
        for src, dst in pairs:
            shutil.copy(out / src, ROOT / "docs" / "figures" / dst)
        for src, dst in step.get("results", {}).items():
            shutil.copy(out / src, ROOT / "docs" / "results" / dst)


if __name__ == "__main__":
    main()
