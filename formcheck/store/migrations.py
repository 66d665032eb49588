"""Schema migrations: an ordered list, applied in one transaction on open.

`schema_version` holds one row per applied migration; the database's version
is the highest. Each migration's DDL is written out as it was on the day it
was made (never built from `schema.py`, which only describes the end state),
so a database at any old version reaches the same result as a new one.

To add one: write `_vN(conn)` with the DDL (portable SQLAlchemy constructs;
`_add_column` for a new nullable column), append `Migration(N, "...", _vN)`
to MIGRATIONS, and update schema.py to match; test_store checks that a
migrated database has exactly the columns schema.py declares.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)

from formcheck.store import schema
from formcheck.store.db import read_tx, utc_now, write_tx
from formcheck.store.errors import SchemaTooNewError

log = logging.getLogger(__name__)

_PG_LOCK_KEY = 0x466F726D  # any constant: serialises migrations of concurrent openers on PostgreSQL


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    md = MetaData()
    Table("library_meta", md,
          Column("key", String(64), primary_key=True),
          Column("value", Text, nullable=False))
    Table("athletes", md,
          Column("id", Integer, primary_key=True),
          Column("name", String(100), nullable=False),
          Column("name_key", String(100), nullable=False, unique=True),
          Column("notes", Text, nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("sessions", md,
          Column("id", Integer, primary_key=True),
          Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("day", Date, nullable=False),
          Column("label", String(200), nullable=False),
          Column("context", String(20), nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("clips", md,
          Column("id", Integer, primary_key=True),
          Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True, index=True),
          Column("day", Date, nullable=False),
          Column("original_name", Text, nullable=False),
          Column("media_path", String(300), nullable=False, unique=True),
          Column("sha256", String(64), nullable=False),
          Column("size_bytes", BigInteger, nullable=False),
          Column("duration_s", Float, nullable=True),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("analyses", md,
          Column("id", Integer, primary_key=True),
          Column("clip_id", Integer, ForeignKey("clips.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("mode", String(20), nullable=False),
          Column("title", Text, nullable=False),
          Column("exercise", String(100), nullable=True),
          Column("view", String(40), nullable=False),
          Column("confidence", Float, nullable=False),
          Column("settings", JSON, nullable=False),
          Column("model_id", String(200), nullable=False),
          Column("formcheck_version", String(64), nullable=False),
          Column("clip_sha256", String(64), nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False),
          Column("folder", String(300), nullable=False, unique=True),
          Column("files", JSON, nullable=False),
          Column("data", JSON, nullable=False))
    Table("metrics", md,
          Column("id", Integer, primary_key=True),
          Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("name", String(100), nullable=False),
          Column("label", Text, nullable=False),
          Column("value", Float, nullable=True),
          Column("unit", String(40), nullable=False),
          Column("n", Integer, nullable=False),
          Column("view", String(40), nullable=False),
          Column("low_confidence", Boolean, nullable=False))
    Table("notes", md,
          Column("id", Integer, primary_key=True),
          Column("clip_id", Integer, ForeignKey("clips.id", ondelete="CASCADE"), nullable=False, index=True),
          Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="SET NULL"), nullable=True, index=True),
          Column("t_s", Float, nullable=True),
          Column("text", Text, nullable=False),
          Column("author", String(100), nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False))
    md.create_all(conn)
    # ties the media folder to this database (see media.claim_media_dir)
    conn.execute(insert(schema.library_meta).values(key="library_id", value=uuid.uuid4().hex))


def _v2(conn: Connection) -> None:
    _add_column(conn, "notes", Column("pinned_frame", Integer, nullable=True))
    md = MetaData()
    metrics = Table("metrics", md, Column("name", String(100)), Column("analysis_id", Integer))
    Index("ix_metrics_name_analysis", metrics.c.name, metrics.c.analysis_id).create(conn)


def _v3(conn: Connection) -> None:
    md = MetaData()
    Table("analyses", md, Column("id", Integer, primary_key=True))
    Table("batch_items", md,
          Column("id", Integer, primary_key=True),
          Column("clip_sha256", String(64), nullable=False),
          Column("settings_key", String(64), nullable=False),
          Column("status", String(10), nullable=False),
          Column("message", Text, nullable=False),
          Column("source_path", Text, nullable=False),
          Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), nullable=True, index=True),
          Column("run_id", String(32), nullable=False),
          Column("seconds", Float, nullable=True),
          Column("created_at", DateTime(timezone=True), nullable=False),
          UniqueConstraint("clip_sha256", "settings_key", name="uq_batch_items_clip_settings"))
    md.tables["batch_items"].create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "athletes, sessions, clips, analyses, metrics, notes", _v1),
    Migration(2, "notes.pinned_frame; index on metrics(name, analysis_id) for trends", _v2),
    Migration(3, "batch_items: what a batch run analysed or could not, per clip and settings", _v3),
)
LATEST_VERSION = MIGRATIONS[-1].version


def _add_column(conn: Connection, table: str, column: Column) -> None:
    """ALTER TABLE ... ADD COLUMN for a nullable column without default (portable everywhere)."""
    if not column.nullable or column.server_default is not None:
        raise ValueError(f"_add_column: {column.name} must be nullable without a default")
    quote = conn.dialect.identifier_preparer.quote
    type_sql = column.type.compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(column.name)} {type_sql}")


def current_version(conn: Connection) -> int:
    """Highest applied version; 0 for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(select(func.max(schema.schema_version.c.version))).scalar() or 0


def _too_new(found: int) -> SchemaTooNewError:
    return SchemaTooNewError(
        f"This library was saved by a newer version of FormCheck (library format {found}; this "
        f"version reads up to {LATEST_VERSION}). Update FormCheck to open it; nothing was changed.")


def migrate(engine: Engine, up_to: int | None = None) -> int:
    """Apply every migration above the database's version, up to `up_to` (default: all).

    All in one transaction: a failure (or a kill) leaves the database at its old
    version. Returns the version afterwards. Raises SchemaTooNewError when the
    database is newer than this code.
    """
    target = LATEST_VERSION if up_to is None else up_to
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"up_to must be in 0..{LATEST_VERSION}, got {up_to}")
    if [m.version for m in MIGRATIONS] != list(range(1, LATEST_VERSION + 1)):
        raise ValueError("MIGRATIONS must be numbered 1, 2, 3, ... in order")
    with read_tx(engine) as conn:  # the usual case, up to date, needs no write lock
        found = current_version(conn)
    if found > LATEST_VERSION:
        raise _too_new(found)
    if found >= target:
        return found
    with write_tx(engine) as conn:  # BEGIN IMMEDIATE on SQLite: concurrent openers migrate one at a time
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        found = current_version(conn)
        if found > LATEST_VERSION:
            raise _too_new(found)
        schema.schema_version.create(conn, checkfirst=True)
        for migration in MIGRATIONS:
            if found < migration.version <= target:
                migration.apply(conn)
                conn.execute(insert(schema.schema_version).values(
                    version=migration.version, description=migration.description, applied_at=utc_now()))
                log.info("library schema migrated to version %d: %s", migration.version, migration.description)
        return max(found, target)


def schema_version_of(engine: Engine) -> int:
    with read_tx(engine) as conn:
        return current_version(conn)
