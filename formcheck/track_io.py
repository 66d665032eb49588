"""Write and read a PoseTrack as files a user keeps: .npz (arrays) and .csv.

The .npz holds plain numeric arrays and a JSON string of metadata; it is
read with allow_pickle=False, so a file from anywhere is safe to open.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from formcheck.landmarks import Landmark
from formcheck.track import PoseTrack

_ARRAYS = ("t_s", "xy_px", "z", "visibility", "world_m", "frame_index")


def save_track_npz(track: PoseTrack, path: str | os.PathLike, meta: dict | None = None) -> Path:
    path = Path(path)
    arrays = {name: getattr(track, name) for name in _ARRAYS}
    meta_json = json.dumps({"frame_size": list(track.frame_size), **(meta or {})}, sort_keys=True, default=str)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, meta_json=np.array(meta_json), **arrays)
    os.replace(tmp, path)
    return path


def load_track_npz(path: str | os.PathLike) -> tuple[PoseTrack, dict]:
    with np.load(path, allow_pickle=False) as data:
        missing = [name for name in _ARRAYS if name not in data]
        if missing:
            raise ValueError(f"{path} is not a FormCheck track file: missing {missing}")
        meta = json.loads(str(data["meta_json"])) if "meta_json" in data else {}
        arrays = {name: data[name] for name in _ARRAYS}
    size = tuple(meta.get("frame_size", (0, 0)))
    return PoseTrack(**arrays, frame_size=size), meta


def csv_header(num_landmarks: int) -> list[str]:
    columns = ["frame", "t_s"]
    for k in range(num_landmarks):
        name = Landmark(k).name.lower()
        columns += [f"{name}_x_px", f"{name}_y_px", f"{name}_visibility"]
    return columns


def save_track_csv(track: PoseTrack, path: str | os.PathLike) -> Path:
    """One row per frame; empty cells where a landmark is missing."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(csv_header(track.num_landmarks))
        for i in range(len(track)):
            row: list = [int(track.frame_index[i]), f"{track.t_s[i]:.6f}"]
            for k in range(track.num_landmarks):
                x, y = track.xy_px[i, k]
                row += [_num(x), _num(y), f"{track.visibility[i, k]:.3f}"]
            writer.writerow(row)
    os.replace(tmp, path)
    return path


def _num(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.2f}"
