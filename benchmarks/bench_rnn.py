"""Benchmark of the recurrent layers: fused kernels vs composed cells vs a per-step NumPy loop.

    python benchmarks/bench_rnn.py [--threads 2] [--reps 3] [--quick] [--kinds gru,lstm,rnn]

For each shape (B batch, T steps, I input, H hidden, L layers, bi = bidirectional) and each
cell, prints the time of a forward pass and of a training step (forward + backward of a
random-weighted sum of the outputs), GFLOP/s counting 2*B*(I+H)*G*H per step, layer and
direction for a forward pass (G = 3 GRU, 4 LSTM, 1 RNN) and three times that for a training
step, the fraction of the float32 matrix-multiply peak measured with np.matmul in the same run,
the peak resident memory a training step adds, the Numba compile time of a first call, the
time a second process that finds the cache needs from import to its first GRU output (beside
a one-line cached Numba function, the least any Numba kernel costs, in the same run), and the
wall time of ``minigru predict`` for one file. ``--startup-only`` prints only these.
The two directions of a bidirectional shape (e) run at once, one per core, as they do in
training (``minigru.parallel``); ``MINIGRU_PAIRS=0`` measures them one after the other.
The NumPy baseline is written here: one matrix product per step and gate block, BPTT with
per-step outer products, as a careful NumPy user would write it.

With PyTorch installed (``pip install -e ".[bench]"``: the CPU build of torch 2.13.0), each
shape also gets ``torch.nn.GRU``/``LSTM``/``RNN`` at the same thread count, float32, timed the
same way in the same run, and a second table of ratios: minigru's GRU training step over
torch's GRU and over torch's LSTM, and torch's LSTM over its GRU. The best times of the first
table are measured seconds to minutes apart, and a shared machine's load drifts from one
minute to the next, so the table also gives each ratio measured in alternated rounds
(``--rounds``): minigru's step in a block right beside a block of torch's, the median ratio
over the rounds and its range. torch is never needed by the library or the tests.
"""

from __future__ import annotations

import argparse
import os
import sys

from _threads import pin_threads, threads_from_argv

if __name__ == "__main__":
    pin_threads(threads_from_argv(2))

import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import minigru as mg  # noqa: E402
from minigru import nn  # noqa: E402

try:  # optional: the bench extra
    import torch  # noqa: E402
except ImportError:  # pragma: no cover - torch is not a dependency
    torch = None

SHAPES = {
    "a": dict(B=32, T=100, I=39, H=128, L=1, bi=False),
    "b": dict(B=32, T=64, I=256, H=256, L=1, bi=False),
    "c": dict(B=64, T=200, I=80, H=512, L=2, bi=False),
    "d": dict(B=1, T=1000, I=40, H=64, L=1, bi=False),
    "e": dict(B=32, T=100, I=39, H=128, L=2, bi=True),
}
GATES = {"gru": 3, "lstm": 4, "rnn": 1}


def matmul_peak(reps: int = 10) -> float:
    """Best float32 GFLOP/s of np.matmul on 1024x1024 matrices."""
    rng = np.random.default_rng(0)
    a = rng.random((1024, 1024), dtype=np.float32)
    b = rng.random((1024, 1024), dtype=np.float32)
    a @ b
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * 1024**3 / (time.perf_counter() - t) / 1e9)
    return best


def flops(kind: str, B: int, T: int, I: int, H: int, L: int, bi: bool) -> float:
    D = 2 if bi else 1
    total = 0.0
    for layer in range(L):
        layer_in = I if layer == 0 else D * H
        total += D * T * 2 * B * (layer_in + H) * GATES[kind] * H
    return total


def best_time(fn, reps: int, budget: float = 10.0) -> float:
    """Best of ``reps`` timed runs after a warm-up: more (up to 50) where they take less than
    a second in all, fewer where they would take more than ``budget`` seconds (at least one).
    The best of many runs is what the code can do; the machine's other load only adds."""
    t = time.perf_counter()
    fn()
    first = max(time.perf_counter() - t, 1e-9)
    times = []
    for _ in range(max(1, min(max(reps, min(50, int(1.0 / first))), int(budget / first)))):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def alternated_ratio(ours, theirs, rounds: int, budget: float = 30.0
                     ) -> tuple[float, float, float]:
    """(median, least, greatest) over rounds of (best of a block of ``ours``) / (best of a
    block of ``theirs``), the two blocks of a round run one right after the other, ours first
    in even rounds and theirs first in odd ones. The machine's load drifts over seconds and
    minutes (torch's best step at (a) has measured 25 and 34 ms in runs minutes apart): a
    ratio of two blocks run together sees the same load on both sides, where the ratio of
    two best times measured apart sees two. A block is 2-10 runs (about 0.2 s, the first of
    each mostly the switch from the other's threads); rounds are fewer where they would take
    more than ``budget`` seconds (at least 3)."""
    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    ours()
    theirs()
    t_ours, t_theirs = timed(ours), timed(theirs)
    block = max(2, min(10, int(0.2 / max(t_ours, t_theirs))))
    rounds = max(3, min(rounds, int(budget / (block * (t_ours + t_theirs)))))
    ratios = []
    for r in range(rounds):
        pair = (ours, theirs) if r % 2 == 0 else (theirs, ours)
        best = [min(timed(fn) for _ in range(block)) for fn in pair]
        ratios.append(best[0] / best[1] if r % 2 == 0 else best[1] / best[0])
    return float(np.median(ratios)), min(ratios), max(ratios)


def peak_rss_added(fn) -> float | None:
    """MB of resident memory above the level before ``fn`` (Linux: VmHWM after clear_refs).

    Measured with glibc's default thresholds and the free heap trimmed first, so memory the
    allocator kept from earlier runs (``mg.memory.retain_freed_memory``) does not hide it."""
    retained = mg.memory.retaining_freed_memory()
    mg.memory.retain_freed_memory(False)
    mg.memory.trim()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status("VmRSS")
        fn()
        return (_status("VmHWM") - before) / 1024
    except OSError:
        return None
    finally:
        if retained:
            mg.memory.retain_freed_memory(True)


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    raise OSError(key)


# ----------------------------------------------------------------------------- models

def fused_model(kind: str, s: dict) -> nn.Module:
    mg.manual_seed(0)
    cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[kind]
    return cls(s["I"], s["H"], num_layers=s["L"], bidirectional=s["bi"])


def fused_step(model: nn.Module, x: mg.Tensor, w: mg.Tensor, train: bool) -> None:
    """minigru's step, as ``torch_step``'s: the input and the weights of the sum are tensors
    made once, and each step takes a new leaf sharing the input's data (torch's
    ``x.detach().requires_grad_(True)``), so neither framework copies its inputs in the
    timed step."""
    if not train:
        with mg.no_grad():
            model(x)
        return
    xt = x.detach()
    xt.requires_grad = True
    out = model(xt)[0]
    (out * w).sum().backward()
    model.zero_grad()


def composed_step(cells: list, kind: str, s: dict, x: np.ndarray, w: np.ndarray,
                  train: bool) -> None:
    """The composed cells unrolled by hand (uni-directional layers only)."""
    ctx = mg.enable_grad() if train else mg.no_grad()
    with ctx:
        seq = [mg.tensor(x[t], requires_grad=train) for t in range(x.shape[0])]
        for cell in cells:
            h = None
            outs = []
            for xt in seq:
                h = cell(xt, h)
                outs.append(h[0] if kind == "lstm" else h)
            seq = outs
        if train:
            loss = mg.sum(mg.stack(seq, axis=0) * w)
            loss.backward()
            for cell in cells:
                cell.zero_grad()


def make_cells(kind: str, s: dict) -> list:
    mg.manual_seed(0)
    cls = {"gru": nn.GRUCell, "lstm": nn.LSTMCell, "rnn": nn.RNNCell}[kind]
    return [cls(s["I"] if layer == 0 else s["H"], s["H"]) for layer in range(s["L"])]


class NumpyBaseline:
    """Per-time-step NumPy forward and BPTT for one direction per layer (float32)."""

    def __init__(self, kind: str, s: dict, rng: np.random.Generator) -> None:
        self.kind, self.H = kind, s["H"]
        G = GATES[kind]
        D = 2 if s["bi"] else 1
        self.layers = []
        for layer in range(s["L"]):
            layer_in = s["I"] if layer == 0 else D * s["H"]
            for _ in range(D):
                k = 1 / np.sqrt(s["H"])
                self.layers.append([rng.uniform(-k, k, shape).astype(np.float32) for shape in
                                    ((G * s["H"], layer_in), (G * s["H"], s["H"]),
                                     (G * s["H"],))])
        self.D = D

    @staticmethod
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    def cell_forward(self, p, xt, h, c):
        W, U, b = p
        H = self.H
        a = xt @ W.T + h @ U.T + b
        if self.kind == "rnn":
            hn = np.tanh(a)
            return hn, None, (a, hn)
        if self.kind == "gru":
            ah = h @ U.T
            ax = xt @ W.T + b
            r = self.sigmoid(ax[:, :H] + ah[:, :H])
            z = self.sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
            return (1 - z) * n + z * h, None, (r, z, n, ah)
        i, f = self.sigmoid(a[:, :H]), self.sigmoid(a[:, H:2 * H])
        g, o = np.tanh(a[:, 2 * H:3 * H]), self.sigmoid(a[:, 3 * H:])
        cn = f * c + i * g
        k = np.tanh(cn)
        return o * k, cn, (i, f, g, o, k)

    def cell_backward(self, p, xt, h, c, cache, dh, dc):
        W, U, _ = p
        H = self.H
        if self.kind == "rnn":
            _, hn = cache
            g = dh * (1 - hn * hn)
            return g, g, g @ U, None
        if self.kind == "gru":
            r, z, n, ah = cache
            dn = dh * (1 - z)
            dz = dh * (h - n)
            dan = dn * (1 - n * n)
            dar = dan * ah[:, 2 * H:] * r * (1 - r)
            daz = dz * z * (1 - z)
            gx = np.concatenate([dar, daz, dan], axis=1)
            gh = np.concatenate([dar, daz, dan * r], axis=1)
            return gx, gh, dh * z + gh @ U, None
        i, f, g_, o, k = cache
        dct = dc + dh * o * (1 - k * k)
        gg = np.concatenate([dct * g_ * i * (1 - i), dct * c * f * (1 - f),
                             dct * i * (1 - g_ * g_), dh * k * o * (1 - o)], axis=1)
        return gg, gg, gg @ U, dct * f

    def step(self, x: np.ndarray, w: np.ndarray, train: bool) -> None:
        T, B, _ = x.shape
        H = self.H
        layer_in = x
        tapes = []
        for li in range(0, len(self.layers), self.D):
            outs = []
            for d in range(self.D):
                p = self.layers[li + d]
                h = np.zeros((B, H), np.float32)
                c = np.zeros((B, H), np.float32)
                ys = np.empty((T, B, H), np.float32)
                tape = []
                order = range(T - 1, -1, -1) if d else range(T)
                for t in order:
                    hn, cn, cache = self.cell_forward(p, layer_in[t], h, c)
                    tape.append((t, h, c, cache))
                    h, c = hn, cn
                    ys[t] = h
                outs.append(ys)
                tapes.append((p, layer_in, tape))
            layer_in = outs[0] if self.D == 1 else np.concatenate(outs, axis=2)
        if not train:
            return
        dlayer = np.broadcast_to(w, layer_in.shape).astype(np.float32)
        for li in range(len(tapes) - self.D, -1, -self.D):
            dinput = None
            for d in range(self.D):
                p, inp, tape = tapes[li + d]
                W, U, _ = p
                dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(p[2])
                dy = dlayer[:, :, d * H:(d + 1) * H]
                dx = np.zeros(inp.shape, np.float32)
                dh = np.zeros((B, H), np.float32)
                dc = np.zeros((B, H), np.float32)
                for t, h, c, cache in reversed(tape):
                    gx, gh, dh, dc = self.cell_backward(p, inp[t], h, c, cache, dh + dy[t], dc)
                    dW += gx.T @ inp[t]
                    dU += gh.T @ h
                    db += gx.sum(0)
                    dx[t] = gx @ W
                dinput = dx if dinput is None else dinput + dx
            dlayer = dinput


def torch_step(kind: str, s: dict, threads: int):
    """A torch training step of the same shape (same random-weighted sum of the outputs)."""
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    model = cls(s["I"], s["H"], num_layers=s["L"], bidirectional=s["bi"])
    D = 2 if s["bi"] else 1
    g = torch.Generator().manual_seed(0)
    x = torch.randn(s["T"], s["B"], s["I"], generator=g)
    w = torch.randn(s["T"], s["B"], D * s["H"], generator=g)

    def forward() -> None:
        with torch.no_grad():
            model(x)

    def train() -> None:
        xt = x.detach().requires_grad_(True)
        (model(xt)[0] * w).sum().backward()
        model.zero_grad(set_to_none=True)

    return forward, train


# ----------------------------------------------------------------------------- compile time

COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import numpy as np, minigru as mg
t1 = time.perf_counter()
m = mg.nn.GRU(39, 128)
x = mg.tensor(np.ones((100, 32, 39), np.float32), requires_grad=True)
out, h = m(x)
t2 = time.perf_counter()
out.sum().backward()
t3 = time.perf_counter()
out, h = m(x)
out.sum().backward()
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


STARTUP_SNIPPET = """
import time
t = [time.perf_counter()]
import numpy as np
t.append(time.perf_counter())
import numba
t.append(time.perf_counter())
import minigru as mg
t.append(time.perf_counter())
import scipy.linalg.cython_blas
t.append(time.perf_counter())
from numba.core.registry import cpu_target
cpu_target.target_context.refresh()
t.append(time.perf_counter())
m = mg.nn.GRU(39, 128)
x = mg.tensor(np.ones((100, 32, 39), np.float32), requires_grad=True)
out, h = m(x)
t.append(time.perf_counter())
print(*[b - a for a, b in zip(t, t[1:])])
"""
STARTUP_STAGES = ("import numpy", "import numba", "import minigru (its own modules)",
                  "scipy.linalg, imported by Numba's first compile or cache load",
                  "Numba's other registries (first compile or cache load)",
                  "the GRU kernel from the cache, and its first output")


FLOOR_MODULE = """
import numba
import numpy as np


@numba.njit(cache=True)
def product(a, b):
    return np.dot(a, b)
"""
FLOOR_SNIPPET = """
import time
t = [time.perf_counter()]
import numpy as np
t.append(time.perf_counter())
import numba
t.append(time.perf_counter())
import floor_kernel
floor_kernel.product(np.ones((32, 128), np.float32), np.ones((128, 384), np.float32))
t.append(time.perf_counter())
print(*[b - a for a, b in zip(t, t[1:])])
"""
FLOOR_STAGES = ("import numpy", "import numba",
                "its first call (Numba's registries, SciPy's BLAS, the machine code)")


def startup_env(cache: str) -> dict[str, str]:
    """The environment of the start-up processes: Numba's cache in ``cache``, and Python
    writing its bytecode as it does by default (a ``PYTHONDONTWRITEBYTECODE`` inherited from
    the shell would make every process compile minigru's modules from source)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def predict_inputs(folder: str) -> list[str]:
    """A model file and a WAV file in ``folder`` for timing ``minigru predict``: a small GRU
    recogniser trained for one epoch on a few synthetic digits (its accuracy is beside the
    point), and one synthetic "seven" at 8 kHz."""
    from scipy.io import wavfile

    from minigru.speech import make_config, train_run

    cfg = make_config({"limit": 2, "epochs": 1, "hidden": 16, "threads": 1,
                       "synthetic": {"sample_rate": 8000}})
    train_run(cfg, os.path.join(folder, "run"), quiet=True, log=None)
    wav = os.path.join(folder, "seven.wav")
    wavfile.write(wav, 8000, mg.data.synthesize_digit(7, 8000, seed=3).astype(np.float32))
    return [os.path.join(folder, "run", "best.npz"), wav]


def compile_times(runs: int = 5) -> tuple[float, list[float], list[float], float]:
    """(first forward+backward minus a warm one with an empty cache, the median over
    ``runs`` processes that then find the cache of each of :data:`STARTUP_STAGES`, the same
    median of each of :data:`FLOOR_STAGES`: a one-line cached Numba function that calls
    ``np.dot``, the least any Numba kernel costs a fresh process, and the median wall time of
    ``minigru predict MODEL FILE.wav``). The processes take turns, so all see the same
    machine."""
    with tempfile.TemporaryDirectory() as cache:
        env = startup_env(cache)
        with open(os.path.join(cache, "floor_kernel.py"), "w") as f:
            f.write(FLOOR_MODULE)
        floor_env = dict(env, PYTHONPATH=os.pathsep.join(
            [cache] + [p for p in [env.get("PYTHONPATH")] if p]))
        predict = [sys.executable, "-m", "minigru", "predict", *predict_inputs(cache)]

        def run(snippet: str, env: dict[str, str]) -> list[float]:
            out = subprocess.run([sys.executable, "-c", snippet], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            return [float(v) for v in out]

        def run_predict() -> float:
            t0 = time.perf_counter()
            subprocess.run(predict, env=env, check=True, capture_output=True)
            return time.perf_counter() - t0

        first = run(COMPILE_SNIPPET, env)
        run(FLOOR_SNIPPET, floor_env)
        run_predict()
        stages, floor, command = [], [], []
        for _ in range(runs):
            stages.append(run(STARTUP_SNIPPET, env))
            floor.append(run(FLOOR_SNIPPET, floor_env))
            command.append(run_predict())
    return (first[1] + first[2] - first[3], [float(v) for v in np.median(stages, axis=0)],
            [float(v) for v in np.median(floor, axis=0)], float(np.median(command)))


def print_startup(runs: int) -> None:
    """The compile time of a first GRU call, where a second process's start-up goes, beside
    the floor that any cached Numba kernel costs, and the wall time of the ``minigru predict``
    command for one file, all measured in the same run."""
    cold, stages, floor, command = compile_times(runs)
    print(f"\nNumba compile time of the first GRU forward+backward (empty cache): {cold:.1f} s")
    print(f"second process with the cache: import {sum(stages[:3]):.2f} s, import to first "
          f"GRU output {sum(stages):.2f} s\n")
    print(f"| start-up of a process that finds the cache (median of {runs}) | seconds |")
    print("|---|---|")
    for stage, seconds in zip(STARTUP_STAGES, stages, strict=True):
        print(f"| {stage} | {seconds:.3f} |")
    print(f"| **import to first GRU output** | **{sum(stages):.3f}** |")
    print(f"\n| baseline: a cached one-line Numba function calling np.dot (median of {runs}) "
          f"| seconds |")
    print("|---|---|")
    for stage, seconds in zip(FLOOR_STAGES, floor, strict=True):
        print(f"| {stage} | {seconds:.3f} |")
    print(f"| **import to its first output** | **{sum(floor):.3f}** |")
    print(f"\nminigru's start-up beyond that floor: {sum(stages) - sum(floor):.3f} s")
    print(f"`minigru predict MODEL FILE.wav` (a one-file command, from the shell to its "
          f"answer; median of {runs}): {command:.3f} s")


# ----------------------------------------------------------------------------- main

def measure(kind: str, s: dict, x: np.ndarray, w: np.ndarray, args: argparse.Namespace
            ) -> dict[str, tuple[float, float, float | None]]:
    """{implementation: (forward seconds, training-step seconds, peak MB added)}, and for the
    GRU with torch installed {"alternated": (ratio to torch's GRU, to torch's LSTM)}, each
    ratio as ``alternated_ratio`` gives it."""
    model = fused_model(kind, s)
    base = NumpyBaseline(kind, s, np.random.default_rng(1))
    rows = {}
    xt, wt = mg.tensor(x), mg.tensor(w)
    rows["fused"] = (best_time(lambda: fused_step(model, xt, wt, False), args.reps),
                     best_time(lambda: fused_step(model, xt, wt, True), args.reps),
                     peak_rss_added(lambda: fused_step(model, xt, wt, True)))
    rows["numpy"] = (best_time(lambda: base.step(x, w, False), args.reps),
                     best_time(lambda: base.step(x, w, True), args.reps),
                     peak_rss_added(lambda: base.step(x, w, True)))
    if torch is not None:
        forward, train = torch_step(kind, s, args.threads)
        rows["torch"] = (best_time(forward, args.reps), best_time(train, args.reps),
                         peak_rss_added(train))
        if kind == "gru" and args.rounds > 0:
            torch_lstm = torch_step("lstm", s, args.threads)[1]
            ours = lambda: fused_step(model, xt, wt, True)  # noqa: E731
            rows["alternated"] = tuple(alternated_ratio(ours, other, args.rounds)
                                       for other in (train, torch_lstm))
    if not s["bi"]:
        cells = make_cells(kind, s)
        short = max(1, s["T"] // 20)
        t0 = time.perf_counter()
        composed_step(cells, kind, s, x[:short], w[:short, :, :s["H"]], True)
        estimate = (time.perf_counter() - t0) * s["T"] / short
        limit = 20.0 if args.quick else args.composed_limit
        if estimate < limit:
            rows["composed"] = (
                best_time(lambda: composed_step(cells, kind, s, x, w, False), args.reps),
                best_time(lambda: composed_step(cells, kind, s, x, w, True), args.reps), None)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--shapes", default="abcde")
    parser.add_argument("--kinds", default="gru,lstm,rnn")
    parser.add_argument("--quick", action="store_true",
                        help="shapes a and d only, no composed cells past 20 s")
    parser.add_argument("--composed-limit", type=float, default=60.0,
                        help="skip the composed cells where one step would take longer (s)")
    parser.add_argument("--no-retain", action="store_true",
                        help="leave glibc's default thresholds (what `import minigru` alone "
                             "gives) instead of applying the trainer's runtime setting")
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds of minigru's GRU step alternated with torch's GRU and "
                             "LSTM steps for the ratio table (0 leaves them out)")
    parser.add_argument("--startup-runs", type=int, default=7,
                        help="processes timed for the start-up tables (median; 0 leaves "
                             "the start-up tables out)")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the compile time and the start-up tables")
    args = parser.parse_args()
    if args.startup_only:
        print_startup(args.startup_runs)
        return
    if not args.no_retain:
        mg.runtime.apply_memory_default()  # as Trainer.fit and the minigru command do
    shapes = "ad" if args.quick else args.shapes
    peak_before = matmul_peak()
    print(f"measuring (numpy {np.__version__}, minigru {mg.__version__}, {args.threads} "
          f"threads, freed memory retained: {mg.memory.retaining_freed_memory()})",
          file=sys.stderr, flush=True)
    results = []
    rng = np.random.default_rng(0)
    for key in shapes:
        s = SHAPES[key]
        x = rng.standard_normal((s["T"], s["B"], s["I"])).astype(np.float32)
        D = 2 if s["bi"] else 1
        w = rng.standard_normal((s["T"], s["B"], D * s["H"])).astype(np.float32)
        for kind in args.kinds.split(","):
            fl = flops(kind, s["B"], s["T"], s["I"], s["H"], s["L"], s["bi"])
            rows = measure(kind, s, x, w, args)
            results.append((key, s, kind, fl, rows))
            print(f"  {key} {kind}: fused training step {rows['fused'][1] * 1e3:.1f} ms",
                  file=sys.stderr, flush=True)
    peak = max(peak_before, matmul_peak())
    print(f"float32 np.matmul peak: {peak:.1f} GFLOP/s with {args.threads} threads (best of "
          f"the measurements before and after; before: {peak_before:.1f}); numpy "
          f"{np.__version__}, minigru {mg.__version__}\n")
    print("| shape | cell | impl | forward ms | train ms | train GFLOP/s | % of peak | "
          "x vs numpy | peak MB |")
    print("|" + "---|" * 9)
    for key, s, kind, fl, rows in results:
        t_numpy = rows["numpy"][1]
        for impl, times in rows.items():
            if impl == "alternated":
                continue
            tf, tt, mem = times
            gf = 3 * fl / tt / 1e9
            mem_s = "" if mem is None else f"{mem:.0f}"
            print(f"| {key} B={s['B']} T={s['T']} I={s['I']} H={s['H']} L={s['L']}"
                  f"{' bi' if s['bi'] else ''} | {kind} | {impl} | {tf * 1e3:.1f} | "
                  f"{tt * 1e3:.1f} | {gf:.1f} | {100 * gf / peak:.1f} | "
                  f"{t_numpy / tt:.1f} | {mem_s} |", flush=True)
    if torch is not None:
        ratio_table(results, peak)
    else:
        print("\n(PyTorch is not installed: pip install -e \".[bench]\" adds the torch columns)")
    if args.startup_runs > 0:
        print_startup(args.startup_runs)


def ratio_table(results: list, peak: float) -> None:
    """minigru's GRU training step against torch's GRU and LSTM of the same shape."""
    train = {(key, kind): rows for key, s, kind, fl, rows in results}
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, float32, training "
          f"step (forward + backward), best of the runs\n")
    print("| shape | minigru GRU ms | torch GRU ms | torch LSTM ms | minigru GRU / torch GRU | "
          "minigru GRU / torch LSTM | torch LSTM / torch GRU | minigru GRU % of peak | "
          "alternated: / torch GRU | alternated: / torch LSTM |")
    print("|" + "---|" * 10)

    def spread(r: tuple[float, float, float] | None) -> str:
        return "" if r is None else f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})"

    for key, _s, kind, fl, rows in results:
        if kind != "gru" or (key, "lstm") not in train:
            continue
        ours, tg = rows["fused"][1], rows["torch"][1]
        tl = train[(key, "lstm")]["torch"][1]
        gf = 3 * fl / ours / 1e9
        alt = rows.get("alternated", (None, None))
        print(f"| {key} | {ours * 1e3:.1f} | {tg * 1e3:.1f} | {tl * 1e3:.1f} | {ours / tg:.2f} | "
              f"{ours / tl:.2f} | {tl / tg:.2f} | {100 * gf / peak:.1f} | {spread(alt[0])} | "
              f"{spread(alt[1])} |")
    if any("alternated" in rows for *_, rows in results):
        print("\n(alternated: the median, and the range, over rounds of minigru's GRU step "
              "timed in a block right beside a block of torch's; ``alternated_ratio``)")


if __name__ == "__main__":
    main()
