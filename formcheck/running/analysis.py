"""A running clip from pose track to strides, summaries and cues (one place, in order).

view -> context -> direction -> new pictures only (repeated frames
dropped, `events.timebase`) -> gait events -> gait mode -> cadence from all
the steps (`events.cadence`) -> slow motion or real time -> per-stride
metrics for the view (side, or rear/front), no stride across a shot cut ->
summaries -> what the view cannot measure, and why -> cues. Every number
keeps the view and frames it came from and a confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.cues.engine import Cue, evaluate_cues
from formcheck.events.cadence import NO_CADENCE, CadenceEstimate, cadence_from_contacts, leg_stride_s
from formcheck.events.gait import detect_gait_events, direction_sign, side_view_hip_phase, stances
from formcheck.events.model import GaitEvent
from formcheck.events.timebase import ClipTiming, TimeBase, judge_time_base, on_clip_rows, unique_images
from formcheck.kinematics.body import relabel_frontal_sides
from formcheck.kinematics.direction import Direction
from formcheck.kinematics.view import estimate_view
from formcheck.metrics.catalog import FRONT, METRICS, OBLIQUE, REAR, SIDE
from formcheck.metrics.gait_mode import GaitMode, gait_mode
from formcheck.metrics.leg_tracking import LegTracking, leg_tracking
from formcheck.metrics.model import MetricSummary, NotMeasurable, StrideRecord, summarize
from formcheck.metrics.plausibility import screen_clip
from formcheck.metrics.running_rear import hips_in_view_order, rear_view_stances
from formcheck.metrics.running_side import side_view_strides
from formcheck.metrics.step_timing import timing_from_all_steps
from formcheck.running.context import athlete_boxes, running_context, running_direction
from formcheck.video.motion import BackgroundFlow, background_flow

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
    time_base: TimeBase = TimeBase(False, "")  # slow motion or real time, and why
    cadence: CadenceEstimate = NO_CADENCE  # from all the steps; the cadence summary's value
    leg_tracking: LegTracking | None = None  # side view: were both legs tracked alike?


#: The background's motion is measured on every 2nd frame pair: enough for a pan's direction and speed.
MOTION_STRIDE = 2
#: Metrics in time units: left out of a slow-motion clip until its capture rate is known.
TIME_METRICS = ("cadence_spm", "contact_time_ms", "flight_time_ms")


def analyze_running_track(pose, options: RunningOptions = RunningOptions(),
                          timing: ClipTiming | None = None, motion: BackgroundFlow | None = None) -> RunningAnalysis:
    """The running analysis of a `PoseAnalysis` (pipeline.analyze_pose).

    timing: the clip's repeated frames, shot cuts and the timeline's slow-motion reading
    (`events.timebase.clip_timing`); None: every frame a new picture, one shot.
    motion: the background's motion behind the athlete, every MOTION_STRIDE-th frame
    (`pipeline.background_motion` keeps it cached); None: measured here, unless the user
    said treadmill."""
    track = pose.track
    timing = timing or ClipTiming()
    view = estimate_view(track, options.view)
    # Measured once, for both the context (is the camera following?) and the direction.
    if options.context == "treadmill":
        motion = None
    elif motion is None:
        motion = background_flow(pose.info, athlete_boxes(track, pose.info.frame_count), stride=MOTION_STRIDE)
    context = running_context(pose.info, track, options.context, motion=motion, view=view,
                              measure_background=False)
    direction = running_direction(track, context, motion)
    if view.view in (REAR, FRONT):
        # MediaPipe labels a whole frontal body the other way round at times (pose2sim cam02):
        # put left and right back where this view has them before telling the feet apart.
        track, _ = relabel_frontal_sides(track, facing_camera=view.view == FRONT)
    images = unique_images(track, timing.repeated)
    # From an angle the feet still swing fore and aft across the picture, foreshortened: when
    # each lands is seen as from the side (the front-most heel along the way the runner goes),
    # though no angle or length in the plane is.
    timing_only = view.view == OBLIQUE and _known_sign(direction)
    side_like = view.view == SIDE or timing_only
    sign = direction_sign(direction) if side_like else None
    if view.view in (SIDE, REAR, FRONT) or timing_only:
        events = on_clip_rows(detect_gait_events(images.track, sign, method=options.event_method,
                                                 view=SIDE if timing_only else view.view), images)
    else:  # unknown, or oblique with no way of going: neither geometry holds
        events = []
    hips = side_view_hip_phase(images.track, sign) if side_like else None
    # A contact placed by the feet's alternation counts as a step (cadence), never as a measurement:
    # gait mode, strides and stances read only the events that were seen.
    mode = gait_mode(events, hips)
    cut_times = tuple(float(track.t_s[r]) for r in timing.cuts if 0 <= r < len(track))
    cadence = cadence_from_contacts(events, leg_stride_s(images.track), cut_times,
                                    float(np.median(np.diff(images.track.t_s))) if len(images.track) > 1 else 1 / 30)
    # Only the hips' own verdict says "a running stride" for slow motion: the events' flight and
    # double support depend on the toe-off cue, which the step rate itself chose.
    time_base = judge_time_base(timing, images, cadence, hips.mode if hips is not None else "unknown",
                                _rate_given(pose.info))
    notes = []
    if time_base.slow_motion:
        notes.append(time_base.reason)
    if view.view == SIDE:
        strides = side_view_strides(track, events, direction)
    elif timing_only:
        strides = [_measurable_from(s, OBLIQUE) for s in side_view_strides(track, events, direction)]
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
    strides, across = _within_shots(strides, timing.cuts)
    if time_base.slow_motion:
        strides = [replace(s, values={k: (float("nan") if k in TIME_METRICS else v) for k, v in s.values.items()})
                   for s in strides]
    # A value outside what a body does is no measurement (metrics.plausibility); rear/front metrics
    # also need enough stances and a steady hip width.
    strides, implausible = screen_clip(track, strides, view.view)
    measured = {name for s in strides for name, v in s.values.items() if v == v}
    confidence = min(view.confidence, context.confidence)
    summary = {name: summarize(name, strides, confidence) for name in METRICS if name in measured}
    low, high = METRICS["cadence_spm"].plausible
    if "cadence_spm" in summary and low <= cadence.spm <= high:  # at least one whole stride, in real time
        summary["cadence_spm"] = _cadence_summary(cadence, summary["cadence_spm"], confidence)
        summary = timing_from_all_steps(summary, cadence)
    elif strides and _steps_alone_give_cadence(cadence, view.view, time_base, {m.name for m in implausible}):
        # Strides were measured but none gave its own cadence (a rear view whose other foot's
        # stances were not kept), and the steps were counted: the clip's cadence does not need
        # per-stride values. (No stride at all, e.g. the runner too small, measures nothing.)
        summary["cadence_spm"] = _steps_cadence_summary(cadence, events, confidence)
        summary = timing_from_all_steps(summary, cadence)
        measured.add("cadence_spm")
    missing = _not_measurable(view.view, measured)
    reasons = {m.name: m for m in implausible}
    missing = [reasons.get(m.name, m) for m in missing]
    if time_base.slow_motion:
        missing = [NotMeasurable(m.name, f"not measured: {time_base.reason}") if m.name in TIME_METRICS else m
                   for m in missing]
    if across:
        notes.append(f"{across} strides left out: a shot cut comes between their contacts")
    # A note, not a NotMeasurable: that list names catalog metrics only (cues and the JSON schema check).
    if small:
        notes.append(f"{small} strides left out: the athlete was smaller than {MIN_SUBJECT_FRACTION:.0%} of the "
                     "frame height there")
    tracking = leg_tracking(track, strides) if view.view == SIDE and strides else None
    cues = evaluate_cues(summary, strides, view.view, missing, leg_tracking=tracking)
    return RunningAnalysis(view, context, direction, mode, events, strides, summary, missing, cues, options,
                           tuple(notes), time_base, cadence, tracking)


#: [H] Steps (three strides) the all-steps cadence needs to stand without per-stride values.
MIN_STEPS_ALONE = 6


def _steps_alone_give_cadence(cadence: CadenceEstimate, view: str, time_base: TimeBase, implausible: set) -> bool:
    """The all-steps cadence stands on its own (where strides were measured without one):
    counted over MIN_STEPS_ALONE steps or more, in real time, within what a body does, from a
    view that times steps, its per-stride values not thrown out as implausible, and the legs'
    own period not against it."""
    low, high = METRICS["cadence_spm"].plausible
    return (cadence.steps >= MIN_STEPS_ALONE and low <= cadence.spm <= high and not time_base.slow_motion
            and view in METRICS["cadence_spm"].views and "cadence_spm" not in implausible
            and (cadence.agrees or not np.isfinite(cadence.period_spm)))


def _steps_cadence_summary(cadence: CadenceEstimate, events: list[GaitEvent], confidence: float) -> MetricSummary:
    """The cadence summary from the steps alone: n is the number of steps, frames span the
    first to the last contact, no spread and no left/right (no stride measured its own)."""
    frames = sorted(e.frame for e in events if e.kind == "contact")
    nan = float("nan")
    sure = confidence * (1.0 if cadence.agrees else 0.6)
    return MetricSummary("cadence_spm", METRICS["cadence_spm"].unit, float(cadence.spm), nan, int(cadence.steps),
                         tuple(float(v) for v in cadence.ci95), nan, nan, nan,
                         tuple(range(frames[0], frames[-1] + 1)) if frames else (), float(min(max(sure, 0.0), 1.0)))


def _known_sign(direction) -> bool:
    """The way the runner goes across the picture is known (+1 or -1)."""
    try:
        direction_sign(direction)
    except ValueError:
        return False
    return True


def _measurable_from(stride: StrideRecord, view: str) -> StrideRecord:
    """The stride with only the catalog metrics that `view` can measure (the others NaN)."""
    return replace(stride, values={k: (v if k not in METRICS or view in METRICS[k].views else float("nan"))
                                   for k, v in stride.values.items()})


def _rate_given(info) -> bool:
    """The capture frame rate was given for a slowed-down clip: times are already real time."""
    return bool(getattr(info, "capture_fps", None)) and getattr(info, "time_scale", 1.0) != 1.0


def _within_shots(strides: list[StrideRecord], cuts: tuple[int, ...]) -> tuple[list[StrideRecord], int]:
    """Strides that do not span a shot cut: a cut ends a stride sequence, it never joins one."""
    if not cuts:
        return strides, 0
    cut = np.asarray(cuts)
    keep = [s for s in strides if not np.any((cut > s.frames[0]) & (cut <= s.frames[1]))]
    return keep, len(strides) - len(keep)


def _cadence_summary(cadence: CadenceEstimate, per_stride: MetricSummary, confidence: float) -> MetricSummary:
    """The cadence summary: its value and interval from all the steps (`events.cadence`); spread,
    left/right, n and frames from the per-stride values. Less sure when the legs' own period
    disagrees."""
    sure = confidence * (1.0 if cadence.agrees or not np.isfinite(cadence.period_spm) else 0.6)
    return replace(per_stride, median=float(cadence.spm), ci95=tuple(float(v) for v in cadence.ci95),
                   confidence=min(per_stride.confidence, sure))
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
