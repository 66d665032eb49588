"""`CleanConfig`: every setting of the cleaning stage, with units and allowed ranges.

Frozen and validated on construction; build a fresh one per run (never a
shared mutable default). `to_dict()` / `from_dict()` give plain JSON values,
used in cache keys.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from formcheck.clean.gaps import GAP_FILL_METHODS
from formcheck.clean.smoothing import SMOOTHERS
from formcheck.clean.swaps import (
    DEFAULT_RESIDUAL_CAP,
    DEFAULT_SWAPPED_COST_PER_S,
    DEFAULT_SWITCH_COST,
)

# (low, high, low inclusive, high inclusive) for every numeric field.
_RANGES: dict[str, tuple[float, float, bool, bool]] = {
    "min_visibility": (0.0, 1.0, True, True),
    "max_gap_s": (0.0, 1.0, True, True),
    "hampel_window_s": (0.0, 2.0, False, True),
    "hampel_n_sigma": (1.0, 10.0, True, True),
    "hampel_min_dev_px": (0.0, 1000.0, True, True),
    "cutoff_hz": (0.0, 1000.0, False, True),
    "filter_order": (1, 8, True, True),
    "swap_switch_cost": (0.0, 100.0, False, True),
    "swap_residual_cap": (0.0, 100.0, False, True),
    "swap_cost_per_s": (0.0, 100.0, False, True),
}


def _range_text(lo: float, hi: float, lo_in: bool, hi_in: bool) -> str:
    return f"{'[' if lo_in else '('}{lo:g}, {hi:g}{']' if hi_in else ')'}"


@dataclass(frozen=True)
class CleanConfig:
    """Settings of `clean_track`.

    Attributes:
        min_visibility: [0, 1]. A landmark whose MediaPipe visibility is below
            this counts as missing (its coordinates become NaN; its visibility
            is kept). 0.5 is the threshold MediaPipe's own drawing utilities
            use to hide a landmark.
        max_gap_s: [0, 1] seconds. Interior gaps up to this long (time between
            the known samples around the gap) are interpolated; longer ones
            stay NaN. 0.1 s fills 1-2 missing frames at 30 fps and up to 11 at
            120 fps, which covers the pose model's usual flicker, while staying
            under half a stance phase (0.2-0.3 s) and a seventh of a stride
            (~0.7 s) when running, so a fill cannot invent a contact or
            toe-off that was never seen.
        gap_fill: "cubic" (default; local cubic through two known samples each
            side, follows the curvature of limb paths) or "linear".
        hampel_window_s: (0, 2] seconds, full width of the Hampel window
            centred on each sample. 0.2 s is 7 frames at 30 fps (Sports2D's
            default window) and catches bursts of up to 3 bad frames there.
        hampel_n_sigma: [1, 10]. A sample is an outlier when it lies more than
            this many robust standard deviations (1.4826 * MAD) from the
            window median. 3 is the usual Hampel setting.
        hampel_min_dev_px: [0, 1000] pixels. Deviations below this are never
            outliers (guards a near-constant window, where the MAD is ~0,
            against flagging sub-pixel jitter).
        smoother: name of a registered smoother: "butterworth" (default),
            "savgol" or "none".
        cutoff_hz: (0, 1000] Hz, or None for automatic:
            min(12 Hz, fps / 4), see `smoothing.auto_cutoff_hz`. A given value
            must also lie below the clip's Nyquist frequency (checked when run).
        filter_order: [1, 8]. Butterworth order of each pass (2: the classic
            4th-order zero-lag filter once run forward and backward), or the
            Savitzky-Golay polynomial order.
        repair_swaps: detect and undo left/right leg label swaps
            (`formcheck.clean.swaps` explains the model).
        swap_switch_cost: (0, 100], squared leg lengths (hip-ankle). Cost of
            each change between "labels right" and "labels swapped": a swap
            segment is repaired only when relabelling it makes the leg motion
            smoother by more than two of these. Where all 8 distal landmarks
            jump by J leg lengths at a boundary, relabelling saves about
            16 J^2 (two frames of prediction error each): 0.2 is repaid from
            J ~ 0.11. Tuned on synthetic runners (see `clean.swaps`).
        swap_residual_cap: (0, 100], squared leg lengths. Cap on one
            landmark's squared prediction error per frame, so a glitch (a
            wild landmark, or one leg drawn onto the other for a frame or
            two) cannot decide a swap alone. 0.1 caps each term at a third of
            a leg length; a real swap with the legs half a leg apart still
            gives ~1.6 per boundary against the 0.4 of two switches.
        swap_cost_per_s: (0, 100], squared leg lengths per second. Prior
            cost of each second spent swapped: MediaPipe's labels are right
            most of the time, so a weak boundary (at a crossing) is not
            "explained" by relabelling the rest of the clip.
    """

    min_visibility: float = 0.5
    max_gap_s: float = 0.1
    gap_fill: str = "cubic"
    hampel_window_s: float = 0.2
    hampel_n_sigma: float = 3.0
    hampel_min_dev_px: float = 2.0
    smoother: str = "butterworth"
    cutoff_hz: float | None = None
    filter_order: int = 2
    repair_swaps: bool = True
    swap_switch_cost: float = DEFAULT_SWITCH_COST
    swap_residual_cap: float = DEFAULT_RESIDUAL_CAP
    swap_cost_per_s: float = DEFAULT_SWAPPED_COST_PER_S

    def __post_init__(self) -> None:
        for name, (lo, hi, lo_in, hi_in) in _RANGES.items():
            value = getattr(self, name)
            if name == "cutoff_hz" and value is None:
                continue
            allowed = _range_text(lo, hi, lo_in, hi_in)
            integer = name == "filter_order"
            numeric = isinstance(value, int) if integer else isinstance(value, (int, float))
            if isinstance(value, bool) or not numeric:
                kind = "an int" if integer else "a number"
                raise ValueError(f"{name} must be {kind} in {allowed}, got {value!r}")
            ok = math.isfinite(value) and (lo <= value if lo_in else lo < value) \
                and (value <= hi if hi_in else value < hi)
            if not ok:
                raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
        if self.gap_fill not in GAP_FILL_METHODS:
            raise ValueError(f"gap_fill must be one of {list(GAP_FILL_METHODS)}, got {self.gap_fill!r}")
        if not isinstance(self.smoother, str) or self.smoother not in SMOOTHERS:
            raise ValueError(f"smoother must be one of {sorted(SMOOTHERS)}, got {self.smoother!r}")
        if not isinstance(self.repair_swaps, bool):
            raise ValueError(f"repair_swaps must be True or False, got {self.repair_swaps!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, one key per field."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CleanConfig":
        """Build from `to_dict()` output; missing keys take defaults.

        Raises:
            ValueError: `data` is not a dict, has an unknown key, or a value is
                out of range.
        """
        if not isinstance(data, dict):
            raise ValueError(f"data must be a dict, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"data has unknown CleanConfig key(s) {unknown}; valid keys: {sorted(known)}")
        return cls(**data)
