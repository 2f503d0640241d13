# %% [markdown]
# # Train a spoken-digit recogniser and look inside
#
# A GRU on minigru's synthetic digits (no download), trained in well under a minute: its
# learning curves, its confusion matrix, what its update gate does over a word, and what an
# augmentation does to the features it sees.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.speech.figures import curves_figure, gates_figure, plot_confusion  # noqa: E402
from minigru.speech.models import GRUClassifier  # noqa: E402
from minigru.speech.run import fit_and_test  # noqa: E402

OUT = os.environ.get("TUTORIAL_OUT", ".")
pipe = mg.audio.FeaturePipeline(sample_rate=8000, cmvn=True, trim=True)
train = mg.data.SyntheticDigits(40, 8000, seed=5, features=pipe)
val = mg.data.SyntheticDigits(8, 8000, seed=5, features=pipe, first_take=40)
test = mg.data.SyntheticDigits(10, 8000, seed=5, features=pipe, first_take=48)
mg.manual_seed(0)
model = GRUClassifier(train.feature_size, 10, hidden_size=32, pooling="mean")
result = fit_and_test(model, train, val, test, epochs=10, seed=0)
print(f"test accuracy {result['test_accuracy']:.3f} after {len(result['history'])} epochs")
assert result["test_accuracy"] > 0.5

# %% [markdown]
# ## Curves and confusion

# %%
fig = curves_figure(result["history"])
fig.savefig(os.path.join(OUT, "curves.png"), dpi=80)
plot_confusion(result["confusion"], train.classes, os.path.join(OUT, "confusion.png"))
confusion = np.asarray(result["confusion"])
assert confusion.sum() == len(test)
assert np.trace(confusion) == round(result["test_accuracy"] * len(test))

# %% [markdown]
# ## Inside the GRU
#
# The update gate z near 1 keeps a unit's state, near 0 replaces it with the candidate. Over a
# word the gates switch where the phonemes change.

# %%
features, label = test[0]
gates = model.gates(features[:, None, :], [features.shape[0]])
z = gates["z"][:, 0]
fig = gates_figure(features, z, gates["r"][:, 0], 0.01, 13, f"a test '{train.classes[label]}'")
fig.savefig(os.path.join(OUT, "gates.png"), dpi=80)
print(f"update gate: mean {z.mean():.2f}, frames x units {z.shape}")
assert z.shape == (features.shape[0], 32) and 0 < z.min() and z.max() < 1

# %% [markdown]
# ## What augmentation changes
#
# The same clip slowed by speed perturbation (factor 0.9: longer, every formant 10% lower) and
# with white noise at 10 dB SNR: the features the model would be trained on.

# %%
from minigru.audio import augment  # noqa: E402

clip = mg.data.synthesize_digit(label, 8000, seed=5, take=48)
slow = augment.speed_perturb(clip, 0.9)
noise = augment.make_noise("white", clip.size, np.random.default_rng(0))
noisy = augment.add_noise(clip, noise, 10.0)
snr = 10 * np.log10(np.sum(clip**2) / np.sum((noisy - clip) ** 2))
print(f"lengths {clip.size} -> {slow.size} samples; SNR of the noisy copy {snr:.2f} dB")
assert abs(slow.size / clip.size - 1 / 0.9) < 0.01 and abs(snr - 10) < 0.01
fig, axes = plt.subplots(3, 1, figsize=(7, 6), sharex=True)
for ax, (name, x) in zip(axes, (("original", clip), ("speed 0.9", slow), ("10 dB noise", noisy)),
                         strict=True):
    ax.imshow(pipe(x, 8000).T, origin="lower", aspect="auto", cmap="viridis")
    ax.set(title=name, ylabel="feature")
axes[-1].set_xlabel("frame")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "augmentation.png"), dpi=80)
