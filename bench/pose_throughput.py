#!/usr/bin/env python
"""Pose throughput: the naive loop versus FormCheck's pipeline, same clip, same model.

    .venv/bin/python bench/pose_throughput.py CLIP [--model full] [--workers 0]
    .venv/bin/python bench/pose_throughput.py --long-minutes 10 [--source CLIP]

naive    = one process: read a frame with OpenCV, convert to RGB, detect_for_video; nothing else.
pipeline = formcheck.pose.runner.run_pose (probe included): decode on a thread, chunks on
           worker processes; "cold" starts its own workers (the CLI), "warm" uses a pool
           whose workers are already up (the app keeps one for the life of the server).
Timings start after imports and include creating landmarkers (and, cold, starting the
workers). Each mode runs `--repeat` times, each run in its own subprocess; the median run
is shown with the spread. Peak memory is the largest sum of RSS over that process and all
its children, sampled every 50 ms from /proc. First, the ceiling: the model alone on
decoded frames in one process, then in two processes at once (the cores slow each other
down). The last line is `ratio: X.XX`: the warm pipeline's frames/s over the naive loop's.
`--long-minutes N` loops a sample clip into an N-minute 1080p clip and runs the pipeline
only, to show memory stays flat in clip length.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _naive(clip: str, model: str, num_poses: int) -> dict:
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    started = time.perf_counter()
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=num_poses)
    frames = 0
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        capture = cv2.VideoCapture(clip)
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            landmarker.detect_for_video(image, int(frames * 1000 / fps))
            frames += 1
        capture.release()
    return {"frames": frames, "seconds": time.perf_counter() - started}


def _model_only(clip: str, model: str, num_poses: int, frames: int = 150) -> dict:
    """detect_for_video alone, on frames decoded beforehand (the ceiling measurement)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    capture = cv2.VideoCapture(clip)
    images = []
    while len(images) < frames:
        ok, frame = capture.read()
        if not ok:
            break
        images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
    capture.release()
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=num_poses)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        landmarker.detect_for_video(images[0], 0)
        started = time.perf_counter()
        for i, image in enumerate(images[1:], start=1):
            landmarker.detect_for_video(image, i * 33)
        seconds = time.perf_counter() - started
    return {"frames": len(images) - 1, "seconds": seconds}


def _ideal_half(clip: str, model: str, num_poses: int, half: int, rendezvous: str) -> dict:
    """Half the clip, decoded on a thread (one decoder thread) while the model runs, timed
    from when both halves are ready: no probe, no warm-up frames, no seek, landmarker built
    and first frame reached before the clock. The most any two-chunk split can do."""
    import queue
    import threading

    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    capture = cv2.VideoCapture(clip, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    n = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    start, stop = (0, n // 2) if half == 0 else (n // 2, n)
    for _ in range(start):
        capture.grab()
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=num_poses)
    frames: queue.Queue = queue.Queue(maxsize=4)

    def decode() -> None:
        for _ in range(start, stop):
            ok, frame = capture.read()
            frames.put(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None)

    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        Path(rendezvous, f"ready{half}").touch()
        while not all(Path(rendezvous, f"ready{h}").exists() for h in (0, 1)):
            time.sleep(0.001)
        started = time.perf_counter()
        threading.Thread(target=decode, daemon=True).start()
        done = 0
        for i in range(start, stop):
            rgb = frames.get()
            if rgb is None:
                break
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(i * 1000 / fps))
            done += 1
        seconds = time.perf_counter() - started
    capture.release()
    return {"frames": done, "seconds": seconds}


def _pipeline(clip: str, model: str, num_poses: int, workers: int, warm: bool = False) -> dict:
    import mediapipe  # noqa: F401  imported before the clock starts, as in the naive loop

    from formcheck.pose.landmarker import LandmarkerSettings
    from formcheck.pose.runner import PosePool, RunSettings, run_pose
    from formcheck.video import VideoLimits, probe

    run = RunSettings(workers=workers)
    pool = None
    if warm:  # as in the app, which keeps its pool for the life of the server
        pool = PosePool(run.worker_count(), model)
        pool.warm_up()
    started = time.perf_counter()
    info = probe(clip, limits=VideoLimits(max_duration_s=3600, max_frames=500_000))
    raw = run_pose(info, model, LandmarkerSettings(num_poses=num_poses), run, pool=pool)
    seconds = time.perf_counter() - started
    if pool:
        pool.close()
    return {"frames": len(raw.frames), "seconds": seconds, "chunks": len(raw.chunks)}


def _tree_rss_bytes(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _measure(mode: str, args, copies: int = 1, per_copy: tuple[list[str], ...] = ()) -> dict:
    """Run `mode` in `copies` subprocesses at once; the first one's figures, peak memory of all.
    per_copy: extra arguments for each copy."""
    num_poses = args.pipeline_num_poses if mode in ("warm", "pipeline", "half") else args.num_poses
    cmd = [sys.executable, __file__, "--_child", mode, args.clip, "--model", args.model_path,
           "--num-poses", str(num_poses), "--workers", str(args.workers)]
    env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    extra = per_copy or tuple([] for _ in range(copies))
    procs = [subprocess.Popen(cmd + more, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
             for more in extra]
    peak = 0
    while any(p.poll() is None for p in procs):
        peak = max(peak, sum(_tree_rss_bytes(p.pid) for p in procs))
        time.sleep(0.05)
    results = []
    for proc in procs:
        out = proc.stdout.read()
        if proc.returncode != 0:
            raise SystemExit(f"{mode} run failed (exit {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    result = results[0]
    if per_copy:  # copies ran parts of one job: it took as long as the slowest
        result = {"frames": sum(r["frames"] for r in results), "seconds": max(r["seconds"] for r in results)}
    result["peak_mb"] = peak / 1e6
    result["fps"] = result["frames"] / result["seconds"]
    return result


def _ideal_split(args) -> dict:
    with tempfile.TemporaryDirectory() as rendezvous:
        return _measure("half", args, per_copy=(["--half", "0", "--rendezvous", rendezvous],
                                                ["--half", "1", "--rendezvous", rendezvous]))


def _median_run(mode: str, args) -> dict:
    """The run with the median frames/s of `args.repeat`; `fps_range` gives the spread."""
    measure = (lambda: _ideal_split(args)) if mode == "half" else (lambda: _measure(mode, args))
    runs = sorted((measure() for _ in range(args.repeat)), key=lambda r: r["fps"])
    median = dict(runs[len(runs) // 2])
    median["fps_range"] = (runs[0]["fps"], runs[-1]["fps"])
    median["peak_mb"] = max(r["peak_mb"] for r in runs)
    return median


def _spread(r: dict) -> str:
    low, high = r["fps_range"]
    return f"{r['fps']:.1f} frames/s (runs {low:.1f}-{high:.1f})"


def _make_long_clip(source: str, minutes: float, dest: Path) -> Path:
    """Loop `source` into a 1920x1080 H.264 clip `minutes` long (streamed, never all in memory)."""
    import av
    import cv2

    frames_needed = int(minutes * 60 * 30)
    with av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        written = 0
        while written < frames_needed:
            capture = cv2.VideoCapture(source)
            while written < frames_needed:
                ok, frame = capture.read()
                if not ok:
                    break
                frame = cv2.resize(frame, (1920, 1080))
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                    out.mux(packet)
                written += 1
            capture.release()
        for packet in stream.encode():
            out.mux(packet)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", nargs="?")
    parser.add_argument("--model", default=None, help="full, heavy or a .task path")
    parser.add_argument("--num-poses", type=int, default=2, help="people per frame for the naive loop; the pipeline uses its own setting (default automatic)")
    parser.add_argument("--pipeline-num-poses", type=int, default=2, help="pipeline num_poses (default 2, as the naive loop)")
    parser.add_argument("--workers", type=int, default=0, help="pipeline worker processes (0 = one per core)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mode; the median is shown (default 3)")
    parser.add_argument("--long-minutes", type=float, default=None)
    parser.add_argument("--source", default=str(ROOT.parent / "shared/clips/home_treadmill_run_side.mp4"))
    parser.add_argument("--long-clip", default=None, help="where to keep the looped clip (reused if present)")
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--half", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rendezvous", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._child:
        if args._child == "naive":
            result = _naive(args.clip, args.model, args.num_poses)
        elif args._child == "model":
            result = _model_only(args.clip, args.model, args.num_poses)
        elif args._child == "half":
            result = _ideal_half(args.clip, args.model, args.num_poses, args.half, args.rendezvous)
        else:
            result = _pipeline(args.clip, args.model, args.num_poses, args.workers, warm=args._child == "warm")
        print(json.dumps(result))
        return 0

    sys.path.insert(0, str(ROOT))
    from formcheck.pose.model import resolve_model

    model = resolve_model(args.model)
    args.model_path = str(model.path)
    print(f"model: {model.model_id}  cores: {os.cpu_count()}  naive num_poses: {args.num_poses}  "
          f"pipeline num_poses: {args.pipeline_num_poses}")
    if args.long_minutes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(args.long_clip) if args.long_clip else Path(tmp) / "long.mp4"
            if not path.exists():
                t0 = time.perf_counter()
                _make_long_clip(args.source, args.long_minutes, path)
                print(f"long clip: {args.long_minutes:g} min 1080p made in {time.perf_counter() - t0:.0f} s")
            args.clip = str(path)
            p = _measure("pipeline", args)
            print(f"pipeline: {p['frames']} frames in {p['seconds']:.1f} s = {p['fps']:.1f} frames/s, "
                  f"{p['chunks']} chunks, peak memory {p['peak_mb']:.0f} MB")
        return 0
    if not args.clip:
        parser.error("give a CLIP, or --long-minutes")
    print(f"clip: {args.clip}  (median of {args.repeat} runs each)")
    alone = _measure("model", args)
    together = _measure("model", args, copies=2)
    ceiling = 2 * together["fps"] / alone["fps"]
    print(f"model only: one process {1000 / alone['fps']:.1f} ms/frame; two at once {1000 / together['fps']:.1f} "
          f"ms/frame each: two cores give at most {ceiling:.2f}x the model's own speed")
    n = _median_run("naive", args)
    print(f"naive:    {n['frames']} frames in {n['seconds']:.2f} s = {_spread(n)}, peak memory {n['peak_mb']:.0f} MB")
    p = _median_run("pipeline", args)
    print(f"pipeline, cold (the CLI; starts its workers): {p['frames']} frames in {p['seconds']:.2f} s = "
          f"{_spread(p)}, {p['chunks']} chunks, peak memory {p['peak_mb']:.0f} MB, ratio {p['fps'] / n['fps']:.2f}")
    ideal = _median_run("half", args)
    print(f"ideal split (two processes, half the clip each, decode on a thread, nothing else: no probe, "
          f"warm-up or seek): {ideal['seconds']:.2f} s = {_spread(ideal)}, ratio {ideal['fps'] / n['fps']:.2f}: "
          f"the most a two-chunk pipeline can reach")
    w = _median_run("warm", args)
    print(f"pipeline, warm pool (the app): {w['frames']} frames in {w['seconds']:.2f} s = {_spread(w)}, "
          f"{w['chunks']} chunks, peak memory {w['peak_mb']:.0f} MB")
    print(f"ratio: {w['fps'] / n['fps']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
