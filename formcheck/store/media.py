"""The media folder: clip copies, analysis folders, and the orphan sweep.

Layout: `clips/<32 hex><suffix>` and `analyses/<32 hex>/` (files the app
exported). Names are random; nothing a user typed ever becomes part of a path.
Files are complete before anything points at them: written under a temporary
name, fsynced, then renamed into place; the database row comes after.

Orphans (a temporary file or folder, or anything under clips/ or analyses/ no
row references, left by a kill or a crash) are removed by `sweep`. It must
never remove the files of a write in progress in another process, so writers
hold a shared lock on `.lock` from their first byte until their row is
committed (or their files removed), and the sweep runs only when it gets the
exclusive lock at once; then every unreferenced entry is truly orphaned. If a
writer is busy the sweep is skipped (the next open does it). A killed process
releases its lock with its file descriptors. Without flock (Windows) the sweep
only removes entries older than NO_LOCK_MIN_AGE_S.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from formcheck.store.errors import MediaMismatchError
from formcheck.store.records import CLIP_SUFFIXES

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

log = logging.getLogger(__name__)

CLIPS = "clips"
ANALYSES = "analyses"
LOCK_FILE = ".lock"
ID_FILE = ".library-id"
CONTROL_FILES = (LOCK_FILE, ID_FILE)
NO_LOCK_MIN_AGE_S = 6 * 3600.0
_BLOCK_BYTES = 1 << 20


def prepare(media_dir: Path) -> None:
    for sub in (CLIPS, ANALYSES):
        (media_dir / sub).mkdir(parents=True, exist_ok=True)


def claim(media_dir: Path, library_id: str) -> None:
    """Tie media_dir to one database, so a sweep never removes another library's files."""
    path = media_dir / ID_FILE
    try:
        found = path.read_text().strip()
    except FileNotFoundError:
        tmp = media_dir / f"{ID_FILE}.{secrets.token_hex(8)}.tmp"
        tmp.write_text(library_id + "\n")
        os.replace(tmp, path)  # concurrent openers of one database write the same id
        return
    if found != library_id:
        raise MediaMismatchError(
            f"The media folder {media_dir} belongs to a different library database. Point FORMCHECK_MEDIA "
            f"at this database's own media folder (or DATABASE_URL at the database it belongs to); "
            f"nothing was changed.")


@contextmanager
def _flock(media_dir: Path, mode: int) -> Iterator[bool]:
    fd = os.open(media_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is None:
            yield True
            return
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def writing(media_dir: Path) -> Iterator[None]:
    """Hold while new files exist that no committed row references yet."""
    with _flock(media_dir, fcntl.LOCK_SH if fcntl else 0):
        yield


def new_name() -> str:
    return secrets.token_hex(16)


def clip_suffix(original_name: str) -> str:
    """The name's extension if it is a known video one, else .bin (string work only, no path)."""
    ext = os.path.splitext(original_name)[1].lower()
    return ext if ext in CLIP_SUFFIXES else ".bin"


def safe_path(media_dir: Path, rel: str) -> Path:
    """media_dir / rel for a path read from the database; refuses anything leaving media_dir."""
    parts = PurePosixPath(rel).parts
    if not parts or parts[0] not in (CLIPS, ANALYSES) or any(p in ("..", "", "/") for p in parts):
        raise ValueError(f"stored media path {rel!r} is not under clips/ or analyses/")
    return media_dir.joinpath(*parts)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def copy_clip(source: Path, media_dir: Path, suffix: str) -> tuple[str, str, int]:
    """Copy source to clips/<hex><suffix>; returns (path relative to media_dir, sha256, size in bytes)."""
    name = new_name()
    folder = media_dir / CLIPS
    tmp, final = folder / f".{name}.part", folder / f"{name}{suffix}"
    digest, size_bytes = hashlib.sha256(), 0
    try:
        with open(source, "rb") as src, open(tmp, "xb") as dst:
            for block in iter(lambda: src.read(_BLOCK_BYTES), b""):
                digest.update(block)
                dst.write(block)
                size_bytes += len(block)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, final)
    except BaseException:
        remove(tmp)
        raise
    _fsync(folder)
    return f"{CLIPS}/{final.name}", digest.hexdigest(), size_bytes


def new_analysis_dir(media_dir: Path) -> Path:
    tmp = media_dir / ANALYSES / f"{new_name()}.tmp"
    tmp.mkdir()
    return tmp


def publish(tmp_dir: Path) -> Path:
    """Make a finished analysis folder durable and rename it from <hex>.tmp to <hex>."""
    for path in tmp_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            _fsync(path)
    final = tmp_dir.with_name(tmp_dir.name.removesuffix(".tmp"))
    os.replace(tmp_dir, final)
    _fsync(final.parent)
    return final


def list_files(folder: Path) -> tuple[str, ...]:
    """Regular files under folder, as sorted relative POSIX paths."""
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                        if p.is_file() and not p.is_symlink()))


def check_files(folder: Path, names: Sequence[str]) -> tuple[str, ...]:
    """The names write_files returned, checked: relative, inside folder, existing files."""
    checked = []
    for name in names:
        parts = PurePosixPath(str(name)).parts
        if not parts or PurePosixPath(str(name)).is_absolute() or ".." in parts:
            raise ValueError(f"write_files returned {name!r}: names must be relative paths inside the folder")
        if not folder.joinpath(*parts).is_file():
            raise ValueError(f"write_files returned {name!r}, which it did not write")
        checked.append(PurePosixPath(*parts).as_posix())
    return tuple(checked)


def remove(path: Path) -> None:
    """Remove a file, symlink or folder tree; already gone is fine. Never follows a symlink."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)
    except FileNotFoundError:
        pass


def sweep(media_dir: Path, referenced: Callable[[], set[str]]) -> list[str] | None:
    """Remove what no row references under clips/ and analyses/; None if skipped (a writer is busy).

    referenced() is asked only once the exclusive lock is held, so it sees every
    commit of every writer that has finished.
    """
    with _flock(media_dir, (fcntl.LOCK_EX | fcntl.LOCK_NB) if fcntl else 0) as locked:
        if not locked:
            log.info("orphan sweep skipped: another process is adding to the library")
            return None
        keep = referenced()
        min_age_s = 0.0 if fcntl else NO_LOCK_MIN_AGE_S
        now_s = time.time()
        removed = []
        for sub in (CLIPS, ANALYSES):
            folder = media_dir / sub
            if not folder.is_dir():
                continue
            for entry in sorted(folder.iterdir()):
                rel = f"{sub}/{entry.name}"
                if rel in keep or now_s - entry.lstat().st_mtime < min_age_s:
                    continue
                remove(entry)
                removed.append(rel)
    if removed:
        log.warning("removed %d orphaned library file(s) left by an interrupted write: %s",
                    len(removed), ", ".join(removed))
    return removed
