"""Pose results cached on disk by content, so re-analysis skips inference.

Key = sha256 of (clip sha256, model id, inference settings, cache format).
Each entry is an `.npz` of plain arrays (loaded with allow_pickle=False:
nothing a user uploads is ever unpickled) plus a `.json` of metadata. The
JSON is written last, by rename, so an entry without it is incomplete and
ignored: a run killed midway leaves nothing that looks valid.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.pose.people import Person
from formcheck.track import PoseTrack

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
_HASH_BLOCK = 1 << 20


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file, read in 1 MiB blocks (memory flat in file size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(clip_sha256: str, model_id: str, settings: dict) -> str:
    payload = json.dumps(
        {"clip": clip_sha256, "model": model_id, "settings": settings, "format": CACHE_FORMAT},
        sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True, eq=False)
class CachedPeople:
    people: list[Person]
    meta: dict


class PoseCache:
    """A folder of cached pose results; safe for several processes at once."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _paths(self, key: str) -> tuple[Path, Path]:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"key must be lowercase hex, got {key!r}")
        return self.root / f"{key}.npz", self.root / f"{key}.json"

    def load(self, key: str) -> CachedPeople | None:
        npz_path, json_path = self._paths(key)
        if not (npz_path.exists() and json_path.exists()):
            return None
        try:
            meta = json.loads(json_path.read_text())
            with np.load(npz_path, allow_pickle=False) as data:
                people = _people_from_arrays(data, meta)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", key, exc)
            return None
        return CachedPeople(people, meta)

    def save(self, key: str, people: list[Person], meta: dict) -> None:
        npz_path, json_path = self._paths(key)
        self.root.mkdir(parents=True, exist_ok=True)
        arrays = _people_to_arrays(people)
        full_meta = {**meta, "format": CACHE_FORMAT, "frame_size": _frame_size(people)}
        # One writer per key at a time; the lock dies with its process, so whoever holds it may
        # remove the temporary files a killed writer of this key left behind.
        with open(self.root / f".{key}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for path in (npz_path, json_path):
                for left in self.root.glob(f".{path.name}.*.tmp"):
                    left.unlink(missing_ok=True)
            _atomic_write(npz_path, lambda f: np.savez_compressed(f, **arrays))
            _atomic_write(json_path, lambda f: f.write(json.dumps(full_meta, indent=1, sort_keys=True).encode()))


    def load_json(self, key: str) -> dict | None:
        """A small JSON record cached beside the pose tracks (e.g. a clip's shot cuts); None
        when absent or unreadable."""
        path = self._paths(key)[0].with_suffix(".record.json")
        try:
            return json.loads(path.read_text()) if path.exists() else None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cache record %s: %s", key, exc)
            return None

    def save_json(self, key: str, record: dict) -> None:
        path = self._paths(key)[0].with_suffix(".record.json")
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda f: f.write(json.dumps(record, sort_keys=True).encode()))


def record_key(kind: str, clip_sha256: str, version: str) -> str:
    """A cache key (hex) for a per-clip record of one kind and version."""
    return hashlib.sha256(f"{kind}:{clip_sha256}:{version}".encode()).hexdigest()


def _frame_size(people: list[Person]) -> list[int]:
    return list(people[0].track.frame_size) if people else [0, 0]


def _people_to_arrays(people: list[Person]) -> dict[str, np.ndarray]:
    if not people:
        return {"person_id": np.zeros(0, np.int64)}
    tracks = [p.track for p in people]
    return {
        "person_id": np.array([p.person_id for p in people], np.int64),
        "presence": np.array([p.presence for p in people]),
        "height_px": np.array([p.height_px for p in people]),
        "t_s": tracks[0].t_s,
        "frame_index": tracks[0].frame_index,
        "xy_px": np.stack([t.xy_px for t in tracks]).astype(np.float32),
        "z": np.stack([t.z for t in tracks]).astype(np.float32),
        "visibility": np.stack([t.visibility for t in tracks]).astype(np.float32),
        "world_m": np.stack([t.world_m for t in tracks]).astype(np.float32),
    }


def _people_from_arrays(data, meta: dict) -> list[Person]:
    ids = data["person_id"]
    size = tuple(meta.get("frame_size", (0, 0)))
    people = []
    for p, pid in enumerate(ids):
        track = PoseTrack(
            t_s=data["t_s"], xy_px=data["xy_px"][p], z=data["z"][p], visibility=data["visibility"][p],
            world_m=data["world_m"][p], frame_index=data["frame_index"], frame_size=size,
        )
        people.append(Person(int(pid), track, float(data["presence"][p]), float(data["height_px"][p])))
    return people


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
