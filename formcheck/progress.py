"""A terminal progress bar: frames done, frames per second, time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Call with (done, total); redraws at most every `interval_s` on a TTY,
    and prints a line every 10% when the output is a file or a pipe."""

    def __init__(self, label: str = "pose", stream: TextIO | None = None, interval_s: float = 0.2):
        self.label = label
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        finished = total > 0 and done >= total
        if self._tty:
            if not finished and now - self._last_draw < self.interval_s:
                return
            self._last_draw = now
            self.stream.write("\r" + self.line(done, total, now - self._start) + ("\n" if finished else ""))
        else:
            decile = int(10 * done / total) if total else 0
            if decile == self._last_decile and not finished:
                return
            if finished and self._last_decile == 10:
                return
            self._last_decile = decile
            self.stream.write(self.line(done, total, now - self._start) + "\n")
        self.stream.flush()

    def line(self, done: int, total: int, elapsed_s: float) -> str:
        rate = done / elapsed_s if elapsed_s > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else float("nan")
        width = 24
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "-" * (width - filled)
        eta_text = f"{eta:5.1f} s" if eta == eta else "  ?  "
        return f"{self.label} [{bar}] {done}/{total} frames  {rate:5.1f} frames/s  ETA {eta_text}"
