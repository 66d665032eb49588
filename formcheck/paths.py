"""Where FormCheck keeps its files. Nothing is created at import.

home: `FORMCHECK_HOME` if set; else the source checkout this package runs
from (the folder holding pyproject.toml, models/ and sample_videos/); else
~/.formcheck for an installed package.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    env = os.environ.get("FORMCHECK_HOME")
    if env:
        return Path(env).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.home() / ".formcheck"


def models_dir() -> Path:
    return home() / "models"


def samples_dir() -> Path:
    return home() / "sample_videos"


def data_dir() -> Path:
    """Per-user runtime data (cache, library); gitignored in a checkout."""
    return home() / ".formcheck"


def cache_dir() -> Path:
    env = os.environ.get("FORMCHECK_CACHE")
    return Path(env).expanduser().resolve() if env else data_dir() / "cache"
