"""The one orchestrator: clip file -> video -> pose -> people -> clean.

The CLI and the app call only this module (and `render` for pictures), so
every way in runs the same stages in the same order with the same checks.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from formcheck import __version__
from formcheck.cache import PoseCache, cache_key, file_sha256, record_key
from formcheck.clean import CleanResult, clean_track
from formcheck.errors import ClipTooShortError, NoPersonError
from formcheck.paths import cache_dir
from formcheck.pose.model import ModelInfo, resolve_model
from formcheck.pose.people import Person, athlete_by_shot, choose_athlete, link_people
from formcheck.pose.runner import PosePool, ProgressFn, run_pose
from formcheck.settings import Settings
from formcheck.video import VideoInfo, probe

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class PoseAnalysis:
    """The athlete's pose track, cleaned, with everything needed to trust it.

    people: everyone seen, best athlete candidate first; athlete: the one
    analysed; clean: the cleaned track with coverage and repairs;
    from_cache: inference was skipped because the same clip, model and
    settings were analysed before; seconds: wall time of this call;
    warnings: `capture.InputWarning`s about the clip (several people, the
    athlete partly seen or small, dark, upside down), empty for a good clip;
    cuts: frames where a new shot starts, found during the pose pass (or, for a
    pose cache entry older than that, by decoding the clip once more).
    repeated: frames that show the previous picture again (held images of slow
    motion, frame-rate conversions: `video.repeats`), found the same way.
    """

    info: VideoInfo
    model: ModelInfo
    settings: Settings
    clip_sha256: str
    people: list[Person]
    athlete: Person
    clean: CleanResult
    from_cache: bool
    seconds: float
    warnings: tuple = ()
    cuts: tuple[int, ...] | None = None
    repeated: tuple[int, ...] | None = None

    @property
    def track(self):
        return self.clean.track

    def provenance(self) -> dict:
        return {
            "clip_sha256": self.clip_sha256,
            "model_id": self.model.model_id,
            "formcheck_version": __version__,
            "settings": self.settings.to_dict(),
        }


def analyze_pose(
    clip: str | Path,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    cache: PoseCache | None = None,
    use_cache: bool = True,
    pool: PosePool | None = None,
) -> PoseAnalysis:
    """Probe, run (or load cached) pose for everyone, choose the athlete, clean.

    pool: warm pose workers kept by a long-lived caller (the app); without
    one, a clip long enough to split starts its own.

    Raises a `FormCheckError` subclass with a plain message for anything the
    user can fix: a bad clip, no model, nobody in the clip.
    """
    from formcheck.capture import input_warnings
    from formcheck.video.exposure import brightness

    started = time.perf_counter()
    settings = settings or Settings()
    info = probe(clip, limits=settings.limits, capture_fps=settings.capture_fps)
    check_enough_frames(info)
    model = resolve_model(settings.model)
    clip_sha = file_sha256(info.path)
    cache = cache or PoseCache(cache_dir())
    key = cache_key(clip_sha, model.model_id, settings.pose_cache_settings())

    cached = cache.load(key) if use_cache else None
    if cached is not None:
        people = cached.people
        cuts = cached.meta.get("cut_frames")
        cuts = tuple(int(c) for c in cuts) if isinstance(cuts, list) else None
        repeated = cached.meta.get("repeated_frames")
        repeated = tuple(int(c) for c in repeated) if isinstance(repeated, list) else None
        log.info("pose: loaded from cache %s", key)
    else:
        raw = run_pose(info, str(model.path), settings.landmarker, settings.run, progress, pool=pool)
        people = link_people(raw.frames, raw.t_s, info.upright_size, raw.frame_index, settings.link)
        cuts = _cuts_from(raw, info)
        repeated = _repeats_from(raw)
        if use_cache:
            cache.save(key, people, {"clip_sha256": clip_sha, "model_id": model.model_id,
                                     "settings": settings.pose_cache_settings(),
                                     "formcheck_version": __version__, "pose_seconds": raw.seconds,
                                     **({"cut_frames": list(cuts)} if cuts is not None else {}),
                                     **({"repeated_frames": list(repeated)} if repeated is not None else {})})
    if people and cuts is None:  # a pose cache entry from before cuts were taken in the pose pass
        cuts = _found_cuts(info, clip_sha, cache if use_cache else None)
    if people and repeated is None:  # one from before the pose pass measured repeated frames
        repeated = _found_repeats(info, clip_sha, cache if use_cache else None)
    choice = settings.athlete
    chosen = choice.index is not None or choice.point_px is not None
    if people:
        athlete = choose_athlete(people, index=choice.index, point_px=choice.point_px, at_s=choice.at_s)
        if cuts and not chosen:
            # An edited clip: each shot's own athlete (a cut breaks the identities linked across it).
            frame_index = people[0].track.frame_index
            athlete = athlete_by_shot(people, [int(np.searchsorted(frame_index, c)) for c in cuts])
    if settings.landmarker.tiles == 1 and (not people or (not chosen and athlete.presence < SELDOM_SEEN)):
        # MediaPipe misses a small athlete in a wide frame: look again in two half tiles, and keep
        # that look if it sees someone better (a sprinter crouched in the blocks, seen on 21% of
        # the frames of the whole picture and on 93% of the tiles').
        log.info("the athlete is seen on few frames of the whole picture; looking again in two half-frame tiles")
        tiled = replace(settings, landmarker=replace(settings.landmarker, tiles=2))
        try:
            better = analyze_pose(clip, tiled, progress, cache, use_cache, pool)
        except NoPersonError:
            better = None
        if better is not None and (not people or _seen_score(better.athlete) > _seen_score(athlete)):
            return better
    light = brightness(info)
    if not people:
        raise NoPersonError(_nobody_message(light))
    cleaned = clean_track(athlete.track, settings.clean)
    warnings = input_warnings(info, people, athlete, light, chosen_by_user=chosen)
    for w in warnings:
        log.info("%s: %s", info.path.name, w.message)
    return PoseAnalysis(info, model, settings, clip_sha, people, athlete, cleaned,
                        from_cache=cached is not None, seconds=time.perf_counter() - started, warnings=warnings,
                        cuts=cuts, repeated=repeated)


def _cuts_from(raw, info: VideoInfo) -> tuple[int, ...] | None:
    """Shot cuts from the signatures the pose pass took of every frame (no second decode)."""
    from formcheck.video.cuts import cuts_from_signatures

    looks = raw.signatures()
    if looks is None or len(looks) < 2:
        return None
    index = raw.frame_index
    return tuple(int(index[i]) for i in cuts_from_signatures(looks, info.fps or 30.0))


def _repeats_from(raw) -> tuple[int, ...] | None:
    """Repeated frames from the changes the pose pass measured on every frame (no second decode)."""
    from formcheck.video.repeats import repeated_frames

    changes = raw.changes()
    if changes.size < 2:
        return None
    return tuple(int(raw.frame_index[i]) for i in np.flatnonzero(repeated_frames(changes)))


#: [H] A default athlete seen on fewer frames than this may be one the whole picture is too
#: large to find (a small figure in a wide frame): two half-frame tiles look again.
SELDOM_SEEN = 0.5


def _seen_score(person: Person) -> float:
    return person.presence * person.height_px


#: Fewer frames than this show no movement: a still picture stored as a video.
MIN_FRAMES = 2


def check_enough_frames(info: VideoInfo) -> None:
    """Raise `ClipTooShortError` for a clip with fewer than MIN_FRAMES frames."""
    if info.frame_count < MIN_FRAMES:
        raise ClipTooShortError(
            "This clip has a single frame, a still picture: FormCheck analyses movement. Record or "
            "export a video of the strides or reps you want checked (a few seconds)."
        )


def _nobody_message(light: float) -> str:
    from formcheck.capture import DARK_BRIGHTNESS

    if light < DARK_BRIGHTNESS:  # NaN (unknown) is not dark
        return (f"Nobody was found in this clip, and it is very dark (brightness {light / 255:.0%} of white). "
                "Film in good light, the whole body in view, with the athlete filling at least a third "
                "of the frame height.")
    return ("Nobody was found in this clip. Film the whole body, well lit, with the athlete "
            "filling at least a third of the frame height.")


CAPTURE_BURSTS = 5  # short runs of frames spread over the clip
CAPTURE_BURST_FRAMES = 10


def inspect_clip(clip: str | Path, model: str | None = None, capture_fps: float | None = None,
                 settings: Settings | None = None) -> dict:
    """Clip metadata plus a quick capture check on short runs of frames spread over the clip."""
    import numpy as np

    from formcheck.capture import check_capture
    from formcheck.pose.runner import sample_pose

    settings = settings or Settings(model=model, capture_fps=capture_fps)
    info = probe(clip, limits=settings.limits, capture_fps=settings.capture_fps)
    check_enough_frames(info)
    model_info = resolve_model(settings.model)
    last_start = max(info.frame_count - CAPTURE_BURST_FRAMES, 0)
    starts = np.unique(np.linspace(0, last_start, CAPTURE_BURSTS).round().astype(int))
    raw = sample_pose(info, str(model_info.path), starts, CAPTURE_BURST_FRAMES)
    capture = check_capture(info, raw.frames, raw.t_s)
    return {"video": video_summary(info), "capture": capture.to_dict(), "model": model_info.model_id}


def video_summary(info: VideoInfo) -> dict:
    """The clip's metadata as plain JSON values."""
    return {
        "path": str(info.path),
        "file_size_bytes": info.file_size_bytes,
        "codec": info.codec,
        "width": info.upright_width,
        "height": info.upright_height,
        "rotation_deg": info.rotation_deg,
        "fps": info.fps,
        "variable_frame_rate": info.is_variable_frame_rate,
        "capture_fps": info.capture_fps,
        "time_scale": info.time_scale,
        "frame_count": info.frame_count,
        "duration_s": info.duration_s,
    }


def analyze_running(clip: str | Path, settings: Settings | None = None, options=None,
                    progress: ProgressFn | None = None, pool: PosePool | None = None):
    """Pose, then the running analysis: returns (PoseAnalysis, RunningAnalysis)."""
    pose = analyze_pose(clip, settings, progress=progress, pool=pool)
    return pose, _running_of(pose, options, clip_timeline(pose))


def _running_of(pose: PoseAnalysis, options, timeline):
    """The running analysis of the pose, with the background's motion from the record cache."""
    from formcheck.running.analysis import RunningOptions, analyze_running_track

    options = options or RunningOptions()
    motion = background_motion(pose) if options.context != "treadmill" else None
    return analyze_running_track(pose, options, running_timing(pose, timeline), motion)


def background_motion(pose: PoseAnalysis, cache: PoseCache | None = None):
    """The background's motion behind the athlete (`video.motion.background_flow`, every
    `running.analysis.MOTION_STRIDE`-th frame pair), kept in the record cache by the clip's hash
    and the athlete's boxes: measuring it decodes the whole clip again, which a re-analysis with
    other settings (the same athlete) then does not."""
    from formcheck.running.analysis import MOTION_STRIDE
    from formcheck.running.context import athlete_boxes
    from formcheck.video.motion import BackgroundFlow, background_flow

    boxes = athlete_boxes(pose.track, pose.info.frame_count)
    boxes_sha = hashlib.sha256(np.nan_to_num(np.round(boxes, 1), nan=-1.0).tobytes()).hexdigest()
    cache = cache or PoseCache(cache_dir())
    key = record_key(f"motion:{MOTION_STRIDE}:{boxes_sha}", pose.clip_sha256, __version__)
    record = cache.load_json(key)
    if record is not None:
        try:
            return BackgroundFlow.from_record(record)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("ignoring an unreadable background-motion record: %s", exc)
    flow = background_flow(pose.info, boxes, stride=MOTION_STRIDE)
    try:
        cache.save_json(key, flow.to_record())
    except OSError as exc:  # a full or read-only cache costs the next analysis time, not this one
        log.warning("background motion not cached: %s", exc)
    return flow


def compare_clips(clip_a: str | Path, clip_b: str | Path, settings: Settings | None = None, options=None,
                  progress: ProgressFn | None = None, pool: PosePool | None = None):
    """Two running clips of one runner (e.g. treadmill, then outdoor): b against a."""
    sides = [_running_analysis(*analyze_running(clip, settings, options, progress, pool), "user", "compare")
             for clip in (clip_a, clip_b)]
    return compare_analyses(*sides, f"A ({Path(clip_a).name})", f"B ({Path(clip_b).name})")


def compare_analyses(a: "Analysis", b: "Analysis", a_label: str = "A", b_label: str = "B"):
    """b against a, two running or two exercise analyses: metrics that differ by more than the
    noise (`running.compare`, `exercises.compare`). Raises ValueError for mixed modes."""
    from formcheck.running.compare import ClipSide, compare

    if a.mode != b.mode or a.mode not in ("running", "exercise"):
        raise ValueError(f"one clip was analysed as {a.mode}, the other as {b.mode}: compare two running "
                         "clips or two exercise clips")
    if a.mode == "exercise":
        from formcheck.exercises.compare import compare_exercises

        return compare_exercises(a.exercise, b.exercise, a_label, b_label)
    sides = []
    for label, analysis in ((a_label, a), (b_label, b)):
        running, info = analysis.running, analysis.pose.info
        sides.append(ClipSide(label, running.strides, running.view.view, running.context.kind,
                              running.gait_mode.mode, info.capture_fps or info.fps))
    return compare(*sides)


MODES = ("auto", "run", "exercise")


@dataclass(frozen=True, eq=False)
class Analysis:
    """One clip, analysed in one mode, ready to show and export.

    mode: "running" or "exercise"; decided_by: "user" or "auto";
    reason: why this mode; pose: the PoseAnalysis; running: the RunningAnalysis
    (None in other modes); exercise: the ExerciseAnalysis (None in other modes);
    report: the neutral render.model.ReportModel (with the timeline as its `activity`); data: the machine-readable
    analysis (schema formcheck.running/1 or formcheck.exercise/2); timeline: the
    activity timeline (`activity.Timeline`) the automatic decision was read from,
    also computed, for the record, when the user chose the mode; routine: the
    `routine.analysis.Routine` when the clip holds two or more exercise sets (then `exercise`
    is its main exercise over all its sets); unsure: the
    automatic decision could not separate two candidates that lead to different
    analyses (the mode is the likelier one's, and `timeline.decision.ask` says
    what would settle it).
    """

    mode: str
    decided_by: str
    reason: str
    pose: PoseAnalysis
    report: object
    data: dict
    running: object = None
    exercise: object = None
    timeline: object = None
    unsure: bool = False
    routine: object = None


def clip_timeline(pose: PoseAnalysis):
    """The activity timeline of the athlete's cleaned track, split at the clip's shot cuts, with
    the frames that hold the previous picture."""
    from formcheck.activity.timeline import activity_timeline

    return activity_timeline(pose.track, shot_cuts(pose), repeated=pose.repeated or ())


def running_timing(pose: PoseAnalysis, timeline=None):
    """What the running analysis needs about the clip's time base (`events.timebase.ClipTiming`):
    the frames that repeat the previous picture, the shot cuts, and the timeline's reading of
    slow motion."""
    from formcheck.events.timebase import clip_timing

    hint = next((n for n in getattr(timeline, "notes", ()) if "slow motion" in n), "")
    return clip_timing(pose.track, pose.repeated or (), shot_cuts(pose), hint)


def shot_cuts(pose: PoseAnalysis) -> tuple[int, ...]:
    """Frames where a new shot starts (edited clips); () for a one-shot clip."""
    return pose.cuts or ()


def _found_cuts(info: VideoInfo, clip_sha: str, cache: PoseCache | None) -> tuple[int, ...]:
    """Shot cuts found by decoding the clip once more (video.cuts.find_cuts): only for pose
    results cached before the pose pass took them."""
    from formcheck.video.cuts import find_cuts

    return _found_by_decoding("cuts", "cut_frames", lambda: find_cuts(info).cut_frames, clip_sha, cache)


def _found_by_decoding(kind: str, field: str, find, clip_sha: str, cache: PoseCache | None) -> tuple[int, ...]:
    """Frame numbers `find()` gets by decoding the clip once more, kept in the record cache by
    clip hash (under `kind`, as `field`)."""
    from formcheck.cache import record_key

    key = record_key(kind, clip_sha, __version__)
    found = cache.load_json(key) if cache is not None else None
    if found is not None:
        return tuple(int(c) for c in found[field])
    frames = tuple(int(c) for c in find())
    if cache is not None:
        cache.save_json(key, {field: list(frames)})
    return frames


def _found_repeats(info: VideoInfo, clip_sha: str, cache: PoseCache | None) -> tuple[int, ...]:
    """Repeated frames found by decoding the clip once more (video.repeats): only for pose
    results cached before the pose pass measured them."""
    from formcheck.video.repeats import find_repeated_frames

    return _found_by_decoding("repeats", "repeated_frames", lambda: find_repeated_frames(info), clip_sha, cache)


def timeline_recognition(timeline):
    """The exercise recognition the timeline's decision amounts to: a catalog exercise, or
    'not recognised' for another exercise or an undecided choice (with the candidates)."""
    from formcheck.activity.model import OTHER_EXERCISE, UNSURE, label_title
    from formcheck.exercises.catalog import EXERCISES
    from formcheck.exercises.recognition import Recognition

    d = timeline.decision
    catalog = tuple((n, round(c, 2)) for n, c in d.candidates if n in EXERCISES)
    if d.label in EXERCISES:
        return Recognition(d.label, round(d.confidence, 2), catalog, False, d.reason)
    if d.label == OTHER_EXERCISE:
        why = "another exercise, not in the catalog: no catalog exercise matches the movement"
    elif d.label == UNSURE and len(d.candidates) >= 2:
        why = (f"not sure: {label_title(d.candidates[0][0]).lower()} or "
               f"{label_title(d.candidates[1][0]).lower()}? {d.ask}".strip())
    else:
        why = f"{label_title(d.label).lower()}: no exercise to recognise"
    return Recognition(None, round(d.confidence, 2), catalog, False, why)


def analyze(clip: str | Path, mode: str = "auto", settings: Settings | None = None, options=None,
            progress: ProgressFn | None = None, pool: PosePool | None = None,
            exercise_options=None) -> Analysis:
    """Analyse a clip in `mode` ("run", "exercise", or "auto": pose once, then the activity
    timeline decides, `analysis_from_timeline`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    pose = analyze_pose(clip, settings, progress=progress, pool=pool)
    timeline = clip_timeline(pose)
    if mode in ("auto", "run"):
        pose, timeline = _prefer_the_mover(pose, timeline)
    return analysis_from_timeline(pose, timeline, mode, options, exercise_options)


#: [H] People this close to the default athlete (presence x height) are near-ties: which of
#: them is the athlete is decided by what they do, not by a few per cent of size.
NEAR_TIE = 0.8
#: [H] A timeline this sure of gait makes its person the runner among near-ties.
SURE_GAIT = 0.6


def _prefer_the_mover(pose: PoseAnalysis, timeline):
    """Among people nearly as present and large as the default athlete, the one whose track
    shows running or walking, when the default's does not (issue: running mode follows the
    runner; a bystander who poses or stands does not outweigh the one who runs). The user's
    own choice (by number or point) is never overridden."""
    from formcheck.activity.timeline import activity_timeline

    choice = pose.settings.athlete
    if choice.index is not None or choice.point_px is not None or timeline.decision.mode == "running":
        return pose, timeline
    score = pose.athlete.presence * pose.athlete.height_px
    for person in pose.people:
        if person is pose.athlete or person.presence * person.height_px < NEAR_TIE * score:
            continue
        cleaned = clean_track(person.track, pose.settings.clean)
        other = activity_timeline(cleaned.track, timeline.cuts, repeated=pose.repeated or ())
        if other.decision.mode == "running" and other.decision.confidence >= SURE_GAIT:
            log.info("athlete: person %d, who %s, rather than person %d", person.person_id,
                     other.decision.label, pose.athlete.person_id)
            note = (f"{other.decision.label.capitalize()} person chosen: the larger person in view does not run "
                    "or walk (pick another athlete by number or by a point)")
            return replace(pose, athlete=person, clean=cleaned), replace(other, notes=(*other.notes, note))
    return pose, timeline


def analysis_from_timeline(pose: PoseAnalysis, timeline, mode: str = "auto", options=None,
                           exercise_options=None) -> Analysis:
    """The analysis a mode asks for ("run", "exercise") or, in "auto", the one the timeline's
    decision leads to: running for gait, exercise for an exercise (the timeline's label as
    the recognition; a routine set by set), and for an undecided clip the likelier candidate's,
    marked unsure."""
    from formcheck.activity.model import UNSURE
    from formcheck.activity.timeline import mode_of
    from formcheck.exercises.analysis import ExerciseOptions

    if mode == "run":
        return _running_analysis(pose, _running_of(pose, options, timeline), "user", "chosen by the user", timeline)
    if mode == "exercise":
        return _exercise_or_routine(pose, timeline, exercise_options or ExerciseOptions(), "user",
                                    "chosen by the user")
    d = timeline.decision
    unsure = d.mode == UNSURE
    chosen = next((mode_of(n) for n, _ in d.candidates if mode_of(n)), "exercise") if unsure else d.mode
    why = d.reason + (f". {d.ask}" if d.ask else "")
    if chosen == "running":
        return _running_analysis(pose, _running_of(pose, options, timeline), "auto", why, timeline, unsure)
    return _exercise_or_routine(pose, timeline, exercise_options or ExerciseOptions(), "auto", why, unsure)


def _exercise_or_routine(pose, timeline, opts, decided_by: str, why: str, unsure: bool = False) -> Analysis:
    """A routine (two or more sets, `routine.analysis`) set by set, every set the user's exercise
    when they named one; otherwise the one exercise of the whole clip, with the timeline's
    recognition when the user did not name it."""
    from dataclasses import replace as _replace

    from formcheck.exercises.analysis import analyze_exercise_track
    from formcheck.routine.analysis import analyze_routine, is_routine

    if is_routine(timeline):
        routine = analyze_routine(pose.track, timeline, opts)
        if routine is not None:
            return _routine_analysis(pose, routine, decided_by, why, timeline, unsure)
    if opts.exercise == "auto" and decided_by == "auto":
        opts = _replace(opts, recognition=timeline_recognition(timeline))
    return _exercise_analysis(pose, analyze_exercise_track(pose.track, opts), decided_by, why, timeline, unsure)


def _mode_record(value: str, decided_by: str, why: str, unsure: bool) -> dict:
    return {"value": value, "decided_by": decided_by, "reason": why, "unsure": unsure}


def _running_analysis(pose, running, decided_by: str, why: str, timeline=None, unsure: bool = False) -> Analysis:
    from formcheck.render.running_adapter import running_report_model
    from formcheck.running.report import running_json

    return _assemble("running", pose, running_json(running, pose), running_report_model(pose, running), decided_by,
                     why, timeline, unsure, running=running)


def _exercise_analysis(pose, exercise, decided_by: str, why: str, timeline=None, unsure: bool = False) -> Analysis:
    from formcheck.exercises.report import exercise_json
    from formcheck.render.exercise_adapter import exercise_report_model

    return _assemble("exercise", pose, exercise_json(exercise, pose), exercise_report_model(pose, exercise),
                     decided_by, why, timeline, unsure, exercise=exercise)


def _routine_analysis(pose, routine, decided_by: str, why: str, timeline=None, unsure: bool = False) -> Analysis:
    """A routine: the JSON and `exercise` of its main exercise (all its sets) with the whole
    routine beside them; the report shows the routine first, then a card per exercise."""
    from formcheck.exercises.report import exercise_json
    from formcheck.render.routine_adapter import routine_report_model
    from formcheck.routine.report import routine_json

    main = routine.main_exercise.analysis
    data = {**exercise_json(main, pose), "routine": routine_json(routine)}
    return _assemble("exercise", pose, data, routine_report_model(pose, routine), decided_by, why, timeline, unsure,
                     exercise=main, routine=routine)


def _assemble(mode: str, pose, data: dict, report, decided_by: str, why: str, timeline, unsure: bool,
              **result) -> Analysis:
    """One Analysis: the JSON with how the mode was decided, the timeline and the clip's warnings;
    the report model with the warnings among its notes and the timeline as its activity."""
    from formcheck.render.activity_adapter import with_activity

    data = {**data, "analysis_mode": _mode_record(mode, decided_by, why, unsure)}
    if timeline is not None:
        data["timeline"] = timeline.to_dict()
    report = with_activity(_with_warnings(report, pose.warnings), timeline, mode, decided_by)
    return Analysis(mode, decided_by, why, pose, report, _data_with_warnings(data, pose.warnings),
                    timeline=timeline, unsure=unsure, **result)


def _data_with_warnings(data: dict, warnings) -> dict:
    """The analysis JSON with "warnings": [{code, message}] (docs/bad_inputs.md)."""
    return {**data, "warnings": [w.to_dict() for w in warnings]}


def _with_warnings(report, warnings):
    """The report with each warning's message first among its notes."""
    return replace(report, notes=(*(w.message for w in warnings), *report.notes)) if warnings else report


def analyze_exercise(clip: str | Path, settings: Settings | None = None, options=None,
                     progress: ProgressFn | None = None, pool: PosePool | None = None):
    """Pose, then the exercise analysis: returns (PoseAnalysis, ExerciseAnalysis)."""
    from formcheck.exercises.analysis import ExerciseOptions, analyze_exercise_track

    pose = analyze_pose(clip, settings, progress=progress, pool=pool)
    return pose, analyze_exercise_track(pose.track, options or ExerciseOptions())
