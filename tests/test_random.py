import numpy as np
import pytest

import minigru as mg


def test_manual_seed_makes_draws_repeat():
    mg.manual_seed(42)
    a = mg.random.default_rng().standard_normal(4)
    mg.manual_seed(42)
    b = mg.random.default_rng().standard_normal(4)
    assert np.array_equal(a, b)
    assert np.array_equal(a, np.random.default_rng(42).standard_normal(4))


def test_state_round_trip():
    mg.manual_seed(1)
    state = mg.random.get_rng_state()
    a = mg.random.default_rng().random(3)
    mg.random.set_rng_state(state)
    assert np.array_equal(a, mg.random.default_rng().random(3))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        mg.manual_seed(seed)
