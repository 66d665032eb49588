#!/usr/bin/env python
"""Cleaning time against clip length, on a damaged synthetic track.

    .venv/bin/python bench/clean_track.py [--minutes 0.65 2 10]

The track is the worst case for gap filling: all 33 landmarks, random-walk
positions, visibility drawn so that about 20% of samples are gated out, each
landmark on its own pattern (thousands of short gaps). Prints seconds per
length and per 1,000 frames; the time should grow linearly with length.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from formcheck.clean import clean_track  # noqa: E402
from formcheck.landmarks import NUM_LANDMARKS  # noqa: E402
from formcheck.track import PoseTrack  # noqa: E402


def damaged_track(n_frames: int, fps: float = 30.0, seed: int = 0) -> PoseTrack:
    rng = np.random.default_rng(seed)
    k = NUM_LANDMARKS
    return PoseTrack(
        frame_index=np.arange(n_frames),
        t_s=np.arange(n_frames) / fps,
        xy_px=500 + np.cumsum(rng.normal(0, 1, (n_frames, k, 2)), axis=0),
        z=rng.normal(0, 10, (n_frames, k)),
        visibility=np.clip(rng.normal(0.8, 0.25, (n_frames, k)), 0, 1),
        world_m=rng.normal(0, 0.1, (n_frames, k, 3)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[0.65, 2.0, 10.0])
    args = parser.parse_args()
    for minutes in args.minutes:
        track = damaged_track(int(minutes * 60 * 30))
        started = time.perf_counter()
        result = clean_track(track)
        seconds = time.perf_counter() - started
        gaps_filled = int(result.filled.sum())
        print(f"{minutes:g} min ({len(track)} frames): {seconds:.2f} s, "
              f"{1000 * seconds / len(track):.2f} s per 1,000 frames, {gaps_filled:,} landmark samples filled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
