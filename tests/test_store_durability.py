"""The library under concurrent writers and kills: real processes, a real SQLite file, SIGKILL.

Each test runs tests/store_worker.py in separate processes that pause at a
chosen point (they create a ready-file there); the test then kills them, or
lets them run, and reopens the library to check what is stored: a committed
analysis has its files, an uncommitted one leaves neither a row nor a file.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.store import Library
from formcheck.store import media as fs

WORKER = Path(__file__).resolve().parent / "store_worker.py"
REPO = WORKER.parent.parent


@pytest.fixture
def setup(tmp_path):
    """A library file with one athlete and one clip; returns (url, media_dir, db_path, clip)."""
    db = tmp_path / "library.db"
    url, media = f"sqlite:///{db}", tmp_path / "media"
    source = tmp_path / "run.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with Library.open(url, media) as lib:
        athlete = lib.add_athlete("Kim")
        clip = lib.add_clip(athlete.id, source, "run.mp4")
    (tmp_path / "signals").mkdir()
    return url, media, db, clip


def _start(setup, tmp_path, mode: str, tag: str, clip_id: int | None = None, workers: int = 1):
    url, media, _, clip = setup
    env = dict(os.environ, STORE_WORKERS=str(workers), PYTHONPATH=str(REPO))
    args = [sys.executable, str(WORKER), url, str(media), str(tmp_path / "signals"), mode,
            str(clip.id if clip_id is None else clip_id), tag]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(proc, tmp_path, tag: str, timeout_s: float = 15.0) -> None:
    ready = tmp_path / "signals" / f"ready-{tag}"
    deadline = time.monotonic() + timeout_s
    while not ready.exists():
        if proc.poll() is not None:
            pytest.fail(f"worker exited ({proc.returncode}) before its pause point:\n{proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("worker never reached its pause point")
        time.sleep(0.01)


def _kill(proc) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _media_entries(media: Path) -> list[str]:
    """Files and folders under clips/ and analyses/, relative to media."""
    return sorted(p.relative_to(media).as_posix() for sub in (fs.CLIPS, fs.ANALYSES) for p in (media / sub).rglob("*"))


def test_two_processes_committing_at_once_both_store(setup, tmp_path):
    url, media, db, clip = setup
    procs = [_start(setup, tmp_path, "add", tag, workers=2) for tag in ("a", "b")]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    # both were inside add_analysis at once: each finished its files before the other committed
    assert max(o["files_written_s"] for o in outs) < min(o["committed_s"] for o in outs)
    assert sorted(p.name for p in (tmp_path / "signals").glob("commit-*")) == ["commit-a", "commit-b"]

    with Library.open(url, media) as lib:
        stored = sorted(lib.analyses(clip_id=clip.id), key=lambda a: a.title)
        assert [a.title for a in stored] == ["run a", "run b"]
        assert sorted(a.id for a in stored) == sorted(o["id"] for o in outs)
        for record, tag in zip(stored, "ab"):
            assert record.files == (f"{tag}.txt", "analysis.json")
            assert (record.folder / f"{tag}.txt").read_text() == f"written by {tag}"
            assert record.settings == {"worker": tag}
            assert [m.value for m in record.metrics] == [170.0]
    assert _integrity(db) == "ok"
    assert _count(db, "metrics") == 2


@pytest.mark.parametrize("mode", ["kill-in-write", "kill-after-publish", "kill-before-commit"])
def test_analysis_killed_midway_leaves_nothing(setup, tmp_path, mode):
    url, media, db, clip = setup
    proc = _start(setup, tmp_path, mode, "k")
    _wait_ready(proc, tmp_path, "k")
    leftover = [e for e in _media_entries(media) if e.startswith("analyses/") and e.count("/") == 1]
    assert len(leftover) == 1, leftover
    assert leftover[0].endswith(".tmp") == (mode == "kill-in-write")

    # while the worker lives (it holds the writers' lock), another process's open must not sweep its folder
    with Library.open(url, media) as lib:
        assert lib.sweep() is None
    assert (media / leftover[0]).exists()

    _kill(proc)
    with Library.open(url, media) as lib:  # this open sweeps
        assert lib.analyses() == []
        assert lib.clip(clip.id).analysis_count == 0
        assert lib.sweep() == []  # nothing left for a second sweep
    assert not (media / leftover[0]).exists()
    assert _media_entries(media) == [clip.media_path.relative_to(media).as_posix()]
    assert _integrity(db) == "ok"
    assert (_count(db, "analyses"), _count(db, "metrics")) == (0, 0)


def test_delete_killed_before_files_removed_is_finished_by_the_sweep(setup, tmp_path):
    url, media, db, clip = setup
    with Library.open(url, media) as lib:
        analysis = lib.add_analysis(
            clip.id, mode="running", title="t", exercise=None, view="side", confidence=1.0, settings={},
            model_id="m", formcheck_version="0.1.0", clip_sha256=clip.sha256, data={}, metrics=[],
            write_files=lambda folder: (folder / "report.html").write_text("<html/>") and None)
    assert analysis.folder.is_dir() and clip.media_path.is_file()

    proc = _start(setup, tmp_path, "kill-in-delete", "d")
    _wait_ready(proc, tmp_path, "d")
    _kill(proc)
    assert analysis.folder.is_dir() and clip.media_path.is_file()  # rows gone, files not yet
    assert _count(db, "clips") == 0

    with Library.open(url, media):
        pass
    assert not analysis.folder.exists() and not clip.media_path.exists()
    assert _media_entries(media) == []
    assert _integrity(db) == "ok"


def test_delete_removes_files(setup):
    url, media, db, clip = setup
    with Library.open(url, media) as lib:
        analysis = lib.add_analysis(
            clip.id, mode="exercise", title="squats", exercise="squat", view="front", confidence=0.7, settings={},
            model_id="m", formcheck_version="0.1.0", clip_sha256=clip.sha256, data={}, metrics=[],
            write_files=lambda folder: (folder / "reps.csv").write_text("rep\n1\n") and None)
        lib.delete_athlete(clip.athlete_id)
        assert lib.athletes() == []
    assert not analysis.folder.exists() and not clip.media_path.exists()
    assert _media_entries(media) == []
    assert [_count(db, t) for t in ("athletes", "clips", "analyses", "notes")] == [0, 0, 0, 0]
    assert _integrity(db) == "ok"
