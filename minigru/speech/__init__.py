"""``minigru.speech``: the spoken-word recogniser, the application built on the library.

- ``config``: a run's settings, their defaults and checks, ``ConfigError``.
- ``datasets``: which corpus a run reads and how it is split.
- ``models``: the GRU/LSTM/RNN, CNN-GRU and CTC recognisers, built by name.
- ``run``: training runs (``train_run``, ``fit_and_test``, one ``make_trainer``).
- ``predict``: a model from its checkpoint, predictions for files, scores on a dataset.
- ``ensemble``: several trained models answering as one (their posteriors averaged).
- ``adapt``: a trained model fine-tuned on a few labelled clips of a new voice (enrolment).
- ``pseudo_labels``: the model's own surest answers on unlabelled clips as labels
  (self-training, ``adapt --unlabelled``).
- ``stream``: recognition of a live signal, and its latency report.
- ``live``: that recognition on raw PCM read from a pipe as it arrives (a microphone).
- ``sweep``: grids of runs on local processes or a Dask cluster.
- ``figures``, ``inspect``: what a person looks at.

Every entry point computes features through the run's one ``FeaturePipeline``, stored in the
checkpoint. The run folder's files are named by ``minigru.training.RunFolder``. Nothing in the
library imports this package; ``import minigru`` does not load it.
"""

from .adapt import adapt_checkpoint, adapt_model
from .config import DEFAULTS, ConfigError, check_config, make_config, pipeline_of
from .datasets import make_datasets, run_pipeline
from .ensemble import Ensemble, combine_models
from .models import CNNGRUClassifier, CTCRecogniser, GRUClassifier, build_model, model_for
from .predict import evaluate_checkpoint, load_model, predict_each, predict_files
from .run import fit_and_test, make_trainer, prepare_run, train_run

__all__ = ["CNNGRUClassifier", "CTCRecogniser", "ConfigError", "DEFAULTS", "Ensemble",
           "GRUClassifier", "adapt_checkpoint", "adapt_model", "build_model", "check_config",
           "combine_models", "evaluate_checkpoint", "fit_and_test", "load_model",
           "make_config", "make_datasets", "make_trainer", "model_for", "pipeline_of",
           "predict_each", "predict_files", "prepare_run", "run_pipeline", "train_run"]
