"""Streaming recognition: words spotted in a live-fed signal, with the latency measured.

    python examples/10_streaming.py [--data-dir FSDD/recordings] [--quick]

A GRU digit classifier is trained on the FSDD training split (takes 5-49). A long recording is
built from test-split clips (takes 0-4) joined with 0.4-1 s of silence and background noise,
and fed to the recogniser in 10 ms chunks as if it came from a microphone: streaming MFCCs, an
energy detector that finds each word, and the GRU's stream, its state reset at each word start.
Reported: words recognised, the delay from the true end of each word to its detection, and
the processing time per chunk as a fraction of the chunk's duration (the real-time factor).
"""

from __future__ import annotations

import time

import numpy as np
from common import data_dir, out_dir, parser, save_results, setup, table

from minigru.data.stream_file import digit_stream
from minigru.speech import make_config, pipeline_of, train_run
from minigru.speech.predict import load_model
from minigru.speech.stream import StreamingRecognizer
from minigru.training import RunFolder


def main() -> None:
    args = parser(__doc__).parse_args()
    started = time.time()
    setup(args)
    root = data_dir("fsdd", args.data_dir)
    out = out_dir(args, "10_streaming")
    # A stream has no whole utterance to normalise or trim: the model is trained on features
    # a stream can compute (no per-utterance CMVN, no trimming) and on clean copies only.
    cfg = make_config({"data": "fsdd", "data_dir": str(root), "seed": args.seed,
                       "limit": 40 if args.quick else None, "augment": "none",
                       "features": {"cmvn": False, "trim": False},
                       "epochs": 8 if args.quick else 20, "threads": args.threads})
    summary = train_run(cfg, out / "model", log=None, quiet=True)
    model, run_cfg = load_model(RunFolder(out / "model").best)
    signal, sr, words = digit_stream(root, 8 if args.quick else 40, args.seed)
    recognizer = StreamingRecognizer(model, pipeline_of(run_cfg), sr,
                                     run_cfg["classes"], threshold=0.2 if args.quick else 0.5)
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
        match = [d for d in found if d["word_start"] <= w["end"] and d["word_end"] >= w["start"]]
        if match and match[0]["label"] == run_cfg["classes"][w["digit"]]:
            hits += 1
            delays.append(match[0]["time"] - w["end"])
    rtf = np.array(times) / 0.010
    accuracy = hits / len(words)
    print(table(["", "value"], [
        ["offline test accuracy of the model", f"{summary['test_accuracy']:.3f}"],
        ["words in the stream", len(words)],
        ["detections", len(found)],
        ["words recognised", f"{hits} ({accuracy:.1%})"],
        ["delay after the true word end, median / max (s)",
         f"{np.median(delays):.3f} / {np.max(delays):.3f}" if delays else "-"],
        ["real-time factor per 10 ms chunk, median / p95 / max",
         f"{np.median(rtf):.4f} / {np.percentile(rtf, 95):.4f} / {np.max(rtf):.4f}"],
    ]))

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
    save_results(out, "10_streaming", {"name": "words recognised in the stream",
                                       "value": accuracy, "baseline": 0.1,
                                       "higher_is_better": True}, started,
                 {"median_rtf": float(np.median(rtf)), "p95_rtf": float(np.percentile(rtf, 95))})


if __name__ == "__main__":
    main()
