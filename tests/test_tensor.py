import numpy as np
import pytest

import minigru as mg


def test_python_floats_default_to_float32():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.dtype == np.float32
    assert x.shape == (2, 2) and x.ndim == 2 and x.size == 4 and len(x) == 2


def test_dtype_argument_is_kept():
    for name in ("float64", "double", np.float64):
        assert mg.tensor([1.0], dtype=name).dtype == np.float64


def test_numpy_array_keeps_its_dtype_and_is_copied():
    a = np.arange(3, dtype=np.float64)
    x = mg.tensor(a)
    assert x.dtype == np.float64
    a[0] = 99
    assert x.data[0] == 0


def test_integers_and_bools():
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True, False]).dtype == np.bool_


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="int64"):
        mg.tensor([1, 2, 3], requires_grad=True)
    x = mg.tensor([1, 2])
    with pytest.raises(TypeError, match="floating"):
        x.requires_grad = True


def test_unknown_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="dtype"):
        mg.tensor([1.0], dtype="complex128")
    with pytest.raises(TypeError, match="dtype"):
        mg.tensor(["a", "b"])


def test_item_numpy_detach():
    x = mg.tensor([2.5], requires_grad=True)
    assert x.item() == 2.5
    assert isinstance(x.numpy(), np.ndarray)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf and d.item() == 5.0
    with pytest.raises(ValueError, match="one-element"):
        mg.tensor([1.0, 2.0]).item()


def test_grad_setter_validates_shape():
    x = mg.tensor(np.zeros((2, 3)), requires_grad=True)
    x.grad = np.ones((2, 3))
    assert x.grad.dtype == x.dtype and np.all(x.grad == 1)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        x.grad = np.ones((3, 2))
    x.grad = None
    assert x.grad is None


def test_operators_with_numbers_and_arrays_keep_float32():
    x = mg.tensor([1.0, 2.0])
    assert (x * 2.0).dtype == np.float32
    assert (2.0 - x).dtype == np.float32
    assert (1 / x).dtype == np.float32
    np.testing.assert_allclose((2.0 - x).data, [1.0, 0.0])
    np.testing.assert_allclose((2 ** x).data, [2.0, 4.0])
    np.testing.assert_allclose((np.array([1.0, 1.0]) + x).data, [2.0, 3.0])


def test_comparisons_give_bool_tensors_without_grad():
    x = mg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    m = x > 0
    assert m.dtype == np.bool_ and not m.requires_grad
    assert m.tolist() == [False, False, True]
    assert (x == 0).tolist() == [False, True, False]


def test_repr_mentions_grad_state():
    x = mg.tensor([1.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "float64" in repr(mg.tensor([1.0], dtype="float64"))


def test_factories():
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros(2, 3).dtype == np.float32
    assert mg.ones((4,), dtype="float64").dtype == np.float64
    assert mg.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert mg.arange(4).tolist() == [0, 1, 2, 3]
    mg.manual_seed(3)
    a = mg.randn(5).data
    mg.manual_seed(3)
    assert np.array_equal(a, mg.randn(5).data)
    with pytest.raises(ValueError, match="shape"):
        mg.zeros(-1)


def test_bool_of_multi_element_tensor_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mg.tensor([1.0, 2.0]))
