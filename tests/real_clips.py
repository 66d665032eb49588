"""Facts about the real clips in ../shared/clips that several test files need."""

from formcheck.settings import Settings

#: The walking woman of sports2d_demo_walk_side.mp4 (she crosses the frame right to left, side
#: on, from 2 s to 7 s), picked as a user would, by a point on her at 2.7 s. The default athlete
#: (most present x largest) is the man on the roof, who poses to the camera, turns and jumps
#: off: presence 0.73 x 360 px against her 0.62 x 379 px.
SPORTS2D_WALKER = Settings.from_dict({"athlete": {"point_px": [1210, 740], "at_s": 80 / 30}})
