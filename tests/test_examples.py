"""Every example runs with --quick, and its headline number beats a trivial baseline."""

import json
import pathlib
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
NEEDS = {"03_spoken_digits": "fsdd", "04_gru_vs_lstm_vs_rnn": "fsdd", "10_streaming": "fsdd",
         "06_ctc_digit_strings": "fsdd", "08_names_by_language": "names",
         "09_polyphonic_music": "polyphonic", "11_long_documents": "speeches"}
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("[0-9][0-9]_*.py"))


def test_there_are_eleven_examples():
    assert len(SCRIPTS) == 11


def test_autograd_tour():
    result = subprocess.run([sys.executable, str(EXAMPLES / "01_autograd_tour.py"), "--quick"],
                            capture_output=True, text=True, cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert "every element of every input agrees: True" in result.stdout
    assert "caught: gradient mismatch for input 0" in result.stdout


@pytest.mark.parametrize("name", [s for s in SCRIPTS if s != "01_autograd_tour"])
def test_example_quick_run_beats_its_baseline(name, tmp_path):
    need = NEEDS.get(name)
    if need and not (SHARED / need).is_dir():
        pytest.skip(f"../shared/data/{need} is not beside the repository")
    result = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick",
                             "--out", str(tmp_path), "--threads", "2"],
                            capture_output=True, text=True, cwd=EXAMPLES)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    headline = json.loads((tmp_path / "results.json").read_text())["headline"]
    if headline["higher_is_better"]:
        assert headline["value"] > headline["baseline"], headline
    else:
        assert headline["value"] < headline["baseline"], headline
    figures = sorted(tmp_path.glob("*.png"))
    assert figures, "the example wrote no figure"
    for png in figures:
        pixels = plt.imread(png)
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100, png
        assert pixels[..., :3].std() > 0.01, f"{png.name} is blank"


def test_missing_data_is_a_clear_message(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "08_names_by_language.py"),
                             "--quick", "--data-dir", str(tmp_path / "nowhere"), "--out",
                             str(tmp_path)], capture_output=True, text=True, cwd=EXAMPLES)
    assert result.returncode != 0
    assert "nowhere" in result.stderr and "download.pytorch.org" in result.stderr
    assert "Traceback" not in result.stderr
