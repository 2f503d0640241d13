"""The one random number generator of minigru.

Every random draw in the library (weight initialisation, dropout masks, shuffling) comes from
a single :class:`numpy.random.Generator`, or from an explicit ``rng=`` argument where a function
accepts one. ``manual_seed(seed)`` replaces that generator, so one call makes a whole run
reproducible::

    import minigru as mg
    mg.manual_seed(0)
    mg.random.default_rng().standard_normal(3)   # the same three numbers on every machine

The generator starts seeded with ``DEFAULT_SEED``, so a program that never seeds is still
reproducible from one run to the next (PyTorch does the same with its default generator).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError, InputTypeError

DEFAULT_SEED = 0

_generator = np.random.default_rng(DEFAULT_SEED)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator with ``seed`` (a non-negative integer) and return it."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_rng() -> np.random.Generator:
    """The global generator that ``manual_seed`` sets."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The global generator's state as a JSON-serialisable dict (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise InputError("set_rng_state: state must be a dict returned by get_rng_state()")
    bit_generator = getattr(np.random, state["bit_generator"], None)
    if bit_generator is None:
        raise InputError(f"set_rng_state: unknown bit generator {state['bit_generator']!r}")
    global _generator
    bg = bit_generator()
    bg.state = state
    _generator = np.random.Generator(bg)


def resolve_rng(rng: np.random.Generator | None) -> np.random.Generator:
    """``rng`` if one is given, else the global generator."""
    if rng is None:
        return _generator
    if not isinstance(rng, np.random.Generator):
        raise InputTypeError(f"rng must be a numpy.random.Generator or None, got "
                             f"{type(rng).__name__}")
    return rng
