"""The batch's progress line and its closing table (text and CSV); and the progress as a JSON file
(`ProgressFile`, `read_progress`) for the app's page watching a run it started as a process."""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from formcheck.batch.ray_run import BatchSummary, Progress
from formcheck.batch.work import ClipOutcome

COLUMNS = ("clip", "athlete", "activity", "headline", "status", "message", "seconds", "analysis_id")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60:02d}:{seconds % 60:02d}"


def progress_line(p: Progress, workers: int, width: int = 24) -> str:
    """`clips [######----] 6/15  done 4  failed 1  skipped 1  ETA 03:10 | a.mp4 120/360  b.mp4 40/200`"""
    filled = int(width * p.finished / p.total) if p.total else width
    now = "  ".join(f"{name} {done}/{total}" if total else f"{name} analysing"
                    for name, done, total in p.current.values())
    return (f"clips [{'#' * filled}{'-' * (width - filled)}] {p.finished}/{p.total}  done {p.done}  "
            f"failed {p.failed}  skipped {p.skipped}  ETA {_clock(p.eta_s(workers))}" + (f" | {now}" if now else ""))


class ProgressPrinter:
    """on_update for `run_batch`: one line redrawn in place on a terminal; elsewhere a line per
    finished clip and one every `every_s` while waiting."""

    def __init__(self, workers: int, stream: TextIO | None = None, every_s: float = 10.0):
        self.workers, self.stream, self.every_s = workers, stream or sys.stderr, every_s
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def __call__(self, progress: Progress, outcome: ClipOutcome | None) -> None:
        line = progress_line(progress, self.workers)
        if self.tty:
            if outcome is not None:
                self.stream.write("\r\033[K" + _outcome_line(outcome) + "\n")
            self.stream.write("\r\033[K" + line[:200])
            if progress.finished == progress.total:
                self.stream.write("\n")
        elif outcome is not None or time.monotonic() - self._last >= self.every_s:
            self._last = time.monotonic()
            if outcome is not None:
                self.stream.write(_outcome_line(outcome) + "\n")
            self.stream.write(line + "\n")
        self.stream.flush()


def _outcome_line(o: ClipOutcome) -> str:
    what = {"done": "analysed", "failed": "FAILED", "skipped": "skipped"}[o.status]
    tail = f": {o.message}" if o.message else (f": {o.activity}" if o.activity else "")
    return f"{what:8s} {Path(o.path).name}{tail}" + (f" ({o.seconds:.1f} s)" if o.seconds else "")


def rows(summary: BatchSummary) -> list[dict]:
    return [{"clip": o.path, "athlete": o.athlete, "activity": o.activity, "headline": "; ".join(o.headline),
             "status": o.status, "message": o.message, "seconds": f"{o.seconds:.1f}",
             "analysis_id": "" if o.analysis_id is None else str(o.analysis_id)} for o in summary.outcomes]


def table(summary: BatchSummary, headline_chars: int = 60) -> str:
    """The closing table, one row per clip, and a last line of totals."""
    body = [[Path(r["clip"]).name, r["athlete"], r["activity"],
             (r["headline"] if r["status"] != "failed" else r["message"])[:headline_chars], r["status"], r["seconds"]]
            for r in rows(summary)]
    head = ["clip", "athlete", "activity", "headline / why", "status", "seconds"]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *body]]
    counts = {s: sum(1 for o in summary.outcomes if o.status == s) for s in ("done", "failed", "skipped")}
    lines.append(f"{len(summary.outcomes)} clips: {counts['done']} analysed, {counts['failed']} failed, "
                 f"{counts['skipped']} skipped, in {_clock(summary.seconds)} on {summary.workers} worker(s)")
    return "\n".join(lines)


def write_csv(summary: BatchSummary, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows(summary))
    tmp.replace(path)
    return path


# -- the progress as a file, for a page (or anything else) watching a run from another process ---------
PROGRESS_SCHEMA = "formcheck.batch-progress/1"
RUNNING, FINISHED, STOPPED = "running", "finished", "failed"
RECENT = 8  # finished clips kept in the file while the run goes on (all of them at the end)


def _write_json_atomically(path: Path, data: dict) -> None:
    """tmp + rename in the same folder: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def _outcome_row(o: ClipOutcome) -> dict:
    return {"clip": Path(o.path).name, "athlete": o.athlete, "status": o.status,
            "text": o.message if o.status == "failed" else ("; ".join(o.headline) or o.activity or o.message)}


class ProgressFile:
    """on_update for `run_batch` that keeps `path` (JSON, replaced atomically) saying where the
    run is: counts, ETA, the clips under way with their frames, the last clips finished; then
    `finish` (the closing rows and the CSV) or `fail` (why the run could not go on).
    Read it with `read_progress`."""

    def __init__(self, path: Path, workers: int = 0, every_s: float = 0.5):
        self.path, self.workers, self.every_s = Path(path), workers, every_s
        self._recent: list[dict] = []
        self._last = 0.0
        self.ended = False  # finish or fail wrote the last word
        self._write({"state": RUNNING, "total": 0})

    def begin(self, total: int) -> None:
        """The clips are gathered: `total` of them (before Ray starts, which takes a few seconds)."""
        self._write({"state": RUNNING, "total": total, "eta_s": None})

    def __call__(self, progress: Progress, outcome: ClipOutcome | None) -> None:
        if outcome is not None:
            self._recent = (self._recent + [_outcome_row(outcome)])[-RECENT:]
        elif time.monotonic() - self._last < self.every_s:
            return
        self._last = time.monotonic()
        self._write({"state": RUNNING, "total": progress.total, "done": progress.done, "failed": progress.failed,
                     "skipped": progress.skipped, "eta_s": progress.eta_s(self.workers),
                     "elapsed_s": time.perf_counter() - progress.started_s,
                     "current": [list(now) for now in progress.current.values()], "recent": self._recent})

    def finish(self, summary: BatchSummary, csv_path: Path | None) -> None:
        counts = {s: sum(1 for o in summary.outcomes if o.status == s) for s in ("done", "failed", "skipped")}
        self.ended = True
        self._write({"state": FINISHED, "total": len(summary.outcomes), **counts, "eta_s": 0.0,
                     "elapsed_s": summary.seconds, "rows": rows(summary),
                     "csv": str(csv_path) if csv_path else None})

    def fail(self, message: str) -> None:
        self.ended = True
        self._write({"state": STOPPED, "message": message})

    def _write(self, data: dict) -> None:
        _write_json_atomically(self.path, {"schema": PROGRESS_SCHEMA, "written_at": time.time(), **data})


@dataclass(frozen=True)
class RunStatus:
    """What a progress file says (`read_progress`). state: running|finished|failed; current: the
    clips under way as (name, frames done, frames total; 0 while the total is unknown);
    recent: the last clips finished (clip, athlete, status, text); rows: every clip's row
    (COLUMNS), once finished; message: why a failed run stopped."""

    state: str
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    eta_s: float | None = None
    elapsed_s: float = 0.0
    current: tuple[tuple[str, int, int], ...] = ()
    recent: tuple[dict, ...] = ()
    rows: tuple[dict, ...] = ()
    csv: str | None = None
    message: str = ""
    written_at: float = 0.0

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def eta_now_s(self, now: float | None = None) -> float | None:
        """The ETA the run wrote, less the time since it wrote it."""
        if self.eta_s is None:
            return None
        return max(self.eta_s - max((time.time() if now is None else now) - self.written_at, 0.0), 0.0)

    def line(self, now: float | None = None) -> str:
        """`4 of 15 clips: 3 analysed, 1 failed, 0 skipped; about 03:10 left`"""
        eta = self.eta_now_s(now)
        left = "" if self.state != RUNNING else ("; working out the time left" if eta is None
                                                 else f"; about {_clock(eta)} left")
        return (f"{self.finished} of {self.total} clips: {self.done} analysed, {self.failed} failed, "
                f"{self.skipped} skipped{left}")


def read_progress(path: Path) -> RunStatus | None:
    """The status a `ProgressFile` wrote at `path`; None when there is none yet (or it is not one)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != PROGRESS_SCHEMA or data.get("state") not in (
            RUNNING, FINISHED, STOPPED):
        return None
    return RunStatus(
        state=data["state"], total=int(data.get("total", 0)), done=int(data.get("done", 0)),
        failed=int(data.get("failed", 0)), skipped=int(data.get("skipped", 0)), eta_s=data.get("eta_s"),
        elapsed_s=float(data.get("elapsed_s", 0.0)),
        current=tuple((str(n), int(d), int(t)) for n, d, t in data.get("current", ())),
        recent=tuple(data.get("recent", ())), rows=tuple(data.get("rows", ())), csv=data.get("csv"),
        message=str(data.get("message", "")), written_at=float(data.get("written_at", 0.0)))
