"""Regenerate ``mfcc_references.npz``: outputs of the reference implementations themselves.

Not run by the tests or CI (the references are not dependencies of minigru). To refresh:

    python -m venv /tmp/refs && /tmp/refs/bin/pip install numpy scipy librosa \
        python_speech_features kaldi-native-fbank
    /tmp/refs/bin/python tests/data/make_mfcc_references.py

Signals are built from formulas (no random generator), so they are the same everywhere.
Versions used for the committed file: librosa 0.11.0, python_speech_features 0.6,
kaldi-native-fbank 1.22 (Kaldi's compute-mfcc-feats defaults, dither 0).
"""

import pathlib

import numpy as np


def signals():
    """name -> (samples in [-1, 1], sample rate)."""
    out = {}
    for sr in (8000, 16000):
        t = np.arange(int(0.61 * sr) + 3) / sr
        vowel = sum(np.sin(2 * np.pi * 120 * k * t) / k * np.exp(-((120 * k - f) / 300) ** 2)
                    for k in range(1, 30) for f in (700, 1200, 2600))
        vowel = 0.3 * vowel / np.max(np.abs(vowel)) * np.minimum(1, 20 * t)
        lcg = (np.arange(t.size, dtype=np.uint64) * np.uint64(6364136223846793005)
               + np.uint64(1442695040888963407)) >> np.uint64(40)
        noise = 0.05 * (lcg.astype(np.float64) / 2**24 - 0.5)
        out[f"voice{sr}"] = (vowel + noise, sr)
        out[f"noise{sr}"] = (noise * 4, sr)
        out[f"silence{sr}"] = (np.zeros(int(0.2 * sr)), sr)
    return out


def main():
    import kaldi_native_fbank as knf
    import librosa
    import python_speech_features as psf

    data = {}
    for name, (x, sr) in signals().items():
        data[f"{name}/python_speech_features"] = psf.mfcc(x, samplerate=sr)
        data[f"{name}/librosa"] = librosa.feature.mfcc(y=x, sr=sr, n_mfcc=13).T
        opts = knf.MfccOptions()
        opts.frame_opts.dither = 0
        opts.frame_opts.samp_freq = sr
        m = knf.OnlineMfcc(opts)
        m.accept_waveform(sr, (x * 32768).tolist())
        m.input_finished()
        data[f"{name}/kaldi"] = np.array([m.get_frame(i) for i in
                                          range(m.num_frames_ready)]).reshape(-1, 13)
    path = pathlib.Path(__file__).with_name("mfcc_references.npz")
    np.savez_compressed(path, **data)
    print(f"wrote {path} ({len(data)} arrays)")


if __name__ == "__main__":
    main()
