"""The coach's library on real SQLite files and a real PostgreSQL server: exact values back, filters,
ordering, files, migrations.

Every test that opens a library runs once per backend (`library_url` in conftest.py: ids end in
[sqlite] or [postgresql]); the few that check SQLite's own files or settings say so and run on SQLite.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, text
from sqlalchemy.pool import NullPool

from formcheck.errors import FormCheckError
from formcheck.store import (
    AnalysisRecord,
    DuplicateError,
    InvalidEntryError,
    Library,
    LibraryError,
    MediaMismatchError,
    MetricValue,
    NotFoundError,
    SchemaTooNewError,
    TrendPoint,
    schema,
)
from formcheck.store import media as fs
from formcheck.store.db import make_engine
from formcheck.store.migrations import LATEST_VERSION, migrate

CADENCE = MetricValue("cadence_spm", "Cadence", 172.5, "steps/min", 14, "side", False)
VALGUS = MetricValue("knee_valgus_deg", "Knee valgus", 6.25, "deg", 8, "front", True)


@pytest.fixture
def url(library_url):
    return library_url


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def lib(url, media):
    with Library.open(url, media) as library:
        yield library


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 50)
    return path


def files_writer(files: dict[str, str], returns: list[str] | None = None):
    def write_files(folder: Path):
        for name, content in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(content)
        return returns
    return write_files


def add_analysis(lib, clip, **overrides) -> AnalysisRecord:
    values = dict(mode="running", title="Easy run", exercise=None, view="side", confidence=0.9,
                  settings={"smoothing": "butterworth", "cutoff_hz": 6.0}, model_id="pose_landmarker_full@abc",
                  formcheck_version="0.1.0", clip_sha256=clip.sha256, data={"mode": "running", "strides": 14},
                  metrics=[CADENCE], write_files=files_writer({"analysis.json": "{}"}))
    values.update(overrides)
    return lib.add_analysis(clip.id, **values)


def media_entries(media: Path) -> list[str]:
    """Every file and folder under clips/ and analyses/ (relative); the control files at the root aside."""
    assert sorted(p.name for p in media.iterdir() if p.is_file()) == sorted(fs.CONTROL_FILES)
    assert sorted(p.name for p in media.iterdir() if p.is_dir()) == [fs.ANALYSES, fs.CLIPS]
    return sorted(p.relative_to(media).as_posix() for sub in (fs.CLIPS, fs.ANALYSES) for p in (media / sub).rglob("*"))


def rel(path: Path, media: Path) -> str:
    return path.relative_to(media).as_posix()


def count_rows(url: str, table: str) -> int:
    """Rows in table, read from the database itself rather than through the library."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


# -- athletes -----------------------------------------------------------
def test_athlete_crud(lib, source):
    before = datetime.now(timezone.utc)
    ada = lib.add_athlete("  Ada Lovelace ", notes=" left knee ")
    assert (ada.name, ada.notes, ada.clip_count) == ("Ada Lovelace", "left knee", 0)
    assert before <= ada.created_at <= datetime.now(timezone.utc)
    assert lib.athlete(ada.id) == ada
    bob = lib.add_athlete("bob")
    carl = lib.add_athlete("Carl")
    assert [a.name for a in lib.athletes()] == ["Ada Lovelace", "bob", "Carl"]  # by name, case ignored
    assert [a.id for a in lib.athletes(search="AR")] == [carl.id]
    assert [a.id for a in lib.athletes(search="o")] == [ada.id, bob.id]
    assert lib.athletes(search="%") == []  # wildcards are literal

    lib.add_clip(bob.id, source, "a.mp4")
    lib.add_clip(bob.id, source, "b.mp4")
    assert lib.athlete(bob.id).clip_count == 2

    renamed = lib.update_athlete(bob.id, name="Bob Beamon")
    assert (renamed.name, renamed.notes, renamed.clip_count) == ("Bob Beamon", "", 2)
    assert lib.update_athlete(bob.id, notes="long jump").notes == "long jump"
    assert lib.update_athlete(bob.id, name="BOB BEAMON").name == "BOB BEAMON"  # own name, new case: fine
    lib.delete_athlete(carl.id)
    assert [a.id for a in lib.athletes()] == [ada.id, bob.id]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ada.name = "x"


@pytest.mark.parametrize("name, error, message", [
    pytest.param("", InvalidEntryError, "Please type the athlete's name", id="empty"),
    pytest.param("   \t", InvalidEntryError, "Please type the athlete's name", id="blank"),
    pytest.param("x" * 101, InvalidEntryError, "at most 100 characters; this one has 101", id="too-long"),
    pytest.param("ADA", DuplicateError, "already an athlete called 'ADA'", id="duplicate-other-case"),
    pytest.param(" ada ", DuplicateError, "already an athlete called 'ada'", id="duplicate-spaces"),
])
def test_athlete_name_validation(lib, name, error, message):
    lib.add_athlete("Ada")
    with pytest.raises(error, match=message) as info:
        lib.add_athlete(name)
    assert isinstance(info.value, LibraryError) and isinstance(info.value, FormCheckError)
    assert [a.name for a in lib.athletes()] == ["Ada"]


def test_athlete_name_limits_and_rename_conflict(lib):
    assert lib.add_athlete("x" * 100).name == "x" * 100
    bo = lib.add_athlete("Bo")
    with pytest.raises(DuplicateError, match="already an athlete called 'XX"):
        lib.update_athlete(bo.id, name="X" * 100)
    with pytest.raises(InvalidEntryError, match="Please type"):
        lib.update_athlete(bo.id, name=" ")
    assert lib.athlete(bo.id).name == "Bo"
    with pytest.raises(ValueError, match="name must be a str"):
        lib.add_athlete(None)


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda lib: lib.athlete(99), "no athlete with id 99", id="athlete"),
    pytest.param(lambda lib: lib.update_athlete(99, notes="x"), "no athlete with id 99", id="update"),
    pytest.param(lambda lib: lib.delete_athlete(99), "no athlete with id 99", id="delete-athlete"),
    pytest.param(lambda lib: lib.sessions(99), "no athlete with id 99", id="sessions"),
    pytest.param(lambda lib: lib.add_session(99, date(2024, 1, 1)), "no athlete with id 99", id="add-session"),
    pytest.param(lambda lib: lib.clip(99), "no clip with id 99", id="clip"),
    pytest.param(lambda lib: lib.delete_clip(99), "no clip with id 99", id="delete-clip"),
    pytest.param(lambda lib: lib.notes(99), "no clip with id 99", id="notes"),
    pytest.param(lambda lib: lib.add_note(99, "hi"), "no clip with id 99", id="add-note"),
    pytest.param(lambda lib: lib.analysis(99), "no analysis with id 99", id="analysis"),
    pytest.param(lambda lib: lib.delete_analysis(99), "no analysis with id 99", id="delete-analysis"),
    pytest.param(lambda lib: lib.delete_note(99), "no note with id 99", id="delete-note"),
    pytest.param(lambda lib: lib.history(99), "no athlete with id 99", id="history"),
    pytest.param(lambda lib: lib.trend(99, "x"), "no athlete with id 99", id="trend"),
])
def test_unknown_ids_say_so(lib, call, message):
    with pytest.raises(NotFoundError, match=message):
        call(lib)


# -- sessions -----------------------------------------------------------
def test_sessions_newest_day_first(lib):
    kim = lib.add_athlete("Kim")
    first = lib.add_session(kim.id, date(2024, 3, 1), " intervals ", "track")
    second = lib.add_session(kim.id, date(2024, 5, 9))
    third = lib.add_session(kim.id, date(2024, 3, 1), "warm-up drills", "warm-up")
    assert (first.athlete_id, first.day, first.label, first.context) == (kim.id, date(2024, 3, 1), "intervals", "track")
    assert (second.label, second.context) == ("", "other")
    assert [s.id for s in lib.sessions(kim.id)] == [second.id, third.id, first.id]
    with pytest.raises(ValueError, match="context must be one of treadmill, outdoor, track, warm-up, gym, other"):
        lib.add_session(kim.id, date(2024, 1, 1), context="pool")
    with pytest.raises(ValueError, match="day must be a datetime.date"):
        lib.add_session(kim.id, datetime(2024, 1, 1))
    with pytest.raises(InvalidEntryError, match="at most 200 characters"):
        lib.add_session(kim.id, date(2024, 1, 1), label="l" * 201)


# -- clips --------------------------------------------------------------
@pytest.mark.parametrize("original_name, suffix", [
    pytest.param("run.mp4", ".mp4", id="mp4"),
    pytest.param("IMG_0001.MOV", ".mov", id="upper-mov"),
    pytest.param("clip.m4v", ".m4v", id="m4v"),
    pytest.param("old.avi", ".avi", id="avi"),
    pytest.param("web.webm", ".webm", id="webm"),
    pytest.param("film.mkv", ".bin", id="unknown"),
    pytest.param("noext", ".bin", id="none"),
    pytest.param("../../etc/passwd.mp4", ".mp4", id="traversal"),
    pytest.param("/abs/path/x.mov", ".mov", id="absolute"),
    pytest.param("..\\..\\win.MP4", ".mp4", id="backslashes"),
    pytest.param("run.mp4\x00.sh", ".bin", id="nul"),
])
def test_add_clip_copies_to_a_random_name(lib, media, source, tmp_path, original_name, suffix):
    kim = lib.add_athlete("Kim")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.is_relative_to(media))
    clip = lib.add_clip(kim.id, source, original_name, duration_s=4.25)
    assert clip.original_name == original_name.replace("\x00", "\ufffd")  # text only; PostgreSQL refuses NUL
    assert clip.media_path.parent == media / "clips"
    stem, ext = clip.media_path.name[:-len(suffix)], clip.media_path.name[-len(suffix):]
    assert ext == suffix and len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
    assert clip.media_path.read_bytes() == source.read_bytes()
    assert clip.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (clip.size_bytes, clip.duration_s, clip.analysis_count) == (source.stat().st_size, 4.25, 0)
    assert (clip.athlete_id, clip.session_id, clip.day) == (kim.id, None, date.today())
    assert oct(clip.media_path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert media_entries(media) == [rel(clip.media_path, media)]
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.is_relative_to(media))
    assert after == before  # nothing written outside the media folder (library.db files existed already)
    assert lib.clip(clip.id) == clip


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_clip_in_a_session_takes_its_day(lib, source):
    kim, lee = lib.add_athlete("Kim"), lib.add_athlete("Lee")
    session = lib.add_session(kim.id, date(2023, 12, 24), "xmas run", "outdoor")
    clip = lib.add_clip(kim.id, source, "a.mp4", session_id=session.id)
    assert (clip.session_id, clip.day) == (session.id, date(2023, 12, 24))
    with pytest.raises(ValueError, match=f"session {session.id} belongs to athlete {kim.id}, not {lee.id}"):
        lib.add_clip(lee.id, source, "b.mp4", session_id=session.id)
    with pytest.raises(ValueError, match="duration_s must be None or a finite number"):
        lib.add_clip(kim.id, source, "c.mp4", duration_s=float("nan"))
    assert [c.id for c in lib.clips()] == [clip.id]


@pytest.fixture
def filled(lib, source):
    return _fill(lib, source)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled_lib(request, tmp_path_factory):
    """A filled library shared by the read-only filter cases, one per backend."""
    root = tmp_path_factory.mktemp("filled")
    source = root / "upload.mp4"
    source.write_bytes(b"clip bytes")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'library.db'}"
    else:
        from postgres_server import create_database, drop_database

        url = create_database(request.getfixturevalue("postgres_url"))
    try:
        with Library.open(url, root / "media") as lib:
            yield lib, _fill(lib, source)
    finally:
        if request.param == "postgresql":
            drop_database(url)


def _fill(lib, source) -> dict:
    """Two athletes, three sessions, four clips, analyses of each mode, notes."""
    ada, bob = lib.add_athlete("Ada"), lib.add_athlete("Bob Smith")
    s1 = lib.add_session(ada.id, date(2024, 1, 10), "Treadmill tempo", "treadmill")
    s2 = lib.add_session(ada.id, date(2024, 2, 20), "Glute day", "gym")
    s3 = lib.add_session(bob.id, date(2024, 3, 5), "Track 100% effort", "track")
    c1 = lib.add_clip(ada.id, source, "tempo_side.mp4", session_id=s1.id)
    c2 = lib.add_clip(ada.id, source, "bridges.MOV", session_id=s2.id)
    c3 = lib.add_clip(bob.id, source, "sprint.mp4", session_id=s3.id)
    c4 = lib.add_clip(bob.id, source, "misc.webm")  # no session: today
    add_analysis(lib, c1, title="Tempo run")
    add_analysis(lib, c2, mode="exercise", title="Bridges", exercise="glute_bridge", view="side", metrics=[])
    add_analysis(lib, c2, mode="exercise", title="Clams", exercise="clamshell", view="front", metrics=[])
    add_analysis(lib, c3, mode="compare", title="Sprint vs last week")
    lib.add_note(c4.id, "Heel striking on the LEFT foot")
    return dict(ada=ada, bob=bob, s1=s1, s2=s2, s3=s3, c1=c1, c2=c2, c3=c3, c4=c4)


@pytest.mark.parametrize("filters, expected", [
    pytest.param({}, ["c4", "c3", "c2", "c1"], id="all-newest-day-first"),
    pytest.param({"athlete": "ada"}, ["c2", "c1"], id="athlete"),
    pytest.param({"session": "s2"}, ["c2"], id="session"),
    pytest.param({"search": "TEMPO"}, ["c1"], id="name-and-label"),
    pytest.param({"search": "glute"}, ["c2"], id="session-label"),
    pytest.param({"search": "smith"}, ["c4", "c3"], id="athlete-name"),
    pytest.param({"search": "heel strik"}, ["c4"], id="note-text"),
    pytest.param({"search": "100%"}, ["c3"], id="percent-literal"),
    pytest.param({"search": "_"}, ["c1"], id="underscore-literal"),
    pytest.param({"search": "nothing like it"}, [], id="no-match"),
    pytest.param({"mode": "exercise"}, ["c2"], id="mode"),
    pytest.param({"mode": "running"}, ["c1"], id="mode-running"),
    pytest.param({"exercise": "clamshell"}, ["c2"], id="exercise"),
    pytest.param({"mode": "running", "exercise": "clamshell"}, [], id="mode-and-exercise-one-analysis"),
    pytest.param({"day_from": date(2024, 2, 1), "day_to": date(2024, 3, 5)}, ["c3", "c2"], id="day-range"),
    pytest.param({"day_to": date(2024, 1, 10)}, ["c1"], id="day-to-inclusive"),
    pytest.param({"day_from": date(2024, 3, 6)}, ["c4"], id="day-from"),
    pytest.param({"athlete": "ada", "search": "b"}, ["c2"], id="combined"),
])
def test_clip_search_and_filters(filled_lib, filters, expected):
    lib, filled = filled_lib
    kwargs = dict(filters)
    if "athlete" in kwargs:
        kwargs["athlete_id"] = filled[kwargs.pop("athlete")].id
    if "session" in kwargs:
        kwargs["session_id"] = filled[kwargs.pop("session")].id
    assert [c.id for c in lib.clips(**kwargs)] == [filled[name].id for name in expected]


def test_clip_counts(lib, filled):
    assert [c.analysis_count for c in lib.clips()] == [0, 1, 2, 1]
    assert (lib.athlete(filled["ada"].id).clip_count, lib.athlete(filled["bob"].id).clip_count) == (2, 2)
    with pytest.raises(ValueError, match="mode must be one of running, exercise, compare"):
        lib.clips(mode="swim")


# -- analyses -----------------------------------------------------------
def test_add_analysis_stores_everything(lib, media, source):
    kim = lib.add_athlete("Kim")
    session = lib.add_session(kim.id, date(2024, 4, 2), "hills", "outdoor")
    clip = lib.add_clip(kim.id, source, "hill.mp4", session_id=session.id)
    files = {"analysis.json": '{"a": 1}', "report.html": "<html/>", "keyframes/contact_1.png": "png"}
    record = add_analysis(
        lib, clip, mode="exercise", title="Squats", exercise="squat", view="front", confidence=0.625,
        settings={"cutoff_hz": 6.0, "window": (3, 5), "missing": float("nan")}, data={"reps": [1, 2], "x": math.inf},
        metrics=[CADENCE, VALGUS], write_files=files_writer(files))
    assert (record.clip_id, record.athlete_id, record.mode, record.title, record.exercise, record.view) == (
        clip.id, kim.id, "exercise", "Squats", "squat", "front")
    assert (record.confidence, record.model_id, record.formcheck_version, record.clip_sha256) == (
        0.625, "pose_landmarker_full@abc", "0.1.0", clip.sha256)
    assert record.settings == {"cutoff_hz": 6.0, "window": [3, 5], "missing": None}  # JSON: no tuples, no NaN
    assert record.data == {"reps": [1, 2], "x": None}
    assert record.metrics == (CADENCE, VALGUS)
    assert record.files == ("analysis.json", "keyframes/contact_1.png", "report.html")  # None returned: all files
    assert record.day == date(2024, 4, 2)
    assert record.folder.parent == media / "analyses" and len(record.folder.name) == 32
    for name, content in files.items():
        assert (record.folder / name).read_text() == content
    assert lib.analysis(record.id) == record
    assert lib.clip(clip.id).analysis_count == 1
    assert media_entries(media) == sorted([rel(clip.media_path, media), rel(record.folder, media)]
                                          + [rel(record.folder / n, media) for n in ("analysis.json", "keyframes",
                                             "keyframes/contact_1.png", "report.html")])


def test_analyses_newest_first_and_by_athlete(lib, filled):
    titles = [a.title for a in lib.analyses()]
    assert titles == ["Sprint vs last week", "Clams", "Bridges", "Tempo run"]
    assert [a.title for a in lib.analyses(clip_id=filled["c2"].id)] == ["Clams", "Bridges"]
    assert [a.title for a in lib.analyses(athlete_id=filled["bob"].id)] == ["Sprint vs last week"]
    assert lib.analyses(clip_id=filled["c2"].id, athlete_id=filled["bob"].id) == []


def test_write_files_returning_names_keeps_only_those(lib, source):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    record = add_analysis(lib, clip, write_files=files_writer({"report.html": "r", "scratch.log": "s"},
                                                              returns=["report.html"]))
    assert record.files == ("report.html",)


@pytest.mark.parametrize("write_files, error, message", [
    pytest.param(files_writer({"annotated.mp4": "half"}, returns=None), RuntimeError, "encoder crashed",
                 id="raises"),
    pytest.param(files_writer({"a.txt": "a"}, returns=["../escape.txt"]), ValueError, "relative paths inside",
                 id="name-escapes"),
    pytest.param(files_writer({"a.txt": "a"}, returns=["missing.csv"]), ValueError, "did not write",
                 id="name-missing"),
])
def test_failed_analysis_leaves_no_row_and_no_folder(lib, media, source, url, write_files, error, message):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")

    def failing(folder: Path):
        names = write_files(folder)
        if error is RuntimeError:
            raise RuntimeError("encoder crashed")
        return names

    with pytest.raises(error, match=message):
        add_analysis(lib, clip, write_files=failing)
    assert lib.analyses() == [] and count_rows(url, "metrics") == 0
    assert media_entries(media) == [rel(clip.media_path, media)]


def test_analysis_argument_checks(lib, media, source):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    with pytest.raises(ValueError, match="mode must be one of"):
        add_analysis(lib, clip, mode="walk")
    with pytest.raises(ValueError, match=r"settings\['x'\] must be JSON data \(dict, list, str, number, bool, None\), got object"):
        add_analysis(lib, clip, settings={"x": object()})
    with pytest.raises(ValueError, match="metrics must be MetricValue items"):
        add_analysis(lib, clip, metrics=[{"name": "x"}])
    with pytest.raises(NotFoundError, match="no clip with id 99"):
        lib.add_analysis(99, **{k: v for k, v in _defaults(clip).items()})
    assert media_entries(media) == [rel(clip.media_path, media)]  # refused before any file was written


def _defaults(clip) -> dict:
    return dict(mode="running", title="t", exercise=None, view="side", confidence=1.0, settings={}, model_id="m",
                formcheck_version="v", clip_sha256=clip.sha256, data={}, metrics=[], write_files=lambda f: None)


@pytest.mark.parametrize("kwargs, message", [
    pytest.param(dict(name=""), "name must be a non-empty string", id="empty-name"),
    pytest.param(dict(n=-1), "n must be an int >= 0", id="negative-n"),
    pytest.param(dict(n=2.5), "n must be an int >= 0", id="float-n"),
    pytest.param(dict(value="7"), "value must be a float", id="str-value"),
])
def test_metric_value_checks(kwargs, message):
    values = dict(name="m", label="M", value=1.0, unit="deg", n=1, view="side", low_confidence=False)
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        MetricValue(**values)


# -- history and trends -------------------------------------------------
def test_history_trend_and_metric_names(lib, source):
    kim = lib.add_athlete("Kim")
    other = lib.add_athlete("Other")
    may = lib.add_session(kim.id, date(2024, 5, 1), "may", "track")
    jan = lib.add_session(kim.id, date(2024, 1, 15), "jan", "track")
    late = lib.add_clip(kim.id, source, "may.mp4", session_id=may.id)
    early = lib.add_clip(kim.id, source, "jan.mp4", session_id=jan.id)
    a_may = add_analysis(lib, late, title="may", metrics=[
        dataclasses.replace(CADENCE, value=176.0, n=20), VALGUS])
    a_jan1 = add_analysis(lib, early, title="jan-1", metrics=[dataclasses.replace(CADENCE, value=168.0)])
    a_jan2 = add_analysis(lib, early, title="jan-2", metrics=[
        dataclasses.replace(CADENCE, value=170.0, low_confidence=True),
        MetricValue("hip_drop_deg", "Hip drop", math.nan, "deg", 0, "rear", True)])
    add_analysis(lib, lib.add_clip(other.id, source, "o.mp4"), metrics=[dataclasses.replace(CADENCE, value=999.0)])

    assert [a.id for a in lib.history(kim.id)] == [a_jan1.id, a_jan2.id, a_may.id]  # day, then when analysed
    assert [a.day for a in lib.history(kim.id)] == [date(2024, 1, 15)] * 2 + [date(2024, 5, 1)]
    assert lib.trend(kim.id, "cadence_spm") == [
        TrendPoint(date(2024, 1, 15), 168.0, "steps/min", 14, False, a_jan1.id, early.id, "side"),
        TrendPoint(date(2024, 1, 15), 170.0, "steps/min", 14, True, a_jan2.id, early.id, "side"),
        TrendPoint(date(2024, 5, 1), 176.0, "steps/min", 20, False, a_may.id, late.id, "side"),
    ]
    assert lib.trend(kim.id, "knee_valgus_deg") == [
        TrendPoint(date(2024, 5, 1), 6.25, "deg", 8, True, a_may.id, late.id, "front")]
    assert lib.trend(kim.id, "hip_drop_deg") == []  # never measured
    assert lib.trend(kim.id, "no_such_metric") == []
    # the NaN metric is kept on its analysis, but it has no value to list
    assert math.isnan(lib.analysis(a_jan2.id).metrics[1].value)
    assert lib.metric_names(kim.id) == [("cadence_spm", "Cadence", "steps/min"),
                                        ("knee_valgus_deg", "Knee valgus", "deg")]
    assert lib.metric_names(lib.add_athlete("New").id) == []


# -- notes --------------------------------------------------------------
def test_notes(lib, source):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    analysis = add_analysis(lib, clip)
    late = lib.add_note(clip.id, "late moment", t_s=3.5, author="Coach", frame=105)
    general = lib.add_note(clip.id, "  general remark  ")
    early = lib.add_note(clip.id, "early", t_s=0.5, analysis_id=analysis.id)
    general2 = lib.add_note(clip.id, "second remark")
    assert (late.clip_id, late.analysis_id, late.t_s, late.text, late.author, late.pinned_frame) == (
        clip.id, None, 3.5, "late moment", "Coach", 105)
    assert (general.text, general.t_s, general.pinned_frame, early.analysis_id) == (
        "general remark", None, None, analysis.id)
    assert [n.id for n in lib.notes(clip.id)] == [general.id, general2.id, early.id, late.id]
    lib.delete_note(general.id)
    assert [n.id for n in lib.notes(clip.id)] == [general2.id, early.id, late.id]

    lib.delete_analysis(analysis.id)  # notes on it stay with the clip
    assert [(n.id, n.analysis_id) for n in lib.notes(clip.id)] == [(general2.id, None), (early.id, None),
                                                                   (late.id, None)]


@pytest.mark.parametrize("kwargs, error, message", [
    pytest.param(dict(text=""), InvalidEntryError, "A note needs some text", id="empty"),
    pytest.param(dict(text=" \n "), InvalidEntryError, "A note needs some text", id="blank"),
    pytest.param(dict(text="n" * 5001), InvalidEntryError, "at most 5000 characters; this one has 5001", id="long"),
    pytest.param(dict(text="ok", author="a" * 101), InvalidEntryError, "at most 100 characters", id="author"),
    pytest.param(dict(text="ok", t_s=-1.0), ValueError, "t_s must be None or a finite number", id="negative-t"),
    pytest.param(dict(text="ok", frame=-3), ValueError, "frame must be None or an int >= 0", id="negative-frame"),
])
def test_note_validation(lib, source, kwargs, error, message):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    with pytest.raises(error, match=message):
        lib.add_note(clip.id, **kwargs)
    assert lib.notes(clip.id) == []
    assert lib.add_note(clip.id, "n" * 5000).text == "n" * 5000


def test_note_on_another_clips_analysis_is_refused(lib, source):
    kim = lib.add_athlete("Kim")
    one, two = lib.add_clip(kim.id, source, "1.mp4"), lib.add_clip(kim.id, source, "2.mp4")
    analysis = add_analysis(lib, one)
    with pytest.raises(ValueError, match=f"analysis {analysis.id} is of clip {one.id}, not {two.id}"):
        lib.add_note(two.id, "x", analysis_id=analysis.id)


# -- deleting removes rows and files ------------------------------------
def test_delete_analysis_removes_row_metrics_and_folder(lib, media, source, url):
    clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    keep, drop = add_analysis(lib, clip, title="keep"), add_analysis(lib, clip, title="drop")
    lib.delete_analysis(drop.id)
    assert not drop.folder.exists() and keep.folder.is_dir()
    assert [a.id for a in lib.analyses()] == [keep.id]
    assert count_rows(url, "metrics") == 1
    assert media_entries(media) == sorted([rel(clip.media_path, media), rel(keep.folder, media),
                                           rel(keep.folder / "analysis.json", media)])


def test_delete_clip_removes_file_analyses_and_notes(lib, media, source, url):
    kim = lib.add_athlete("Kim")
    keep, drop = lib.add_clip(kim.id, source, "keep.mp4"), lib.add_clip(kim.id, source, "drop.mp4")
    gone = [add_analysis(lib, drop), add_analysis(lib, drop, mode="exercise", exercise="squat")]
    lib.add_note(drop.id, "bye", analysis_id=gone[0].id)
    lib.add_note(keep.id, "stay")
    lib.delete_clip(drop.id)
    assert not drop.media_path.exists() and all(not a.folder.exists() for a in gone)
    assert [c.id for c in lib.clips()] == [keep.id]
    assert (count_rows(url, "analyses"), count_rows(url, "metrics"), count_rows(url, "notes")) == (0, 0, 1)
    assert media_entries(media) == [rel(keep.media_path, media)]


def test_delete_athlete_cascades_to_everything(lib, media, source, url, filled):
    lib.delete_athlete(filled["ada"].id)
    for table, left in [("athletes", 1), ("sessions", 1), ("clips", 2), ("analyses", 1), ("metrics", 1),
                        ("notes", 1)]:
        assert count_rows(url, table) == left, table
    bob_clips = lib.clips()
    assert [c.id for c in bob_clips] == [filled["c4"].id, filled["c3"].id]
    assert not filled["c1"].media_path.exists() and not filled["c2"].media_path.exists()
    bob_analysis = lib.analyses()[0]
    assert media_entries(media) == sorted([rel(c.media_path, media) for c in bob_clips]
                                          + [rel(bob_analysis.folder, media),
                                             rel(bob_analysis.folder / "analysis.json", media)])
    lib.delete_athlete(filled["bob"].id)
    assert media_entries(media) == []
    assert [count_rows(url, t) for t in ("athletes", "sessions", "clips", "analyses", "metrics", "notes")] == [0] * 6


# -- opening: pragmas, sweep, media ownership ---------------------------
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    """SQLite only: these are SQLite's per-connection pragmas (PostgreSQL has no equivalent to set)."""
    url = f"sqlite:///{tmp_path / 'library.db'}"
    with Library.open(url, tmp_path / "media"):
        pass
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def test_open_sweeps_orphans_but_keeps_referenced_files(url, media, source):
    with Library.open(url, media) as lib:
        clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
        analysis = add_analysis(lib, clip)
    orphans = ["clips/.0123.part", "clips/ffff.mp4", "analyses/abcd.tmp", "analyses/beef"]
    for name in orphans:
        path = media / name
        if path.suffix in (".tmp", "") and name.startswith("analyses"):
            path.mkdir()
            (path / "annotated.mp4").write_bytes(b"partial")
        else:
            path.write_bytes(b"partial")
    (media / "clips" / "link.mp4").symlink_to(source)  # removed as a link; its target is untouched
    with Library.open(url, media) as lib:
        assert lib.sweep() == []
    assert source.is_file()
    assert media_entries(media) == sorted([rel(clip.media_path, media), rel(analysis.folder, media),
                                           rel(analysis.folder / "analysis.json", media)])


def test_sweep_waits_for_writers(url, media):
    with Library.open(url, media) as lib:
        (media / "analyses" / "busy.tmp").mkdir()
        with fs.writing(media):  # another writer's files are in flight
            assert lib.sweep() is None
            assert (media / "analyses" / "busy.tmp").is_dir()
        assert lib.sweep() == ["analyses/busy.tmp"]


def test_media_folder_of_another_library_is_refused(new_library_url, media, source):
    with Library.open(new_library_url(), media) as lib:
        clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    with pytest.raises(MediaMismatchError, match="belongs to a different library database"):
        Library.open(new_library_url(), media)
    assert clip.media_path.is_file()  # the other library's sweep never ran


def test_default_is_a_sqlite_file_under_the_home_folder(tmp_path, monkeypatch):
    """SQLite only: without DATABASE_URL the library is this SQLite file."""
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FORMCHECK_MEDIA", raising=False)
    with Library.open() as lib:
        assert lib.media_dir == tmp_path / "home" / ".formcheck" / "library" / "media"
    assert (tmp_path / "home" / ".formcheck" / "library" / "library.db").is_file()


def test_database_url_and_media_folder_come_from_the_environment(tmp_path, monkeypatch, source, library_url):
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATABASE_URL", library_url)
    monkeypatch.setenv("FORMCHECK_MEDIA", str(tmp_path / "env-media"))
    with Library.open() as lib:
        clip = lib.add_clip(lib.add_athlete("Kim").id, source, "a.mp4")
    assert clip.media_path.parent == tmp_path / "env-media" / "clips"
    assert not (tmp_path / "home").exists()  # nothing in the default place
    with Library.open(library_url, tmp_path / "env-media") as lib:
        assert lib.clip(clip.id) == clip


# -- migrations ---------------------------------------------------------
def _columns(engine) -> dict[str, set[str]]:
    inspector = inspect(engine)
    return {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}


def test_version_1_database_is_migrated_with_its_data(url, media, source):
    engine = make_engine(url)
    try:
        assert migrate(engine, up_to=1) == 1
        assert "pinned_frame" not in _columns(engine)["notes"]
        now = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
        with engine.begin() as conn:  # rows as version 1 wrote them
            conn.execute(text("INSERT INTO athletes (id, name, name_key, notes, created_at) "
                              "VALUES (7, 'Old Timer', 'old timer', 'from v1', :t)"), {"t": now})
            conn.execute(text("INSERT INTO clips (id, athlete_id, session_id, day, original_name, media_path, sha256,"
                              " size_bytes, duration_s, created_at) VALUES (3, 7, NULL, :d, 'old.mp4', "
                              "'clips/0000.mp4', :sha, 10, 2.0, :t)"), {"d": date(2024, 6, 1), "sha": "a" * 64,
                                                                          "t": now})
            conn.execute(text("INSERT INTO notes (id, clip_id, analysis_id, t_s, text, author, created_at) "
                              "VALUES (5, 3, NULL, 1.5, 'v1 note', 'coach', :t)"), {"t": now})
    finally:
        engine.dispose()
    (media / "clips").mkdir(parents=True)
    (media / "clips" / "0000.mp4").write_bytes(b"0123456789")

    with Library.open(url, media) as lib:
        assert lib.schema_version() == LATEST_VERSION == 3
        old = lib.athlete(7)
        assert (old.name, old.notes, old.created_at, old.clip_count) == ("Old Timer", "from v1", now, 1)
        clip = lib.clip(3)
        assert (clip.original_name, clip.media_path, clip.day) == ("old.mp4", media / "clips" / "0000.mp4",
                                                                  date(2024, 6, 1))
        assert clip.media_path.read_bytes() == b"0123456789"  # referenced: the sweep kept it
        note = lib.notes(3)[0]
        assert (note.text, note.t_s, note.pinned_frame) == ("v1 note", 1.5, None)
        assert lib.add_note(3, "pinned", frame=12).pinned_frame == 12  # the v2 column works
    engine = make_engine(url)
    try:
        assert "pinned_frame" in _columns(engine)["notes"]
        assert "ix_metrics_name_analysis" in {i["name"] for i in inspect(engine).get_indexes("metrics")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all() == [1, 2, 3]
    finally:
        engine.dispose()


def test_migrated_and_new_databases_match_schema_py(new_library_url):
    declared = {name: {c.name for c in table.columns} for name, table in schema.metadata.tables.items()}
    for name, steps in [("new", [None]), ("stepwise", [1, None])]:
        engine = make_engine(new_library_url())
        try:
            for up_to in steps:
                migrate(engine, up_to=up_to)
            assert _columns(engine) == declared, name
        finally:
            engine.dispose()


def test_newer_database_is_refused(url, media):
    with Library.open(url, media):
        pass
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.schema_version).values(version=LATEST_VERSION + 1, description="future",
                                                               applied_at=datetime.now(timezone.utc)))
    finally:
        engine.dispose()
    with pytest.raises(SchemaTooNewError, match=r"newer version of FormCheck \(library format 4; this version "
                                                r"reads up to 3\)\. Update FormCheck"):
        Library.open(url, media)


def test_clip_with_analysis_commits_both_together(lib, source, media, url):
    ada = lib.add_athlete("Ada")
    values = dict(mode="running", title="Easy run", exercise=None, view="side", confidence=0.9, settings={},
                  model_id="pose_landmarker_full@abc", formcheck_version="0.1.0", clip_sha256="ab" * 32,
                  data={"strides": 3}, metrics=[CADENCE], write_files=files_writer({"analysis.json": "{}"}))
    record = lib.add_clip_with_analysis(ada.id, source, "../run.mp4", duration_s=7.5, **values)
    (clip,) = lib.clips()
    assert record.clip_id == clip.id and clip.original_name == "../run.mp4" and clip.analysis_count == 1
    assert clip.duration_s == 7.5 and record.files == ("analysis.json",) and record.metrics == (CADENCE,)
    assert sorted(media_entries(media)) == sorted([rel(clip.media_path, media), rel(record.folder, media),
                                                   rel(record.folder / "analysis.json", media)])


def test_clip_with_analysis_failing_leaves_neither_row_nor_file(lib, source, media, url):
    ada = lib.add_athlete("Ada")

    def broken(folder: Path):
        (folder / "annotated.mp4").write_bytes(b"half")
        raise OSError("disk full")

    values = dict(mode="running", title="Easy run", exercise=None, view="side", confidence=0.9, settings={},
                  model_id="m", formcheck_version="0.1.0", clip_sha256="ab" * 32, data={}, metrics=[],
                  write_files=broken)
    with pytest.raises(OSError, match="disk full"):
        lib.add_clip_with_analysis(ada.id, source, "run.mp4", **values)
    assert lib.clips() == [] and count_rows(url, "clips") == 0 and count_rows(url, "analyses") == 0
    assert media_entries(media) == []
