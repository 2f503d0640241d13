"""The recognisers: shapes, gradients, gates, and a CTC model that learns."""

import numpy as np
import pytest

import minigru as mg
from minigru import nn
from minigru.speech import models


def features(rng, T=7, B=3, F=5):
    return mg.tensor(rng.standard_normal((T, B, F)), dtype="float64")


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("pooling,bidirectional", [("last", False), ("mean", True)])
def test_classifier_shapes_and_gradcheck(cell, pooling, bidirectional):
    mg.manual_seed(0)
    model = models.GRUClassifier(5, 4, hidden_size=3, cell=cell, pooling=pooling,
                                 bidirectional=bidirectional).double()
    rng = np.random.default_rng(0)
    x = features(rng)
    x.requires_grad = True
    lengths = np.array([7, 2, 5])
    assert model(x, lengths).shape == (3, 4)
    assert mg.gradcheck(lambda x, *p: model(x, lengths), [x, *model.parameters()])


def test_classifier_ignores_padding():
    mg.manual_seed(1)
    model = models.GRUClassifier(5, 4, hidden_size=6, pooling="mean").double()
    rng = np.random.default_rng(1)
    x = features(rng)
    a = model(x, [3, 7, 7]).data
    x.data[3:, 0] = 50.0
    np.testing.assert_allclose(model(x, [3, 7, 7]).data, a, atol=1e-12)


def test_gates_match_the_equations():
    mg.manual_seed(2)
    model = models.GRUClassifier(5, 4, hidden_size=3).double()
    rng = np.random.default_rng(2)
    x = features(rng, T=1)
    gates = model.gates(x)
    W, b = model.rnn.weight_ih_l0.data, model.rnn.bias_ih_l0.data
    c = model.rnn.bias_hh_l0.data
    a = x.data[0] @ W.T + b + c  # h0 = 0
    z = 1 / (1 + np.exp(-a[:, 3:6]))
    np.testing.assert_allclose(gates["z"][0], z, atol=1e-12)
    assert gates["r"].shape == (1, 3, 3)
    with pytest.raises(ValueError, match="only a GRU"):
        models.GRUClassifier(5, 4, cell="lstm").gates(x.data.astype(np.float32))


def test_cnn_gru_classifier():
    mg.manual_seed(3)
    model = models.CNNGRUClassifier(5, 4, channels=6, kernel_size=3, hidden_size=4).double()
    rng = np.random.default_rng(3)
    x = features(rng, T=10)
    x.requires_grad = True
    assert model(x, [10, 4, 7]).shape == (3, 4)
    assert mg.gradcheck(lambda x, *p: model(x, [10, 4, 7]), [x, *model.parameters()],
                        fast=True)
    with pytest.raises(ValueError, match="shorter than the pooling"):
        model(features(rng, T=1))


def test_ctc_recogniser_learns_to_transcribe():
    """Sequences of 1-3 'tokens' (each a distinct 3-frame pattern), transcribed by CTC."""
    mg.manual_seed(4)
    rng = np.random.default_rng(4)
    patterns = rng.standard_normal((3, 3, 4)) * 2

    def sample(n):
        xs, ys = [], []
        for _ in range(n):
            labels = rng.integers(1, 4, rng.integers(1, 4)).tolist()
            frames = [np.zeros((1, 4))]
            for lab in labels:
                frames += [patterns[lab - 1], np.zeros((1, 4))]
            xs.append(np.concatenate(frames) + 0.1 * rng.standard_normal((1, 4)))
            ys.append(labels)
        return xs, ys

    model = models.CTCRecogniser(4, 4, hidden_size=16, num_layers=1)
    opt = mg.optim.Adam(model.parameters(), lr=0.02)
    xs, ys = sample(64)
    batch = mg.data.pad_batch([(x.astype(np.float32), 0) for x in xs])
    targets = np.zeros((64, 3), dtype=np.int64)
    for i, y in enumerate(ys):
        targets[i, :len(y)] = y
    lens = np.array([len(y) for y in ys])
    first = None
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.ctc_loss(model(batch.x, batch.lengths), targets, batch.lengths,
                                      lens)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.2 * first
    decoded = model.decode(batch.x, batch.lengths)
    accuracy = np.mean([d == y for d, y in zip(decoded, ys, strict=True)])
    assert accuracy > 0.8
    assert model.decode(batch.x, batch.lengths, beam_width=4)[:5] == decoded[:5]


def test_build_model_names():
    assert isinstance(models.build_model("lstm", 5, 3), models.GRUClassifier)
    assert isinstance(models.build_model("cnn-gru", 5, 3), models.CNNGRUClassifier)
    with pytest.raises(ValueError, match="unknown model"):
        models.build_model("tcn", 5, 3)
