#!/usr/bin/env python
"""The annotated video's encoder: speed, size and fidelity of libx264 presets and crf (issue 18).

    .venv/bin/python bench/encoder_settings.py CLIP [--frames 150]

The clip is analysed as `formcheck analyze` does (pose cached in FORMCHECK_CACHE), its first
`--frames` frames are drawn with the report's overlays and kept in memory, then each setting
encodes them as one render chunk does (`render.video._ChunkEncoder`: BGR to yuv420p by OpenCV,
one x264 thread), timed; the packets are decoded back and compared with the drawn pictures:

- PSNR over the whole picture (dB, the mean over frames), and
- PSNR over the overlay alone (the pixels the overlays changed, grown by 2 px): the lines,
  angle arcs and small text a coach reads frame by frame, where blocking shows first.

Last line: `encoder: chosen PRESET crf N: X ms/frame, Y KB/s, overlay PSNR Z dB`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (("veryfast", 20), ("superfast", 20), ("superfast", 23), ("ultrafast", 20), ("faster", 20))


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)) if a.size else 0.0
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))


def _drawn_frames(clip: str, frames: int):
    from formcheck.pipeline import analyze
    from formcheck.render.panels import compose, default_annotators
    from formcheck.video.reader import FrameReader

    analysis = analyze(clip)
    report, info = analysis.report, analysis.pose.info
    row_of, annotators = report.row_of_frame(), default_annotators()
    drawn, overlay = [], []
    with FrameReader(info) as reader:
        for frame in reader.frames(0, min(frames, info.frame_count)):
            row = row_of.get(frame.index, -1)
            image = compose(frame.image, report, row, annotators) if row >= 0 else frame.image
            changed = (np.abs(image.astype(np.int16) - frame.image).max(axis=2) > 0).astype(np.uint8)
            overlay.append(cv2.dilate(changed, np.ones((5, 5), np.uint8)).astype(bool))
            drawn.append(image)
    return info, drawn, overlay


def _encode(info, drawn, preset: str, crf: int, spill: Path) -> tuple[float, int, list[np.ndarray]]:
    import av

    from formcheck.render.video import TIME_BASE, _ChunkEncoder

    encoder = _ChunkEncoder(spill, info.upright_size, info.fps, crf, preset, floor_pts=-1)
    started = time.perf_counter()
    for k, image in enumerate(drawn):
        encoder.write(image, float(info.timestamps_s[k]))
    encoder.close()
    seconds = time.perf_counter() - started
    size = sum(len(data) for *_, data in encoder.spilled())
    decoder = av.CodecContext.create("h264", "r")
    decoder.extradata = encoder.codec.extradata
    out = []
    for pts, dts, key, data in encoder.spilled():
        packet = av.Packet(data)
        packet.pts, packet.dts, packet.time_base = pts, dts, TIME_BASE
        out += [f.to_ndarray(format="bgr24") for f in decoder.decode(packet)]
    out += [f.to_ndarray(format="bgr24") for f in decoder.decode(None)]
    return seconds, size, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from formcheck.render.video import ENCODER_CRF, ENCODER_PRESET

    chosen = (ENCODER_PRESET, ENCODER_CRF)
    os.environ.setdefault("FORMCHECK_CACHE", str(Path(tempfile.gettempdir()) / "formcheck_encoder_bench_cache"))
    info, drawn, overlay = _drawn_frames(args.clip, args.frames)
    h, w = drawn[0].shape[:2]
    duration_s = float(info.timestamps_s[len(drawn) - 1] - info.timestamps_s[0]) + 1.0 / (info.fps or 30.0)
    print(f"clip: {Path(args.clip).name}  {len(drawn)} frames {w}x{h}, overlay on "
          f"{100 * np.mean([o.mean() for o in overlay]):.1f}% of the pixels  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for preset, crf in SETTINGS:
            seconds, size, decoded = _encode(info, drawn, preset, crf, Path(tmp) / f"{preset}{crf}.bin")
            if len(decoded) != len(drawn):
                raise SystemExit(f"{preset} crf {crf}: {len(decoded)} frames decoded of {len(drawn)}")
            whole = np.mean([_psnr(d, a) for d, a in zip(decoded, drawn)])
            lines = np.mean([_psnr(d[o], a[o]) for d, a, o in zip(decoded, drawn, overlay) if o.any()])
            results[(preset, crf)] = (1000 * seconds / len(drawn), size / 1024 / duration_s, whole, lines)
            print(f"{preset:>9} crf {crf}: {results[(preset, crf)][0]:5.1f} ms/frame (one x264 thread, "
                  f"conversion included), {results[(preset, crf)][1]:6.0f} KB/s, PSNR whole {whole:.2f} dB, "
                  f"overlay {lines:.2f} dB")
    if chosen not in results:
        raise SystemExit(f"the chosen setting {chosen} is not among SETTINGS: add it")
    ms, kbs, _, lines = results[chosen]
    print(f"encoder: chosen {chosen[0]} crf {chosen[1]}: {ms:.1f} ms/frame, {kbs:.0f} KB/s, overlay PSNR {lines:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
