#!/usr/bin/env python
"""Labelled running clips changed the way phone and web footage differs, with answers that follow
exactly (issue 17: the first decision and the events on clips never seen).

    .venv/bin/python bench/derived_clips.py [--clips ../shared/clips] [--only NAME ...] [--work DIR]

Every clip with contacts marked by eye (`labels.json` beside the clips and the project's
docs/ground_truth/labels.json, as `gait_events.py` reads them), not itself slow motion, is
rewritten four ways (PyAV, libx264 crf 18, into `--work`, default the pose cache's `derived/`;
written once, reused):

* mirror: flipped left to right. The runner goes the other way; their left foot looks like a
  right one, so L and R swap in the label. Contacts and cadence unchanged;
* double: every frame twice at twice the rate (a 30 -> 60 fps conversion): real time, the same
  contact times, every other frame a repeat;
* drop24: 24 frames/s, each the source frame nearest its time (a 30 -> 24 conversion drops one
  frame in five): the same contact times, to a 24 fps frame;
* held3: every frame three times at the clip's rate: slow motion 3x stored by holding pictures.
  Contact times and steps three times slower; right is "slow motion" said (cadence withheld
  without the capture rate), as `gait_events.py` counts a labelled slow-motion clip;
* blend3: slow motion 3x made the way video editors make it from ordinary footage: two frames
  between each pair, blended from both (2:1 and 1:2). No frame repeats, so only the motion
  can say slow motion. Answers as held3.

Each derived clip goes through `pipeline.analyze(clip, "auto")`, as a user's upload: the mode
must be running (the first decision), then the contacts, cadence and slow-motion flag are
scored by `gait_events.scored` (contacts within one frame of 30 fps of the label's times).

Last line: `derived: running X/N contacts_1frame P/Q cadence C/J slowmo S/N`: X of N derived
clips sent to running analysis, P of Q labelled contacts on time, C of J cadences right (or rightly
withheld as slow motion), S of N slow-motion flags right.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gait_events import REPO, Outcome, _line, real_cases, run_real  # noqa: E402

TRANSFORMS = ("mirror", "double", "drop24", "held3", "blend3")
_SWAP = {"L": "R", "R": "L"}


def derived_frames(frames: list[np.ndarray], fps: float, transform: str) -> tuple[list[np.ndarray], float]:
    """The frames of the derived clip and its frame rate (module docstring)."""
    if transform == "mirror":
        return [np.ascontiguousarray(f[:, ::-1]) for f in frames], fps
    if transform == "double":
        return [f for f in frames for _ in range(2)], 2 * fps
    if transform == "drop24":
        n = int(len(frames) / fps * 24.0)
        return [frames[min(len(frames) - 1, int(round(i * fps / 24.0)))] for i in range(n)], 24.0
    if transform == "held3":
        return [f for f in frames for _ in range(3)], fps
    if transform == "blend3":
        out = []
        for a, b in zip(frames[:-1], frames[1:]):
            out += [a, cv2.addWeighted(a, 2 / 3, b, 1 / 3, 0), cv2.addWeighted(a, 1 / 3, b, 2 / 3, 0)]
        return out + [frames[-1]], fps
    raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")


def derived_label(label: dict, fps: float, transform: str) -> dict:
    """The label of the derived clip: contacts as [frame, foot] of its own frames, cadence in its
    video time, slow motion for held3."""
    times = [(int(f) / fps, foot) for f, foot in label["contacts"]]
    out = {"cadence_spm": label.get("cadence_spm"), "slowmo": False}
    if transform == "mirror":
        out["contacts"] = [[int(round(t * fps)), _SWAP.get(foot, foot)] for t, foot in times]
    elif transform == "double":
        out["contacts"] = [[int(round(t * 2 * fps)), foot] for t, foot in times]
    elif transform == "drop24":
        out["contacts"] = [[int(round(t * 24.0)), foot] for t, foot in times]
    else:  # held3, blend3: three frames a picture's time
        out["contacts"] = [[int(round(3 * t * fps)), foot] for t, foot in times]
        out["slowmo"] = True
        out["cadence_spm"] = label["cadence_spm"] / 3 if label.get("cadence_spm") else None
    return out


def write_derived(source: Path, target: Path, transform: str) -> None:
    """Decode `source`, transform, encode to `target` (written beside, then renamed)."""
    import av

    with av.open(str(source)) as inp:
        fps = float(inp.streams.video[0].average_rate)
        frames = [f.to_ndarray(format="bgr24") for f in inp.decode(video=0)]
    seq, rate = derived_frames(frames, fps, transform)
    part = target.with_suffix(".part.mp4")
    with av.open(str(part), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(rate).limit_denominator(1001))
        h, w = seq[0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for f in seq:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f[:stream.height, :stream.width]), format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    part.replace(target)


def _clip_fps(path: Path) -> float:
    import av

    with av.open(str(path)) as inp:
        return float(inp.streams.video[0].average_rate)


def main(argv=None) -> int:
    from formcheck.paths import cache_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=Path, default=REPO.parent / "shared" / "clips")
    parser.add_argument("--work", type=Path, default=None, help="where derived clips are written (kept)")
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of derived clips")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    work = args.work or cache_dir() / "derived"
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[Outcome, bool]] = []
    for name, path, label in real_cases(args.clips):
        if label.get("slowmo") or not label.get("contacts"):
            continue
        fps = _clip_fps(path)
        for transform in TRANSFORMS:
            derived = f"{Path(name).stem}__{transform}.mp4"
            if args.only and not any(o in derived for o in args.only):
                continue
            target = work / derived
            if not target.is_file():
                write_derived(path, target, transform)
            outcome, analysis = run_real(derived, target, derived_label(label, fps, transform), mode="auto")
            running = analysis is not None and analysis.mode == "running"
            rows.append((outcome, running))
            mode = analysis.mode if analysis is not None else "error"
            print(f"mode {mode:9s} {'ok' if running else 'NO'}  {_line(outcome)}", flush=True)
    print(summary(rows))
    return 0


def summary(rows: list[tuple[Outcome, bool]]) -> str:
    outcomes = [o for o, _ in rows]
    cad = [o for o in outcomes if o.cadence_ok is not None]
    return (f"derived: running {sum(r for _, r in rows)}/{len(rows)} "
            f"contacts_1frame {sum(o.on_time for o in outcomes)}/{sum(o.contacts_truth for o in outcomes)} "
            f"cadence {sum(bool(o.cadence_ok) for o in cad)}/{len(cad)} "
            f"slowmo {sum(o.slowmo_ok for o in outcomes)}/{len(outcomes)}")


if __name__ == "__main__":
    raise SystemExit(main())
