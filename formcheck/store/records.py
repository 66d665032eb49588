"""What the library hands out: frozen dataclasses, never live database rows.

Times are timezone-aware UTC datetimes; `day` fields are calendar dates chosen
by the coach (a session's day) or, for a clip without a session, the local date
it was added. Paths are absolute. Dict fields (settings, data) are fresh copies
per call, so changing one changes nothing in the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

CONTEXTS = ("treadmill", "outdoor", "track", "warm-up", "gym", "other")
MODES = ("running", "exercise", "compare")
CLIP_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm")

ATHLETE_NAME_MAX_CHARS = 100
ATHLETE_NOTES_MAX_CHARS = 5000
SESSION_LABEL_MAX_CHARS = 200
NOTE_MAX_CHARS = 5000
AUTHOR_MAX_CHARS = 100


@dataclass(frozen=True)
class MetricValue:
    """One summary number of an analysis (input to add_analysis, output of queries).

    value: in `unit`; NaN when the analysis could not measure it (stored as NULL,
    left out of trends). n: how many strides/reps/frames it summarises.
    """

    name: str
    label: str
    value: float
    unit: str
    n: int
    view: str
    low_confidence: bool

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"MetricValue.name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < 0:
            raise ValueError(f"MetricValue.n must be an int >= 0, got {self.n!r}")
        if not isinstance(self.value, (int, float)) or isinstance(self.value, bool):
            raise ValueError(f"MetricValue.value must be a float, got {self.value!r}")

    @property
    def measured(self) -> bool:
        return math.isfinite(self.value)


@dataclass(frozen=True)
class AthleteRecord:
    id: int
    name: str
    notes: str
    created_at: datetime
    clip_count: int


@dataclass(frozen=True)
class SessionRecord:
    id: int
    athlete_id: int
    day: date
    label: str
    context: str
    created_at: datetime


@dataclass(frozen=True)
class ClipRecord:
    """A clip copied into the library. original_name is display text only, never a path."""

    id: int
    athlete_id: int
    session_id: int | None
    original_name: str
    media_path: Path
    sha256: str
    size_bytes: int
    duration_s: float | None
    created_at: datetime
    analysis_count: int
    day: date


@dataclass(frozen=True)
class AnalysisRecord:
    """One stored analysis: everything needed to show it and to reproduce it.

    folder holds the exported files (`files`, relative to folder); data is the
    analysis.json content; settings, model_id, formcheck_version and clip_sha256
    say how it was made.
    """

    id: int
    clip_id: int
    athlete_id: int
    mode: str
    title: str
    exercise: str | None
    view: str
    confidence: float
    settings: dict
    model_id: str
    formcheck_version: str
    clip_sha256: str
    created_at: datetime
    folder: Path
    files: tuple[str, ...]
    data: dict
    metrics: tuple[MetricValue, ...]
    day: date


@dataclass(frozen=True)
class NoteRecord:
    """A coach's note on a clip; t_s is the moment in the clip, pinned_frame a frame index."""

    id: int
    clip_id: int
    analysis_id: int | None
    t_s: float | None
    text: str
    author: str
    pinned_frame: int | None
    created_at: datetime


@dataclass(frozen=True)
class TrendPoint:
    """One measured value of a metric, from one analysis, on the day of its clip."""

    day: date
    value: float
    unit: str
    n: int
    low_confidence: bool
    analysis_id: int
    clip_id: int
    view: str
