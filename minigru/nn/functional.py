"""``mg.nn.functional``: the layers and losses as functions, with PyTorch's argument order."""

from ..ops.conv import avg_pool1d, conv1d, conv2d, max_pool1d, max_pool2d
from ..ops.ctc import (
    collapse,
    ctc_beam_search_decode,
    ctc_greedy_decode,
    ctc_loss,
    ctc_prefix_beam_search,
)
from ..ops.elementwise import relu, sigmoid, tanh
from ..ops.layers import batch_norm, dropout, embedding, layer_norm, linear
from ..ops.loss import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from ..ops.reduce import log_softmax, softmax

__all__ = [
    "avg_pool1d", "batch_norm", "binary_cross_entropy_with_logits", "collapse",
    "conv1d", "conv2d", "cross_entropy", "ctc_beam_search_decode", "ctc_greedy_decode",
    "ctc_loss", "ctc_prefix_beam_search", "dropout", "embedding", "layer_norm", "linear",
    "log_softmax", "max_pool1d", "max_pool2d", "mse_loss", "nll_loss", "relu", "sigmoid",
    "softmax", "tanh",
]
