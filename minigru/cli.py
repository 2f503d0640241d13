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
    minigru stream CHECKPOINT - --rate 16000                 ... of raw PCM on standard input
    minigru mfcc FILE.wav [--preset P] [--plot OUT.png]    features of one file
    minigru gradcheck                                      the library checks its gradients

Every error a user can cause is one line on stderr and exit status 2, not a traceback; any
other exception is a bug, shown with its traceback and exit status 1.
Commands that take many files go on past a bad one, name it on stderr and exit with 1.
This module holds the arguments (:func:`build_parser`) and :func:`main`; what each command
does is one function of ``minigru.commands``, which calls one function of ``minigru.speech``
(or the library's self-check) and prints what it returns; the logic lives there.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

import numpy as np

from . import commands
from .commands import USER_ERRORS


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
    p.add_argument("--declip-reshaped", action=argparse.BooleanOptionalAction, default=None,
                   help="also restore peaks clipped and then resampled or filtered, "
                        "found where the samples pile up below the maximum, at the model's "
                        "rate (default on; --no-declip turns it off too unless it is given; "
                        "see mg.audio.declip, rule='reshaped')")
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
    p.set_defaults(func=commands.train)

    p = sub.add_parser("report", help="write report.html into a run folder: the test errors "
                                      "to see and hear, the curves, the configuration")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--max-errors", type=int, default=60)
    p.add_argument("--max-correct", type=int, default=8)
    p.set_defaults(func=commands.report)

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
    p.set_defaults(func=commands.evaluate)

    p = sub.add_parser("predict", help="classify recordings with a checkpoint")
    p.add_argument("checkpoint", help="a run's best-model file, an ensemble, or a run folder "
                                      "(its best model)")
    p.add_argument("files", nargs="+", metavar="FILE.wav",
                   help="recordings (WAV of any sample format, G.711 mu-law and A-law WAV, "
                        "NIST SPHERE), or folders: every .wav and .sph under a folder, sorted")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per file on stdout (per word with --words)")
    p.add_argument("--words", action="store_true",
                   help="a recording of several words (stretches of speech apart by more "
                        "than 0.2 s) is answered word by word, each with its times")
    p.set_defaults(func=commands.predict)

    p = sub.add_parser("ensemble", help="combine models trained with the same features and "
                                        "classes (e.g. other seeds) into one model file "
                                        "that averages their posteriors")
    p.add_argument("models", nargs="+", metavar="MODEL",
                   help="the best-model files of runs, their run folders, or ensembles")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the model file to write")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=commands.ensemble)

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
    p.set_defaults(func=commands.adapt)

    p = sub.add_parser("sweep", help="run a grid of training runs (local processes or Dask)")
    p.add_argument("file", metavar="SWEEP.toml")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. "
                                                           "tcp://10.0.0.5:8786")
    p.add_argument("--out", help="sweep folder (default sweeps/<file name>)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.sweep)

    p = sub.add_parser("stream", help="recognise words in a file fed in chunks, as if live")
    p.add_argument("checkpoint", nargs="?",
                   help="the best-model file of a run, or its run folder (a unidirectional "
                        "GRU/LSTM/RNN for --decide frames)")
    p.add_argument("file", nargs="?", metavar="FILE.wav",
                   help="a recording, or - for raw PCM on standard input as it arrives (a "
                        "microphone through arecord, sox or ffmpeg; give --rate)")
    p.add_argument("--rate", type=int, metavar="HZ",
                   help="the sample rate of raw input (-)")
    p.add_argument("--format", choices=("s16le", "s32le", "f32le", "u8"), default=None,
                   help="the sample format of raw input (-; default s16le)")
    p.add_argument("--channels", type=int, default=None,
                   help="interleaved channels of raw input (-; default 1), averaged")
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
    p.set_defaults(func=commands.stream)

    p = sub.add_parser("mfcc", help="compute and summarise the MFCCs of a WAV file")
    p.add_argument("file", help="a WAV file")
    p.add_argument("--preset", choices=PRESET_NAMES, default=None)
    p.add_argument("--n-mfcc", type=int, default=13)
    p.add_argument("--deltas", type=int, default=0, choices=[0, 1, 2])
    p.add_argument("--sample-rate", type=int, default=None, help="resample to this rate")
    p.add_argument("--plot", metavar="OUT.png", help="write waveform/spectrogram/MFCC figure")
    p.set_defaults(func=commands.mfcc)

    p = sub.add_parser("gradcheck", help="finite-difference check of every operation and layer")
    p.set_defaults(func=commands.gradcheck)
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
