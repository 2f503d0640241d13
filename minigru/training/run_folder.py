"""The run folder: the one place that knows the name of every file a training run writes.

A run folder holds::

    config.json      the run's configuration (with its feature pipeline), written at the start
    checkpoint.npz   everything needed to resume, rewritten atomically after every epoch
    best.npz         the model of the best validation epoch and its configuration
    metrics.jsonl    one JSON object per finished epoch
    summary.json     the test result, written at the end
    curves.png, confusion.png, gates.png   figures of the run
    report.html      the run report (``minigru report``): clips to hear, figures, the config
    members/K/       (a run that trains several models) member K's own run folder: its
                     config.json, checkpoint.npz, best.npz and metrics.jsonl; the run's
                     best.npz is then the members' ensemble

The Trainer, the speech application, sweeps and the ``minigru`` command all ask a
:class:`RunFolder` for these paths instead of spelling the names themselves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InputError


class RunFolder:
    """The files of one run, under ``path`` (which need not exist yet)."""

    CONFIG = "config.json"
    CHECKPOINT = "checkpoint.npz"
    BEST = "best.npz"
    METRICS = "metrics.jsonl"
    SUMMARY = "summary.json"
    REPORT = "report.html"
    MEMBERS = "members"
    FIGURES = {"curves": "curves.png", "confusion": "confusion.png", "gates": "gates.png"}

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ paths
    @property
    def config(self) -> Path:
        return self.path / self.CONFIG

    @property
    def checkpoint(self) -> Path:
        return self.path / self.CHECKPOINT

    @property
    def best(self) -> Path:
        return self.path / self.BEST

    @property
    def metrics(self) -> Path:
        return self.path / self.METRICS

    @property
    def summary(self) -> Path:
        return self.path / self.SUMMARY

    @property
    def report(self) -> Path:
        return self.path / self.REPORT

    def member(self, k: int) -> RunFolder:
        """The run folder of member ``k`` (0, 1, ...) of a run that trains several models."""
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise InputError(f"RunFolder.member: k must be a member's index >= 0, got {k!r}")
        return RunFolder(self.path / self.MEMBERS / str(k))

    def members(self) -> list[RunFolder]:
        """The run folders of the members that exist so far, in the order of their index."""
        found = [p for p in (self.path / self.MEMBERS).glob("*") if p.name.isdigit()]
        return [RunFolder(p) for p in sorted(found, key=lambda p: int(p.name))]

    def figure(self, name: str) -> Path:
        """The path of a figure by its short name: curves, confusion or gates."""
        if name not in self.FIGURES:
            raise InputError(f"RunFolder.figure: name must be one of {sorted(self.FIGURES)}, "
                             f"got {name!r}")
        return self.path / self.FIGURES[name]

    def figures(self) -> list[Path]:
        """The figures this run has written, in the order of ``FIGURES``."""
        return [p for p in (self.figure(n) for n in self.FIGURES) if p.exists()]

    # ------------------------------------------------------------------ state
    def has_run(self) -> bool:
        """Whether a run has started here: its checkpoint, or its first member's."""
        return self.checkpoint.is_file() or self.member(0).checkpoint.is_file()

    def can_resume(self) -> bool:
        """Whether the folder holds a configuration and a checkpoint (its own, or for a run
        of several models its first member's) to continue from."""
        return self.config.is_file() and self.has_run()

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def write_json(self, path: Path, value: Any, sort_keys: bool = True) -> None:
        """Write ``value`` as indented JSON, atomically (a temporary file, then a rename)."""
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(value, indent=2, sort_keys=sort_keys) + "\n")
        os.replace(tmp, path)

    def read_config(self) -> dict[str, Any]:
        if not self.config.is_file():
            raise FileNotFoundError(f"no {self.CONFIG} in {self.path}")
        return json.loads(self.config.read_text())

    def write_config(self, cfg: dict[str, Any]) -> None:
        self.create()
        self.write_json(self.config, cfg)

    def write_summary(self, summary: dict[str, Any]) -> None:
        self.write_json(self.summary, summary, sort_keys=False)

    def read_summary(self) -> dict[str, Any]:
        return json.loads(self.summary.read_text())

    def write_metrics(self, history: list[dict[str, float]]) -> None:
        """All epochs so far, one JSON object per line, replacing the file atomically."""
        tmp = self.metrics.with_name(self.METRICS + ".tmp")
        with open(tmp, "w") as f:
            for row in history:
                f.write(json.dumps(row, sort_keys=True) + "\n")
        os.replace(tmp, self.metrics)

    def read_metrics(self) -> list[dict[str, float]]:
        return [json.loads(line) for line in self.metrics.read_text().splitlines() if line]

    @staticmethod
    def unique(base: str | os.PathLike[str], name: str) -> RunFolder:
        """``base/name``, or ``base/name-2``, ``-3``... if that exists already."""
        path, k = Path(base) / name, 1
        while path.exists():
            k += 1
            path = Path(base) / f"{name}-{k}"
        return RunFolder(path)
