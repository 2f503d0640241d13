"""Cutting windowed frames out of many signals at once, with the per-frame steps of the MFCC
front end fused into the same pass."""

from __future__ import annotations

from .jit import kernel
from .sums import dot_range, sum_range


@kernel
def window_frames(x, offsets, lengths, frame_clip, frame_start, scale, preemph, per_frame,
                  remove_dc, window, scratch, out, energy):
    """Fill ``out[r]`` with frame r: samples of signal c = frame_clip[r] from position
    s = frame_start[r] (which may be negative: zeros outside the signal), through the
    front end's sample and frame steps, times the window.

    Signal c is x[offsets[c] : offsets[c] + lengths[c]]. With L = scratch.size samples per
    frame, W = window.size <= L of them kept (a frame longer than the FFT is cropped), a the
    pre-emphasis coefficient and g the input scale, for j = 0 .. L-1 and p = s + j:

        v_j = g x[p] - a g x[p-1]       whole-signal pre-emphasis (0 < p, per_frame False)
        v_j = g x[p]                    otherwise, 0 outside 0 <= p < length
        v_j -= mean_j v_j               remove_dc
        energy[r] = sum_j v_j^2         (when ``energy`` has a row per frame)
        v_j -= a v_{j-1}, v_0 *= 1 - a  per-frame pre-emphasis (Kaldi), on the original v
        out[r, j] = v_j w_j             j < W; columns W .. end of ``out`` are left as they are

    x (N,) float64; offsets, lengths (clips,) int64; frame_clip, frame_start (frames,) int64;
    window (W,), scratch (L,) float64; out (frames, >= W); energy (frames,) or (0,).
    """
    rows = out.shape[0]
    frame = scratch.shape[0]
    kept = window.shape[0]
    with_energy = energy.shape[0] == rows
    whole = preemph != 0.0 and not per_frame
    direct = not (remove_dc or with_energy or per_frame)
    for r in range(rows):
        base = offsets[frame_clip[r]]
        s = frame_start[r]
        first = min(max(0, -s), frame)
        stop = max(min(frame, lengths[frame_clip[r]] - s), first)
        if direct:
            for j in range(min(first, kept)):
                out[r, j] = 0.0
            for j in range(stop, kept):
                out[r, j] = 0.0
            j0 = first
            if whole and s + first == 0 and first < min(stop, kept):
                out[r, first] = x[base] * scale * window[first]
                j0 = first + 1
            top = min(stop, kept)
            if whole:
                for j in range(j0, top):
                    out[r, j] = (x[base + s + j] * scale
                                 - preemph * (x[base + s + j - 1] * scale)) * window[j]
            else:
                for j in range(j0, top):
                    out[r, j] = x[base + s + j] * scale * window[j]
            continue
        for j in range(first):
            scratch[j] = 0.0
        for j in range(stop, frame):
            scratch[j] = 0.0
        j0 = first
        if whole and s + first == 0 and stop > first:
            scratch[first] = x[base] * scale
            j0 = first + 1
        if whole:
            for j in range(j0, stop):
                scratch[j] = x[base + s + j] * scale - preemph * (x[base + s + j - 1] * scale)
        else:
            for j in range(j0, stop):
                scratch[j] = x[base + s + j] * scale
        if remove_dc:
            mean = sum_range(scratch, 0, frame) / frame
            for j in range(frame):
                scratch[j] -= mean
        if with_energy:
            energy[r] = dot_range(scratch, 0, scratch, 0, frame)
        if per_frame and preemph != 0.0:
            for j in range(frame - 1, 0, -1):
                scratch[j] -= preemph * scratch[j - 1]
            scratch[0] *= 1.0 - preemph
        for j in range(kept):
            out[r, j] = scratch[j] * window[j]
    return out
