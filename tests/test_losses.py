"""Losses against formulas written independently in NumPy, and float64 gradchecks."""

import numpy as np
import pytest

import minigru as mg
from minigru import nn
from minigru.nn import functional as F

from .helpers import t64


def ref_cross_entropy(x, y, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    C = x.shape[1]
    w = np.ones(C) if weight is None else weight
    m = x.max(1, keepdims=True)
    logp = x - m - np.log(np.exp(x - m).sum(1, keepdims=True))
    losses, weights = [], []
    for n in range(x.shape[0]):
        if y[n] == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        nll = -w[y[n]] * logp[n, y[n]]
        smooth = -(w * logp[n]).sum()
        losses.append((1 - smoothing) * nll + smoothing / C * smooth)
        weights.append(w[y[n]])
    losses = np.array(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / np.sum(weights)


CE_CASES = [
    dict(),
    dict(ignore_index=2),
    dict(smoothing=0.1),
    dict(smoothing=0.2, ignore_index=1, weighted=True),
    dict(weighted=True, reduction="sum"),
    dict(reduction="none", smoothing=0.3),
]


@pytest.mark.parametrize("case", CE_CASES, ids=str)
def test_cross_entropy(case):
    rng = np.random.default_rng(0)
    x = t64(rng, 6, 4)
    y = np.array([0, 2, 1, 3, 2, 1])
    weight = rng.uniform(0.5, 2, 4) if case.get("weighted") else None
    kwargs = dict(weight=weight, ignore_index=case.get("ignore_index", -100),
                  reduction=case.get("reduction", "mean"),
                  label_smoothing=case.get("smoothing", 0.0))
    out = F.cross_entropy(x, y, **kwargs)
    ref = ref_cross_entropy(x.data, y, weight, kwargs["ignore_index"], kwargs["label_smoothing"],
                            kwargs["reduction"])
    np.testing.assert_allclose(out.data, ref, rtol=1e-12)
    assert mg.gradcheck(lambda t: F.cross_entropy(t, y, **kwargs), [x])


def test_cross_entropy_spatial_and_probability_targets():
    rng = np.random.default_rng(1)
    x = t64(rng, 2, 3, 4)
    y = rng.integers(0, 3, (2, 4))
    flat = F.cross_entropy(mg.tensor(x.data.transpose(0, 2, 1).reshape(8, 3)), y.reshape(-1))
    np.testing.assert_allclose(F.cross_entropy(x, y).data, flat.data, rtol=1e-12)
    assert mg.gradcheck(lambda t: F.cross_entropy(t, y, label_smoothing=0.1), [x])
    p = rng.dirichlet(np.ones(3), 5)
    z = t64(rng, 5, 3)
    logp = z.data - np.log(np.exp(z.data).sum(1, keepdims=True))
    np.testing.assert_allclose(F.cross_entropy(z, p).data, -(p * logp).sum(1).mean())
    assert mg.gradcheck(lambda t: F.cross_entropy(t, p), [z])


def test_cross_entropy_is_stable_for_huge_logits():
    x = mg.tensor([[1000.0, -1000.0]], requires_grad=True, dtype="float64")
    loss = F.cross_entropy(x, np.array([1]))
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    np.testing.assert_allclose(x.grad, [[1.0, -1.0]])


def test_cross_entropy_bad_input():
    x = mg.zeros(3, 4)
    with pytest.raises(ValueError, match="class 4"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, np.array([0, 1, 2]), label_smoothing=2.0)


def test_nll_loss_and_module_forms():
    rng = np.random.default_rng(2)
    x = t64(rng, 5, 3)
    y = np.array([0, 1, 2, 2, -100])
    lp = F.log_softmax(x, axis=1)
    np.testing.assert_allclose(F.nll_loss(lp, y).data, F.cross_entropy(x, y).data, rtol=1e-12)
    np.testing.assert_allclose(nn.NLLLoss()(lp, y).data, nn.CrossEntropyLoss()(x, y).data)
    assert mg.gradcheck(lambda t: F.nll_loss(t, y, weight=np.array([1.0, 2.0, 0.5])), [x])
    assert F.nll_loss(lp, y, reduction="none").shape == (5,)


def test_mse_loss():
    rng = np.random.default_rng(3)
    a, b = t64(rng, 3, 2), t64(rng, 3, 2)
    np.testing.assert_allclose(F.mse_loss(a, b).data, ((a.data - b.data) ** 2).mean())
    assert mg.gradcheck(F.mse_loss, [a, b])
    assert mg.gradcheck(lambda a, b: nn.MSELoss(reduction="sum")(a, b), [a, b])
    with pytest.raises(ValueError, match="differ"):
        F.mse_loss(a, mg.zeros(2, 3))


def test_bce_with_logits():
    rng = np.random.default_rng(4)
    x = t64(rng, 4, 3)
    y = rng.integers(0, 2, (4, 3)).astype(np.float64)
    pw = np.array([1.0, 2.0, 0.5])
    s = 1 / (1 + np.exp(-x.data))
    ref = -(pw * y * np.log(s) + (1 - y) * np.log(1 - s))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y, pos_weight=pw,
                                                                  reduction="none").data, ref,
                               rtol=1e-10)
    assert mg.gradcheck(lambda t: F.binary_cross_entropy_with_logits(t, y, pos_weight=pw), [x])
    assert mg.gradcheck(lambda t: nn.BCEWithLogitsLoss()(t, y), [x])
    big = F.binary_cross_entropy_with_logits(mg.tensor([1000.0, -1000.0], dtype="float64"),
                                             np.array([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(big.data, [1000.0, 1000.0])
