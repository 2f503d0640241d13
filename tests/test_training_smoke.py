"""A CNN front end + classifier trains on a tiny synthetic problem: the loss falls."""

import numpy as np

import minigru as mg
from minigru import nn, optim


def make_data(rng, n=64, length=24):
    """Class 0: a bump early in the sequence; class 1: a bump late. Two noisy channels."""
    x = 0.3 * rng.standard_normal((n, 2, length))
    y = rng.integers(0, 2, n)
    for i in range(n):
        start = 3 if y[i] == 0 else length - 9
        x[i, :, start:start + 5] += 1.5
    return x.astype(np.float32), y


def test_cnn_classifier_loss_falls():
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    model = nn.Sequential(
        nn.Conv1d(2, 8, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(8 * 6, 2),
    )
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(mg.tensor(x)), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    model.eval()
    with mg.no_grad():
        accuracy = (model(mg.tensor(x)).argmax(axis=1).numpy() == y).mean()
    assert accuracy > 0.95


class CNNGRU(nn.Module):
    """Conv1d -> ReLU -> MaxPool1d -> bidirectional GRU -> last state -> Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 8, 3, padding=1)
        self.pool = nn.MaxPool1d(2)
        self.gru = nn.GRU(8, 8, batch_first=True, bidirectional=True)
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        feats = self.pool(nn.functional.relu(self.conv(x)))   # (N, 8, L/2)
        _, h = self.gru(feats.swapaxes(1, 2))                  # h: (2, N, 8)
        return self.head(mg.concat([h[0], h[1]], axis=1))


def test_cnn_gru_loss_falls():
    mg.manual_seed(0)
    x, y = make_data(np.random.default_rng(1))
    model = CNNGRU()
    opt = optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(mg.tensor(x)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
