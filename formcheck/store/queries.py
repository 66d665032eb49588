"""Selects and row -> record conversion; every function takes an open connection.

Orders are total (ties broken by id), so a listing never shuffles between calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Select, case, exists, func, or_, select

from formcheck.store import media as fs
from formcheck.store.db import as_utc
from formcheck.store.errors import NotFoundError
from formcheck.store.records import (
    AnalysisRecord,
    AthleteRecord,
    ClipRecord,
    MetricValue,
    NoteRecord,
    SessionRecord,
    TrendPoint,
)
from formcheck.store.schema import analyses, athletes, clips, metrics, notes, sessions

_IN_CHUNK = 500  # ids per IN (...) list, far below every backend's parameter limit


def _not_found(kind: str, ident: int) -> NotFoundError:
    return NotFoundError(f"There is no {kind} with id {ident} in the library; it may have been deleted.")


# -- athletes -----------------------------------------------------------
def athlete_select() -> Select:
    clip_count = select(func.count(clips.c.id)).where(clips.c.athlete_id == athletes.c.id).scalar_subquery()
    return select(athletes, clip_count.label("clip_count")).order_by(athletes.c.name_key, athletes.c.id)


def _athlete(row) -> AthleteRecord:
    m = row._mapping
    return AthleteRecord(id=m["id"], name=m["name"], notes=m["notes"], created_at=as_utc(m["created_at"]),
                         clip_count=m["clip_count"])


def athlete(conn: Connection, athlete_id: int) -> AthleteRecord:
    row = conn.execute(athlete_select().where(athletes.c.id == athlete_id)).first()
    if row is None:
        raise _not_found("athlete", athlete_id)
    return _athlete(row)


def athlete_by_key(conn: Connection, name_key: str) -> AthleteRecord | None:
    row = conn.execute(athlete_select().where(athletes.c.name_key == name_key)).first()
    return None if row is None else _athlete(row)


def athlete_list(conn: Connection, search: str) -> list[AthleteRecord]:
    query = athlete_select()
    if search.strip():
        query = query.where(athletes.c.name_key.contains(search.strip().casefold(), autoescape=True))
    return [_athlete(row) for row in conn.execute(query)]


# -- sessions -----------------------------------------------------------
def _session(row) -> SessionRecord:
    m = row._mapping
    return SessionRecord(id=m["id"], athlete_id=m["athlete_id"], day=m["day"], label=m["label"],
                         context=m["context"], created_at=as_utc(m["created_at"]))


def session(conn: Connection, session_id: int) -> SessionRecord:
    row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
    if row is None:
        raise _not_found("session", session_id)
    return _session(row)


def session_list(conn: Connection, athlete_id: int) -> list[SessionRecord]:
    query = (select(sessions).where(sessions.c.athlete_id == athlete_id)
             .order_by(sessions.c.day.desc(), sessions.c.created_at.desc(), sessions.c.id.desc()))
    return [_session(row) for row in conn.execute(query)]


# -- clips --------------------------------------------------------------
def clip_select() -> Select:
    count = select(func.count(analyses.c.id)).where(analyses.c.clip_id == clips.c.id).scalar_subquery()
    return (select(clips, count.label("analysis_count"))
            .order_by(clips.c.day.desc(), clips.c.created_at.desc(), clips.c.id.desc()))


def _clip(row, media_dir: Path) -> ClipRecord:
    m = row._mapping
    return ClipRecord(id=m["id"], athlete_id=m["athlete_id"], session_id=m["session_id"],
                      original_name=m["original_name"], media_path=fs.safe_path(media_dir, m["media_path"]),
                      sha256=m["sha256"], size_bytes=m["size_bytes"], duration_s=m["duration_s"],
                      created_at=as_utc(m["created_at"]), analysis_count=m["analysis_count"], day=m["day"])


def clip(conn: Connection, clip_id: int, media_dir: Path) -> ClipRecord:
    row = conn.execute(clip_select().where(clips.c.id == clip_id)).first()
    if row is None:
        raise _not_found("clip", clip_id)
    return _clip(row, media_dir)


def clip_list(conn: Connection, media_dir: Path, *, athlete_id: int | None, session_id: int | None, search: str,
              mode: str | None, exercise: str | None, day_from: date | None, day_to: date | None) -> list[ClipRecord]:
    where = []
    if athlete_id is not None:
        where.append(clips.c.athlete_id == athlete_id)
    if session_id is not None:
        where.append(clips.c.session_id == session_id)
    if search.strip():
        text = search.strip()
        where.append(or_(
            clips.c.original_name.icontains(text, autoescape=True),
            sessions.c.label.icontains(text, autoescape=True),
            athletes.c.name_key.contains(text.casefold(), autoescape=True),
            exists().where(notes.c.clip_id == clips.c.id, notes.c.text.icontains(text, autoescape=True)),
        ))
    if mode is not None or exercise is not None:
        wanted = [analyses.c.clip_id == clips.c.id]  # one analysis must match both filters
        if mode is not None:
            wanted.append(analyses.c.mode == mode)
        if exercise is not None:
            wanted.append(analyses.c.exercise == exercise)
        where.append(exists().where(*wanted))
    if day_from is not None:
        where.append(clips.c.day >= day_from)
    if day_to is not None:
        where.append(clips.c.day <= day_to)
    joined = clips.outerjoin(sessions, clips.c.session_id == sessions.c.id).join(
        athletes, clips.c.athlete_id == athletes.c.id)
    query = clip_select().select_from(joined).where(*where)
    return [_clip(row, media_dir) for row in conn.execute(query)]


# -- analyses -----------------------------------------------------------
def analysis_select() -> Select:
    return (select(analyses, clips.c.athlete_id, clips.c.day)
            .join(clips, analyses.c.clip_id == clips.c.id)
            .order_by(analyses.c.created_at.desc(), analyses.c.id.desc()))


def _metric(row) -> MetricValue:
    m = row._mapping
    value = math.nan if m["value"] is None else m["value"]
    return MetricValue(name=m["name"], label=m["label"], value=value, unit=m["unit"], n=m["n"], view=m["view"],
                       low_confidence=bool(m["low_confidence"]))


def _metrics_of(conn: Connection, analysis_ids: list[int]) -> dict[int, list[MetricValue]]:
    found: dict[int, list[MetricValue]] = {i: [] for i in analysis_ids}
    for start in range(0, len(analysis_ids), _IN_CHUNK):
        chunk = analysis_ids[start:start + _IN_CHUNK]
        query = select(metrics).where(metrics.c.analysis_id.in_(chunk)).order_by(metrics.c.id)
        for row in conn.execute(query):
            found[row.analysis_id].append(_metric(row))
    return found


def _analyses(conn: Connection, rows: Iterable, media_dir: Path) -> list[AnalysisRecord]:
    rows = list(rows)
    by_id = _metrics_of(conn, [row.id for row in rows])
    out = []
    for row in rows:
        m = row._mapping
        out.append(AnalysisRecord(
            id=m["id"], clip_id=m["clip_id"], athlete_id=m["athlete_id"], mode=m["mode"], title=m["title"],
            exercise=m["exercise"], view=m["view"], confidence=m["confidence"], settings=m["settings"],
            model_id=m["model_id"], formcheck_version=m["formcheck_version"], clip_sha256=m["clip_sha256"],
            created_at=as_utc(m["created_at"]), folder=fs.safe_path(media_dir, m["folder"]),
            files=tuple(m["files"]), data=m["data"], metrics=tuple(by_id[m["id"]]), day=m["day"]))
    return out


def analysis(conn: Connection, analysis_id: int, media_dir: Path) -> AnalysisRecord:
    rows = conn.execute(analysis_select().where(analyses.c.id == analysis_id)).all()
    if not rows:
        raise _not_found("analysis", analysis_id)
    return _analyses(conn, rows, media_dir)[0]


def analysis_list(conn: Connection, media_dir: Path, *, clip_id: int | None, athlete_id: int | None,
                  oldest_first: bool = False) -> list[AnalysisRecord]:
    query = analysis_select()
    if clip_id is not None:
        query = query.where(analyses.c.clip_id == clip_id)
    if athlete_id is not None:
        query = query.where(clips.c.athlete_id == athlete_id)
    if oldest_first:  # history: by the day of the clip, then when analysed
        query = query.order_by(None).order_by(clips.c.day, analyses.c.created_at, analyses.c.id)
    return _analyses(conn, conn.execute(query), media_dir)


# -- metrics over time --------------------------------------------------
def _athlete_metrics():
    return (metrics.join(analyses, metrics.c.analysis_id == analyses.c.id)
            .join(clips, analyses.c.clip_id == clips.c.id))


def metric_names(conn: Connection, athlete_id: int) -> list[tuple[str, str, str]]:
    """(name, label, unit) of measured metrics, sorted by name; label and unit from the newest analysis."""
    query = (select(metrics.c.name, metrics.c.label, metrics.c.unit).select_from(_athlete_metrics())
             .where(clips.c.athlete_id == athlete_id, metrics.c.value.is_not(None))
             .order_by(analyses.c.created_at.desc(), analyses.c.id.desc()))
    newest: dict[str, tuple[str, str, str]] = {}
    for name, label, unit in conn.execute(query):
        newest.setdefault(name, (name, label, unit))
    return [newest[name] for name in sorted(newest)]


def trend(conn: Connection, athlete_id: int, metric_name: str) -> list[TrendPoint]:
    query = (select(clips.c.day, metrics.c.value, metrics.c.unit, metrics.c.n, metrics.c.low_confidence,
                    analyses.c.id.label("analysis_id"), clips.c.id.label("clip_id"), metrics.c.view)
             .select_from(_athlete_metrics())
             .where(clips.c.athlete_id == athlete_id, metrics.c.name == metric_name, metrics.c.value.is_not(None))
             .order_by(clips.c.day, analyses.c.created_at, analyses.c.id, metrics.c.id))
    return [TrendPoint(day=r.day, value=r.value, unit=r.unit, n=r.n, low_confidence=bool(r.low_confidence),
                       analysis_id=r.analysis_id, clip_id=r.clip_id, view=r.view) for r in conn.execute(query)]


# -- notes --------------------------------------------------------------
def _note(row) -> NoteRecord:
    m = row._mapping
    return NoteRecord(id=m["id"], clip_id=m["clip_id"], analysis_id=m["analysis_id"], t_s=m["t_s"], text=m["text"],
                      author=m["author"], pinned_frame=m["pinned_frame"], created_at=as_utc(m["created_at"]))


def note(conn: Connection, note_id: int) -> NoteRecord:
    row = conn.execute(select(notes).where(notes.c.id == note_id)).first()
    if row is None:
        raise _not_found("note", note_id)
    return _note(row)


def note_list(conn: Connection, clip_id: int) -> list[NoteRecord]:
    untimed_first = case((notes.c.t_s.is_(None), 0), else_=1)
    query = (select(notes).where(notes.c.clip_id == clip_id)
             .order_by(untimed_first, notes.c.t_s, notes.c.created_at, notes.c.id))
    return [_note(row) for row in conn.execute(query)]


# -- media references ---------------------------------------------------
def referenced_media(conn: Connection) -> set[str]:
    """Every path under the media folder a committed row points at."""
    paths = set(conn.execute(select(clips.c.media_path)).scalars())
    paths.update(conn.execute(select(analyses.c.folder)).scalars())
    return paths
