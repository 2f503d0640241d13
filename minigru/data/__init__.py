"""``mg.data``: datasets, padded batches, and the speech corpora."""

from .dataset import ArrayDataset, Dataset, limit_per_class
from .loader import Batch, DataLoader, pad_batch
from .speech import AudioFolder, FeatureSpec, SpokenDigitFolder, SyntheticDigits
from .synthetic import DIGIT_WORDS, synthesize_digit

__all__ = ["ArrayDataset", "AudioFolder", "Batch", "DIGIT_WORDS", "DataLoader", "Dataset",
           "FeatureSpec", "SpokenDigitFolder", "SyntheticDigits", "limit_per_class",
           "pad_batch", "synthesize_digit"]
