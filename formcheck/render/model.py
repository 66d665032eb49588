"""The report model: what the user sees, independent of the analysis that produced it.

A per-mode adapter (`render.running_adapter.running_report_model`,
`render.exercise_adapter.exercise_report_model`) fills one `ReportModel`; the
annotators, the key frames, the plots, the HTML report and the CSV exports read
only this. So an analysis plugs in by writing one adapter function, and every
picture and table of it comes for free.

Conventions: frame numbers are rows of `track` (= the clip's frame indices);
times are real seconds (slow motion rescaled); values are in the unit their
name ends in (`_deg`, `_ms`, ...); NaN = not measured.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field

import numpy as np

from formcheck.landmarks import Landmark
from formcheck.track import PoseTrack

SIDES = ("left", "right", "")
EVIDENCE = ("E", "H", "W", "")
SEVERITIES = ("info", "note", "check")
RAYS = ("up", "down", "horizontal")


@dataclass(frozen=True)
class MetricRow:
    """One metric over the clip: value (median), spread (IQR), ci95, n intervals, view, frames used."""

    name: str
    label: str
    value: float
    unit: str
    spread: float = float("nan")
    ci95: tuple[float, float] = (float("nan"), float("nan"))
    n: int = 0
    view: str = ""
    frames: tuple[int, int] | tuple[()] = ()
    evidence: str = ""
    left: float = float("nan")
    right: float = float("nan")
    low_confidence: bool = False
    describe: str = ""

    def __post_init__(self) -> None:
        if self.evidence not in EVIDENCE:
            raise ValueError(f"evidence must be one of {EVIDENCE}, got {self.evidence!r}")


@dataclass(frozen=True)
class CueRow:
    """One cue: the full message for the report, a short text for the video banner,
    and the frame ranges (first, last) where it applies (empty: clip-wide)."""

    message: str
    short: str
    evidence: str
    severity: str
    kind: str = "observation"
    metric: str = ""
    frames: tuple[tuple[int, int], ...] = ()
    intervals: tuple[int, ...] = ()
    film_again: bool = False  # a suggestion to film again (another side or view), not an option to try

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.intervals and len(self.intervals) != len(self.frames):
            raise ValueError("intervals and frames must have the same length")


@dataclass(frozen=True)
class Mark:
    """A moment to mark: a gait event (kind "contact"/"toe_off"), a rep bottom, ...

    landmark: where to draw it (e.g. the heel at contact); None = no place on the body."""

    kind: str
    label: str
    side: str
    frame: int
    t_s: float
    landmark: Landmark | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")


@dataclass(frozen=True)
class Interval:
    """A stride or a rep: 0-based index, first and last frame (inclusive), side ("" if none);
    group: what it belongs to when a clip holds several exercises ("Side-lying clamshell"), the
    rep counter counting within it ("" for one exercise or running)."""

    index: int
    first: int
    last: int
    side: str = ""
    group: str = ""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"interval {self.index}: last ({self.last}) < first ({self.first})")
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")


@dataclass(frozen=True, eq=False)
class Series:
    """A per-frame value (T,) of the track, e.g. knee_flexion_left_deg; NaN where unseen.

    name: CSV column (ends in its unit); label: for people; group: series
    plotted together share a group (e.g. "knee"); limits: reference values a
    check compares this series with (drawn as lines on its plot); plot: False
    for a series that only feeds an arc and frames.csv (e.g. an absolute angle
    whose check reads its change from the start pose, plotted as another series)."""

    name: str
    label: str
    unit: str
    values: np.ndarray
    side: str = ""
    group: str = ""
    limits: tuple[float, ...] = ()
    plot: bool = True

    def __post_init__(self) -> None:
        v = np.asarray(self.values, dtype=np.float64)
        if v.ndim != 1:
            raise ValueError(f"{self.name}: values must be 1-D, got shape {v.shape}")
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "limits", tuple(float(x) for x in self.limits))
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")


@dataclass(frozen=True)
class AngleArc:
    """Draw series `series` as an arc at landmark `vertex`, between two rays.

    Each ray is a landmark (toward it), a (from, to) landmark pair (along from->to,
    e.g. (HIP, KNEE) at the knee continues the thigh: the wedge to the ankle is
    then the knee's flexion), or a direction: "up", "down", or "horizontal"
    (level, on the side of the other ray)."""

    series: str
    vertex: Landmark
    ray_a: Landmark | tuple[Landmark, Landmark] | str
    ray_b: Landmark | tuple[Landmark, Landmark] | str
    short: str = ""

    def __post_init__(self) -> None:
        for ray in (self.ray_a, self.ray_b):
            if isinstance(ray, str) and ray not in RAYS:
                raise ValueError(f"a ray must be a Landmark, a (from, to) pair or one of {RAYS}, got {ray!r}")
            if isinstance(ray, tuple) and len(ray) != 2:
                raise ValueError(f"a (from, to) ray needs two landmarks, got {ray!r}")
        if isinstance(self.ray_a, str) and isinstance(self.ray_b, str):
            raise ValueError("at least one ray must be a landmark")


@dataclass(frozen=True, eq=False)
class PerInterval:
    """One metric's value per stride/rep, for the left-vs-right plot; limits: the values a
    check compares it with (drawn as lines)."""

    name: str
    label: str
    unit: str
    index: np.ndarray
    values: np.ndarray
    sides: tuple[str, ...]
    flagged: tuple[int, ...] = ()
    limits: tuple[float, ...] = ()


@dataclass(frozen=True)
class KeyFrame:
    """A frame worth a still: `title` (e.g. "Typical stride: contact"), `why` one line."""

    frame: int
    title: str
    why: str = ""
    slug: str = ""


ACTIVITY_KINDS = ("gait", "exercise", "other", "still", "absent", "unsure")
ANALYSIS_KINDS = ("running", "exercise")


@dataclass(frozen=True)
class ActivitySpan:
    """A stretch of the clip with one activity: first and last track row (inclusive), their
    times (s), `title` in words ("Bodyweight squat", "Not sure: Squat or Running?"),
    `kind` (one of ACTIVITY_KINDS: what colour and icon it gets), confidence 0-1, the
    camera `view` in it, `shot` (which shot of an edited clip), `why` (one line)."""

    first: int
    last: int
    start_s: float
    end_s: float
    title: str
    kind: str
    confidence: float
    view: str = ""
    shot: int = 0
    why: str = ""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"activity span {self.title!r}: last ({self.last}) < first ({self.first})")
        if self.kind not in ACTIVITY_KINDS:
            raise ValueError(f"kind must be one of {ACTIVITY_KINDS}, got {self.kind!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")

    @property
    def label(self) -> str:
        """The short text for the video corner and the strip: "Bodyweight squat 0.94" (the
        confidence only for an activity, not for resting, out of view or a question)."""
        return f"{self.title} {self.confidence:.2f}" if self.kind in ("gait", "exercise", "other") else self.title


@dataclass(frozen=True)
class ActivityChoice:
    """One way to settle an unsure clip: analyse it as `analysis` ("running" or "exercise"),
    for an exercise as `exercise` (a catalog name, or "auto" to recognise it)."""

    title: str
    analysis: str
    exercise: str = "auto"

    def __post_init__(self) -> None:
        if self.analysis not in ANALYSIS_KINDS:
            raise ValueError(f"analysis must be one of {ANALYSIS_KINDS}, got {self.analysis!r}")


@dataclass(frozen=True)
class Activity:
    """What the athlete does when: the spans in time order, the track rows where a new shot
    starts (`cuts`), the clip's decision in one sentence, and when it is unsure, the
    question (`ask`: what would settle it) and the `choices` that answer it."""

    spans: tuple[ActivitySpan, ...]
    decision: str
    cuts: tuple[int, ...] = ()
    ask: str = ""
    question: str = ""
    choices: tuple[ActivityChoice, ...] = ()

    @property
    def ask_text(self) -> str:
        """The question and what would settle it, in one line ("" when sure)."""
        if self.ask.startswith("Not sure"):  # the ask already says what it is unsure of
            return self.ask
        return " ".join(p for p in (self.question, self.ask) if p)

    def span_at(self, row: int) -> ActivitySpan | None:
        """The span holding track row `row`, None outside every span."""
        return next((s for s in self.spans if s.first <= row <= s.last), None)


@dataclass(frozen=True)
class RoutineRow:
    """One exercise of a routine, as the summary table shows it: `title`, `kind` ("exercise",
    "other" or "unsure"), number of sets, reps counted and per side in words ("4 left, 4 right"),
    time under work (s), the main fault in words, first and last second of its sets, the view,
    and one line per set ("set 2: 8 reps (both legs), 26.4–45.8 s, side view")."""

    title: str
    kind: str
    sets: int
    reps: int
    per_side: str
    work_s: float
    main_fault: str
    start_s: float
    end_s: float
    view: str
    sets_text: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Routine:
    """A clip of several exercise sets: the summary `rows` (one per exercise, in the order they
    first appear), one full report model per exercise (`cards`, same order, over the same track),
    the breaks between sets as (title, start s, end s), and a one-line `summary`."""

    rows: tuple[RoutineRow, ...]
    cards: tuple["ReportModel", ...]
    breaks: tuple[tuple[str, float, float], ...] = ()
    summary: str = ""

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.cards):
            raise ValueError(f"a routine needs one card per row, got {len(self.rows)} rows and {len(self.cards)} cards")


@dataclass(frozen=True, eq=False)
class ReportModel:
    """Everything the user sees about one analysed clip.

    mode: "running" or "exercise"; interval_word: "stride" or "rep";
    capture: ordered label -> text (clip, size, fps, duration, view, ...);
    decisions: (what, value, confidence 0-1, reason) of each automatic choice;
    panel: (label, text) lines for the on-video metric panel;
    notes: what the numbers do not say (METRICS.md §3, §6);
    activity: what the athlete does when (the activity timeline), None if not known;
    routine: for a clip of several exercise sets, the routine summary and a card per exercise
    (the model's own metrics, cues and key frames are then all the cards' together).
    """

    mode: str
    title: str
    track: PoseTrack
    model_id: str
    confidence: float
    capture: dict[str, str] = field(default_factory=dict)
    decisions: tuple[tuple[str, str, float, str], ...] = ()
    metrics: tuple[MetricRow, ...] = ()
    cues: tuple[CueRow, ...] = ()
    not_measurable: tuple[tuple[str, str], ...] = ()
    marks: tuple[Mark, ...] = ()
    intervals: tuple[Interval, ...] = ()
    interval_word: str = "stride"
    series: tuple[Series, ...] = ()
    arcs: tuple[AngleArc, ...] = ()
    per_interval: tuple[PerInterval, ...] = ()
    key_frames: tuple[KeyFrame, ...] = ()
    panel: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    activity: Activity | None = None
    routine: Routine | None = None
    checks_apply: bool = True  # an exercise whose view shows none of its faults: False (reps counted only)

    def quiet_cues(self) -> str:
        """What the cues say when none fired: nothing stood out, or, when nothing was measured at
        all or no check applies from this view, that nothing could be judged, and the first reason given."""
        if not self.checks_apply:
            why = ([f"{label.lower()} is {reason}" for label, reason in self.not_measurable] or [""])[0]
            return "No form check applies from this view, so none could fire" + (f": {why}." if why else ".")
        if any(math.isfinite(m.value) for m in self.metrics):
            return "No pattern stood out beyond the method's measurement noise."
        # Slow motion first: it is why nothing was timed, whatever else limits the clip.
        slow = [n for n in self.notes if "slow motion" in n]
        why = (slow or list(self.notes) or [m[1] for m in self.not_measurable] or [""])[0]
        return "Nothing was measured in this clip, so nothing could be judged" + (f": {why}" if why else ".")

    def __post_init__(self) -> None:
        n = len(self.track)
        for s in self.series:
            if s.values.shape != (n,):
                raise ValueError(f"series {s.name} must have shape ({n},), got {s.values.shape}")
        names = {s.name for s in self.series}
        for arc in self.arcs:
            if arc.series not in names:
                raise ValueError(f"arc series {arc.series!r} is not one of the series {sorted(names)}")
        spans = self.activity.spans if self.activity is not None else ()
        for k in (*[m.frame for m in self.marks], *[kf.frame for kf in self.key_frames],
                  *[r for s in spans for r in (s.first, s.last)]):
            if not 0 <= k < max(n, 1):
                raise ValueError(f"frame {k} is outside the track (0..{n - 1})")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")

    def series_by_name(self, name: str) -> Series:
        for s in self.series:
            if s.name == name:
                return s
        raise ValueError(f"unknown series {name!r}; valid: {[s.name for s in self.series]}")

    def interval_number(self, iv: Interval) -> int:
        """`iv`'s number (from 1) among the intervals of its group: rep 3 of the clamshell set."""
        return [v.index for v in self.intervals if v.group == iv.group].index(iv.index) + 1

    def interval_label(self, iv: Interval) -> str:
        """"rep 3", or in a routine "Side-lying clamshell · rep 3"."""
        text = f"{self.interval_word} {self.interval_number(iv)}"
        return f"{iv.group} · {text}" if iv.group else text

    def row_of_frame(self) -> dict[int, int]:
        """Clip frame index -> track row."""
        return {int(f): r for r, f in enumerate(self.track.frame_index)}
