"""Bad input gets a clear exception naming what was expected and what came."""

import numpy as np
import pytest

import minigru as mg


def test_matmul_shape_mismatch_names_the_shapes():
    a = mg.zeros(2, 3)
    b = mg.zeros(4, 5)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match="at least one dimension"):
        mg.matmul(mg.tensor(1.0), b)


def test_matmul_batch_mismatch():
    with pytest.raises(ValueError, match="batch dimensions"):
        mg.zeros(2, 2, 3) @ mg.zeros(3, 3, 4)


def test_broadcast_mismatch_in_binary_op():
    with pytest.raises(ValueError):
        mg.zeros(2, 3) + mg.zeros(4)


def test_reshape_error_names_shapes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(4, 2\)"):
        mg.zeros(2, 3).reshape(4, 2)


def test_transpose_bad_axes():
    with pytest.raises(ValueError, match="permutation"):
        mg.zeros(2, 3).transpose(0, 0)


def test_axis_out_of_range():
    with pytest.raises(ValueError, match="axis: 2 is out of range"):
        mg.zeros(2, 3).sum(axis=2)


def test_concat_mismatch_names_tensor():
    with pytest.raises(ValueError, match=r"tensors\[1\] has shape \(3, 3\)"):
        mg.concat([mg.zeros(2, 3), mg.zeros(3, 3)], axis=1)
    with pytest.raises(ValueError, match="non-empty"):
        mg.concat([])
    with pytest.raises(ValueError, match=r"tensors\[1\]"):
        mg.stack([mg.zeros(2), mg.zeros(3)])


def test_where_needs_boolean_condition():
    with pytest.raises(TypeError, match="cond"):
        mg.where(np.array([1, 0]), mg.zeros(2), mg.ones(2))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="min and max"):
        mg.clip(mg.zeros(2))
    with pytest.raises(ValueError, match="larger than max"):
        mg.clip(mg.zeros(2), 1.0, 0.0)


def test_grad_of_integer_tensor():
    with pytest.raises(TypeError, match="int64"):
        mg.tensor(np.arange(3), requires_grad=True)


def test_squeeze_non_unit_axis():
    with pytest.raises(ValueError, match="size 3, not 1"):
        mg.zeros(2, 3).squeeze(1)


def test_empty_reductions():
    with pytest.raises(ValueError, match="empty"):
        mg.zeros(0).max()
