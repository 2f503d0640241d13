"""``mg.audio``: WAV input, the MFCC front end (SciPy and NumPy only), and the one
``FeaturePipeline`` that turns a file into a model's input."""

from .cache import FeatureCache
from .features import (
    PRESETS,
    MFCCConfig,
    fbank,
    fbank_batch,
    mfcc,
    mfcc_batch,
    noise_mel,
    resolve_config,
)
from .frames import frame_signal, get_window, preemphasis, round_half_up
from .normalize import cmvn, delta
from .pipeline import DEFAULT_PIPELINE, FeaturePipeline, stack_frames
from .resampling import resample
from .spectral import (
    dct,
    hz_to_mel,
    lifter,
    log_energies,
    mel_filterbank,
    mel_to_hz,
    power_spectrum,
    power_to_db,
    root_energies,
)
from .streaming import StreamingMFCC
from .wav import load_wav

__all__ = [
    "DEFAULT_PIPELINE", "FeatureCache", "FeaturePipeline", "MFCCConfig", "PRESETS",
    "StreamingMFCC", "cmvn", "dct", "delta", "fbank",
    "fbank_batch", "frame_signal", "get_window", "hz_to_mel", "lifter", "load_wav",
    "log_energies", "mel_filterbank", "mel_to_hz", "mfcc", "mfcc_batch", "noise_mel",
    "power_spectrum",
    "power_to_db", "preemphasis", "resample", "resolve_config", "root_energies", "round_half_up",
    "stack_frames",
]
