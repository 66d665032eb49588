"""What a batch run will do: the clips, whose they are, and the settings that key their results.

Pure functions over paths and dataclasses; nothing here analyses or writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from formcheck.store.records import CLIP_SUFFIXES

#: The athlete of clips given no --athlete and not read from their folder.
UNASSIGNED = "Unassigned"
MODES = ("auto", "exercise", "run")


@dataclass(frozen=True)
class ClipJob:
    """One clip of the run. path: absolute (the workers read it there: a shared path on a
    cluster). athlete: the athlete's name. sha256: the content hash, set once read."""

    path: str
    athlete: str
    sha256: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class BatchSpec:
    """The choices every clip of the run is analysed with (the CLI's options)."""

    mode: str = "auto"
    model: str | None = None
    exercise: str = "auto"
    view: str = "auto"
    context: str = "auto"
    capture_fps: float | None = None
    render: bool = True  # annotated video, key frames and report (else analysis.json and the CSVs)
    limits: dict = field(default_factory=dict)  # VideoLimits overrides (the operator's FORMCHECK_MAX_*)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")

    def choices(self) -> dict:
        """What changes the result, as the library keeps it with the analysis."""
        return asdict(self)


def settings_key(spec: BatchSpec, model_id: str) -> str:
    """Two runs with the same key give the same analysis of the same clip: the choices and the
    pose model (not the FormCheck version: a newer FormCheck does not redo a season's clips)."""
    payload = json.dumps({"choices": spec.choices(), "model_id": model_id}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def gather(paths: list[str | os.PathLike], athlete: str | None = None,
           athlete_from_folder: bool = False) -> tuple[list[ClipJob], list[tuple[str, str]]]:
    """The clips named or found under folders (recursively, by suffix), each once, in the order
    given. A file named on the command line is taken whatever its suffix (if it is not a video,
    the run records why); a path that does not exist is returned as a problem with its message.
    """
    jobs: list[ClipJob] = []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = str(path.resolve())  # one file under two names (a link) is one clip
        if key in seen:
            return
        seen.add(key)
        path = Path(os.path.abspath(path))  # as given, not where a link points: its folder names the athlete
        who = athlete or (path.parent.name if athlete_from_folder and path.parent.name else UNASSIGNED)
        jobs.append(ClipJob(str(path), who))

    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CLIP_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append((str(given), f"No clips ({', '.join(CLIP_SUFFIXES)}) in the folder {given}."))
            for p in found:
                add(p)
        elif path.is_file():
            add(path)
        else:
            problems.append((str(given), f"{given}: no such file or folder."))
    return jobs, problems
