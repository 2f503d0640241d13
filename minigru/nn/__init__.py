"""``mg.nn``: modules, parameters, layers and losses, named and shaped as in ``torch.nn``."""

from . import functional, init, utils
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .cells import GRUCell, LSTMCell, RNNCell
from .conv import AvgPool1d, Conv1d, Conv2d, MaxPool1d, MaxPool2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Flatten, Identity, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, CTCLoss, MSELoss, NLLLoss
from .module import Module, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, LayerNorm
from .pooling import SequencePooling
from .recurrent import GRU, LSTM, RNN, RNNBase
from .text import TextClassifier
from .weight_noise import WeightNoise

__all__ = [
    "AvgPool1d", "BCEWithLogitsLoss", "BatchNorm1d", "CTCLoss", "Conv1d", "Conv2d",
    "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "GRU", "GRUCell", "Identity",
    "LSTM", "LSTMCell", "LayerNorm", "Linear", "LogSoftmax", "MSELoss", "MaxPool1d",
    "MaxPool2d", "Module", "ModuleList", "NLLLoss", "Parameter", "RNN", "RNNBase", "RNNCell",
    "ReLU", "SequencePooling", "Sequential", "Sigmoid", "Softmax", "Tanh", "TextClassifier",
    "WeightNoise",
    "functional", "init", "utils",
]
