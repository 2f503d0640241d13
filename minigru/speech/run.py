"""Training runs of the recogniser: from a configuration to a trained model in a run folder.

:func:`train_run` is what ``minigru train`` (and every sweep point) does; :func:`fit_and_test`
trains a model in memory for the examples. Both assemble the optimiser, the loaders and the
``Trainer`` in one place, :func:`make_trainer`, so a run and an experiment train alike.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import random as mg_random
from ..data import espeak
from ..data.dataset import ArrayDataset
from ..data.loader import DataLoader
from ..nn import Module
from ..optim import Adam, AdamW
from ..optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau
from ..runtime import set_threads
from ..training import RunFolder, Trainer, evaluate_mean, load_checkpoint
from .config import (
    DEFAULTS,
    SCHEDULES,
    ConfigError,
    augment_of,
    check_config,
    ema_of,
    ensemble_of,
    flat_items,
    legacy_config,
    make_config,
)
from .datasets import make_datasets, run_pipeline, uses_espeak
from .ensemble import Ensemble, combine_models, member_seed
from .figures import write_figures
from .models import model_for
from .views import split_views

EVAL_BATCH = 128


def run_name(cfg: dict[str, Any]) -> str:
    """The default folder name of a run: ``<data>-<model>-h<hidden>-seed<seed>``, with
    ``-test-<speaker>`` when a speaker is held out."""
    name = f"{cfg['data']}-{cfg['model']}-h{cfg['hidden']}-seed{cfg['seed']}"
    return name + (f"-test-{cfg['test_speaker']}" if cfg.get("test_speaker") else "")


def new_run_dir(base: str | os.PathLike[str], cfg: dict[str, Any]) -> RunFolder:
    """A run folder under ``base`` that does not exist yet (``-2``, ``-3``... appended)."""
    return RunFolder.unique(base, run_name(cfg))


EpochHook = Callable[[Trainer, dict[str, float]], None]
"""``on_epoch(trainer, row)``, called after each epoch (see ``Trainer``)."""


def make_trainer(model: Module, train: ArrayDataset, val: ArrayDataset | None, *, lr: float,
                 seed: int, batch_size: int, epochs: int, patience: int | None,
                 clip: float | None, schedule: str | None = None,
                 run_dir: str | os.PathLike[str] | None = None,
                 config: dict[str, Any] | None = None, quiet: bool = True,
                 log: Any = None, ema: float = 0.0, weight_decay: float = 0.0,
                 weight_noise: float = 0.0, on_epoch: EpochHook | None = None) -> Trainer:
    """Adam (AdamW with ``weight_decay`` > 0), a shuffled length-bucketed loader seeded by
    ``seed``, a validation loader (none for ``val=None``: no best epoch is picked, and the
    weights after the last epoch are the result), a learning-rate ``schedule`` (None:
    constant; ``plateau``: halved after 2 epochs without a better validation loss; ``cosine``:
    ``lr (1 + cos(pi e / epochs)) / 2`` in epoch e), (with ``ema`` > 0) a moving average of
    the weights with that decay, which validation and the kept weights use, and (with
    ``weight_noise`` > 0) gradients taken at weights perturbed by noise of that standard
    deviation. ``on_epoch(trainer, row)`` is called after each epoch (``Trainer``'s hook).
    """
    optimizer = AdamW(model.parameters(), lr=lr, weight_decay=weight_decay) \
        if weight_decay else Adam(model.parameters(), lr=lr)
    if schedule not in (None, *SCHEDULES):
        raise ConfigError(f"schedule must be None or one of {SCHEDULES}, got {schedule!r}")
    scheduler = None
    if schedule == "plateau":
        scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    elif schedule == "cosine":
        scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    loader = DataLoader(train, batch_size, shuffle=True, seed=seed, bucket_by_length=True)
    val_loader = None if val is None else DataLoader(val, EVAL_BATCH)
    return Trainer(model, optimizer, loader, val_loader, len(train.classes),
                   scheduler, clip, epochs, patience, run_dir, config, quiet, log,
                   ema=ema or None, weight_noise=weight_noise or None, on_epoch=on_epoch)


def train_run(cfg: dict[str, Any], run_dir: str | os.PathLike[str], resume: bool = False,
              quiet: bool = False, log: Any = print) -> dict[str, Any]:
    """Train (or resume) a run in ``run_dir``; write its files and figures; return the summary.

    The configuration written to the run folder and stored in its checkpoints has the
    class names (``classes``) and the feature pipeline with its sample rate fixed
    (``features``), so the model can be used later exactly as it was trained.

    A run of K > 1 models (``ensemble``, :func:`~minigru.speech.config.ensemble_of`) makes its
    training set once and trains member k on it in ``members/k/`` (a run folder of its own,
    seeded by :func:`~minigru.speech.ensemble.member_seed`), one after the other; the run's
    ``best.npz`` is then the members' :class:`~minigru.speech.ensemble.Ensemble`, which the
    test scores. Resuming continues each member from its own checkpoint.
    """
    files = RunFolder(run_dir)
    set_threads(cfg["threads"])
    mg_random.manual_seed(cfg["seed"])
    start = time.perf_counter()
    pipeline = run_pipeline(cfg)
    data = make_datasets(cfg, pipeline)
    classes = data["train"].classes
    cfg = dict(cfg, classes=list(classes), features=pipeline.to_dict(), augment=augment_of(cfg),
               ema=ema_of(cfg), ensemble=ensemble_of(cfg))
    if not resume:
        files.write_config(cfg)
    count = cfg["ensemble"]
    models, trainers = [], []
    for k in range(count):
        member_files = files if count == 1 else files.member(k)
        member_cfg = cfg if count == 1 else dict(cfg, seed=member_seed(cfg["seed"], k),
                                                 ensemble=1)
        mg_random.manual_seed(member_cfg["seed"])
        model = model_for(member_cfg, data["train"].feature_size, len(classes))
        trainer = make_trainer(model, data["train"], data["val"], lr=cfg["lr"],
                               seed=member_cfg["seed"], batch_size=cfg["batch_size"],
                               epochs=cfg["epochs"], patience=cfg["patience"],
                               clip=cfg["clip"], schedule=cfg.get("schedule", "plateau"),
                               run_dir=member_files.path, config=member_cfg, quiet=quiet,
                               log=log, ema=cfg["ema"],
                               weight_decay=cfg.get("weight_decay", 0.0),
                               weight_noise=cfg.get("weight_noise", 0.0))
        if k == 0 and log:
            size = f"{count} x {model.num_parameters():,}" if count > 1 \
                else f"{model.num_parameters():,}"
            log(f"{cfg['data']}: {len(data['train'])} train, {len(data['val'])} validation, "
                f"{len(data['test'])} test utterances, {data['train'].feature_size} "
                f"features; {cfg['model']} with {size} parameters -> {files.path}")
        restarted = resume and member_files.checkpoint.is_file()
        if restarted:
            trainer.restore(load_checkpoint(member_files.checkpoint))
        elif count > 1:
            member_files.write_config(member_cfg)
        if log and count > 1:
            log(f"model {k + 1} of {count} (seed {member_cfg['seed']}) -> {member_files.path}"
                + (f", resuming after epoch {len(trainer.history)}" if restarted else ""))
        elif log and restarted:
            log(f"resuming {files.path} after epoch {len(trainer.history)}")
        trainer.fit()
        if member_files.best.exists():
            model.load_state_dict(load_checkpoint(member_files.best)["model"])
        models.append(model)
        trainers.append(trainer)
    if count > 1:
        combine_models([files.member(k).best for k in range(count)], files.best,
                       overwrite=True, config=cfg)
        model = Ensemble(models)
    model.eval()
    views = split_views(cfg, pipeline, "test", data["test"])

    def score(m: Module, sets: Sequence[ArrayDataset]) -> dict[str, Any]:
        return evaluate_mean(m, [DataLoader(d, EVAL_BATCH) for d in sets], len(classes))

    test = score(model, views)
    first = trainers[0]
    summary = {
        "test_accuracy": test["accuracy"], "test_loss": test["loss"], "n_test": test["n"],
        "best_epoch": first.best["epoch"], "best_val_accuracy": first.best["val_accuracy"],
        "epochs": len(first.history), "wall_seconds": time.perf_counter() - start,
        "train_seconds": sum(t.seconds for t in trainers),
        "parameters": model.num_parameters(),
        "classes": classes, "confusion": test["confusion"].tolist(),
    }
    if count > 1:
        val = score(model, split_views(cfg, pipeline, "val", data["val"]))
        members = [{"seed": t.config["seed"], "best_epoch": t.best["epoch"],
                    "best_val_accuracy": t.best["val_accuracy"], "epochs": len(t.history),
                    "train_seconds": t.seconds} for t in trainers]
        for k, (entry, member) in enumerate(zip(members, models, strict=True)):
            entry["test_accuracy"] = score(member, views)["accuracy"]
            files.member(k).write_summary(entry)
        summary.update(best_epoch=None, best_val_accuracy=val["accuracy"],
                       epochs=sum(len(t.history) for t in trainers), ensemble=count,
                       members=members)
    if uses_espeak(cfg):
        summary["espeak_version"] = espeak.version()
    files.write_summary(summary)
    write_figures(files, [t.history for t in trainers] if count > 1 else first.history,
                  test["confusion"], classes, model, data["test"], pipeline)
    return summary


def fit_and_test(model: Module, train: ArrayDataset, val: ArrayDataset, test: ArrayDataset,
                 epochs: int = 20, lr: float = 0.003, seed: int = 0, batch_size: int = 32,
                 patience: int | None = 6, clip: float | None = 5.0,
                 schedule: str | None = None, ema: float = 0.0, weight_decay: float = 0.0,
                 weight_noise: float = 0.0, views: Sequence[ArrayDataset] = (),
                 on_epoch: EpochHook | None = None) -> dict[str, Any]:
    """Train ``model`` in memory (no run folder), keep the best validation epoch, test it.
    ``schedule`` is the learning rate's course, as in :func:`make_trainer` (``"plateau"`` is
    what :func:`train_run` uses by default); ``ema`` > 0 validates and keeps a moving average
    of the weights with that decay; ``weight_decay`` > 0 trains with AdamW; ``weight_noise``
    > 0 takes each step's gradient at weights perturbed by Gaussian noise of that standard
    deviation. ``views`` are further readings of the test set (the same clips in the same
    order: the other draws of a noise floor, ``minigru.speech.views.split_views``), whose
    posteriors the test averages with ``test``'s. ``on_epoch(trainer, row)`` is called after
    each epoch (``Trainer``'s hook).

    Returns test accuracy and loss, the confusion matrix, the test posteriors
    (``probabilities``, in the test set's order), the history, and seconds of training.
    """
    mg_random.manual_seed(seed)
    trainer = make_trainer(model, train, val, lr=lr, seed=seed, batch_size=batch_size,
                           epochs=epochs, patience=patience, clip=clip, schedule=schedule,
                           ema=ema, weight_decay=weight_decay, weight_noise=weight_noise,
                           on_epoch=on_epoch)
    trainer.fit()
    if trainer.best_state is not None:
        model.load_state_dict(trainer.best_state)
    result = evaluate_mean(model, [DataLoader(d, EVAL_BATCH) for d in (test, *views)],
                           len(train.classes))
    return {"test_accuracy": result["accuracy"], "test_loss": result["loss"],
            "confusion": result["confusion"], "probabilities": result["probabilities"],
            "history": trainer.history,
            "train_seconds": trainer.seconds, "epochs": len(trainer.history)}


RESUMABLE = ("epochs", "patience", "threads")
"""Settings a resumed run may change: how long it trains, and on how many threads."""


def prepare_run(overrides: dict[str, Any] | None = None, out: str | os.PathLike[str] | None = None,
                resume: str | os.PathLike[str] | None = None,
                base: str | os.PathLike[str] = "runs") -> tuple[dict[str, Any], RunFolder]:
    """The configuration and run folder of a new run, or of one to resume.

    New: ``make_config(overrides)`` in ``out`` (or a new folder under ``base`` named by
    :func:`run_name`); ``out`` must not already hold a run. Resume: the configuration stored in
    the folder ``resume``. There ``overrides`` may change only ``RESUMABLE`` settings, which
    are applied and written to its ``config.json``; any other setting that differs from the
    stored one would change the model or the data, and is refused with ``ConfigError``.
    """
    if resume is not None:
        files = RunFolder(resume)
        if not files.can_resume():
            raise ConfigError(f"no {RunFolder.CHECKPOINT} and {RunFolder.CONFIG} in "
                              f"{files.path} to resume from")
        if out is not None and Path(out).resolve() != files.path.resolve():
            raise ConfigError(f"--out {out} and --resume {resume} name different folders; a "
                              f"resumed run stays in its own folder")
        cfg = legacy_config(files.read_config())
        changed = False
        for key, value in flat_items(overrides or {}):
            if value is None:
                continue
            stored = cfg.get(key, DEFAULTS.get(key))
            if "." in key:
                section, sub = key.split(".", 1)
                stored = cfg.get(section, {}).get(sub)
            if key in RESUMABLE:
                changed |= value != stored
                cfg[key] = value
                continue
            if value == stored or (key == "data_dir" and stored is not None
                                   and Path(value).resolve() == Path(stored).resolve()):
                continue
            raise ConfigError(f"{key} cannot change when a run is resumed: {files.path} was "
                              f"trained with {key} = {stored!r}, not {value!r}. Only "
                              f"{', '.join(RESUMABLE)} may change; start a new run for the "
                              f"rest")
        check_config(cfg)
        if changed:
            files.write_config(cfg)
        return cfg, files
    cfg = make_config(overrides)
    files = RunFolder(out) if out else new_run_dir(base, cfg)
    if out and files.has_run():
        raise ConfigError(f"{files.path} already holds a run; use --resume {files.path} to "
                          f"continue it or choose another --out")
    return cfg, files
