"""``mg.data``: datasets, padded batches, the speech corpora, and text tools."""

from .dataset import ArrayDataset, Dataset, join, limit_per_class
from .espeak import EspeakDigits
from .loader import Batch, DataLoader, pad_batch
from .speech import AudioFolder, SpokenDigitFolder, SyntheticDigits, fix_rate
from .synthetic import DIGIT_WORDS, synthesize_digit
from .text import Vocabulary, pad, stratified_folds, strip_transcript_markup, tokenize

__all__ = ["ArrayDataset", "AudioFolder", "Batch", "DIGIT_WORDS", "DataLoader", "Dataset",
           "EspeakDigits", "SpokenDigitFolder", "SyntheticDigits", "fix_rate", "join",
           "limit_per_class", "Vocabulary", "pad", "pad_batch", "stratified_folds",
           "strip_transcript_markup", "synthesize_digit", "tokenize"]


def __getattr__(name: str):
    if name == "FeatureSpec":  # deprecated alias, one release
        import warnings

        from ..audio.pipeline import FeaturePipeline

        warnings.warn("minigru.data.FeatureSpec is deprecated; use "
                      "minigru.audio.FeaturePipeline (its cmvn default is False)",
                      DeprecationWarning, stacklevel=2)
        return FeaturePipeline
    raise AttributeError(f"module 'minigru.data' has no attribute {name!r}")
