"""docs/guides.md: its PyTorch round trip runs where torch is installed."""

import importlib.util
import pathlib
import re

import pytest

from minigru.speech import config, run

GUIDES = pathlib.Path(__file__).resolve().parents[1] / "docs" / "guides.md"


def test_the_pytorch_round_trip_runs(tmp_path, capsys):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (pip install -e \".[bench]\" adds the CPU build); "
                    "the round trip in docs/guides.md runs where it is")
    cfg = config.make_config({"limit": 4, "epochs": 1, "hidden": 8, "threads": 1,
                              "synthetic": {"sample_rate": 8000}})
    run.train_run(cfg, tmp_path / "run", log=None, quiet=True)
    (block,) = re.findall(r"^```python\n(.*?)^```", GUIDES.read_text(), flags=re.S | re.M)
    exec(block, {"CHECKPOINT": tmp_path / "run" / "best.npz"})
    assert "give the same logits, both ways" in capsys.readouterr().out
