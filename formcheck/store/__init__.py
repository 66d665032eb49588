"""The coach's library: athletes, sessions, clips, analyses, notes (docs/library.md).

    from formcheck.store import Library
    with Library.open() as lib:
        athlete = lib.add_athlete("Ada")
"""

from formcheck.store.errors import (
    DuplicateError,
    InvalidEntryError,
    LibraryError,
    MediaMismatchError,
    NotFoundError,
    SchemaTooNewError,
)
from formcheck.store.library import Library
from formcheck.store.records import (
    CLIP_SUFFIXES,
    CONTEXTS,
    MODES,
    AnalysisRecord,
    AthleteRecord,
    ClipRecord,
    MetricValue,
    NoteRecord,
    SessionRecord,
    TrendPoint,
)

__all__ = [
    "CLIP_SUFFIXES", "CONTEXTS", "MODES",
    "AnalysisRecord", "AthleteRecord", "ClipRecord", "MetricValue", "NoteRecord", "SessionRecord", "TrendPoint",
    "DuplicateError", "InvalidEntryError", "LibraryError", "MediaMismatchError", "NotFoundError",
    "SchemaTooNewError", "Library",
]
