"""The batch's progress line and its closing table (text and CSV)."""

from __future__ import annotations

import csv
import sys
import time
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
                 f"{counts['skipped']} skipped, in {_clock(summary.seconds)} on {summary.workers or 'all'} worker(s)")
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
