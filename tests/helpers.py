"""Helpers for the tests: float64 tensors from a given generator."""

import minigru as mg


def t64(rng, *shape, low=None, high=None, requires_grad=True):
    """A float64 leaf tensor of random values (normal, or uniform in [low, high))."""
    if low is None:
        data = rng.standard_normal(shape)
    else:
        data = rng.uniform(low, high, shape)
    return mg.tensor(data, requires_grad=requires_grad, dtype="float64")
