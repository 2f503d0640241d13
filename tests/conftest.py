"""Test configuration: hypothesis settings for jitted code and a seeded generator fixture."""

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("minigru", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("minigru")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
