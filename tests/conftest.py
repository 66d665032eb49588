"""Shared fixtures: real clips, the provisioned model and sample clips, an isolated cache."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_CLIPS = REPO.parent / "shared" / "clips"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own pose cache: no test reads another's results or the user's."""
    monkeypatch.setenv("FORMCHECK_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True, scope="module")
def app_server_resources_released():
    """An app test runs the app's server in this test process, and its resources outlive the test
    (st.cache_resource: the job runner's thread, the warm pose pool's worker processes). When the
    module ends they are closed, so no later test shares the process with them: Ray starts its
    services by fork with a preexec function, and a later batch test hung for good in the forked
    child on a lock one of those threads held."""
    yield
    import sys

    if "formcheck.ui.state" not in sys.modules:  # no app server ran in this process
        return
    import gc

    import streamlit as st

    from formcheck.pose.runner import PosePool
    from formcheck.ui.jobs import JobRunner

    st.cache_resource.clear()
    for obj in gc.get_objects():
        if isinstance(obj, JobRunner):
            obj.shutdown()
        elif isinstance(obj, PosePool):
            obj.close(cancel=True)


@pytest.fixture(scope="session")
def shared_clip():
    """Path of a clip in ../shared/clips; skips, saying why, where that folder is absent."""
    def find(name: str) -> Path:
        path = SHARED_CLIPS / name
        if not path.is_file():
            pytest.skip(f"real clip {name} not found: ../shared/clips is not beside this checkout")
        return path
    return find


@pytest.fixture(scope="session")
def model_path() -> str:
    """The default pose model; `./scripts/test` provisions it, so its absence is a failure."""
    from formcheck.pose.model import resolve_model

    return str(resolve_model(None).path)


@pytest.fixture(scope="session")
def sample_clip():
    """Path of a provisioned sample clip (sample_videos/); missing means setup did not run: a failure."""
    def find(name: str) -> Path:
        path = REPO / "sample_videos" / name
        assert path.is_file(), f"{path} missing: run ./scripts/setup (the test command does)"
        return path
    return find


@pytest.fixture
def use_home(monkeypatch, model_path):
    """Point FormCheck (the app, the library) at a home folder and the provisioned model."""
    def use(home: Path) -> Path:
        monkeypatch.setenv("FORMCHECK_HOME", str(home))
        monkeypatch.setenv("FORMCHECK_MODEL", model_path)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.delenv("FORMCHECK_MEDIA", raising=False)
        return home
    return use


# -- the coach's library on SQLite and on PostgreSQL --------------------------------------------------
LIBRARY_BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL server this test process started (tests/postgres_server.py), stopped at the end.

    One server per process (pytest-xdist runs two), started by the first test that needs it. Missing
    PostgreSQL binaries are a failure, not a skip: `./scripts/test` installs them.
    """
    from postgres_server import PostgresUnavailable, check_available, postgres_server

    try:
        bindir = check_available()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    with postgres_server(bindir) as url:
        yield url


@pytest.fixture
def new_postgres_database(postgres_url):
    """Factory: each call creates a new empty database on the test process's server and returns its URL.

    Every database made is dropped after the test (connections it left open are closed), so tests
    never see each other's rows.
    """
    from postgres_server import create_database, drop_database

    made: list[str] = []

    def new() -> str:
        made.append(create_database(postgres_url))
        return made[-1]

    yield new
    for url in made:
        drop_database(url)


@pytest.fixture(params=LIBRARY_BACKENDS)
def new_library_url(request, tmp_path):
    """Factory: each call gives the URL of a new empty library database; the test runs once per backend."""
    if request.param == "postgresql":
        return request.getfixturevalue("new_postgres_database")
    names = iter(["library.db"] + [f"library{i}.db" for i in range(2, 100)])
    return lambda: f"sqlite:///{tmp_path / next(names)}"


@pytest.fixture
def library_url(new_library_url) -> str:
    """A new empty library database: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    return new_library_url()
