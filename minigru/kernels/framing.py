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
    whole = preemph if not per_frame else 0.0
    direct = not (remove_dc or with_energy or per_frame)
    for r in range(rows):
        s = frame_start[r]
        first = min(max(0, -s), frame)
        stop = max(min(frame, lengths[frame_clip[r]] - s), first)
        row = out[r]
        if direct:
            signal_samples(x, offsets[frame_clip[r]] + s, first, stop, scale, whole, s + first == 0,
                           row[:kept])
            for j in range(kept):
                row[j] *= window[j]
            continue
        signal_samples(x, offsets[frame_clip[r]] + s, first, stop, scale, whole, s + first == 0,
                       scratch)
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
            row[j] = scratch[j] * window[j]
    return out


@kernel
def signal_samples(x, start, first, stop, scale, preemph, first_is_origin, v):
    """v[j] = g x[start + j] - a g x[start + j - 1] for first <= j < min(stop, len(v)) (the
    second term only where that sample is not the signal's first, ``first_is_origin`` saying
    whether sample ``first`` is), and v[j] = 0 elsewhere; g = scale, a = preemph (0: none).
    Written with row slices, which the compiler vectorises."""
    n = v.shape[0]
    top = min(stop, n)
    lead = min(first, n)
    for j in range(lead):
        v[j] = 0.0
    for j in range(max(top, lead), n):
        v[j] = 0.0
    j0 = first
    if preemph != 0.0 and first_is_origin and first < top:
        v[first] = x[start + first] * scale
        j0 = first + 1
    if j0 >= top:
        return
    cur = x[start + j0:start + top]
    dst = v[j0:top]
    if preemph != 0.0:
        prev = x[start + j0 - 1:start + top - 1]
        for i in range(cur.shape[0]):
            dst[i] = cur[i] * scale - preemph * (prev[i] * scale)
    else:
        for i in range(cur.shape[0]):
            dst[i] = cur[i] * scale
