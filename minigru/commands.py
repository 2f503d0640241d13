"""What each subcommand of the ``minigru`` command does (``minigru.cli`` parses the command
line and calls one of these): each takes the parsed arguments, calls one function of
``minigru.speech`` (or the library's self-check), prints what it returns and gives the exit
status. A mistake of the user's is raised as :class:`UserError`, which the command reports in
one line.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .errors import InputError


class UserError(InputError):
    """A problem with the command line itself, reported as one line."""


USER_ERRORS = (InputError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError)
"""What the command reports as the user's mistake, in one line; anything else is a bug in
minigru and is shown with its traceback."""


def mfcc(args: argparse.Namespace) -> int:
    """``minigru mfcc FILE``: the features of one file, summarised per coefficient."""
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


def train_overrides(args: argparse.Namespace) -> dict:
    """The run settings the ``train`` arguments set (those given), as ``make_config`` takes
    them."""
    keys = ("data", "data_dir", "model", "hidden", "layers", "bidirectional", "pooling",
            "epochs", "batch_size", "lr", "seed", "limit", "threads", "dropout", "patience",
            "augment", "mix_synthetic", "ema", "weight_decay", "weight_noise", "test_speaker",
            "schedule", "floor_draws", "ensemble")
    over = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    flags = ("cmvn", "trim", "declip", "declip_reshaped", "stack", "compression", "floor")
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


def train(args: argparse.Namespace) -> int:
    """``minigru train``: train a recogniser into a run folder, print its summary and write its
    report."""
    from .speech.run import prepare_run, train_run
    from .training import Interrupted, TrainingError

    try:
        cfg, files = prepare_run(train_overrides(args), args.out, args.resume)
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


def report(args: argparse.Namespace) -> int:
    """``minigru report RUN_DIR``: write the run's report.html."""
    from .speech.report import write_report

    path = write_report(args.run_dir, args.max_errors, args.max_correct)
    print(f"wrote {path}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """``minigru evaluate CHECKPOINT``: accuracy, per class and confusion on a split or a
    folder."""
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


def predict(args: argparse.Namespace) -> int:
    """``minigru predict CHECKPOINT FILE ...``: an answer per file (per word with ``--words``)."""
    import json

    from .speech.predict import load_model, predict_each

    try:
        model, cfg = load_model(args.checkpoint)
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    results = predict_each(model, cfg, args.files, words=args.words)
    for r in results:
        if args.json:
            print(json.dumps(r), flush=True)
        elif "error" in r:
            print(f"minigru predict: error: {r['error']}", file=sys.stderr)
        else:
            probs = r["probabilities"]
            top = sorted(probs, key=lambda c: -probs[c])[:3]
            alternatives = ", ".join(f"{c} {probs[c]:.3f}" for c in top)
            where = f" {r['start']:.2f}-{r['end']:.2f} s" if "start" in r else ""
            print(f"{r['file']}{where}: {r['label']} (p = {r['probability']:.3f}; top: "
                  f"{alternatives})")
            if len(r["words"]) > 1 and "start" not in r:
                spans = ", ".join(f"{a:.2f}-{b:.2f}" for a, b in r["words"])
                print(f"minigru predict: note: {r['file']} sounds like {len(r['words'])} "
                      f"words ({spans} s) and was read as one; --words answers each",
                      file=sys.stderr)
    failed = sum("error" in r for r in results)
    if failed:
        files = sum(r.get("word", 0) == 0 for r in results)
        print(f"minigru predict: {failed} of {files} file(s) could not be classified",
              file=sys.stderr)
    return 1 if failed else 0


def ensemble(args: argparse.Namespace) -> int:
    """``minigru ensemble MODEL ... --out FILE``: models answering as one, written as one file."""
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


def adapt(args: argparse.Namespace) -> int:
    """``minigru adapt MODEL --data-dir ROOT --out FILE``: a model fine-tuned to a new voice."""
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


def sweep(args: argparse.Namespace) -> int:
    """``minigru sweep SWEEP.toml``: a grid of training runs."""
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


def stream(args: argparse.Namespace) -> int:
    """``minigru stream CHECKPOINT FILE``: words recognised in a file fed as if live, or
    (FILE ``-``) in raw PCM read from standard input as it arrives."""
    from .speech.config import floor_draws_of, fsdd_dir, pipeline_of
    from .speech.live import run_live
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
        raise UserError("give CHECKPOINT and FILE.wav, or - for raw PCM on standard input "
                        "(or --make-demo OUT.wav)")
    if not args.chunk_ms > 0:
        raise UserError(f"--chunk-ms must be positive, got {args.chunk_ms}")
    if not 0 <= args.threshold <= 1:
        raise UserError(f"--threshold must be a probability in [0, 1], got {args.threshold}")
    raw = args.file == "-"
    if raw and args.rate is None:
        raise UserError("raw input (-) has no header: give its sample rate, --rate HZ")
    if raw and sys.stdin.isatty():
        raise UserError("standard input is a terminal: pipe a recorder's raw samples in, "
                        "e.g. arecord -q -t raw -f S16_LE -r 16000 -c 1 | minigru stream "
                        "CHECKPOINT - --rate 16000")
    if not raw and (args.rate, args.format, args.channels) != (None, None, None):
        raise UserError("--rate, --format and --channels describe raw input (-); a WAV "
                        "file gives its own")
    try:
        model, cfg = load_model(args.checkpoint)
        if raw:
            fmt, channels = args.format or "s16le", args.channels or 1
            print(f"listening to {fmt} at {args.rate} Hz, {channels} channel(s), on standard "
                  f"input; Ctrl-C or the end of the input stops", file=sys.stderr)
            r = run_live(model, pipeline_of(cfg), cfg["classes"], sys.stdin.buffer, args.rate,
                         fmt, channels, args.chunk_ms, args.threshold,
                         on_detection=_print_detection, decide=args.decide,
                         floor_draws=floor_draws_of(cfg))
        else:
            r = run_stream(model, pipeline_of(cfg), cfg["classes"], args.file, args.chunk_ms,
                           args.threshold, on_detection=_print_detection, decide=args.decide,
                           floor_draws=floor_draws_of(cfg))
    except USER_ERRORS as exc:
        raise UserError(str(exc)) from exc
    times, rtf, delays = r["chunk_ms"], r["real_time_factor"], r["delays"]
    if not times.size:
        print("no audio came", file=sys.stderr)
        return 0
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


def gradcheck(args: argparse.Namespace) -> int:
    """``minigru gradcheck``: the library's finite-difference checks."""
    from .selfcheck import run

    rows = run()
    width = max(len(r[0]) for r in rows)
    print(f"{'operation / layer':<{width}}  {'max abs err':>11}  {'max rel err':>11}  result")
    for name, abs_err, rel_err, ok in rows:
        print(f"{name:<{width}}  {abs_err:>11.2e}  {rel_err:>11.2e}  {'pass' if ok else 'FAIL'}")
    failed = [r[0] for r in rows if not r[3]]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0
