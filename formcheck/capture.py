"""A first capture check: can this clip support an analysis, and if not, why.

`check_capture` looks at short runs of frames spread over the clip: how many
people, how large the athlete is, which view, what frame rate.
`input_warnings` judges a finished pose run the same way (several people, the
athlete partly seen or small, a dark or upside-down clip); the pipeline adds
them to the analysis. Each warning says what to change when filming again.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from formcheck.kinematics.view import ViewGuess, guess_view
from formcheck.landmarks import Landmark
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


# -- warnings that come with an analysis --------------------------------------------------
# [H] thresholds, each set from the bad-input corpus (docs/bad_inputs.md) with a wide margin.
MIN_ATHLETE_PRESENCE = 0.8  # below, the athlete is missing from a fifth of the frames or more
DARK_BRIGHTNESS = 40.0  # mean luma 0..255; MediaPipe lost a person in half the frames at ~22, all below ~13
SECOND_PERSON_FRAME_SHARE = 0.1  # a second person must be in view together with the first this often
SAME_PERSON_DISTANCE = 0.5  # body centres closer than this (in body heights) are one person found twice
UPSIDE_DOWN_MARGIN = 0.15  # ankles above hips above nose, each by this share of the body's height
UPSIDE_DOWN_FRAME_SHARE = 0.5

INPUT_WARNING_CODES = ("several_people", "athlete_partly_seen", "small_athlete", "dark", "upside_down")


@dataclass(frozen=True)
class InputWarning:
    """Something about the clip that makes the analysis less certain, with what to change.

    code: one of INPUT_WARNING_CODES (stable, for programs); message: for people."""

    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in INPUT_WARNING_CODES:
            raise ValueError(f"code must be one of {INPUT_WARNING_CODES}, got {self.code!r}")

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def input_warnings(info: VideoInfo, people: list, athlete, brightness: float = float("nan"),
                   chosen_by_user: bool = False) -> tuple[InputWarning, ...]:
    """The warnings an analysis of this clip carries (none for a good clip).

    people: every `pose.people.Person` seen (the athlete among them); athlete:
    the one analysed; brightness: `video.exposure.brightness` (NaN = unknown)."""
    out = []
    at_once = _people_at_once(people)
    if at_once > 1:
        who = "the person you chose" if chosen_by_user else "the most visible and largest"
        out.append(InputWarning("several_people", f"{at_once} people are in view at once. FormCheck analysed {who}; "
                                "pick another athlete if that is not the right one."))
    if athlete.presence < MIN_ATHLETE_PRESENCE:
        seen = athlete.track.detected_frames
        first, last = np.flatnonzero(seen)[[0, -1]] if seen.any() else (0, 0)
        out.append(InputWarning("athlete_partly_seen", f"The athlete was found in only {athlete.presence:.0%} of the "
                                f"frames (between frames {first} and {last}); the numbers come from those frames. "
                                "Keep the whole body in view for the whole clip."))
    share = athlete.height_px / info.upright_height if info.upright_height else 0.0
    if share < MIN_SUBJECT_HEIGHT_FRACTION:
        out.append(InputWarning("small_athlete", f"The athlete fills only {share:.0%} of the frame height, so "
                                "landmark noise is a large share of each body segment. Move closer or zoom in so "
                                f"they fill at least {MIN_SUBJECT_HEIGHT_FRACTION:.0%}, head to feet in view."))
    if np.isfinite(brightness) and brightness < DARK_BRIGHTNESS:
        out.append(InputWarning("dark", f"The clip is very dark (brightness {brightness / 255:.0%} of white); the pose "
                                "model misses or misplaces joints in the dark. Film in good light."))
    inverted = _upside_down_share(athlete.track)
    if inverted >= UPSIDE_DOWN_FRAME_SHARE:
        out.append(InputWarning("upside_down", f"The athlete is upside down in {inverted:.0%} of the frames: the "
                                "clip was probably stored turned over without rotation information. Up and down "
                                "(ground contact, vertical motion, the exercise) are read wrongly; turn the clip "
                                "upright in a video editor and analyse it again."))
    return tuple(out)


def _people_at_once(people: list) -> int:
    """Most people in view together, in at least SECOND_PERSON_FRAME_SHARE of the frames. A
    detection whose body centre lies within SAME_PERSON_DISTANCE body heights of a taller one's
    is that person found twice (e.g. in two overlapping tiles) and does not count."""
    if len(people) < 2:
        return len(people)
    centres, heights = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where the person is not seen
        for person in people:
            xy = person.track.xy_px
            centres.append(np.nanmean(xy, axis=1))  # (T, 2)
            heights.append(np.nanmax(xy[..., 1], axis=1) - np.nanmin(xy[..., 1], axis=1))  # (T,)
    height = np.nan_to_num(np.stack(heights), nan=0.0)  # (P, T); 0 = not seen
    seen = height > 0
    counted = seen.copy()
    for p in range(len(people)):
        for q in range(len(people)):
            taller = (height[q] > height[p]) | ((height[q] == height[p]) & (q < p))
            if p == q or not taller.any():
                continue
            near = np.linalg.norm(centres[p] - centres[q], axis=1) < SAME_PERSON_DISTANCE * height[q]
            counted[p] &= ~(seen[q] & taller & near)
    counts = counted.sum(axis=0)
    for n in range(int(counts.max()), 1, -1):
        if np.mean(counts >= n) >= SECOND_PERSON_FRAME_SHARE:
            return n
    return 1


def _upside_down_share(track: PoseTrack) -> float:
    """Share of the frames where ankles, hips and nose are all seen in which both ankles are
    above the hips and the hips above the nose (each by UPSIDE_DOWN_MARGIN body heights).
    No exercise FormCheck knows has that posture: lying, kneeling and bridging all keep a
    foot or the head low."""
    xy = track.xy_px[..., 1]
    nose = xy[:, Landmark.NOSE]
    hip = xy[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=1)
    ankles = xy[:, [Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        body = np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1)
    ok = np.isfinite(nose) & np.isfinite(hip) & np.isfinite(ankles).all(axis=1) & (body > 0)
    if not ok.any():
        return 0.0
    margin = UPSIDE_DOWN_MARGIN * body[ok]
    inverted = (ankles[ok].max(axis=1) < hip[ok] - margin) & (hip[ok] < nose[ok] - margin)
    return float(inverted.mean())
