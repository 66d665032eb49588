#!/usr/bin/env python
"""Whole warm-ups in one clip, judged as a user would: the exercises in order, the reps of each.

    .venv/bin/python bench/routine_accuracy.py [--clips ../shared/clips] [--no-real]

Synthetic routines (tests/synthetic_routine.py: sets of the synthetic athlete back to back, one
camera, the athlete changing position between parts) run through the timeline and the routine
analysis from their landmark track, as the product does after pose, clean and noisy (1.5x the
pixel noise, 2% of landmarks dropped). The real routine is made of real clips back to back
(tests/routine_video.py `SQUAT_RAISE_SQUAT`: a squat set, a sideways leg raise, another squat set,
with 4-s held pictures between; rep peaks from the labels) and runs through `pipeline.analyze(clip)` as `formcheck analyze`
runs it (pose cached after the first run).

Per routine it prints the truth and what FormCheck said, and three verdicts:
* order: the exercises in the order they first appear, as in the truth (for the real routine,
  each exercise's sets and their rep counts too); an exercise outside the catalog must come out
  as one item "not recognised" (other or unsure), never named;
* reps: each catalog exercise's reps per side exact (its sets together);
* confidently wrong: a catalog exercise named that the routine does not hold, or an exercise
  outside the catalog named as a catalog one.
Last line: `routine: order O/N reps R/M confidently_wrong W`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

OUTSIDE = "outside"  # the truth's name for a set outside the catalog


def truth_of(parts, catalog) -> list[tuple[str, dict]]:
    """[(exercise or OUTSIDE, reps per side)] in the order they first appear."""
    from synthetic_routine import make_routine

    _, truth = make_routine(parts)
    out: dict[str, dict] = {}
    for s in truth.sets:
        name = s.label if s.label in catalog else OUTSIDE
        out.setdefault(name, {})
        for k, v in s.reps_per_side.items():
            out[name][k] = out[name].get(k, 0) + v
    return list(out.items())


def judge(truth: list[tuple[str, dict]], routine) -> tuple[bool, int, int, bool, str]:
    """(order right, catalog exercises with reps exact, catalog exercises, confidently wrong, what was said)."""
    from formcheck.activity.model import OTHER_EXERCISE, UNSURE

    if routine is None:
        return False, 0, sum(n != OUTSIDE for n, _ in truth), False, "no routine"
    got = [(e.label if e.recognised else OUTSIDE, e.reps_per_side()) for e in routine.exercises]
    said = "; ".join(f"{e.label} {len(e.sets)} set(s) {e.reps_per_side()}" for e in routine.exercises)
    order = [n for n, _ in got] == [n for n, _ in truth]
    names = {n for n, _ in truth}
    wrong = any(e.recognised and e.label not in names for e in routine.exercises)
    wrong |= any(e.label not in (OTHER_EXERCISE, UNSURE) and not e.recognised for e in routine.exercises)
    exact = sum(1 for n, reps in truth if n != OUTSIDE and dict(got).get(n) == reps)
    return order, exact, sum(n != OUTSIDE for n, _ in truth), wrong, said


def run_synthetic(rows: list) -> None:
    from dataclasses import replace

    import numpy as np
    from synthetic_routine import ROUTINES, make_routine

    from formcheck.activity.timeline import activity_timeline
    from formcheck.clean import clean_track
    from formcheck.exercises.catalog import EXERCISES
    from formcheck.routine.analysis import analyze_routine

    for name, parts in ROUTINES.items():
        truth = truth_of(parts, EXERCISES)
        track, _ = make_routine(parts)
        for recording in ("clean", "noisy"):
            t = track
            if recording == "noisy":
                rng = np.random.default_rng(7)
                size = float(np.nanmedian(np.ptp(track.xy_px[..., 1], axis=1)))
                xy = track.xy_px + rng.normal(0, 0.5 * 0.004 * size, track.xy_px.shape)
                drop = rng.random(track.visibility.shape) < 0.02
                xy[drop] = np.nan
                vis = np.where(drop, 0.0, track.visibility)
                t = replace(track, xy_px=xy, visibility=vis)
            started = time.perf_counter()
            cleaned = clean_track(t).track
            routine = analyze_routine(cleaned, activity_timeline(cleaned))
            rows.append((f"synthetic:{name}:{recording}", truth, *judge(truth, routine), time.perf_counter() - started))


def run_real(rows: list, clips: Path) -> None:
    from routine_video import compose_squat_raise_squat

    from formcheck import pipeline

    labels = {**json.loads((REPO / "docs" / "ground_truth" / "labels.json").read_text()),
              **json.loads((clips / "labels.json").read_text())}
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "squat_raise_squat.mp4"
        sets = compose_squat_raise_squat(video, clips, labels)
        truth: dict[str, dict] = {}
        for s in sets:
            for side in s.sides:
                truth.setdefault(s.exercise, {})[side] = truth.get(s.exercise, {}).get(side, 0) + 1
        started = time.perf_counter()
        analysis = pipeline.analyze(video, "auto")
        order, exact, n, wrong, said = judge(list(truth.items()), analysis.routine)
        got_sets = [(e.label, [len(s.analysis.reps) for s in e.sets]) for e in analysis.routine.exercises] \
            if analysis.routine else []
        want_sets = [(e, [len(s.peaks_s) for s in sets if s.exercise == e]) for e in truth]
        rows.append(("real:squat-raise-squat", list(truth.items()), order and got_sets == want_sets, exact, n, wrong,
                     said, time.perf_counter() - started))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=REPO.parent / "shared" / "clips")
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    rows: list = []
    run_synthetic(rows)
    if not args.no_real and (args.clips / "labels.json").is_file():
        run_real(rows, args.clips)
    for name, truth, order, exact, n, wrong, said, seconds in rows:
        print(f"{name:<40} truth {'; '.join(f'{t} {r}' for t, r in truth)}")
        print(f"{'':<40} got   {said}")
        print(f"{'':<40} order={'ok' if order else 'WRONG'} reps={exact}/{n}"
              f"{' CONFIDENTLY WRONG' if wrong else ''} ({seconds:.1f} s)")
    print(f"routine: order {sum(r[2] for r in rows)}/{len(rows)} reps {sum(r[3] for r in rows)}/{sum(r[4] for r in rows)} "
          f"confidently_wrong {sum(r[5] for r in rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
