"""The ``minigru`` command (also ``python -m minigru``).

Subcommands:
    minigru train [--data synthetic|fsdd|folder] [...]     train, evaluate, write a run folder
    minigru report RUN_DIR                                 report.html: hear every test error
    minigru evaluate CHECKPOINT [--data folder --data-dir ROOT] [--split S] [--json]
                                                           accuracy, per class, confusion
    minigru predict CHECKPOINT FILE.wav ... [--json]       label and probabilities per file
    minigru ensemble MODEL MODEL ... --out FILE.npz         several models answering as one
    minigru adapt MODEL --data-dir ROOT --out FILE.npz     a model fine-tuned to a new voice
        [--unlabelled [--keep 0.5 0.7]]                      (its recordings unlabelled)
    minigru sweep SWEEP.toml [--workers N] [--scheduler ADDRESS] [--out DIR]   a grid of runs
    minigru stream CHECKPOINT FILE.wav [--chunk-ms 10]      live recognition with latency
    minigru mfcc FILE.wav [--preset P] [--plot OUT.png]    features of one file
    minigru gradcheck                                      the library checks its gradients

Every error a user can cause is one line on stderr and exit status 2, not a traceback; any
other exception is a bug, shown with its traceback and exit status 1.
Commands that take many files go on past a bad one, name it on stderr and exit with 1.
Each command parses its arguments, calls one function of ``minigru.speech`` (or the
library's self-check) and prints what it returns; the logic lives there.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

import numpy as np

from .errors import InputError


class UserError(InputError):
    """A problem with the command line itself, reported as one line."""


USER_ERRORS = (InputError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError)
"""What the command reports as the user's mistake, in one line; anything else is a bug in
minigru and is shown with its traceback."""


def _cmd_mfcc(args: argparse.Namespace) -> int:
    from .speech.inspect import feature_report, pipeline_for

    try:
        pipeline = pipeline_for(args.preset, args.n_mfcc, args.deltas, args.sample_rate)
        r = feature_report(args.file, pipeline, args.plot)
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    feats = r["features"]
    print(f"{args.file}: {r['samples']} samples at {r['sample_rate']} Hz "
          f"({r['seconds']:.3f} s), preset {args.preset or 'minigru'}")
    print(f"features: {feats.shape[0]} frames x {feats.shape[1]} coefficients")
    if feats.size:
        print(f"{'coef':>4} {'mean':>10} {'std':>10} {'min':>10} {'max':>10}")
        for k in range(feats.shape[1]):
            print(f"{k:>4} {r['mean'][k]:>10.4f} {r['std'][k]:>10.4f} {r['min'][k]:>10.4f} "
                  f"{r['max'][k]:>10.4f}")
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


def _number_or_none(unit: str) -> Callable[[str], str]:
    """A parser of a finite number of ``unit``, or ``none``."""
    def parse(text: str) -> str:
        if text.strip().lower() == "none":
            return "none"
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a number of {unit} or none, got "
                                             f"{text!r}")
        return text
    return parse


_db_or_none = _number_or_none("dB")


def _train_overrides(args: argparse.Namespace) -> dict:
    keys = ("data", "data_dir", "model", "hidden", "layers", "bidirectional", "pooling",
            "epochs", "batch_size", "lr", "seed", "limit", "threads", "dropout", "patience",
            "augment", "mix_synthetic", "ema", "weight_decay", "weight_noise", "test_speaker",
            "schedule", "floor_draws", "ensemble")
    over = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    flags = ("cmvn", "trim", "declip", "stack", "compression", "floor")
    features = {k: getattr(args, k) for k in flags if getattr(args, k) is not None}
    if args.dither_db is not None:
        features["dither_db"] = None if args.dither_db == "none" else float(args.dither_db)
    if args.fmax is not None:
        features["fmax"] = None if args.fmax == "none" else float(args.fmax)
    if features:
        over["features"] = features
    if args.synthetic_voices is not None:
        over["synthetic"] = {"voices": args.synthetic_voices}
    return over


def _cmd_train(args: argparse.Namespace) -> int:
    from .speech.run import prepare_run, train_run
    from .training import Interrupted, TrainingError

    try:
        cfg, files = prepare_run(_train_overrides(args), args.out, args.resume)
        summary = train_run(cfg, files.path, resume=bool(args.resume), quiet=args.quiet,
                            log=None if args.quiet else print)
    except Interrupted:
        print(f"interrupted: the last completed epoch is saved; continue with "
              f"minigru train --resume {files.path}", file=sys.stderr)
        return 130
    except (TrainingError, *USER_ERRORS) as exc:
        raise UserError(str(exc)) from exc
    whose = f" of {cfg['test_speaker']}, held out" if cfg.get("test_speaker") else ""
    rows = [("test accuracy", f"{summary['test_accuracy']:.4f} ({summary['n_test']} "
                              f"utterances{whose})")]
    members = summary.get("members")
    if members:
        rows += [("models", f"{len(members)}, answering with their mean posterior (alone: "
                            + ", ".join(f"{m['test_accuracy']:.4f}" for m in members) + ")"),
                 ("best epochs", ", ".join(str(m["best_epoch"]) for m in members)
                  + f" (validation accuracy of the {len(members)} "
                    f"{summary['best_val_accuracy']:.4f})")]
    else:
        rows.append(("best epoch", f"{summary['best_epoch']} (validation accuracy "
                                   f"{summary['best_val_accuracy']:.4f})"))
    rows += [("epochs", str(summary["epochs"])), ("parameters", f"{summary['parameters']:,}"),
             ("wall time", f"{summary['wall_seconds']:.1f} s"), ("run folder", str(files.path))]
    print()
    for name, value in rows:
        print(f"  {name:<14} {value}")
    print(f"  figures        {', '.join(str(p) for p in files.figures())}")
    from .speech.report import write_report

    try:
        print(f"  report         {write_report(files.path)} (open it in a browser to hear "
              f"every test error)")
    except USER_ERRORS as exc:
        print(f"  report         not written: {exc}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .speech.report import write_report

    path = write_report(args.run_dir, args.max_errors, args.max_correct)
    print(f"wrote {path}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from .speech.predict import evaluate_checkpoint

    try:
        r = evaluate_checkpoint(args.checkpoint, args.data, args.data_dir, args.split,
                                args.limit)
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    classes, confusion = r["classes"], r["confusion"]
    for path, reason in r["skipped"]:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if args.json:
        print(json.dumps({"accuracy": r["accuracy"], "loss": r["loss"], "n": r["n"],
                          "data": r["data"], "split": r["split"], "classes": classes,
                          "per_class": r["per_class"], "confusion": confusion.tolist(),
                          "renamed": r["renamed"],
                          "skipped": [{"file": f, "error": e} for f, e in r["skipped"]]}))
        return 1 if r["skipped"] else 0
    if r["renamed"]:
        pairs = ", ".join(f"{a} -> {b}" for a, b in r["renamed"].items())
        print(f"the data's labels are the model's classes by another name: {pairs}",
              file=sys.stderr)
    print(f"{r['split']} split of {r['data']}: accuracy {r['accuracy']:.4f} on "
          f"{r['n']} utterances (loss {r['loss']:.4f})\n")
    print(f"{'class':>8} {'n':>5} {'correct':>8} {'accuracy':>9}")
    for name in classes:
        c = r["per_class"][name]
        acc = c["accuracy"] if c["accuracy"] is not None else float("nan")
        print(f"{name:>8} {c['n']:>5} {c['correct']:>8} {acc:>9.3f}")
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print("        " + " ".join(f"{c[:5]:>5}" for c in classes))
    for k, name in enumerate(classes):
        print(f"{name[:7]:>7} " + " ".join(f"{int(v):>5}" for v in confusion[k]))
    if r["skipped"]:
        print(f"\n{len(r['skipped'])} file(s) could not be read and were skipped")
    return 1 if r["skipped"] else 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import json

    from .speech.predict import load_model, predict_each

    try:
        model, cfg = load_model(args.checkpoint)
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    results = predict_each(model, cfg, args.files)
    for r in results:
        if args.json:
            print(json.dumps(r), flush=True)
        elif "error" in r:
            print(f"minigru predict: error: {r['error']}", file=sys.stderr)
        else:
            probs = r["probabilities"]
            top = sorted(probs, key=lambda c: -probs[c])[:3]
            alternatives = ", ".join(f"{c} {probs[c]:.3f}" for c in top)
            print(f"{r['file']}: {r['label']} (p = {r['probability']:.3f}; top: "
                  f"{alternatives})")
    failed = sum("error" in r for r in results)
    if failed:
        print(f"minigru predict: {failed} of {len(results)} file(s) could not be classified",
              file=sys.stderr)
    return 1 if failed else 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from .speech.ensemble import combine_models

    try:
        r = combine_models(args.models, args.out, overwrite=args.overwrite)
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    print(f"wrote {r['out']}: an ensemble of {len(r['members'])} models (their posteriors "
          f"averaged)")
    for k, m in enumerate(r["members"]):
        desc = ", ".join(f"{key} {m[key]}" for key in ("model", "hidden", "layers", "seed")
                         if key in m)
        print(f"  member {k}: {desc}")
    return 0


def _cmd_adapt(args: argparse.Namespace) -> int:
    from .speech.adapt import adapt_checkpoint

    r = adapt_checkpoint(args.checkpoint, args.data_dir, args.out, data=args.data,
                         epochs=args.epochs, lr=args.lr, seed=args.seed,
                         overwrite=args.overwrite, quiet=False, unlabelled=args.unlabelled,
                         keep=args.keep)
    for path, reason in r["skipped"]:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    counts = ", ".join(f"{c} {n}" for c, n in r["per_class"].items())
    if args.unlabelled:
        for k, step in enumerate(r["rounds"], 1):
            by = "the model" if k == 1 else f"the model of round {k - 1}"
            print(f"round {k}: {by} labelled the {r['pool']} recordings; kept the "
                  f"{step['clips']} it was surest of ({step['keep']:g} of each answer)")
        if r["stopped"]:
            print(r["stopped"], file=sys.stderr)
    print(f"adapted {args.checkpoint} to {r['clips']} clips ({counts}), with "
          f"{r['utterances'] - r['clips']} augmented copies, {r['epochs']} epochs at lr "
          f"{r['lr']:g} in {r['seconds']:.1f} s")
    if args.unlabelled:
        print(f"answers that changed by adapting: {r['changed']} of the {r['pool']} "
              f"recordings")
    else:
        print(f"accuracy on these clips: {r['before']:.3f} before adapting; on their "
              f"augmented copies in the last epoch {r['train_accuracy']:.3f}")
    print(f"wrote {r['out']}: score it on other recordings of the same voice with "
          f"minigru evaluate {r['out']} --data folder --data-dir OTHER_ROOT")
    return 1 if r["skipped"] else 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .speech.config import ConfigError
    from .speech.sweep import load_sweep, run_sweep

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


def _print_detection(d: dict) -> None:
    print(f"{d['time']:7.2f} s  {d['label']:>6}  (p = {d['probability']:.2f}; word "
          f"{d['word_start']:.2f}-{d['word_end']:.2f} s)", flush=True)


def _cmd_stream(args: argparse.Namespace) -> int:
    from .speech.config import floor_draws_of, fsdd_dir, pipeline_of
    from .speech.predict import load_model
    from .speech.stream import make_demo, run_stream

    if args.make_demo:
        try:
            demo = make_demo(fsdd_dir({"data_dir": args.data_dir}), args.make_demo, args.words,
                             args.seed)
        except USER_ERRORS as exc:
            raise UserError(str(exc)) from exc
        print(f"wrote {demo['wav']} ({demo['seconds']:.1f} s, {demo['words']} words) and "
              f"{demo['truth']} (the words and their times)")
        return 0
    if not args.checkpoint or not args.file:
        raise UserError("give CHECKPOINT and FILE.wav (or --make-demo OUT.wav)")
    if not args.chunk_ms > 0:
        raise UserError(f"--chunk-ms must be positive, got {args.chunk_ms}")
    if not 0 <= args.threshold <= 1:
        raise UserError(f"--threshold must be a probability in [0, 1], got {args.threshold}")
    try:
        model, cfg = load_model(args.checkpoint)
        r = run_stream(model, pipeline_of(cfg), cfg["classes"], args.file, args.chunk_ms,
                       args.threshold, on_detection=_print_detection, decide=args.decide,
                       floor_draws=floor_draws_of(cfg))
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    times, rtf, delays = r["chunk_ms"], r["real_time_factor"], r["delays"]
    print(f"\n{len(r['detections'])} detections in {r['seconds']:.1f} s of audio, chunks of "
          f"{1000 * r['chunk_seconds']:.1f} ms, each word decided by "
          f"{'its frames as they came' if r['decide'] == 'frames' else 'the whole word'}")
    print(f"{'per-chunk processing time':<28} {'median':>8} {'p95':>8} {'max':>8}")
    print(f"{'  milliseconds':<28} {np.median(times):>8.3f} "
          f"{np.percentile(times, 95):>8.3f} {np.max(times):>8.3f}")
    print(f"{'  real-time factor':<28} {np.median(rtf):>8.4f} {np.percentile(rtf, 95):>8.4f} "
          f"{np.max(rtf):>8.4f}")
    if delays.size:
        print(f"{'delay after word end (s)':<28} {np.median(delays):>8.3f} "
              f"{np.percentile(delays, 95):>8.3f} {np.max(delays):>8.3f}")
    if "truth" in r:
        true_delays = r["true_delays"]
        print(f"against {r['truth']}: {r['hits']}/{r['words']} words recognised"
              + (f", median delay after the true word end {np.median(true_delays):.3f} s"
                 if true_delays.size else ""))
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
    from ._version import __version__
    from .speech.config import SCHEDULES
    from .speech.inspect import PRESET_NAMES

    parser = argparse.ArgumentParser(prog="minigru", description="minigru: GRUs from scratch.")
    parser.add_argument("--version", action="version", version=f"minigru {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a recogniser and write a run folder")
    p.add_argument("--data", choices=["synthetic", "fsdd", "folder"], default=None,
                   help="the built-in synthetic digits (default), the Free Spoken Digit "
                        "Dataset, or a folder of <label>/*.wav (or .sph)")
    p.add_argument("--data-dir", help="the FSDD folder (or $MINIGRU_FSDD), or the label folder")
    p.add_argument("--model", choices=["gru", "lstm", "rnn", "cnn-gru"], default=None)
    p.add_argument("--hidden", type=int)
    p.add_argument("--layers", type=int)
    p.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help="a bidirectional recurrent layer (default: off, on for cnn-gru)")
    p.add_argument("--pooling", choices=["mean", "last"], default=None,
                   help="a word's vector: the mean of the outputs over its frames (default) "
                        "or the last state")
    p.add_argument("--dropout", type=float)
    p.add_argument("--epochs", type=int)
    p.add_argument("--patience", type=int,
                   help="stop after N epochs (>= 1) without a better validation loss")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--schedule", choices=SCHEDULES, default=None,
                   help="the learning rate's course: halved after 2 epochs without a better "
                        "validation loss (plateau, default), or lr (1 + cos(pi e / epochs)) / 2 "
                        "in epoch e (cosine)")
    p.add_argument("--seed", type=int)
    p.add_argument("--limit", type=int, help="at most N examples per class and split")
    p.add_argument("--augment", choices=["auto", "none", "light", "strong", "noisy"],
                   default=None,
                   help="augmented copies of the training set (speed, VTLP, noise, reverb, "
                        "gain, ...; see mg.audio.augment); auto (default): noisy for "
                        "recordings, none for the synthetic digits")
    p.add_argument("--cmvn", action=argparse.BooleanOptionalAction, default=None,
                   help="per-utterance mean and variance normalisation (default on)")
    p.add_argument("--trim", action=argparse.BooleanOptionalAction, default=None,
                   help="trim the silence around each word (default on)")
    p.add_argument("--declip", action=argparse.BooleanOptionalAction, default=None,
                   help="restore a recording's clipped peaks before its features, at "
                        "training and at test (default on; see mg.audio.declip)")
    p.add_argument("--dither-db", type=_db_or_none, metavar="DB", default=None,
                   help="a noise floor: white noise DB dB below each trimmed word, at "
                        "training and at test (default 25; none: off; how it is added: "
                        "--floor)")
    p.add_argument("--floor", choices=["noise", "expected"], default=None,
                   help="how the noise floor of --dither-db is added: expected (default: its "
                        "expected power added to the mel energies, nothing random, one "
                        "reading per answer; see mg.audio.noise_mel) or noise (a draw of "
                        "white noise seeded by the word's duration, the answers averaged over "
                        "--floor-draws draws; see mg.audio.augment.dither)")
    p.add_argument("--compression", choices=["log", "root"], default=None,
                   help="the mel energies' compression before the DCT: log (default) or "
                        "root, PNCC's power law m^(1/15), which noise moves less (see "
                        "mg.audio.root_energies)")
    p.add_argument("--fmax", type=_number_or_none("Hz"), metavar="HZ", default=None,
                   help="the top of the mel filter bank in Hz; 0 or less counts down from "
                        "the Nyquist frequency, as Kaldi's --high-freq (-300 at 8 kHz is "
                        "3700 Hz); none: the Nyquist frequency (the default)")
    p.add_argument("--floor-draws", type=int, metavar="K", default=None,
                   help="the model's answers (its test, evaluate, predict, stream) average "
                        "the posteriors of K draws of the noise floor (default 5; 1: one)")
    p.add_argument("--ensemble", type=int, metavar="K", default=None,
                   help="train K models on the one training set, each from its own seed, "
                        "and answer with their mean posterior (default 3 for recordings, 1 "
                        "for the synthetic digits; see mg.speech.Ensemble)")
    p.add_argument("--stack", type=int, metavar="K", default=None,
                   help="K consecutive feature frames side by side per recurrent step "
                        "(default 1; 2 halves the steps)")
    p.add_argument("--ema", type=float, metavar="BETA", default=None,
                   help="validate and keep a moving average of the weights with decay BETA "
                        "in [0, 1) (0: none; default 0.999 for recordings, none for the "
                        "synthetic digits; see mg.optim.ExponentialMovingAverage)")
    p.add_argument("--weight-decay", type=float, metavar="LAMBDA", default=None,
                   help="AdamW's decoupled weight decay, p <- p (1 - lr LAMBDA) each step "
                        "(default 0: Adam)")
    p.add_argument("--weight-noise", type=float, metavar="STD", default=None,
                   help="gradients taken at the weight matrices plus Gaussian noise of this "
                        "standard deviation, applied to the clean weights (Graves 2011; "
                        "default 0: none)")
    p.add_argument("--test-speaker", metavar="NAME", default=None,
                   help="FSDD only: leave this speaker out, as the test set (every clip of "
                        "theirs), and train and validate on the others' clips")
    p.add_argument("--mix-synthetic", type=int, metavar="N", default=None,
                   help="add N synthetic utterances of each digit to the training set")
    p.add_argument("--synthetic-voices", choices=["classic", "broad", "espeak"], default=None,
                   help="the synthetic speakers: classic (default; a new one per clip), "
                        "broad (each says all ten digits, far more varied in pitch, vocal "
                        "tract, accent, timing, breathiness and tilt) or espeak (voices of "
                        "the eSpeak NG synthesizer in 8 English accents; needs the espeak-ng "
                        "program or pip install \"minigru[voices]\")")
    p.add_argument("--threads", type=int, help="threads for Numba and BLAS")
    p.add_argument("--out", help="run folder (default: runs/<data>-<model>-...)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("report", help="write report.html into a run folder: the test errors "
                                      "to see and hear, the curves, the configuration")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--max-errors", type=int, default=60)
    p.add_argument("--max-correct", type=int, default=8)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("evaluate", help="evaluate a checkpoint on a data split")
    p.add_argument("checkpoint", help="a run's best-model or checkpoint file, or its "
                                       "run folder (its best model)")
    p.add_argument("--data", choices=["synthetic", "fsdd", "folder"], default=None)
    p.add_argument("--data-dir")
    p.add_argument("--split", choices=["train", "val", "test", "all"], default=None,
                   help="a split of the run's data (default test), or all: every file of "
                        "the folder (the default with --data folder)")
    p.add_argument("--limit", type=int)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="classify recordings with a checkpoint")
    p.add_argument("checkpoint", help="a run's best-model file, an ensemble, or a run folder "
                                      "(its best model)")
    p.add_argument("files", nargs="+", metavar="FILE.wav",
                   help="recordings (WAV of any sample format, G.711 mu-law and A-law WAV, "
                        "NIST SPHERE), or folders: every .wav and .sph under a folder, sorted")
    p.add_argument("--json", action="store_true", help="one JSON object per file on stdout")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("ensemble", help="combine models trained with the same features and "
                                        "classes (e.g. other seeds) into one model file "
                                        "that averages their posteriors")
    p.add_argument("models", nargs="+", metavar="MODEL",
                   help="the best-model files of runs, their run folders, or ensembles")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the model file to write")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=_cmd_ensemble)

    p = sub.add_parser("adapt", help="fine-tune a model on recordings of a new voice, a few "
                                     "labelled ones (enrolment) or many unlabelled ones "
                                     "(self-training), written as a new model file")
    p.add_argument("checkpoint", metavar="MODEL", help="a run's best-model file, its run "
                                                        "folder, or an ensemble")
    p.add_argument("--data-dir", required=True, metavar="ROOT",
                   help="the new voice's recordings: ROOT/<label>/*.wav (at least one of "
                        "every class), or FSDD-named files with --data fsdd")
    p.add_argument("--data", choices=["folder", "fsdd"], default="folder")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the model file to write")
    p.add_argument("--epochs", type=int, default=20,
                   help="passes over the clips and their augmented copies (default 20)")
    p.add_argument("--lr", type=float, default=None,
                   help="Adam's learning rate (default: the model's own, 0.003 for the "
                        "default recipe)")
    p.add_argument("--seed", type=int, default=0,
                   help="draws the augmented copies, the batches and dropout (default 0)")
    p.add_argument("--unlabelled", action="store_true",
                   help="the recordings have no labels: every .wav under ROOT, labelled by the "
                        "model itself, adapting on the answers it is surest of "
                        "(self-training)")
    p.add_argument("--keep", type=float, nargs="+", default=None, metavar="FRACTION",
                   help="with --unlabelled, the fraction of each answer's recordings kept, "
                        "the most confident first, one for each round of labelling (default "
                        "0.5 0.7)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=_cmd_adapt)

    p = sub.add_parser("sweep", help="run a grid of training runs (local processes or Dask)")
    p.add_argument("file", metavar="SWEEP.toml")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. "
                                                           "tcp://10.0.0.5:8786")
    p.add_argument("--out", help="sweep folder (default sweeps/<file name>)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("stream", help="recognise words in a file fed in chunks, as if live")
    p.add_argument("checkpoint", nargs="?",
                   help="the best-model file of a run, or its run folder (a unidirectional "
                        "GRU/LSTM/RNN for --decide frames)")
    p.add_argument("file", nargs="?", metavar="FILE.wav")
    p.add_argument("--chunk-ms", type=float, default=10.0)
    p.add_argument("--decide", choices=("auto", "frames", "word"), default="auto",
                   help="frames: the recurrent state advances with every frame; word: each "
                        "word found is classified whole through the model's own features "
                        "(CMVN, trimming); auto: word when the model's features need it")
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
    p.add_argument("--preset", choices=PRESET_NAMES, default=None)
    p.add_argument("--n-mfcc", type=int, default=13)
    p.add_argument("--deltas", type=int, default=0, choices=[0, 1, 2])
    p.add_argument("--sample-rate", type=int, default=None, help="resample to this rate")
    p.add_argument("--plot", metavar="OUT.png", help="write waveform/spectrogram/MFCC figure")
    p.set_defaults(func=_cmd_mfcc)

    p = sub.add_parser("gradcheck", help="finite-difference check of every operation and layer")
    p.set_defaults(func=_cmd_gradcheck)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .runtime import apply_memory_default

    parser = build_parser()
    args = parser.parse_args(argv)
    apply_memory_default()
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        print(f"minigru {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # the reader went away (e.g. piped into head)
        return 0
    except Exception:
        traceback.print_exc()
        print(f"minigru {args.command}: internal error: this is a bug in minigru, not a "
              f"mistake in the input; please report it with the traceback above",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
