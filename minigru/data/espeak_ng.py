"""A stand-in for the ``espeak-ng`` program, on eSpeak NG's library from ``espeakng-loader``.

The PyPI package ``espeakng-loader`` (``pip install "minigru[voices]"``) holds eSpeak NG's
shared library and voice data for Linux, macOS and Windows, but not its program. This script
answers the few commands of the program that ``minigru.data.espeak`` runs, with the library
calls the program makes for them (through :mod:`ctypes`):

- ``--version``: ``espeak_Info``;
- ``--voices=LANGUAGE``: ``espeak_ListVoices`` for that language, one row per voice in the
  program's layout (priority, language, age/gender, name, file);
- ``-v VOICE -p PITCH -s SPEED -w FILE WORD``: ``espeak_Initialize`` (synchronous output, at
  the library's rate, 22,050 Hz), ``espeak_SetVoiceByName(VOICE)`` (else, as the program
  does, ``espeak_SetVoiceByProperties`` with VOICE as the language), ``espeak_SetParameter``
  for the rate and the pitch, ``espeak_Synth`` with ``espeakCHARS_AUTO | espeakENDPAUSE``,
  then ``espeak_Synchronize``; the 16-bit samples from the synthesis callback go to FILE as a
  mono WAV file.

It is run as its own process for every clip, as the program is. eSpeak NG keeps state from one
utterance to the next (in one process, the same voice and word came out up to 200 samples
longer or shorter the second time, even after reseeding its random numbers or initialising
it again), so only a clip made in a fresh process is the same whatever was said before. It
gave the program's samples to the bit for 29 of the 40 voices compared, though the program
was eSpeak NG 1.51 and the library 1.52; the other 11 use variants that differ between the
two versions. Only the standard library and the loader are imported, so a process starts in
a few hundredths of a second. eSpeak NG is GPL-3.0; minigru does not ship it, and this
script loads it only where the user installed it.
"""

from __future__ import annotations

import ctypes
import sys
import wave
from pathlib import Path

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_AUTO = 0
ENDPAUSE = 0x1000
RATE = 1
PITCH = 3
GENDERS = "-MF"

CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.c_void_p)


class Voice(ctypes.Structure):
    """``espeak_VOICE`` of eSpeak NG's ``speak_lib.h``."""

    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p),
                ("identifier", ctypes.c_char_p), ("gender", ctypes.c_ubyte),
                ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte), ("xx1", ctypes.c_ubyte),
                ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


def load() -> tuple[ctypes.CDLL, int]:
    """The library, initialised, and its output rate."""
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(Voice))
    lib.espeak_ListVoices.argtypes = [ctypes.POINTER(Voice)]
    lib.espeak_SetSynthCallback.argtypes = [CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(Voice)]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    data = Path(espeakng_loader.get_data_path()).parent
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data).encode(),
                                 INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise SystemExit(f"espeak_ng.py: eSpeak NG's library did not start (data: {data})")
    return lib, rate


def list_voices(lib: ctypes.CDLL, language: str) -> list[str]:
    """The rows of ``espeak-ng --voices=LANGUAGE``: a header, then one row per voice."""
    spec_language = ctypes.create_string_buffer(language.encode())
    spec = Voice(languages=ctypes.cast(spec_language, ctypes.c_void_p).value)
    table = lib.espeak_ListVoices(ctypes.byref(spec) if language else None)
    rows = ["Pty Language       Age/Gender VoiceName          File                 Other Languages"]
    i = 0
    while table[i]:
        voice = table[i].contents
        priority = ctypes.string_at(voice.languages, 1)[0] if voice.languages else 0
        first = ctypes.string_at(voice.languages + 1).decode() if voice.languages else ""
        age = f"{voice.age:3d}" if voice.age else " --"
        name = (voice.name or b"").decode().replace(" ", "_")
        rows.append(f"{priority:2d}  {first:<15s}{age}/{GENDERS[min(voice.gender, 2)]}      "
                    f"{name:<18s} {(voice.identifier or b'').decode()}")
        i += 1
    return rows


def say(lib: ctypes.CDLL, rate: int, voice: str, pitch: int, speed: int, word: str,
        path: str) -> None:
    """Write ``voice`` saying ``word`` to the WAV file ``path``."""
    chunks: list[bytes] = []

    def receive(wav: ctypes.Array, count: int, events: ctypes.c_void_p) -> int:
        if count > 0 and wav:
            chunks.append(ctypes.string_at(wav, 2 * count))
        return 0

    callback = CALLBACK(receive)
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        spec_language = ctypes.create_string_buffer(voice.encode())
        spec = Voice(languages=ctypes.cast(spec_language, ctypes.c_void_p).value)
        if lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) != 0:
            raise SystemExit(f"espeak_ng.py: no voice {voice!r}")
    lib.espeak_SetParameter(RATE, speed, 0)
    lib.espeak_SetParameter(PITCH, pitch, 0)
    text = word.encode()
    if lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, CHARS_AUTO | ENDPAUSE,
                        None, None) != 0:
        raise SystemExit(f"espeak_ng.py: could not say {word!r}")
    lib.espeak_Synchronize()
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(chunks))


def main(argv: list[str]) -> int:
    lib, rate = load()
    if argv == ["--version"]:
        print(f"eSpeak NG text-to-speech: {lib.espeak_Info(None).decode()}")
        return 0
    if len(argv) == 1 and argv[0].startswith("--voices="):
        print("\n".join(list_voices(lib, argv[0].split("=", 1)[1])))
        return 0
    if len(argv) == 9 and argv[0:7:2] == ["-v", "-p", "-s", "-w"]:
        say(lib, rate, argv[1], int(argv[3]), int(argv[5]), argv[8], argv[7])
        return 0
    print("usage: espeak_ng.py --version | --voices=LANGUAGE | "
          "-v VOICE -p PITCH -s SPEED -w FILE WORD", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
