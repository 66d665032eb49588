"""Who is who: follow each person across frames and choose the athlete.

MediaPipe reports the people in a frame in no stable order. We link
detections frame to frame by landmark distance (Hungarian assignment, gated
by body size and elapsed time) over the whole clip, after chunks are
stitched, so identities never depend on how the clip was split.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from formcheck.landmarks import NUM_LANDMARKS, Landmark
from formcheck.pose.landmarker import FramePeople
from formcheck.track import PoseTrack

log = logging.getLogger(__name__)

_TORSO = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


@dataclass(frozen=True)
class LinkSettings:
    """How detections are linked into people.

    max_cost: largest mean landmark distance, in body heights, for a
        detection to continue a person (per frame elapsed it grows with
        `speed_body_heights_per_s`, so a person may move faster over a gap).
    max_lost_s: a person unseen for longer than this is closed; a later
        detection starts a new person.
    duplicate_cost: two detections in one frame closer than this (body
        heights) are one person reported twice; the less visible is dropped.
    min_seen_s: people seen for less time than this in all are dropped as
        false detections (MediaPipe's one-frame ghosts).
    min_in_frame: people whose torso centre lies inside the picture in less
        than this share of their frames are dropped: MediaPipe sometimes
        tracks a phantom body hanging off the frame edge (seen on the sprint
        clip, where it missed the small real runner).
    """

    max_cost: float = 0.35
    speed_body_heights_per_s: float = 2.0
    max_lost_s: float = 1.0
    duplicate_cost: float = 0.15
    min_seen_s: float = 0.3
    min_in_frame: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_in_frame <= 1.0:
            raise ValueError(f"min_in_frame must be in [0, 1], got {self.min_in_frame}")
        for name in ("max_cost", "speed_body_heights_per_s", "max_lost_s", "duplicate_cost", "min_seen_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


@dataclass(frozen=True, eq=False)
class Person:
    """One person followed through the clip.

    track: full-length PoseTrack (NaN where the person was not seen).
    presence: fraction of frames in which the person was detected.
    height_px: median height of the person's landmark box when seen.
    """

    person_id: int
    track: PoseTrack
    presence: float
    height_px: float

    @property
    def score(self) -> float:
        """Default athlete ranking: most present and largest."""
        return self.presence * self.height_px


def link_people(
    frames: Sequence[FramePeople],
    t_s: np.ndarray,
    frame_size: tuple[int, int],
    frame_index: np.ndarray | None = None,
    settings: LinkSettings = LinkSettings(),
) -> list[Person]:
    """Follow everyone through the clip; people sorted best athlete first.

    frames: one FramePeople per frame; t_s: (T,) seconds, strictly increasing.
    Returns [] when nobody was ever seen.
    """
    t_s = np.asarray(t_s, dtype=np.float64)
    if len(frames) != t_s.shape[0]:
        raise ValueError(f"frames ({len(frames)}) and t_s ({t_s.shape[0]}) differ in length")
    n_frames = len(frames)
    index = np.arange(n_frames) if frame_index is None else np.asarray(frame_index)

    # Per person: the frame and detection index of each of their sightings.
    sightings: list[list[tuple[int, int]]] = []
    active: list[int] = []  # person ids still open
    last_xy: dict[int, np.ndarray] = {}
    last_t: dict[int, float] = {}
    last_h: dict[int, float] = {}
    velocity: dict[int, np.ndarray] = {}

    for f, people in enumerate(frames):
        keep = _drop_duplicates(people, settings.duplicate_cost)
        t = t_s[f]
        active = [p for p in active if t - last_t[p] <= settings.max_lost_s]
        matched: dict[int, int] = {}
        if active and keep:
            cost = np.full((len(active), len(keep)), np.inf)
            for a, pid in enumerate(active):
                dt = t - last_t[pid]
                predicted = last_xy[pid] + velocity[pid] * dt
                gate = settings.max_cost + settings.speed_body_heights_per_s * dt
                for d, det in enumerate(keep):
                    c = _landmark_distance(predicted, people.xy_px[det], people.visibility[det], last_h[pid])
                    if c <= gate:
                        cost[a, d] = c
            if np.isfinite(cost).any():
                big = 1e6
                rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, big))
                for r, c in zip(rows, cols):
                    if np.isfinite(cost[r, c]):
                        matched[keep[c]] = active[r]
        for det in keep:
            pid = matched.get(det)
            if pid is None:
                pid = len(sightings)
                sightings.append([])
                active.append(pid)
                velocity[pid] = np.zeros(2)
            xy = people.xy_px[det]
            if pid in last_xy and t > last_t[pid]:
                step = (_centre(xy) - _centre(last_xy[pid])) / (t - last_t[pid])
                if np.all(np.isfinite(step)):
                    velocity[pid] = 0.5 * velocity[pid] + 0.5 * step
            sightings[pid].append((f, det))
            last_xy[pid] = xy
            last_t[pid] = t
            last_h[pid] = _height(xy)

    frame_s = float(np.median(np.diff(t_s))) if n_frames > 1 else 0.0
    min_sightings = max(1, int(np.ceil(settings.min_seen_s / frame_s))) if frame_s > 0 else 1
    candidates = [
        (len(seen) / max(n_frames, 1) * float(np.median([_height(frames[f].xy_px[det]) for f, det in seen])), pid)
        for pid, seen in enumerate(sightings)
        if len(seen) >= min(min_sightings, n_frames)
        and _in_frame_share(seen, frames, frame_size) >= settings.min_in_frame
    ]
    candidates.sort(key=lambda c: c[0], reverse=True)  # Person.score: the default athlete first
    kept = candidates[:people_to_keep(n_frames)]
    if len(kept) < len(candidates):
        log.info("people: %d followed; the %d seen least or smallest are dropped to keep the tracks in memory "
                 "(%d frames each)", len(candidates), len(candidates) - len(kept), n_frames)
    return [_assemble(pid, sightings[pid], frames, t_s, index, frame_size) for _, pid in kept]


#: Memory for the people's full-length tracks (1,848 bytes per person per frame). A long clip
#: where MediaPipe flickers, or a crowd passes, links hundreds of short-lived people: at 10
#: minutes, 30 MB each, 20 GB for 600 (seen on a 10-minute 1080p clip).
PEOPLE_TRACKS_BUDGET_BYTES = 256 * 2**20
#: Kept whatever the clip's length: MediaPipe tracks at most 8 people per frame (num_poses).
MIN_PEOPLE_KEPT = 8


def people_to_keep(n_frames: int) -> int:
    """How many people (the best athletes first) a clip of `n_frames` keeps full tracks for."""
    per_person = max(n_frames, 1) * NUM_LANDMARKS * (2 + 1 + 1 + 3) * 8  # xy, z, visibility, world; float64
    return max(MIN_PEOPLE_KEPT, PEOPLE_TRACKS_BUDGET_BYTES // per_person)


def choose_athlete(
    people: Sequence[Person],
    index: int | None = None,
    point_px: tuple[float, float] | None = None,
    at_s: float | None = None,
) -> Person:
    """The athlete: by rank `index`, by a point in the frame, or the best by default.

    point_px: (x, y) pixels of the upright frame; picks the person whose
    landmark box contains the point (else the nearest) at the frame nearest
    `at_s` in which anyone is seen (the first such frame if `at_s` is None).
    """
    if not people:
        raise ValueError("people is empty: nobody was detected")
    if index is not None and point_px is not None:
        raise ValueError("give index or point_px, not both")
    if index is not None:
        if not 0 <= index < len(people):
            raise ValueError(f"index must be in 0..{len(people) - 1}, got {index}")
        return people[index]
    if point_px is None:
        return people[0]
    point = np.asarray(point_px, dtype=np.float64)
    seen_any = np.any([p.track.detected_frames for p in people], axis=0)
    frames_seen = np.flatnonzero(seen_any)
    t_s = people[0].track.t_s
    f = frames_seen[0] if at_s is None else frames_seen[np.argmin(np.abs(t_s[frames_seen] - at_s))]
    best, best_d = people[0], np.inf
    for person in people:
        xy = person.track.xy_px[f]
        if not np.isfinite(xy).any():
            continue
        lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
        inside = bool(np.all(point >= lo) and np.all(point <= hi))
        d = -1.0 if inside else float(np.linalg.norm(point - _centre(xy)))
        if d < best_d:
            best, best_d = person, d
    return best


def athlete_by_shot(people: Sequence[Person], shot_starts: Sequence[int]) -> Person:
    """The athlete of an edited clip: in each shot (track positions [start, next start)), the
    person most present and largest within that shot, their tracks joined into one.

    A cut breaks identities (everyone jumps in the picture), so one person linked over the whole
    clip holds at most the shots where they happen to be; each shot of a tutorial or broadcast
    shows its athlete anew. person_id is that of the whole clip's best; presence and height are
    recomputed over the joined track. One shot: `people[0]`.
    """
    if not people:
        raise ValueError("people is empty: nobody was detected")
    n = len(people[0].track)
    bounds = sorted({int(s) for s in shot_starts if 0 < s < n})
    if not bounds:
        return people[0]
    edges = [0, *bounds, n]
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        def in_shot(p: Person) -> float:
            seen = p.track.detected_frames[a:b]
            heights = _heights(p.track.xy_px[a:b][seen])
            return float(seen.mean()) * (float(np.median(heights)) if heights.size else 0.0)
        pieces.append(max(people, key=in_shot).track[a:b])
    arrays = {name: np.concatenate([getattr(t, name) for t in pieces])
              for name in ("xy_px", "z", "visibility", "world_m")}
    track = people[0].track.with_arrays(**arrays)
    seen = track.detected_frames
    heights = _heights(track.xy_px[seen])
    return Person(people[0].person_id, track, float(seen.mean()),
                  float(np.median(heights)) if heights.size else 0.0)


def _heights(xy: np.ndarray) -> np.ndarray:
    """(F,) landmark-box heights of frames (F, K, 2), pixels."""
    if not len(xy):
        return np.zeros(0)
    return np.nanmax(xy[..., 1], axis=1) - np.nanmin(xy[..., 1], axis=1)


# -- helpers ------------------------------------------------------------
def _centre(xy: np.ndarray) -> np.ndarray:
    torso = xy[_TORSO]
    pts = torso if np.isfinite(torso).all() else xy
    return np.nanmean(pts, axis=0)


def _height(xy: np.ndarray) -> float:
    finite = xy[np.all(np.isfinite(xy), axis=1)]
    if finite.shape[0] < 2:
        return 1.0
    span = finite.max(axis=0) - finite.min(axis=0)
    # A lying person is wide, not tall: use the larger side of the box.
    return float(max(span.max(), 1.0))


def _landmark_distance(a: np.ndarray, b: np.ndarray, vis_b: np.ndarray, scale: float) -> float:
    """Mean distance between two people's landmarks, in body heights."""
    ok = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1)
    if not ok.any():
        return np.inf
    weight = 0.1 + vis_b[ok]
    d = np.linalg.norm(a[ok] - b[ok], axis=1)
    return float(np.sum(weight * d) / np.sum(weight) / max(scale, 1.0))


def _drop_duplicates(people: FramePeople, duplicate_cost: float) -> list[int]:
    order = np.argsort(-np.nanmean(people.visibility, axis=1)) if len(people) else []
    kept: list[int] = []
    for p in order:
        xy = people.xy_px[p]
        if all(
            _landmark_distance(people.xy_px[q], xy, people.visibility[p], _height(people.xy_px[q])) > duplicate_cost
            for q in kept
        ):
            kept.append(int(p))
    return kept


def _in_frame_share(seen, frames, frame_size) -> float:
    """Share of a person's sightings whose torso centre is inside the picture (1 if size unknown)."""
    width, height = frame_size
    if width <= 0 or height <= 0:
        return 1.0
    centres = np.array([_centre(frames[f].xy_px[det]) for f, det in seen])
    inside = (centres[:, 0] >= 0) & (centres[:, 0] < width) & (centres[:, 1] >= 0) & (centres[:, 1] < height)
    return float(np.mean(inside))


def _assemble(pid, seen, frames, t_s, index, frame_size) -> Person:
    n = len(frames)
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    z = np.full((n, NUM_LANDMARKS), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    heights = []
    for f, det in seen:
        people = frames[f]
        xy[f], z[f], vis[f], world[f] = people.xy_px[det], people.z[det], people.visibility[det], people.world_m[det]
        heights.append(_height(people.xy_px[det]))
    track = PoseTrack(t_s=t_s, xy_px=xy, z=z, visibility=vis, world_m=world, frame_index=index, frame_size=frame_size)
    return Person(pid, track, presence=len(seen) / max(n, 1), height_px=float(np.median(heights)))
