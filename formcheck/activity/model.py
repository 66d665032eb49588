"""What the activity timeline says about a clip: segments, shots and the clip's decision.

    timeline.segments[0].label        # "running", "squat", "other_exercise", "still", ...
    timeline.segments[0].candidates   # (("squat", 0.55), ("single_leg_squat", 0.31), ...)
    timeline.decision.mode            # "running" | "exercise" | "unsure"

Frames are the video's frame numbers (as `PoseTrack.frame_index`), times in
the clip's seconds. Every label comes with a confidence in [0, 1] and the
reasons that decided it; a segment whose evidence does not separate its best
label from the next is `UNSURE`, with both candidates, and so is a clip
whose main activity could be either (the caller asks the user then).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Gait activities.
GAIT = ("running", "walking")
#: A movement that repeats but matches no catalog exercise.
OTHER_EXERCISE = "other_exercise"
#: The athlete moves little: standing, resting, between sets.
STILL = "still"
#: Too few frames with the athlete's body seen to say anything.
NOT_IN_VIEW = "not_in_view"
#: The evidence does not separate the best label from the next: see `candidates`.
UNSURE = "unsure"

LABEL_WORDS = {"running": "Running", "walking": "Walking", OTHER_EXERCISE: "Another exercise (not recognised)",
               STILL: "Still / resting", NOT_IN_VIEW: "Athlete not in view", UNSURE: "Not sure"}


def label_title(label: str) -> str:
    """Plain words for a timeline label (catalog exercises by their title)."""
    if label in LABEL_WORDS:
        return LABEL_WORDS[label]
    from formcheck.exercises.catalog import EXERCISES

    spec = EXERCISES.get(label)
    return spec.title if spec else label.replace("_", " ")


def is_exercise_label(label: str) -> bool:
    """A catalog exercise or another exercise (not gait, still, out of view or unsure)."""
    return label not in GAIT + (STILL, NOT_IN_VIEW, UNSURE)


@dataclass(frozen=True)
class Segment:
    """A stretch of the clip with one label.

    start_frame/end_frame: first and last frame (inclusive); start_s/end_s: their times;
    label: see module constants and the catalog's names; confidence: [0, 1];
    candidates: the best labels with their confidences, best first (two or more when
    UNSURE between labels; none, with confidence 0, when too short to tell); reasons: plain sentences on what decided it; view: the camera's place for this
    segment ("side", "front", "rear", "oblique", "foot_end", "head_end", "unknown"), view_confidence;
    shot: which shot of an edited clip it lies in (0 for an uncut clip).
    """

    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    label: str
    confidence: float
    candidates: tuple[tuple[str, float], ...] = ()
    reasons: tuple[str, ...] = ()
    view: str = "unknown"
    view_confidence: float = 0.0
    shot: int = 0

    def __post_init__(self) -> None:
        if self.end_frame < self.start_frame:
            raise ValueError(f"end_frame {self.end_frame} before start_frame {self.start_frame}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def title(self) -> str:
        if self.label == UNSURE and len(self.candidates) >= 2:
            return f"Not sure: {label_title(self.candidates[0][0])} or {label_title(self.candidates[1][0])}?"
        return label_title(self.label)

    def to_dict(self) -> dict:
        return {"start_frame": self.start_frame, "end_frame": self.end_frame,
                "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "label": self.label,
                "title": self.title, "confidence": round(self.confidence, 2),
                "candidates": [{"label": n, "confidence": round(c, 2)} for n, c in self.candidates],
                "reasons": list(self.reasons), "view": self.view,
                "view_confidence": round(self.view_confidence, 2), "shot": self.shot}


@dataclass(frozen=True)
class Decision:
    """The clip's automatic decision, read from the timeline.

    mode: "running" (running or walking), "exercise", or UNSURE (the user is asked);
    label: the main segment's label ("running", "walking", a catalog name, OTHER_EXERCISE,
    or UNSURE); confidence: [0, 1]; candidates: (label, confidence) best first; reason: one
    sentence; segment: index of the main segment in `Timeline.segments` (None if none);
    ask: when unsure, what would settle it (an option, a tap, a camera position).
    """

    mode: str
    label: str
    confidence: float
    candidates: tuple[tuple[str, float], ...]
    reason: str
    segment: int | None = None
    ask: str = ""

    def to_dict(self) -> dict:
        return {"mode": self.mode, "label": self.label, "title": label_title(self.label),
                "confidence": round(self.confidence, 2),
                "candidates": [{"label": n, "confidence": round(c, 2)} for n, c in self.candidates],
                "reason": self.reason, "segment": self.segment, "ask": self.ask}


@dataclass(frozen=True)
class Timeline:
    """Segments in time order covering the analysed frames, the shot cuts found in the
    clip (frame numbers where a new shot starts), the window settings and the decision."""

    segments: tuple[Segment, ...]
    cuts: tuple[int, ...]
    decision: Decision
    window_s: float
    hop_s: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def segment_at(self, frame: int) -> Segment | None:
        """The segment holding `frame`, None outside every segment."""
        for s in self.segments:
            if s.start_frame <= frame <= s.end_frame:
                return s
        return None

    def to_dict(self) -> dict:
        return {"window_s": self.window_s, "hop_s": self.hop_s, "cuts": list(self.cuts),
                "segments": [s.to_dict() for s in self.segments], "decision": self.decision.to_dict(),
                "notes": list(self.notes)}
