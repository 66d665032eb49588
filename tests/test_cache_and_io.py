"""Pose cache and track files: round trips, keys, incomplete entries, no pickle."""


import numpy as np
import pytest

from formcheck.cache import PoseCache, cache_key, file_sha256
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.pose.people import Person
from formcheck.track import PoseTrack
from formcheck.track_io import (
    csv_header,
    load_track_npz,
    save_track_csv,
    save_track_npz,
)


def _person(pid=0, n=20, seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 500, (n, NUM_LANDMARKS, 2))
    xy[3:5] = np.nan
    vis = rng.uniform(0, 1, (n, NUM_LANDMARKS))
    track = PoseTrack(np.arange(n) / 30.0, xy, rng.normal(size=(n, NUM_LANDMARKS)), vis,
                      rng.normal(size=(n, NUM_LANDMARKS, 3)), np.arange(n), (640, 480))
    return Person(pid, track, presence=0.9, height_px=321.0)


def test_cache_round_trip(tmp_path):
    cache = PoseCache(tmp_path)
    key = cache_key("ab" * 32, "model@1", {"a": 1})
    assert cache.load(key) is None
    people = [_person(0), _person(1, seed=1)]
    cache.save(key, people, {"note": "x"})
    loaded = cache.load(key)
    assert [p.person_id for p in loaded.people] == [0, 1]
    for a, b in zip(people, loaded.people):
        assert b.track.allclose(a.track, atol_px=1e-3)  # stored as float32
        assert b.track.frame_size == (640, 480)
        assert b.presence == pytest.approx(0.9)
    assert loaded.meta["note"] == "x"


def test_cache_key_depends_on_every_input():
    base = cache_key("a" * 64, "m", {"x": 1})
    assert base == cache_key("a" * 64, "m", {"x": 1})
    assert len({base, cache_key("b" * 64, "m", {"x": 1}), cache_key("a" * 64, "n", {"x": 1}),
                cache_key("a" * 64, "m", {"x": 2})}) == 4


def test_entry_without_its_json_is_ignored_and_no_temp_files_left(tmp_path):
    cache = PoseCache(tmp_path)
    key = cache_key("c" * 64, "m", {})
    cache.save(key, [_person()], {})
    (tmp_path / f"{key}.json").unlink()  # as if killed between the two writes
    assert cache.load(key) is None
    assert not list(tmp_path.glob("*.tmp"))


def test_corrupt_entry_is_ignored(tmp_path):
    cache = PoseCache(tmp_path)
    key = cache_key("d" * 64, "m", {})
    cache.save(key, [_person()], {})
    (tmp_path / f"{key}.npz").write_bytes(b"not an npz")
    assert cache.load(key) is None


@pytest.mark.parametrize("key", ["../etc", "ABC", ""])
def test_keys_cannot_name_other_paths(tmp_path, key):
    with pytest.raises(ValueError, match="hex"):
        PoseCache(tmp_path).load(key)


def test_file_sha256(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_track_npz_and_csv(tmp_path):
    track = _person().track
    path = save_track_npz(track, tmp_path / "t.npz", meta={"model_id": "m"})
    loaded, meta = load_track_npz(path)
    assert loaded.allclose(track) and meta["model_id"] == "m" and loaded.frame_size == (640, 480)
    csv_path = save_track_csv(track, tmp_path / "t.csv")
    lines = csv_path.read_text().splitlines()
    header = lines[0].split(",")
    assert header == csv_header(NUM_LANDMARKS) and header[2] == "nose_x_px"
    assert len(lines) == len(track) + 1
    row3 = lines[4].split(",")  # frame 3 has NaN landmarks: empty cells
    assert row3[2] == "" and row3[0] == "3"


def test_track_npz_rejects_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a FormCheck track"):
        load_track_npz(path)


def test_track_npz_with_object_array_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    arrays = {name: getattr(_person().track, name) for name in
              ("xy_px", "z", "visibility", "world_m", "frame_index")}
    np.savez(path, t_s=np.array([{"x": 1}] * 20, dtype=object), **arrays)
    with pytest.raises(ValueError, match="allow_pickle"):
        load_track_npz(path)
