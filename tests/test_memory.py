"""Keeping freed memory in the process: the setting, who applies it, its switch and its
argument checks."""

import os
import subprocess
import sys

import numpy as np
import pytest

import minigru as mg

GLIBC = sys.platform.startswith("linux") and mg.memory._libc() is not None


@pytest.mark.skipif(not GLIBC, reason="only glibc has the mallopt thresholds")
def test_switchable():
    mg.runtime.apply_memory_default()
    assert mg.memory.retaining_freed_memory()
    try:
        assert mg.memory.retain_freed_memory(False)
        assert not mg.memory.retaining_freed_memory()
        a = np.ones(1 << 20)
        del a
        mg.memory.trim()
    finally:
        assert mg.memory.retain_freed_memory(True)
    assert mg.memory.retaining_freed_memory()


@pytest.mark.skipif(not GLIBC, reason="only glibc has the mallopt thresholds")
def test_import_leaves_the_allocator_alone_and_the_runtime_applies_it():
    code = ("import minigru as mg; a = mg.memory.retaining_freed_memory(); "
            "b = mg.runtime.apply_memory_default(); print(a, b)")
    env = {k: v for k, v in os.environ.items() if k != "MINIGRU_RETAIN_MEMORY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.skipif(not GLIBC, reason="only glibc has the mallopt thresholds")
def test_environment_switch():
    code = "import minigru as mg; print(mg.runtime.apply_memory_default())"
    env = dict(os.environ, MINIGRU_RETAIN_MEMORY="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("kwargs", [{"trim_threshold": -1}, {"mmap_threshold": 1.5}])
def test_bad_thresholds(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        mg.memory.retain_freed_memory(True, **kwargs)
