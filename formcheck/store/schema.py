"""The current tables (Core), as the migrations leave them.

Paths are stored relative to the media folder (`clips/<hex>.mp4`,
`analyses/<hex>`), so the folder can move. Child rows go with their parent
(ON DELETE CASCADE); a note outlives a deleted analysis (SET NULL), as does a
clip its session. `athletes.name_key` is the casefolded name: a portable
case-insensitive unique constraint.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

library_meta = Table(
    "library_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

athletes = Table(
    "athletes", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False, unique=True),
    Column("notes", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("day", Date, nullable=False),
    Column("label", String(200), nullable=False),
    Column("context", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

clips = Table(
    "clips", metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("day", Date, nullable=False),
    Column("original_name", Text, nullable=False),
    Column("media_path", String(300), nullable=False, unique=True),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("duration_s", Float, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

analyses = Table(
    "analyses", metadata,
    Column("id", Integer, primary_key=True),
    Column("clip_id", Integer, ForeignKey("clips.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("mode", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("exercise", String(100), nullable=True),
    Column("view", String(40), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("formcheck_version", String(64), nullable=False),
    Column("clip_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("folder", String(300), nullable=False, unique=True),
    Column("files", JSON, nullable=False),
    Column("data", JSON, nullable=False),
)

metrics = Table(
    "metrics", metadata,
    Column("id", Integer, primary_key=True),
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("label", Text, nullable=False),
    Column("value", Float, nullable=True),  # NULL = not measured (NaN in MetricValue)
    Column("unit", String(40), nullable=False),
    Column("n", Integer, nullable=False),
    Column("view", String(40), nullable=False),
    Column("low_confidence", Boolean, nullable=False),
)
Index("ix_metrics_name_analysis", metrics.c.name, metrics.c.analysis_id)  # migration 2

notes = Table(
    "notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("clip_id", Integer, ForeignKey("clips.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("t_s", Float, nullable=True),
    Column("text", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("pinned_frame", Integer, nullable=True),  # migration 2
)

# migration 3: one row per clip a batch run finished (formcheck.batch): analysed, or failed with the
# message the user sees. (clip_sha256, settings_key) is unique: a clip is analysed once per settings,
# whichever worker or run gets there first; a retried or repeated task finds the row and skips.
batch_items = Table(
    "batch_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("clip_sha256", String(64), nullable=False),
    Column("settings_key", String(64), nullable=False),
    Column("status", String(10), nullable=False),  # "done" | "failed"
    Column("message", Text, nullable=False),  # "" when done
    Column("source_path", Text, nullable=False),
    Column("analysis_id", Integer, ForeignKey("analyses.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("run_id", String(32), nullable=False),
    Column("seconds", Float, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("clip_sha256", "settings_key", name="uq_batch_items_clip_settings"),
)
