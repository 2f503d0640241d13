"""``minigru gradcheck`` checks every differentiable operation in the package: a new
``Function`` or a public differentiable function left out of ``selfcheck.checks`` fails here."""

import importlib
import pkgutil

import numpy as np
import pytest

import minigru as mg
from minigru import selfcheck
from minigru.autograd import Function
from minigru.nn import functional as F

NOT_DIFFERENTIABLE = {
    "mg": {"Context", "Function", "GradcheckError", "InputError", "InputTypeError", "Tensor",
           "arange", "argmax", "argmin", "enable_grad", "float32", "float64", "full", "grad",
           "gradcheck", "int64", "is_grad_enabled", "load", "manual_seed", "no_grad", "ones",
           "ones_like", "rand", "randn", "save", "set_grad_enabled", "tensor", "zeros",
           "zeros_like"},
    "F": {"collapse", "ctc_beam_search_decode", "ctc_greedy_decode", "ctc_prefix_beam_search"},
}
"""Public callables that return no gradient (constructors, decoders, state), by namespace."""

COVERED_BY = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "pow": "pow",
              "matmul": "matmul", "flatten": "reshape", "squeeze": "reshape",
              "unsqueeze": "reshape", "swapaxes": "transpose", "logsumexp": "logsumexp"}
"""Names checked through the operation they are written with (``flatten`` is a reshape)."""


def _all_functions() -> set[type]:
    for info in pkgutil.walk_packages(mg.__path__, "minigru."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("minigru.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


@pytest.fixture(scope="module")
def applied():
    """The Function classes each check applies, recorded by wrapping Function.apply."""
    seen: dict[str, set[type]] = {}
    original = Function.apply.__func__
    current: list[str] = []

    def recording(cls, *args, **kwargs):
        seen.setdefault(current[0], set()).add(cls)
        return original(cls, *args, **kwargs)

    Function.apply = classmethod(recording)
    try:
        for name, fn, inputs in selfcheck.checks(np.random.default_rng(0)):
            current[:] = [name]
            fn(*inputs)
    finally:
        Function.apply = classmethod(original)
    return seen


def test_every_function_class_is_applied_by_some_check(applied):
    used = set().union(*applied.values())
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in _all_functions() - used)
    assert not missing, f"minigru gradcheck never checks: {missing}"


def test_every_public_differentiable_function_is_named_by_a_check():
    names = " / ".join(name for name, _, _ in selfcheck.checks(np.random.default_rng(0)))
    words = set(names.replace("(", " ").replace(")", " ").replace(",", " ").replace("/", " ")
                .split())
    missing = []
    for label, space in (("mg", mg), ("F", F)):
        public = getattr(space, "__all__", None) or [n for n in dir(space)
                                                      if not n.startswith("_")]
        for n in public:
            if not callable(getattr(space, n)) or n in NOT_DIFFERENTIABLE[label]:
                continue
            if isinstance(getattr(space, n), type) and not issubclass(getattr(space, n),
                                                                      Function):
                continue
            if COVERED_BY.get(n, n) not in words:
                missing.append(f"{label}.{n}")
    assert not missing, f"no check of minigru gradcheck is named after: {missing}"


def test_every_check_passes_in_float64():
    rows = selfcheck.run()
    failed = [(name, a, r) for name, a, r, ok in rows if not ok]
    assert not failed
    assert len(rows) >= 31
