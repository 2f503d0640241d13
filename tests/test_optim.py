"""Optimisers against their updates written out by hand; schedules; clipping."""

import math

import numpy as np
import pytest

import minigru as mg
from minigru import nn, optim
from minigru.optim import lr_scheduler

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([-0.3, 0.2, 1.0]), np.array([1.5, 0.0, -2.0]),
         np.array([0.1, 0.1, 0.1])]
P0 = np.array([1.0, -2.0, 0.5])


def run(opt_factory):
    p = nn.Parameter(P0.copy())
    opt = opt_factory([p])
    for g in GRADS:
        p.grad = g
        opt.step()
    return p.data


def sgd_ref(lr, momentum=0.0, dampening=0.0, nesterov=False, wd=0.0):
    p, buf = P0.copy(), None
    for g in GRADS:
        g = g + wd * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def adam_ref(lr, b1, b2, eps, wd=0.0, amsgrad=False, decoupled=False):
    p, m, v, vmax = P0.copy(), 0.0, 0.0, 0.0
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1**t)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def rmsprop_ref(lr, alpha, eps, wd=0.0, momentum=0.0, centered=False):
    p, v, ga, buf = P0.copy(), 0.0, 0.0, 0.0
    for g in GRADS:
        g = g + wd * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            vt = v - ga * ga
        if momentum:
            buf = momentum * buf + g / (np.sqrt(vt) + eps)
            p = p - lr * buf
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
    return p


SGD_CASES = [dict(), dict(momentum=0.9), dict(momentum=0.9, dampening=0.5),
             dict(momentum=0.9, nesterov=True), dict(momentum=0.5, wd=0.1)]


@pytest.mark.parametrize("kw", SGD_CASES, ids=str)
def test_sgd(kw):
    got = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=kw.get("momentum", 0),
                                   dampening=kw.get("dampening", 0),
                                   nesterov=kw.get("nesterov", False),
                                   weight_decay=kw.get("wd", 0)))
    np.testing.assert_allclose(got, sgd_ref(0.1, **kw), rtol=1e-14)


ADAM_CASES = [dict(), dict(wd=0.1), dict(amsgrad=True), dict(wd=0.05, amsgrad=True)]


@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adam(kw):
    got = run(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.9), eps=1e-6,
                                    weight_decay=kw.get("wd", 0), amsgrad=kw.get("amsgrad", False)))
    np.testing.assert_allclose(got, adam_ref(0.01, 0.8, 0.9, 1e-6, **kw), rtol=1e-12)


def test_adamw_decouples_weight_decay():
    got = run(lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1))
    np.testing.assert_allclose(got, adam_ref(0.01, 0.9, 0.999, 1e-8, wd=0.1, decoupled=True),
                               rtol=1e-12)
    assert not np.allclose(got, adam_ref(0.01, 0.9, 0.999, 1e-8, wd=0.1))


RMS_CASES = [dict(), dict(momentum=0.9), dict(centered=True), dict(wd=0.1, centered=True,
                                                                   momentum=0.5)]


@pytest.mark.parametrize("kw", RMS_CASES, ids=str)
def test_rmsprop(kw):
    got = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6,
                                       weight_decay=kw.get("wd", 0),
                                       momentum=kw.get("momentum", 0),
                                       centered=kw.get("centered", False)))
    np.testing.assert_allclose(got, rmsprop_ref(0.01, 0.9, 1e-6, **kw), rtol=1e-12)


@pytest.mark.parametrize("factory", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
])
def test_state_dict_round_trip_continues_bit_identically(factory, tmp_path):
    p1 = nn.Parameter(P0.copy())
    o1 = factory([p1])
    for g in GRADS[:2]:
        p1.grad = g
        o1.step()
    mg.save({"p": p1.data, "opt": o1.state_dict()}, tmp_path / "ck.npz")
    saved = mg.load(tmp_path / "ck.npz")
    p2 = nn.Parameter(saved["p"])
    o2 = factory([p2])
    o2.load_state_dict(saved["opt"])
    for g in GRADS[2:]:
        for p, o in ((p1, o1), (p2, o2)):
            p.grad = g
            o.step()
    np.testing.assert_array_equal(p1.data, p2.data)


def test_param_groups_have_their_own_lr():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad = b.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, -0.1)
    np.testing.assert_allclose(b.data, -1.0)
    opt.zero_grad()
    assert a.grad is None


def test_optimizer_bad_input():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="Tensor"):
        optim.Adam([np.zeros(2)])


def make_opt():
    return optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)


def test_step_and_exponential_lr():
    opt = make_opt()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = make_opt()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    sched.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.81)


def test_cosine_annealing():
    opt = make_opt()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(4):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(5)]
    np.testing.assert_allclose(lrs, expected)


def test_reduce_on_plateau():
    opt = make_opt()
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    lrs = []
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.5]:
        sched.step(metric)
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_clip_grad_norm_and_value():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(np.sqrt((a.grad**2).sum() + (b.grad**2).sum()), 1.0, rtol=1e-5)
    a.grad = np.array([3.0, -4.0])
    assert nn.utils.clip_grad_norm_(a, 10.0, norm_type=np.inf) == 4.0
    np.testing.assert_array_equal(a.grad, [3.0, -4.0])
    nn.utils.clip_grad_value_([a], 3.5)
    np.testing.assert_array_equal(a.grad, [3.0, -3.5])
    with pytest.raises(ValueError, match="max_norm"):
        nn.utils.clip_grad_norm_([a], -1)


def test_rmsprop_is_hintons_lecture_form_with_alpha_0_9():
    """MeanSquare <- 0.9 MeanSquare + 0.1 g^2; w <- w - lr g / sqrt(MeanSquare), written out."""
    w = np.array([0.5, -1.0, 2.0])
    grads = [np.array([0.1, -0.3, 2.0]), np.array([-0.2, 0.0, 1.0]), np.array([1e-3, 4.0, -1.0])]
    p = nn.Parameter(w.copy())
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=0.0)
    mean_square = np.zeros(3)
    for g in grads:
        p.grad = g
        opt.step()
        mean_square = 0.9 * mean_square + 0.1 * g ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(mean_square > 0, g / np.sqrt(mean_square), 0.0)
        w = w - 0.01 * step
    np.testing.assert_allclose(p.data, w, rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,kw", [
    (optim.Adam, dict()), (optim.Adam, dict(weight_decay=0.1)),
    (optim.Adam, dict(amsgrad=True)), (optim.AdamW, dict(weight_decay=0.05)),
    (optim.AdamW, dict(weight_decay=0.05, amsgrad=True)),
], ids=["adam", "l2", "amsgrad", "adamw", "adamw-amsgrad"])
def test_adam_in_one_pass_equals_the_array_operations_bit_for_bit(dtype, cls, kw):
    """The kernel's one pass (``kernels/adam.py``) gives the NumPy operations' numbers to the
    bit, in float32 and float64, over steps whose gradients change sign and scale."""
    rng = np.random.default_rng(12)
    start = rng.standard_normal((7, 5)).astype(dtype)
    grads = [(rng.standard_normal((7, 5)) * 10.0 ** rng.integers(-3, 3)).astype(dtype)
             for _ in range(6)]
    results = []
    for fused in (True, False):
        p = nn.Parameter(start.copy())
        opt = cls([p], lr=0.01, **kw)
        if not fused:
            opt._fused = (lambda data, g, state, group, opt=opt, p=p:
                          opt._by_array(p, g, state, group))
        for g in grads:
            p.grad = g
            opt.step()
        state = opt.state[id(p)]
        results.append((p.data.copy(), {k: np.asarray(v).copy() for k, v in state.items()}))
    (p1, s1), (p2, s2) = results
    assert p1.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(p1, p2)
    for key in s2:
        np.testing.assert_array_equal(s1[key], s2[key])
