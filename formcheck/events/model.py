"""The event types every later stage reads: gait events and stance phases."""

from __future__ import annotations

from dataclasses import dataclass

SIDES = ("left", "right")
EVENT_KINDS = ("contact", "toe_off")


@dataclass(frozen=True)
class GaitEvent:
    """One initial contact or toe-off of one foot.

    kind: "contact" or "toe_off"; side: "left" or "right".
    frame: row of the PoseTrack nearest the event (0..T-1).
    t_s: time in seconds, interpolated between frames (sub-frame).
    confidence: 0..1, from the visibility of the landmarks that placed it.
    method: the detector that found it (for the report).
    """

    kind: str
    side: str
    frame: int
    t_s: float
    confidence: float
    method: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")


@dataclass(frozen=True)
class Stance:
    """One foot on the ground: contact to toe-off of `side`.

    midstance_frame: the row with the lowest hip-mid (largest image y) in
    stance (METRICS.md §2), or None if the hips were not seen.
    """

    side: str
    contact: GaitEvent
    toe_off: GaitEvent
    midstance_frame: int | None = None

    def __post_init__(self) -> None:
        if self.contact.side != self.side or self.toe_off.side != self.side:
            raise ValueError("contact and toe_off must be events of this stance's side")
        if self.contact.kind != "contact" or self.toe_off.kind != "toe_off":
            raise ValueError("contact must be a contact event and toe_off a toe-off event")
        if not self.toe_off.t_s > self.contact.t_s:
            raise ValueError("toe_off must come after contact")

    @property
    def duration_s(self) -> float:
        return self.toe_off.t_s - self.contact.t_s
