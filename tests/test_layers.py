"""Layers: values against loops written from the definition, float64 gradchecks."""

import numpy as np
import pytest

import minigru as mg
from minigru import nn
from minigru.nn import functional as F

from .helpers import t64


def naive_conv1d(x, w, b, stride, padding, dilation):
    N, C, L = x.shape
    Co, _, K = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    Lo = (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1
    y = np.zeros((N, Co, Lo))
    for n in range(N):
        for o in range(Co):
            for lo in range(Lo):
                acc = 0.0 if b is None else b[o]
                for c in range(C):
                    for k in range(K):
                        acc += w[o, c, k] * xp[n, c, lo * stride + k * dilation]
                y[n, o, lo] = acc
    return y


def naive_conv2d(x, w, b, stride, padding, dilation):
    N, C, H, W = x.shape
    Co, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    Ho = (H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) // stride[0] + 1
    Wo = (W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) // stride[1] + 1
    y = np.zeros((N, Co, Ho, Wo))
    for n, o, i, j in np.ndindex(N, Co, Ho, Wo):
        patch = xp[n, :, i * stride[0]:i * stride[0] + dilation[0] * (KH - 1) + 1:dilation[0],
                   j * stride[1]:j * stride[1] + dilation[1] * (KW - 1) + 1:dilation[1]]
        y[n, o, i, j] = np.sum(patch * w[o]) + (0 if b is None else b[o])
    return y


CONV1D_CASES = [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2), (2, 0, 3)]


@pytest.mark.parametrize("stride,padding,dilation", CONV1D_CASES)
def test_conv1d_values_and_gradients(stride, padding, dilation):
    rng = np.random.default_rng(stride * 10 + padding + dilation)
    x, w, b = t64(rng, 2, 3, 11), t64(rng, 4, 3, 3), t64(rng, 4)
    y = F.conv1d(x, w, b, stride, padding, dilation)
    np.testing.assert_allclose(y.data, naive_conv1d(x.data, w.data, b.data, stride, padding,
                                                    dilation), rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation), [x, w, b])


def test_conv1d_without_bias_and_same_padding():
    rng = np.random.default_rng(1)
    x, w = t64(rng, 2, 2, 7), t64(rng, 3, 2, 4)
    y = F.conv1d(x, w, padding="same")
    assert y.shape == (2, 3, 7)
    assert mg.gradcheck(lambda x, w: F.conv1d(x, w, padding="same", dilation=2), [x, w])


@pytest.mark.parametrize("stride,padding,dilation", [((1, 1), (0, 0), (1, 1)),
                                                     ((2, 1), (1, 2), (1, 2))])
def test_conv2d_values_and_gradients(stride, padding, dilation):
    rng = np.random.default_rng(2)
    x, w, b = t64(rng, 2, 2, 6, 7), t64(rng, 3, 2, 3, 2), t64(rng, 3)
    y = F.conv2d(x, w, b, stride, padding, dilation)
    np.testing.assert_allclose(y.data, naive_conv2d(x.data, w.data, b.data, stride, padding,
                                                    dilation), rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), [x, w, b])


def test_conv_modules_and_unbatched_input():
    mg.manual_seed(0)
    conv = nn.Conv1d(3, 5, 3, padding=1)
    assert conv.weight.shape == (5, 3, 3) and conv.bias.shape == (5,)
    bound = 1 / np.sqrt(9)
    assert np.abs(conv.weight.data).max() <= bound
    x = mg.randn(3, 8)
    assert conv(x).shape == (5, 8)
    assert nn.Conv2d(1, 2, (3, 2))(mg.randn(4, 1, 5, 5)).shape == (4, 2, 3, 4)


def test_conv_bad_input():
    w = mg.zeros(4, 3, 3)
    with pytest.raises(ValueError, match="5 channels.*expects 3"):
        F.conv1d(mg.zeros(2, 5, 10), w)
    with pytest.raises(ValueError, match="input must be"):
        F.conv1d(mg.zeros(10), w)
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        F.conv1d(mg.zeros(1, 3, 2), w)
    with pytest.raises(ValueError, match="stride"):
        F.conv1d(mg.zeros(1, 3, 5), w, stride=0)
    with pytest.raises(ValueError, match="same"):
        F.conv1d(mg.zeros(1, 3, 5), w, stride=2, padding="same")


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 1, 1), (3, 2, 0)])
def test_max_pool1d(kernel, stride, padding):
    rng = np.random.default_rng(3)
    x = t64(rng, 2, 3, 9)
    y = F.max_pool1d(x, kernel, stride, padding)
    s = kernel if stride is None else stride
    xp = np.pad(x.data, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    Lo = (9 + 2 * padding - kernel) // s + 1
    ref = np.stack([xp[:, :, i * s:i * s + kernel].max(-1) for i in range(Lo)], -1)
    np.testing.assert_array_equal(y.data, ref)
    assert mg.gradcheck(lambda t: F.max_pool1d(t, kernel, stride, padding), [x])


def test_max_pool_with_ties_splits_the_gradient():
    x = mg.tensor([[[1.0, 3.0, 3.0, 0.0, 2.0, 2.0]]], requires_grad=True, dtype="float64")
    F.max_pool1d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[0, 1, 1, 0, 0.5, 0.5]]])
    assert mg.gradcheck(lambda t: F.max_pool1d(t, 3, 1), [x])


def test_max_pool2d_and_avg_pool1d():
    rng = np.random.default_rng(4)
    x = t64(rng, 2, 2, 5, 6)
    y = F.max_pool2d(x, (2, 3))
    ref = x.data[:, :, :4, :6].reshape(2, 2, 2, 2, 2, 3).max(axis=(3, 5))
    np.testing.assert_array_equal(y.data, ref)
    assert mg.gradcheck(lambda t: F.max_pool2d(t, 2, 1, 1), [x])
    z = t64(rng, 2, 3, 8)
    np.testing.assert_allclose(F.avg_pool1d(z, 2).data, z.data.reshape(2, 3, 4, 2).mean(-1))
    assert mg.gradcheck(lambda t: F.avg_pool1d(t, 3, 2, 1), [z])
    assert nn.MaxPool1d(2)(mg.zeros(1, 2, 6)).shape == (1, 2, 3)
    assert nn.AvgPool1d(2)(mg.zeros(1, 2, 6)).shape == (1, 2, 3)
    assert nn.MaxPool2d(2)(mg.zeros(1, 2, 6, 4)).shape == (1, 2, 3, 2)


def test_pool_bad_input():
    with pytest.raises(ValueError, match="half the kernel"):
        F.max_pool1d(mg.zeros(1, 1, 8), 2, padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        F.max_pool1d(mg.zeros(1, 1, 8), 0)


def test_linear_values_and_gradients():
    rng = np.random.default_rng(5)
    x, w, b = t64(rng, 2, 3, 4), t64(rng, 5, 4), t64(rng, 5)
    np.testing.assert_allclose(F.linear(x, w, b).data, x.data @ w.data.T + b.data)
    assert mg.gradcheck(F.linear, [x, w, b])
    assert mg.gradcheck(lambda x, w: F.linear(x, w), [x, w])
    with pytest.raises(ValueError, match="in_features = 4"):
        F.linear(mg.zeros(2, 3), w)


def test_embedding_with_repeats_and_padding():
    rng = np.random.default_rng(6)
    w = t64(rng, 5, 3)
    idx = np.array([[0, 2, 2], [4, 0, 1]])
    out = F.embedding(idx, w, padding_idx=0)
    np.testing.assert_array_equal(out.data, w.data[idx])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad[:, 0], [0, 1, 2, 0, 1])
    w.grad = None
    assert mg.gradcheck(lambda w: F.embedding(np.array([1, 1, 3]), w), [w])
    emb = nn.Embedding(10, 4, padding_idx=2)
    assert np.all(emb.weight.data[2] == 0)
    assert emb(mg.tensor([[1, 2]])).shape == (1, 2, 4)
    with pytest.raises(IndexError, match="index 10"):
        emb(np.array([10]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([1.0]))


def test_dropout_scaling_eval_and_determinism():
    x = mg.ones(1000, dtype="float64", requires_grad=True)
    mg.manual_seed(1)
    y = F.dropout(x, 0.25)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    assert 0.65 < kept.mean() < 0.85
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)
    mg.manual_seed(1)
    assert np.array_equal(F.dropout(x, 0.25).data, y.data)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert np.all(F.dropout(x, 1.0).data == 0)


def test_dropout_mask_is_the_factor_dropout_multiplies_by():
    """``dropout_mask`` draws what ``dropout`` multiplies its input by (the stack of batch
    halves draws its masks with it), from the same generator state."""
    from minigru.ops.layers import dropout_mask

    x = mg.tensor(np.linspace(1.0, 2.0, 60).reshape(3, 4, 5), dtype="float32")
    y = F.dropout(x, 0.3, rng=np.random.default_rng(2))
    m = dropout_mask((3, 4, 5), 0.3, np.float32, np.random.default_rng(2))
    assert m.dtype == np.float32 and set(np.unique(m)) <= {0.0, np.float32(1 / 0.7)}
    np.testing.assert_array_equal(y.data, x.data * m)
    assert dropout_mask((3, 4), 1.0, np.float64).shape == ()
    for p in (0.0, -0.1, 1.5):
        with pytest.raises(mg.InputError, match=f"dropout_mask: p must be in \\(0, 1\\], got {p}"):
            dropout_mask((2,), p, np.float64)


def test_layer_norm():
    rng = np.random.default_rng(7)
    x, w, b = t64(rng, 3, 4), t64(rng, 4), t64(rng, 4)
    y = F.layer_norm(x, 4, w, b)
    xd = x.data
    ref = (xd - xd.mean(1, keepdims=True)) / np.sqrt(xd.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.data, ref * w.data + b.data, rtol=1e-12)
    assert mg.gradcheck(lambda x, w, b: F.layer_norm(x, 4, w, b), [x, w, b])
    assert nn.LayerNorm(4)(mg.randn(2, 4)).shape == (2, 4)


def test_batch_norm_training_and_running_stats():
    rng = np.random.default_rng(8)
    bn = nn.BatchNorm1d(3).double()
    x = t64(rng, 4, 3, 5)
    y = bn(x)
    mean = x.data.mean((0, 2))
    var = x.data.var((0, 2))
    ref = (x.data - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    np.testing.assert_allclose(y.data, ref, rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean, 0.1 * mean)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * var * 20 / 19)
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    z = bn(x)
    np.testing.assert_allclose(
        z.data, (x.data - bn.running_mean[None, :, None]) / np.sqrt(
            bn.running_var[None, :, None] + 1e-5))
    w, b = t64(rng, 3), t64(rng, 3)
    assert mg.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                        [x, w, b])
    with pytest.raises(ValueError, match="channels"):
        bn(mg.zeros(2, 4))


def test_activation_modules():
    x = mg.tensor([-1.0, 0.5])
    np.testing.assert_allclose(nn.ReLU()(x).data, [0, 0.5])
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh([-1, 0.5]), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp([1, -0.5])), rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax()(x).data.sum(), 1, rtol=1e-6)
