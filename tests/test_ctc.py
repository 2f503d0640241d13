"""CTC: loss against a brute-force sum over every alignment, exact gradients, decoding."""

import itertools

import numpy as np
import pytest

import minigru as mg
from minigru.nn import functional as F

from .helpers import t64


def random_log_probs(rng, T, B, C):
    x = rng.standard_normal((T, B, C))
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def brute_force_nll(lp, target, blank=0):
    """-log of the summed probability of every path (C^T of them) that collapses to target."""
    T, C = lp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if F.collapse(path, blank) == list(target):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


CASES = [
    ([1], 3),
    ([1, 2], 4),
    ([1, 1], 3),         # repeated label: T just long enough (needs a blank between)
    ([2, 1, 2], 5),
    ([], 3),             # empty target: all blanks
    ([1, 2, 1], 3),      # T equal to the target length: exactly one alignment
]


@pytest.mark.parametrize("target,T", CASES, ids=str)
def test_ctc_matches_brute_force(target, T):
    rng = np.random.default_rng(len(target) * 10 + T)
    lp = random_log_probs(rng, T, 1, 3)
    loss = F.ctc_loss(mg.tensor(lp), np.array([target + [0] * (3 - len(target))]),
                      [T], [len(target)], reduction="sum")
    np.testing.assert_allclose(loss.item(), brute_force_nll(lp[:, 0], target), rtol=1e-12)


def test_ctc_impossible_alignment_is_inf_and_zero_infinity():
    rng = np.random.default_rng(0)
    lp = t64(rng, 3, 1, 3)
    lp.data[...] = random_log_probs(rng, 3, 1, 3)
    target = np.array([[1, 1, 2]])  # needs 4 frames
    loss = F.ctc_loss(lp, target, [3], [3], reduction="sum")
    assert loss.item() == np.inf
    loss.backward()
    assert np.all(lp.grad == 0)
    zero = F.ctc_loss(lp, target, [3], [3], zero_infinity=True)
    assert zero.item() == 0.0


def test_ctc_gradcheck_direct_and_through_log_softmax():
    rng = np.random.default_rng(1)
    logits = t64(rng, 6, 3, 4)
    targets = np.array([[1, 2, 2], [3, 0, 0], [1, 1, 0]])
    il, tl = np.array([6, 4, 5]), np.array([3, 1, 2])
    lp = mg.tensor(random_log_probs(rng, 6, 3, 4), requires_grad=True, dtype="float64")
    for reduction in ("mean", "sum", "none"):
        assert mg.gradcheck(lambda t, r=reduction: F.ctc_loss(t, targets, il, tl, reduction=r),
                            [lp])
    assert mg.gradcheck(lambda t: F.ctc_loss(F.log_softmax(t, axis=2), targets, il, tl),
                        [logits])


def test_ctc_mean_reduction_divides_by_target_length():
    rng = np.random.default_rng(2)
    lp = mg.tensor(random_log_probs(rng, 5, 2, 3), dtype="float64")
    targets = np.array([[1, 2], [1, 0]])
    per = F.ctc_loss(lp, targets, [5, 5], [2, 1], reduction="none").data
    mean = F.ctc_loss(lp, targets, [5, 5], [2, 1]).item()
    assert mean == pytest.approx((per[0] / 2 + per[1] / 1) / 2)


def test_ctc_concatenated_targets_equal_padded():
    rng = np.random.default_rng(3)
    lp = mg.tensor(random_log_probs(rng, 6, 2, 4), dtype="float64")
    padded = F.ctc_loss(lp, np.array([[1, 2, 3], [2, 0, 0]]), [6, 5], [3, 1], reduction="none")
    flat = F.ctc_loss(lp, np.array([1, 2, 3, 2]), [6, 5], [3, 1], reduction="none")
    np.testing.assert_array_equal(padded.data, flat.data)


def test_ctc_frames_past_the_input_length_get_no_gradient():
    rng = np.random.default_rng(4)
    lp = mg.tensor(random_log_probs(rng, 6, 1, 3), requires_grad=True, dtype="float64")
    F.ctc_loss(lp, np.array([[1, 2]]), [4], [2]).backward()
    assert np.all(lp.grad[4:] == 0) and np.any(lp.grad[:4] != 0)


def test_ctc_float32():
    rng = np.random.default_rng(5)
    lp = random_log_probs(rng, 5, 2, 3)
    a = F.ctc_loss(mg.tensor(lp.astype(np.float32), requires_grad=True), np.array([[1], [2]]),
                   [5, 5], [1, 1])
    b = F.ctc_loss(mg.tensor(lp), np.array([[1], [2]]), [5, 5], [1, 1])
    assert a.dtype == np.float32
    assert a.item() == pytest.approx(b.item(), rel=1e-5)


def test_ctc_bad_input():
    lp = mg.zeros(5, 2, 3)
    with pytest.raises(ValueError, match=r"\(T, B, C\)"):
        F.ctc_loss(mg.zeros(5, 3), np.array([[1]]), [5], [1])
    with pytest.raises(ValueError, match="blank 0"):
        F.ctc_loss(lp, np.array([[0], [1]]), [5, 5], [1, 1])
    with pytest.raises(ValueError, match="input_lengths must be in"):
        F.ctc_loss(lp, np.array([[1], [1]]), [6, 5], [1, 1])
    with pytest.raises(ValueError, match="2 entries"):
        F.ctc_loss(lp, np.array([[1], [1]]), [5], [1, 1])
    with pytest.raises(ValueError, match="classes in"):
        F.ctc_loss(lp, np.array([[3], [1]]), [5, 5], [1, 1])
    with pytest.raises(TypeError, match="targets"):
        F.ctc_loss(lp, np.array([[1.0], [1.0]]), [5, 5], [1, 1])


def test_greedy_decode():
    C = 4
    path = [[0, 1, 1, 0, 1, 2, 2, 0], [3, 3, 3, 0, 0, 3, 0, 0]]
    lp = np.full((8, 2, C), -10.0)
    for b in range(2):
        for t, k in enumerate(path[b]):
            lp[t, b, k] = 0.0
    assert F.ctc_greedy_decode(lp) == [[1, 1, 2], [3, 3]]
    assert F.ctc_greedy_decode(lp, input_lengths=[3, 8]) == [[1], [3, 3]]


def best_labelling_brute_force(lp, blank=0):
    T, C = lp.shape
    scores = {}
    for path in itertools.product(range(C), repeat=T):
        key = tuple(F.collapse(path, blank))
        scores[key] = np.logaddexp(scores.get(key, -np.inf), sum(lp[t, k] for t, k in
                                                                 enumerate(path)))
    best = max(scores, key=scores.get)
    return list(best), scores[best]


@pytest.mark.parametrize("seed", range(4))
def test_prefix_beam_search_finds_the_most_likely_labelling(seed):
    rng = np.random.default_rng(seed)
    lp = random_log_probs(rng, 5, 1, 3)[:, 0] * 0.7
    labels, score = F.ctc_prefix_beam_search(lp, beam_width=200)[0]
    ref_labels, ref_score = best_labelling_brute_force(lp)
    assert labels == ref_labels
    assert score == pytest.approx(ref_score, rel=1e-10)
    assert F.ctc_beam_search_decode(lp[:, None, :], beam_width=200) == [ref_labels]
