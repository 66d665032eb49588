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
