"""Uploaded clips land under random names in the data folder, never a user-chosen path."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from formcheck.paths import data_dir

ALLOWED_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm")


def save_upload(name: str, data: bytes, folder: Path | None = None) -> Path:
    """Write uploaded bytes to a fresh random file name; only the suffix is kept."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        suffix = ".bin"  # the probe will say it is not a video
    folder = folder or data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
