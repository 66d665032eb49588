"""Real clips back to back as one video, as a phone would film a routine: for the routine tests.

    compose(out, [Clip(path, 6.0, 20.4), Hold(12.0), Clip(path2, 0.6, 20.0)])
    truth = compose_squat_raise_squat(out, clips_folder, labels)   # the routine the tests and bench use

Every part is letterboxed into one portrait frame (`SIZE`, black bars) at one frame rate (`FPS`;
each output frame shows the source frame at that moment); `Hold` repeats the last picture for
its seconds (the athlete rests, nothing moves). Written with PyAV (H.264, the product's own
reader reads it as any phone clip).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

SIZE = (720, 1280)
FPS = 30


@dataclass(frozen=True)
class Clip:
    path: Path
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Hold:
    seconds: float


def _letterbox(rgb: np.ndarray) -> np.ndarray:
    w, h = SIZE
    scale = min(w / rgb.shape[1], h / rgb.shape[0])
    small = cv2.resize(rgb, (int(round(rgb.shape[1] * scale)), int(round(rgb.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def _frames(part: Clip):
    """The part's pictures at FPS, letterboxed."""
    with av.open(str(part.path)) as container:
        stream = container.streams.video[0]
        wanted = part.start_s
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t > part.end_s:
                return
            while t + 0.5 / FPS >= wanted and wanted <= part.end_s:
                yield _letterbox(frame.to_ndarray(format="rgb24"))
                wanted += 1.0 / FPS


def compose(out: Path, parts: list) -> list[tuple[str, float, float]]:
    """Write the video; returns (kind, start_s, end_s) of each part in the output's clock."""
    spans, n, last = [], 0, None
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "ultrafast"}

        def write(rgb):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)

        for part in parts:
            start = n
            if isinstance(part, Hold):
                for _ in range(int(round(part.seconds * FPS))):
                    write(last)
                    n += 1
            else:
                for rgb in _frames(part):
                    write(rgb)
                    last = rgb
                    n += 1
            spans.append((type(part).__name__.lower(), start / FPS, n / FPS))
        for packet in stream.encode():
            container.mux(packet)
    return spans


@dataclass(frozen=True)
class SetTruth:
    """One set of a composed routine: the exercise, its reps' sides, and their peaks in the
    routine's clock (from the labels, moved by where the part starts)."""

    exercise: str
    sides: tuple[str, ...]
    peaks_s: tuple[float, ...]


#: The real routine: a squat set (gym_squat_side.mp4, 2 reps), a rest, one sideways leg raise (the
#: Pose2Sim demo, seen from the front), a rest, another squat set (home_squat_side_timer.mp4, 8 reps,
#: from after its first 0.5 s of front view to before its blurred rest screen). Rests of 4 s: less
#: than a pause inside a set, so the two squat sets are two sets because the leg raise lies between.
SQUAT_RAISE_SQUAT = (("gym_squat_side.mp4", 6.0, 20.4, "both"), 4.0,
                     ("pose2sim_single_cam02.mp4", 0.0, 1.7, "right"), 4.0,
                     ("home_squat_side_timer.mp4", 0.6, 20.0, "both"))


def compose_squat_raise_squat(out: Path, clips: Path, labels: dict) -> list[SetTruth]:
    """Write SQUAT_RAISE_SQUAT to `out`; the truth of each set in order. `labels`: the clips'
    labels by file name (../shared/clips/labels.json with docs/ground_truth/labels.json)."""
    parts = [Hold(item) if isinstance(item, float) else Clip(clips / item[0], item[1], item[2])
             for item in SQUAT_RAISE_SQUAT]
    spans = compose(out, parts)
    truth = []
    for item, (_, start, _) in zip(SQUAT_RAISE_SQUAT, spans):
        if isinstance(item, float):
            continue
        name, a, b, side = item
        peaks = tuple(start + t - a for t in labels[name]["rep_peaks_s"] if a <= t <= b)
        truth.append(SetTruth(labels[name]["exercise"], (side,) * len(peaks), peaks))
    return truth
