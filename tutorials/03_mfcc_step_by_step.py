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

# %% [markdown]
# ## Where the words are
#
# Before the features, the recogniser finds the word in its recording (`mg.audio.endpoint`).
# First it takes away the recording's DC offset, a constant a cheap sound card adds to every
# sample, where it is large enough to count (these recordings have none that does). Then
# frames of 25 ms every 10 ms, each with its power p_t = mean(x_t^2); a frame is speech when
# p_t >= P 10^(-35/10), P the loudest frame's power. Speech frames at most 20 frames (0.2 s)
# apart are one stretch (the silence of a stop inside "eight" is shorter), and a stretch of
# fewer than 10 frames (100 ms) is a click, not a word. (In a room with steady noise, the
# frames must also rise 3 dB above it; and a click beside a word is set aside before P is
# taken, so it cannot stand for the loudest frame: the module's docstring.) Three words with half a
# second of silence between them, the stretches rebuilt from that definition and found by
# `speech_runs`, which `minigru predict --words` answers one by one:

# %%
from minigru.audio import endpoint  # noqa: E402

if clip is not None and clip.is_file():
    words = [mg.audio.load_wav(Path(fsdd) / f"{d}_jackson_0.wav")[0] for d in (1, 2, 3)]
else:
    words = [mg.data.synthesize_digit(d, rate, seed=0) for d in (1, 2, 3)]
gap = np.zeros(rate // 2)
three = np.concatenate([words[0], gap, words[1], gap, words[2]]).astype(np.float64)
p = endpoint.frame_power(three, rate)
speech = np.flatnonzero(p >= p.max() * 10 ** (-35 / 10))
breaks = np.flatnonzero(np.diff(speech) - 1 > 20)
firsts, lasts = np.r_[speech[0], speech[breaks + 1]], np.r_[speech[breaks], speech[-1]]
runs = [(a, b) for a, b in zip(firsts, lasts, strict=True) if b - a + 1 >= 10]
found = endpoint.speech_runs(three, rate)
assert len(runs) == len(found) == 3
hop, win = int(0.010 * rate), int(0.025 * rate)
for (a, b), (s, e) in zip(runs, found, strict=True):
    print(f"frames {a}-{b}: {s / rate:.3f}-{e / rate:.3f} s")
    assert a * hop <= s < a * hop + win and b * hop < e <= b * hop + win

fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
t = np.arange(three.size) / rate
axes[0].plot(t, three, lw=0.4, color="gray")
for s, e in found:
    axes[0].axvspan(s / rate, e / rate, color="tab:blue", alpha=0.2)
axes[0].set(title="three words and the stretches of speech found", ylabel="sample")
frames_t = np.arange(p.size) * hop / rate
axes[1].plot(frames_t, 10 * np.log10(p + 1e-10), lw=0.8)
axes[1].axhline(10 * np.log10(p.max()) - 35, color="tab:red", lw=0.8, ls="--")
axes[1].set(title="frame power (dB) and the threshold, 35 dB below the loudest frame",
            xlabel="s", ylabel="dB", ylim=(10 * np.log10(p.max()) - 60, None))
fig.tight_layout()
fig.savefig(os.path.join(OUT, "endpoint.png"), dpi=80)
