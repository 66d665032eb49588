"""The whole analysis process killed (SIGKILL) midway: the library opens, is consistent, and the
partial work is absent or resumable.

Each stage runs tests/kill_worker.py, the app's job for one real clip (pose with the provisioned
MediaPipe model, the export into <data>/results/<key> through a hidden temporary folder, then
the library save: Library.add_clip, Library.add_analysis copying the exported files), stopped at:

  pose     half the frames through pose inference (nothing cached, exported or saved yet)
  cache    the pose cache's .npz written, its .json half written under its temporary name
  export   half the annotated video written into results/.<key>.<random>.tmp/
  library  two exported files copied into media/analyses/<hex>.tmp/; the clip row already committed
  after    everything committed

The test kills the worker's process group there, then, in this process: opens the library
(Library.open: migrate + orphan sweep), checks the SQLite file, the rows, the media folder, the
results folder (and housekeeping.sweep on it), the pose cache, and finally runs the same
analysis again in a new worker. Every stage's outcome is gathered once (`outcome(stage)`) and
the tests below check one property each.

Time: the pose and cache stages start cold; export, library and after start with the pose cache
of the pose stage's rerun (the same clip analysed before, as the app would have it), and library
and after also with its complete export folder (the app answers a repeated request from it), so
the file runs in about 75 s on two busy cores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from formcheck.cache import PoseCache, file_sha256
from formcheck.export import FILES as EXPORT_FILES
from formcheck.store import Library
from formcheck.store import media as fs
from formcheck.ui.housekeeping import sweep as housekeeping_sweep

pytestmark = pytest.mark.real_clip

WORKER = Path(__file__).resolve().parent / "kill_worker.py"
REPO = WORKER.parent.parent
CLIP = "pose2sim_single_cam02.mp4"  # 100 frames, one person squatting
STAGES = ("pose", "cache", "export", "library", "after")
STOP_TIMEOUT_S = 120.0
RERUN_TIMEOUT_S = 180.0
@dataclass
class Paths:
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def data(self) -> Path:
        return self.home / ".formcheck"

    @property
    def db(self) -> Path:
        return self.data / "library" / "library.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def media(self) -> Path:
        return self.data / "library" / "media"

    @property
    def results(self) -> Path:
        return self.data / "results"

    @property
    def uploads(self) -> Path:
        return self.data / "uploads"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def signals(self) -> Path:
        return self.root / "signals"


@dataclass
class LibraryState:
    """What one Library.open found (after its sweep), read back through the library and sqlite3."""

    open_error: str | None = None
    swept_by_open: list[str] = field(default_factory=list)
    second_sweep: list[str] | None = None
    integrity: str = ""
    foreign_key_errors: list = field(default_factory=list)
    journal_mode: str = ""
    clips: list[dict] = field(default_factory=list)
    analyses: list[dict] = field(default_factory=list)
    metric_rows: int = 0
    media_entries: list[str] = field(default_factory=list)
    referenced: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    stage: str
    paths: Paths
    stopped: dict
    before_kill: dict[str, list[str]]
    returncode: int
    library: LibraryState
    results_visible: dict[str, bool]  # folder name -> complete export
    results_hidden: list[str]
    housekeeping_default: list[str]
    housekeeping_now: list[str]
    results_hidden_after: list[str]
    cache: dict
    rerun: dict | None = None
    rerun_error: str | None = None
    rerun_library: LibraryState | None = None
    rerun_cache: dict | None = None
    export_key: str | None = None


# -- helpers --------------------------------------------------------------------------------
def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.is_dir() else []


def _media_entries(media: Path) -> list[str]:
    """Top-level entries of clips/ and analyses/, as the sweep and the rows see them."""
    return sorted(f"{sub}/{p.name}" for sub in (fs.CLIPS, fs.ANALYSES) if (media / sub).is_dir()
                  for p in (media / sub).iterdir())


def _complete_export(folder: Path) -> bool:
    return (all((folder / name).exists() for name in EXPORT_FILES)
            and any((folder / name).is_file() for name in ("reps.csv", "strides.csv"))
            and any((folder / "keyframes").iterdir()))


def _sqlite(db: Path) -> tuple[str, list, str]:
    con = sqlite3.connect(db)
    try:
        return (con.execute("PRAGMA integrity_check").fetchone()[0],
                con.execute("PRAGMA foreign_key_check").fetchall(),
                con.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        con.close()


def _read_library(paths: Paths) -> LibraryState:
    state = LibraryState()
    before = _media_entries(paths.media)
    try:
        lib = Library.open(paths.url, paths.media)
    except Exception as exc:  # noqa: BLE001 - the outcome to report
        state.open_error = repr(exc)
        return state
    try:
        state.swept_by_open = sorted(set(before) - set(_media_entries(paths.media)))
        state.second_sweep = lib.sweep()
        for athlete in lib.athletes():
            for clip in lib.clips(athlete_id=athlete.id):
                on_disk = clip.media_path.is_file()
                state.clips.append({
                    "id": clip.id, "media_path": clip.media_path.relative_to(paths.media).as_posix(),
                    "file": on_disk, "sha256_ok": on_disk and file_sha256(clip.media_path) == clip.sha256,
                    "analysis_count": clip.analysis_count})
        for record in lib.analyses():
            present = fs.list_files(record.folder) if record.folder.is_dir() else ()
            state.analyses.append({
                "id": record.id, "clip_id": record.clip_id, "folder": record.folder,
                "rel": record.folder.relative_to(paths.media).as_posix(), "files": tuple(record.files),
                "on_disk": tuple(present), "metrics": len(record.metrics), "mode": record.mode})
    finally:
        lib.close()
    state.integrity, state.foreign_key_errors, state.journal_mode = _sqlite(paths.db)
    con = sqlite3.connect(paths.db)
    try:
        state.metric_rows = con.execute("SELECT count(*) FROM metrics").fetchone()[0]
        state.referenced = sorted({r for (r,) in con.execute("SELECT media_path FROM clips")}
                                  | {r for (r,) in con.execute("SELECT folder FROM analyses")})
    finally:
        con.close()
    state.media_entries = _media_entries(paths.media)
    return state


def _read_cache(cache_dir: Path) -> dict:
    """Keys with a .json (and whether they load), keys with only an .npz, temporary files."""
    names = sorted(p.name for p in cache_dir.iterdir()) if cache_dir.is_dir() else []
    cache = PoseCache(cache_dir)
    entries = sorted(n[:-5] for n in names if n.endswith(".json") and not n.startswith("."))
    npz_only = sorted(n[:-4] for n in names if n.endswith(".npz") and not n.startswith(".")
                      and f"{n[:-4]}.json" not in names)
    return {"names": names, "loads": {k: cache.load(k) is not None for k in entries + npz_only},
            "complete": entries, "npz_only": npz_only, "tmp": [n for n in names if n.endswith(".tmp")]}


def _worker_env(paths: Paths, model_path: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FORMCHECK_MEDIA")}
    env.update(FORMCHECK_HOME=str(paths.home), FORMCHECK_MODEL=model_path, FORMCHECK_CACHE=str(paths.cache),
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return env


def _start(paths: Paths, clip: Path, stage: str, ids: tuple[int, int], model_path: str, tag: str):
    for name in ("stopped.json", "result.json"):
        (paths.signals / name).unlink(missing_ok=True)
    log = open(paths.root / f"worker-{tag}.log", "wb")
    proc = subprocess.Popen([sys.executable, str(WORKER), str(clip), stage, str(paths.signals), *map(str, ids)],
                            env=_worker_env(paths, model_path), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group: killpg reaches all of it
    log.close()
    return proc


def _log_tail(paths: Paths, tag: str) -> str:
    return (paths.root / f"worker-{tag}.log").read_text(errors="replace")[-3000:]


def _kill_group(proc) -> int:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return proc.wait(timeout=10)


def _setup_library(paths: Paths) -> tuple[int, int]:
    with Library.open(paths.url, paths.media) as lib:
        athlete = lib.add_athlete("Kim")
        session = lib.add_session(athlete.id, date(2025, 3, 1), "kill test", "gym")
    return athlete.id, session.id


def _run_stage(stage: str, root: Path, clip: Path, model_path: str, seed: Paths | None) -> Outcome:
    paths = Paths(root)
    paths.signals.mkdir(parents=True)
    ids = _setup_library(paths)
    if seed is not None:
        shutil.copytree(seed.cache, paths.cache)
        if stage in ("library", "after"):
            paths.results.mkdir(parents=True)
            for folder in seed.results.iterdir():
                if not folder.name.startswith("."):
                    shutil.copytree(folder, paths.results / folder.name)

    proc = _start(paths, clip, stage, ids, model_path, "killed")
    stopped_file = paths.signals / "stopped.json"
    deadline = time.monotonic() + STOP_TIMEOUT_S
    try:
        while not stopped_file.exists():
            if proc.poll() is not None:
                pytest.fail(f"{stage}: worker exited ({proc.returncode}) before its stop:\n{_log_tail(paths, 'killed')}")
            if time.monotonic() > deadline:
                pytest.fail(f"{stage}: worker never reached its stop:\n{_log_tail(paths, 'killed')}")
            time.sleep(0.02)
        stopped = json.loads(stopped_file.read_text())
        before_kill = {"results": _tree(paths.results), "media": _media_entries(paths.media),
                       "cache": sorted(p.name for p in paths.cache.iterdir()) if paths.cache.is_dir() else []}
    finally:
        returncode = _kill_group(proc)

    library = _read_library(paths)
    results = sorted(paths.results.iterdir()) if paths.results.is_dir() else []
    visible = {p.name: p.is_dir() and _complete_export(p) for p in results if not p.name.startswith(".")}
    hidden = [p.name for p in results if p.name.startswith(".")]
    default = housekeeping_sweep(paths.results, paths.uploads)  # as a server start does
    now = housekeeping_sweep(paths.results, paths.uploads, stale_export_s=0)
    outcome = Outcome(
        stage, paths, stopped, before_kill, returncode, library, visible, hidden,
        [p.name for p in default], [p.name for p in now],
        sorted(p.name for p in paths.results.glob(".*")) if paths.results.is_dir() else [], _read_cache(paths.cache))
    if stage == "after":
        outcome.rerun = json.loads((paths.signals / "result.json").read_text())
        return outcome

    rerun = _start(paths, clip, "none", ids, model_path, "rerun")
    try:
        code = rerun.wait(timeout=RERUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        code = _kill_group(rerun)
    if code == 0:
        outcome.rerun = json.loads((paths.signals / "result.json").read_text())
    else:
        outcome.rerun_error = f"exit {code}:\n{_log_tail(paths, 'rerun')}"
    outcome.rerun_library = _read_library(paths)
    outcome.rerun_cache = _read_cache(paths.cache)
    return outcome


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, model_path, sample_clip):
    """outcome(stage): that stage's kill and what followed, run once per stage for the whole module."""
    clip = sample_clip(CLIP)
    done: dict[str, Outcome] = {}

    def get(stage: str) -> Outcome:
        if stage not in done:
            seed = None
            if stage in ("export", "library", "after"):
                pose = get("pose")  # its rerun analysed the clip from scratch
                seed = pose.paths if pose.rerun is not None else None
            done[stage] = _run_stage(stage, tmp_path_factory.mktemp(f"kill-{stage}"), clip, model_path, seed)
        return done[stage]
    return get


def _assert_consistent(state: LibraryState) -> None:
    assert state.open_error is None
    assert state.integrity == "ok"
    assert state.foreign_key_errors == []
    assert state.journal_mode == "wal"
    assert state.second_sweep == []  # the open's sweep left nothing for another
    assert state.media_entries == state.referenced  # no orphans, nothing referenced missing
    for clip in state.clips:
        assert clip["file"] and clip["sha256_ok"], clip
    for record in state.analyses:
        assert record["files"] == record["on_disk"], record  # every listed file there, nothing extra
        assert record["metrics"] > 0


def _assert_complete_record(record: dict, export_dir: Path) -> None:
    """The stored analysis holds exactly the exported files, byte for byte."""
    assert set(record["files"]) == set(fs.list_files(export_dir))
    for name in record["files"]:
        assert (record["folder"] / name).read_bytes() == (export_dir / name).read_bytes(), name


# -- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", STAGES)
def test_killed_where_told(outcome, stage):
    found = outcome(stage)
    assert found.returncode == -signal.SIGKILL
    assert found.stopped["stage"] == stage
    before = found.before_kill
    if stage == "pose":
        assert found.stopped["done"] == 50 and found.stopped["total"] == 100
        assert before["cache"] == [] and before["results"] == [] and before["media"] == []
    if stage == "cache":
        key = Path(found.stopped["json_path"]).stem
        # the entry's lock file (one writer per key), its .npz, and the half-written .json
        assert before["cache"] == sorted([f".{key}.lock", f"{key}.npz", Path(found.stopped["tmp_path"]).name])
    if stage == "export":
        assert found.stopped["done"] == 50
        assert len(before["results"]) == 2 and before["results"][0].startswith(".")  # .<key>.x.tmp/annotated.mp4
        assert before["results"][1].endswith("/annotated.mp4")
    if stage == "library":
        assert found.stopped["copied"] == ["analysis.json", "annotated.mp4"]
        assert [e.endswith(".tmp") for e in before["media"] if e.startswith("analyses/")] == [True]
        assert len([e for e in before["media"] if e.startswith("clips/")]) == 1


@pytest.mark.parametrize("stage", STAGES)
def test_library_opens_consistent_without_orphans(outcome, stage):
    found = outcome(stage)
    _assert_consistent(found.library)
    if stage == "library":  # the uncommitted clip file and the half-copied analyses/<hex>.tmp/: swept by the open
        assert sorted(found.library.swept_by_open) == sorted(found.before_kill["media"])
        assert found.library.clips == [] and found.library.analyses == []
    else:
        assert found.library.swept_by_open == []


@pytest.mark.parametrize("stage", STAGES)
def test_killed_analysis_absent_or_complete(outcome, stage):
    state = outcome(stage).library
    if stage != "after":
        assert state.analyses == [] and state.metric_rows == 0
        return
    found = outcome(stage)
    assert len(state.analyses) == 1 and len(state.clips) == 1
    record = state.analyses[0]
    assert record["id"] == found.rerun["analysis_id"] and state.clips[0]["analysis_count"] == 1
    _assert_complete_record(record, Path(found.rerun["out_dir"]))


@pytest.mark.parametrize("stage", STAGES)
def test_no_clip_left_without_its_analysis(outcome, stage):
    state = outcome(stage).library
    assert [c for c in state.clips if c["analysis_count"] == 0] == []


@pytest.mark.parametrize("stage", STAGES)
def test_results_root_never_holds_a_half_export(outcome, stage):
    found = outcome(stage)
    assert all(found.results_visible.values()), found.results_visible
    assert len(found.results_visible) == (1 if stage in ("library", "after") else 0)
    if stage == "export":  # the hidden temporary folder: kept by a server start's sweep while under an hour old
        assert len(found.results_hidden) == 1
        assert found.housekeeping_default == []
        assert found.housekeeping_now == found.results_hidden
    else:
        assert found.results_hidden == [] and found.housekeeping_now == []
    assert found.results_hidden_after == []


@pytest.mark.parametrize("stage", STAGES)
def test_pose_cache_holds_no_truncated_entry(outcome, stage):
    cache = outcome(stage).cache
    assert all(cache["loads"][k] for k in cache["complete"]), cache  # whatever has its .json loads
    if stage == "pose":
        assert cache["names"] == []  # inference killed: nothing written
    elif stage == "cache":  # .npz in place, .json only as a half temporary file: not an entry
        assert len(cache["npz_only"]) == 1 and cache["complete"] == [] and len(cache["tmp"]) == 1
        assert cache["loads"][cache["npz_only"][0]] is False
    else:
        assert len(cache["complete"]) == 1 and cache["npz_only"] == [] and cache["tmp"] == []


@pytest.mark.parametrize("stage", [s for s in STAGES if s != "after"])
def test_rerun_completes_the_record(outcome, stage):
    found = outcome(stage)
    assert found.rerun_error is None, found.rerun_error
    rerun, state = found.rerun, found.rerun_library
    _assert_consistent(state)
    # pose from the cache wherever a complete entry was written before the kill
    assert rerun["from_cache"] == (stage in ("export", "library"))
    # export again unless the complete folder was there (the half one of the export stage is not)
    assert rerun["exported"] == (stage != "library")
    records = [a for a in state.analyses if a["id"] == rerun["analysis_id"]]
    assert len(state.analyses) == 1 and len(records) == 1
    assert records[0]["clip_id"] == rerun["clip_id"]
    _assert_complete_record(records[0], Path(rerun["out_dir"]))
    assert {c["id"]: c["analysis_count"] for c in state.clips}[rerun["clip_id"]] == 1
    cache = found.rerun_cache
    assert len(cache["complete"]) == 1 and all(cache["loads"].values()) and cache["npz_only"] == []
    assert [p for p in found.paths.results.iterdir() if p.name.startswith(".")] == []


def test_no_temporary_file_left_in_the_pose_cache(outcome):
    found = outcome("cache")
    assert found.rerun_error is None
    assert found.rerun_cache["tmp"] == []
