"""Bad input, everywhere a user can give it: one table, each row the exact exception type and a
message that names the argument (or file) at fault.

Python API rows call a function and expect exactly that exception class; command rows run
``minigru`` in-process and expect exit status 2 (1 where other files were still processed)
and one line on stderr, never a traceback. The README's "Guarantees" section states the count.
"""

import json
import re
import struct

import numpy as np
import pytest
from scipy.io import wavfile

import minigru as mg
from minigru import audio, cli, nn, optim
from minigru.errors import InputError, InputTypeError
from minigru.speech import config as speech_config
from minigru.speech import run as speech_run
from minigru.speech.config import ConfigError
from minigru.speech.predict import load_model, predict_files
from minigru.speech.sweep import check_sweep


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A trained checkpoint and a folder of good and bad files."""
    root = tmp_path_factory.mktemp("bad")
    cfg = speech_config.make_config({"limit": 3, "epochs": 1, "hidden": 8, "threads": 1,
                                     "synthetic": {"sample_rate": 8000}})
    speech_run.train_run(cfg, root / "run", log=None, quiet=True)
    t = np.arange(8000) / 8000
    wavfile.write(root / "tone.wav", 8000, (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16))
    wavfile.write(root / "silence.wav", 8000, np.zeros(8000, np.int16))
    wavfile.write(root / "constant.wav", 8000, np.full(8000, 300, np.int16))
    wavfile.write(root / "short.wav", 8000, np.full(80, 1000, np.int16))
    wavfile.write(root / "nan.wav", 8000, np.array([0.1, np.nan] * 400, np.float32))
    wavfile.write(root / "empty.wav", 8000, np.zeros(0, np.int16))
    (root / "text.wav").write_text("not a wav at all")
    (root / "random.npz").write_bytes(bytes(range(256)) * 4)
    header = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16) + b"data" + struct.pack("<I", 10**6)
    (root / "truncated.wav").write_bytes(header + b"\0" * 10)
    (root / "empty_dir").mkdir()
    (root / "sweep_bad_type.toml").write_text("[grid]\nhidden = ['big']\n")
    (root / "sweep_unknown.toml").write_text("[grid]\n'features.delta' = [1]\n")
    (root / "sweep_bad.toml").write_text("[grid\n")
    (root / "labels" / "eleven").mkdir(parents=True)
    wavfile.write(root / "labels" / "eleven" / "a.wav", 8000,
                  (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16))
    return root


def _signal():
    return np.sin(np.arange(4000) / 5.0)


API = [
    # ------------------------------------------------------------ mg.load and mg.save
    ("load: random bytes", lambda f: mg.load(f / "random.npz"), InputError,
     r"random\.npz is not a minigru checkpoint"),
    ("load: a WAV", lambda f: mg.load(f / "tone.wav"), InputError,
     r"tone\.wav is not a minigru checkpoint"),
    ("load: no file", lambda f: mg.load(f / "none.npz"), FileNotFoundError, r"none\.npz"),
    ("save: an object", lambda f: mg.save({"x": object()}, f / "o.npz"), InputTypeError,
     r"cannot save a value of type object at state\.x"),
    ("save: reserved key", lambda f: mg.save({"__array__": 1}, f / "o.npz"), InputError,
     r"__array__, __items__ and __tuple__ are reserved"),
    ("save: no folder", lambda f: mg.save({}, f / "nowhere" / "o.npz"), FileNotFoundError,
     r"nowhere"),
    ("save: object array", lambda f: mg.save({"a": np.array([None])}, f / "o.npz"),
     InputTypeError, r"state\.a has dtype object"),
    # ------------------------------------------------------------ WAV reading
    ("wav: not a WAV", lambda f: audio.load_wav(f / "text.wav"), InputError, r"text\.wav"),
    ("wav: truncated", lambda f: audio.load_wav(f / "truncated.wav"), InputError,
     r"truncated\.wav is truncated: its data chunk declares 1000000 bytes"),
    ("wav: missing", lambda f: audio.load_wav(f / "none.wav"), FileNotFoundError, r"none\.wav"),
    ("wav: NaN samples", lambda f: audio.load_wav(f / "nan.wav"), InputError,
     r"nan\.wav.*(NaN|finite)"),
    ("wav: empty", lambda f: audio.load_wav(f / "empty.wav"), InputError, r"empty\.wav"),
    ("wav: bad rate", lambda f: audio.load_wav(f / "tone.wav", sample_rate=0), InputError,
     r"load_wav: sample_rate must be positive, got 0"),
    # ------------------------------------------------------------ MFCC
    ("mfcc: 2-D signal", lambda f: audio.mfcc(np.zeros((2, 400)), 8000), InputError,
     r"^signal: expected a 1-D signal, got shape \(2, 400\)"),
    ("mfcc: NaN", lambda f: audio.mfcc(np.full(400, np.nan), 8000), InputError,
     r"^signal: the signal holds NaN"),
    ("mfcc: rate 0", lambda f: audio.mfcc(_signal(), 0), InputError,
     r"sample_rate must be positive, got 0"),
    ("mfcc: unknown preset", lambda f: audio.mfcc(_signal(), 8000, preset="htk2"), InputError,
     r"unknown MFCC preset 'htk2'"),
    ("mfcc: n_mfcc 0", lambda f: audio.mfcc(_signal(), 8000, n_mfcc=0), InputError,
     r"n_mfcc must be >= 1, got 0"),
    ("mfcc: unknown setting", lambda f: audio.mfcc(_signal(), 8000, n_mel=20), InputTypeError,
     r"no field\(s\) \['n_mel'\]"),
    ("mfcc: strings", lambda f: audio.mfcc(["a", "b"], 8000), InputTypeError,
     r"^signal: expected numeric samples"),
    ("pipeline: bad rate", lambda f: audio.FeaturePipeline(sample_rate=-5), InputError,
     r"FeaturePipeline: sample_rate must be a positive integer"),
    ("pipeline: deltas 3", lambda f: audio.FeaturePipeline(deltas=3), InputError,
     r"deltas must be 0, 1 or 2, got 3"),
    ("stream mfcc: per-utterance CMVN", lambda f: audio.StreamingMFCC(8000, cmvn=True),
     InputError, r"running_cmvn"),
    # ------------------------------------------------------------ tensors and operations
    ("tensor: object", lambda f: mg.tensor(object()), InputTypeError,
     r"data: cannot make a tensor from object"),
    ("reshape: wrong size", lambda f: mg.tensor([1.0, 2.0]).reshape(3), InputError,
     r"reshape: cannot reshape a tensor of shape \(2,\)"),
    ("matmul: shapes", lambda f: mg.ones(2, 3) @ mg.ones(2, 3), InputError,
     r"matmul: shapes \(2, 3\) and \(2, 3\) are not aligned"),
    ("clip: min > max", lambda f: mg.clip(mg.ones(2), 1, 0), InputError,
     r"clip: min \(1\) must not be larger than max \(0\)"),
    ("backward: non-scalar (RuntimeError, as in PyTorch)",
     lambda f: mg.ones(2, requires_grad=True).backward(), RuntimeError,
     r"backward: grad can be omitted only for a one-element tensor"),
    ("cross_entropy: label out of range",
     lambda f: nn.functional.cross_entropy(mg.zeros(2, 3), np.array([0, 5])), InputError,
     r"cross_entropy: target holds class 5"),
    ("ctc_loss: target lengths",
     lambda f: nn.functional.ctc_loss(mg.zeros(2, 1, 3), np.array([[1, 2, 1]]), [2], [4]),
     InputError, r"ctc_loss: target_lengths"),
    ("ctc_loss: blank not a class",
     lambda f: nn.functional.ctc_loss(mg.zeros(2, 1, 3), np.array([[1]]), [2], [1], blank=3),
     InputError, r"ctc_loss: blank 3"),
    ("gradcheck: no input requires grad", lambda f: mg.gradcheck(lambda x: 1.0, [mg.ones(2)]),
     InputError, r"gradcheck: no input requires grad"),
    # ------------------------------------------------------------ layers and optimisers
    ("Linear: 0 features", lambda f: nn.Linear(0, 2), InputError,
     r"Linear: in_features must be a positive integer, got 0"),
    ("Linear: wrong width", lambda f: nn.Linear(3, 2)(mg.ones(4, 5)), InputError,
     r"linear: input has shape \(4, 5\).*in_features = 3"),
    ("GRU: wrong rank", lambda f: nn.GRU(3, 4)(mg.ones(3)), InputError,
     r"GRU.*\(T, B, input_size\)"),
    ("GRU: wrong dtype", lambda f: nn.GRU(3, 4)(mg.ones(2, 1, 3, dtype="float64")),
     InputTypeError, r"GRU: input has dtype float64"),
    ("GRU: lengths too long", lambda f: nn.GRU(3, 4)(mg.ones(2, 1, 3), lengths=[5]),
     InputError, r"GRU: lengths must be in \[1, 2\]"),
    ("GRU: hidden 0", lambda f: nn.GRU(3, 0), InputError,
     r"GRU: hidden_size must be a positive integer"),
    ("Dropout: p 1.5", lambda f: nn.Dropout(1.5), InputError,
     r"Dropout: p must be in \[0, 1\], got 1\.5"),
    ("Embedding: index out of range (IndexError, as in PyTorch)",
     lambda f: nn.Embedding(3, 2)(np.array([3])), IndexError,
     r"embedding: input holds index 3, outside \[0, 3\)"),
    ("Conv1d: kernel 0", lambda f: nn.Conv1d(2, 2, 0), InputError,
     r"Conv1d: kernel_size: every value must be >= 1"),
    ("SGD: negative lr", lambda f: optim.SGD(nn.Linear(2, 2).parameters(), lr=-1), InputError,
     r"SGD: lr must be >= 0, got -1"),
    ("Adam: beta 1", lambda f: optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.0, 0.9)),
     InputError, r"Adam: betas must be in \[0, 1\)"),
    ("SGD: no parameters", lambda f: optim.SGD([], lr=0.1), InputError,
     r"SGD: got an empty list of parameters"),
    ("load_state_dict: not a dict", lambda f: nn.Linear(2, 2).load_state_dict([1]),
     InputTypeError, r"load_state_dict: expected a dict, got list"),
    ("clip_grad_norm_: negative",
     lambda f: nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), -1), InputError,
     r"clip_grad_norm_: max_norm must be >= 0"),
    ("manual_seed: negative", lambda f: mg.manual_seed(-1), InputError,
     r"manual_seed: seed must be a non-negative integer"),
    # ------------------------------------------------------------ data
    ("DataLoader: batch 0",
     lambda f: mg.data.DataLoader(mg.data.ArrayDataset([np.zeros((1, 2))], [0]), 0),
     InputError, r"DataLoader: batch_size must be a positive integer, got 0"),
    ("ArrayDataset: label count",
     lambda f: mg.data.ArrayDataset([np.zeros((1, 2))], [0, 1]), InputError,
     r"ArrayDataset: 1 feature arrays but 2 labels"),
    # ------------------------------------------------------------ the application, in Python
    ("config: unknown key", lambda f: speech_config.make_config({"hiden": 3}), ConfigError,
     r"unknown setting 'hiden'; did you mean 'hidden'"),
    ("config: bad pooling", lambda f: speech_config.make_config({"pooling": "max"}),
     ConfigError, r"pooling must be one of \('mean', 'last'\), got 'max'"),
    ("config: patience 0", lambda f: speech_config.make_config({"patience": 0}), ConfigError,
     r"patience must be a whole number of epochs >= 1"),
    ("config: unknown feature key",
     lambda f: speech_config.make_config({"features": {"delta": 1}}), ConfigError,
     r"features\.delta; did you mean 'deltas'"),
    ("sweep: wrong type", lambda f: check_sweep({"grid": {"hidden": ["big"]}}), ConfigError,
     r"hidden must be an integer"),
    ("sweep: threads in grid", lambda f: check_sweep({"grid": {"threads": [1, 2]}}),
     ConfigError, r"threads in \[sweep\]"),
    ("resume: model change",
     lambda f: speech_run.prepare_run({"model": "lstm"}, resume=f / "run"), ConfigError,
     r"model cannot change when a run is resumed"),
    ("resume: not a run", lambda f: speech_run.prepare_run({}, resume=f / "empty_dir"),
     ConfigError, r"no checkpoint\.npz and config\.json in .*empty_dir"),
    ("predict_files: silent",
     lambda f: predict_files(*load_model(f / "run" / "best.npz"), [f / "silence.wav"]),
     ConfigError, r"silence\.wav is silent"),
    ("predict_files: a constant (an offset, no sound)",
     lambda f: predict_files(*load_model(f / "run" / "best.npz"), [f / "constant.wav"]),
     ConfigError, r"constant\.wav is silent"),
    ("predict_files: too short",
     lambda f: predict_files(*load_model(f / "run" / "best.npz"), [f / "short.wav"]),
     ConfigError, r"short\.wav is too short"),
    ("load_model: a WAV", lambda f: load_model(f / "tone.wav"), InputError, r"tone\.wav"),
]


@pytest.mark.parametrize("name, call, kind, message", API, ids=[row[0] for row in API])
def test_api_bad_input(files, name, call, kind, message):
    with pytest.raises(Exception) as info:
        call(files)
    assert type(info.value) is kind, f"{name}: {type(info.value).__name__}: {info.value}"
    assert re.search(message, str(info.value)), f"{name}: {info.value}"


CLI = [
    ("predict: silence", ["predict", "{run}/best.npz", "{f}/silence.wav"], 1,
     r"silence\.wav is silent"),
    ("predict: a constant", ["predict", "{run}/best.npz", "{f}/constant.wav"], 1,
     r"constant\.wav is silent"),
    ("predict: too short", ["predict", "{run}/best.npz", "{f}/short.wav"], 1,
     r"short\.wav is too short"),
    ("predict: not a WAV", ["predict", "{run}/best.npz", "{f}/text.wav"], 1, r"text\.wav"),
    ("predict: empty folder", ["predict", "{run}/best.npz", "{f}/empty_dir"], 1,
     r"empty_dir is a folder with no \.wav"),
    ("predict: not a checkpoint", ["predict", "{f}/tone.wav", "{f}/tone.wav"], 2,
     r"tone\.wav is not a minigru checkpoint"),
    ("evaluate: random bytes", ["evaluate", "{f}/random.npz"], 2,
     r"random\.npz is not a minigru checkpoint"),
    ("evaluate: unknown label folder",
     ["evaluate", "{run}/best.npz", "--data", "folder", "--data-dir", "{f}/labels"], 2,
     r"\['eleven'\] are not classes of the model"),
    ("train: epochs 0", ["train", "--epochs", "0"], 2, r"epochs must be a positive"),
    ("train: patience 0", ["train", "--patience", "0"], 2, r"patience must be"),
    ("train: negative seed", ["train", "--seed", "-3"], 2, r"seed must be"),
    ("train: dropout 1", ["train", "--dropout", "1"], 2, r"dropout must be"),
    ("train: lr 0", ["train", "--lr", "0"], 2, r"lr must be"),
    ("train: threads 0", ["train", "--threads", "0"], 2, r"threads must be"),
    ("train: fsdd without a folder", ["train", "--data", "fsdd", "--data-dir", "{f}/nowhere"],
     2, r"nowhere"),
    ("train: resume with another model",
     ["train", "--resume", "{run}", "--model", "lstm", "--quiet"], 2,
     r"model cannot change when a run is resumed"),
    ("train: resume and another out", ["train", "--resume", "{run}", "--out", "{f}/x"], 2,
     r"name different folders"),
    ("stream: threshold 2", ["stream", "{run}/best.npz", "{f}/tone.wav", "--threshold", "2"],
     2, r"--threshold must be a probability"),
    ("stream: threshold -1", ["stream", "{run}/best.npz", "{f}/tone.wav", "--threshold", "-1"],
     2, r"--threshold must be a probability"),
    ("mfcc: not a WAV", ["mfcc", "{f}/text.wav"], 2, r"text\.wav"),
    ("mfcc: NaN samples", ["mfcc", "{f}/nan.wav"], 2, r"nan\.wav"),
    ("sweep: wrong type", ["sweep", "{f}/sweep_bad_type.toml"], 2, r"hidden must be an integer"),
    ("sweep: unknown nested key", ["sweep", "{f}/sweep_unknown.toml"], 2,
     r"did you mean 'features\.deltas'"),
    ("sweep: not TOML", ["sweep", "{f}/sweep_bad.toml"], 2, r"not valid TOML"),
    ("sweep: no file", ["sweep", "{f}/none.toml"], 2, r"none\.toml"),
]


@pytest.mark.parametrize("name, args, code, message", CLI, ids=[row[0] for row in CLI])
def test_command_bad_input(files, capsys, name, args, code, message):
    argv = [a.format(f=files, run=files / "run") for a in args]
    assert cli.main(argv) == code, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert re.search(message, err), f"{name}: {err}"


def test_the_table_is_as_large_as_the_readme_says():
    assert len(API) + len(CLI) >= 60
    readme = (__import__("pathlib").Path(__file__).resolve().parents[1] / "README.md").read_text()
    m = re.search(r"(\d+) bad inputs", readme)
    assert m and int(m.group(1)) == len(API) + len(CLI), "update the README's Guarantees"


def test_a_folder_of_wavs_is_predicted_file_by_file(files, capsys):
    (files / "batch").mkdir(exist_ok=True)
    for name in ("tone.wav", "silence.wav"):
        (files / "batch" / name).write_bytes((files / name).read_bytes())
    assert cli.main(["predict", str(files / "run" / "best.npz"), str(files / "batch"),
                     "--json"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"].rsplit("/", 1)[-1] for r in rows] == ["silence.wav", "tone.wav"]
    assert "error" in rows[0] and "label" in rows[1]
