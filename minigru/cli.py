"""The ``minigru`` command (also ``python -m minigru``).

Subcommands:
    minigru train [--data synthetic|fsdd|folder] [...]     train, evaluate, write a run folder
    minigru evaluate CHECKPOINT [--split test] [--json]    accuracy and confusion matrix
    minigru predict CHECKPOINT FILE.wav ...                label and probabilities per file
    minigru sweep SWEEP.toml [--workers N] [--scheduler ADDRESS] [--out DIR]   a grid of runs
    minigru stream CHECKPOINT FILE.wav [--chunk-ms 10]      live recognition with latency
    minigru mfcc FILE.wav [--preset P] [--plot OUT.png]    features of one file
    minigru gradcheck                                      the library checks its gradients

Every error a user can cause is one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np


class UserError(Exception):
    """A problem with the user's input, reported as one line."""


def _cmd_mfcc(args: argparse.Namespace) -> int:
    from .audio import load_wav, mfcc

    preset = None if args.preset in (None, "minigru") else args.preset
    try:
        signal, sr = load_wav(args.file, sample_rate=args.sample_rate)
        feats = mfcc(signal, sr, preset=preset, n_mfcc=args.n_mfcc, deltas=args.deltas)
    except (OSError, ValueError, TypeError) as exc:
        raise UserError(str(exc)) from exc
    print(f"{args.file}: {signal.size} samples at {sr} Hz ({signal.size / sr:.3f} s), "
          f"preset {args.preset or 'minigru'}")
    print(f"features: {feats.shape[0]} frames x {feats.shape[1]} coefficients")
    if feats.size:
        print(f"{'coef':>4} {'mean':>10} {'std':>10} {'min':>10} {'max':>10}")
        for k in range(feats.shape[1]):
            col = feats[:, k]
            print(f"{k:>4} {col.mean():>10.4f} {col.std():>10.4f} {col.min():>10.4f} "
                  f"{col.max():>10.4f}")
    if args.plot:
        from .plot import plot_features

        plot_features(signal, sr, args.plot, preset=preset, title=str(args.file))
        print(f"figure written to {args.plot}")
    return 0


def _train_overrides(args: argparse.Namespace) -> dict:
    keys = ("data", "data_dir", "model", "hidden", "layers", "epochs", "batch_size", "lr",
            "seed", "limit", "threads", "dropout", "patience")
    over = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    if args.bidirectional:
        over["bidirectional"] = True
    return over


def _cmd_train(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from . import recipes

    try:
        if args.resume:
            run_dir = Path(args.resume)
            if not (run_dir / "checkpoint.npz").is_file():
                raise UserError(f"no checkpoint.npz in {run_dir} to resume from")
            cfg = json.loads((run_dir / "config.json").read_text())
            for key in ("epochs", "threads"):
                if getattr(args, key) is not None:
                    cfg[key] = getattr(args, key)
        else:
            cfg = recipes.make_config(_train_overrides(args))
            run_dir = Path(args.out) if args.out else recipes.new_run_dir("runs", cfg)
            if args.out and (run_dir / "checkpoint.npz").exists():
                raise UserError(f"{run_dir} already holds a run; use --resume {run_dir} to "
                                f"continue it or choose another --out")
        log = None if args.quiet else print
        summary = recipes.train_run(cfg, run_dir, resume=bool(args.resume), quiet=args.quiet,
                                    log=log)
    except (recipes.ConfigError, FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    except Exception as exc:
        from .train import Interrupted, TrainingError

        if isinstance(exc, Interrupted):
            print(f"interrupted: the last completed epoch is saved; continue with "
                  f"minigru train --resume {run_dir}", file=sys.stderr)
            return 130
        if isinstance(exc, TrainingError):
            raise UserError(str(exc)) from exc
        raise
    rows = [("test accuracy", f"{summary['test_accuracy']:.4f} ({summary['n_test']} "
                              f"utterances)"),
            ("best epoch", f"{summary['best_epoch']} (validation accuracy "
                           f"{summary['best_val_accuracy']:.4f})"),
            ("epochs", str(summary["epochs"])), ("parameters", f"{summary['parameters']:,}"),
            ("wall time", f"{summary['wall_seconds']:.1f} s"), ("run folder", str(run_dir))]
    print()
    for name, value in rows:
        print(f"  {name:<14} {value}")
    print(f"  figures        {run_dir / 'curves.png'}, {run_dir / 'confusion.png'}"
          + (f", {run_dir / 'gates.png'}" if (run_dir / 'gates.png').exists() else ""))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from . import recipes
    from .data.loader import DataLoader
    from .train import evaluate

    try:
        model, cfg = recipes.load_model(args.checkpoint)
        if args.data:
            cfg["data"] = args.data
        if args.data_dir:
            cfg["data_dir"] = args.data_dir
        cfg["limit"] = args.limit
        recipes.check_config(cfg)
        data = recipes.make_datasets(cfg)[args.split]
    except (recipes.ConfigError, FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    classes = cfg["classes"]
    if len(data.classes) != len(classes):
        raise UserError(f"the data has {len(data.classes)} classes, the model {len(classes)}")
    result = evaluate(model, DataLoader(data, 128), len(classes))
    confusion = result["confusion"]
    if args.json:
        print(json.dumps({"accuracy": result["accuracy"], "loss": result["loss"],
                          "n": result["n"], "classes": classes,
                          "confusion": confusion.tolist()}))
        return 0
    print(f"{args.split} split of {cfg['data']}: accuracy {result['accuracy']:.4f} on "
          f"{result['n']} utterances (loss {result['loss']:.4f})\n")
    print(f"{'class':>8} {'n':>5} {'correct':>8} {'accuracy':>9}")
    for k, name in enumerate(classes):
        n = int(confusion[k].sum())
        acc = confusion[k, k] / n if n else float("nan")
        print(f"{name:>8} {n:>5} {int(confusion[k, k]):>8} {acc:>9.3f}")
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print("        " + " ".join(f"{c[:5]:>5}" for c in classes))
    for k, name in enumerate(classes):
        print(f"{name[:7]:>7} " + " ".join(f"{int(v):>5}" for v in confusion[k]))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from . import recipes

    try:
        model, cfg = recipes.load_model(args.checkpoint)
        results = recipes.predict_files(model, cfg, args.files)
    except (recipes.ConfigError, FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    classes = cfg["classes"]
    for path, probs in results:
        best = int(probs.argmax())
        top = sorted(range(len(probs)), key=lambda k: -probs[k])[:3]
        alternatives = ", ".join(f"{classes[k]} {probs[k]:.3f}" for k in top)
        print(f"{path}: {classes[best]} (p = {probs[best]:.3f}; top: {alternatives})")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .recipes import ConfigError
    from .sweep import load_sweep, run_sweep

    try:
        sweep = load_sweep(args.file)
        if args.workers < 1:
            raise ConfigError(f"--workers must be >= 1, got {args.workers}")
        out = Path(args.out) if args.out else Path("sweeps") / Path(args.file).stem
        print(f"{len(sweep['points'])} runs -> {out}"
              + (f" on the Dask scheduler at {args.scheduler}" if args.scheduler
                 else f" on {args.workers} local worker(s)"))
        records = run_sweep(sweep, out, args.workers, args.scheduler, quiet=args.quiet)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    failed = [r for r in records if r.get("status") != "ok"]
    print((out / "summary.md").read_text())
    print(f"results: {out / 'results.csv'}, {out / 'summary.md'}, {out / 'summary.png'}")
    for r in failed:
        print(f"failed: {r['name']}: {r.get('error')}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_stream(args: argparse.Namespace) -> int:
    import json
    import time
    from pathlib import Path

    from . import recipes
    from .audio import load_wav
    from .streaming import StreamingRecognizer

    if args.make_demo:
        from scipy.io import wavfile

        from .data.stream_file import digit_stream

        try:
            x, sr, words = digit_stream(recipes.fsdd_dir({"data_dir": args.data_dir}),
                                        args.words, args.seed)
        except (recipes.ConfigError, ValueError) as exc:
            raise UserError(str(exc)) from exc
        out = Path(args.make_demo)
        wavfile.write(out, sr, x)
        out.with_suffix(".json").write_text(json.dumps(words, indent=1))
        print(f"wrote {out} ({x.size / sr:.1f} s, {len(words)} words) and "
              f"{out.with_suffix('.json')} (the words and their times)")
        return 0
    if not args.checkpoint or not args.file:
        raise UserError("give CHECKPOINT and FILE.wav (or --make-demo OUT.wav)")
    try:
        model, cfg = recipes.load_model(args.checkpoint)
        recognizer = StreamingRecognizer(model, recipes.feature_spec(cfg),
                                         recipes.sample_rate_of(cfg) or 8000, cfg["classes"],
                                         threshold=args.threshold)
        signal, sr = load_wav(args.file, sample_rate=recipes.sample_rate_of(cfg))
    except (recipes.ConfigError, FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    if args.chunk_ms <= 0:
        raise UserError(f"--chunk-ms must be positive, got {args.chunk_ms}")
    chunk = max(1, int(round(args.chunk_ms / 1000 * sr)))
    recognizer.warm_up()
    times, found = [], []
    for start in range(0, signal.size, chunk):
        t0 = time.perf_counter()
        new = recognizer.push(signal[start:start + chunk])
        times.append(time.perf_counter() - t0)
        for d in new:
            print(f"{d['time']:7.2f} s  {d['label']:>6}  (p = {d['probability']:.2f}; word "
                  f"{d['word_start']:.2f}-{d['word_end']:.2f} s)", flush=True)
        found += new
    found += recognizer.flush()
    rtf = np.array(times) / (chunk / sr)
    delays = np.array([d["time"] - d["word_end"] for d in found])
    print(f"\n{len(found)} detections in {signal.size / sr:.1f} s of audio, chunks of "
          f"{1000 * chunk / sr:.1f} ms")
    print(f"{'per-chunk processing time':<28} {'median':>8} {'p95':>8} {'max':>8}")
    print(f"{'  milliseconds':<28} {1000 * np.median(times):>8.3f} "
          f"{1000 * np.percentile(times, 95):>8.3f} {1000 * np.max(times):>8.3f}")
    print(f"{'  real-time factor':<28} {np.median(rtf):>8.4f} {np.percentile(rtf, 95):>8.4f} "
          f"{np.max(rtf):>8.4f}")
    if delays.size:
        print(f"{'delay after word end (s)':<28} {np.median(delays):>8.3f} "
              f"{np.percentile(delays, 95):>8.3f} {np.max(delays):>8.3f}")
    truth_file = Path(args.file).with_suffix(".json")
    if truth_file.exists():
        words = json.loads(truth_file.read_text())
        hits, true_delays = 0, []
        for w in words:
            match = [d for d in found if d["word_start"] <= w["end"] and
                     d["word_end"] >= w["start"]]
            if match and match[0]["label"] == cfg["classes"][w["digit"]]:
                hits += 1
                true_delays.append(match[0]["time"] - w["end"])
        print(f"against {truth_file.name}: {hits}/{len(words)} words recognised"
              + (f", median delay after the true word end {np.median(true_delays):.3f} s"
                 if true_delays else ""))
    return 0


def _cmd_gradcheck(args: argparse.Namespace) -> int:
    from .selfcheck import run

    rows = run()
    width = max(len(r[0]) for r in rows)
    print(f"{'operation / layer':<{width}}  {'max abs err':>11}  {'max rel err':>11}  result")
    for name, abs_err, rel_err, ok in rows:
        print(f"{name:<{width}}  {abs_err:>11.2e}  {rel_err:>11.2e}  {'pass' if ok else 'FAIL'}")
    failed = [r[0] for r in rows if not r[3]]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .audio.features import PRESETS

    parser = argparse.ArgumentParser(prog="minigru", description="minigru: GRUs from scratch.")
    parser.add_argument("--version", action="version", version=f"minigru {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a recogniser and write a run folder")
    p.add_argument("--data", choices=["synthetic", "fsdd", "folder"], default=None,
                   help="the built-in synthetic digits (default), the Free Spoken Digit "
                        "Dataset, or a folder of <label>/*.wav")
    p.add_argument("--data-dir", help="the FSDD folder (or $MINIGRU_FSDD), or the label folder")
    p.add_argument("--model", choices=["gru", "lstm", "rnn", "cnn-gru"], default=None)
    p.add_argument("--hidden", type=int)
    p.add_argument("--layers", type=int)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--dropout", type=float)
    p.add_argument("--epochs", type=int)
    p.add_argument("--patience", type=int, help="early stopping patience in epochs")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--limit", type=int, help="at most N examples per class and split")
    p.add_argument("--threads", type=int, help="threads for Numba and BLAS")
    p.add_argument("--out", help="run folder (default: runs/<data>-<model>-...)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a checkpoint on a data split")
    p.add_argument("checkpoint", help="best.npz or checkpoint.npz of a run")
    p.add_argument("--data", choices=["synthetic", "fsdd", "folder"], default=None)
    p.add_argument("--data-dir")
    p.add_argument("--split", choices=["train", "val", "test"], default="test")
    p.add_argument("--limit", type=int)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="classify WAV files with a checkpoint")
    p.add_argument("checkpoint")
    p.add_argument("files", nargs="+", metavar="FILE.wav")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("sweep", help="run a grid of training runs (local processes or Dask)")
    p.add_argument("file", metavar="SWEEP.toml")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. "
                                                           "tcp://10.0.0.5:8786")
    p.add_argument("--out", help="sweep folder (default sweeps/<file name>)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("stream", help="recognise words in a file fed in chunks, as if live")
    p.add_argument("checkpoint", nargs="?", help="best.npz of a unidirectional GRU/LSTM/RNN run")
    p.add_argument("file", nargs="?", metavar="FILE.wav")
    p.add_argument("--chunk-ms", type=float, default=10.0)
    p.add_argument("--threshold", type=float, default=0.5,
                   help="report a word when its posterior is at least this")
    p.add_argument("--make-demo", metavar="OUT.wav",
                   help="instead: build a long file of FSDD test clips with silence and noise")
    p.add_argument("--data-dir", help="the FSDD folder for --make-demo (or $MINIGRU_FSDD)")
    p.add_argument("--words", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_stream)

    p = sub.add_parser("mfcc", help="compute and summarise the MFCCs of a WAV file")
    p.add_argument("file", help="a WAV file")
    p.add_argument("--preset", choices=["minigru"] + [k for k in PRESETS if k], default=None)
    p.add_argument("--n-mfcc", type=int, default=13)
    p.add_argument("--deltas", type=int, default=0, choices=[0, 1, 2])
    p.add_argument("--sample-rate", type=int, default=None, help="resample to this rate")
    p.add_argument("--plot", metavar="OUT.png", help="write waveform/spectrogram/MFCC figure")
    p.set_defaults(func=_cmd_mfcc)

    p = sub.add_parser("gradcheck", help="finite-difference check of every operation and layer")
    p.set_defaults(func=_cmd_gradcheck)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"minigru {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # the reader went away (e.g. piped into head)
        return 0


if __name__ == "__main__":
    sys.exit(main())
