"""``EspeakDigits``: the spoken digits "zero" .. "nine" in thousands of voices of the eSpeak NG
speech synthesizer, to train a recogniser on more voices than a small corpus has.

eSpeak NG (https://github.com/espeak-ng/espeak-ng, GPL-3.0) is a formant synthesizer, the
descendant of Klatt's. minigru never ships it, and only runs that ask for these voices need
it, in one of two forms (:func:`backend`):

- the ``espeak-ng`` program, run as a subprocess (Debian and Ubuntu: ``apt-get install
  espeak-ng``; macOS: ``brew install espeak-ng``), used when it is on the PATH;
- else its shared library and voice data from the PyPI package ``espeakng-loader``
  (``pip install "minigru[voices]"``), through ``minigru/data/espeak_ng.py``: a stand-in
  for the program that makes the program's library calls (ctypes), in a process of its own
  for each clip, as the program runs.

``MINIGRU_ESPEAK=program`` or ``library`` chooses one. Its voices are robotic, but they say
the English words with real phoneme rules in several accents, and they vary in ways minigru's
own synthesizer (``minigru.data.synthetic``) does not.

A voice (:class:`EspeakVoice`) is drawn from ``numpy.random.SeedSequence([seed, take])``
alone, so take ``t`` of every digit is one speaker saying all ten words, as in a recorded
corpus, whatever else is generated:

- an English accent, uniformly from :data:`DIALECTS` (those the installed eSpeak NG has);
- a voice variant, uniformly from every variant the installed eSpeak NG lists
  (``espeak-ng --voices=variant``: male and female voices, the Klatt voices, whisper, croak
  and others; they set the pitch range, formant scales, breathiness and tone);
- a pitch, ``-p`` uniform in 15..85 (eSpeak's 0..99 scale, 50 the variant's own), and a
  speaking rate, ``-s`` uniform in 120..200 words a minute (175 is eSpeak's default).

The synthesizer is deterministic, so a voice and a word always give the same samples for one
version of eSpeak NG and its voice list. Each clip is written once, at eSpeak's own rate
(22,050 Hz), as a WAV file under the user's cache folder (``espeak/<version>/``, named by
its voice and word), and the dataset's ``sources`` are those files: augmentation, feature
caching and the run report read them as any recording. The version and the voice of each
clip are in its file name, so a change of eSpeak NG is a new set of files, never a stale one.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.cache import FeatureCache
from ..audio.pipeline import DEFAULT_PIPELINE, FeaturePipeline
from ..errors import InputError
from ..paths import cache_root
from .dataset import ArrayDataset
from .speech import _load_all
from .synthetic import DIGIT_WORDS

PROGRAM = "espeak-ng"
DIALECTS = ("en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
            "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
"""The English accents voices are drawn from: British, American, Scottish, Lancaster,
Received Pronunciation, West Midlands, Caribbean, New York City."""
PITCH = (15, 85)
SPEED = (120, 200)
INSTALL_HINT = ("install the program (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew "
                "install espeak-ng) or the library (pip install \"minigru[voices]\"), or "
                "choose other voices")


@dataclass(frozen=True)
class EspeakVoice:
    """One eSpeak NG speaker: ``espeak-ng -v dialect+variant -p pitch -s speed``."""

    dialect: str
    variant: str
    pitch: int
    speed: int

    def args(self) -> list[str]:
        """The command-line options that select this voice."""
        return ["-v", f"{self.dialect}+{self.variant}", "-p", str(self.pitch),
                "-s", str(self.speed)]

    def tag(self) -> str:
        """A file-name-safe name of the voice, e.g. ``en-us+m3_p40_s150`` (a space in a
        variant's name becomes a hyphen)."""
        variant = self.variant.replace(" ", "-")
        return f"{self.dialect}+{variant}_p{self.pitch}_s{self.speed}"


def program() -> str:
    """The path of the ``espeak-ng`` program; an InputError saying how to install it when it
    is not on the PATH."""
    found = shutil.which(PROGRAM)
    if found is None:
        raise InputError(f"the espeak voices need the {PROGRAM} program, which is not on the "
                         f"PATH: {INSTALL_HINT}")
    return found


def _listing(command: Sequence[str], option: str) -> str:
    return subprocess.run([*command, option], capture_output=True, text=True,
                          check=True).stdout


_VOICE_ROW = re.compile(r"^\s*\d+\s+(?P<language>\S+)\s+\S+\s+\S+\s+(?P<file>[^(]*?)\s*(\(.*)?$")
"""A row of ``espeak-ng --voices``: priority, language, age/gender, name, then the file (which
may hold a space, as ``!v/Mr serious``) and the other languages in brackets."""


class Espeak:
    """eSpeak NG as a command, one process per call: the ``espeak-ng`` program, or
    ``python espeak_ng.py``, the stand-in on its library (``minigru.data.espeak_ng``)."""

    def __init__(self, kind: str, command: Sequence[str]) -> None:
        self.kind = kind
        self.command = list(command)

    def version(self) -> str:
        """eSpeak NG's version, e.g. ``"1.51"``."""
        words = _listing(self.command, "--version").split()
        numbers = [w for w in words if w[:1].isdigit()]
        if not numbers:
            raise InputError(f"eSpeak NG ({self.kind}) --version printed no version number: "
                             f"{' '.join(words)}")
        return numbers[0]

    def voices(self, language: str) -> list[tuple[str, str]]:
        """``(language, file)`` of each row of ``espeak-ng --voices=LANGUAGE``."""
        found = []
        for row in _listing(self.command, f"--voices={language}").splitlines()[1:]:
            match = _VOICE_ROW.match(row)
            if match and match["file"]:
                found.append((match["language"], match["file"]))
        return found

    def say(self, word: str, voice: EspeakVoice, path: str) -> None:
        """Write ``voice`` saying ``word`` to the WAV file ``path``."""
        done = subprocess.run([*self.command, *voice.args(), "-w", path, word],
                              capture_output=True, text=True)
        if done.returncode != 0 or os.path.getsize(path) <= 44:
            raise InputError(f"eSpeak NG ({self.kind}) {' '.join(voice.args())} could not say "
                             f"{word!r}: {done.stderr.strip() or 'no audio'}")


def has_library() -> bool:
    """True when the ``espeakng-loader`` package (eSpeak NG's library) is installed."""
    return importlib.util.find_spec("espeakng_loader") is not None


@functools.cache
def backend() -> Espeak:
    """The eSpeak NG that speaks: the program when it is on the PATH, else the library of the
    ``espeakng-loader`` package; ``MINIGRU_ESPEAK=program`` or ``library`` chooses. An
    InputError saying how to install either when neither is there."""
    choice = os.environ.get("MINIGRU_ESPEAK", "").strip().lower()
    if choice not in ("", "program", "library"):
        raise InputError(f"MINIGRU_ESPEAK must be 'program' or 'library', got {choice!r}")
    if choice == "program" or (not choice and shutil.which(PROGRAM)):
        return Espeak("program", [program()])
    if choice == "library" or has_library():
        if not has_library():
            raise InputError("MINIGRU_ESPEAK=library, but the espeakng-loader package is not "
                             "installed (pip install \"minigru[voices]\")")
        return Espeak("library", [sys.executable, str(Path(__file__).with_name("espeak_ng.py"))])
    raise InputError(f"the espeak voices need eSpeak NG, and neither its {PROGRAM} program "
                     f"is on the PATH nor its library installed: {INSTALL_HINT}")


@functools.cache
def version() -> str:
    """The version of the eSpeak NG that speaks (:func:`backend`), e.g. ``"1.51"``."""
    return backend().version()


def _variants_of(rows: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(sorted({file.split("/")[-1] for _, file in rows if file}))


def _dialects_of(rows: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    names = {language for language, _ in rows}
    return tuple(d for d in DIALECTS if d in names)


@functools.cache
def variants() -> tuple[str, ...]:
    """Every voice variant eSpeak NG lists (``espeak-ng --voices=variant``), sorted."""
    found = _variants_of(backend().voices("variant"))
    if not found:
        raise InputError(f"eSpeak NG lists no voice variants ({PROGRAM} --voices=variant)")
    return found


@functools.cache
def dialects() -> tuple[str, ...]:
    """The :data:`DIALECTS` eSpeak NG has, in that order."""
    found = _dialects_of(backend().voices("en"))
    if not found:
        raise InputError(f"eSpeak NG has none of the English voices {DIALECTS}")
    return found


def espeak_voice(seed: int, take: int, accents: Sequence[str], kinds: Sequence[str]
                 ) -> EspeakVoice:
    """The voice of take ``take`` for ``seed``: an accent from ``accents``, a variant from
    ``kinds``, a pitch in :data:`PITCH` and a rate in :data:`SPEED`, each uniform, drawn from
    ``SeedSequence([seed, take])``."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(take)]))
    return EspeakVoice(str(accents[rng.integers(len(accents))]),
                       str(kinds[rng.integers(len(kinds))]),
                       int(rng.integers(PITCH[0], PITCH[1] + 1)),
                       int(rng.integers(SPEED[0], SPEED[1] + 1)))


def speak(word: str, voice: EspeakVoice, folder: str | os.PathLike[str] | None = None) -> Path:
    """The WAV file of ``voice`` saying ``word``, made by eSpeak NG on first use and kept in
    ``folder`` (default: ``espeak/<version>/`` under the cache root). Written to a temporary
    name and renamed, so a file that exists is whole. A variant eSpeak NG does not list is an
    InputError naming it (eSpeak itself would quietly use its default voice instead)."""
    if voice.variant not in variants():
        raise InputError(f"eSpeak NG has no voice variant {voice.variant!r} "
                         f"({PROGRAM} --voices=variant lists them)")
    root = Path(folder) if folder is not None else cache_root() / "espeak" / version()
    path = root / f"{voice.tag()}_{word}.wav"
    if path.exists():
        return path
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=root)
    os.close(fd)
    try:
        backend().say(word, voice, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


class EspeakDigits(ArrayDataset):
    """The ten digits said by ``n_per_class`` eSpeak NG voices (takes ``first_take ..
    first_take + n_per_class - 1`` of ``seed``; each take one voice saying every digit), their
    features computed by ``features`` at ``sample_rate`` (default: the pipeline's rate, else
    16 kHz). Classes are :data:`DIGIT_WORDS`; ``sources`` are the cached WAV files;
    ``voices[t]`` is take ``first_take + t``'s :class:`EspeakVoice`. Needs eSpeak NG, its
    program or its library (:func:`backend`; an InputError saying how to install either
    otherwise)."""

    def __init__(self, n_per_class: int, sample_rate: int | None = None, seed: int = 0,
                 features: FeaturePipeline | None = None, first_take: int = 0,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) \
                or n_per_class < 1:
            raise InputError(f"EspeakDigits: n_per_class must be a whole number >= 1, got "
                             f"{n_per_class!r}")
        if isinstance(first_take, bool) or not isinstance(first_take, (int, np.integer)) \
                or first_take < 0:
            raise InputError(f"EspeakDigits: first_take must be a whole number >= 0, got "
                             f"{first_take!r}")
        pipeline = features or DEFAULT_PIPELINE
        rate = sample_rate or pipeline.sample_rate or 16000
        self.pipeline = pipeline.at_rate(rate)
        accents, kinds = dialects(), variants()
        self.voices = [espeak_voice(seed, t, accents, kinds)
                       for t in range(first_take, first_take + n_per_class)]
        files, labels, names = [], [], []
        for take, voice in zip(range(first_take, first_take + n_per_class), self.voices,
                               strict=True):
            for digit, word in enumerate(DIGIT_WORDS):
                files.append(speak(word, voice))
                labels.append(digit)
                names.append(f"{digit}_espeak{seed}_{take}")
        feats, _ = _load_all(files, self.pipeline, FeatureCache(cache_dir), skip_bad=False)
        super().__init__(feats, labels, names, DIGIT_WORDS, [str(f) for f in files])
