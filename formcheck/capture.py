"""A first capture check: can this clip support an analysis, and if not, why.

Looks at short runs of frames spread over the clip: how many people, how
large the athlete is, which view, what frame rate. Each warning says what
to change when filming again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.kinematics.view import ViewGuess, guess_view
from formcheck.pose.landmarker import FramePeople
from formcheck.track import PoseTrack
from formcheck.video import VideoInfo

MIN_SUBJECT_HEIGHT_FRACTION = 0.25  # [H] below this, landmark noise is a large share of segment length
MIN_TIMING_FPS = 25.0  # [E] 30 Hz already mistimes contact by ~30 ms (METRICS.md §1)
GOOD_TIMING_FPS = 120.0
MIN_PERSON_FRAME_SHARE = 0.2
RUNNING_ONLY = "For running: "  # advice that does not apply to an exercise clip starts so  # someone seen in fewer sampled frames is a passer-by


@dataclass(frozen=True)
class CaptureCheck:
    """people_count: people seen together in a typical frame; subject_height_fraction:
    median height of the largest person over frame height; frames_sampled /
    frames_with_person: how many frames were looked at and how many showed someone."""

    people_count: int
    subject_height_fraction: float
    view: ViewGuess
    frames_sampled: int
    frames_with_person: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "people_count": self.people_count,
            "subject_height_fraction": round(self.subject_height_fraction, 3),
            "view": self.view.view,
            "facing": self.view.facing,
            "view_confidence": self.view.confidence,
            "frames_sampled": self.frames_sampled,
            "frames_with_person": self.frames_with_person,
            "warnings": list(self.warnings),
        }


def check_capture(info: VideoInfo, frames: list[FramePeople], t_s: np.ndarray) -> CaptureCheck:
    """Judge the capture from everyone seen in some frames of the clip."""
    if len(frames) != len(t_s):
        raise ValueError("frames and t_s differ in length")
    counts = np.array([len(f) for f in frames], dtype=int)
    seen = counts > 0
    # The most seen at once: MediaPipe finds a second person only after some
    # frames of tracking, so a quick look undercounts more often than it
    # overcounts. The full pose run's people list is the authoritative count.
    people_count = int(counts.max()) if counts.size else 0
    heights = np.array([_largest_height(f) for f in frames if len(f)])
    subject = float(np.median(heights) / info.upright_height) if heights.size else 0.0
    view = guess_view(_largest_person_track(frames, t_s, info.upright_size))
    warnings = _warnings(info, people_count, subject, view, int(seen.sum()), len(frames))
    return CaptureCheck(people_count, subject, view, len(frames), int(seen.sum()), tuple(warnings))


def _warnings(info, people_count, subject, view, n_seen, n_frames) -> list[str]:
    out = []
    if n_seen == 0:
        out.append("Nobody was found in the frames checked. Film the whole body, well lit, from 2-4 m.")
        return out
    if n_seen < MIN_PERSON_FRAME_SHARE * n_frames:
        out.append(f"A person was seen in only {n_seen} of {n_frames} frames checked; "
                   "keep the athlete in view for the whole clip.")
    if people_count > 1:
        out.append(f"{people_count} people are in view. FormCheck follows the most visible and largest; "
                   "pick another athlete if that is not the right one.")
    if subject < MIN_SUBJECT_HEIGHT_FRACTION:
        out.append(f"The athlete fills only {subject:.0%} of the frame height. Move closer or zoom in "
                   f"so they fill at least {MIN_SUBJECT_HEIGHT_FRACTION:.0%}, head to feet in view.")
    fps = info.capture_fps or info.fps
    if fps and fps < MIN_TIMING_FPS:
        out.append(f"{RUNNING_ONLY}the clip has {fps:.0f} frames/s; contact timing needs at least 25, ideally 120.")
    elif fps and fps < GOOD_TIMING_FPS:
        out.append(f"{RUNNING_ONLY}at {fps:.0f} frames/s contact and toe-off are timed to about ±{500 / fps:.0f} ms; "
                   "use slow motion (120-240 fps) for contact time.")
    if view.view in ("oblique", "unknown"):
        out.append("The camera sees the body at an angle. For running and most exercises, film straight "
                   "from the side (hip height) or straight from behind.")
    return out


def _largest_height(people: FramePeople) -> float:
    return max(_box_height(xy) for xy in people.xy_px)


def _box_height(xy: np.ndarray) -> float:
    ys = xy[np.isfinite(xy[:, 1]), 1]
    return float(ys.max() - ys.min()) if ys.size >= 2 else 0.0


def _largest_person_track(frames, t_s, frame_size) -> PoseTrack:
    track = PoseTrack.empty(t_s=np.asarray(t_s), frame_size=frame_size)
    xy, vis = track.xy_px.copy(), track.visibility.copy()
    for i, people in enumerate(frames):
        if len(people):
            p = int(np.argmax([_box_height(x) for x in people.xy_px]))
            xy[i], vis[i] = people.xy_px[p], people.visibility[p]
    return track.with_arrays(xy_px=xy, visibility=vis)
