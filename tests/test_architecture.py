"""The house: imports go down the floors of docs/architecture.md and never in a circle; the
run folder's file names live in one module; features are computed by the pipeline only;
``import minigru`` loads the library alone and writes nothing into the package."""

import ast
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "minigru"


def floors() -> dict[str, int]:
    """module prefix -> floor, from the table in docs/architecture.md."""
    table = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|(.*?)\|", line)
        if m:
            for name in re.findall(r"`([\w.]+)`", m.group(2)):
                table[name] = int(m.group(1))
    return table


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every minigru module ``name`` imports, at module level or inside functions."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "minigru"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "minigru":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == \
                "import_module" and name != "minigru":
            out.add("<dynamic import>")
    out.discard(name)
    return out


def floor_of(name: str, table: dict[str, int]) -> int:
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in table:
            return table[prefix]
    raise AssertionError(f"{name} is on no floor of docs/architecture.md: add it to the table")


def test_every_module_is_on_a_floor():
    table = floors()
    assert len(set(table.values())) == 9
    for name in MODULES:
        floor_of(name, table)


def test_imports_only_go_down():
    table = floors()
    upward = []
    for name in MODULES:
        for target in imports_of(name):
            assert target != "<dynamic import>", f"{name} imports by name at run time"
            if floor_of(target, table) > floor_of(name, table):
                upward.append(f"{name} (floor {floor_of(name, table)}) imports {target} "
                              f"(floor {floor_of(target, table)})")
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    graph = {name: {t for t in imports_of(name) if t in MODULES and t != "minigru"}
             for name in MODULES if name != "minigru"}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            # a package's __init__ importing its own submodules is how packages are built
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_engine_has_no_cycle_and_tensor_imports_only_the_graph():
    assert imports_of("minigru.graph") <= {"minigru.errors"}
    assert imports_of("minigru.tensor") == {"minigru.graph", "minigru.errors"}
    assert "minigru.tensor" in imports_of("minigru.autograd")


def test_cli_reaches_only_the_application():
    allowed = ("minigru.speech", "minigru.training", "minigru.selfcheck", "minigru.runtime",
               "minigru._version", "minigru.errors")
    assert imports_of("minigru.cli") <= {"minigru.commands", "minigru._version",
                                         "minigru.runtime", "minigru.speech.config",
                                         "minigru.speech.inspect"}
    for target in imports_of("minigru.commands"):
        assert target.startswith(allowed), f"commands.py imports {target}"


RUN_FILE_NAMES = ("checkpoint.npz", "best.npz", "config.json", "metrics.jsonl", "summary.json",
                  "curves.png", "confusion.png", "gates.png")


def string_constants(path: Path) -> list[str]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                    ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docstrings]


def test_run_folder_names_live_in_one_module():
    owner = PACKAGE / "training" / "run_folder.py"
    for path in PACKAGE.rglob("*.py"):
        if path == owner:
            continue
        for text in string_constants(path):
            for name in RUN_FILE_NAMES:
                assert name not in text, f"{path.relative_to(ROOT)} spells {name!r}"
    constants = string_constants(owner)
    for name in RUN_FILE_NAMES:
        assert any(name == c for c in constants), name


def test_features_are_computed_by_the_pipeline_only():
    """No call of mfcc / mfcc_batch / fbank outside minigru/audio: every other part of the
    package asks the FeaturePipeline."""
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "audio":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
                assert name not in ("mfcc", "mfcc_batch", "fbank", "fbank_batch"), \
                    f"{path.relative_to(ROOT)}:{node.lineno} calls {name}"


def run_python(code: str, **env: str) -> str:
    full = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_minigru_loads_the_library_only():
    loaded = run_python("import sys, minigru; print(' '.join(sorted(sys.modules)))").split()
    for heavy in ("tqdm", "matplotlib", "minigru.training", "minigru.speech", "minigru.cli",
                  "dask", "scipy.signal", "scipy.fft", "minigru.audio", "minigru.data"):
        assert not any(m == heavy or m.startswith(heavy + ".") for m in loaded), heavy
    assert "minigru.nn" in loaded and "minigru.optim" in loaded
    on_use = run_python("import sys, minigru as mg; mg.audio.FeaturePipeline; mg.data.DataLoader; "
                        "print(' '.join(sorted(sys.modules)))").split()
    assert "minigru.audio.pipeline" in on_use and "minigru.data.loader" in on_use


def test_the_application_loads_matplotlib_only_to_draw_and_never_pyplot(tmp_path):
    """``minigru predict``, ``evaluate`` and ``stream`` draw nothing, so importing the
    application and the command does not load matplotlib; a figure is a Figure of its own,
    drawn without pyplot (whose backend and open figures a notebook relies on)."""
    def modules(code: str) -> list[str]:
        return run_python(code + "; import sys; print(' '.join(sorted(sys.modules)))").split()

    loaded = modules("import minigru.speech, minigru.speech.stream, minigru.cli")
    assert not any(m.startswith("matplotlib") for m in loaded)
    png = tmp_path / "confusion.png"
    drawn = modules("from minigru.speech.figures import plot_confusion; "
                    f"plot_confusion([[3, 1], [0, 4]], ['a', 'b'], {str(png)!r})")
    assert "matplotlib.figure" in drawn and "matplotlib.pyplot" not in drawn
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_caches_live_in_the_user_cache_folder_not_the_package(tmp_path):
    code = ("import numpy as np, minigru as mg, os; "
            "g = mg.nn.GRU(3, 4); g(mg.tensor(np.ones((2, 1, 3), np.float32)));"
            "print(os.environ['NUMBA_CACHE_DIR'])")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR",)}
    env["MINIGRU_CACHE"] = str(tmp_path / "cache")
    before = {p for p in PACKAGE.rglob("*") if p.suffix in (".nbi", ".nbc")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    numba_dir = Path(out.stdout.strip())
    assert numba_dir.is_relative_to(tmp_path / "cache" / "numba")
    assert list(numba_dir.rglob("*.nbi")), "nothing was cached"
    assert {p for p in PACKAGE.rglob("*") if p.suffix in (".nbi", ".nbc")} == before


def test_numba_cache_folder_is_keyed_on_the_kernels_source(tmp_path, monkeypatch):
    from minigru import paths

    monkeypatch.setenv("MINIGRU_CACHE", str(tmp_path))
    first = paths.numba_cache_dir()
    assert first.parent == tmp_path / "numba"
    assert paths.source_digest("kernels") in first.name
    paths.source_digest.cache_clear()
    try:
        kernels = tmp_path / "pkg" / "kernels"
        kernels.mkdir(parents=True)
        (kernels / "a.py").write_text("x = 1\n")
        monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "pkg")
        before = paths.source_digest("kernels")
        paths.source_digest.cache_clear()
        (kernels / "b.py").write_text("y = 2\n")
        assert paths.source_digest("kernels") != before
    finally:
        paths.source_digest.cache_clear()


@pytest.mark.parametrize("old, new, attr", [
    ("recipes", "minigru.speech.run", "train_run"),
    ("train", "minigru.training", "Trainer"),
    ("models", "minigru.speech.models", "GRUClassifier"),
    ("streaming", "minigru.speech.stream", "StreamingRecognizer"),
    ("plot", "minigru.speech.figures", "plot_curves"),
    ("sweep", "minigru.speech.sweep", "run_sweep"),
])
def test_old_module_paths_still_work_with_a_warning(old, new, attr):
    import importlib

    sys.modules.pop(f"minigru.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"minigru.{old} is deprecated"):
        module = importlib.import_module(f"minigru.{old}")
    assert getattr(module, attr) is getattr(importlib.import_module(new), attr)


def test_feature_spec_alias():
    import minigru as mg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert mg.data.FeatureSpec is mg.audio.FeaturePipeline
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
