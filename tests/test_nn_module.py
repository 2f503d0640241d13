import numpy as np
import pytest

import minigru as mg
from minigru import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 2))
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.head(nn.functional.relu(self.norm(self.conv(x))))


def test_named_parameters_are_dotted_and_ordered():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["conv.weight", "conv.bias", "head.1.weight", "head.1.bias",
                     "norm.weight", "norm.bias"]


def test_state_dict_has_buffers_and_copies():
    net = Net()
    sd = net.state_dict()
    assert "norm.running_mean" in sd and "norm.num_batches_tracked" in sd
    sd["conv.weight"][...] = 0
    assert not np.all(net.conv.weight.data == 0)


def test_load_state_dict_round_trip_and_cast():
    a, b = Net(), Net()
    sd = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in a.state_dict().items()}
    b.load_state_dict(sd)
    for (n1, p1), (n2, p2) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert n1 == n2 and p2.dtype == np.float32
        np.testing.assert_array_equal(p1.data, p2.data)


def test_load_state_dict_reports_problems_by_name():
    net = Net()
    sd = net.state_dict()
    del sd["conv.bias"]
    sd["extra.weight"] = np.zeros(2)
    sd["head.1.weight"] = np.zeros((3, 3))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "conv.bias" in msg and "extra.weight" in msg and "head.1.weight" in msg
    assert "(3, 3)" in msg and "(2, 8)" in msg
    sd["head.1.weight"] = net.head[1].weight.data
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["conv.bias"] and unexpected == ["extra.weight"]


def test_train_eval_zero_grad_and_counts():
    net = Net()
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert net.head[0].training
    x = mg.randn(2, 3, 4)
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.num_parameters() == 3 * 4 * 3 + 4 + 8 * 2 + 2 + 4 + 4


def test_double_keeps_parameter_identity():
    net = Net()
    params = list(net.parameters())
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.norm.running_mean.dtype == np.float64
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    net.float()
    assert net.conv.weight.dtype == np.float32


def test_parameter_grad_can_be_assigned():
    lin = nn.Linear(2, 3)
    lin.weight.grad = np.ones((3, 2))
    opt = mg.optim.SGD(lin.parameters(), lr=0.5)
    before = lin.weight.data.copy()
    opt.step()
    np.testing.assert_allclose(lin.weight.data, before - 0.5)
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        lin.weight.grad = np.ones((2, 3))


def test_repr_is_readable():
    text = repr(Net())
    assert "(conv): Conv1d(3, 4, kernel_size=(3,)" in text
    assert "(1): Linear(in_features=8, out_features=2, bias=True)" in text


def test_module_list_and_shared_parameters():
    lin = nn.Linear(2, 2)
    ml = nn.ModuleList([lin, lin])
    assert len(list(ml.parameters())) == 2
    assert len(ml) == 2 and ml[1] is lin


def test_linear_init_bounds_follow_torch():
    mg.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    assert np.abs(lin.weight.data).max() > 0.9 * bound


def test_init_comes_from_the_seeded_generator():
    mg.manual_seed(5)
    a = nn.Linear(4, 4).weight.data.copy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Linear(4, 4).weight.data)


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="super"):
        Bad()


@pytest.mark.parametrize("ctor", [lambda: nn.Linear(0, 2), lambda: nn.Embedding(3, -1),
                                  lambda: nn.Conv1d(2, 0, 3), lambda: nn.Dropout(1.5)])
def test_bad_constructor_arguments(ctor):
    with pytest.raises(ValueError):
        ctor()
