"""The layers' matrix products (kernels/products.py) give NumPy's values, through the BLAS the
recurrent kernels use, for every layout, and hand anything else to NumPy unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigru as mg
from minigru.kernels import products as P


def layouts(x: np.ndarray) -> list[np.ndarray]:
    """x as C-contiguous, Fortran-contiguous, a strided view and a transposed copy's
    transpose: the same values in four memory layouts."""
    wide = np.zeros((x.shape[0], 2 * x.shape[1]), x.dtype)
    wide[:, ::2] = x
    return [x, np.asfortranarray(x), wide[:, ::2], np.ascontiguousarray(x.T).T]


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 2e-6)])
def test_matmul2d_equals_numpy_for_every_layout(dtype, rtol):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((37, 23)).astype(dtype)
    b = rng.standard_normal((23, 11)).astype(dtype)
    want = a.astype(np.float64) @ b.astype(np.float64)
    for a_ in layouts(a):
        for b_ in layouts(b):
            got = P.matmul2d(a_, b_)
            assert got.dtype == dtype and got.shape == (37, 11) and got.flags.c_contiguous
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 10)


@given(n=st.integers(1, 9), k=st.integers(1, 9), m=st.integers(1, 9),
       transpose_a=st.booleans(), transpose_b=st.booleans())
@settings(max_examples=60, deadline=None)
def test_matmul2d_any_shape(n, k, m, transpose_a, transpose_b):
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    a = rng.standard_normal((k, n)).T if transpose_a else rng.standard_normal((n, k))
    b = rng.standard_normal((m, k)).T if transpose_b else rng.standard_normal((k, m))
    np.testing.assert_allclose(P.matmul2d(a, b), a @ b, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("a,b", [
    (np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)),                   # integers
    (np.ones((2, 3), np.float16), np.ones((3, 4), np.float16)),                   # float16
    (np.ones((2, 3), np.float32), np.ones((3, 4), np.float64)),                   # mixed
    (np.ones((0, 3)), np.ones((3, 4))),                                           # empty
    (np.ones((2, 0)), np.ones((0, 4))),                                           # k = 0
    (np.ones(3), np.ones((3, 4))),                                                # 1-D
    (np.ones((5, 2, 3)), np.ones((5, 3, 4))),                                     # batched
])
def test_other_operands_go_to_numpy_unchanged(a, b):
    got, want = P.matmul(a, b), np.matmul(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_misaligned_operands_raise_as_numpy_does():
    with pytest.raises(ValueError):
        P.matmul2d(np.ones((2, 3)), np.ones((4, 5)))


def test_leading_axes_are_one_product():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5, 6))
    w = rng.standard_normal((6, 3))
    np.testing.assert_allclose(P.matmul(x, w), x @ w, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(P.matmul(x, w.T.copy().T), x @ w, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("axes,shape_a,shape_b", [
    (([1, 3], [1, 2]), (2, 3, 4, 5), (6, 3, 5)),   # a 1-D convolution's forward
    (([0, 2], [0, 2]), (2, 3, 4, 5), (2, 6, 4)),   # its weight gradient
    (([1], [0]), (2, 3, 4), (3, 5)),
    (([-1], [0]), (2, 3, 4), (4, 5)),
])
def test_tensordot_equals_numpy(axes, shape_a, shape_b):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    np.testing.assert_allclose(P.tensordot(a, b, axes), np.tensordot(a, b, axes), rtol=1e-13,
                               atol=1e-13)


def test_linear_and_matmul_gradients_through_the_shared_blas():
    """The layers that now call these products keep their float64 gradients."""
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((6, 5)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(6), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: mg.nn.functional.linear(x, w, b), (x, w, b))
    m = mg.tensor(rng.standard_normal((5, 7)), requires_grad=True)
    assert mg.gradcheck(lambda x, m: x @ m, (x, m))
