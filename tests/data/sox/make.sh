#!/usr/bin/env bash
# The recordings of tests/test_recording_formats.py::test_files_written_by_sox, written by
# SoX (14.4.2), an implementation of these formats independent of minigru's: a 0.1 s tone at
# 8 kHz, stored as G.711 mu-law and A-law WAVs, a stereo mu-law WAV and NIST SPHERE files
# (16-bit PCM and mu-law), and SoX's own decoding of the companded files to 16-bit PCM
# (-D: no dither, so the script writes the same files every time).
set -euo pipefail
cd "$(dirname "$0")"
sox -n -r 8000 -c 1 -b 16 -e signed-integer tone.wav synth 0.1 sine 440 vol 0.5
sox -D tone.wav -e u-law ulaw.wav
sox -D tone.wav -e a-law alaw.wav
sox -D tone.wav -c 2 -e u-law ulaw_stereo.wav remix 1 1v-0.5
sox tone.wav -t sph -e signed-integer pcm.sph
sox -D tone.wav -t sph -e u-law ulaw.sph
sox ulaw.wav -e signed-integer -b 16 ulaw_decoded.wav
sox alaw.wav -e signed-integer -b 16 alaw_decoded.wav
sox ulaw_stereo.wav -e signed-integer -b 16 ulaw_stereo_decoded.wav
sox ulaw.sph -t wav -e signed-integer -b 16 ulaw_sph_decoded.wav
