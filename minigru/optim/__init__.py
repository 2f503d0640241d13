"""``mg.optim``: optimisers and learning-rate schedules with PyTorch's update rules."""

from . import lr_scheduler
from .adam import Adam, AdamW
from .ema import ExponentialMovingAverage
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "ExponentialMovingAverage", "Optimizer", "RMSprop",
           "lr_scheduler"]
