"""How bright a clip is: a few key frames spread over it, decoded small.

    brightness(info)  # 0..255 mean luma of the typical picture, NaN if unknown

Only key frames are decoded (a seek lands on one), each scaled down to a
thumbnail before its luma is averaged, so this costs a few decodes whatever
the clip's length or size.
"""

from __future__ import annotations

import logging
import math

import av
import numpy as np

from formcheck.errors import VideoError
from formcheck.video.info import VideoInfo
from formcheck.video.probe import _video_stream, open_input

log = logging.getLogger(__name__)

#: Key frames looked at, spread evenly over the clip.
SAMPLES = 5
_THUMB_WIDTH_PX = 64


def brightness(info: VideoInfo, samples: int = SAMPLES) -> float:
    """Median over `samples` key frames spread over the clip of their mean luma,
    0 (black) to 255 (white), full range. NaN if no frame could be read: the
    caller treats the brightness as unknown, never as a failure.

    Raises:
        ValueError: `samples` < 1.
    """
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    means: list[float] = []
    try:
        with open_input(info.path) as container:
            stream = _video_stream(container)
            stream.codec_context.skip_frame = "NONKEY"
            time_base = float(stream.time_base) if stream.time_base else 0.0
            start = stream.start_time or 0
            seen: set[int | None] = set()
            for t_s in np.linspace(0.0, info.duration_s, samples, endpoint=False):
                if time_base > 0:
                    container.seek(start + int(t_s / time_base), stream=stream, backward=True)
                frame = next(iter(container.decode(stream)), None)
                if frame is None or frame.pts in seen:
                    continue
                seen.add(frame.pts)
                height = max(2, round(frame.height * _THUMB_WIDTH_PX / max(frame.width, 1)))
                luma = frame.reformat(width=_THUMB_WIDTH_PX, height=height, format="gray").to_ndarray()
                means.append(float(luma.mean()))
    except (av.FFmpegError, OSError, ValueError, VideoError) as exc:  # advice: never fail on it
        log.debug("brightness of %s not measured: %s", info.path.name, exc)
    return float(np.median(means)) if means else math.nan
