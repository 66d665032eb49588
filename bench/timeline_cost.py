#!/usr/bin/env python
"""What the activity timeline adds to an analysis, with the pose cached.

    .venv/bin/python bench/timeline_cost.py [CLIP ...]   # default: the treadmill and home-squat clips

For each clip (pose from the cache: the first run of a clip fills it), three runs each, medians:
* analyze: `pipeline.analyze(clip)` and `export.export_analysis` into a temporary folder, as
  `formcheck analyze CLIP --out DIR` runs them (annotated video, report, JSON, CSV, key frames);
* timeline: `activity.activity_timeline` on the athlete's track (windows, segments, the
  whole-segment recognition, views, the decision);
* cuts, cold: `video.cuts.find_cuts` (decodes the clip once); cuts, cached: read from the
  record cache, as every later analysis of the clip does.
Last line: `timeline: X.X% of analyze with the cuts cached, Y.Y% with the cuts found anew`
(the worst clip).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_CLIPS = ("home_treadmill_run_side.mp4", "home_squat_side_timer.mp4")


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(clip: Path, repeat: int) -> tuple[float, float, float, float]:
    from formcheck import pipeline
    from formcheck.activity.timeline import activity_timeline
    from formcheck.export import export_analysis
    from formcheck.video.cuts import find_cuts

    pose = pipeline.analyze_pose(clip)  # fills the pose cache on the first run

    def analyze_and_export():
        with tempfile.TemporaryDirectory() as tmp:
            export_analysis(pipeline.analyze(clip), Path(tmp) / "out")

    analyze_and_export()  # warm: pose and cuts cached, imports done
    total = _median_seconds(analyze_and_export, repeat)
    timeline = _median_seconds(lambda: activity_timeline(pose.track), repeat)
    cold = _median_seconds(lambda: find_cuts(pose.info), repeat)
    cached = _median_seconds(lambda: pipeline.shot_cuts(pose), repeat)
    return total, timeline, cold, cached


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    clips = args.clips or [REPO.parent / "shared" / "clips" / name for name in DEFAULT_CLIPS]
    worst_cached = worst_cold = 0.0
    for clip in clips:
        total, timeline, cold, cached = measure(clip, args.repeat)
        share_cached = (timeline + cached) / total
        share_cold = (timeline + cold) / total
        worst_cached, worst_cold = max(worst_cached, share_cached), max(worst_cold, share_cold)
        print(f"{clip.name:34s} analyze+export {total:6.2f} s  timeline {timeline:5.2f} s  cuts cold {cold:5.2f} s"
              f"  cuts cached {cached * 1000:5.1f} ms  -> {share_cached:.1%} cached, {share_cold:.1%} cold", flush=True)
    print(f"timeline: {worst_cached:.1%} of analyze with the cuts cached, {worst_cold:.1%} with the cuts found anew")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
