# %% [markdown]
# # Autograd from zero
#
# A percent-format script: run it with `python`, or open it as a notebook (Jupyter with
# jupytext). Every cell checks what it shows with an `assert`, and `tests/test_tutorials.py`
# runs the whole file in CI.
#
# We write one operation, y = x^3, as a minigru `Function`: a forward that computes the value
# and saves what the backward needs, and a backward that applies the chain rule,
# dL/dx = dL/dy * 3 x^2.

# %%
import numpy as np

import minigru as mg


class Cube(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


x = mg.tensor([1.0, -2.0, 0.5], requires_grad=True, dtype="float64")
y = Cube.apply(x)
print("y =", y.numpy())
assert np.allclose(y.numpy(), [1.0, -8.0, 0.125])

# %% [markdown]
# ## The graph
#
# Every result remembers the function that made it and its inputs. `backward()` walks this
# graph from the loss back to the leaves in reverse topological order, adding up the
# gradient that reaches each tensor along every path.

# %%
loss = (Cube.apply(x) * x).sum()      # L = sum x^4, so dL/dx = 4 x^3
loss.backward()
print("dL/dx =", x.grad)
assert np.allclose(x.grad, 4 * x.numpy() ** 3)

# %% [markdown]
# ## Checked by finite differences
#
# The central difference (f(x + e) - f(x - e)) / 2e has an error of order e^2; in float64 with
# e = 1e-6 it agrees with an exact gradient to about 1e-9. `mg.gradcheck` does this for every
# element of every input and raises if a single one disagrees.

# %%
assert mg.gradcheck(lambda t: Cube.apply(t), [x])


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x ** 2          # a wrong derivative


caught = not mg.gradcheck(lambda t: WrongCube.apply(t), [x], raise_exception=False)
print("gradcheck catches the wrong derivative:", caught)
assert caught
