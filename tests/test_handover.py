"""Handing over from one chunk to the next: the rule, the stitch, the shared board.

Synthetic people with exact answers; the real model on real clips is in
test_pose_runner.py and test_pose_real.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.pose.chunks import Chunk
from formcheck.pose.handover import SAME_POSE_SHARE, HandoverBoard, handover_frame, sees_everyone
from formcheck.pose.landmarker import FramePeople
from formcheck.pose.runner import handover_frames, stitch

RNG = np.random.default_rng(7)
BODY = RNG.uniform(0, 100, size=(NUM_LANDMARKS, 2))  # a body 100 px in size, near enough
BODY[0], BODY[1] = (0, 0), (100, 100)  # exactly: the box round it is 100 x 100


def person(dx: float = 0.0, jitter: float = 0.0) -> np.ndarray:
    return BODY + [dx, 0.0] + jitter


def people(*bodies: np.ndarray) -> np.ndarray:
    return np.stack(bodies) if bodies else np.zeros((0, NUM_LANDMARKS, 2))


A, B = person(0), person(500)  # two people far apart


def test_everyone_seen_when_the_later_chunk_has_them_all_in_the_same_place():
    assert sees_everyone(people(A, B), people(B, A))  # order does not matter
    assert sees_everyone(people(A), people(A, B))  # someone more is fine
    assert sees_everyone(people(), people())  # nobody to find
    assert sees_everyone(people(), people(A))


def test_someone_missing_or_elsewhere_is_not_seen():
    assert not sees_everyone(people(A, B), people(A))
    assert not sees_everyone(people(A), people())
    assert not sees_everyone(people(A), people(person(60)))  # 0.6 of the body's size away


def test_same_pose_means_within_the_share_of_the_body_size():
    just_inside = SAME_POSE_SHARE * 100 * 0.99
    assert sees_everyone(people(A), people(person(jitter=just_inside / np.sqrt(2))))
    assert not sees_everyone(people(A), people(person(dx=SAME_POSE_SHARE * 100 * 1.01)))


def test_landmarks_missing_on_either_side_are_left_out_of_the_comparison():
    partial = A.copy()
    partial[20:] = np.nan
    assert sees_everyone(people(partial), people(A))
    shifted = A.copy()
    shifted[20:] += 300  # wrong only where the earlier chunk has no landmark
    assert sees_everyone(people(partial), people(shifted))
    assert sees_everyone(people(np.full_like(A, np.nan)), people())  # nobody really there


def test_handover_frame_is_the_first_frame_both_ran_where_everyone_is_seen():
    earlier = [(10, people(A, B)), (11, people(A, B)), (12, people(A, B)), (13, people(A, B))]
    later = {10: people(B), 11: people(B), 13: people(A, B), 12: people(A, B)}
    assert handover_frame(earlier, later) == 12
    del later[12]  # a frame the later chunk did not decode is no candidate
    assert handover_frame(earlier, later) == 13
    assert handover_frame(earlier[:2], later) is None
    assert handover_frame([], later) is None


def _result(index: int, *bodies: np.ndarray, tag: float = 0.0):
    xy = people(*bodies)
    n = len(xy)
    return (index, index / 30, FramePeople(xy, np.full((n, NUM_LANDMARKS), tag), np.ones((n, NUM_LANDMARKS)),
                                             np.zeros((n, NUM_LANDMARKS, 3))))


def _source(result) -> float:
    """Which chunk a stitched frame came from (tagged in z)."""
    return float(result[2].z[0, 0]) if len(result[2]) else -1.0


def test_stitch_switches_where_the_later_chunk_has_caught_up():
    chunks = [Chunk(0, 0, 5), Chunk(5, 5, 10)]
    earlier = [_result(i, A, B, tag=1) for i in range(8)]  # ran 3 frames past its seam
    later = [_result(5, A, tag=2), _result(6, A, tag=2)] + [_result(i, A, B, tag=2) for i in range(7, 10)]
    out = stitch([earlier, later], chunks)
    assert [r[0] for r in out] == list(range(10))
    assert [_source(r) for r in out] == [1] * 7 + [2] * 3  # handed over at frame 7
    assert all(len(r[2]) == 2 for r in out)  # nobody lost at the seam


def test_stitch_keeps_the_earlier_chunk_as_far_as_it_ran_when_the_later_never_catches_up():
    chunks = [Chunk(0, 0, 5), Chunk(5, 5, 10)]
    earlier = [_result(i, A, B, tag=1) for i in range(8)]
    later = [_result(i, A, tag=2) for i in range(5, 10)]
    out = stitch([earlier, later], chunks)
    assert [r[0] for r in out] == list(range(10))
    assert [_source(r) for r in out] == [1] * 8 + [2] * 2


def test_stitch_at_the_seam_when_the_earlier_chunk_did_not_run_past_it():
    chunks = [Chunk(0, 0, 5), Chunk(5, 5, 10), Chunk(10, 10, 15)]
    parts = [[_result(i, A, tag=k + 1) for i in range(c.start, c.stop)] for k, c in enumerate(chunks)]
    out = stitch(parts, chunks)
    assert [r[0] for r in out] == list(range(15))
    assert [_source(r) for r in out] == [1] * 5 + [2] * 5 + [3] * 5


def test_stitch_hands_over_on_the_seam_frame_itself_for_one_person():
    chunks = [Chunk(0, 0, 5), Chunk(5, 5, 10)]
    earlier = [_result(i, A, tag=1) for i in range(6)]  # stopped one past: the seam frame agreed
    later = [_result(i, A, tag=2) for i in range(5, 10)]
    assert [_source(r) for r in stitch([earlier, later], chunks)] == [1] * 5 + [2] * 5


def test_handover_frames_never_reach_into_a_third_chunk():
    chunks = [Chunk(0, 0, 100), Chunk(100, 100, 130), Chunk(130, 130, 300)]
    assert handover_frames(chunks, 60.0) == 29
    assert handover_frames(chunks, 12.4) == 12
    assert handover_frames(chunks[:1], 60.0) == 0
    assert handover_frames([Chunk(0, 0, 5), Chunk(5, 5, 6)], 60.0) == 0


@pytest.fixture
def board():
    made = HandoverBoard(chunks=3, window=4, people=2)
    yield made
    made.close(unlink=True)


def test_board_records_what_a_running_chunk_saw(board):
    opened = HandoverBoard(3, 4, 2, name=board.name)  # as a worker opens it
    try:
        opened.started(1)
        opened.publish(1, 0, people(A, B))
        opened.publish(1, 1, people())
        opened.publish(1, 9, people(A))  # past the window: not kept
        np.testing.assert_array_equal(board.seen_by(1, 0), people(A, B))
        assert board.seen_by(1, 1).shape == (0, NUM_LANDMARKS, 2)
        opened.finished(1)
        assert board.seen_by(1, 2) is False  # ended without that frame
    finally:
        opened.close()


def test_board_does_not_wait_for_a_chunk_that_has_not_started(board):
    assert board.seen_by(2, 0) is None


def test_board_counts_progress_over_chunks(board):
    for slot in (0, 0, 2):
        board.tick(slot)
    assert board.frames_done() == 3


def test_board_refuses_more_people_than_it_holds(board):
    with pytest.raises(ValueError, match="3 people"):
        board.publish(1, 0, people(A, B, person(900)))


def test_board_waits_for_a_running_chunk_to_reach_the_frame(board):
    import threading

    board.started(1)
    later = threading.Timer(0.05, board.publish, args=(1, 3, people(B)))
    later.start()
    try:
        np.testing.assert_array_equal(board.seen_by(1, 3), people(B))
    finally:
        later.join()
