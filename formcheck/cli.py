"""`formcheck` command line: a thin shell over `formcheck.pipeline`.

Every user-caused problem arrives as a FormCheckError and is printed as
its plain message with exit status 2; nothing here analyses anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from formcheck.errors import FormCheckError

EXIT_USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose or args.command == "setup" else logging.WARNING,
                        format="%(message)s" if args.command == "setup" else "%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except FormCheckError as exc:
        print(f"formcheck: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ValueError as exc:  # a setting out of range, named by the validator
        print(f"formcheck: invalid setting: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="formcheck", description="Hip-knee alignment from a phone video.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup", help="fetch and verify the pose model(s) and the sample clips")
    p.add_argument("--model", choices=["full", "heavy", "all"], default="full")
    p.add_argument("--no-samples", action="store_true", help="skip the sample clips")
    p.set_defaults(func=_cmd_setup)

    p = sub.add_parser("info", help="clip metadata and a first capture check")
    p.add_argument("clip", type=Path)
    _limit_option(p)
    p.add_argument("--model", default=None, help="full, heavy, or a .task path (default: FORMCHECK_MODEL, else full)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--capture-fps", type=float, default=None, help="real capture rate of a slow-motion clip")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("pose", help="the athlete's cleaned pose track")
    p.add_argument("clip", type=Path)
    _limit_option(p)
    p.add_argument("--model", default=None, help="full, heavy, or a .task path (default: FORMCHECK_MODEL, else full)")
    p.add_argument("--out", type=Path, help="write the track as .npz")
    p.add_argument("--csv", type=Path, help="write the track as .csv (one row per frame)")
    p.add_argument("--workers", type=int, default=0, help="processes (0 = one per core)")
    p.add_argument("--num-poses", type=int, default=2,
                   help="people tracked per frame (1 is ~40%% faster for a clip with one person)")
    p.add_argument("--athlete", type=int, default=None, help="person rank (0 = most present and largest)")
    p.add_argument("--point", type=str, default=None, help="X,Y pixel of the athlete in the first frame with people")
    p.add_argument("--capture-fps", type=float, default=None, help="real capture rate of a slow-motion clip")
    p.add_argument("--no-cache", action="store_true", help="run inference even if a cached result exists")
    p.add_argument("--raw", action="store_true", help="export the track before cleaning")
    p.set_defaults(func=_cmd_pose)

    p = sub.add_parser("run", help="running analysis: gait events, metrics per stride, cues")
    p.add_argument("clip", type=Path)
    _running_options(p)
    p.add_argument("--json", type=Path, help="write the analysis as JSON (schema formcheck.running/1)")
    p.add_argument("--csv", type=Path, help="write one row per stride")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("analyze", help="everything for one clip: annotated video, report, JSON, CSV, key frames")
    p.add_argument("clip", type=Path)
    _limit_option(p)
    p.add_argument("--mode", choices=["auto", "run", "exercise"], default="auto",
                   help="auto: running when the clip shows running or walking steps")
    p.add_argument("--out", type=Path, required=True, help="output folder (written whole at the end)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    p.add_argument("--slowmo", action="store_true", help="also write slowmo.mp4: ±0.3 s around each contact (running) or rep peak (exercise), 1/4 speed")
    p.add_argument("--exercise", default="auto",
                   help="auto, or the exercise in the clip (analysed as that exercise): " + ", ".join(_exercise_names()))
    p.add_argument("--view", choices=["auto", *_exercise_views()], default="auto",
                   help="where the phone stood around the body (default: estimated); foot_end is for exercises")
    p.add_argument("--context", choices=["auto", "treadmill", "overground"], default="auto", help="running only")
    p.add_argument("--model", default=None, help="full, heavy, or a .task path")
    _capture_option(p)
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("exercise", help="exercise analysis: recognise, count reps, check alignment rep by rep")
    p.add_argument("clip", type=Path)
    _limit_option(p)
    p.add_argument("--exercise", default="auto", help="auto, or one of: " + ", ".join(_exercise_names()))
    p.add_argument("--view", choices=["auto", *_exercise_views()], default="auto",
                   help="where the phone stood around the body (default: estimated)")
    p.add_argument("--model", default=None, help="full, heavy, or a .task path")
    p.add_argument("--json", type=Path, help="write the analysis as JSON (schema formcheck.exercise/2)")
    p.add_argument("--csv", type=Path, help="write one row per rep")
    _capture_option(p)
    p.set_defaults(func=_cmd_exercise)

    p = sub.add_parser("batch", help="many clips (files or folders) into the coach's library, on Ray")
    p.add_argument("paths", nargs="+", help="clips, or folders searched for clips")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--athlete", default=None, help="the athlete of every clip (added if new)")
    who.add_argument("--athlete-from-folder", action="store_true",
                     help="each clip's athlete is the name of its folder (else: Unassigned)")
    _limit_option(p)
    p.add_argument("--mode", choices=["auto", "run", "exercise"], default="auto")
    p.add_argument("--exercise", default="auto", help="auto, or one of: " + ", ".join(_exercise_names()))
    p.add_argument("--view", choices=["auto", *_exercise_views()], default="auto")
    p.add_argument("--context", choices=["auto", "treadmill", "overground"], default="auto", help="running only")
    p.add_argument("--model", default=None, help="full, heavy, or a .task path")
    _capture_option(p)
    p.add_argument("--data-only", action="store_true",
                   help="keep the numbers only (analysis.json, CSVs): no annotated video, key frames or report")
    p.add_argument("--exports", type=Path, default=None,
                   help="also write each clip's files (video, report, JSON, CSV) to DIR/<clip>-<hash>/")
    p.add_argument("--workers", type=int, default=0, help="clips analysed at once (0 = one per core)")
    p.add_argument("--address", default=None,
                   help="join a running Ray cluster (auto, or ray://HOST:PORT); default: a local Ray for this run")
    p.add_argument("--library", default=None, help="library database URL (default: DATABASE_URL, else SQLite)")
    p.add_argument("--summary", type=Path, default=None, help="where to write the closing table as CSV")
    p.add_argument("--retry-failed", action="store_true", help="analyse again the clips that failed before")
    p.add_argument("--progress-file", type=Path, default=None, metavar="FILE",
                   help="keep FILE (JSON, replaced atomically) saying where the run is, then how it ended "
                        "(the app's Library page reads it)")
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("compare", help="two running clips of one runner (e.g. treadmill, outdoor)")
    p.add_argument("clip_a", type=Path)
    p.add_argument("clip_b", type=Path)
    _running_options(p)
    p.add_argument("--json", type=Path, help="write the comparison as JSON")
    p.set_defaults(func=_cmd_compare)
    return parser


def _exercise_names() -> list[str]:
    from formcheck.exercises.catalog import EXERCISES

    return list(EXERCISES)


def _exercise_views() -> list[str]:
    from formcheck.exercises.catalog import VIEWS

    return list(VIEWS)


class _OptionError(FormCheckError):
    """A command-line option the user can correct."""


def _limit_option(p) -> None:
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="raise or lower a clip limit: max_file_mb, max_duration_s, max_pixels, max_frames "
                        "(defaults 2000 MB, 600 s, 3840x2160, 36000; also FORMCHECK_MAX_* variables)")


def _limits(args):
    """The clip limits: defaults, then FORMCHECK_MAX_* variables, then --limit NAME=VALUE."""
    from formcheck.video.limits import VideoLimits

    values = {}
    for item in args.limit:
        name, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise _OptionError(f"--limit {item}: write it as NAME=VALUE, e.g. --limit max_duration_s=900.")
        values[name.strip()] = value
    try:
        return VideoLimits.from_env().with_values(values, where="--limit")
    except ValueError as exc:
        raise _OptionError(f"{exc}.") from None


def _exercise_options(exercise: str, view: str):
    """The exercise options of `formcheck exercise` and `formcheck analyze` (one validation,
    one message: the option's own, e.g. the list of known exercises)."""
    from formcheck.exercises.analysis import ExerciseOptions

    try:
        return ExerciseOptions(exercise=exercise, view=view)
    except ValueError as exc:
        raise _OptionError(str(exc)) from None


def _cmd_exercise(args) -> int:
    from formcheck.exercises.report import write_reps_csv
    from formcheck.pipeline import analyze
    from formcheck.progress import ProgressBar
    from formcheck.routine.report import write_routine_reps_csv
    from formcheck.settings import Settings

    options = _exercise_options(args.exercise, args.view)
    result = analyze(args.clip, "exercise", Settings(model=args.model, limits=_limits(args), capture_fps=args.capture_fps),
                     progress=ProgressBar("pose"), exercise_options=options)
    data = result.data
    if args.json:
        _write_json(args.json, data)
    if args.csv:
        if result.routine is not None:
            write_routine_reps_csv(result.routine, args.csv)
        else:
            write_reps_csv(result.exercise, args.csv)
    print(_format_timeline(data["timeline"]))
    print(_format_exercise(data))
    ask = _ask(data["timeline"]) if args.exercise == "auto" else ""
    if ask:
        print(ask)
    return 0


def _format_timeline(timeline: dict) -> str:
    """One line per segment: times, frames, title, confidence, view (and shot of an edited clip)."""
    segments = timeline["segments"]
    if not segments:
        return "timeline: the athlete was not seen long enough to say what they do"
    width = max(len(s["title"]) for s in segments)
    times = [f"{s['start_s']:.1f}-{s['end_s']:.1f} s" for s in segments]
    frames = [f"frames {s['start_frame']}-{s['end_frame']}" for s in segments]
    lines = [f"timeline ({len(segments)} segment{'s' if len(segments) != 1 else ''}"
             + (f", {'shot cuts at frames' if len(timeline['cuts']) > 1 else 'a shot cut at frame'} "
                f"{', '.join(map(str, timeline['cuts']))}" if timeline["cuts"] else "") + "):"]
    for s, t, f in zip(segments, times, frames):
        view = f"  {s['view']} view ({s['view_confidence']:.2f})" if s["view"] != "unknown" else ""
        shot = f"  shot {s['shot'] + 1}" if timeline["cuts"] else ""
        lines.append(f"  {t:>{max(map(len, times))}}  {f:<{max(map(len, frames))}}  {s['title']:<{width}}  "
                     f"{s['confidence']:.2f}{shot}{view}")
    return "\n".join(lines)


def _ask(timeline: dict) -> str:
    """When the timeline's decision is unsure: what would settle it, set apart ("" when sure)."""
    decision = timeline["decision"]
    if decision["label"] != "unsure" or not decision["ask"]:
        return ""
    if decision["ask"].startswith("Not sure"):  # it names the candidates itself
        return f"\n>>> {decision['ask']}"
    candidates = " or ".join(c["label"].replace("_", " ") for c in decision["candidates"][:2])
    return f"\n>>> Not sure: {candidates}? {decision['ask']}"


def _format_routine(routine: dict) -> str:
    """The routine first: one line per exercise (sets, reps per side, time under work, main
    fault), then the sets in time order and the breaks."""
    totals = routine["totals"]
    def n(k: int, word: str) -> str:
        return f"{k} {word}{'s' if k != 1 else ''}"

    lines = [f"routine: {n(totals['exercises'], 'exercise')}, {n(totals['sets'], 'set')}, {n(totals['reps'], 'rep')}, "
             f"{totals['work_s']:.0f} s under work" + (f", {n(totals['breaks'], 'break')} ({totals['break_s']:.0f} s)"
                                                       if totals["breaks"] else "")]
    for k, card in enumerate(routine["exercises"], 1):
        per_side = ", ".join(f"{s} {n}" for s, n in card["reps_per_side"].items()) or "none"
        lines.append(f"  {k}. {card['title']}: {len(card['sets'])} set{'s' if len(card['sets']) != 1 else ''}, "
                     f"{n(card['reps_count'], 'rep')} ({per_side}), {card['view'].replace('_', ' ')} view; "
                     f"main fault: {card['main_fault_text']}")
    for item in routine["order"]:
        card = routine["exercises"][item["exercise"]]
        st = card["sets"][item["set"] - 1]
        lines.append(f"    {item['start_s']:6.1f}-{item['end_s']:6.1f} s  {card['title']}, set {item['set']}: "
                     f"{n(st['reps'], 'rep')}")
    return "\n".join(lines)


def _format_exercise(data: dict) -> str:
    if data.get("routine"):
        return _format_routine(data["routine"]) + "\nmain exercise, all its sets:\n" + _format_one_exercise(data)
    return _format_one_exercise(data)


def _format_one_exercise(data: dict) -> str:
    ex, view, summary = data["exercise"], data["view"], data["summary"]
    name = ex["title"] or "not recognised"
    lines = [f"exercise: {name} (confidence {ex['confidence']:.2f}{', set by you' if ex['set_by_user'] else ''}); "
             f"alternatives: " + ", ".join(f"{a['name']} {a['confidence']:.2f}" for a in ex["alternatives"]),
             f"view: {view['value']} (confidence {view['confidence']:.2f})"
             + ("" if view["supported"] or not ex["name"] else " - not a view this exercise is analysed from")]
    if ex["name"]:
        per_side = ", ".join(f"{s} {n}" for s, n in summary["reps_per_side"].items())
        lines.append(f"reps: {summary['reps']} ({per_side or 'none'}); partial: {summary['partial_reps']}; "
                     f"mean score: {summary['score_mean']}")
        for r in data["reps"]:
            faults = ", ".join(sorted({f["fault"] for f in r["faults"]})) or "-"
            lines.append(f"  rep {r['number']:>2} {r['side']:<5} frames {r['start_frame']}-{r['end_frame']} "
                         f"{r['duration_s']:.1f} s  range {r['range']} {r['range_unit']}  score "
                         f"{r['score']['total']}  faults: {faults}")
    for cue in data["cues"]:
        tag = f" [{cue['evidence']}]" if cue["evidence"] else ""
        lines.append(f"- {cue['message']}{tag}")
    return "\n".join(lines)


def _capture_option(p) -> None:
    p.add_argument("--capture-fps", type=float, default=None,
                   help="frames per second a slow-motion clip was captured at, when its file does not say "
                        "(without it such a clip gets no cadence or contact times)")


def _running_options(p) -> None:
    _limit_option(p)
    _capture_option(p)
    p.add_argument("--view", choices=["auto", "side", "rear", "front"], default="auto")
    p.add_argument("--context", choices=["auto", "treadmill", "overground"], default="auto")
    p.add_argument("--model", default=None, help="full, heavy, or a .task path")


def _cmd_run(args) -> int:
    from formcheck.pipeline import analyze_running
    from formcheck.progress import ProgressBar
    from formcheck.running.analysis import RunningOptions
    from formcheck.running.report import running_json, write_strides_csv
    from formcheck.settings import Settings

    pose, running = analyze_running(args.clip, Settings(model=args.model, limits=_limits(args), capture_fps=args.capture_fps),
                                    RunningOptions(view=args.view, context=args.context), ProgressBar("pose"))
    data = running_json(running, pose)
    if args.json:
        _write_json(args.json, data)
    if args.csv:
        write_strides_csv(running, args.csv)
    print(_format_running(data))
    return 0


def _cmd_analyze(args) -> int:
    from formcheck.export import check_output_dir, export_analysis
    from formcheck.pipeline import analyze
    from formcheck.progress import ProgressBar
    from formcheck.running.analysis import VIEW_CHOICES as RUNNING_VIEWS
    from formcheck.running.analysis import RunningOptions
    from formcheck.settings import Settings

    mode = args.mode
    exercise_options = _exercise_options(args.exercise, args.view)
    if mode == "run" and args.exercise != "auto":
        raise _OptionError(f"--exercise {args.exercise} names an exercise; it does not go with --mode run.")
    if args.view not in RUNNING_VIEWS and mode == "run":
        raise _OptionError(f"--view {args.view} is an exercise view; a run is filmed from the side, from the "
                           "front or from behind (--view side, front or rear).")
    if mode == "auto" and (args.exercise != "auto" or args.view not in RUNNING_VIEWS):
        mode = "exercise"  # a named exercise, or a view only exercises are filmed from (the feet end)
    check_output_dir(args.out, args.overwrite)  # before minutes of pose, not after
    running_view = args.view if args.view in RUNNING_VIEWS else "auto"
    result = analyze(args.clip, mode, Settings(model=args.model, limits=_limits(args), capture_fps=args.capture_fps),
                     RunningOptions(view=running_view, context=args.context), ProgressBar("pose"),
                     exercise_options=exercise_options)
    done = export_analysis(result, args.out, progress=ProgressBar("video"), slowmo=args.slowmo,
                           overwrite=args.overwrite)
    timeline = result.data.get("timeline")
    if timeline:
        print(_format_timeline(timeline))
    print(_format_running(result.data) if result.mode == "running" else _format_exercise(result.data))
    for warning in result.data.get("warnings", []):
        print(f"! {warning['message']}")
    print(f"{result.mode} ({result.decided_by}: {result.reason}); wrote {done.out_dir}/: {', '.join(done.files)} "
          f"(video {done.video.frames} frames at {done.video.frames_per_s:.0f} frames/s, "
          f"report {done.report_bytes / 1e6:.1f} MB)")
    ask = _ask(timeline) if timeline and result.decided_by == "auto" else ""
    if ask:
        print(ask)
    return 0


def _cmd_batch(args) -> int:
    from formcheck.batch.command import run_command

    exercise_options = _exercise_options(args.exercise, args.view)  # the same checks as `analyze`
    return run_command(args, _limits(args), exercise_options)


def _cmd_compare(args) -> int:
    from formcheck.pipeline import compare_clips
    from formcheck.progress import ProgressBar
    from formcheck.running.analysis import RunningOptions
    from formcheck.settings import Settings

    result = compare_clips(args.clip_a, args.clip_b, Settings(model=args.model, limits=_limits(args), capture_fps=args.capture_fps),
                           RunningOptions(view=args.view, context=args.context), ProgressBar("pose"))
    data = result.to_dict()
    if args.json:
        _write_json(args.json, data)
    lines = [f"B against A: {result.b} vs {result.a}"]
    lines += [f"  ! {w}" for w in result.warnings]
    for m in result.metrics:
        if m.verdict == "different":
            lines.append(f"  {m.name}: {m.a_median:.1f} -> {m.b_median:.1f} {m.unit} "
                         f"(difference {m.difference:+.1f}, 95% CI {m.ci95[0]:+.1f} to {m.ci95[1]:+.1f})")
    if not result.differences:
        lines.append("  No difference larger than the measurement noise.")
    print("\n".join(lines))
    return 0


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def _format_running(data: dict) -> str:
    lines = [f"{data['clip']['path']}: {data['gait_mode']['value']}, {data['view']['value']} view, "
             f"{data['context']['value']} ({len(data['strides'])} strides)"]
    base = data.get("time_base") or {}
    if base.get("slow_motion"):
        lines.append(f"  ! {base['reason']}")
    cadence = data.get("cadence") or {}
    for name, m in data["summary"].items():
        if m["value"] is None:
            continue
        if name == "cadence_spm" and cadence.get("steps"):
            low, high = cadence["ci95"]
            lines.append(f"  {m['label']}: {m['value']:.1f} {m['unit']} (95% {low:.1f}-{high:.1f}, "
                         f"{cadence['steps']} steps in {cadence['span_s']:.1f} s"
                         f"{', %d inferred' % cadence['inferred_steps'] if cadence['inferred_steps'] else ''}) "
                         f"[{m['evidence']}]")
            continue
        lines.append(f"  {m['label']}: {m['value']:.1f} {m['unit']} (spread {m['spread']}, n={m['n']}) "
                     f"[{m['evidence']}]")
    lines += [f"  - {c['message']}" for c in data["cues"] if c["kind"] != "not_measurable"]
    lines += [f"  (not measurable: {n['metric']}: {n['reason']})" for n in data["not_measurable"][:3]]
    return "\n".join(lines)


def _cmd_setup(args) -> int:
    from formcheck.setup import run_setup

    models = ("full", "heavy") if args.model == "all" else (args.model,)
    report = run_setup(models=models, samples=not args.no_samples)
    print(report.summary())
    return 0


def _cmd_info(args) -> int:
    from formcheck.pipeline import inspect_clip
    from formcheck.settings import Settings

    result = inspect_clip(args.clip, settings=Settings(model=args.model, capture_fps=args.capture_fps,
                                                        limits=_limits(args)))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_format_info(result))
    return 0


def _cmd_pose(args) -> int:
    from formcheck.pipeline import analyze_pose
    from formcheck.progress import ProgressBar
    from formcheck.settings import Settings
    from formcheck.track_io import save_track_csv, save_track_npz

    athlete = {}
    if args.athlete is not None:
        athlete["index"] = args.athlete
    if args.point:
        athlete["point_px"] = [float(v) for v in args.point.split(",")]
    settings = Settings.from_dict({"model": args.model, "capture_fps": args.capture_fps,
                                   "run": {"workers": args.workers}, "athlete": athlete,
                                   "landmarker": {"num_poses": args.num_poses}, "limits": _limits(args)})
    analysis = analyze_pose(args.clip, settings, progress=ProgressBar("pose"), use_cache=not args.no_cache)
    track = analysis.athlete.track if args.raw else analysis.track
    summary = _pose_summary(analysis)
    if args.out:
        save_track_npz(track, args.out, meta=analysis.provenance())
        summary["out"] = str(args.out)
    if args.csv:
        save_track_csv(track, args.csv)
        summary["csv"] = str(args.csv)
    print(json.dumps(summary, indent=2))
    return 0


def _pose_summary(analysis) -> dict:
    info, track = analysis.info, analysis.track
    return {
        "clip": str(info.path),
        "model": analysis.model.model_id,
        "frames": len(track),
        "people_seen": len(analysis.people),
        "athlete": {"person_id": analysis.athlete.person_id, "presence": round(analysis.athlete.presence, 3),
                    "height_px": round(analysis.athlete.height_px, 1)},
        "frames_with_pose": int(analysis.athlete.track.detected_frames.sum()),
        "swaps_repaired": int(len(analysis.clean.swapped_frames)),
        "cutoff_hz": analysis.clean.cutoff_hz,
        "from_cache": analysis.from_cache,
        "seconds": round(analysis.seconds, 2),
        "warnings": [w.to_dict() for w in analysis.warnings],
    }


def _format_info(result: dict) -> str:
    video, capture = result["video"], result["capture"]
    lines = [f"{video['path']}",
             f"  {video['codec']} {video['width']}x{video['height']} (rotation {video['rotation_deg']} deg), "
             f"{video['fps']:.2f} frames/s{' (variable)' if video['variable_frame_rate'] else ''}, "
             f"{video['frame_count']} frames, {video['duration_s']:.2f} s"]
    if video.get("capture_fps") and video.get("time_scale", 1.0) != 1.0:
        lines.append(f"  slow motion: captured at {video['capture_fps']:.0f} frames/s "
                     f"(real time = playback x {video['time_scale']:.3f})")
    lines.append(f"  people: {capture['people_count']}, athlete height {capture['subject_height_fraction']:.0%} "
                 f"of frame, view: {capture['view']}"
                 f"{' facing ' + capture['facing'] if capture['facing'] else ''} "
                 f"(confidence {capture['view_confidence']:.2f}, {capture['frames_with_person']}/"
                 f"{capture['frames_sampled']} frames with a person)")
    lines.append(f"  model: {result['model']}")
    lines += [f"  ! {w}" for w in capture["warnings"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
