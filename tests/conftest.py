"""Test configuration: a cache folder of the suite's own, hypothesis settings for jitted code,
and a seeded generator fixture.

The suite computes thousands of features; they go to a temporary cache removed at the end,
never into the user's ``~/.cache/minigru``. Numba's compiled kernels stay in the user's
Numba cache (``minigru.paths.numba_cache_dir``): it is keyed on the kernels' source, so
sharing it is safe, and it spares every run a fresh compile.
"""

import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import settings

from minigru import paths

os.environ.setdefault("NUMBA_CACHE_DIR", str(paths.numba_cache_dir()))
_CACHE = tempfile.mkdtemp(prefix="minigru-test-cache-")
os.environ["MINIGRU_CACHE"] = _CACHE

settings.register_profile("minigru", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("minigru")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
