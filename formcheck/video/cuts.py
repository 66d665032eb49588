"""Shot cuts in edited clips, found from the frames themselves.

    cuts = find_cuts(info)              # ShotCuts
    cuts.cut_frames                     # (60, 90): frames where a new shot starts, never 0
    shots(cuts.cut_frames, info.frame_count)   # [(0, 59), (60, 89), (90, 194)]

Tutorials and broadcasts cut between camera angles and insert title and end
cards; the activity timeline ends its segments at these cuts.

**Signature** (`frame_signature`, one small vector per frame): the frame is
halved (box filter) until its shorter side is under 128 px, then averaged to
a 16 x 16 colour thumbnail (picture squashed to a square: only differences
between frames matter). From it:

- *structure*: the 16 x 16 grey thumbnail with its own mean taken away and
  divided by its own standard deviation (at least `STD_FLOOR_GREY` levels);
- *colour layout*: the 4 x 4 mean colour (BGR) divided by the frame's mean
  grey level (at least `MEAN_FLOOR_GREY`), ~1 for an average colour.

Both ignore the exposure (phone auto-exposure, the sun going in): a frame
30 % darker has the same signature. A plain card has a structure near 0 and
a black one a colour layout near 0, so a fade to black shows where the
picture becomes too dark to have either, at the end of the fade.

A colour histogram was tried and left out: on the real clips it was the
noisier term (hard bin edges: 6.6 x its local level inside the pan of
sprint_100m_pan_several.mp4, frame 420; hue-saturation bins 12 x in the still
park_run_rear_snow.mp4), it follows the exposure, and it has no layout.

**Difference** of two frames (`signature_differences`, dimensionless):
mean |change of structure| + `COLOUR_WEIGHT` x mean |change of colour
layout|. Measured on the real clips: cutting from one clip to another (all
210 ordered pairs of the 15 clips, 23 frames of each) differs by 0.95 to 2.8,
at least 12 x the typical level around the cut, except 0.39 between the two
pose2sim clips filmed from the same place in the same room (other people:
nearly a jump cut); consecutive frames of one shot by a median of 0.002
(still) to 0.10 (a runner close to a fixed camera) and at most 0.21, except
the sun blinking through leaves in sports2d_demo_walk_side.mp4 (up to 0.48,
frames 164-183, each time back within 4 frames: see persistence below).

**Cuts** (`cuts_from_signatures`, `shot_cuts_from_signatures`; pure), with
`d[i]` the difference of frame i from frame i-1:

1. *typical* difference at i: the larger of the median of the `window_s`
   worth of measured differences before i and that of those after i. Held
   frames (`d <= held_max`: slow-motion repeats, a paused player, a still
   card) are not counted: they would pull a median to 0 and make every real
   change look huge (track_sprint_side_fixed.mp4 shows each picture 3 times).
   The larger side, so a cut must stand out from the motion of both shots it
   joins: a camera that starts panning, or a player that starts playing
   (track_run_side_pan.mp4 frame 35), is no cut.
2. *steps*: frames with `d >= step_ratio x typical` and `d >= min_step`.
   Steps at most `_MERGE_GAP` frames apart form one *transition* (a hard cut
   is one step; a dissolve or fade over a few frames is a run of steps), so
   a gradual transition is reported once.
3. *persistence*: a transition is a cut only if the frames after it differ
   from the frames before it, all of them: the smallest difference between
   any of the `flash_s` before its first step and any of the `flash_s` from
   its last step on must be `>= max(min_cut, cut_ratio x typical)` (typical:
   the larger of the level before the transition and after it). A flash, or
   the sun blinking through leaves (at most 0.09 across, 2.4 x typical),
   changes a few frames and comes back; a cut does not. The largest lasting
   change inside a real continuous shot: 0.18, 3.2 x typical (a jump of the
   panning camera, sprint_100m_pan_several.mp4 frame 149).
4. The cut frame is where the transition is half done: the first frame of
   the run at which the accumulated difference reaches half the run's total
   (for a hard cut, the step itself; for a linear dissolve, the first frame
   that is more new shot than old).

Known limits: a dissolve longer than about `window_s` changes each frame too
little to stand out and may be missed; so may a short dissolve out of a fast
pan (the pan's own motion is as large as a dissolve step). A *jump cut*
(the same camera and framing, a moment later) is not found: only the person
changes, as when they move fast (measured 0.03-0.14 at joins made of two
moments of one real clip, under `min_cut`); that is for a pose-level check.
A whip pan from a still camera to a new view in a few frames is reported as
a cut (the picture really is new). Two plain cards of one hue and different
brightness look alike (the exposure is ignored). An overlay on a continuing
shot is no cut: from 20.08 s of home_squat_side_timer.mp4 the video is
blurred and a 'Rest' caption fades in while the same camera keeps filming
the same person moving (the 16 x 16 thumbnail hardly changes: at most 0.03).

**Cost.** Frames stream through `iter_frames` once, one frame in memory. A
signature costs ~0.4-0.6 ms a frame at 720p (three 2x box halvings, then tiny
arrays), the cuts ~2 ms a clip: decoding dominates. Signatures are kept, 304
float32 (1.2 kB) a frame: 44 MB at the 36,000-frame limit. A pipeline that
decodes the clip anyway can call `frame_signature` on each frame and
`cuts_from_signatures` at the end, and pay only the signatures.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from formcheck.video.info import VideoInfo
from formcheck.video.probe import probe
from formcheck.video.reader import iter_frames

log = logging.getLogger(__name__)

#: Side of the grey structure thumbnail, px (16 x 16 = 256 values).
THUMB_SIDE = 16
#: Side of the colour layout grid, cells (4 x 4 x 3 = 48 values).
COLOUR_SIDE = 4
#: Length of a signature: structure, then colour layout.
SIGNATURE_SIZE = THUMB_SIDE * THUMB_SIDE + COLOUR_SIDE * COLOUR_SIDE * 3
#: [H] Smallest grey standard deviation the structure is divided by, grey levels (0-255):
#: compression noise on a plain card is 1-2 levels, so a plain card's structure stays
#: below ~0.25 instead of being noise blown up to unit size.
STD_FLOOR_GREY = 8.0
#: [H] Smallest mean grey level the colour layout is divided by, grey levels (0-255): a
#: black card's layout stays ~0 instead of being noise blown up.
MEAN_FLOOR_GREY = 16.0
#: [H] Weight of the colour layout (relative to the frame's mean grey, ~1 for an average
#: colour) against the structure (z units): a scene cut to a black card weighs ~2 in
#: colour plus ~0.8 in structure; two unrelated textures' structures alone weigh ~1.1.
COLOUR_WEIGHT = 2.0
#: [H] Halve the picture while its shorter side is at least this, px; 2x area halving
#: is a box filter (no aliasing) and 3x cheaper than one INTER_AREA resize of a 720p frame.
_HALVE_ABOVE_PX = 128
#: [H] Steps at most this many frames apart belong to one transition (a dissolve that
#: repeats a frame, or a frame whose step fell just under the line, stays one).
_MERGE_GAP = 2
#: [H] A side of the window needs this many measured (not held) differences for a median.
_MIN_SIDE_COUNT = 3
#: [H] A side looks at most this many windows away for its measured differences (holds
#: of 8x slow motion, 7 repeats in 8 frames, still fill a window).
_SPAN_WINDOWS = 8


@dataclass(frozen=True)
class CutSettings:
    """How `cuts_from_signatures` decides; units of differences: see the module doc.

    Attributes:
        window_s: [H] seconds of playback on each side of a frame whose differences
            give its typical level (0.5 s: 15 frames at 30 frames/s; long enough for a
            median to ignore a transition of a few frames, short enough to follow a
            camera that starts or stops panning). > 0.
        flash_s: [H] seconds on each side over which a change must persist to be a cut
            (0.2 s: 6 frames at 30 frames/s; the sun blinking through leaves in
            sports2d_demo_walk_side.mp4 comes back within 4 frames). > 0.
        step_ratio: [H] a frame is a step of a transition when its difference is at
            least this many times the typical level (a 6-frame dissolve's steps are ~1/6
            of a cut, 2 x to 10 x the level of a still or slowly moving shot; a step
            only starts a transition, persistence decides). >= 1.
        min_step: [H] and at least this difference (0.05: far above held or still
            frames, ~1/20 of a scene change, so a 6-frame dissolve's steps count). >= 0.
        cut_ratio: [H] a transition is a cut when the change across it is at least this
            many times the typical level on either side (measured: lasting changes
            inside continuous real shots at most 3.2 x, cuts between real clips at
            least 12 x; 6 is about their geometric mean). >= 1.
        min_cut: [H] and at least this difference across it (0.3: under the smallest
            change between two real clips, 0.39, same room and place; otherwise 0.95
            and more; 1.6 x the largest lasting change inside a continuous real shot,
            0.18). > 0.
        held_max: [H] a difference at most this means the frame repeats the previous
            one (a slow-motion hold, a paused player, a still card) and is left out of
            the typical level (exact repeats measure 0; the stillest real motion here,
            a far runner in snow, ~2e-4 to 1e-3, is left out too, which only makes the
            typical level larger and the finder more careful). >= 0.
    """

    window_s: float = 0.5
    flash_s: float = 0.2
    step_ratio: float = 3.0
    min_step: float = 0.05
    cut_ratio: float = 6.0
    min_cut: float = 0.3
    held_max: float = 1e-3

    def __post_init__(self) -> None:
        for name, low, strict in (("window_s", 0.0, True), ("flash_s", 0.0, True),
                                  ("step_ratio", 1.0, False), ("min_step", 0.0, False),
                                  ("cut_ratio", 1.0, False), ("min_cut", 0.0, True),
                                  ("held_max", 0.0, False)):
            value = getattr(self, name)
            bad = not np.isfinite(value) or (value <= low if strict else value < low)
            if bad:
                raise ValueError(f"{name} must be {'>' if strict else '>='} {low:g}, got {value!r}")


@dataclass(frozen=True, eq=False)
class ShotCuts:
    """Where a clip's shots change.

    Attributes:
        cut_frames: sorted frame indices where a new shot starts (never 0): the
            frame where each transition is half done.
        transitions: (first, last) frame of each cut's transition, parallel to
            `cut_frames`; first == last for a hard cut. Frames inside a longer one
            are blends of two shots.
        difference: (frame_count,) float64 difference of each frame from the one
            before it (dimensionless, see the module doc; 0 for frame 0), read-only,
            for plotting.
        seconds: wall time spent finding them, s (decoding included).
    """

    cut_frames: tuple[int, ...]
    transitions: tuple[tuple[int, int], ...]
    difference: np.ndarray = field(repr=False)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        diff = np.array(self.difference, dtype=np.float64).reshape(-1)
        diff.setflags(write=False)
        object.__setattr__(self, "difference", diff)
        cuts = tuple(int(c) for c in self.cut_frames)
        spans = tuple((int(a), int(b)) for a, b in self.transitions)
        _check_cuts(cuts, diff.size, "cut_frames")
        if len(spans) != len(cuts):
            raise ValueError(f"transitions must have one (first, last) per cut ({len(cuts)}), got {len(spans)}")
        for cut, (first, last) in zip(cuts, spans):
            if not 1 <= first <= cut <= last < diff.size:
                raise ValueError(f"transition ({first}, {last}) must hold its cut {cut} inside [1, {diff.size})")
        object.__setattr__(self, "cut_frames", cuts)
        object.__setattr__(self, "transitions", spans)

    @property
    def frame_count(self) -> int:
        return int(self.difference.size)

    def shots(self) -> list[tuple[int, int]]:
        """(first, last) frame of each shot; see `shots`."""
        return shots(self.cut_frames, self.frame_count)


# -- signatures -----------------------------------------------------------------------
def frame_signature(image_bgr: np.ndarray) -> np.ndarray:
    """(SIGNATURE_SIZE,) float32 signature of one frame: structure, then colour layout.

    Args:
        image_bgr: (H, W, 3) uint8 BGR picture, H and W >= 1 (not modified).
    """
    return signature_of_halved(halved(image_bgr))


def halved(image_bgr: np.ndarray) -> np.ndarray:
    """The frame box-halved until its shorter side is under 128 px (uint8 BGR): what the
    signature and the repeated-frame check (`video.repeats`) read, computed once a frame."""
    img = np.asarray(image_bgr)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"image_bgr must have shape (H, W, 3), got {img.shape}")
    if img.dtype != np.uint8:
        raise ValueError(f"image_bgr must be uint8, got {img.dtype}")
    while min(img.shape[:2]) >= _HALVE_ABOVE_PX:
        h, w = img.shape[:2]
        # Exactly half with INTER_LINEAR averages each 2x2 block: a box filter.
        img = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_LINEAR)
    return img


def signature_of_halved(img: np.ndarray) -> np.ndarray:
    """`frame_signature` of a frame already `halved`."""
    thumb = cv2.resize(img.astype(np.float32), (THUMB_SIDE, THUMB_SIDE), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY)
    structure = (grey - grey.mean()) / max(float(grey.std()), STD_FLOOR_GREY)
    cell = THUMB_SIDE // COLOUR_SIDE
    colour = thumb.reshape(COLOUR_SIDE, cell, COLOUR_SIDE, cell, 3).mean(axis=(1, 3))
    colour /= max(float(grey.mean()), MEAN_FLOOR_GREY)
    return np.concatenate([structure.ravel(), colour.ravel()]).astype(np.float32)


def _check_signatures(signatures) -> np.ndarray:
    sig = np.asarray(signatures, dtype=np.float32)
    if sig.ndim != 2 or sig.shape[1] != SIGNATURE_SIZE:
        raise ValueError(f"signatures must have shape (N, {SIGNATURE_SIZE}), got {sig.shape}")
    if not np.all(np.isfinite(sig)):
        raise ValueError("signatures must be finite")
    return sig


def _pair_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of signatures `a` and `b` (broadcast over leading axes)."""
    n = THUMB_SIDE * THUMB_SIDE
    structure = np.abs(a[..., :n] - b[..., :n]).mean(axis=-1)
    colour = np.abs(a[..., n:] - b[..., n:]).mean(axis=-1)
    return (structure + COLOUR_WEIGHT * colour).astype(np.float64)


def signature_differences(signatures: np.ndarray) -> np.ndarray:
    """(N,) float64 difference of each frame's signature from the previous one
    (dimensionless, see the module doc); 0 for frame 0.

    Args:
        signatures: (N, SIGNATURE_SIZE) from `frame_signature`, finite.
    """
    sig = _check_signatures(signatures)
    out = np.zeros(sig.shape[0], dtype=np.float64)
    if sig.shape[0] > 1:
        out[1:] = _pair_difference(sig[1:], sig[:-1])
    return out


# -- cuts -------------------------------------------------------------------------------
def _side_medians(diff: np.ndarray, window: int, held_max: float) -> tuple[np.ndarray, np.ndarray]:
    """(N,) medians of the `window` nearest measured (not held) differences before and
    after each frame (the frame itself left out), looking at most `_SPAN_WINDOWS x
    window` frames away; NaN where a side has fewer than `_MIN_SIDE_COUNT`.

    Counting measured values, not frames, keeps a slow-motion clip's typical level
    that of its moving frames, and makes a still card's neighbours the shots on
    either side of it, not the few frames of a fade into it."""
    n = diff.size
    frames = np.flatnonzero(diff > held_max)
    frames = frames[frames > 0]  # frame 0 has no difference
    values = np.concatenate([np.full(window, np.nan), diff[frames], np.full(window, np.nan)])
    where = np.concatenate([np.full(window, -np.inf), frames, np.full(window, np.inf)])
    vals = np.lib.stride_tricks.sliding_window_view(values, window)  # vals[j] = values[j:j+window]
    wins = np.lib.stride_tricks.sliding_window_view(where, window)
    i = np.arange(n)
    reach = _SPAN_WINDOWS * window
    out = []
    for start in (np.searchsorted(frames, i, side="left"),  # the `window` measured before i
                  np.searchsorted(frames, i, side="right") + window):  # the `window` after i
        side = np.where(np.abs(wins[start] - i[:, None]) <= reach, vals[start], np.nan)
        count = np.sum(np.isfinite(side), axis=1)
        med = np.full(n, np.nan)
        ok = count >= _MIN_SIDE_COUNT
        if ok.any():
            med[ok] = np.nanmedian(side[ok], axis=1)
        out.append(med)
    return out[0], out[1]


def _runs(steps: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) of runs of step frames, joined across gaps of <= _MERGE_GAP frames."""
    runs: list[list[int]] = []
    for i in np.flatnonzero(steps):
        if runs and i - runs[-1][1] <= _MERGE_GAP:
            runs[-1][1] = int(i)
        else:
            runs.append([int(i), int(i)])
    return [(a, b) for a, b in runs]


def shot_cuts_from_signatures(signatures: np.ndarray, fps: float = 30.0,
                              settings: CutSettings | None = None) -> ShotCuts:
    """The cuts, their transitions and the differences, from per-frame signatures
    (see the module doc); `seconds` is 0 (nothing is timed here).

    Args:
        signatures: (N, SIGNATURE_SIZE) from `frame_signature`, one row per frame in
            order, finite. N may be 0 or 1 (no cut).
        fps: frames per second of playback (what an editor cut at), > 0; turns the
            settings' seconds into frames.
        settings: thresholds; default `CutSettings()`.
    """
    settings = CutSettings() if settings is None else settings
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be > 0, got {fps!r}")
    sig = _check_signatures(signatures)
    diff = signature_differences(sig)
    n = diff.size
    window = max(_MIN_SIDE_COUNT, int(round(settings.window_s * fps)))
    flash = max(1, int(round(settings.flash_s * fps)))
    before, after = _side_medians(diff, window, settings.held_max)
    typical = np.nan_to_num(np.fmax(before, after), nan=0.0)
    steps = (diff >= settings.step_ratio * typical) & (diff >= settings.min_step)
    steps[:1] = False
    cuts: list[int] = []
    spans: list[tuple[int, int]] = []
    for first, last in _runs(steps):
        level = max(np.nan_to_num(before[first]), np.nan_to_num(after[last]))
        old = sig[max(0, first - flash):first]
        new = sig[last:min(n, last + flash)]
        across = float(_pair_difference(old[:, None, :], new[None, :, :]).min())
        if across < max(settings.min_cut, settings.cut_ratio * level):
            log.debug("transition %d-%d not a cut: %.3f across, typical %.4f", first, last, across, level)
            continue
        total = np.cumsum(diff[first:last + 1])
        cuts.append(first + int(np.searchsorted(total, total[-1] / 2.0)))
        spans.append((first, last))
    return ShotCuts(tuple(cuts), tuple(spans), diff)


def cuts_from_signatures(signatures: np.ndarray, fps: float = 30.0,
                         settings: CutSettings | None = None) -> tuple[int, ...]:
    """Frames where a new shot starts (sorted, in [1, N); frame 0 never is), from
    per-frame signatures; arguments as `shot_cuts_from_signatures`."""
    return shot_cuts_from_signatures(signatures, fps, settings).cut_frames


def _check_cuts(cuts: tuple[int, ...], frame_count: int, name: str) -> None:
    if any(not 1 <= c < frame_count for c in cuts):
        raise ValueError(f"{name} must lie in [1, {frame_count}) (frame 0 starts the first shot), got {cuts}")
    if any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {cuts}")


def shots(cut_frames, frame_count: int) -> list[tuple[int, int]]:
    """(first, last) frame of each shot, inclusive, in order; [] for no frames.

    Args:
        cut_frames: strictly increasing frame indices in [1, frame_count) where a
            new shot starts.
        frame_count: frames in the clip, >= 0.
    """
    if frame_count < 0:
        raise ValueError(f"frame_count must be >= 0, got {frame_count}")
    cuts = tuple(int(c) for c in cut_frames)
    if frame_count == 0:
        if cuts:
            raise ValueError(f"cut_frames must be empty for a clip with no frames, got {cuts}")
        return []
    _check_cuts(cuts, frame_count, "cut_frames")
    starts = (0, *cuts)
    ends = (*(c - 1 for c in cuts), frame_count - 1)
    return list(zip(starts, ends))


def find_cuts(video: VideoInfo | str | Path, settings: CutSettings | None = None,
              threads: int | None = None) -> ShotCuts:
    """Shot cuts of a clip: decode it once (`iter_frames`, one frame in memory),
    take each frame's `frame_signature`, and find the cuts (`cuts_from_signatures`).

    Args:
        video: a `VideoInfo` from `probe`, or a path.
        settings: thresholds; default `CutSettings()`.
        threads: decoder threads (None: FFmpeg's choice).

    A frame that does not decode is left out (the reader logs it); the
    differences around it then span the gap.
    """
    started = time.perf_counter()
    settings = CutSettings() if settings is None else settings
    info = video if isinstance(video, VideoInfo) else probe(video)
    sig = np.zeros((info.frame_count, SIGNATURE_SIZE), dtype=np.float32)
    decoded = np.zeros(info.frame_count, dtype=bool)
    for frame in iter_frames(info, threads=threads):
        sig[frame.index] = frame_signature(frame.image)
        decoded[frame.index] = True
    index = np.flatnonzero(decoded)
    # Playback frames per second (an editor cuts in playback time, slow motion or not).
    found = shot_cuts_from_signatures(sig[index], info.fps, settings)
    difference = np.zeros(info.frame_count, dtype=np.float64)
    difference[index] = found.difference  # a frame that did not decode: 0
    result = ShotCuts(
        cut_frames=tuple(int(index[c]) for c in found.cut_frames),
        transitions=tuple((int(index[a]), int(index[b])) for a, b in found.transitions),
        difference=difference,
        seconds=time.perf_counter() - started,
    )
    log.info("%s: %d shot cut(s) %s in %.2f s", info.path.name, len(result.cut_frames), result.cut_frames,
             result.seconds)
    return result
