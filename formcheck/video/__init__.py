"""Video ingest: probe a clip (PyAV) and stream its upright frames (OpenCV).

    info = probe("run.mp4")            # VideoInfo: size, rotation, timestamps, slow motion
    for frame in iter_frames(info):    # VideoFrame(index, t_s, image BGR upright)
        ...

Only this package and `formcheck.render` import cv2.
"""

from formcheck.video.info import VideoInfo
from formcheck.video.limits import VideoLimits
from formcheck.video.probe import probe
from formcheck.video.reader import FrameReader, VideoFrame, iter_frames, read_frame

__all__ = [
    "FrameReader",
    "VideoFrame",
    "VideoInfo",
    "VideoLimits",
    "iter_frames",
    "probe",
    "read_frame",
]
