"""`video.split.frame_ranges`: contiguous ranges, one per core, none too short, aligned starts."""

from __future__ import annotations

import pytest

from formcheck.video.split import frame_ranges


@pytest.mark.parametrize("frames, min_frames, workers, align, expected", [
    (200, 60, 3, 1, [(0, 66), (66, 133), (133, 200)]),
    (361, 60, 2, 2, [(0, 180), (180, 361)]),     # starts on a multiple of the stride
    (100, 60, 4, 1, [(0, 100)]),                 # too short for two
    (130, 60, 8, 1, [(0, 65), (65, 130)]),       # no more ranges than min_frames allows
    (0, 60, 2, 1, [(0, 0)]),                     # no frame: one empty range
])
def test_ranges_cover_the_clip_once(frames, min_frames, workers, align, expected):
    ranges = frame_ranges(frames, min_frames, workers, align)
    assert ranges == expected
    assert ranges[0][0] == 0 and ranges[-1][1] == frames
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all(start % align == 0 for start, _ in ranges)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="min_frames"):
        frame_ranges(100, 0)
