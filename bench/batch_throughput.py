#!/usr/bin/env python
"""Batch throughput: a plain loop over clips against `formcheck batch` on Ray, 1 and 2 workers.

    .venv/bin/python bench/batch_throughput.py                  # the 8 clips below, data only
    .venv/bin/python bench/batch_throughput.py --clips 2        # the first 2 of them (a quick check)
    .venv/bin/python bench/batch_throughput.py --clips a.mp4 b.mp4 --render

Three modes, the same clips and the same `BatchSpec` (data only unless --render), each in its own
subprocess with a fresh, empty pose cache (FORMCHECK_CACHE set before the process starts) and a
fresh SQLite library:
* loop: one process, `work.analyse_into_library` on each clip in turn (settings_of(spec): one
  core per clip, a landmarker built per clip), after hashing the clips and making the athlete's
  session as `run_batch` does; no Ray;
* ray1, ray2: `ray_run.run_batch(jobs, spec, workers=N)` as `formcheck batch` runs it (a local Ray
  started and stopped in the call, one actor per worker keeping a landmarker warm).
Timings start after importing FormCheck and MediaPipe (not Ray: a batch run pays for importing
Ray, so the Ray modes count it). A Ray mode's wall time is what a user waits for: import ray,
ray.init, the actors starting, the clips, ray.shutdown; it is also shown without import, init and
shutdown. CPU is user + system time of the mode's process and the children it reaped.
Every clip must end "done" in every mode, with the same frames, activity and headline.

Per mode: wall seconds, clips/min, seconds per clip (wall / clips, and the mean of each clip's own
time). Then the 2-worker over 1-worker throughput ratio (target >= 1.7 on 2 cores), Ray's overhead
at one worker over the plain loop (target <= 10%), CPU seconds per clip (the loop), and how the
2-worker run ended (the last clip alone: idle tail; what a longest-first queue would give).
Last line: `summary: clips=N loop=X clips/min ray1=Y ray2=Z ratio_2v1=R overhead_1w=P%`, from the
wall times with Ray's start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIPS_DIR = ROOT.parent / "shared" / "clips"

#: Eight phone-like H.264 clips, 6-25 s, 185-623 frames (3,091 in all), one to several people;
#: runs and exercises. Left out: the 1.7 s pose2sim and Sports2D clips (start-up would dominate).
#: In name order, as `formcheck batch FOLDER` would queue them.
DEFAULT_CLIPS = (
    "gym_squat_side.mp4",            # 614 frames, 608x1080
    "home_squat_side_timer.mp4",     # 623 frames, 1280x720
    "home_treadmill_run_side.mp4",   # 360 frames, 720x1280
    "park_run_rear_snow.mp4",        # 361 frames, 1280x720
    "sprint_100m_pan_several.mp4",   # 449 frames, 1280x720
    "sprint_start_blocks_side.mp4",  # 228 frames, 1280x720
    "track_run_side_pan.mp4",        # 271 frames, 1024x720
    "track_sprint_side_fixed.mp4",   # 185 frames, 1680x720
)
MODES = (("loop", 0), ("ray1", 1), ("ray2", 2))
TARGET_RATIO, TARGET_OVERHEAD_PCT = 1.7, 10.0


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _clip_row(outcome) -> dict:
    return {"name": Path(outcome.path).name, "status": outcome.status, "message": outcome.message,
            "seconds": outcome.seconds, "frames": outcome.frames, "activity": outcome.activity,
            "headline": list(outcome.headline)}


def _child_loop(jobs, spec, url: str, media: Path) -> dict:
    from formcheck.batch.plan import settings_key
    from formcheck.batch.ray_run import _athletes_and_sessions
    from formcheck.batch.work import analyse_into_library, with_hash
    from formcheck.pose.model import resolve_model
    from formcheck.store import Library

    cpu, started = _cpu_s(), time.perf_counter()
    key = settings_key(spec, resolve_model(spec.model).model_id)
    run_id = uuid.uuid4().hex
    rows, finished = [], []
    with Library.open(url, media) as library:
        jobs = [with_hash(job) for job in jobs]
        targets = _athletes_and_sessions(library, jobs)
        for job in jobs:
            athlete_id, session_id = targets[job.athlete]
            outcome = analyse_into_library(job, spec, key, run_id, library, session_id, athlete_id)
            finished.append(time.perf_counter() - started)
            rows.append(_clip_row(outcome))
    wall = time.perf_counter() - started
    return {"wall_s": wall, "work_s": wall, "cpu_s": _cpu_s() - cpu, "clips": rows, "finished_s": finished}


def _child_ray(jobs, spec, url: str, media: Path, workers: int) -> dict:
    from formcheck.batch import ray_run

    cpu, started = _cpu_s(), time.perf_counter()
    import ray  # counted: `formcheck batch` imports Ray when it runs

    import_s = time.perf_counter() - started
    spent = {"init_s": 0.0, "shutdown_s": 0.0}
    marks: dict = {}

    def timed(name, fn):
        def call(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0
        return call

    ray.init, ray.shutdown = timed("init_s", ray.init), timed("shutdown_s", ray.shutdown)

    def on_workers(pool) -> None:  # the actors' constructors (process, imports, Library.open) done
        marks["actors_made"] = time.perf_counter() - started
        ray.get([worker.status.remote() for worker in pool])
        marks["actors_up"] = time.perf_counter() - started

    finished: dict[str, float] = {}

    def on_update(progress, outcome) -> None:
        if outcome is not None:
            finished[Path(outcome.path).name] = time.perf_counter() - started

    summary = ray_run.run_batch(jobs, spec, workers=workers, library_url=url, media_dir=media,
                                on_update=on_update, on_workers=on_workers)
    wall = time.perf_counter() - started
    rows = [_clip_row(o) for o in summary.outcomes]
    return {"wall_s": wall, "work_s": wall - import_s - spent["init_s"] - spent["shutdown_s"],
            "import_s": import_s, **spent, "cpu_s": _cpu_s() - cpu, "clips": rows,
            "finished_s": [finished.get(r["name"], float("nan")) for r in rows],
            "actors_up_s": marks.get("actors_up", float("nan")) - marks.get("actors_made", float("nan"))}


def _child(args) -> dict:
    import logging

    import mediapipe  # noqa: F401  imported before the clock in every mode

    import formcheck.pipeline  # noqa: F401
    from formcheck.batch.plan import BatchSpec, gather

    logging.basicConfig(level=logging.WARNING)
    jobs, problems = gather(args.clips, athlete="Bench")
    if problems:
        raise SystemExit(f"clips not found: {problems}")
    spec = BatchSpec(model=args.model, render=args.render)
    work = Path(args.workdir)
    url, media = f"sqlite:///{work / 'library.db'}", work / "media"
    if args._child == "loop":
        return _child_loop(jobs, spec, url, media)
    return _child_ray(jobs, spec, url, media, dict(MODES)[args._child])


def _run_mode(mode: str, clips: list[str], args, root: Path) -> dict:
    work = root / mode
    (work / "cache").mkdir(parents=True)
    env = {**os.environ, "FORMCHECK_CACHE": str(work / "cache"), "GLOG_minloglevel": "2",
           "TF_CPP_MIN_LOG_LEVEL": "2", "RAY_ADDRESS": "local",  # a Ray of our own, never someone's `ray start`
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    for name in ("DATABASE_URL", "FORMCHECK_MEDIA"):  # the library is the one given below
        env.pop(name, None)
    cmd = [sys.executable, __file__, "--_child", mode, "--workdir", str(work), "--clips", *clips]
    cmd += (["--model", args.model] if args.model else []) + (["--render"] if args.render else [])
    with open(work / "stderr.txt", "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        watch = _CpuWatch(proc.pid)
        out, _ = proc.communicate()
        watch.stop()
    if proc.returncode != 0:
        tail = (work / "stderr.txt").read_text().splitlines()[-30:]
        raise SystemExit(f"{mode} failed (exit {proc.returncode}):\n" + "\n".join(tail))
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_cpu_s"], result["others_cpu_s"], result["span_s"] = watch.by_kind(), watch.others_s(), watch.span_s()
    result["cache_entries"] = sum(1 for p in (work / "cache").rglob("*") if p.is_file())
    return result


class _CpuWatch:
    """CPU seconds of a process tree by kind (the bench process, Ray's ClipWorker actors, Ray's own
    services), and of everything else on the machine (the whole machine's busy time from /proc/stat
    less the tree's), sampled every 0.25 s while the mode runs. A process's last 0.25 s before it
    exits may be missed."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.seen, self.kind = pid, {}, {}
        self.own0 = resource.getrusage(resource.RUSAGE_SELF)
        self.started, self.machine0 = time.perf_counter(), self._machine_busy()
        self.machine1 = self.machine0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _machine_busy() -> float:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (sum(v[:8]) - v[3] - v[4]) / _CpuWatch.TICK  # all but idle and iowait

    def _sample(self) -> None:
        stack = [self.pid]
        while stack:
            p = stack.pop()
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                self.seen[p] = (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
                if self.kind.get(p) != "workers":  # a Ray worker takes its actor's name once it has one
                    with open(f"/proc/{p}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                    self.kind[p] = ("bench" if p == self.pid else "workers" if "ClipWorker" in cmd
                                    else "ray services")
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        stack.extend(int(c) for c in f.read().split())
            except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
                continue
        self.machine1 = self._machine_busy()

    def _run(self) -> None:
        while not self.done.wait(0.25):
            self._sample()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.ended = time.perf_counter()
        own = resource.getrusage(resource.RUSAGE_SELF)  # this watch and the parent, not "other processes"
        self.own_s = own.ru_utime + own.ru_stime - self.own0.ru_utime - self.own0.ru_stime

    def by_kind(self) -> dict:
        out: dict = {}
        for p, s in self.seen.items():
            out[self.kind.get(p, "ray services")] = out.get(self.kind.get(p, "ray services"), 0.0) + s
        return out

    def others_s(self) -> float:
        return max(0.0, self.machine1 - self.machine0 - sum(self.seen.values()) - self.own_s)

    def span_s(self) -> float:
        return self.ended - self.started


def _greedy_makespan(seconds: list[float], workers: int) -> float:
    """When the last of `seconds` (in queue order) ends, each clip going to the first free worker."""
    free = [0.0] * workers
    for s in seconds:
        i = min(range(workers), key=free.__getitem__)
        free[i] += s
    return max(free)


def _resolve_clips(given: list[str] | None) -> list[str]:
    if not given:
        names = list(DEFAULT_CLIPS)
    elif len(given) == 1 and given[0].isdigit():
        names = list(DEFAULT_CLIPS[: int(given[0])])
    else:
        names = given
    paths = [str(Path(n) if Path(n).exists() else CLIPS_DIR / n) for n in names]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise SystemExit(f"no such clip: {', '.join(missing)}")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", nargs="+", default=None,
                        help="clip names (in ../shared/clips) or paths, or N for the first N of the default 8")
    parser.add_argument("--render", action="store_true", help="annotated video, key frames and report too")
    parser.add_argument("--model", default=None, help="full, heavy or a .task path (default: FormCheck's)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries and caches (their folder is printed)")
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._child:
        print(json.dumps(_child(args)))
        return 0

    clips = _resolve_clips(args.clips)
    n = len(clips)
    load1 = os.getloadavg()[0]
    print(f"clips: {n} ({', '.join(Path(c).name for c in clips)})")
    print(f"cores: {os.cpu_count()}  render: {'yes' if args.render else 'no (data only)'}  "
          f"load (1 min) at start: {load1:.2f}")
    root = Path(tempfile.mkdtemp(prefix="batch_bench-"))
    results = {}
    try:
        for mode, _ in MODES:
            results[mode] = r = _run_mode(mode, clips, args, root)
            wall = r["wall_s"]
            line = (f"{mode:5s} wall {wall:6.1f} s  {60 * n / wall:5.2f} clips/min  {wall / n:5.1f} s/clip "
                    f"(clip's own time: mean {sum(c['seconds'] for c in r['clips']) / n:.1f} s)")
            if mode != "loop":
                line += (f"\n      without import/init/shutdown {r['work_s']:6.1f} s  {60 * n / r['work_s']:5.2f} "
                         f"clips/min  (import ray {r['import_s']:.1f} s, ray.init {r['init_s']:.1f} s, "
                         f"ray.shutdown {r['shutdown_s']:.1f} s; actors up {r['actors_up_s']:.1f} s after made)")
            kinds = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(r["tree_cpu_s"].items()))
            line += (f"\n      CPU of the mode's processes over its {r['span_s']:.0f} s (imports too): {kinds}; "
                     f"other processes on the machine {r['others_cpu_s']:.0f} s")
            print(line, flush=True)
    finally:
        if args.keep:
            print(f"kept: {root}")
        else:
            import shutil

            shutil.rmtree(root, ignore_errors=True)

    # The same work in every mode: every clip done, the same frames, activity and headline.
    reference = {c["name"]: c for c in results["loop"]["clips"]}
    problems = []
    for mode, r in results.items():
        for c in r["clips"]:
            if c["status"] != "done":
                problems.append(f"{mode}: {c['name']} {c['status']}: {c['message']}")
            ref = reference.get(c["name"])
            if ref and (c["frames"], c["activity"], c["headline"]) != (ref["frames"], ref["activity"], ref["headline"]):
                problems.append(f"{mode}: {c['name']} differs from the loop: {c['frames']} frames, {c['activity']}, "
                                f"{c['headline']} against {ref['frames']}, {ref['activity']}, {ref['headline']}")
        if len(r["clips"]) != n:
            problems.append(f"{mode}: {len(r['clips'])} outcomes for {n} clips")
    print("per clip (loop s / ray1 s / ray2 s, frames, activity):")
    for c in results["loop"]["clips"]:
        times = " / ".join(f"{next(x['seconds'] for x in results[m]['clips'] if x['name'] == c['name']):5.1f}"
                           for m, _ in MODES)
        print(f"  {c['name']:32s} {times}  {c['frames']:4d} frames  {c['activity']}")
    print(f"check: every clip done in every mode, same results: {'yes' if not problems else 'NO'}"
          f" (pose cache entries per mode: {', '.join(str(results[m]['cache_entries']) for m, _ in MODES)})")
    for p in problems:
        print(f"  {p}")

    t_loop, t1, t2 = (results[m]["wall_s"] for m, _ in MODES)
    w1, w2 = results["ray1"]["work_s"], results["ray2"]["work_s"]
    ratio, overhead = t1 / t2, 100 * (t1 - t_loop) / t_loop
    print(f"ratio 2 workers / 1 worker (throughput): {ratio:.2f} (target >= {TARGET_RATIO}: "
          f"{'met' if ratio >= TARGET_RATIO else 'missed'}); without Ray start-up {w1 / w2:.2f}")
    print(f"Ray overhead at 1 worker over the plain loop: {overhead:+.1f}% (target <= {TARGET_OVERHEAD_PCT:g}%: "
          f"{'met' if overhead <= TARGET_OVERHEAD_PCT else 'missed'}); without Ray start-up "
          f"{100 * (w1 - t_loop) / t_loop:+.1f}%")
    loop_cpu = results["loop"]["cpu_s"]
    ray_cpu = {m: sum(results[m]["tree_cpu_s"].values()) for m in ("ray1", "ray2")}
    print(f"CPU per clip (plain loop, self + children): {loop_cpu / n:.1f} s, {loop_cpu / t_loop:.2f} cores busy "
          f"on average; ray1 {ray_cpu['ray1'] / n:.1f} s, ray2 {ray_cpu['ray2'] / n:.1f} s (all their processes, "
          "imports and start-up included)")
    busy = [m for m, _ in MODES if results[m]["others_cpu_s"] > 0.05 * results[m]["span_s"]]
    if busy:
        print(f"WARNING: other processes used over 5% of a core during {', '.join(busy)}: the figures are skewed")
    ray2 = results["ray2"]["clips"]
    own = [c["seconds"] for c in ray2]
    done_at = sorted(results["ray2"]["finished_s"])
    if n >= 2:
        by_frames = [c["seconds"] for c in sorted(ray2, key=lambda c: -c["frames"])]
        print(f"2 workers, the end of the run: clips' own time {sum(own):.1f} s, half {sum(own) / 2:.1f} s; "
              f"last clip alone for {done_at[-1] - done_at[-2]:.1f} s. Clips one after another on the first free "
              f"worker, from these clip times: queue as given {_greedy_makespan(own, 2):.1f} s, most frames first "
              f"{_greedy_makespan(by_frames, 2):.1f} s, longest time first (known only afterwards) "
              f"{_greedy_makespan(sorted(own, reverse=True), 2):.1f} s")
    print("summary uses the wall times with Ray's start-up (import, init, actors, shutdown) included")
    print(f"summary: clips={n} loop={60 * n / t_loop:.2f} clips/min ray1={60 * n / t1:.2f} ray2={60 * n / t2:.2f} "
          f"ratio_2v1={ratio:.2f} overhead_1w={overhead:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
