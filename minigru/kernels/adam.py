"""One Adam step for one parameter, every element in one pass (``optim/adam.py`` calls it).

For each element, with every constant already in the parameter's dtype (so a float32 model
stays in float32, as NumPy computes it), in this order and rounded after each operation:

    g <- g + wd * p                  (L2 penalty: ``penalty``)       or
    p <- p * decay                   (decoupled, AdamW: ``decoupled``, decay = 1 - lr * wd)
    m <- m * beta1 + one_m1 * g                  one_m1 = 1 - beta1
    v <- v * beta2 + (one_m2 * g) * g            one_m2 = 1 - beta2
    v_max <- max(v_max, v)           (``amsgrad``; then v_max stands for v below)
    p <- p - (step * m) / (sqrt(v) / sqrt_bias2 + eps)
                                     step = lr / (1 - beta1^t), sqrt_bias2 = sqrt(1 - beta2^t)

These are the operations of the same update written with NumPy arrays, one array operation at
a time (``m *= beta1; m += (1 - beta1) * g; ...``), so the two give the same numbers bit for
bit (``tests/test_optim.py``); the kernel reads and writes each array once instead of once per
operation. A NaN in ``v`` or ``v_max`` stays NaN, as ``np.maximum`` keeps it.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel


@kernel
def adam_step(p, g, m, v, v_max, beta1, one_m1, beta2, one_m2, step, sqrt_bias2, eps, wd,
              decay, penalty, decoupled, amsgrad):
    """Update the 1-D arrays p, m, v (and v_max when ``amsgrad``) in place from the gradient
    g, all of p's dtype and length; the scalars are of p's dtype (module docstring)."""
    for i in range(p.shape[0]):
        gi = g[i]
        if penalty:
            gi = gi + wd * p[i]
        if decoupled:
            p[i] = p[i] * decay
        mi = m[i] * beta1 + one_m1 * gi
        vi = v[i] * beta2 + (one_m2 * gi) * gi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            old = v_max[i]
            vi = old if (old > vi or old != old) else vi
            v_max[i] = vi
        p[i] = p[i] - (step * mi) / (np.sqrt(vi) / sqrt_bias2 + eps)
