"""Identity linking and athlete choice on synthetic detections with known answers."""

import numpy as np
import pytest

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarker import FramePeople
from formcheck.pose.people import LinkSettings, choose_athlete, link_people

FPS = 30.0


def _body(centre_x, centre_y, height, rng):
    """A person's 33 landmarks spread over a box `height` tall around a centre."""
    offsets = rng.uniform(-0.5, 0.5, (NUM_LANDMARKS, 2)) * [0.4 * height, height]
    return np.array([centre_x, centre_y]) + offsets


def _frames(n, people, order_seed=1, drop=None, extra=None):
    """people: list of (template (K,2), velocity px/frame). drop: {person: frames absent}."""
    rng = np.random.default_rng(order_seed)
    frames = []
    for f in range(n):
        xy = []
        for p, (template, velocity) in enumerate(people):
            if drop and f in drop.get(p, ()):
                continue
            xy.append(template + np.asarray(velocity) * f)
        if extra and f in extra:
            xy.append(extra[f])
        order = rng.permutation(len(xy))  # MediaPipe's order is not stable
        xy = np.array([xy[i] for i in order]).reshape(-1, NUM_LANDMARKS, 2)
        p = xy.shape[0]
        frames.append(FramePeople(xy, np.zeros((p, NUM_LANDMARKS)), np.full((p, NUM_LANDMARKS), 0.9),
                                  np.zeros((p, NUM_LANDMARKS, 3))))
    return frames


def _identity_of(person, template, velocity):
    """Frames where this person's landmarks are the given body's."""
    n = len(person.track)
    expected = template[None] + np.asarray(velocity)[None, None] * np.arange(n)[:, None, None]
    return np.all(np.isclose(person.track.xy_px, expected), axis=(1, 2))


def test_two_people_crossing_paths_keep_their_identity():
    rng = np.random.default_rng(0)
    walker = (_body(100, 500, 400, rng), (6.0, 0.0))  # large, walks right
    roofer = (_body(900, 150, 120, rng), (-4.0, 0.0))  # small, high, walks left
    n = 150
    frames = _frames(n, [walker, roofer])
    people = link_people(frames, np.arange(n) / FPS, (1280, 720))
    assert len(people) == 2
    athlete, other = people
    assert _identity_of(athlete, *walker).all()  # never jumps to the other person
    assert _identity_of(other, *roofer).all()
    assert athlete.presence == 1.0 and athlete.height_px > other.height_px


def test_short_absence_keeps_identity_long_absence_starts_new_person():
    rng = np.random.default_rng(1)
    runner = (_body(300, 400, 300, rng), (3.0, 0.0))
    short_gap = set(range(40, 55))  # 0.5 s
    people = link_people(_frames(120, [runner], drop={0: short_gap}), np.arange(120) / FPS, (1280, 720))
    assert len(people) == 1
    assert people[0].presence == pytest.approx((120 - 15) / 120)

    long_gap = set(range(40, 90))  # 1.7 s > max_lost_s
    people = link_people(_frames(120, [runner], drop={0: long_gap}), np.arange(120) / FPS, (1280, 720),
                         settings=LinkSettings(max_lost_s=1.0))
    assert len(people) == 2


def test_one_frame_false_positive_is_dropped():
    rng = np.random.default_rng(2)
    runner = (_body(400, 400, 350, rng), (2.0, 0.0))
    ghost = {30: _body(1000, 300, 500, rng)}  # large but seen once
    people = link_people(_frames(90, [runner], extra=ghost), np.arange(90) / FPS, (1280, 720))
    assert len(people) == 1
    assert _identity_of(people[0], *runner).all()
    kept = link_people(_frames(90, [runner], extra=ghost), np.arange(90) / FPS, (1280, 720),
                       settings=LinkSettings(min_seen_s=0.01))
    assert len(kept) == 2 and _identity_of(kept[0], *runner).all()


def test_single_frame_clip_keeps_its_person():
    rng = np.random.default_rng(5)
    people = link_people(_frames(1, [(_body(400, 400, 350, rng), (0, 0))]), np.zeros(1), (1280, 720))
    assert len(people) == 1 and people[0].presence == 1.0


def test_duplicate_detection_of_one_person_is_merged():
    rng = np.random.default_rng(3)
    body = _body(400, 400, 350, rng)
    twin = {f: body + 1.0 for f in range(10, 20)}  # MediaPipe reports the same person twice
    people = link_people(_frames(40, [(body, (0.0, 0.0))], extra=twin), np.arange(40) / FPS, (1280, 720))
    assert len(people) == 1


def test_nobody_gives_no_people():
    frames = [FramePeople.nobody() for _ in range(10)]
    assert link_people(frames, np.arange(10) / FPS, (640, 480)) == []


def test_choose_by_index_point_and_default():
    rng = np.random.default_rng(4)
    big = (_body(200, 400, 400, rng), (0.0, 0.0))
    small = (_body(900, 200, 100, rng), (0.0, 0.0))
    people = link_people(_frames(30, [big, small]), np.arange(30) / FPS, (1280, 720))
    assert choose_athlete(people) is people[0]
    assert choose_athlete(people, index=1) is people[1]
    assert _identity_of(choose_athlete(people, point_px=(900, 200)), *small).all()
    assert _identity_of(choose_athlete(people, point_px=(1200, 700), at_s=0.5), *small).all()  # nearest
    with pytest.raises(ValueError, match="index must be in"):
        choose_athlete(people, index=5)
    with pytest.raises(ValueError, match="empty"):
        choose_athlete([])


def test_lengths_must_match():
    with pytest.raises(ValueError, match="differ in length"):
        link_people([FramePeople.nobody()], np.arange(2) / FPS, (640, 480))


def test_a_phantom_hanging_off_the_frame_is_not_a_person():
    rng = np.random.default_rng(6)
    runner = (_body(600, 400, 300, rng), (2.0, 0.0))
    phantom = (_body(-150, 300, 350, rng), (0.0, 0.0))  # torso left of the picture, more present
    people = link_people(_frames(60, [runner, phantom], drop={0: set(range(30))}), np.arange(60) / FPS,
                         (1280, 720))
    assert len(people) == 1 and _identity_of(people[0], *runner)[30:].all()
    assert link_people(_frames(60, [phantom]), np.arange(60) / FPS, (1280, 720)) == []


def test_a_long_clip_keeps_full_tracks_only_for_the_people_memory_allows(monkeypatch):
    """Hundreds of short-lived people (MediaPipe flickering on a long clip, a crowd passing) each
    cost a full-length track: past the budget, those seen least or smallest are dropped, never
    the athlete; and at least MIN_PEOPLE_KEPT are kept whatever the length."""
    import formcheck.pose.people as people_module

    rng = np.random.default_rng(3)
    n = 400
    athlete = (_body(300, 400, 400, rng), (1.0, 0.0))
    frames = _frames(n, [athlete])
    ghosts = []
    for k in range(30):  # 30 passers-by, each seen for 12 frames, a different size each, spread apart
        start, height = 12 * k, 40 + 3 * k
        template = _body(650 + 250 * (k % 3), 100 + 150 * (k % 4), height, rng)
        ghosts.append((k, height))
        for f in range(start, start + 12):
            old = frames[f]
            xy = np.concatenate([old.xy_px, template[None]])
            p = xy.shape[0]
            frames[f] = FramePeople(xy, np.zeros((p, NUM_LANDMARKS)), np.full((p, NUM_LANDMARKS), 0.9),
                                    np.zeros((p, NUM_LANDMARKS, 3)))
    everyone = link_people(frames, np.arange(n) / FPS, (1280, 720))
    assert len(everyone) > 20 and people_module.people_to_keep(n) > len(everyone)  # some passers-by link up
    per_person = n * NUM_LANDMARKS * 7 * 8
    monkeypatch.setattr(people_module, "PEOPLE_TRACKS_BUDGET_BYTES", 10 * per_person)
    assert people_module.people_to_keep(n) == 10
    kept = link_people(frames, np.arange(n) / FPS, (1280, 720))
    assert [p.person_id for p in kept] == [p.person_id for p in everyone[:10]]  # the best ten, in order
    assert _identity_of(kept[0], *athlete).all() and kept[0].presence == 1.0
    for a, b in zip(kept, everyone):
        assert np.array_equal(a.track.xy_px, b.track.xy_px, equal_nan=True)
    monkeypatch.setattr(people_module, "PEOPLE_TRACKS_BUDGET_BYTES", 1)
    assert people_module.people_to_keep(n) == people_module.MIN_PEOPLE_KEPT
    assert len(link_people(frames, np.arange(n) / FPS, (1280, 720))) == people_module.MIN_PEOPLE_KEPT
