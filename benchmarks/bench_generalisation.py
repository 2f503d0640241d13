"""Generalisation of the FSDD recogniser: voices it never heard, and recordings unlike its own.

    python benchmarks/bench_generalisation.py [--data-dir FSDD] [--seeds 0 1 2]
        [--recipes none light] [--speakers george ...] [--epochs 20] [--json OUT.json]
        [--set hidden=128 --set features.n_mfcc=20 ...]

1. Leave one speaker out: for each of the FSDD speakers, train on the others (10% of their
   clips held out for early stopping) and test on all 500 clips of the held-out speaker
   (``speaker_split``, the split of ``minigru train --data fsdd --test-speaker NAME``).
   Accuracy per speaker, mean and worst, for every recipe and seed (and, with --json, each
   fold's confusion matrix, rows the true digit).
2. Corruption suite, on the held-out speaker's clips, with each fold's model: resampled to
   16 and 44.1 kHz, stereo, white and babble noise at 20/10/5 dB SNR, a telephone channel,
   reverberation (RT60 0.4 s), 1 s of silence before and after, the same 1 s with steady
   noise over the whole recording (pink 30 dB, white 20 and 10 dB below the word's
   power: a word recorded in a room), every frequency scaled by 1.2 (``frequency_scale``:
   formants and pitch as a vocal tract about a sixth shorter would give them, towards a
   woman's or a child's voice, which FSDD's five men do not have), the pitch alone times
   0.8 and 1.25 (``pitch_shift``: a lower or higher voice over the same vocal tract) and,
   as their control, times 1.25 and then 0.8 (the pitch back where it was, and what the
   shift itself does to a recording twice over), -30 dB gain, the clip recorded so loud
   that 1% and 10% of its samples are clipped at full scale (``overdrive``), the same
   clipping done at twice the clip's rate and the clip then resampled back (the flat tops
   reshaped, as a recorder clipping at 16 kHz and a converter to 8 kHz leave them), a DC
   offset of 0.02 (2% of full scale, as a cheap sound card adds) on the clip, on the clip
   with 1 s of silence on each side (at the clip's own mean, as the silence its recorder
   made) and on the clip in 1 s of pink noise 30 dB below it (the offset over the whole
   recording), and a click (a tap on
   the microphone, a key: 3 ms of decaying noise, 0.1-0.9 s before or after the word) in
   the 1 s of silence around the word, as loud as the word's peak, and in the 1 s of white
   noise 20 dB below it, four times the word's peak. The
   model reads each corrupted clip through its own feature pipeline, as ``minigru predict`` does.
3. Enrolment (``--enrol 1 3 5``): each fold's model adapted, as ``minigru adapt`` does, to K
   clips of each digit of the held-out speaker, drawn from their takes 0-4, and scored on
   the speaker's takes 5-49 (450 clips, the same for every K and for the model before
   adapting), and on the fold's validation clips of the other speakers.
4. Self-training (``--self-adapt 0.5,0.7``): each fold's model adapted, as ``minigru adapt
   --unlabelled`` does, to the held-out speaker's takes 0-24 without their labels (the model
   labels them and keeps those fractions of each answer's surest, in rounds), scored on
   takes 25-49.

Each fold trains the run's models as ``minigru train`` would (``ensemble``: three for
recordings by default, on the fold's one training set, member k from
``member_seed(seed, k)``) and scores their ensemble; each model's own accuracy is printed
beside it (``--member-data``: each model after the first draws its own validation clips and
augmented copies; ``--member-voices``: with ``mix_synthetic``, each model after the first mixes
in its own synthetic voices, drawn with ``synthetic.data_seed + k``).

Every answer is the model's own: with a drawn noise floor (``features.floor=noise``), its
posteriors averaged over the draws of the floor (``floor_draws``, ``minigru.speech.views``),
and the first draw alone scored beside it; with the expected floor (the default), one
reading.
Enrolment and self-training score with the first draw. Every recipe is the run
configuration ``minigru train --data fsdd`` would use, with
``augment`` set to the recipe's name; the baseline (``none``) is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import minigru as mg
from minigru.audio import augment as A
from minigru.data import SpokenDigitFolder
from minigru.data.loader import DataLoader
from minigru.speech.config import ConfigError, ema_of, ensemble_of, make_config
from minigru.speech.datasets import cache_dir, grow_training_set, speaker_split
from minigru.speech.ensemble import Ensemble, member_seed
from minigru.speech.models import model_for
from minigru.speech.pseudo_labels import keep_schedule
from minigru.speech.run import fit_and_test
from minigru.speech.views import draw_pipelines
from minigru.training import evaluate, evaluate_mean

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


def corruptions(rate: int, babble_pool: list[np.ndarray]) -> dict:
    """name -> function(signal, rng) -> (signal or (channels, N), sample rate)."""
    from scipy.signal import resample_poly

    def noise(kind: str, snr: float):
        return lambda x, rng: (A.add_noise(x, A.make_noise(kind, x.size, rng, babble_pool), snr),
                               rate)

    out = {
        "clean": lambda x, rng: (x, rate),
        "16 kHz": lambda x, rng: (resample_poly(x, 2, 1), 16000),
        "44.1 kHz": lambda x, rng: (resample_poly(x, 441, 80), 44100),
        "stereo": lambda x, rng: (np.stack([x, 0.8 * x]), rate),
    }
    for kind in ("white", "babble"):
        for snr in (20, 10, 5):
            out[f"{kind} {snr} dB"] = noise(kind, snr)
    out["telephone"] = lambda x, rng: (A.telephone(x, rate), rate)
    out["reverb 0.4 s"] = lambda x, rng: (A.reverberate(x, A.room_impulse_response(
        rate, 0.4, rng)), rate)
    out["1 s silence"] = lambda x, rng: (np.pad(x, rate), rate)
    for kind, snr in (("pink", 30), ("white", 20), ("white", 10)):
        out[f"1 s {kind} noise, {snr} dB"] = in_noise(kind, snr, rate)
    out["vocal tract x1.2"] = lambda x, rng: (A.frequency_scale(x, 1.2), rate)
    for factor in (0.8, 1.25):
        out[f"pitch x{factor}"] = lambda x, rng, f=factor: (A.pitch_shift(x, rate, f), rate)
    out["pitch x1.25 then x0.8"] = lambda x, rng: (
        A.pitch_shift(A.pitch_shift(x, rate, 1.25), rate, 0.8), rate)
    out["-30 dB gain"] = lambda x, rng: (A.apply_gain(x, -30.0), rate)
    for fraction in (0.01, 0.1):
        out[f"clipped {fraction:.0%}"] = lambda x, rng, f=fraction: (A.overdrive(x, f), rate)
    for fraction in (0.01, 0.1):
        out[f"clipped {fraction:.0%} at 2x, resampled"] = lambda x, rng, f=fraction: (
            resample_poly(A.overdrive(resample_poly(x, 2, 1), f), 1, 2), rate)
    out["DC offset 0.02"] = lambda x, rng: (A.add_dc(x, 0.02), rate)
    out["1 s silence, DC offset 0.02"] = lambda x, rng: (
        A.add_dc(np.pad(x, rate, constant_values=np.mean(x)), 0.02), rate)
    out["1 s pink noise, 30 dB, DC offset 0.02"] = lambda x, rng: (
        A.add_dc(in_noise("pink", 30, rate)(x, rng)[0], 0.02), rate)
    out["1 s silence, a click"] = clicked(1.0, None, rate)
    out["1 s white noise, 20 dB, a click x4"] = clicked(4.0, 20.0, rate)
    return out


def in_noise(kind: str, snr: float, rate: int):
    """The word with 1 s of silence before and after it, and steady noise of ``kind`` over
    the whole, ``snr`` dB below the word's own power: a word recorded in a quiet room."""
    def corrupt(x, rng):
        noise = A.make_noise(kind, x.size + 2 * rate, rng)
        scale = np.sqrt(np.mean(np.square(x, dtype=np.float64)) * 10 ** (-snr / 10))
        return np.pad(x, rate) + scale * noise, rate
    return corrupt


def clicked(level: float, snr: float | None, rate: int):
    """The word with 1 s of silence (or of white noise ``snr`` dB below the word's power) on
    each side, and a click in it: 3 ms of Gaussian noise under ``exp(-t / 0.8 ms)``, its
    peak ``level`` times the word's, 0.1-0.9 s before the word or after it (drawn)."""
    pad = (lambda x, rng: (np.pad(x, rate), rate)) if snr is None else \
        in_noise("white", snr, rate)

    def corrupt(x, rng):
        y, _ = pad(x, rng)
        n = int(0.003 * rate)
        burst = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.0008 * rate))
        away = int(rng.uniform(0.1, 0.9) * rate)
        at = rate - away - n if rng.random() < 0.5 else rate + x.size + away
        y = y.copy()
        y[at:at + n] += burst * level * np.abs(x).max() / np.abs(burst).max()
        return y, rate
    return corrupt


def answers(model, pipelines, clips, labels, corrupt, seed: int) -> np.ndarray:
    """The model's answer for each clip after ``corrupt``, read through each of its
    pipelines (the draws of its noise floor) as ``minigru predict`` reads a file
    (``FeaturePipeline.read``), the posteriors averaged."""
    signals = [corrupt(x, A.utterance_rng(seed, 999, i)) for i, x in enumerate(clips)]
    views = [mg.data.ArrayDataset([p(*p.read(y, r)) for y, r in signals], labels)
             for p in pipelines]
    return evaluate_mean(model, [DataLoader(d, 128) for d in views], 10)[
        "probabilities"].argmax(axis=1)


def posteriors_of(model, pipeline, signals, labels, rate: int) -> np.ndarray:
    """(n, classes) posteriors of the model on ``signals`` read through its pipeline."""
    feats = [pipeline(*pipeline.read(y, rate)) for y in signals]
    data = mg.data.ArrayDataset(feats, labels)
    return evaluate(model, DataLoader(data, 128), 10)["probabilities"]


def test_time_warps(model, pipeline, clips, labels, rate: int, alphas: list[float]) -> float:
    """Accuracy when each clip's posterior is the mean over the clip frequency-scaled by
    every ``alpha`` (``A.frequency_scale``; 1.0 is the clip itself): test-time augmentation
    over vocal-tract lengths, p(c | x) = (1/K) sum_k p(c | warp_k(x))."""
    total = sum(posteriors_of(model, pipeline, [A.frequency_scale(x, a) for x in clips],
                              labels, rate) for a in alphas)
    return float(np.mean(total.argmax(axis=1) == np.asarray(labels)))


FIRST_AVERAGED = 3
"""The first epoch whose posteriors the averaged rows of ``--curve`` take."""

CURVE_ROWS = {"kept": "the epoch kept (lowest validation loss)",
              "best": "the best epoch for the held-out voice (an oracle)",
              "averaged to kept": f"epochs {FIRST_AVERAGED} to the kept one averaged",
              "averaged": f"epochs {FIRST_AVERAGED} to the last averaged"}


def held_out_hook(test, seen: dict):
    """A ``Trainer`` hook that appends the held-out speaker's posteriors after each epoch,
    read with the weights that are validated (the moving average; with a drawn noise floor,
    its first draw alone), to ``seen["posteriors"]``, and keeps the trainer's best epoch so
    far in ``seen["kept"]``."""
    seen["posteriors"] = []

    def hook(trainer, row):
        probs = evaluate(trainer.model, DataLoader(test, 128), 10)["probabilities"]
        seen["posteriors"].append(probs)
        seen["kept"] = trainer.best["epoch"]
        row["held_out_accuracy"] = float(np.mean(probs.argmax(axis=1)
                                                 == np.asarray(test.labels)))
    return hook


def epoch_curve(seen: dict, labels: np.ndarray) -> dict:
    """From ``held_out_hook``'s record: the held-out accuracy after each epoch; at the epoch
    the trainer kept (the lowest validation loss) and the best one; and of the posteriors
    averaged over epochs ``FIRST_AVERAGED`` to the kept one and to the last,
    p(c | x) = (1/n) sum_e p_e(c | x)."""
    def accuracy(p):
        return float(np.mean(p.argmax(axis=1) == labels))
    per_epoch = seen["posteriors"]
    curve = [accuracy(p) for p in per_epoch]
    kept = seen["kept"] - 1
    start = min(FIRST_AVERAGED - 1, kept)
    return {"accuracy": curve, "kept epoch": kept + 1, "kept": curve[kept],
            "best epoch": int(np.argmax(curve)) + 1, "best": max(curve),
            "averaged to kept": accuracy(np.mean(per_epoch[start:kept + 1], axis=0)),
            "averaged": accuracy(np.mean(per_epoch[start:], axis=0))}


def takes_of(everything) -> np.ndarray:
    """The take of each FSDD clip: 7 for ``3_theo_7.wav``."""
    return np.array([int(n.rsplit("_", 1)[1].split(".")[0]) for n in everything.names])


def scores(model, test, others, key: str) -> dict:
    """Accuracy on ``test`` (key) and on ``others`` ("others " + key)."""
    return {key: evaluate(model, DataLoader(test, 128), 10)["accuracy"],
            "others " + key: evaluate(model, DataLoader(others, 128), 10)["accuracy"]}


def enrolment(model, cfg: dict, everything, speaker: str, others, seed: int,
              ks: list[int], lr: float | None = None) -> dict:
    """Accuracy on ``speaker``'s takes 5-49 and on ``others`` (the fold's validation clips)
    before adapting ("0", "others 0") and after adapting a copy of ``model`` to K clips per
    digit of the speaker's takes 0-4 (str(K), "others K"); ``model`` is left as it was."""
    from minigru.speech.adapt import adapt_model

    spk = np.array(everything.speakers)
    take = takes_of(everything)
    labels = np.asarray(everything.labels)
    mine = spk == speaker
    test = everything.subset(np.flatnonzero(mine & (take >= 5)))
    out = scores(model, test, others, "0")
    trained = {k: v.copy() for k, v in model.state_dict().items()}
    for k in ks:
        rng = np.random.default_rng([seed, 7, k])
        picks = [i for d in range(10)
                 for i in rng.permutation(np.flatnonzero(mine & (take < 5) & (labels == d)))[:k]]
        model.load_state_dict(trained)
        adapt_model(model, dict(cfg, features=everything.pipeline.to_dict()),
                    everything.subset(sorted(picks)), seed=seed, lr=lr)
        out.update(scores(model, test, others, str(k)))
    model.load_state_dict(trained)
    model.eval()
    return out


def self_adaptation(model, cfg: dict, everything, speaker: str, others, seed: int,
                    schedules: list[str]) -> dict:
    """Accuracy on ``speaker``'s takes 25-49 and on ``others`` before adapting ("0",
    "others 0") and after self-training a copy of ``model`` (``minigru adapt
    --unlabelled``'s ``self_train``) on the speaker's takes 0-24 without their labels, for
    each schedule of fractions kept ("0.5,0.7": two rounds; keys the schedule, "others " and
    "right " + it: how many of the last round's kept answers were right); ``model`` is left
    as it was."""
    from minigru.speech.adapt import self_train

    spk = np.array(everything.speakers)
    take = takes_of(everything)
    mine = spk == speaker
    pool = everything.subset(np.flatnonzero(mine & (take < 25)))
    test = everything.subset(np.flatnonzero(mine & (take >= 25)))
    truth = dict(zip(pool.names, pool.labels, strict=True))
    out = scores(model, test, others, "0")
    trained = {k: v.copy() for k, v in model.state_dict().items()}
    for schedule in schedules:
        model.load_state_dict(trained)
        try:
            r = self_train(model, dict(cfg, features=everything.pipeline.to_dict()), pool,
                           list(everything.classes), [float(k) for k in schedule.split(",")],
                           seed=seed)
        except ConfigError as exc:
            print(f"  {speaker}, keeping {schedule}: not adapted, as the command would not: "
                  f"{exc}")
            out.update({"right " + schedule: np.nan, schedule: np.nan,
                        "others " + schedule: np.nan})
            continue
        kept = r["labels"]
        out["right " + schedule] = float(np.mean([truth[n] == y for n, y in
                                                  zip(kept.names, kept.labels, strict=True)]))
        out.update(scores(model, test, others, schedule))
    model.load_state_dict(trained)
    model.eval()
    return out


def adaptation_table(results: dict, speakers: list[str], field: str, column: str,
                     keys: list[str], title: str, right: bool = False) -> None:
    """The table of one kind of adaptation (``field`` of each fold's row): a line for the
    model before adapting and one for each key, the accuracy per held-out speaker (mean over
    seeds), mean, worst, on the other speakers' validation clips and, with ``right``, how
    many of the kept answers were right. A fold that was not adapted (NaN) is left out."""
    print(f"\n{title} and on the other speakers' validation clips; mean over seeds\n")
    extra = " kept answers right |" if right else ""
    print(f"| recipe | {column} | " + " | ".join(speakers) + " | mean | worst | other "
          f"speakers |{extra}")
    print("|---|---|" + "---|" * (len(speakers) + 3 + right))
    for recipe, per in results.items():
        for k in ["0", *keys]:
            means = {s: np.nanmean([r[field][k] for r in per[s]]) for s in per}
            rows = [r[field] for rr in per.values() for r in rr]
            cells = [f"{100 * means[s]:.1f}" for s in speakers]
            line = (f"| {recipe} | {k if k != '0' else 'not adapted'} | " + " | ".join(cells) +
                    f" | **{100 * np.mean(list(means.values())):.1f}** | "
                    f"{100 * min(means.values()):.1f} | "
                    f"{100 * np.nanmean([r['others ' + k] for r in rows]):.1f} |")
            if right:
                kept = np.nanmean([r["right " + k] for r in rows]) if k != "0" else None
                line += f" {100 * kept:.1f} |" if kept is not None else " |"
            print(line)


def settings(pairs: list[str], base: dict) -> dict:
    """``base`` with each ``KEY=VALUE`` of ``--set`` applied (``a.b=1`` sets ``base["a"]["b"]``)."""
    out = json.loads(json.dumps(base))
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            sys.exit(f"--set takes KEY=VALUE, got {pair!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        section, dot, sub = key.partition(".")
        if dot:
            out.setdefault(section, {})[sub] = value
        else:
            out[key] = value
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--data-dir", default=os.environ.get("MINIGRU_FSDD") or str(SHARED))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--recipes", nargs="+", default=["none", "light"])
    p.add_argument("--speakers", nargs="+", default=None)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--no-corruptions", action="store_true")
    p.add_argument("--tta", type=float, nargs="+", default=None, metavar="ALPHA",
                   help="also score the held-out speaker with posteriors averaged over these "
                        "frequency scalings (test-time augmentation), e.g. 0.9 1.0 1.1")
    p.add_argument("--curve", action="store_true",
                   help="also score the held-out speaker after every epoch of each fold's "
                        "first model, and compare the epoch kept by validation with the "
                        "best epoch for the held-out voice and with the epochs averaged")
    p.add_argument("--enrol", type=int, nargs="+", default=None, metavar="K",
                   help="also adapt each fold's model to K clips per digit (1-5) of the "
                        "held-out speaker and score it on the speaker's other clips")
    p.add_argument("--enrol-lr", type=float, default=None, metavar="LR",
                   help="the learning rate of enrolment (default: the model's own, as "
                        "minigru adapt)")
    p.add_argument("--self-adapt", nargs="+", default=None, metavar="KEEP[,KEEP...]",
                   help="also self-train each fold's model on the held-out speaker's takes "
                        "0-24, unlabelled, keeping these fractions of each answer in "
                        "successive rounds (0.5,0.7: two rounds; several schedules compare), "
                        "and score it on takes 25-49")
    p.add_argument("--member-data", action="store_true",
                   help="each model of an ensemble after the first trains on its own draw "
                        "of the validation clips and the augmented copies (seeded by its "
                        "own seed), where by default the models share the fold's")
    p.add_argument("--member-voices", action="store_true",
                   help="with --set mix_synthetic=N, each model of an ensemble after the "
                        "first mixes in its own N synthetic voices (synthetic.data_seed + k "
                        "for model k), where by default the models share the run's")
    p.add_argument("--json", default=None, help="write every number here")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a run setting other than the default's (VALUE read as JSON, else "
                        "as a string; a dotted KEY sets a key of a section), repeatable")
    args = p.parse_args()
    if args.enrol and not all(1 <= k <= 5 for k in args.enrol):
        sys.exit(f"--enrol takes clips per digit from 1 to 5 (takes 0-4), got {args.enrol}")
    for schedule in args.self_adapt or []:
        try:
            keep_schedule([float(k) for k in schedule.split(",")])
        except ValueError as exc:
            sys.exit(f"--self-adapt takes fractions in (0, 1] joined by commas; "
                     f"{schedule!r}: {exc}")
    if not Path(args.data_dir).is_dir():
        sys.exit(f"no FSDD folder at {args.data_dir}; pass --data-dir or set MINIGRU_FSDD")
    base = make_config(settings(args.set, {"data": "fsdd", "data_dir": args.data_dir}))
    if args.epochs:
        base["epochs"] = args.epochs
    if args.member_voices and not base.get("mix_synthetic"):
        sys.exit("--member-voices gives each model its own synthetic voices, and needs them "
                 "mixed in: add --set mix_synthetic=N")
    pipeline = mg.speech.config.pipeline_of(base)
    everything = SpokenDigitFolder(args.data_dir, "all", features=pipeline,
                                   cache_dir=cache_dir())
    pipeline = everything.pipeline
    draws = draw_pipelines(base, pipeline)
    readings = [everything] + [SpokenDigitFolder(args.data_dir, "all", features=p,
                                                 cache_dir=cache_dir()) for p in draws[1:]]
    rate = pipeline.sample_rate
    speakers = args.speakers or sorted(set(everything.speakers))
    spk = np.array(everything.speakers)
    raw = {n: mg.audio.load_wav(s, sample_rate=rate)[0] for n, s in
           zip(everything.names, everything.sources, strict=True)}
    print(f"features: {pipeline.to_dict()}; model {base['model']} h{base['hidden']}, "
          f"{base['epochs']} epochs at most; seeds {args.seeds}; answers averaged over "
          f"{len(draws)} draw(s) of the noise floor")
    results: dict = {}
    posteriors: dict = {}
    started = time.time()
    labels_of = {s: np.asarray(everything.subset(np.flatnonzero(spk == s)).labels)
                 for s in speakers}
    for recipe in args.recipes:
        for seed in args.seeds:
            for s in speakers:
                t0 = time.time()
                split = speaker_split(everything, s, seed)
                fit, val, test = split["train"], split["val"], split["test"]
                cfg = dict(base, augment=recipe, seed=seed)
                fit = grow_training_set(fit, cfg, pipeline)
                members, probs, member_acc, seconds, epochs = [], [], [], 0.0, []
                for k in range(ensemble_of(cfg)):
                    k_seed = member_seed(seed, k)
                    k_cfg, k_split = cfg, split
                    if args.member_data and k > 0:
                        k_cfg = dict(cfg, seed=k_seed)
                        k_split = speaker_split(everything, s, k_seed)
                    if args.member_voices and k > 0:
                        k_cfg = dict(k_cfg, synthetic=dict(
                            cfg["synthetic"], data_seed=cfg["synthetic"]["data_seed"] + k))
                    k_fit = fit if k_cfg is cfg else grow_training_set(k_split["train"],
                                                                       k_cfg, pipeline)
                    k_val = k_split["val"]
                    mg.manual_seed(k_seed)
                    member = model_for(cfg, everything.feature_size, 10)
                    seen: dict = {}
                    hook = held_out_hook(test, seen) if args.curve and k == 0 else None
                    r = fit_and_test(member, k_fit, k_val, test, epochs=cfg["epochs"],
                                     lr=cfg["lr"], seed=k_seed, batch_size=cfg["batch_size"],
                                     patience=cfg["patience"], clip=cfg["clip"],
                                     schedule=cfg["schedule"],
                                     ema=ema_of(cfg), weight_decay=cfg["weight_decay"],
                                     weight_noise=cfg["weight_noise"],
                                     views=[speaker_split(e, s, seed)["test"]
                                            for e in readings[1:]], on_epoch=hook)
                    if hook is not None:
                        curve = epoch_curve(seen, np.asarray(test.labels))
                    members.append(member)
                    probs.append(r["probabilities"])
                    member_acc.append(r["test_accuracy"])
                    seconds += r["train_seconds"]
                    epochs.append(r["epochs"])
                model = members[0] if len(members) == 1 else Ensemble(members)
                mean_probs = np.mean(probs, axis=0)
                r = {"test_accuracy": float(np.mean(mean_probs.argmax(axis=1)
                                                    == np.asarray(test.labels))),
                     "probabilities": mean_probs, "train_seconds": seconds,
                     "epochs": epochs[0] if len(epochs) == 1 else epochs}
                model.eval()
                truth = np.asarray(test.labels)
                confusion = np.zeros((10, 10), dtype=int)
                np.add.at(confusion, (truth, r["probabilities"].argmax(axis=1)), 1)
                row = {"loso": r["test_accuracy"], "members": member_acc,
                       "train_seconds": r["train_seconds"],
                       "n_train": len(fit), "epochs": r["epochs"],
                       "confusion": confusion.tolist()}
                if args.curve:
                    row["curve"] = curve
                if len(draws) > 1:
                    row["first draw"] = evaluate(model, DataLoader(test, 128), 10)["accuracy"]
                clips = [raw[n] for n in test.names]
                if args.tta:
                    row["tta"] = test_time_warps(model, pipeline, clips, list(test.labels),
                                                 rate, args.tta)
                if not args.no_corruptions:
                    pool = [raw[n] for n, who in zip(everything.names, spk, strict=True)
                            if who != s][:50]
                    row["changed"] = {}
                    clean = None
                    for name, fn in corruptions(rate, pool).items():
                        said = answers(model, draws, clips, list(test.labels), fn, seed)
                        clean = said if clean is None else clean
                        row[name] = float(np.mean(said == truth))
                        row["changed"][name] = int(np.sum(said != clean))
                if args.enrol:
                    row["enrol"] = enrolment(model, cfg, everything, s, val, seed, args.enrol,
                                             args.enrol_lr)
                if args.self_adapt:
                    row["self"] = self_adaptation(model, cfg, everything, s, val, seed,
                                                  args.self_adapt)
                results.setdefault(recipe, {}).setdefault(s, []).append(row)
                posteriors.setdefault(recipe, {}).setdefault(s, []).append(r["probabilities"])
                notes = f", warps averaged {row['tta']:.4f}" if args.tta else ""
                if args.curve:
                    notes += (f"; first model's epoch kept {curve['kept epoch']} "
                            f"{curve['kept']:.4f}, best for the voice {curve['best epoch']} "
                            f"{curve['best']:.4f}")
                enrol = "".join(f", {k} per digit {row['enrol'][str(k)]:.4f}"
                                for k in args.enrol or [])
                enrol = f"; takes 5-49 {row['enrol']['0']:.4f}{enrol}" if enrol else ""
                if args.self_adapt:
                    enrol += f"; takes 25-49 {row['self']['0']:.4f}" + "".join(
                        f", self-trained keeping {k} {row['self'][k]:.4f}"
                        for k in args.self_adapt)
                if len(member_acc) > 1:
                    enrol = (" (members " + ", ".join(f"{a:.4f}" for a in member_acc) + ")"
                             + enrol)
                print(f"  {recipe:>6} seed {seed} {s:>9}: {r['test_accuracy']:.4f}{notes}{enrol} "
                      f"({len(fit)} train, {time.time() - t0:.0f} s)", flush=True)
    print(f"\nLeave one speaker out ({time.time() - started:.0f} s in all)\n")
    header = ["recipe"] + speakers + ["mean", "worst"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for recipe, per in results.items():
        means = {s: np.mean([r["loso"] for r in per[s]]) for s in per}
        cells = [f"{100 * means[s]:.1f}" for s in speakers]
        print(f"| {recipe} | " + " | ".join(cells) +
              f" | **{100 * np.mean(list(means.values())):.1f}** | "
              f"{100 * min(means.values()):.1f} |")
        if len(draws) > 1:
            one = {s: np.mean([r["first draw"] for r in per[s]]) for s in per}
            cells = [f"{100 * one[s]:.1f}" for s in speakers]
            print(f"| {recipe}, the first draw of the noise floor alone | " + " | ".join(cells)
                  + f" | **{100 * np.mean(list(one.values())):.1f}** | "
                    f"{100 * min(one.values()):.1f} |")
        if args.tta:
            tta = {s: np.mean([r["tta"] for r in per[s]]) for s in per}
            cells = [f"{100 * tta[s]:.1f}" for s in speakers]
            print(f"| {recipe}, warps {args.tta} averaged | " + " | ".join(cells) +
                  f" | **{100 * np.mean(list(tta.values())):.1f}** | "
                  f"{100 * min(tta.values()):.1f} |")
        if args.curve:
            for key, what in CURVE_ROWS.items():
                got = {s: np.mean([r["curve"][key] for r in per[s]]) for s in per}
                cells = [f"{100 * got[s]:.1f}" for s in speakers]
                print(f"| {recipe}, the first model: {what} | " + " | ".join(cells) +
                      f" | **{100 * np.mean(list(got.values())):.1f}** | "
                      f"{100 * min(got.values()):.1f} |")
        if len(args.seeds) > 1:
            ens = {s: float(np.mean(np.mean(posteriors[recipe][s], axis=0).argmax(axis=1)
                                    == labels_of[s])) for s in per}
            cells = [f"{100 * ens[s]:.1f}" for s in speakers]
            print(f"| {recipe}, ensemble of the {len(args.seeds)} seeds | " + " | ".join(cells)
                  + f" | **{100 * np.mean(list(ens.values())):.1f}** | "
                    f"{100 * min(ens.values()):.1f} |")
            for s in per:
                for row in per[s]:
                    row["ensemble"] = ens[s]
    if args.enrol:
        adaptation_table(results, speakers, "enrol", "clips per digit",
                         list(map(str, args.enrol)),
                         "Enrolment: each fold's model adapted to K clips per digit of the "
                         "held-out speaker (takes 0-4), scored on the speaker's takes 5-49")
    if args.self_adapt:
        adaptation_table(results, speakers, "self", "kept of each answer", args.self_adapt,
                         "Self-training: each fold's model adapted to the held-out speaker's "
                         "takes 0-24 without labels, scored on takes 25-49", right=True)
    if not args.no_corruptions:
        names = [k for k in next(iter(next(iter(results.values())).values()))[0]
                 if k not in ("loso", "members", "train_seconds", "n_train", "epochs",
                                "ensemble",
                                "tta", "confusion", "changed", "enrol", "self", "first draw",
                                "curve")]
        print("\nCorruptions of the held-out speaker's clips (accuracy, mean over speakers and "
              "seeds; in brackets, the answers that differ from the clean clip's, of all the "
              "clips scored)\n")
        print("| corruption | " + " | ".join(results) + " |")
        print("|---|" + "---|" * len(results))
        for name in names:
            cells = []
            for per in results.values():
                rows = [r for rr in per.values() for r in rr]
                changed = sum(r["changed"][name] for r in rows)
                scored = sum(int(np.sum(r["confusion"])) for r in rows)
                cells.append(f"{100 * np.mean([r[name] for r in rows]):.1f} "
                             f"({changed} of {scored})")
            print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"config": base, "results": results}, indent=1,
                                              default=str))


if __name__ == "__main__":
    main()
