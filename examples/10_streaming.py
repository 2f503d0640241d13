"""Streaming recognition: words spotted in a live-fed signal, with the latency measured.

    python examples/10_streaming.py [--data-dir FSDD/recordings] [--seeds 0 1 2 3 4] [--quick]

A GRU digit classifier is trained on the FSDD training split (takes 5-49). A long recording is
built from test-split clips (takes 0-4) joined with 0.4-1 s of silence and background noise,
and fed to the recogniser in 10 ms chunks as if it came from a microphone: streaming MFCCs, an
energy detector that finds each word, and the GRU's stream, its state reset at each word start.
Reported, for each seed (the seed trains the model and draws the stream): words recognised,
also with the detector's single-threshold form (no lower release threshold), paired by seed;
and for the first seed the delay from the true end of each word to its detection and the
processing time per chunk as a fraction of the chunk's duration (the real-time factor).
Beside it, the default recogniser (CMVN, trimming, declipping, the noisy augmentation), which a
frame-by-frame stream cannot feed: the same stream with each word cut out and decided whole;
and the same stream recorded too loud (a gain that puts a tenth of the words' samples past
full scale), its words decided with and without declipping each cut. And, not streamed, the
whole recording written as a WAV file and answered word by word by ``minigru predict --words``
(``predict_each(words=True)``: the stretches of speech found in the whole file).
"""

from __future__ import annotations

import time

import numpy as np
from common import data_dir, mean_std, out_dir, parser, save_results, seeds_of, setup, table

from minigru.audio.endpoint import RELEASE_DB, VAD_DB
from minigru.data.stream_file import digit_stream
from minigru.speech import make_config, pipeline_of, train_run
from minigru.speech.compare import describe, paired_t
from minigru.speech.config import floor_draws_of
from minigru.speech.predict import load_model, predict_each
from minigru.speech.stream import StreamingRecognizer
from minigru.training import RunFolder


def too_loud(signal, words, sr, fraction):
    """``signal`` recorded with so much gain that ``fraction`` of the words' samples reach
    full scale: clip(x / c, -1, 1), c the (1 - fraction) quantile of |x| within the words."""
    inside = np.zeros(signal.size, dtype=bool)
    for w in words:
        inside[int(w["start"] * sr):int(w["end"] * sr)] = True
    c = np.quantile(np.abs(signal[inside]), 1.0 - fraction)
    return np.clip(signal / c, -1.0, 1.0)


def first_overlap(found, word):
    """The first of ``found`` (each with ``word_start`` and ``word_end`` in seconds) whose span
    overlaps the true ``word``, or None."""
    match = [d for d in found if d["word_start"] <= word["end"] and d["word_end"] >= word["start"]]
    return match[0] if match else None


def stream_words(model, run_cfg, signal, sr, words, threshold, release_db=None,
                 decide="auto", declip=None):
    """Feed ``signal`` in 10 ms chunks; return (hits, detections, delays, chunk times). The
    recogniser decides as ``decide`` says (``"auto"``: as its model's features allow), and
    is refused if it cannot; ``declip`` is the recogniser's (None: as the model's features
    say)."""
    kwargs = {"declip": declip}
    if release_db is not None:
        kwargs["release_db"] = release_db
    recognizer = StreamingRecognizer(model, pipeline_of(run_cfg), sr, run_cfg["classes"],
                                     threshold=threshold, floor_draws=floor_draws_of(run_cfg),
                                     **kwargs)
    if decide != "auto" and recognizer.decide != decide:
        raise SystemExit(f"10_streaming: the model decides by {recognizer.decide!r}, not "
                         f"{decide!r}: its features {pipeline_of(run_cfg).to_dict()}")
    recognizer.warm_up()
    chunk = int(0.010 * sr)
    times, found = [], []
    for start in range(0, signal.size, chunk):
        t0 = time.perf_counter()
        found += recognizer.push(signal[start:start + chunk])
        times.append(time.perf_counter() - t0)
    found += recognizer.flush()
    hits, delays = 0, []
    for w in words:
        d = first_overlap(found, w)
        if d is not None and d["label"] == run_cfg["classes"][w["digit"]]:
            hits += 1
            delays.append(d["time"] - w["end"])
    return hits, found, delays, times


def offline_words(model, run_cfg, signal, sr, words, path):
    """Words recognised when the recording, written to ``path``, is answered word by word
    offline (``predict_each(words=True)``), matched as the stream's detections are."""
    from scipy.io import wavfile

    wavfile.write(path, sr, np.asarray(signal, dtype=np.float32))
    found = [{"label": r["label"], "word_start": r["start"], "word_end": r["end"]}
             for r in predict_each(model, run_cfg, [path], words=True) if "start" in r]
    return sum((d := first_overlap(found, w)) is not None
               and d["label"] == run_cfg["classes"][w["digit"]] for w in words)


def main() -> None:
    args = parser(__doc__, seeds=True).parse_args()
    started = time.time()
    setup(args)
    root = data_dir("fsdd", args.data_dir)
    out = out_dir(args, "10_streaming")
    seeds = seeds_of(args)
    threshold = 0.2 if args.quick else 0.5
    n_words = 8 if args.quick else 40
    runs = []
    for seed in seeds:
        # A stream has no whole utterance to normalise, trim, declip or set a noise floor
        # by: the model is trained on features a stream can compute (no per-utterance CMVN,
        # no trimming, no declipping, no floor), clean copies, one model.
        cfg = make_config({"data": "fsdd", "data_dir": str(root), "seed": seed,
                           "limit": 40 if args.quick else None, "augment": "none",
                           "ensemble": 1,
                           "features": {"cmvn": False, "trim": False, "dither_db": None,
                                        "declip": False},
                           "epochs": 8 if args.quick else 20, "threads": args.threads})
        summary = train_run(cfg, out / f"model-seed{seed}", log=None, quiet=True)
        model, run_cfg = load_model(RunFolder(out / f"model-seed{seed}").best)
        signal, sr, words = digit_stream(root, n_words, seed)
        hits, found, delays, times = stream_words(model, run_cfg, signal, sr, words, threshold,
                                                  decide="frames")
        one, _, _, _ = stream_words(model, run_cfg, signal, sr, words, threshold,
                                    release_db=VAD_DB, decide="frames")
        # The default recogniser (CMVN, trimming, light augmentation), each word decided
        # whole through its own features.
        default = make_config({"data": "fsdd", "data_dir": str(root), "seed": seed,
                               "limit": 40 if args.quick else None,
                               "epochs": 8 if args.quick else 20, "threads": args.threads})
        summary_d = train_run(default, out / f"default-seed{seed}", log=None, quiet=True)
        model_d, cfg_d = load_model(RunFolder(out / f"default-seed{seed}").best)
        whole, _, _, _ = stream_words(model_d, cfg_d, signal, sr, words, threshold)
        offline = offline_words(model_d, cfg_d, signal, sr, words, out / f"stream-seed{seed}.wav")
        loud = too_loud(signal, words, sr, 0.1)
        loud_hits = {declip: stream_words(model_d, cfg_d, loud, sr, words, threshold,
                                          declip=declip)[0] for declip in (True, False)}
        runs.append({"seed": seed, "offline": summary["test_accuracy"], "hits": hits,
                     "single_threshold_hits": one, "detections": len(found),
                     "default_offline": summary_d["test_accuracy"], "default_hits": whole,
                     "loud_declipped": loud_hits[True], "loud_as_recorded": loud_hits[False],
                     "offline_words": offline,
                     "delays": delays, "times": times, "found": found, "signal": signal,
                     "sr": sr, "words": words})
        print(f"seed {seed}: offline {summary['test_accuracy']:.3f}; {hits} of {len(words)} "
              f"words recognised ({one} with a single {VAD_DB:g} dB threshold); the default "
              f"recogniser, word by word: {whole}; recorded too loud, declipped "
              f"{loud_hits[True]}, as recorded {loud_hits[False]}; the file answered word by "
              f"word offline: {offline}", flush=True)
    first = runs[0]
    rtf = np.array(first["times"]) / 0.010
    delays = first["delays"]
    accuracy = [r["hits"] / n_words for r in runs]
    single = [r["single_threshold_hits"] / n_words for r in runs]
    whole = [r["default_hits"] / n_words for r in runs]
    loud = [r["loud_declipped"] / n_words for r in runs]
    loud_raw = [r["loud_as_recorded"] / n_words for r in runs]
    offline = [r["offline_words"] / n_words for r in runs]
    print("\n" + table(["seed", "offline test accuracy", "detections", "words recognised",
                         f"with one {VAD_DB:g} dB threshold", "default recogniser, offline",
                         "default recogniser, word by word",
                         "too loud, declipped", "too loud, as recorded",
                         "the file, predict --words"],
                        [[r["seed"], f"{r['offline']:.3f}", r["detections"],
                          f"{r['hits']} ({r['hits'] / n_words:.1%})",
                          f"{r['single_threshold_hits']} "
                          f"({r['single_threshold_hits'] / n_words:.1%})",
                          f"{r['default_offline']:.3f}",
                          f"{r['default_hits']} ({r['default_hits'] / n_words:.1%})",
                          f"{r['loud_declipped']} ({r['loud_declipped'] / n_words:.1%})",
                          f"{r['loud_as_recorded']} ({r['loud_as_recorded'] / n_words:.1%})",
                          f"{r['offline_words']} ({r['offline_words'] / n_words:.1%})"]
                         for r in runs]))
    rows = [[f"words recognised ({len(seeds)} seeds, mean ± std)", mean_std(accuracy)],
            [f"the same, one {VAD_DB:g} dB threshold (no release)", mean_std(single)],
            ["the default recogniser, each word decided whole", mean_std(whole)],
            ["the same, a tenth of the words' samples clipped, each word declipped",
             mean_std(loud)],
            ["the same, clipped, the words as recorded (declip=False)", mean_std(loud_raw)],
            ["the recording as a file, answered word by word (predict --words)",
             mean_std(offline)],
            ["offline test accuracy of the streamed models",
             mean_std([r["offline"] for r in runs])],
            ["offline test accuracy of the default recogniser",
             mean_std([r["default_offline"] for r in runs])],
            ["words per stream", n_words]]
    paired = paired_whole = None
    if len(seeds) > 1:
        paired = paired_t(single, accuracy)
        paired_whole = paired_t(accuracy, whole)
        rows.append([f"release at {RELEASE_DB:g} dB − one threshold, paired by seed",
                     describe(paired, "{:+.3f}")])
        rows.append(["default recogniser word by word − streamed frames, paired by seed",
                     describe(paired_whole, "{:+.3f}")])
    rows += [[f"delay after the true word end, median / max (s), seed {first['seed']}",
              f"{np.median(delays):.3f} / {np.max(delays):.3f}" if delays else "-"],
             [f"real-time factor per 10 ms chunk, median / p95 / max, seed {first['seed']}",
              f"{np.median(rtf):.4f} / {np.percentile(rtf, 95):.4f} / {np.max(rtf):.4f}"]]
    print("\n" + table(["", "value"], rows))
    signal, sr, words, found = first["signal"], first["sr"], first["words"], first["found"]

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = min(signal.size / sr, 12.0)
    fig, ax = plt.subplots(figsize=(10, 3))
    n = int(seconds * sr)
    ax.plot(np.arange(n) / sr, signal[:n], lw=0.4, color="gray")
    for w in words:
        if w["start"] < seconds:
            ax.axvspan(w["start"], w["end"], color="tab:blue", alpha=0.15)
            ax.text(w["start"], 0.33, str(w["digit"]), color="tab:blue")
    for d in found:
        if d["time"] < seconds:
            ax.axvline(d["time"], color="tab:red", lw=1)
            ax.text(d["time"], -0.36, d["label"], color="tab:red")
    ax.set(xlabel="time (s)", title="streaming: true words (blue) and detections (red, at the "
                                     "moment they are made)", ylim=(-0.4, 0.4))
    fig.tight_layout()
    fig.savefig(out / "streaming.png", dpi=80)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for i, r in enumerate(runs):
        ax.plot([0, 1, 2], [100 * single[i], 100 * accuracy[i], 100 * whole[i]], "o-",
                color=f"C{i}", label=f"seed {r['seed']}")
    ax.set_xticks([0, 1, 2], [f"frames,\none {VAD_DB:g} dB threshold",
                              f"frames,\nrelease at {RELEASE_DB:g} dB",
                              "default recogniser,\nword by word"], fontsize=8)
    ax.set(ylabel="words recognised (%)", title="streaming detector, paired by seed")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "streaming_seeds.png", dpi=80)
    save_results(out, "10_streaming", {"name": "words recognised in the stream (mean over "
                                               "seeds)",
                                       "value": float(np.mean(accuracy)), "baseline": 0.1,
                                       "higher_is_better": True}, started,
                 {"median_rtf": float(np.median(rtf)), "p95_rtf": float(np.percentile(rtf, 95)),
                  "seeds": seeds, "accuracy": accuracy, "single_threshold_accuracy": single,
                  "default_word_accuracy": whole, "too_loud_declipped_accuracy": loud,
                  "too_loud_as_recorded_accuracy": loud_raw, "offline_words_accuracy": offline,
                  "paired_release_minus_single": paired,
                  "paired_default_word_minus_frames": paired_whole})


if __name__ == "__main__":
    main()
