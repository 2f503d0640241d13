"""The math pages execute: every ```python block of docs/gru.md runs, in order, as one
program whose blocks check their formulas against the fused kernels and central finite
differences. A formula edited on the page, in its text's code, fails here.

Run a page by hand with ``python tests/test_docs_math.py docs/gru.md``.
"""

import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "gru.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def run_page(text: str) -> dict:
    namespace: dict = {"__name__": "docs_math"}
    for k, block in enumerate(python_blocks(text)):
        exec(compile(block, f"{PAGE.name} python block {k + 1}", "exec"), namespace)
    return namespace


def test_the_gru_page_runs_and_checks_itself(capsys):
    run_page(PAGE.read_text())
    out = capsys.readouterr().out
    for line in ("forward: the formulas equal the fused kernel",
                 "backward: the derivation equals the fused kernel's gradients",
                 "backward: the derivation equals central finite differences",
                 "step Jacobians: both formulas equal central finite differences",
                 "LSTM: the formulas equal the fused kernel", "CTC: the recursions equal"):
        assert line in out


def test_the_page_has_a_block_for_every_formula_section():
    text = PAGE.read_text()
    assert len(python_blocks(text)) >= 12
    for heading in ("## Forward", "## Backward through time", "## A worked example",
                    "## Why gradients vanish", "## The LSTM", "## CTC"):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        assert "```python" in section, f"{heading} has no executable block"


MUTATIONS = [
    ("dn = dh * (1 - z)", "dn = dh * z"),                        # step 1
    ("da_r = da_n * q * r * (1 - r)", "da_r = da_n * q * r"),    # step 3, reset_after=True
    ("dh_prev = dh_prev + du * r + G_h", "dh_prev = dh_prev + G_h"),  # step 4, Cho et al.
    ("Gh[:, 2 * H:].T @ U.reshape(T * B, H)", "Gh[:, 2 * H:].T @ Hp"),  # item 1 of the issue
    ("q = (r * h) @ W_hn.T + b_hn", "q = r * (h @ W_hn.T) + b_hn"),
    ("np.diag((h - n) * z * (1 - z)) @ W_hz", "np.diag((h - n) * z) @ W_hz"),
    ("dc_tot = dc + dh * o * (1 - k**2)", "dc_tot = dc + dh * o"),
    ("and ext[s] != blank and ext[s] != ext[s - 2]", "and ext[s] != blank"),
]


@pytest.mark.parametrize("old, new", MUTATIONS, ids=[m[1][:40] for m in MUTATIONS])
def test_a_changed_formula_fails(old, new):
    """Each mutation edits the first Python block that holds the formula."""
    text = PAGE.read_text()
    block = next((b for b in python_blocks(text) if old in b), None)
    assert block is not None, f"no Python block of the page holds {old!r}"
    with pytest.raises(AssertionError):
        run_page(text.replace(block, block.replace(old, new, 1), 1))


if __name__ == "__main__":
    run_page(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else PAGE).read_text())
