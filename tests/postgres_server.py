"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder.

    with postgres_server() as url:      # postgresql+psycopg://formcheck@127.0.0.1:PORT/postgres
        db_url = create_database(url)   # a new empty database on that server
        ...
        drop_database(db_url)

The cluster is made with `initdb` (trust authentication; the server listens on 127.0.0.1 only,
on a free port, and its Unix socket is in the private temporary folder), started with
`pg_ctl -w start` and stopped with `pg_ctl -m immediate stop`; the folder is removed afterwards,
also when starting or a test fails. initdb refuses to run as root, so as root the binaries run
as Debian's `postgres` system user (`runuser -u postgres --`), which owns the folder.

The server runs with fsync off: the tests check what the library does as a client (transactions,
rollbacks, a killed client process), not that PostgreSQL survives a power cut.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SUPERUSER = "formcheck"
SYSTEM_USER = "postgres"  # created by Debian's postgresql package
START_TIMEOUT_S = 60
_PORT_ATTEMPTS = 3


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries (or, as root, the user to run them as) are missing."""


def _version_key(bindir: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir)) or (0,)


def find_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: from the PATH, else the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)  # /usr/local/bin/initdb may link into Debian's folder
    candidates += [Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)]
    for bindir in candidates:
        if all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found on the PATH or under "
        "/usr/lib/postgresql/*/bin. Run ./scripts/test, which installs Debian's postgresql package, "
        "or install it yourself (apt-get install postgresql).")


def _run_as() -> list[str]:
    """The command prefix that runs a PostgreSQL binary as an unprivileged user ([] when not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"The tests run as root, and PostgreSQL's initdb refuses to: it needs the '{SYSTEM_USER}' user "
            f"that Debian's postgresql package creates. Run ./scripts/test, which installs it.") from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", SYSTEM_USER, "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], cwd: Path, what: str, log: Path | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, timeout=START_TIMEOUT_S + 30)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace") if log is not None and log.is_file() else ""
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {' '.join(args)}\n{done.stdout}"
                           + (f"\nserver log:\n{server_log}" if server_log else ""))


def check_available() -> Path:
    """The binaries' folder, once everything a server needs here is known to be installed.

    Raises PostgresUnavailable, saying what is missing and how to install it.
    """
    bindir = find_bindir()
    _run_as()
    return bindir


@contextmanager
def postgres_server(bindir: Path | None = None) -> Iterator[str]:
    """Start a new PostgreSQL cluster on a free localhost port; yield its SQLAlchemy URL; stop and remove it."""
    bindir = check_available() if bindir is None else bindir
    prefix = _run_as()
    root = Path(tempfile.mkdtemp(prefix="formcheck-pg-"))
    data, sockets, log = root / "data", root / "socket", root / "server.log"
    started = False
    try:
        sockets.mkdir()
        if prefix:
            user = pwd.getpwnam(SYSTEM_USER)
            for path in (root, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        _run(prefix + [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth-local=trust",
                       "--auth-host=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
             root, "initdb")
        for attempt in range(_PORT_ATTEMPTS):  # another process may take the port between our look and the start
            port = _free_port()
            options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                       f"-c synchronous_commit=off -c full_page_writes=off")
            try:
                started = True  # from here on a half-started server is stopped in `finally`
                _run(prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t",
                               str(START_TIMEOUT_S), "-o", options, "start"], root, "pg_ctl start", log)
                break
            except RuntimeError:
                if attempt == _PORT_ATTEMPTS - 1 or "already in use" not in log.read_text(errors="replace"):
                    raise
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        if started and (data / "postmaster.pid").exists():
            subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _admin_engine(server_url: str):
    return create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(server_url: str) -> str:
    """A new, empty database on the server (a unique name); returns its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    engine = _admin_engine(server_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(db_url: str) -> None:
    """Drop a database made by create_database, closing any connection a test left open."""
    url = make_url(db_url)
    name = url.database
    if not name or not re.fullmatch(r"test_[0-9a-f]{16}", name):
        raise ValueError(f"drop_database drops only databases made by create_database, not {name!r}")
    engine = _admin_engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
