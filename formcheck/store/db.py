"""The engine: where the database is, SQLite pragmas, and transactions.

SQLite is configured on every new connection (WAL so readers never block the
writer, foreign keys enforced, a 10 s busy timeout so a second writer waits
instead of failing). Python's sqlite3 (3.11) would only BEGIN before the first
INSERT and commit before DDL; we switch that off and BEGIN ourselves (the
recipe in SQLAlchemy's SQLite dialect docs), so every unit is one real
transaction, DDL included. Writes use BEGIN IMMEDIATE: the write lock is taken
at the start, where the busy timeout applies, rather than on a later statement,
where a concurrent commit would fail the transaction with "database is locked".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from formcheck.paths import data_dir

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "formcheck_write"


def library_dir() -> Path:
    return data_dir() / "library"


def resolve_url(url: str | None) -> str:
    """url as given; else $DATABASE_URL; else the SQLite file under data_dir()/library."""
    if url:
        return url
    env = os.environ.get("DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{library_dir() / 'library.db'}"


def resolve_media_dir(media_dir: Path | None) -> Path:
    """media_dir as given; else $FORMCHECK_MEDIA; else data_dir()/library/media."""
    if media_dir is not None:
        return Path(media_dir).expanduser().resolve()
    env = os.environ.get("FORMCHECK_MEDIA")
    if env:
        return Path(env).expanduser().resolve()
    return library_dir() / "media"


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN (see module docstring)
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first: switching to WAL itself may have to wait for another process
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for url; for a SQLite file, its folder is created and the pragmas applied."""
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the library needs a SQLite file, not an in-memory database")
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, pool_pre_ping=not is_sqlite)
    if is_sqlite:
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    log.debug("library database %s", parsed.render_as_string(hide_password=True))
    return engine


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on normal exit, rolled back on an exception."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """One consistent snapshot for reads (a deferred BEGIN on SQLite: no write lock taken)."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
