"""What batch runs record (`batch_items`, schema 3) on SQLite and on a real PostgreSQL server: one
row per clip and settings, written with the analysis or on its own for a failure; a repeat or a
retry finds it; two processes writing the same clips at once leave each exactly once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from formcheck.store import Library
from formcheck.store.batch_log import DONE, FAILED, AlreadyRecorded
from test_store import count_rows, files_writer, media_entries

RUN = "run-1"


def analysis_kwargs(sha: str) -> dict:
    return dict(mode="running", title="Easy run", exercise=None, view="side", confidence=0.9, settings={},
                model_id="full@1", formcheck_version="0.1.0", clip_sha256=sha, data={"strides": 3}, metrics=[],
                write_files=files_writer({"analysis.json": "{}"}))


def add_batch_clip(lib: Library, athlete_id: int, source: Path, sha: str, key: str, run_id: str = RUN):
    return lib.add_clip_with_analysis(
        athlete_id, source, source.name, duration_s=4.0,
        batch=dict(clip_sha256=sha, settings_key=key, source_path=str(source), run_id=run_id, seconds=1.5),
        **analysis_kwargs(sha))


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "run1.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    return path


@pytest.fixture
def lib(library_url, media):
    with Library.open(library_url, media) as library:
        yield library


def test_done_is_recorded_with_the_analysis_and_a_repeat_finds_it(lib, library_url, media, source):
    ana = lib.athlete_named("Ana")
    assert lib.athlete_named("Ana") == ana  # got, not added twice
    record = add_batch_clip(lib, ana.id, source, "a" * 64, "k1")
    item = lib.batch_item("a" * 64, "k1")
    assert (item.status, item.analysis_id, item.message, item.run_id, item.seconds) == (DONE, record.id, "", RUN, 1.5)
    assert item.source_path == str(source)
    files_before = media_entries(media)
    with pytest.raises(AlreadyRecorded) as found:
        add_batch_clip(lib, ana.id, source, "a" * 64, "k1", run_id="run-2")
    assert found.value.args == (record.id,)
    assert media_entries(media) == files_before  # the repeat's clip copy and folder are gone
    assert [count_rows(library_url, t) for t in ("clips", "analyses", "batch_items")] == [1, 1, 1]
    assert lib.batch_item("a" * 64, "k2") is None  # other settings: not done
    add_batch_clip(lib, ana.id, source, "a" * 64, "k2")
    assert [i.settings_key for i in lib.batch_items()] == ["k1", "k2"]
    assert [i.settings_key for i in lib.batch_items(run_id="run-2")] == []


def test_a_failure_is_kept_until_the_clip_is_done(lib, library_url, source):
    ana = lib.athlete_named("Ana")
    failure = dict(clip_sha256="b" * 64, settings_key="k1", source_path=str(source), seconds=0.3)
    assert lib.record_batch_failure(run_id=RUN, message="This file is not a video.", **failure)
    assert lib.record_batch_failure(run_id="run-2", message="Nobody was found in the clip.", **failure)
    item = lib.batch_item("b" * 64, "k1")
    assert (item.status, item.message, item.run_id, item.analysis_id) == (FAILED, "Nobody was found in the clip.",
                                                                          "run-2", None)
    record = add_batch_clip(lib, ana.id, source, "b" * 64, "k1", run_id="run-3")  # --retry-failed, now it works
    item = lib.batch_item("b" * 64, "k1")
    assert (item.status, item.message, item.analysis_id) == (DONE, "", record.id)
    assert not lib.record_batch_failure(run_id="run-4", message="late failure", **failure)  # done stays done
    assert lib.batch_item("b" * 64, "k1").status == DONE
    assert count_rows(library_url, "batch_items") == 1


def test_a_long_message_is_cut_not_refused(lib, source):
    lib.record_batch_failure(clip_sha256="c" * 64, settings_key="k", source_path=str(source), run_id=RUN,
                             message="x" * 5000, seconds=None)
    assert len(lib.batch_item("c" * 64, "k").message) == 2000


def test_deleting_the_analysis_forgets_that_the_clip_was_done(lib, source):
    ana = lib.athlete_named("Ana")
    record = add_batch_clip(lib, ana.id, source, "d" * 64, "k1")
    lib.delete_analysis(record.id)
    assert lib.batch_item("d" * 64, "k1") is None  # the next batch analyses it again


def _writer(url: str, media: str, source: str, athlete_id: int, keys: list[str], start, results) -> None:
    """One batch worker's writes: the same clip under each key, all at once with the other process."""
    won = []
    with Library.open(url, Path(media)) as lib:
        start.wait(timeout=60)
        for key in keys:
            try:
                add_batch_clip(lib, athlete_id, Path(source), "e" * 64, key)
                won.append(key)
            except AlreadyRecorded:
                pass
    results.put(won)


def test_two_processes_writing_the_same_clips_at_once_leave_each_once(library_url, media, source):
    """Two workers handed the same clips (a retry racing its first try, or two runs at once): each
    (clip, settings) is stored exactly once, none lost."""
    keys = [f"k{i}" for i in range(12)]
    with Library.open(library_url, media) as lib:
        athlete_id = lib.athlete_named("Ana").id
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(library_url, str(media), str(source), athlete_id, keys, start, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    won = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(won[0] + won[1]) == sorted(keys)  # every key written by exactly one of them
    assert [count_rows(library_url, t) for t in ("clips", "analyses", "batch_items")] == [12, 12, 12]
    with Library.open(library_url, media) as lib:
        assert lib.sweep() == []  # the losers' copies were removed, nothing orphaned
        assert sorted(i.settings_key for i in lib.batch_items()) == sorted(keys)
