"""Declipping: which samples are clipped (flat, or clipped and then reshaped by a
resampler), their restoration by linear prediction, and the pipeline's ``declip`` and
``declip_reshaped`` stages."""

import pathlib

import numpy as np
import pytest
from scipy.io import wavfile

from minigru.audio import FeaturePipeline, load_wav, resample
from minigru.audio import declip as declip_module
from minigru.audio.augment import overdrive
from minigru.audio.declip import (
    MIN_CLIPPED,
    PILE_LEVEL,
    below_band_edge,
    clipped_samples,
    declip,
    piled_peaks,
)

SR = 8000
FSDD = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd" / "recordings"


def two_tones(seconds: float = 0.5, sr: int = SR) -> np.ndarray:
    n = np.arange(int(seconds * sr))
    return (0.5 * np.sin(2 * np.pi * 200 * n / sr + 0.3)
            + 0.2 * np.sin(2 * np.pi * 450 * n / sr))


def test_clipped_samples_are_those_at_either_extreme_level():
    x = np.array([0.1, 0.9, 0.9, 0.2, -1.0, -1.0, -0.3, 0.9, -1.0, 0.0])
    np.testing.assert_array_equal(np.flatnonzero(clipped_samples(x)), [1, 2, 4, 5, 7, 8])
    # a 16-bit recording clips at +32767 and -32768 steps: two levels, found apart
    ints = np.array([32767, 32767, 100, -32768, -32768, 5, 32767, -32768]) / 32768.0
    assert clipped_samples(ints).sum() == 6
    # fewer than MIN_CLIPPED samples at a level is not clipping
    few = np.array([0.5, 0.5, 0.1, -0.3, -0.3, -0.3])
    assert MIN_CLIPPED == 3
    np.testing.assert_array_equal(np.flatnonzero(clipped_samples(few)), [3, 4, 5])
    assert not clipped_samples(np.zeros(10)).any()


@pytest.mark.parametrize("fraction, within", [(0.01, 0.01), (0.05, 0.02), (0.1, 0.2)])
def test_declip_restores_the_peaks_of_a_clipped_sum_of_tones(fraction, within):
    """The RMS error over the clipped samples falls to a small part of the clipping's (at
    5%: 0.0302 to 0.0002), the others are not touched, and every restored sample lies
    beyond the level it was clipped at."""
    x = two_tones()
    level = np.sort(np.abs(x))[::-1][int(round(fraction * x.size))]
    clipped = overdrive(x, fraction) * level
    mask = clipped_samples(clipped)
    assert mask.sum() >= fraction * x.size
    restored = declip(clipped)
    assert restored.dtype == np.float64
    np.testing.assert_array_equal(restored[~mask], clipped[~mask])
    before = np.sqrt(np.mean((clipped - x)[mask] ** 2))
    after = np.sqrt(np.mean((restored - x)[mask] ** 2))
    assert after < within * before
    assert np.all(np.abs(restored[mask]) >= level - 1e-15)


def test_a_gain_or_offset_after_the_clipping_keeps_the_peaks_found_a_resampler_does_not():
    """Every clipped sample moves alike under a gain or a DC offset, so the peaks stay
    level and are found; a resampler reshapes them, so none is left at one level."""
    x = two_tones() * np.hanning(4000)
    clipped = overdrive(x, 0.05)
    mask = clipped_samples(clipped)
    assert mask.sum() >= 200
    for moved in (0.3 * clipped, clipped + 0.02, 0.5 * clipped - 0.01):
        np.testing.assert_array_equal(clipped_samples(moved), mask)
    assert not clipped_samples(resample(clipped, SR, 2 * SR)).any()


def clipped_at_twice_the_rate(x: np.ndarray, fraction: float) -> np.ndarray:
    """``x`` (at SR) as a recorder at 2 SR clipping ``fraction`` of its samples, then a
    converter back to SR, would leave it: no two clipped samples at one level."""
    up = resample(x, SR, 2 * SR)
    level = np.sort(np.abs(up))[::-1][int(round(fraction * up.size))]
    return resample(overdrive(up, fraction) * level, 2 * SR, SR)[:x.size]


@pytest.mark.parametrize("fraction", [0.05, 0.1])
def test_peaks_clipped_then_resampled_are_found_where_they_pile_and_restored(fraction):
    """The flat rule finds no level in them; the reshaped rule finds both polarities, takes
    the samples above 0.8 of each maximum, and restores them nearer the word (the RMS error
    over them 0.28 and 0.31 of the clipped copy's), beyond their level; the others are not
    touched."""
    x = two_tones() * np.hanning(4000)
    reshaped = clipped_at_twice_the_rate(x, fraction)
    assert not clipped_samples(reshaped).any()
    np.testing.assert_array_equal(declip(reshaped), reshaped)
    mask, high, low = piled_peaks(reshaped)
    assert high == PILE_LEVEL * reshaped.max() and low == PILE_LEVEL * reshaped.min()
    np.testing.assert_array_equal(mask, (reshaped >= high) | (reshaped <= low))
    assert mask.sum() >= 0.05 * x.size
    restored = declip(reshaped, rule="reshaped")
    np.testing.assert_array_equal(restored[~mask], reshaped[~mask])
    before = np.sqrt(np.mean((reshaped - x)[mask] ** 2))
    after = np.sqrt(np.mean((restored - x)[mask] ** 2))
    assert after < 0.35 * before
    positive = mask & (reshaped > 0)
    assert np.all(restored[positive] >= high) and np.all(restored[mask & ~positive] <= low)


def test_the_reshaped_rule_leaves_speech_like_signals_alone():
    """Peaks that thin out, as a word's, Gaussian or Laplacian noise's do, are not taken for
    clipping. A steady tone's samples do pile below its peak (a sine's share is
    acos(0.8) / acos(0.6) = 0.69): its samples above 0.8 of its peak (a share
    2 acos(0.8) / pi of them) are taken, and linear prediction, which predicts a tone
    exactly, gives them back as they were."""
    rng = np.random.default_rng(0)
    for x in (two_tones() * np.hanning(4000), rng.standard_normal(8000),
              rng.laplace(size=8000), np.zeros(100)):
        mask, high, low = piled_peaks(x)
        assert not mask.any() and (high, low) == (np.inf, -np.inf)
        np.testing.assert_array_equal(declip(x, rule="reshaped"), x)
    tone = 0.5 * np.sin(2 * np.pi * 197 * np.arange(4000) / SR + 0.3)
    mask, high, low = piled_peaks(tone)
    assert mask.mean() == pytest.approx(2 * np.arccos(0.8) / np.pi, abs=0.01)
    assert (high, low) == pytest.approx((0.4, -0.4), abs=1e-3)
    np.testing.assert_allclose(declip(tone, rule="reshaped"), tone, atol=1e-4)
    with pytest.raises(ValueError, match="declip: rule must be one of"):
        declip(tone, rule="soft")
    with pytest.raises(ValueError, match="piled_peaks: x: "):
        piled_peaks(np.zeros((2, 3)))


def test_below_band_edge_keeps_the_band_and_fades_its_top():
    """Zero-phase: a tone at 0.3 of Nyquist comes out as it went in, one at 0.825 (half
    way through the fade) at half its amplitude and in phase, one at 0.95 not at all (away
    from the recording's ends, where the padding's edge rings)."""
    n = np.arange(4000)
    middle = slice(500, 3500)
    for fraction, gain in ((0.3, 1.0), (0.825, 0.5), (0.95, 0.0)):
        tone = np.sin(np.pi * fraction * n + 0.2)
        np.testing.assert_allclose(below_band_edge(tone)[middle], gain * tone[middle],
                                   atol=1e-6)
    for bad in (np.zeros(0), np.zeros((2, 3)), np.array([0.0, np.nan])):
        with pytest.raises(ValueError, match="below_band_edge: x: "):
            below_band_edge(bad)


def test_the_top_of_the_band_does_not_decide_whether_peaks_piled(monkeypatch):
    """A tone at 0.95 of Nyquist over a word clipped and resampled lifts its maximum and
    hides the pile from a share measured on the whole band. Measured below the band's edge
    (where resamplers differ), the pile is found, in the recording and in its copy taken
    through 16 kHz and back."""
    x = clipped_at_twice_the_rate(two_tones() * np.hanning(4000), 0.1)
    x = x + 0.2 * x.max() * np.sin(np.pi * 0.95 * np.arange(x.size))
    trip = resample(resample(x, SR, 16000), 16000, SR)
    assert piled_peaks(x)[0].any() and piled_peaks(trip)[0].any()
    monkeypatch.setattr(declip_module, "SHARE_BAND", (1.0, 1.01))
    assert not piled_peaks(x)[0].any()


def test_a_recording_that_is_not_clipped_comes_back_unchanged():
    x = (two_tones() * np.hanning(4000)).astype(np.float32)
    out = declip(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, x.astype(np.float64))


def test_declip_refuses_bad_settings_by_name():
    x = overdrive(two_tones(), 0.05)
    for kwargs, name in (({"order": 0}, "order"), ({"block": 8}, "block"),
                         ({"iterations": True}, "iterations"), ({"passes": 0}, "passes"),
                         ({"order": 2.5}, "order")):
        with pytest.raises(ValueError, match=f"declip: {name} must be an integer"):
            declip(x, **kwargs)
    with pytest.raises(ValueError, match="declip: x: "):
        declip(np.array([0.1, np.nan, 0.2]))
    with pytest.raises(ValueError, match="clipped_samples: x: "):
        clipped_samples(np.zeros((2, 3)))


def test_the_pipeline_declips_a_recording_where_it_was_read(tmp_path):
    """``declip`` runs in ``read`` (and so ``load``), at the rate of the recording, before it
    is resampled to the pipeline's; the stages after it do not declip again."""
    x = overdrive(resample(two_tones(0.5, 8000), 8000, 16000), 0.05).astype(np.float32)
    on = FeaturePipeline(sample_rate=8000, declip=True)
    off = FeaturePipeline(sample_rate=8000)
    y, rate = on.read(x, 16000)
    assert rate == 8000 and y.dtype == np.float32
    np.testing.assert_array_equal(
        y, resample(declip(x).astype(np.float32), 16000, 8000).astype(np.float32))
    np.testing.assert_array_equal(off.read(x, 16000)[0], resample(x, 16000, 8000))
    np.testing.assert_array_equal(on(*on.read(x, 16000)), off(*on.read(x, 16000)))
    path = tmp_path / "loud.wav"
    wavfile.write(path, 16000, np.round(x * 32767).astype(np.int16))
    signal, rate = load_wav(path)
    np.testing.assert_array_equal(on.load(path)[0], on.read(signal, rate)[0])
    assert not np.array_equal(on.load(path)[0], off.load(path)[0])
    stereo = np.stack([x, x])
    np.testing.assert_array_equal(on.read(stereo, 16000)[0], on.read(x, 16000)[0])
    # channels clipped apart are declipped apart, before they are averaged
    other = overdrive(resample(two_tones(0.5, 8000)[::-1].copy(), 8000, 16000), 0.1)
    apart = np.stack([x, other.astype(np.float32)])
    both = (declip(apart[0]) + declip(apart[1])) / 2
    np.testing.assert_array_equal(on.read(apart, 16000)[0],
                                  resample(both.astype(np.float32), 16000, 8000))
    wavfile.write(tmp_path / "two.wav", 16000, apart.T)
    np.testing.assert_array_equal(on.load(tmp_path / "two.wav")[0], on.read(apart, 16000)[0])


def test_the_pipeline_restores_reshaped_peaks_at_its_own_rate_after_flat_ones():
    """``declip_reshaped`` restores peaks clipped and then resampled once the recording is
    read at the pipeline's rate, after the flat rule has run at the recording's own."""
    x = (two_tones(0.5, 16000) * np.hanning(8000))
    reshaped = clipped_at_twice_the_rate(resample(x, 16000, SR), 0.1)
    at_16k = resample(reshaped, SR, 16000).astype(np.float32)
    both = FeaturePipeline(sample_rate=SR, declip=True, declip_reshaped=True)
    flat_only = FeaturePipeline(sample_rate=SR, declip=True)
    y, rate = both.read(at_16k, 16000)
    plain = flat_only.read(at_16k, 16000)[0]
    assert rate == SR and y.dtype == np.float32
    np.testing.assert_array_equal(y, declip(plain, rule="reshaped").astype(np.float32))
    assert not np.array_equal(y, plain)
    alone = FeaturePipeline(sample_rate=SR, declip_reshaped=True)
    np.testing.assert_array_equal(alone.read(at_16k, 16000)[0], y)
    # a converter writing integers clips the overshoot of the reshaped peaks flat again
    reclipped = np.clip(at_16k / np.abs(at_16k).max() * 1.02, -1, 1).astype(np.float32)
    assert clipped_samples(reclipped).sum() >= MIN_CLIPPED
    np.testing.assert_array_equal(
        both.read(reclipped, 16000)[0],
        declip(flat_only.read(reclipped, 16000)[0], rule="reshaped").astype(np.float32))
    assert both.to_dict()["declip_reshaped"] is True
    assert "declip_reshaped" not in flat_only.to_dict()
    assert FeaturePipeline.from_json(both.to_json()) == both
    with pytest.raises(ValueError, match="declip_reshaped must be true or false"):
        FeaturePipeline(declip_reshaped=1)


def test_declip_is_a_setting_written_only_when_on():
    assert "declip" not in FeaturePipeline().to_dict()
    on = FeaturePipeline(declip=True)
    assert on.to_dict()["declip"] is True
    assert FeaturePipeline.from_json(on.to_json()) == on
    from minigru.speech import config

    old = {"data": "fsdd", "features": {"cmvn": True, "trim": True, "sample_rate": 8000}}
    assert config.pipeline_of(old).declip is False  # a model written before reads as it did
    assert config.pipeline_of(old).declip_reshaped is False
    new = config.pipeline_of(config.make_config({"data": "fsdd"}))
    assert new.declip is True and new.declip_reshaped is True
    with pytest.raises(ValueError, match="declip must be true or false"):
        FeaturePipeline(declip="yes")
    with pytest.raises(ValueError, match="FeaturePipeline.read: signal"):
        on.read(np.zeros((2, 2, 2)), SR)


@pytest.mark.skipif(not FSDD.is_dir(), reason="../shared/data/fsdd is not beside the repository")
def test_a_spoken_digit_overdriven_reads_nearer_its_own_features_declipped():
    """An FSDD "zero" with a tenth of its samples clipped: the recogniser's features of the
    declipped recording lie nearer the clean recording's than those of the clipped one
    (mean absolute difference 0.20 against 0.33)."""
    from minigru.speech.config import RECOGNISER_PIPELINE

    x, sr = load_wav(FSDD / "0_jackson_0.wav")
    loud = overdrive(x, 0.1).astype(np.float32)
    on = RECOGNISER_PIPELINE
    assert on.declip
    plain = FeaturePipeline(**{**on.to_dict(), "declip": False, "declip_reshaped": False})
    clean = plain(*plain.read(x, sr))
    off = np.mean(np.abs(plain(*plain.read(loud, sr)) - clean))
    restored = on(*on.read(loud, sr))
    assert restored.shape == clean.shape
    assert np.mean(np.abs(restored - clean)) < 0.7 * off


def test_turning_declipping_off_turns_off_both_rules_unless_the_reshaped_one_is_set():
    from minigru.speech import config

    def rules(features):
        pipe = config.pipeline_of(config.make_config({"data": "fsdd", "features": features}))
        return pipe.declip, pipe.declip_reshaped

    assert rules({}) == (True, True)
    assert rules({"declip": False}) == (False, False)
    assert rules({"declip": False, "declip_reshaped": True}) == (False, True)
    assert rules({"declip_reshaped": False}) == (True, False)


def test_declip_from_the_command_line():
    from minigru import cli, commands

    parse = cli.build_parser().parse_args
    assert commands.train_overrides(parse(["train", "--declip"]))["features"] == {"declip": True}
    assert commands.train_overrides(parse(["train", "--no-declip"]))["features"] == {
        "declip": False}
    assert commands.train_overrides(parse(["train", "--declip-reshaped"]))["features"] == {
        "declip_reshaped": True}
    assert "features" not in commands.train_overrides(parse(["train"]))


@pytest.mark.parametrize("rule", ["flat", "reshaped"])
def test_a_level_held_by_most_of_a_recording_is_not_clipping(rule):
    """A constant, or an offset held through the silence around a word, is where the
    recording sits, not its peaks: returned unchanged, where restoring it from no unclipped
    context gave values of 10^5."""
    constant = np.full(SR, 0.3)
    word = 0.5 * two_tones(0.3)
    offset = np.r_[np.full(SR, -0.02), np.maximum(word, -0.02), np.full(SR, -0.02)]
    for x in (constant, -constant):
        np.testing.assert_array_equal(declip(x, rule=rule), x)
    restored = declip(offset, rule=rule)  # the tones' own peaks may count (module docstring)
    np.testing.assert_array_equal(restored[:SR], offset[:SR])
    np.testing.assert_array_equal(restored[-SR:], offset[-SR:])
    assert np.abs(restored).max() < 1.0
    assert not clipped_samples(constant).any() and not piled_peaks(constant)[0].any()
    held = np.r_[np.full(SR // 2 - 1, 0.3), np.zeros(SR // 2 + 1)]
    assert clipped_samples(held).sum() == SR // 2 - 1

