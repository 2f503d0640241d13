# %% [markdown]
# # A voice as a source and a filter: linear prediction, the pitch, and PSOLA
#
# Speech is an excitation (the glottis's pulses at the pitch, or noise) through the vocal
# tract, a filter that changes every few milliseconds. This tutorial takes one spoken digit
# apart that way with `mg.audio.lpc` and `mg.audio.pitch`, finds its pitch twice (YIN and
# pYIN, and YIN's curve rebuilt from its definition), moves the pulses to change the pitch
# and keeps the vocal tract, restores the peaks of the word recorded too loud by the same
# prediction (`mg.audio.declip`), and writes WAV files to listen to. The digit is from the Free
# Spoken Digit Dataset when `MINIGRU_FSDD` points at it (a "zero" whose YIN track jumps an
# octave), otherwise from minigru's own synthesizer.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.io import wavfile  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.audio.augment import overdrive, pitch_shift  # noqa: E402
from minigru.audio.declip import clipped_samples, declip  # noqa: E402
from minigru.audio.lpc import lpc_envelopes, lpc_residual, lpc_synthesis  # noqa: E402
from minigru.audio.pitch import pitch_marks, pitch_track  # noqa: E402

OUT = os.environ.get("TUTORIAL_OUT", ".")
fsdd = os.environ.get("MINIGRU_FSDD")
clip = Path(fsdd) / "0_jackson_0.wav" if fsdd else None
if clip is not None and clip.is_file():
    signal, rate = mg.audio.load_wav(clip)
    source = clip.name
else:
    rate = 8000
    signal = mg.data.synthesize_digit(0, rate, seed=0, snr_db=(40.0, 40.0))
    source = "a synthetic 'zero'"
x = np.asarray(signal, dtype=np.float64)
print(f"{source}: {x.size} samples at {rate} Hz ({x.size / rate:.2f} s)")

# %% [markdown]
# ## The filter: linear prediction
#
# Every 10 ms, the 20 ms around the hop are fitted by an all-pole filter 1 / A_k(z),
# A_k(z) = 1 + a_1 z^-1 + ... + a_p z^-p, p = 2 + rate / 1000: the a_j that predict each
# sample from the p before it with the least squared error. The residual
# e[n] = x[n] + sum_j a_j x[n - j] is what the prediction misses: the excitation. Filtering
# it by 1 / A_k(z) again gives the recording back, exactly. The envelope
# |1 / A_k(e^{i w})|^2 follows the formants of the frame's spectrum, not its harmonics.

# %%
envelopes, hop = lpc_envelopes(x, rate)
residual = lpc_residual(x, envelopes, hop)
rebuilt = lpc_synthesis(residual, envelopes, hop)
print(f"{envelopes.shape[0]} envelopes of order {envelopes.shape[1] - 1}; the recording "
      f"rebuilt from its residual to {np.abs(rebuilt - x).max():.1e}")
assert np.allclose(rebuilt, x, rtol=0, atol=1e-9)

powers = np.array([np.sum(x[k * hop:(k + 1) * hop] ** 2) for k in range(envelopes.shape[0])])
loudest = int(np.argmax(powers))
frame = x[max(0, loudest * hop - hop // 2):loudest * hop + 3 * hop // 2]
frame = frame * np.hanning(frame.size)
n_fft = 512
freqs = np.fft.rfftfreq(n_fft, 1 / rate)
spectrum = np.abs(np.fft.rfft(frame, n_fft)) ** 2
envelope = 1 / np.abs(np.fft.rfft(envelopes[loudest], n_fft)) ** 2
gain = spectrum.mean() / envelope.mean()

fig, axes = plt.subplots(3, 1, figsize=(8, 8))
t = np.arange(x.size) / rate
axes[0].plot(t, x, lw=0.5)
axes[0].set(title="the recording", xlabel="time (s)")
axes[1].plot(t, residual, lw=0.5, color="C1")
axes[1].set(title="its linear-prediction residual: the excitation", xlabel="time (s)")
axes[2].plot(freqs, 10 * np.log10(spectrum + 1e-12), lw=0.6, label="power spectrum")
axes[2].plot(freqs, 10 * np.log10(gain * envelope), lw=1.5, label="LPC envelope")
axes[2].set(title=f"the loudest hop ({loudest * hop / rate:.2f} s)", xlabel="Hz", ylabel="dB")
axes[2].legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "source_and_filter.png"), dpi=80)
peak = freqs[np.argmax(envelope[freqs < 1500])]
print(f"the envelope's first peak: {peak:.0f} Hz (the first formant)")
assert 200 < peak < 1500

# %% [markdown]
# ## The source's pitch: YIN's curve from its definition
#
# For the 20 ms s[j] around a hop, d(tau) = sum_j (s[j] - s[j + tau])^2 is small where the
# signal repeats after tau samples. Normalised by its running mean,
# d'(tau) = d(tau) tau / sum_{u<=tau} d(u), it is near 0 at the period and its multiples and
# near 1 for noise. YIN takes the first dip below a threshold (0.2), between 60 and 400 Hz.
# The pitch `pitch_track` gives (pYIN, below) sits in one of the curve's dips; YIN's first
# dip may be a whole fraction of that period, where the second harmonic is strong.

# %%
track, step = pitch_track(x, rate)
voiced = np.flatnonzero(track > 0)
k = voiced[np.argmax(powers[voiced])]
width, high = 2 * step, int(np.ceil(rate / 60))
padded = np.pad(x, (step // 2, width + high + step))
s = padded[k * step:k * step + width + high + 1]
d = np.array([np.sum((s[:width] - s[tau:tau + width]) ** 2) for tau in range(high + 1)])
curve = np.ones(high + 1)
curve[1:] = d[1:] * np.arange(1, high + 1) / np.cumsum(d[1:])
low = int(rate // 400)
first = low + int(np.flatnonzero(curve[low:high] < 0.2)[0])
while curve[first + 1] < curve[first]:
    first += 1
period = rate / track[k]
at_period = curve[int(round(period)) - 1:int(round(period)) + 2].min()
print(f"hop {k}: pitch_track says {track[k]:.1f} Hz, a period of {period:.1f} samples, where "
      f"d' = {at_period:.3f}; d' dips below 0.2 first at tau = {first} ({rate / first:.1f} Hz)")
assert at_period < 0.2
assert abs(period / first - round(period / first)) < 0.05

# %% [markdown]
# ## YIN and pYIN over the whole word
#
# One threshold is brittle: where the voice is breathy or its pitch glides, d' may not reach
# 0.2 (the hop is called unvoiced), or a dip at half the period gets there first (the track
# jumps an octave). pYIN (Mauch and Dixon 2014) draws the threshold from a prior, so each
# dip gets a probability, and a hidden Markov model over pitch and voicing picks the path
# through the whole word: the pitch moves at most 4.25 semitones a hop, and the voicing
# switches rarely.

# %%
yin, _ = pitch_track(x, rate, method="yin")
hops = np.arange(track.size) * step / rate


def jumps(f0: np.ndarray) -> int:
    both = (f0[1:] > 0) & (f0[:-1] > 0)
    return int(np.sum(np.abs(np.log2(f0[1:][both] / f0[:-1][both])) > 4.25 / 12))


fig, axes = plt.subplots(2, 1, figsize=(8, 6))
axes[0].plot(np.arange(high + 1), curve, lw=1)
axes[0].axhline(0.2, color="C3", lw=0.8, ls="--", label="YIN's threshold")
axes[0].axvline(period, color="C2", lw=0.8, label="the period pYIN chose")
axes[0].set(title=f"d'(tau) at hop {k}", xlabel="tau (samples)")
axes[0].legend()
axes[1].plot(hops, np.where(yin > 0, yin, np.nan), "o", ms=4, label="YIN (threshold 0.2)")
axes[1].plot(hops, np.where(track > 0, track, np.nan), "-", lw=2, label="pYIN")
axes[1].set(xlabel="time (s)", ylabel="f0 (Hz)", title="the pitch, hop by hop")
axes[1].legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "pitch_tracks.png"), dpi=80)
print(f"voiced hops: YIN {np.count_nonzero(yin)}, pYIN {np.count_nonzero(track)}; "
      f"jumps of more than 4.25 semitones: YIN {jumps(yin)}, pYIN {jumps(track)}")
assert jumps(track) == 0 and np.count_nonzero(track) >= np.count_nonzero(yin)

# %% [markdown]
# ## Moving the pulses: a new pitch, the same vocal tract
#
# `pitch_marks` puts a mark on each glottal pulse: the residual's largest peak 0.75-1.25
# periods after the last. Pitch-synchronous overlap-add (PSOLA) cuts a two-period grain
# around each mark and lays the grains down `factor` times closer together: the pitch times
# `factor`, the duration kept. `pitch_shift` does it to the residual and filters the result
# by the same envelopes, so the formants stay where they were. Listen to the three files.

# %%
marks, pulses = pitch_marks(x, rate, track, step, residual)
periods = np.diff(marks[pulses])
print(f"{pulses.sum()} pulses marked, median spacing {np.median(periods):.0f} samples "
      f"({rate / np.median(periods):.0f} Hz)")
ratios = {}
for factor in (0.8, 1.25):
    y = pitch_shift(x, rate, factor)
    shifted, _ = pitch_track(y, rate)
    both = (shifted > 0) & (track > 0)
    ratios[factor] = float(np.median(shifted[both] / track[both]))
    name = "voice_lower.wav" if factor < 1 else "voice_higher.wav"
    wavfile.write(os.path.join(OUT, name), rate, (0.9 * y / np.abs(y).max()).astype(np.float32))
    print(f"pitch x{factor}: the tracked pitch moved by {ratios[factor]:.3f}; wrote {name}")
wavfile.write(os.path.join(OUT, "voice.wav"), rate, (0.9 * x / np.abs(x).max()).astype(np.float32))
assert all(abs(ratios[f] / f - 1) < 0.03 for f in ratios)

# %% [markdown]
# ## The word recorded too loud: its peaks restored by prediction
#
# Spoken too close to a microphone set too loud, the word's peaks go past full scale and are
# recorded flat (`overdrive`: here a tenth of the samples). The same all-pole model fills
# them in: the clipped samples are taken as missing and chosen, block by block, to make the
# prediction error e[n] = sum_i a_i x[n - i] smallest, and kept beyond the level they were
# clipped at (`declip`; the pipeline of a new recogniser does this to every recording it
# reads). Listen to `voice_clipped.wav` and `voice_declipped.wav`.

# %%
loud = overdrive(x, 0.1)
level = np.sort(np.abs(x))[::-1][int(round(0.1 * x.size))]
cut = clipped_samples(loud)
restored = declip(loud)
before = np.sqrt(np.mean((loud - x / level)[cut] ** 2))
after = np.sqrt(np.mean((restored - x / level)[cut] ** 2))
print(f"{cut.sum()} samples clipped; their RMS error {before:.3f} of full scale, "
      f"{after:.3f} restored")
centre = int(np.argmax(np.abs(x)))
span = slice(max(0, centre - int(0.015 * rate)), centre + int(0.015 * rate))
ms = np.arange(x.size)[span] / rate * 1000
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(ms, x[span] / level, lw=2.5, color="0.75", label="the recording, before the gain")
ax.plot(ms, loud[span], lw=1, color="C3", label="clipped at full scale")
ax.plot(ms, restored[span], lw=1, ls="--", color="C0", label="declipped")
ax.set(xlabel="time (ms)", title="30 ms around the loudest sample")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "declipping.png"), dpi=80)
for name, y in (("voice_clipped.wav", loud), ("voice_declipped.wav", restored)):
    wavfile.write(os.path.join(OUT, name), rate, (0.9 * y / np.abs(y).max()).astype(np.float32))
assert after < 0.7 * before
