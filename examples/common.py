"""Plumbing shared by the examples: arguments, data paths, output folders, tables, results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
GET_DATA = {
    "fsdd": "the Free Spoken Digit Dataset: git clone "
            "https://github.com/Jakobovski/free-spoken-digit-dataset and pass "
            "--data-dir free-spoken-digit-dataset/recordings (or set MINIGRU_FSDD)",
    "names": "the surname lists of the PyTorch char-RNN tutorial (data/names/*.txt in "
             "https://download.pytorch.org/tutorial/data.zip); pass --data-dir DIR",
    "polyphonic": "the Boulanger-Lewandowski et al. (2012) piano rolls as .npz (see "
                  "../shared/data/polyphonic/README.md); pass --data-dir DIR",
    "speeches": "the 2012 convention speeches (speeches.jsonl, see "
                "../shared/data/speeches/README.md); pass --data-dir DIR",
}
ENV = {"fsdd": "MINIGRU_FSDD", "names": "MINIGRU_NAMES", "polyphonic": "MINIGRU_POLYPHONIC",
       "speeches": "MINIGRU_SPEECHES"}


def parser(doc: str, seeds: bool = False) -> argparse.ArgumentParser:
    """The examples' common arguments; with ``seeds`` also ``--seeds`` (see :func:`seeds_of`)."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    if seeds:
        p.add_argument("--seeds", type=int, nargs="+", default=None,
                       help="seeds to run (default 0-4; --quick: --seed alone)")
    p.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="folder for results.json and figures "
                                               "(default runs/examples/<name>)")
    p.add_argument("--data-dir", default=None, help="where the data is (see the docstring)")
    p.add_argument("--threads", type=int, default=None)
    return p


def seeds_of(args: argparse.Namespace) -> list[int]:
    """``--seeds``, else 0-4, else (with ``--quick``) ``--seed`` alone."""
    return args.seeds or ([args.seed] if args.quick else [0, 1, 2, 3, 4])


def seeds_label(seeds: Sequence[int]) -> str:
    """"1 seed" or "N seeds", for table headers and figure titles."""
    return f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}"


def data_dir(kind: str, arg: str | None) -> Path:
    """The data folder from --data-dir, the environment, or ../shared/data; or exit with a
    message saying where to get the data."""
    if arg is not None:
        if Path(arg).is_dir():
            return Path(arg)
        sys.exit(f"error: no folder at {arg}; this example needs {GET_DATA[kind]}")
    for c in (os.environ.get(ENV[kind]), str(SHARED / kind)):
        if c and Path(c).is_dir():
            return Path(c)
    sys.exit(f"error: no data folder for {kind}; this example needs {GET_DATA[kind]}")


def out_dir(args: argparse.Namespace, name: str) -> Path:
    path = Path(args.out) if args.out else Path("runs") / "examples" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup(args: argparse.Namespace) -> None:
    import minigru as mg
    from minigru.runtime import set_threads

    set_threads(args.threads)
    mg.manual_seed(args.seed)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (numbers formatted as given)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def mean_std(values: Sequence[float], fmt: str = "{:.3f}") -> str:
    v = np.asarray(values, dtype=float)
    return (fmt + " ± " + fmt).format(v.mean(), v.std())


def save_results(out: Path, name: str, headline: dict[str, float], started: float,
                 extra: dict[str, Any] | None = None) -> None:
    """results.json: the headline number and its trivial baseline, wall time, machine."""
    results = {"example": name, "headline": headline, "wall_seconds": time.time() - started,
               "cores": os.cpu_count(), "machine": platform.machine(),
               "python": platform.python_version(), **(extra or {})}
    (out / "results.json").write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"\nwall time {results['wall_seconds']:.1f} s; results in {out / 'results.json'}")
