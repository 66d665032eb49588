"""Keeping the app's working folders from growing without end, and free of half-written files.

An export writes into a hidden `.<name>.<random>.tmp` folder and renames it when complete;
a server killed mid-export leaves that folder behind. Uploads are the user's working copies
(the library keeps its own), so old ones can go. Both are swept when a server starts.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

STALE_EXPORT_S = 3600.0  # no export runs this long; younger ones may belong to another server
OLD_UPLOAD_S = 7 * 24 * 3600.0


def sweep(results_root: Path, uploads: Path, now_s: float | None = None,
          stale_export_s: float = STALE_EXPORT_S, old_upload_s: float = OLD_UPLOAD_S) -> list[Path]:
    """Remove half-written exports older than `stale_export_s` and uploads older than
    `old_upload_s`; returns what was removed. Missing folders are fine."""
    now_s = time.time() if now_s is None else now_s
    removed = []
    if results_root.is_dir():
        for path in results_root.glob(".*.tmp"):
            if path.is_dir() and now_s - path.stat().st_mtime > stale_export_s:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    if uploads.is_dir():
        for path in uploads.iterdir():
            if path.is_file() and now_s - path.stat().st_mtime > old_upload_s:
                path.unlink(missing_ok=True)
                removed.append(path)
    if removed:
        log.info("housekeeping: removed %d stale file(s)", len(removed))
    return removed
