"""Power-law compression of the mel energies (``log="root"``, ``compression="root"``)."""

import dataclasses

import numpy as np
import pytest

import minigru as mg
from minigru.audio import FeaturePipeline
from minigru.data import synthesize_digit
from minigru.speech import config


@pytest.fixture(scope="module")
def clip():
    return synthesize_digit(6, 8000, 0, 0, (20.0, 30.0)).astype(np.float32)


def test_root_energies_are_the_power_law():
    m = np.array([[0.0, 1e-12, 1.0, 32768.0 ** 2]])
    out = mg.audio.root_energies(m, floor=1e-10, power=0.25)
    np.testing.assert_allclose(out, [[1e-2 ** 1.25, 1e-2 ** 1.25, 1.0, 181.01933598375618]],
                               rtol=1e-14)
    np.testing.assert_allclose(mg.audio.root_energies(np.array([2.0 ** 15])),
                               [2.0], rtol=1e-15)
    for bad in (0.0, 1.0, -0.5, 2.0):
        with pytest.raises(ValueError, match="power"):
            mg.audio.root_energies(m, power=bad)


@pytest.mark.parametrize("preset", [None, "python_speech_features", "kaldi"])
def test_root_cepstra_are_the_dct_of_the_power_law(preset, clip):
    """The DCT and lifter of (mel energies)^(1/15), the energies taken from the stages of the
    log pipeline; where the preset replaces c0 by a log energy E, c0 is exp(ln E / 15)."""
    rate = 8000
    log_pipe = FeaturePipeline(sample_rate=rate, deltas=0, preset=preset)
    root_pipe = dataclasses.replace(log_pipe, compression="root")
    st = log_pipe.mfcc_stages(clip, rate)
    cfg = root_pipe.mfcc_config()
    assert cfg.log == "root" and cfg.root_power == 1 / 15
    mel = np.maximum(st["power"] @ st["filterbank"].T, cfg.log_floor)
    ceps = mg.audio.lifter(mg.audio.dct(mel ** (1 / 15), cfg.n_mfcc), cfg.lifter)
    got = root_pipe(clip, rate)
    first = 0 if cfg.energy is None else 1
    np.testing.assert_allclose(got[:, first:], ceps[:, first:], rtol=0, atol=1e-9)
    if cfg.energy is not None:
        np.testing.assert_allclose(got[:, 0], np.exp(log_pipe(clip, rate)[:, 0] / 15),
                                   rtol=1e-12)


def test_with_cmvn_the_level_of_the_input_does_not_matter(clip):
    """A gain g multiplies every root energy by g^(2/15), hence every cepstrum and delta;
    per-utterance CMVN takes the factor out (the log turns it into an offset instead). The
    clip carries a little noise, so that no mel band lies at the floor."""
    x = clip + 1e-2 * np.random.default_rng(0).standard_normal(clip.size).astype(np.float32)
    pipe = FeaturePipeline(sample_rate=8000, cmvn=True, compression="root")
    loud = (x * np.float32(16.0)).astype(np.float32)
    np.testing.assert_allclose(pipe(loud, 8000), pipe(x, 8000), rtol=0, atol=1e-12)
    plain = dataclasses.replace(pipe, cmvn=False)
    np.testing.assert_allclose(plain(loud, 8000) / plain(x, 8000), 16.0 ** (2 / 15),
                               rtol=1e-9)


def test_the_stream_computes_the_same_features(clip):
    pipe = FeaturePipeline(sample_rate=8000, compression="root")
    stream = pipe.streaming()
    rows = [stream.push(clip[i:i + 700]) for i in range(0, clip.size, 700)]
    rows.append(stream.flush())
    np.testing.assert_allclose(np.concatenate(rows), pipe(clip, 8000), rtol=0, atol=1e-9)


def test_the_setting_is_described_only_when_it_is_not_the_log():
    log = FeaturePipeline(cmvn=True)
    assert "compression" not in log.to_dict()
    root = dataclasses.replace(log, compression="root")
    assert root.to_dict()["compression"] == "root"
    assert FeaturePipeline.from_json(root.to_json()) == root
    assert FeaturePipeline.from_dict({**log.to_dict(), "compression": "log"}) == log
    assert "root_power" not in root.to_dict()
    seventh = dataclasses.replace(root, root_power=1 / 7)
    assert seventh.to_dict()["root_power"] == 1 / 7
    assert FeaturePipeline.from_json(seventh.to_json()) == seventh
    assert seventh.mfcc_config().root_power == 1 / 7
    assert log.mfcc_config().log == "ln"
    with pytest.raises(ValueError, match="compression"):
        FeaturePipeline(compression="ln")
    for bad in (0, 1.0, -0.1, "1/15", True):
        with pytest.raises(ValueError, match="root_power"):
            FeaturePipeline(compression="root", root_power=bad)
    with pytest.raises(ValueError, match="root_power"):
        mg.audio.mfcc(np.zeros(800), 8000, log="root", root_power=1.5)
    with pytest.raises(ValueError, match="log"):
        mg.audio.mfcc(np.zeros(800), 8000, log="cube")


def test_a_run_takes_it_from_the_command_line():
    from minigru import cli, commands

    args = cli.build_parser().parse_args(["train", "--compression", "root"])
    over = commands.train_overrides(args)
    assert over["features"] == {"compression": "root"}
    cfg = config.make_config(over)
    assert config.pipeline_of(cfg).compression == "root"
    assert config.pipeline_of(config.make_config({})).compression == "log"
    seventh = config.make_config({"features": {"compression": "root", "root_power": 1 / 7}})
    assert config.pipeline_of(seventh).mfcc_config().root_power == 1 / 7
    with pytest.raises(config.ConfigError, match="root_power"):
        config.make_config({"features": {"root_power": "a seventh"}})
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--compression", "cube"])
