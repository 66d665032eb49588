"""The clip's time base before any event is timed: new pictures only, shot cuts, slow motion.

    timing = ClipTiming(repeated=rows_bool, cuts=(120,), slow_motion_hint="")
    images = unique_images(track, timing.repeated)     # one row per new picture, retimed
    base = judge_time_base(timing, images, cadence, gait="running", rate_known=False)

* **Repeated frames** (`video.repeats` finds them from the pixels) are dropped
  before events are detected: a held picture is not a new moment, and timing it
  as one puts flat stretches and steps into every landmark curve. The pictures
  left are retimed on a straight line through their first showings (a local fit
  over `RETIME_WINDOW_S`): a 25-to-30 fps conversion shows five pictures in six
  frames, so first showings are up to a frame late, unevenly; the fit spreads
  them evenly again. Events found on those rows are mapped back to the clip's
  rows (`on_clip_rows`).
* **Slow motion** (`judge_time_base`): said, with its reason, instead of timed
  when any of these holds and the capture rate is unknown:
  - most pictures are shown more than once (`HELD_SHARE`): slow motion stored
    by holding images, unless the steps counted on the new pictures already
    come at a real-time rate for the gait (then the camera captured few
    pictures, a webcam's 15 a second stored at 30, and the times stand);
  - a running gait by the hips (lowest at midstance: a spring, `gait.hip_phase`)
    at fewer than `MIN_RUNNING_SPM` steps a minute of video time, over at least
    `MIN_STEPS_SLOW` steps, the whole 95% interval below it: nobody runs that
    slowly in real time (the slowest jog is ~140; Lieberman et al. 2015, 150-190
    typical);
  - any gait under `MIN_WALKING_SPM` steps a minute over at least `MIN_STEPS_SLOW`
    steps (the whole interval below it), whatever the hips say: slower than anyone
    walks (a jogger slowed 3x by an editor's blended frames, 56 in video time, whose
    hips on blended frames do not read as running);
  - any gait under `MIN_GAIT_SPM` steps a minute (5x or 10x slow motion of a
    runner: 34 or 18 in video time), over at least two steps;
  - the activity timeline read a runner's stride at a walking step rate
    (`slow_motion_hint`).
  Metrics in time units are then left out, with what settles it (the capture
  frame rate: `--capture-fps`, or the capture check in the app).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.events.model import GaitEvent
from formcheck.track import PoseTrack

#: [H] Half-width of the local straight line that retimes the new pictures, seconds.
RETIME_WINDOW_S = 0.5
#: [H] Share of frames repeating the previous picture above which the clip holds its pictures:
#: a 25-to-30 fps conversion repeats 1 in 6 (0.17), 2x slow motion held repeats 1 in 2.
HELD_SHARE = 0.4
#: [E] Fewest steps a minute anyone runs at in real time (jogging ~140-150; Lieberman et al. 2015;
#: Heiderscheit et al. 2011): a running gait slower than this in video time is slow motion.
MIN_RUNNING_SPM = 120.0
#: [E] Fewest steps a minute of walking in real time (slow walking ~70-90; preferred 100-120).
MIN_WALKING_SPM = 70.0
#: [H] Steps a slow cadence must be counted over before it says slow motion.
MIN_STEPS_SLOW = 4
#: [H] Fewer steps a minute than this is no gait in real time, walking or running (the slowest
#: walking ~60; the catalog's plausible cadence starts at 40): slow motion, whatever the hips say.
MIN_GAIT_SPM = 40.0


@dataclass(frozen=True, eq=False)
class ClipTiming:
    """What the clip says about its own time base, per track row.

    repeated: (T,) bool, True where the row shows the previous picture again (None: not known);
    cuts: rows where a new shot starts (a stride never spans one);
    slow_motion_hint: the activity timeline's own reading of slow motion ("" when it saw none).
    """

    repeated: np.ndarray | None = None
    cuts: tuple[int, ...] = ()
    slow_motion_hint: str = ""


def clip_timing(track: PoseTrack, repeated_frames=(), cut_frames=(), slow_motion_hint: str = "") -> ClipTiming:
    """`ClipTiming` of a track from clip frame indices (as the pose pass reports them)."""
    fi = np.asarray(track.frame_index)
    repeated = np.isin(fi, np.asarray(list(repeated_frames or ()), dtype=np.int64))
    rows = sorted({int(np.searchsorted(fi, c)) for c in (cut_frames or ()) if 0 < np.searchsorted(fi, c) < len(fi)})
    return ClipTiming(repeated if repeated.any() else None, tuple(rows), slow_motion_hint)


@dataclass(frozen=True, eq=False)
class ImageTrack:
    """The track with one row per new picture: `track` (retimed), `rows` its rows in the clip's
    track, `held`: how many frames each picture was shown on average (1.0: none repeated)."""

    track: PoseTrack
    rows: np.ndarray
    held: float
    repeated_share: float


def unique_images(track: PoseTrack, repeated: np.ndarray | None) -> ImageTrack:
    """Drop the repeated rows and retime the rest (module docstring); the track itself if none."""
    n = len(track)
    if repeated is None or not np.any(repeated):
        return ImageTrack(track, np.arange(n), 1.0, 0.0)
    repeated = np.asarray(repeated, dtype=bool)
    if repeated.shape != (n,):
        raise ValueError(f"repeated must have shape ({n},), got {repeated.shape}")
    keep = ~repeated
    keep[0] = True
    rows = np.flatnonzero(keep)
    sub = replace(track[rows], t_s=_retimed(track.t_s[rows]))
    share = float(np.mean(repeated))
    return ImageTrack(sub, rows, n / max(rows.size, 1), share)


def _retimed(first_shown: np.ndarray) -> np.ndarray:
    """Capture times of pictures from their first showings: a straight line against the picture's
    number, fitted (least squares) to the pictures first shown within RETIME_WINDOW_S of each,
    kept increasing. Running sums make it linear in the number of pictures."""
    t = first_shown.astype(np.float64)
    k = np.arange(t.size, dtype=np.float64)
    lo = np.searchsorted(t, t - RETIME_WINDOW_S, side="left")
    hi = np.searchsorted(t, t + RETIME_WINDOW_S, side="right")
    # The window is |t_j - t_i| <= RETIME_WINDOW_S as computed; t - W rounds differently: one step.
    last = t.size - 1
    lo = np.where((lo > 0) & (t - t[np.maximum(lo - 1, 0)] <= RETIME_WINDOW_S), lo - 1, lo)
    lo = np.where((lo <= last) & (t - t[np.minimum(lo, last)] > RETIME_WINDOW_S), lo + 1, lo)
    hi = np.where((hi <= last) & (t[np.minimum(hi, last)] - t <= RETIME_WINDOW_S), hi + 1, hi)
    hi = np.where((hi > 0) & (t[np.maximum(hi - 1, 0)] - t > RETIME_WINDOW_S), hi - 1, hi)

    def window_sum(x: np.ndarray) -> np.ndarray:
        c = np.concatenate(([0.0], np.cumsum(x)))
        return c[hi] - c[lo]

    n, sk, st, skk, skt = (hi - lo).astype(np.float64), window_sum(k), window_sum(t), window_sum(k * k), window_sum(k * t)
    den = n * skk - sk * sk
    ok = (n >= 3) & (den > 0)
    slope = np.where(ok, (n * skt - sk * st) / np.where(ok, den, 1.0), 0.0)
    out = np.where(ok, slope * k + (st - slope * sk) / np.maximum(n, 1.0), t)
    # A picture's capture time cannot come before the previous one's: keep the order.
    return t if np.any(np.diff(out) <= 0) else out


def on_clip_rows(events: list[GaitEvent], images: ImageTrack) -> list[GaitEvent]:
    """Events found on `images.track`, with `frame` the clip track's row of that picture."""
    if images.held == 1.0:  # no picture repeated: the rows are the clip's
        return events
    return [replace(e, frame=int(images.rows[min(max(e.frame, 0), images.rows.size - 1)])) for e in events]


@dataclass(frozen=True)
class TimeBase:
    """slow_motion: the clip looks slowed down and its capture rate is unknown; reason: why, in
    plain words, with what settles it; held: frames per picture; rate_given: the capture frame
    rate was given (times are real time)."""

    slow_motion: bool
    reason: str
    held: float = 1.0
    rate_given: bool = False

    def to_dict(self) -> dict:
        return {"slow_motion": self.slow_motion, "reason": self.reason, "frames_per_picture": round(self.held, 2),
                "capture_rate_given": self.rate_given}


ASK_RATE = ("give the capture frame rate (formcheck --capture-fps, or the capture check in the app) "
            "to have cadence and times")


def judge_time_base(timing: ClipTiming, images: ImageTrack, cadence, gait: str, rate_given: bool) -> TimeBase:
    """Slow motion or real time (module docstring). cadence: the `events.cadence.CadenceEstimate`
    in the clip's time; gait: the hips' verdict, "running", "walking" or "unknown"."""
    if rate_given:
        return TimeBase(False, "", images.held, True)
    if images.repeated_share >= HELD_SHARE:
        # Held pictures are slow motion unless the steps, counted on the new pictures, already come
        # at a real-time rate for the gait: then the camera captured few pictures (a webcam at 15
        # frames/s stored at 30), and the times stand.
        slowest = MIN_WALKING_SPM if gait == "walking" else MIN_RUNNING_SPM
        if not (cadence.steps >= MIN_STEPS_SLOW and cadence.ci95[0] >= slowest):
            rate = images.track.fps if len(images.track) > 1 else float("nan")
            return TimeBase(True, f"This looks like slow motion: each picture is shown {images.held:.1f} times on "
                                  f"average (or the camera took only {rate:.0f} pictures a second, too few to time "
                                  f"steps); {ASK_RATE}.", images.held)
    if gait == "running" and cadence.steps >= MIN_STEPS_SLOW and cadence.ci95[1] < MIN_RUNNING_SPM:
        return TimeBase(True, f"This looks like slow motion: a running stride (the hips lowest at midstance, "
                              f"a spring) at {cadence.spm:.0f} steps/min of video time, slower than anyone runs; "
                              f"{ASK_RATE}.", images.held)
    if cadence.steps >= MIN_STEPS_SLOW and cadence.ci95[1] < MIN_WALKING_SPM:
        # Slower than any walk, whatever the hips say (on blended slow-motion frames they may
        # read walking): slowed gait, unless the capture rate says otherwise.
        return TimeBase(True, f"This looks like slow motion: {cadence.spm:.0f} steps/min of video time, slower than "
                              f"anyone walks or runs; {ASK_RATE}.", images.held)
    if cadence.steps >= 2 and cadence.ci95[1] < MIN_GAIT_SPM:
        return TimeBase(True, f"This looks like slow motion: {cadence.spm:.0f} steps/min of video time, slower than "
                              f"anyone walks or runs; {ASK_RATE}.", images.held)
    if timing.slow_motion_hint:  # the timeline's note already says what settles it
        return TimeBase(True, timing.slow_motion_hint, images.held)
    return TimeBase(False, "", images.held)
