"""What batch runs did, per clip and settings: the `batch_items` rows (migration 3).

A row is written in the same transaction as the analysis it names ("done"), or on its own when
the clip could not be analysed ("failed", with the plain message the user saw). The pair
(clip_sha256, settings_key) is unique, so whichever worker, retry or run commits first wins and
every later one finds the row: a clip is never analysed into the library twice for one set of
settings (`formcheck.batch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from formcheck.store.db import as_utc, utc_now
from formcheck.store.schema import batch_items

DONE, FAILED = "done", "failed"
MESSAGE_MAX_CHARS = 2000


class AlreadyRecorded(Exception):
    """Another worker, retry or run recorded this clip and these settings first."""


@dataclass(frozen=True)
class BatchItemRecord:
    id: int
    clip_sha256: str
    settings_key: str
    status: str
    message: str
    source_path: str
    analysis_id: int | None
    run_id: str
    seconds: float | None
    created_at: datetime


def _record(row) -> BatchItemRecord:
    return BatchItemRecord(row.id, row.clip_sha256, row.settings_key, row.status, row.message, row.source_path,
                           row.analysis_id, row.run_id, row.seconds, as_utc(row.created_at))


def find(conn: Connection, clip_sha256: str, settings_key: str) -> BatchItemRecord | None:
    row = conn.execute(select(batch_items).where(batch_items.c.clip_sha256 == clip_sha256,
                                                 batch_items.c.settings_key == settings_key)).first()
    return None if row is None else _record(row)


def listing(conn: Connection, run_id: str | None = None) -> list[BatchItemRecord]:
    query = select(batch_items).order_by(batch_items.c.id)
    if run_id is not None:
        query = query.where(batch_items.c.run_id == run_id)
    return [_record(row) for row in conn.execute(query)]


def record_done(conn: Connection, analysis_id: int, *, clip_sha256: str, settings_key: str, source_path: str,
                run_id: str, seconds: float | None) -> None:
    """Inside the transaction that adds the analysis: replaces an earlier failure of the clip;
    raises AlreadyRecorded (the caller's transaction then rolls back) if it is done already."""
    found = find(conn, clip_sha256, settings_key)
    if found is not None and found.status == DONE:
        raise AlreadyRecorded(found.analysis_id)
    if found is not None:
        conn.execute(delete(batch_items).where(batch_items.c.id == found.id))
    try:
        conn.execute(insert(batch_items).values(
            clip_sha256=clip_sha256, settings_key=settings_key, status=DONE, message="", source_path=source_path,
            analysis_id=analysis_id, run_id=run_id, seconds=seconds, created_at=utc_now()))
    except IntegrityError as exc:  # committed by another worker since our look
        raise AlreadyRecorded(None) from exc


def record_failed(conn: Connection, *, clip_sha256: str, settings_key: str, source_path: str, run_id: str,
                  message: str, seconds: float | None) -> bool:
    """A clip that could not be analysed; False (nothing written) if it is already recorded done."""
    found = find(conn, clip_sha256, settings_key)
    if found is not None and found.status == DONE:
        return False
    if found is not None:
        conn.execute(delete(batch_items).where(batch_items.c.id == found.id))
    conn.execute(insert(batch_items).values(
        clip_sha256=clip_sha256, settings_key=settings_key, status=FAILED, message=message[:MESSAGE_MAX_CHARS],
        source_path=source_path, analysis_id=None, run_id=run_id, seconds=seconds, created_at=utc_now()))
    return True
