#!/usr/bin/env python
"""The first decision, judged on every labelled clip: what a user gets in automatic mode.

    .venv/bin/python bench/accuracy.py [--clips ../shared/clips] [--no-synthetic] [--only NAME ...]

Real clips (`labels.json` beside them, plus the project's own `docs/ground_truth/labels.json`)
run through `pipeline.analyze(clip)` exactly as `formcheck analyze` runs them (pose cached
after the first run). Synthetic athletes (tests/synthetic_athlete.py, tests/synthetic_runner.py)
stand in for what no real clip shows (clamshell, band walks, single-leg bridge, exercises outside
the catalog, runners seen from behind or in front); they run through the same timeline and
exercise analysis from their landmark track, as the product does after pose.

Per clip it prints what the labels say, what FormCheck said and the verdicts:
* activity: running / walking / exercise as labelled (walking clips may come out as running
  mode with gait "walking"); an unsure answer is not right;
* label (exercise clips): the catalog exercise named, or "not recognised" for an exercise
  outside the catalog (labelled "other");
* confidently wrong: an activity or an exercise named wrongly without saying "not sure";
* reps: exact count, where the exercise was named right and the labels count reps (for an
  exercise outside the catalog, the whole-body repetitions counted without checks);
* cadence: within 2% of the labelled cadence (video time); a slow-motion clip also counts
  when FormCheck says it looks like slow motion.
Last line: `accuracy: activity A/N label L/M confidently_wrong W reps R/K cadence C/J`.
With --reliability, a table of stated confidence against how often the answer was right.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

CADENCE_TOLERANCE = 0.02


@dataclass
class Case:
    name: str
    truth: dict
    path: Path | None = None
    track: object = None  # a synthetic PoseTrack


@dataclass
class Outcome:
    name: str
    truth: dict
    activity: str = ""
    label: str | None = None  # catalog name, "other" (not recognised) or None (not an exercise)
    confidence: float = 0.0
    unsure: bool = False
    reps: int | None = None
    cadence: float | None = None
    slow_motion: bool = False
    seconds: float = 0.0
    error: str = ""
    verdicts: dict = field(default_factory=dict)


def load_labels(clips: Path) -> list[Case]:
    """One case per labelled clip: `labels.json` beside the clips, then the project's own ground
    truth, whose fields add to (or correct) the shared entry of the same clip."""
    merged: dict[str, dict] = {}
    for source in (clips / "labels.json", REPO / "docs" / "ground_truth" / "labels.json"):
        if not source.is_file():
            continue
        for name, truth in json.loads(source.read_text()).items():
            if not name.startswith("_"):
                merged[name] = {**merged.get(name, {}), **truth}
    return [Case(name, truth, path=clips / name) for name, truth in merged.items() if (clips / name).is_file()]


def synthetic_cases() -> list[Case]:
    """Synthetic athletes with known answers (say so in every figure that uses them)."""
    from synthetic_athlete import CameraSpec, RecordingSpec, make_exercise_clip
    from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run

    cases = []
    catalog = [("clamshell", "foot_end"), ("lateral_band_walk", "front"), ("monster_walk", "front"),
               ("single_leg_bridge", "side"), ("glute_bridge", "side"), ("squat", "front"),
               ("standing_hip_abduction", "front"), ("fire_hydrant", "foot_end"), ("donkey_kick", "side"),
               ("hip_thrust", "side"), ("forward_lunge", "side"), ("walking_lunge", "side"),
               ("lateral_lunge", "front")]
    others = [("jump_squat", "front")]
    for exercise, view in catalog + others:
        try:
            track, truth = make_exercise_clip(exercise, view, recording=RecordingSpec(seed=3))
        except (ValueError, KeyError, TypeError) as exc:  # a movement the generator does not have (yet)
            print(f"# synthetic {exercise}: not generated ({exc})")
            continue
        label = exercise if (exercise, view) in catalog else "other"
        cases.append(Case(f"synthetic:{exercise}:{view}", {"activity": "exercise", "exercise": label,
                                                           "reps": len(truth.full_reps), "view": view,
                                                           "synthetic": True}, track=track))
    for view, fps in (("rear", 60.0), ("front", 30.0), ("side", 240.0)):
        track, _ = synthetic_run(RunnerParams(), Camera(view=view),
                                 Recording(fps=fps, duration_s=6.0, noise_px=1.0, seed=2))
        cases.append(Case(f"synthetic:running:{view}:{fps:g}fps", {"activity": "running", "view": view,
                                                                   "synthetic": True}, track=track))
    # A runner filmed at 120 / 240 frames/s and played at 24 (5x and 10x slow motion, no held
    # pictures): video-time cadence 34 and 17 steps/min. Right is "running" and "slow motion".
    from dataclasses import replace

    for slow, fps in ((5, 120.0), (10, 240.0)):
        track, _ = synthetic_run(RunnerParams(), Camera(view="side"),
                                 Recording(fps=fps, duration_s=12.0 / slow, noise_px=1.0, seed=2))
        track = replace(track, t_s=track.t_s * slow)
        cases.append(Case(f"synthetic:running:side:{slow}x-slow-motion",
                          {"activity": "running", "view": "side", "slowmo": True,
                           "cadence_spm": RunnerParams().cadence_spm / slow, "synthetic": True}, track=track))
    return cases


def run_real(case: Case) -> Outcome:
    from formcheck import pipeline

    out = Outcome(case.name, case.truth)
    started = time.perf_counter()
    try:
        analysis = pipeline.analyze(case.path, "auto")
    except Exception as exc:  # a benchmark reports every failure and goes on
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    out.seconds = time.perf_counter() - started
    _fill(out, analysis.mode, analysis.exercise, analysis.running, getattr(analysis, "timeline", None),
          getattr(analysis, "unsure", False))
    return out


def run_synthetic(case: Case) -> Outcome:
    from formcheck.activity.timeline import activity_timeline
    from formcheck.exercises.analysis import ExerciseOptions, analyze_exercise_track
    from formcheck.pipeline import timeline_recognition

    out = Outcome(case.name, case.truth)
    started = time.perf_counter()
    timeline = activity_timeline(case.track)
    d = timeline.decision
    exercise = None
    mode = d.mode
    if d.mode == "unsure":
        from formcheck.activity.timeline import mode_of

        mode = next((mode_of(n) for n, _ in d.candidates if mode_of(n)), "exercise")
    if mode == "exercise":
        exercise = analyze_exercise_track(case.track, ExerciseOptions(recognition=timeline_recognition(timeline)))
    out.seconds = time.perf_counter() - started
    _fill(out, mode, exercise, None, timeline, d.mode == "unsure")
    return out


def _fill(out: Outcome, mode: str, exercise, running, timeline, unsure: bool) -> None:
    out.unsure = bool(unsure)
    if timeline is not None:
        out.confidence = float(timeline.decision.confidence)
        out.slow_motion = any("slow motion" in n for n in timeline.notes)
    if mode == "running":
        gait = running.gait_mode.mode if running is not None else ""
        label = timeline.decision.label if timeline is not None else ""
        out.activity = "walking" if (gait == "walking" or label == "walking") else "running"
        if running is not None:
            cad = running.summary.get("cadence_spm")
            if cad is not None and cad.n > 0 and np.isfinite(cad.median):
                out.cadence = float(cad.median)
    else:
        out.activity = "exercise"
        rec = exercise.recognition
        out.label = rec.name or "other"
        if timeline is None:
            out.confidence = float(rec.confidence)
        generic = (exercise.generic or {}).get("generic_reps") or {}
        out.reps = len(exercise.reps) if rec.name else generic.get("count")


def judge(out: Outcome) -> Outcome:
    t = out.truth
    v = {}
    if out.error:
        out.verdicts = {"activity": False, "wrong": True}
        return out
    truth_activity = t.get("activity")
    activity_ok = out.activity == truth_activity
    v["activity"] = activity_ok and not out.unsure
    wrong = not activity_ok and not out.unsure
    if truth_activity == "exercise" and t.get("exercise") and out.activity == "exercise":
        v["label"] = out.label == t["exercise"] and not (out.unsure and out.label != "other")
        wrong = wrong or (out.label not in (t["exercise"], "other") and not out.unsure)
        if t["exercise"] == "other" and out.label not in ("other", None) and not out.unsure:
            wrong = True
        if v["label"] and t.get("reps") is not None:
            v["reps"] = out.reps == t["reps"]  # another exercise: the generic repetitions
    elif truth_activity == "exercise" and t.get("exercise"):
        v["label"] = False
    if t.get("cadence_spm") is not None and truth_activity in ("running", "walking"):
        ok = out.cadence is not None and abs(out.cadence - t["cadence_spm"]) <= CADENCE_TOLERANCE * t["cadence_spm"]
        v["cadence"] = ok or (bool(t.get("slowmo")) and out.slow_motion)
    v["wrong"] = wrong
    out.verdicts = v
    return out


def _line(o: Outcome) -> str:
    t = o.truth
    truth = f"{t.get('activity')}" + (f"/{t['exercise']}" if t.get("exercise") else "") + (
        f" reps {t['reps']}" if t.get("reps") is not None else "") + (
        f" cad {t['cadence_spm']:.1f}" if t.get("cadence_spm") is not None else "")
    got = o.error or (f"{o.activity}" + (f"/{o.label}" if o.label else "") + f" conf {o.confidence:.2f}" +
                      (" UNSURE" if o.unsure else "") + (f" reps {o.reps}" if o.reps is not None else "") +
                      (f" cad {o.cadence:.1f}" if o.cadence is not None else "") +
                      (" slow-motion" if o.slow_motion else ""))
    verdicts = " ".join(f"{k}={'ok' if val else 'NO'}" for k, val in o.verdicts.items() if k != "wrong")
    flag = "  CONFIDENTLY WRONG" if o.verdicts.get("wrong") else ""
    return f"{o.name:42s} truth {truth:32s} got {got:44s} {verdicts}{flag} ({o.seconds:.1f} s)"


def reliability(outcomes: list[Outcome]) -> list[str]:
    """Stated confidence against how often the first decision (activity and label) was right."""
    rows = ["confidence  answers  right"]
    bins = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    for lo, hi in bins:
        inside = [o for o in outcomes if lo <= o.confidence < hi and not o.error]
        right = [o for o in inside if o.verdicts.get("activity") and o.verdicts.get("label", True)]
        share = f"{len(right) / len(inside):.0%}" if inside else "-"
        rows.append(f"{lo:.1f}-{min(hi, 1.0):.1f}     {len(inside):7d}  {len(right):3d} ({share})")
    return rows


def summary(outcomes: list[Outcome]) -> str:
    def count(key):
        have = [o for o in outcomes if key in o.verdicts]
        return sum(bool(o.verdicts[key]) for o in have), len(have)

    a, n = count("activity")
    lab, m = count("label")
    r, k = count("reps")
    c, j = count("cadence")
    w = sum(bool(o.verdicts.get("wrong")) for o in outcomes)
    return f"accuracy: activity {a}/{n} label {lab}/{m} confidently_wrong {w} reps {r}/{k} cadence {c}/{j}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--clips", type=Path, default=REPO.parent / "shared" / "clips")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of cases to run")
    parser.add_argument("--reliability", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    cases = load_labels(args.clips) + ([] if args.no_synthetic else synthetic_cases())
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    outcomes = []
    for case in cases:
        out = judge(run_real(case) if case.path is not None else run_synthetic(case))
        print(_line(out), flush=True)
        outcomes.append(out)
    real = [o for o in outcomes if not o.truth.get("synthetic")]
    synth = [o for o in outcomes if o.truth.get("synthetic")]
    if synth:
        print("real clips only:      " + summary(real))
        print("synthetic only:       " + summary(synth))
    if args.reliability:
        print("\n".join(reliability(outcomes)))
    print(summary(outcomes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
