"""Connectionist Temporal Classification (Graves et al., 2006): the forward-backward kernel.

For one sequence: log-probabilities ``lp`` of shape (T, C) and a target ``l`` of length S.
The extended target ``l'`` puts a blank before, between and after the labels (length
L = 2S + 1: ``l'_s`` is blank for even s and ``l_{(s-1)/2}`` for odd s). A path is allowed
to move, at each frame, from position s to s, s + 1, or s + 2 (the last only onto a label
different from ``l'_s``, skipping a blank between two different labels).

Forward variables (log space), ``alpha_t(s)`` = log-probability of all allowed path prefixes
ending at position s at frame t, emissions up to t included:

    alpha_0(0) = lp[0, blank],  alpha_0(1) = lp[0, l_0],  alpha_0(s) = -inf for s >= 2
    (alpha_0(1) exists only when the target is not empty, S >= 1; an empty target has L = 1)
    alpha_t(s) = lp[t, l'_s] + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1),
                                         alpha_{t-1}(s-2) if l'_s != blank and l'_s != l'_{s-2})

Backward variables, ``beta_t(s)`` = log-probability of the path suffixes from position s at t
to the end, emissions from t on included:

    beta_{T-1}(L-1) = lp[T-1, blank],  beta_{T-1}(L-2) = lp[T-1, l_{S-1}]  (the second only
    when S >= 1, as for alpha; the code guards both)
    beta_t(s) = lp[t, l'_s] + logsumexp(beta_{t+1}(s), beta_{t+1}(s+1),
                                        beta_{t+1}(s+2) if l'_s != blank and l'_{s+2} != l'_s)

The likelihood is log p(l | x) = logsumexp(alpha_{T-1}(L-1), alpha_{T-1}(L-2)) (the second
term only when S >= 1), and the loss
is its negative. Since ``alpha_t(s) + beta_t(s)`` counts the emission at (t, s) twice,
``exp(alpha_t(s) + beta_t(s) - lp[t, l'_s])`` is the total probability of the paths through
(t, s), and the exact gradient of the loss with respect to the log-probabilities is

    d(-log p)/d lp[t, k] = -exp(logsumexp_{s : l'_s = k}(alpha_t(s) + beta_t(s))
                                - lp[t, k] - log p)

minus the posterior occupancy of class k at frame t. (PyTorch's kernel returns this plus
``exp(lp)``, which only agrees after a log-softmax; this one is the true partial derivative.)
Frames at or past the input length get zero gradient. An impossible target (too long for the
input) has log p = -inf: the loss is +inf and the gradient is zero, never NaN.
Everything runs in float64 whatever the input dtype.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

NEG_INF = -np.inf


@kernel
def _logaddexp(a: float, b: float) -> float:
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    if a > b:
        return a + np.log1p(np.exp(b - a))
    return b + np.log1p(np.exp(a - b))


@kernel
def ctc_forward_backward(log_probs: np.ndarray, targets: np.ndarray, input_lengths: np.ndarray,
                         target_lengths: np.ndarray, blank: int, with_grad: bool):
    """CTC negative log-likelihood of each sequence and its gradient.

    Args:
        log_probs: (T, B, C) float64 log-probabilities.
        targets: (B, S_max) int64, row b holding its target_lengths[b] labels first.
        input_lengths, target_lengths: (B,) int64.
        blank: the blank class.
        with_grad: also compute the gradient (otherwise it is left zero).

    Returns:
        nll: (B,) float64, -log p(target_b | x_b) (+inf if impossible).
        grad: (T, B, C) float64, d nll_b / d log_probs[:, b, :].
    """
    T, B, C = log_probs.shape
    nll = np.zeros(B)
    grad = np.zeros((T, B, C))
    for b in range(B):
        Tb = input_lengths[b]
        S = target_lengths[b]
        L = 2 * S + 1
        ext = np.full(L, blank, dtype=np.int64)
        for i in range(S):
            ext[2 * i + 1] = targets[b, i]
        alpha = np.full((Tb, L), NEG_INF)
        alpha[0, 0] = log_probs[0, b, blank]
        if L > 1:
            alpha[0, 1] = log_probs[0, b, ext[1]]
        for t in range(1, Tb):
            for s in range(L):
                a = alpha[t - 1, s]
                if s >= 1:
                    a = _logaddexp(a, alpha[t - 1, s - 1])
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    a = _logaddexp(a, alpha[t - 1, s - 2])
                if a != NEG_INF:
                    alpha[t, s] = a + log_probs[t, b, ext[s]]
        log_p = alpha[Tb - 1, L - 1]
        if L > 1:
            log_p = _logaddexp(log_p, alpha[Tb - 1, L - 2])
        nll[b] = -log_p
        if not with_grad or log_p == NEG_INF:
            continue
        beta = np.full((Tb, L), NEG_INF)
        beta[Tb - 1, L - 1] = log_probs[Tb - 1, b, blank]
        if L > 1:
            beta[Tb - 1, L - 2] = log_probs[Tb - 1, b, ext[L - 2]]
        for t in range(Tb - 2, -1, -1):
            for s in range(L):
                a = beta[t + 1, s]
                if s + 1 < L:
                    a = _logaddexp(a, beta[t + 1, s + 1])
                if s + 2 < L and ext[s] != blank and ext[s + 2] != ext[s]:
                    a = _logaddexp(a, beta[t + 1, s + 2])
                if a != NEG_INF:
                    beta[t, s] = a + log_probs[t, b, ext[s]]
        occupancy = np.empty(C)
        for t in range(Tb):
            occupancy[:] = NEG_INF
            for s in range(L):
                occupancy[ext[s]] = _logaddexp(occupancy[ext[s]], alpha[t, s] + beta[t, s])
            for k in range(C):
                if occupancy[k] != NEG_INF:
                    grad[t, b, k] = -np.exp(occupancy[k] - log_probs[t, b, k] - log_p)
    return nll, grad
