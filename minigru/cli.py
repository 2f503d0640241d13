"""The ``minigru`` command (also ``python -m minigru``).

Subcommands:
    minigru mfcc FILE.wav [--preset P] [--plot OUT.png]   features of one file
    minigru gradcheck                                      the library checks its gradients

Every error a user can cause is one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


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
