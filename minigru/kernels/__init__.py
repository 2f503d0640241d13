"""Numba kernels: pure functions on NumPy arrays (no Tensor, no autograd, no I/O).

Each forward kernel returns what its backward kernel needs; each backward kernel is the
hand-derived chain rule, with the equations in its docstring. All of them are compiled by
:func:`minigru.kernels.jit.kernel` and also run as plain Python under ``NUMBA_DISABLE_JIT=1``.
"""
