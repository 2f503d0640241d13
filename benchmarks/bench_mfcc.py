"""Benchmark of the MFCC front end: batched pipeline vs a per-frame loop, for each preset.

    python benchmarks/bench_mfcc.py [--clips 1000] [--seconds 1.0] [--rate 16000]

One thread (BLAS and FFT). For each preset prints seconds of audio processed per second of one
core, seconds to process an hour of audio, clips per second, and the speed-up over a
straightforward per-frame loop written here (one FFT, one filter-bank product, one DCT per
frame), timed in the same run on a sample of the clips. Both are the best of several runs.

When python_speech_features and librosa are installed (``pip install "minigru[bench]"``), a
second table times each beside minigru's preset that reproduces it, in the same run and on the
same thread: one 60 s file, and a batch of 200 one-second clips (the reference called once per
clip, minigru's ``mfcc_batch`` once), with the ratio of minigru's time to the reference's
(below 1 is faster) and the largest difference between the two outputs relative to the
reference's range (the parity the presets promise).
"""

from __future__ import annotations

from _threads import pin_threads

pin_threads(1)

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.fft  # noqa: E402

from minigru import audio  # noqa: E402

PRESETS = [None, "python_speech_features", "librosa", "kaldi"]


def per_frame_loop(signal: np.ndarray, sr: int, cfg: audio.MFCCConfig) -> np.ndarray:
    """The textbook implementation: a Python loop over frames."""
    win, hop, n_fft = cfg.frame_sizes(sr)
    x = signal * cfg.input_scale
    if cfg.preemphasis and not cfg.preemphasis_per_frame:
        x = audio.preemphasis(x, cfg.preemphasis)
    frames = audio.frame_signal(x, win, hop, cfg.edge, pad_length=n_fft)
    window = audio.get_window(cfg.window, win, cfg.window_periodic)
    fb = audio.mel_filterbank(sr, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                              cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    out = []
    for frame in frames:
        f = frame.copy()
        if cfg.remove_dc:
            f -= f.mean()
        if cfg.preemphasis_per_frame:
            f = np.concatenate([[f[0] * (1 - cfg.preemphasis)], f[1:] - cfg.preemphasis * f[:-1]])
        spec = np.abs(np.fft.rfft(f * window, n_fft)) ** 2
        if cfg.power_scale == "n_fft":
            spec /= n_fft
        mel = fb @ spec
        logmel = 10 * np.log10(np.maximum(mel, cfg.log_floor)) if cfg.log == "db" else \
            np.log(np.maximum(mel, cfg.log_floor))
        out.append(audio.lifter(scipy.fft.dct(logmel, norm="ortho")[:cfg.n_mfcc], cfg.lifter))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--loop-clips", type=int, default=50,
                        help="clips timed with the per-frame loop (its rate is extrapolated)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = int(args.seconds * args.rate)
    t = np.arange(n) / args.rate
    clips = [0.1 * rng.standard_normal(n) + 0.3 * np.sin(2 * np.pi * rng.uniform(100, 3000) * t)
             for _ in range(args.clips)]
    audio_seconds = args.clips * args.seconds
    print(f"{args.clips} clips of {args.seconds} s at {args.rate} Hz, one thread\n")
    print("| preset | audio s per core s | core s per hour of audio | clips/s | "
          "per-frame loop audio s/s | speed-up |")
    print("|---|---|---|---|---|---|")
    for preset in PRESETS:
        cfg = audio.resolve_config(preset)
        audio.mfcc_batch(clips[:5], args.rate, preset=preset)
        best = np.inf
        for _ in range(args.reps):
            start = time.process_time()
            audio.mfcc_batch(clips, args.rate, preset=preset)
            best = min(best, time.process_time() - start)
        sample = clips[:args.loop_clips]
        loop_best = np.inf
        for _ in range(3):
            start = time.process_time()
            for c in sample:
                per_frame_loop(c, args.rate, cfg)
            loop_best = min(loop_best, time.process_time() - start)
        loop_rate = len(sample) * args.seconds / loop_best
        rate = audio_seconds / best
        print(f"| {preset or 'minigru'} | {rate:,.0f} | {3600 / rate:.2f} | "
              f"{args.clips / best:,.0f} | {loop_rate:,.0f} | {rate / loop_rate:.1f}x |",
              flush=True)
    references(args.rate, args.reps)


def _best(fn, reps: int) -> float:
    best = np.inf
    for _ in range(reps):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def references(rate: int, reps: int) -> None:
    """minigru's presets against the libraries they reproduce, timed in this run."""
    refs = []
    try:
        import python_speech_features as psf

        refs.append(("python_speech_features", lambda y: psf.mfcc(y, samplerate=rate)))
    except ImportError:
        print("\n(python_speech_features is not installed: no column for it)")
    try:
        import librosa

        refs.append(("librosa", lambda y: librosa.feature.mfcc(y=y, sr=rate, n_mfcc=13).T))
    except ImportError:
        print("\n(librosa is not installed: no column for it)")
    if not refs:
        return
    rng = np.random.default_rng(1)
    t = np.arange(60 * rate) / rate
    long = 0.1 * rng.standard_normal(t.size) + 0.3 * np.sin(2 * np.pi * 440 * t)
    short = [long[k * rate:(k + 1) * rate] for k in range(60)] * 4
    short = short[:200]
    print(f"\nminigru beside the references, one thread, {rate} Hz: one 60 s file, and 200 "
          f"clips of 1 s\n")
    print("| reference | 60 s file: reference s | minigru s | ratio | 200 clips: reference s | "
          "minigru s | ratio | max difference / range |")
    print("|---|---|---|---|---|---|---|---|")
    for name, ref in refs:
        ref(long[:rate])
        audio.mfcc(long[:rate], rate, preset=name)
        diff = 0.0
        for y in (long, short[0]):
            a, b = audio.mfcc(y, rate, preset=name), ref(y)
            diff = max(diff, float(np.abs(a - b).max() / (b.max() - b.min())))
        r_long = _best(lambda ref=ref: ref(long), reps)
        m_long = _best(lambda name=name: audio.mfcc(long, rate, preset=name), reps)
        r_short = _best(lambda ref=ref: [ref(y) for y in short], max(2, reps // 2))
        m_short = _best(lambda name=name: audio.mfcc_batch(short, rate, preset=name),
                        max(2, reps // 2))
        print(f"| {name} | {r_long:.3f} | {m_long:.3f} | {m_long / r_long:.2f} | "
              f"{r_short:.3f} | {m_short:.3f} | {m_short / r_short:.2f} | {diff:.1e} |",
              flush=True)


if __name__ == "__main__":
    main()
