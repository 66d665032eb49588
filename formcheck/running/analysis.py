"""A running clip from pose track to strides, summaries and cues (one place, in order).

view -> context -> direction -> gait events -> gait mode -> per-stride
metrics for the view (side, or rear/front) -> summaries -> what the view
cannot measure, and why -> cues. Every number keeps the view and frames
it came from and a confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.cues.engine import Cue, evaluate_cues
from formcheck.events.gait import detect_gait_events, side_view_hip_phase, stances
from formcheck.events.model import GaitEvent
from formcheck.kinematics.body import relabel_frontal_sides
from formcheck.kinematics.direction import Direction
from formcheck.kinematics.view import estimate_view
from formcheck.metrics.catalog import FRONT, METRICS, REAR, SIDE
from formcheck.metrics.gait_mode import GaitMode, gait_mode
from formcheck.metrics.model import MetricSummary, NotMeasurable, StrideRecord, summarize
from formcheck.metrics.running_rear import hips_in_view_order, rear_view_stances
from formcheck.metrics.running_side import side_view_strides
from formcheck.running.context import athlete_boxes, running_context, running_direction
from formcheck.video.motion import background_flow

VIEW_CHOICES = ("auto", "side", "rear", "front")
# [H] Below this athlete height (share of frame height) landmark noise is a large share of
# every segment: such strides are left out of summaries and cues, and the count is reported.
MIN_SUBJECT_FRACTION = 0.2
CONTEXT_CHOICES = ("auto", "treadmill", "overground")


@dataclass(frozen=True)
class RunningOptions:
    """User overrides; "auto" lets FormCheck decide (and say how sure it is)."""

    view: str = "auto"
    context: str = "auto"
    event_method: str = "auto"

    def __post_init__(self) -> None:
        if self.view not in VIEW_CHOICES:
            raise ValueError(f"view must be one of {VIEW_CHOICES}, got {self.view!r}")
        if self.context not in CONTEXT_CHOICES:
            raise ValueError(f"context must be one of {CONTEXT_CHOICES}, got {self.context!r}")


@dataclass(frozen=True, eq=False)
class RunningAnalysis:
    view: object
    context: object
    direction: Direction
    gait_mode: GaitMode
    events: list[GaitEvent]
    strides: list[StrideRecord]
    summary: dict[str, MetricSummary]
    not_measurable: list[NotMeasurable]
    cues: list[Cue]
    options: RunningOptions = field(default_factory=RunningOptions)
    notes: tuple[str, ...] = ()  # what was left out of the analysis, and why (not a metric)


def analyze_running_track(pose, options: RunningOptions = RunningOptions()) -> RunningAnalysis:
    """The running analysis of a `PoseAnalysis` (pipeline.analyze_pose)."""
    track = pose.track
    view = estimate_view(track, options.view)
    # Measured once, for both the context (is the camera following?) and the direction.
    motion = None
    if options.context != "treadmill":
        motion = background_flow(pose.info, athlete_boxes(track, pose.info.frame_count), stride=2)
    context = running_context(pose.info, track, options.context, motion=motion, view=view,
                              measure_background=False)
    direction = running_direction(track, context, motion)
    if view.view in (REAR, FRONT):
        # MediaPipe labels a whole frontal body the other way round at times (pose2sim cam02):
        # put left and right back where this view has them before telling the feet apart.
        track, _ = relabel_frontal_sides(track, facing_camera=view.view == FRONT)
    if view.view in (SIDE, REAR, FRONT):
        events = detect_gait_events(track, direction, method=options.event_method, view=view.view)
    else:  # oblique or unknown: neither the side nor the frontal geometry holds
        events = []
    mode = gait_mode(events, side_view_hip_phase(track, direction) if view.view == SIDE else None)
    notes = []
    if view.view == SIDE:
        strides = side_view_strides(track, events, direction)
    elif view.view in (REAR, FRONT) and hips_in_view_order(track, view.view):
        strides = rear_view_stances(track, stances(events, track), view=view.view)
    elif view.view in (REAR, FRONT):  # after relabelling, so the set view is not what the clip shows
        strides = []
        notes.append(f"No strides measured: the hips are in the other order than a {view.view} view has them "
                     f"in most frames; is the camera really {'behind' if view.view == REAR else 'in front of'} "
                     "the runner?")
    else:
        strides = []
    strides, small = _large_enough(strides, track)
    measured = {name for s in strides for name, v in s.values.items() if v == v}
    confidence = min(view.confidence, context.confidence)
    summary = {name: summarize(name, strides, confidence) for name in METRICS if name in measured}
    missing = _not_measurable(view.view, measured)
    # A note, not a NotMeasurable: that list names catalog metrics only (cues and the JSON schema check).
    if small:
        notes.append(f"{small} strides left out: the athlete was smaller than {MIN_SUBJECT_FRACTION:.0%} of the "
                     "frame height there")
    cues = evaluate_cues(summary, strides, view.view, missing)
    return RunningAnalysis(view, context, direction, mode, events, strides, summary, missing, cues, options,
                           tuple(notes))


def _large_enough(strides: list[StrideRecord], track) -> tuple[list[StrideRecord], int]:
    """Strides whose athlete, at contact, is at least MIN_SUBJECT_FRACTION of the frame tall."""
    height = track.frame_size[1]
    if not strides or height <= 0:
        return strides, 0
    ys = track.xy_px[:, :, 1]
    seen = np.isfinite(ys)
    tall = np.where(seen.sum(axis=1) >= 2, np.nanmax(np.where(seen, ys, -np.inf), axis=1)
                    - np.nanmin(np.where(seen, ys, np.inf), axis=1), 0.0)
    keep = [s for s in strides if tall[s.contact.frame] >= MIN_SUBJECT_FRACTION * height]
    return keep, len(strides) - len(keep)


_FILM_FROM = {SIDE: "film from the side, camera at hip height", REAR: "film from behind, camera at pelvis height"}


def _not_measurable(view: str, measured: set[str]) -> list[NotMeasurable]:
    out = []
    for name, spec in METRICS.items():
        if name in measured:
            continue
        if view not in (SIDE, REAR, FRONT):
            out.append(NotMeasurable(name, f"the camera sees the runner at an angle ({view}): film straight from "
                                           "the side or straight from behind"))
        elif view not in spec.views:
            wanted = spec.views[0]
            out.append(NotMeasurable(name, f"not measurable from a {view} view: {_FILM_FROM.get(wanted, wanted)} "
                                           f"for {spec.label.lower()}"))
        else:
            out.append(NotMeasurable(name, f"{spec.label} could not be measured in this clip: too few clear strides"))
    return out
