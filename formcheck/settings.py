"""All settings of one analysis: typed, frozen, validated, fresh per run.

The CLI and the app build a `Settings` the same way (`Settings.from_dict`),
so both read one definition. Each part documents its own units and ranges
(VideoLimits, LandmarkerSettings, RunSettings, LinkSettings, CleanConfig).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass

from formcheck.clean import CleanConfig
from formcheck.pose.landmarker import LandmarkerSettings
from formcheck.pose.people import LinkSettings
from formcheck.pose.runner import RunSettings
from formcheck.video import VideoLimits


@dataclass(frozen=True)
class AthleteChoice:
    """Who the athlete is: rank `index` (0 = most present and largest), or
    the person at `point_px` (x, y pixels of the upright frame) at `at_s`."""

    index: int | None = None
    point_px: tuple[float, float] | None = None
    at_s: float | None = None

    def __post_init__(self) -> None:
        if self.index is not None and self.point_px is not None:
            raise ValueError("athlete: give index or point_px, not both")
        if self.index is not None and self.index < 0:
            raise ValueError(f"athlete.index must be >= 0, got {self.index}")
        if self.point_px is not None:
            object.__setattr__(self, "point_px", tuple(float(v) for v in self.point_px))


@dataclass(frozen=True)
class Settings:
    """model: 'full', 'heavy', or a path to a .task file; None = FORMCHECK_MODEL
        if set, else the best model installed (full, then heavy, then any .task).
    capture_fps: frames per second the camera really captured, for a
        slow-motion clip whose file does not say (None = from the file)."""

    model: str | None = None
    capture_fps: float | None = None
    limits: VideoLimits = field(default_factory=VideoLimits)
    landmarker: LandmarkerSettings = field(default_factory=LandmarkerSettings)
    run: RunSettings = field(default_factory=RunSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    clean: CleanConfig = field(default_factory=CleanConfig)
    athlete: AthleteChoice = field(default_factory=AthleteChoice)

    def __post_init__(self) -> None:
        if self.capture_fps is not None and not 1.0 <= self.capture_fps <= 1000.0:
            raise ValueError(f"capture_fps must be in [1, 1000], got {self.capture_fps}")

    def pose_cache_settings(self) -> dict:
        """The settings that change the pose result (and so the cache key)."""
        return {
            "capture_fps": self.capture_fps,
            "landmarker": asdict(self.landmarker),
            "link": asdict(self.link),
        }

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Settings":
        """Build from plain JSON-like data; unknown keys raise ValueError."""
        return _build(cls, data or {}, "settings")


def _build(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a mapping, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"unknown {where} key(s) {unknown}; valid: {sorted(known)}")
    kwargs = {}
    for name, value in data.items():
        default = cls.__dataclass_fields__[name].default_factory if callable(
            cls.__dataclass_fields__[name].default_factory) else None
        sub = default() if default is not None else None
        if sub is not None and is_dataclass(sub) and isinstance(value, dict):
            kwargs[name] = _build(type(sub), value, f"{where}.{name}")
        else:
            kwargs[name] = value
    return cls(**kwargs)
