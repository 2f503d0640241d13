# %% [markdown]
# # Listening to a stream
#
# `minigru stream` hears a signal once, in order, 10 ms at a time, and must say where each
# word is before it has heard the rest. It follows each frame's energy against a running
# floor with two thresholds and a hang-over. This tutorial builds that detector by hand,
# shows the two ways a stream fools it (a recording that begins inside a word, and one
# that holds digital silence), and checks what `StreamingRecognizer` does about them. The
# words are FSDD clips when `MINIGRU_FSDD` points at them, otherwise minigru's synthetic
# digits.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru.speech import models  # noqa: E402
from minigru.speech.stream import StreamingRecognizer  # noqa: E402

OUT = os.environ.get("TUTORIAL_OUT", ".")
rate = 8000
fsdd = os.environ.get("MINIGRU_FSDD")
clips = [Path(fsdd) / f"{d}_theo_3.wav" for d in (1, 2, 3)] if fsdd else []
if clips and all(c.is_file() for c in clips):
    words = [mg.audio.load_wav(c)[0].astype(np.float64) for c in clips]
else:
    words = [mg.data.synthesize_digit(d, rate, seed=0) for d in (1, 2, 3)]
words = [w / np.sqrt(np.mean(w ** 2)) * 0.05 for w in words]
rng = np.random.default_rng(0)


def room(n):
    return 0.002 * rng.standard_normal(n)


# "one" from its first sample, half a second of the room, 0.3 s muted (exact zeros), the
# room again, "two", the room, "three", the room.
parts = [words[0] + room(words[0].size), room(4000), np.zeros(2400), room(1600),
         words[1] + room(words[1].size), room(4000), words[2] + room(words[2].size),
         room(4000)]
stream = np.concatenate(parts)
starts = np.cumsum([0] + [p.size for p in parts])
truth = [(starts[k] / rate, starts[k + 1] / rate) for k in (0, 4, 6)]
print(f"{stream.size / rate:.2f} s; the words at " +
      ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in truth))

# %% [markdown]
# ## Frame energies, 10 ms at a time
#
# `StreamingMFCC` takes the samples in chunks of any size and returns the frames they
# complete, equal to the MFCCs of the whole signal. After each push, `last_c0` holds each
# new frame's first cepstral coefficient, c0 = (1/sqrt(N)) sum_n ln E_n over the N = 40 log
# mel energies: their mean, scaled. If every mel energy rises by d dB, c0 rises by
# d ln(10)/10 sqrt(N). `last_blank` says whether a frame holds a hop (10 ms) of samples
# that are exactly zero: digital silence, where a recording was padded, muted or edited.

# %%
pipe = mg.audio.FeaturePipeline(sample_rate=rate)
mfcc = pipe.streaming(rate)
c0, blank = [], []
for i in range(0, stream.size, 80):
    mfcc.push(stream[i:i + 80])
    c0 += list(mfcc.last_c0)
    blank += list(mfcc.last_blank)
mfcc.flush()
c0, blank = np.array(c0 + list(mfcc.last_c0)), np.array(blank + list(mfcc.last_blank))
whole = pipe(stream, rate)
assert np.allclose(c0, whole[:, 0], atol=1e-9)
hop_s, win_s = 0.010, 0.025
muted = (starts[2] / rate, starts[3] / rate)
frame_start = np.arange(c0.size) * 80
overlap = np.minimum(frame_start + 200, starts[3]) - np.maximum(frame_start, starts[2])
assert np.array_equal(blank, overlap >= 80)  # the room's samples are never exactly zero
inside = np.flatnonzero(blank) * hop_s
print(f"{blank.sum()} blank frames, from {inside[0]:.2f} s to {inside[-1] + win_s:.2f} s")
per_db = np.log(10) / 10 * np.sqrt(40)

# %% [markdown]
# ## The detector, by hand
#
# The floor follows the quietest frames: floor_t = min(floor_{t-1} + 0.01 v, e_t), rising
# at most 1% of v = 12 dB a frame and falling at once. A word starts when a frame's energy
# e_t rises v above the floor, goes on while frames stay r = 8 dB above it (a lower
# threshold, so a quiet consonant does not cut it), and ends after 15 frames (150 ms) below
# that; a word with fewer than 10 frames (100 ms) of speech is dropped. First the rule as
# stated, every frame counted; then with blank frames as no speech that leaves the floor
# alone; then with the floor known from the start, as no live stream can know it: the
# quietest frame of the whole stream that is not blank.

# %%
v, r = 12 * per_db, 8 * per_db


def detect(energy, blank, skip_blank, floor=None, hold=False):
    """(first, last) speech frame of each word the rule finds, and the floor it followed."""
    found, floors, in_word, quiet, first, last = [], [], False, 0, 0, 0
    for t, e in enumerate(energy):
        silent = skip_blank and blank[t]
        if not silent and not hold:
            floor = e if floor is None else min(floor + 0.01 * v, e)
        floors.append(floor)
        speech = not silent and floor is not None and e > floor + (r if in_word else v)
        if not in_word:
            if speech:
                in_word, quiet, first, last = True, 0, t, t
            continue
        if speech:
            quiet, last = 0, t
            continue
        quiet += 1
        if quiet == 15:
            in_word = False
            if last - first + 1 >= 10:
                found.append((first, last))
    if in_word and last - first + 1 >= 10:
        found.append((first, last))
    return found, np.array(floors, dtype=float)


def seconds(spans):
    return [(round(a * hop_s, 2), round(b * hop_s + win_s, 2)) for a, b in spans]


naive, naive_floor = detect(c0, blank, skip_blank=False)
causal, causal_floor = detect(c0, blank, skip_blank=True)
known, _ = detect(c0, blank, skip_blank=True, floor=c0[~blank].min(), hold=True)
for name, spans in (("as stated", naive), ("blank frames skipped", causal),
                    ("the floor known from the start", known)):
    print(f"{name:>31}: {seconds(spans)}")
# The first word set the floor at its own level and was lost; as stated, the zeros set the
# floor far below the room, which then stood 12 dB above it and was read as one long word.
assert all(a * hop_s > truth[0][1] for a, _ in naive + causal)
assert any((b - a) * hop_s > 1.0 for a, b in naive)
assert len(known) == 3 and known[0][0] * hop_s < 0.05

# %% [markdown]
# ## What the recogniser does
#
# `StreamingRecognizer` runs the rule with blank frames skipped, and keeps its opening
# frames (its first 3 s, until a word is reported). Each time the floor falls while a word
# is open, or while the first frames are a word against it (each r above the floor, one of
# them v: a word that began before the stream), it decides the opening again from the first
# frame, with the floor held where it has fallen to. After the opening it is the causal
# rule above. An untrained model with threshold 0 reports every word it finds: the labels
# need a trained one (`minigru stream run/best.npz FILE.wav`, or `- --rate HZ` for a
# microphone's raw samples on a pipe).

# %%
mg.manual_seed(0)
recognizer = StreamingRecognizer(models.GRUClassifier(26, 10, 8), pipe, rate,
                                 [str(d) for d in range(10)], threshold=0.0)
assert recognizer.vad_step == v and recognizer.release_step == r
detections = []
for i in range(0, stream.size, 80):
    detections += recognizer.push(stream[i:i + 80])
detections += recognizer.flush()
spans = [(round(d["word_start"], 2), round(d["word_end"], 2)) for d in detections]
print(f"{'the recogniser':>31}: {spans}")
assert len(detections) == 3 and detections[0]["word_start"] == 0.0
assert abs(detections[0]["word_end"] - seconds(known)[0][1]) <= 0.02
assert spans[1:] == seconds(causal)[-2:]

# %%
fig, ax = plt.subplots(figsize=(10, 4.5))
t = np.arange(c0.size) * hop_s
shown = np.where(blank, np.nan, c0 / per_db)
ax.plot(t, shown, lw=0.8, color="gray", label="frame energy c0 (in dB of every mel band)")
ax.plot(t, causal_floor / per_db, color="tab:blue", lw=1, label="running floor")
ax.plot(t, (causal_floor + v) / per_db, color="tab:blue", lw=0.7, ls="--",
        label="floor + 12 dB: a word starts")
ax.plot(t, (causal_floor + r) / per_db, color="tab:blue", lw=0.7, ls=":",
        label="floor + 8 dB: a word goes on")
low = np.nanmin(shown) - 8
ax.axvspan(*muted, color="black", alpha=0.15, label="muted: blank frames")
for k, (a, b) in enumerate(truth):
    ax.plot([a, b], [low + 6, low + 6], color="black", lw=4,
            label="the words" if k == 0 else None)
for k, (a, b) in enumerate(seconds(naive)):
    ax.plot([a, b], [low + 4, low + 4], color="tab:red", lw=4,
            label="the rule as stated" if k == 0 else None)
for k, d in enumerate(detections):
    ax.plot([d["word_start"], d["word_end"]], [low + 2, low + 2], color="tab:green", lw=4,
            label="StreamingRecognizer" if k == 0 else None)
ax.set(xlabel="s", ylabel="dB (relative)", ylim=(low, None),
       title="a stream that begins inside a word and is muted for 0.3 s")
ax.legend(loc="upper right", fontsize=7, ncol=2)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "stream_detector.png"), dpi=80)
