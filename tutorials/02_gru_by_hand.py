# %% [markdown]
# # The GRU by hand
#
# One GRU step in NumPy, its backward pass derived by hand and checked against minigru's fused
# kernel and `mg.gradcheck`, and then why a GRU's gradient survives many steps where a tanh
# RNN's vanishes. The full derivation, every line with its code, is docs/gru.md.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402

OUT = os.environ.get("TUTORIAL_OUT", ".")


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


rng = np.random.default_rng(0)
I, H, B = 3, 4, 2  # noqa: E741 - the sizes as the equations name them
mg.manual_seed(0)
cell = mg.nn.GRUCell(I, H).double()
w_ih, w_hh = cell.weight_ih.data, cell.weight_hh.data
b_ih, b_hh = cell.bias_ih.data, cell.bias_hh.data
x, h = rng.standard_normal((B, I)), rng.standard_normal((B, H))

# %% [markdown]
# ## One step forward
#
# r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr), z likewise, n = tanh(x W_in^T + b_in +
# r * (h W_hn^T + b_hn)), h' = (1 - z) n + z h.

# %%
gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
r = sigmoid(gi[:, :H] + gh[:, :H])
z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
h_new = (1 - z) * n + z * h
assert np.allclose(h_new, cell(mg.tensor(x), mg.tensor(h)).numpy(), atol=1e-14)
print("h' by hand equals mg.nn.GRUCell")

# %% [markdown]
# ## One step backward
#
# For L = sum(h' * w): dn = w (1 - z), dz = w (h - n), da_n = dn (1 - n^2),
# da_z = dz z (1 - z), da_r = da_n q r (1 - r) with q = h W_hn^T + b_hn, and
# dL/dh = w z + [da_r, da_z, da_n r] W_hh.

# %%
w = rng.standard_normal((B, H))
q = gh[:, 2 * H:]
dn, dz = w * (1 - z), w * (h - n)
da_n, da_z = dn * (1 - n**2), dz * z * (1 - z)
da_r = da_n * q * r * (1 - r)
dh = w * z + np.concatenate([da_r, da_z, da_n * r], axis=1) @ w_hh
ht = mg.tensor(h, requires_grad=True)
(cell(mg.tensor(x), ht) * w).sum().backward()
assert np.allclose(ht.grad, dh, atol=1e-14)
assert mg.gradcheck(lambda t: cell(mg.tensor(x), t), [mg.tensor(h, requires_grad=True)])
print("dL/dh by hand equals autograd, and gradcheck agrees")

# %% [markdown]
# ## The fused kernel over a whole sequence
#
# `mg.nn.GRU` runs every step in one compiled loop and its backward (BPTT) in another; with
# the same weights it equals the cell unrolled by hand.

# %%
gru = mg.nn.GRU(I, H, dtype="float64")
for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
    getattr(gru, f"{name}_l0").data[...] = getattr(cell, name).data
xs = rng.standard_normal((6, B, I))
out, _ = gru(mg.tensor(xs))
state, steps = mg.tensor(np.zeros((B, H))), []
for t in range(6):
    state = cell(mg.tensor(xs[t]), state)
    steps.append(state.numpy())
assert np.allclose(out.numpy(), np.stack(steps), atol=1e-13)
print("the fused kernel equals the unrolled cell")

# %% [markdown]
# ## Vanishing gradients: tanh-RNN vs GRU
#
# dL/dx_0 for a loss on the last output only, as the sequence grows: through T tanh-RNN steps
# the gradient shrinks geometrically; the GRU's update gate lets it through.

# %%
def first_input_gradient(layer, T):
    xs = mg.tensor(np.random.default_rng(1).standard_normal((T, 1, I)), requires_grad=True)
    out, _ = layer(xs)
    out[-1].sum().backward()
    return float(np.linalg.norm(xs.grad[0]))


mg.manual_seed(3)
rnn = mg.nn.RNN(I, H, dtype="float64")
gru = mg.nn.GRU(I, H, dtype="float64")
gru.bias_ih_l0.data[H:2 * H] += 2.0      # update gates leaning towards "keep the state"
lengths = [5, 10, 20, 40, 80]
g_rnn = [first_input_gradient(rnn, T) for T in lengths]
g_gru = [first_input_gradient(gru, T) for T in lengths]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(lengths, g_rnn, "o-", label="tanh-RNN")
ax.semilogy(lengths, g_gru, "s-", label="GRU")
ax.set(xlabel="sequence length T", ylabel="||dL/dx_0||", title="gradient reaching step 0")
ax.legend()
fig.savefig(os.path.join(OUT, "vanishing_gradient.png"), dpi=90)
print("T:", lengths, "\nRNN:", np.round(g_rnn, 12), "\nGRU:", np.round(g_gru, 6))
assert g_rnn[-1] < 1e-6 * g_rnn[0]
assert g_gru[-1] > 1e3 * g_rnn[-1]
