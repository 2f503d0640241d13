"""A tour of minigru's autograd: build an expression, backpropagate, prove it, catch a bug.

    python examples/01_autograd_tour.py

1. A tiny expression y = sum(tanh(W x + b)^2), its gradients by backward(), and the same
   gradients written out by hand with the chain rule.
2. mg.gradcheck: the same gradients by central finite differences, element by element.
3. A new operation as an mg.Function with a deliberately wrong backward, and gradcheck
   catching it, naming the input and the element.
"""

import argparse

import numpy as np

import minigru as mg


def hand_gradients(W, x, b):
    """dy/dW, dy/dx, dy/db for y = sum(tanh(W x + b)^2), by the chain rule."""
    a = W @ x + b
    t = np.tanh(a)
    dy_da = 2 * t * (1 - t**2)  # d(t^2)/dt * dt/da
    return np.outer(dy_da, x), W.T @ dy_da, dy_da


class Cube(mg.Function):
    """y = x^3, with a backward that forgets the factor 3 (the bug gradcheck must find)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x**2  # wrong: d(x^3)/dx = 3 x^2


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_known_args()
    rng = np.random.default_rng(0)
    W = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True, dtype="float64")
    x = mg.tensor(rng.standard_normal(4), requires_grad=True, dtype="float64")
    b = mg.tensor(rng.standard_normal(3), requires_grad=True, dtype="float64")

    print("1. y = sum(tanh(W x + b)^2)")
    y = ((W @ x + b).tanh() ** 2).sum()
    y.backward()
    print(f"   y = {y.item():.6f}")
    for name, t, ref in zip("Wxb", (W, x, b), hand_gradients(W.data, x.data, b.data), strict=True):
        err = np.max(np.abs(t.grad - ref))
        print(f"   d y/d{name}: backward() vs chain rule by hand, max |difference| = {err:.1e}")

    print("2. mg.gradcheck against central finite differences")
    ok = mg.gradcheck(lambda W, x, b: (W @ x + b).tanh() ** 2, [W, x, b])
    print(f"   every element of every input agrees: {ok}")

    print("3. a Function with a wrong backward")
    z = mg.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True, dtype="float64")
    try:
        mg.gradcheck(Cube.apply, [z])
        print("   not caught (this should never print)")
    except mg.GradcheckError as err:
        print(f"   caught: {err}")


if __name__ == "__main__":
    main()
