"""``minigru.training``: fitting any model (library, not application).

- ``Trainer`` (``trainer.py``): epochs, evaluation, early stopping, checkpoints after every
  epoch, Ctrl-C handling, bit-identical resume.
- ``evaluate`` (``evaluate.py``): loss, accuracy, confusion matrix and predictions;
  ``evaluate_mean`` the same over several views of the utterances, posteriors averaged.
- ``load_checkpoint`` (``checkpoint.py``): the checkpoint formats.
- ``RunFolder`` (``run_folder.py``): the one owner of a run folder's file names.

Not imported by ``import minigru`` (it brings tqdm): ``import minigru.training``.
"""

from .checkpoint import MODEL_FORMAT, RUN_FORMAT, load_checkpoint
from .evaluate import evaluate, evaluate_mean
from .run_folder import RunFolder
from .trainer import Interrupted, Trainer, TrainingError

__all__ = ["Interrupted", "MODEL_FORMAT", "RUN_FORMAT", "RunFolder", "Trainer",
           "TrainingError", "evaluate", "evaluate_mean", "load_checkpoint"]
