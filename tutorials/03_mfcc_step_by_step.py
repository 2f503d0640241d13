# %% [markdown]
# # MFCC, step by step
#
# One spoken digit through minigru's front end, each stage drawn, and the last stage rebuilt
# from its definition: mel energies = power spectrum x filter bank, natural log, orthonormal
# DCT-II, sinusoidal liftering. The digit is from the Free Spoken Digit Dataset when
# `MINIGRU_FSDD` points at it, otherwise from minigru's own synthesizer.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402

OUT = os.environ.get("TUTORIAL_OUT", ".")
fsdd = os.environ.get("MINIGRU_FSDD")
clip = Path(fsdd) / "7_jackson_0.wav" if fsdd else None
if clip is not None and clip.is_file():
    signal, rate = mg.audio.load_wav(clip)
    source = clip.name
else:
    rate = 8000
    signal = mg.data.synthesize_digit(7, rate, seed=0)
    source = "a synthetic 'seven'"
print(f"{source}: {signal.size} samples at {rate} Hz ({signal.size / rate:.2f} s)")

# %% [markdown]
# ## The stages
#
# Pre-emphasis y[n] = x[n] - 0.97 x[n-1]; 25 ms frames every 10 ms; a Hamming window; the
# power spectrum |X_k|^2; 40 triangular mel filters from 20 Hz to half the sample rate.

# %%
pipe = mg.audio.FeaturePipeline(sample_rate=rate, deltas=0)
stages = pipe.mfcc_stages(signal, rate)
power, fb, feats = stages["power"], stages["filterbank"], stages["features"]
fig, axes = plt.subplots(4, 1, figsize=(8, 10))
t = np.arange(stages["signal"].size) / rate
axes[0].plot(t, stages["signal"], lw=0.5)
axes[0].set(title="waveform", xlabel="time (s)")
im = axes[1].imshow(10 * np.log10(np.maximum(power.T, 1e-12)), origin="lower", aspect="auto",
                    extent=(0, t[-1], 0, rate / 2), cmap="magma")
fig.colorbar(im, ax=axes[1]).set_label("dB")
axes[1].set(title="power spectrum", ylabel="Hz")
axes[2].plot(stages["freqs"], fb.T, lw=0.6)
axes[2].set(title="40 mel filters", xlabel="Hz")
im = axes[3].imshow(feats.T, origin="lower", aspect="auto", cmap="viridis")
fig.colorbar(im, ax=axes[3])
axes[3].set(title="13 MFCCs", xlabel="frame")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "mfcc_stages.png"), dpi=80)
print("frames x bins:", power.shape, "  filters x bins:", fb.shape, "  MFCC:", feats.shape)
assert power.shape[0] == feats.shape[0] and fb.shape == (40, power.shape[1])
assert feats.shape[1] == 13

# %% [markdown]
# ## The cepstrum from its definition
#
# c_k = s_k sum_n ln(E_n) cos(pi k (2n + 1) / 2N), s_0 = sqrt(1/N), s_k = sqrt(2/N), for the
# N = 40 log mel energies E_n = sum_j P_j F_nj (floored at 1e-10), then
# c_k (1 + 11 sin(pi k / 22)).

# %%
log_mel = np.log(np.maximum(power @ fb.T, 1e-10))
N = log_mel.shape[1]
k, n = np.arange(13)[:, None], np.arange(N)[None, :]
basis = np.cos(np.pi * k * (2 * n + 1) / (2 * N)) * np.where(k == 0, np.sqrt(1 / N),
                                                             np.sqrt(2 / N))
ceps = (log_mel @ basis.T) * (1 + 11 * np.sin(np.pi * np.arange(13) / 22))
print("largest difference from minigru's MFCC:", np.abs(ceps - feats).max())
assert np.allclose(ceps, feats, rtol=0, atol=1e-9)
assert np.allclose(feats, mg.audio.mfcc(signal, rate), atol=1e-9)
