"""The coach's library: athletes, sessions, clips, analyses and notes.

Each call is one short transaction; what comes back is a frozen record, never
a live row. Files are written before the row that points at them is
committed, and removed after the row that pointed at them is gone, so a
committed row always has its files; a kill in between leaves only orphans,
which the next `Library.open` sweeps (see media.py for the locking rule).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from formcheck.store import batch_log
from formcheck.store import media as fs
from formcheck.store import queries as q
from formcheck.store import schema as t
from formcheck.store import validate
from formcheck.store.db import make_engine, read_tx, resolve_media_dir, resolve_url, utc_now, write_tx
from formcheck.store.errors import DuplicateError, NotFoundError
from formcheck.store.migrations import migrate, schema_version_of
from formcheck.store.records import (
    AnalysisRecord,
    AthleteRecord,
    ClipRecord,
    MetricValue,
    NoteRecord,
    SessionRecord,
    TrendPoint,
)

log = logging.getLogger(__name__)


class Library:
    """Open with `Library.open()`; close with `close()` or use as a context manager."""

    def __init__(self, engine: Engine, media_dir: Path):
        self._engine = engine
        self.media_dir = media_dir

    # -- lifecycle ------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, media_dir: Path | None = None) -> Library:
        """Open (creating if new) the library: migrate the schema, then sweep orphaned files.

        url: any SQLAlchemy URL; default $DATABASE_URL, else data_dir()/library/library.db.
        media_dir: default $FORMCHECK_MEDIA, else data_dir()/library/media.
        Raises SchemaTooNewError for a database written by a newer FormCheck and
        MediaMismatchError when media_dir belongs to another database.
        """
        engine = make_engine(resolve_url(url))
        try:
            migrate(engine)
            folder = resolve_media_dir(media_dir)
            fs.prepare(folder)
            with read_tx(engine) as conn:
                library_id = conn.execute(select(t.library_meta.c.value).where(t.library_meta.c.key == "library_id"))
                fs.claim(folder, library_id.scalar_one())
            library = cls(engine, folder)
            library.sweep()
        except BaseException:
            engine.dispose()
            raise
        return library

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def schema_version(self) -> int:
        return schema_version_of(self._engine)

    def sweep(self) -> list[str] | None:
        """Remove media no committed row references; the removed paths, or None if another writer was busy."""
        def referenced() -> set[str]:
            with read_tx(self._engine) as conn:
                return q.referenced_media(conn)
        return fs.sweep(self.media_dir, referenced)

    # -- batch runs -----------------------------------------------------
    def batch_item(self, clip_sha256: str, settings_key: str) -> batch_log.BatchItemRecord | None:
        """What a batch run recorded for this clip and settings, if anything."""
        with read_tx(self._engine) as conn:
            return batch_log.find(conn, clip_sha256, settings_key)

    def batch_items(self, run_id: str | None = None) -> list[batch_log.BatchItemRecord]:
        with read_tx(self._engine) as conn:
            return batch_log.listing(conn, run_id)

    def record_batch_failure(self, **item) -> bool:
        """A clip a batch could not analyse (`batch_log.record_failed`); False if it is done already
        or another worker recorded it at the same moment (PostgreSQL: the unique row, not a lock, decides)."""
        try:
            with write_tx(self._engine) as conn:
                return batch_log.record_failed(conn, **item)
        except IntegrityError:
            return False

    # -- athletes -------------------------------------------------------
    def athlete_named(self, name: str) -> AthleteRecord:
        """The athlete of that name (case-insensitive), added if there is none yet."""
        name = validate.athlete_name(name)
        for attempt in range(2):
            with read_tx(self._engine) as conn:
                found = q.athlete_by_key(conn, validate.name_key(name))
            if found is not None:
                return found
            try:
                return self.add_athlete(name)
            except DuplicateError:  # added by another process since our look
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def add_athlete(self, name: str, notes: str = "") -> AthleteRecord:
        name, notes = validate.athlete_name(name), validate.athlete_notes(notes)
        try:
            with write_tx(self._engine) as conn:
                self._check_name_free(conn, name, None)
                new_id = conn.execute(insert(t.athletes).values(
                    name=name, name_key=validate.name_key(name), notes=notes, created_at=utc_now())
                ).inserted_primary_key[0]
                return q.athlete(conn, new_id)
        except IntegrityError as exc:  # added by another process since our check
            raise _duplicate(name) from exc

    def athletes(self, search: str = "") -> list[AthleteRecord]:
        """Athletes by name (case-insensitive); search keeps names containing it."""
        with read_tx(self._engine) as conn:
            return q.athlete_list(conn, validate.plain_text(search, "search"))

    def athlete(self, athlete_id: int) -> AthleteRecord:
        with read_tx(self._engine) as conn:
            return q.athlete(conn, athlete_id)

    def update_athlete(self, athlete_id: int, name: str | None = None, notes: str | None = None) -> AthleteRecord:
        values = {}
        if name is not None:
            name = validate.athlete_name(name)
            values.update(name=name, name_key=validate.name_key(name))
        if notes is not None:
            values["notes"] = validate.athlete_notes(notes)
        try:
            with write_tx(self._engine) as conn:
                q.athlete(conn, athlete_id)
                if name is not None:
                    self._check_name_free(conn, name, athlete_id)
                if values:
                    conn.execute(update(t.athletes).where(t.athletes.c.id == athlete_id).values(**values))
                return q.athlete(conn, athlete_id)
        except IntegrityError as exc:
            raise _duplicate(name) from exc

    def delete_athlete(self, athlete_id: int) -> None:
        """Remove the athlete with their sessions, clips, analyses, notes and files."""
        with write_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            paths = self._media_of(conn, t.clips.c.athlete_id == athlete_id)
            conn.execute(delete(t.athletes).where(t.athletes.c.id == athlete_id))  # the rest cascades
        self._remove(paths)

    @staticmethod
    def _check_name_free(conn, name: str, athlete_id: int | None) -> None:
        query = select(t.athletes.c.id).where(t.athletes.c.name_key == validate.name_key(name))
        if athlete_id is not None:
            query = query.where(t.athletes.c.id != athlete_id)
        if conn.execute(query).first() is not None:
            raise _duplicate(name)

    # -- sessions -------------------------------------------------------
    def add_session(self, athlete_id: int, day: date, label: str = "", context: str = "other") -> SessionRecord:
        day, label = validate.day(day), validate.session_label(label)
        context = validate.context(context)
        with write_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            new_id = conn.execute(insert(t.sessions).values(
                athlete_id=athlete_id, day=day, label=label, context=context, created_at=utc_now())
            ).inserted_primary_key[0]
            return q.session(conn, new_id)

    def sessions(self, athlete_id: int) -> list[SessionRecord]:
        """The athlete's sessions, newest day first."""
        with read_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            return q.session_list(conn, athlete_id)

    # -- clips ----------------------------------------------------------
    def add_clip(self, athlete_id: int, source: Path, original_name: str, session_id: int | None = None,
                 duration_s: float | None = None) -> ClipRecord:
        """Copy source into the library as a clip of the athlete (in session_id, if given).

        original_name is kept as display text only. The clip's day is its
        session's day, else today's local date.
        """
        original_name = validate.original_name(original_name)
        duration_s = validate.optional_seconds(duration_s, "duration_s")
        with read_tx(self._engine) as conn:
            day = self._clip_day(conn, athlete_id, session_id)
        with fs.writing(self.media_dir):
            rel, sha256, size_bytes = fs.copy_clip(Path(source), self.media_dir, fs.clip_suffix(original_name))
            try:
                with write_tx(self._engine) as conn:
                    new_id = self._insert_clip(conn, athlete_id, session_id, day, original_name, rel, sha256,
                                               size_bytes, duration_s)
                    return q.clip(conn, new_id, self.media_dir)
            except BaseException as exc:
                fs.remove(fs.safe_path(self.media_dir, rel))
                if isinstance(exc, IntegrityError):  # the athlete or session was deleted meanwhile
                    raise NotFoundError("The athlete or session was deleted while the clip was being added.") from exc
                raise

    def add_clip_with_analysis(self, athlete_id: int, source: Path, original_name: str, session_id: int | None = None,
                               duration_s: float | None = None, batch: dict | None = None,
                               **analysis) -> AnalysisRecord:
        """A new clip and its first analysis (the keyword arguments of `add_analysis`) committed in
        one transaction: a failure or a kill at any point leaves neither row (the next open sweeps
        the files), never a clip without the analysis it was saved with.

        batch: the keyword arguments of `batch_log.record_done` (clip_sha256, settings_key,
        source_path, run_id, seconds), recorded in the same transaction; raises
        `batch_log.AlreadyRecorded` (and stores nothing) when that clip and settings are done."""
        original_name = validate.original_name(original_name)
        duration_s = validate.optional_seconds(duration_s, "duration_s")
        write_files, metric_rows = analysis.pop("write_files"), _metric_rows(analysis.pop("metrics"))
        row = self._analysis_values(**analysis)
        with read_tx(self._engine) as conn:
            day = self._clip_day(conn, athlete_id, session_id)
        with fs.writing(self.media_dir):
            rel, sha256, size_bytes = fs.copy_clip(Path(source), self.media_dir, fs.clip_suffix(original_name))
            folder = fs.new_analysis_dir(self.media_dir)
            try:
                folder, files = self._publish(folder, write_files)
                with write_tx(self._engine) as conn:
                    clip_id = self._insert_clip(conn, athlete_id, session_id, day, original_name, rel, sha256,
                                                size_bytes, duration_s)
                    record = self._insert_analysis(conn, clip_id, folder, files, row, metric_rows)
                    if batch is not None:
                        batch_log.record_done(conn, record.id, **batch)
                    return record
            except BaseException as exc:
                fs.remove(folder)
                fs.remove(fs.safe_path(self.media_dir, rel))
                if isinstance(exc, IntegrityError):
                    raise NotFoundError("The athlete or session was deleted while the clip was being saved.") from exc
                raise

    @staticmethod
    def _insert_clip(conn, athlete_id, session_id, day, original_name, rel, sha256, size_bytes, duration_s) -> int:
        return conn.execute(insert(t.clips).values(
            athlete_id=athlete_id, session_id=session_id, day=day, original_name=original_name, media_path=rel,
            sha256=sha256, size_bytes=size_bytes, duration_s=duration_s, created_at=utc_now())).inserted_primary_key[0]

    @staticmethod
    def _publish(folder: Path, write_files) -> tuple[Path, tuple[str, ...]]:
        names = write_files(folder)
        files = fs.list_files(folder) if names is None else fs.check_files(folder, names)
        return fs.publish(folder), files

    def _insert_analysis(self, conn, clip_id: int, folder: Path, files, row: dict, metric_rows) -> AnalysisRecord:
        new_id = conn.execute(insert(t.analyses).values(
            clip_id=clip_id, created_at=utc_now(), folder=f"{fs.ANALYSES}/{folder.name}",
            files=list(files), **row)).inserted_primary_key[0]
        if metric_rows:
            conn.execute(insert(t.metrics), [dict(m, analysis_id=new_id) for m in metric_rows])
        return q.analysis(conn, new_id, self.media_dir)

    @staticmethod
    def _clip_day(conn, athlete_id: int, session_id: int | None) -> date:
        q.athlete(conn, athlete_id)
        if session_id is None:
            return date.today()
        found = q.session(conn, session_id)
        if found.athlete_id != athlete_id:
            raise ValueError(f"session {session_id} belongs to athlete {found.athlete_id}, not {athlete_id}")
        return found.day

    def clips(self, athlete_id: int | None = None, session_id: int | None = None, search: str = "",
              mode: str | None = None, exercise: str | None = None, day_from: date | None = None,
              day_to: date | None = None) -> list[ClipRecord]:
        """Clips matching every filter given, newest day first (then newest added).

        search: text in the original name, session label, athlete name or a note
        (case-insensitive); mode/exercise: has an analysis of that mode/exercise
        (one analysis matching both when both are given); day_from/day_to: inclusive.
        """
        search = validate.plain_text(search, "search")
        if mode is not None:
            validate.mode(mode)
        day_from = None if day_from is None else validate.day(day_from, "day_from")
        day_to = None if day_to is None else validate.day(day_to, "day_to")
        with read_tx(self._engine) as conn:
            return q.clip_list(conn, self.media_dir, athlete_id=athlete_id, session_id=session_id, search=search,
                               mode=mode, exercise=exercise, day_from=day_from, day_to=day_to)

    def clip(self, clip_id: int) -> ClipRecord:
        with read_tx(self._engine) as conn:
            return q.clip(conn, clip_id, self.media_dir)

    def delete_clip(self, clip_id: int) -> None:
        """Remove the clip, its file, its analyses (rows and folders) and its notes."""
        with write_tx(self._engine) as conn:
            q.clip(conn, clip_id, self.media_dir)
            paths = self._media_of(conn, t.clips.c.id == clip_id)
            conn.execute(delete(t.clips).where(t.clips.c.id == clip_id))
        self._remove(paths)

    # -- analyses -------------------------------------------------------
    def add_analysis(self, clip_id: int, *, mode: str, title: str, exercise: str | None, view: str,
                     confidence: float, settings: dict, model_id: str, formcheck_version: str, clip_sha256: str,
                     data: dict, metrics: Sequence[MetricValue],
                     write_files: Callable[[Path], Sequence[str] | None]) -> AnalysisRecord:
        """Store an analysis of a clip with its exported files.

        write_files(folder) writes the files into an empty temporary folder and
        returns their names relative to it (None: every file it holds). The
        folder is renamed into place, then the row and its metrics are
        committed in one transaction. If anything fails the folder is removed,
        nothing is stored, and the exception propagates.
        """
        row = self._analysis_values(mode=mode, title=title, exercise=exercise, view=view, confidence=confidence,
                                    settings=settings, model_id=model_id, formcheck_version=formcheck_version,
                                    clip_sha256=clip_sha256, data=data)
        metric_rows = _metric_rows(metrics)
        with read_tx(self._engine) as conn:
            q.clip(conn, clip_id, self.media_dir)
        with fs.writing(self.media_dir):
            folder = fs.new_analysis_dir(self.media_dir)
            try:
                folder, files = self._publish(folder, write_files)
                with write_tx(self._engine) as conn:
                    return self._insert_analysis(conn, clip_id, folder, files, row, metric_rows)
            except BaseException as exc:
                fs.remove(folder)
                if isinstance(exc, IntegrityError):
                    raise NotFoundError("The clip was deleted while its analysis was being saved.") from exc
                raise

    @staticmethod
    def _analysis_values(*, mode, title, exercise, view, confidence, settings, model_id, formcheck_version,
                         clip_sha256, data) -> dict:
        for argument, value in (("title", title), ("view", view), ("model_id", model_id),
                                ("formcheck_version", formcheck_version), ("clip_sha256", clip_sha256)):
            validate.plain_text(value, argument)
        if exercise is not None:
            validate.plain_text(exercise, "exercise")
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise ValueError(f"confidence must be a float, got {confidence!r}")
        return dict(mode=validate.mode(mode), title=title, exercise=exercise, view=view,
                    confidence=float(confidence), settings=validate.json_data(settings, "settings"),
                    model_id=model_id, formcheck_version=formcheck_version, clip_sha256=clip_sha256,
                    data=validate.json_data(data, "data"))

    def analyses(self, clip_id: int | None = None, athlete_id: int | None = None) -> list[AnalysisRecord]:
        """Analyses of a clip and/or an athlete (all if neither), newest first."""
        with read_tx(self._engine) as conn:
            return q.analysis_list(conn, self.media_dir, clip_id=clip_id, athlete_id=athlete_id)

    def analysis(self, analysis_id: int) -> AnalysisRecord:
        with read_tx(self._engine) as conn:
            return q.analysis(conn, analysis_id, self.media_dir)

    def delete_analysis(self, analysis_id: int) -> None:
        """Remove the analysis, its metrics and its folder; notes on it stay on the clip."""
        with write_tx(self._engine) as conn:
            found = q.analysis(conn, analysis_id, self.media_dir)
            conn.execute(delete(t.analyses).where(t.analyses.c.id == analysis_id))
        self._remove([found.folder])

    # -- notes ----------------------------------------------------------
    def add_note(self, clip_id: int, text: str, t_s: float | None = None, analysis_id: int | None = None,
                 author: str = "", frame: int | None = None) -> NoteRecord:
        """A note on a clip; t_s: the moment in the clip; frame: a pinned frame index."""
        text, author = validate.note_text(text), validate.author(author)
        t_s = validate.optional_seconds(t_s, "t_s")
        frame = validate.optional_index(frame, "frame")
        with write_tx(self._engine) as conn:
            q.clip(conn, clip_id, self.media_dir)
            if analysis_id is not None:
                found = q.analysis(conn, analysis_id, self.media_dir)
                if found.clip_id != clip_id:
                    raise ValueError(f"analysis {analysis_id} is of clip {found.clip_id}, not {clip_id}")
            new_id = conn.execute(insert(t.notes).values(
                clip_id=clip_id, analysis_id=analysis_id, t_s=t_s, text=text, author=author, pinned_frame=frame,
                created_at=utc_now())).inserted_primary_key[0]
            return q.note(conn, new_id)

    def notes(self, clip_id: int) -> list[NoteRecord]:
        """The clip's notes: untimed first, then by moment in the clip, then by when written."""
        with read_tx(self._engine) as conn:
            q.clip(conn, clip_id, self.media_dir)
            return q.note_list(conn, clip_id)

    def delete_note(self, note_id: int) -> None:
        with write_tx(self._engine) as conn:
            q.note(conn, note_id)
            conn.execute(delete(t.notes).where(t.notes.c.id == note_id))

    # -- progress over time ---------------------------------------------
    def history(self, athlete_id: int) -> list[AnalysisRecord]:
        """The athlete's analyses, oldest first: by clip day, then when analysed."""
        with read_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            return q.analysis_list(conn, self.media_dir, clip_id=None, athlete_id=athlete_id, oldest_first=True)

    def metric_names(self, athlete_id: int) -> list[tuple[str, str, str]]:
        """(name, label, unit) of every metric measured at least once for the athlete, by name."""
        with read_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            return q.metric_names(conn, athlete_id)

    def trend(self, athlete_id: int, metric_name: str) -> list[TrendPoint]:
        """Measured values of one metric, oldest first (clip day, then when analysed)."""
        with read_tx(self._engine) as conn:
            q.athlete(conn, athlete_id)
            return q.trend(conn, athlete_id, metric_name)

    # -- files ----------------------------------------------------------
    def _media_of(self, conn, which) -> list[Path]:
        """Clip files and analysis folders of the clips selected by `which`."""
        rel = list(conn.execute(select(t.clips.c.media_path).where(which)).scalars())
        rel += conn.execute(select(t.analyses.c.folder).join(t.clips, t.analyses.c.clip_id == t.clips.c.id)
                            .where(which)).scalars().all()
        return [fs.safe_path(self.media_dir, r) for r in rel]

    @staticmethod
    def _remove(paths: Sequence[Path]) -> None:
        """After the rows are committed away; a failure here leaves orphans for the sweep."""
        for path in paths:
            try:
                fs.remove(path)
            except OSError as exc:
                log.warning("could not remove %s (the next open will retry): %s", path, exc)


def _duplicate(name: str) -> DuplicateError:
    return DuplicateError(f"There is already an athlete called {name!r} (names ignore upper/lower case). "
                          f"Choose another name, or open that athlete.")


def _metric_rows(values: Sequence[MetricValue]) -> list[dict]:
    rows = []
    for value in values:
        if not isinstance(value, MetricValue):
            raise ValueError(f"metrics must be MetricValue items, got {type(value).__name__}")
        rows.append(dict(name=value.name, label=value.label, value=value.value if value.measured else None,
                         unit=value.unit, n=value.n, view=value.view, low_confidence=bool(value.low_confidence)))
    return rows

