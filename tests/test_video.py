"""Video ingest: probe (PyAV), reader (OpenCV), limits, and the clip maker.

Synthetic clips carry their frame number and an upright top-left marker
(`formcheck.video.synth`), so every test knows the exact answer. The clips are
tiny (160x96, <= 300 frames) and made once per session.
"""

from __future__ import annotations

import logging
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from formcheck.errors import (
    ClipLimitError,
    CorruptVideoError,
    EmptyFileError,
    NoFramesError,
    NotAVideoError,
    UnsupportedCodecError,
    VideoError,
)
from formcheck.video import (
    FrameReader,
    VideoFrame,
    VideoInfo,
    VideoLimits,
    iter_frames,
    probe,
    read_frame,
    synth,
)
from formcheck.video.limits import check_limits
from formcheck.video.probe import frame_times, open_capture
from formcheck.video.timing import keyframe_indices

CLIPS = Path(__file__).resolve().parent.parent.parent / "shared" / "clips"  # ../shared/clips
RNG_SEED = 7


def _vfr_times(n: int = 40) -> np.ndarray:
    """Seeded phone-like frame intervals of 20..60 ms."""
    steps = np.random.default_rng(RNG_SEED).uniform(0.020, 0.060, n - 1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _two_speed_times() -> np.ndarray:
    """150 frames at 60 fps then 150 at 15 fps: OpenCV's frame-number seek,
    which assumes one rate, lands far from the asked frame here."""
    return np.concatenate([np.arange(150) / 60, 2.5 + np.arange(1, 151) / 15])


#: name -> write_test_clip keyword arguments; written once per session.
CLIP_SPECS: dict[str, dict] = {
    "cfr30.mp4": dict(n_frames=40, fps=30),
    "ntsc.mp4": dict(n_frames=40, fps=29.97),
    "vfr.mp4": dict(n_frames=40, timestamps_s=_vfr_times()),
    "two_speed.mp4": dict(n_frames=300, timestamps_s=_two_speed_times(), gop=30),
    "hs240.mp4": dict(n_frames=120, fps=240),
    "mpeg4.mp4": dict(n_frames=20, fps=30, codec="mpeg4"),
    "hevc.mp4": dict(n_frames=20, fps=30, codec="hevc"),
    "slomo_tag240.mp4": dict(n_frames=20, fps=30, capture_fps=240),
    "tag30.mp4": dict(n_frames=20, fps=30, capture_fps=30),
    "realtime240_tag240.mp4": dict(n_frames=24, fps=240, capture_fps=240),
    "rot0.mp4": dict(n_frames=6),
    "rot90.mp4": dict(n_frames=6, rotation_deg=90),
    "rot180.mp4": dict(n_frames=6, rotation_deg=180),
    "rot270.mp4": dict(n_frames=6, rotation_deg=270),
    "audio.mp4": dict(n_frames=10, audio=True),
    "one_frame.mp4": dict(n_frames=1),
    "faststart.mp4": dict(n_frames=60, size=(320, 240), faststart=True),
    "moov_at_end.mp4": dict(n_frames=60, size=(320, 240)),
}


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("video_clips")
    return {name: synth.write_test_clip(root / name, **kw) for name, kw in CLIP_SPECS.items()}


@pytest.fixture(scope="session")
def infos(clips: dict[str, Path]) -> dict[str, VideoInfo]:
    return {name: probe(path) for name, path in clips.items()}


def _numbers(frames: list[VideoFrame]) -> list[int]:
    return [synth.read_frame_number(f.image) for f in frames]


# -- timestamps ------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, n, fps, expected_t",
    [
        pytest.param("cfr30.mp4", 40, 30.0, np.arange(40) / 30, id="constant_30fps"),
        pytest.param("ntsc.mp4", 40, 30000 / 1001, np.arange(40) * 1001 / 30000, id="ntsc_29.97_not_truncated"),
        pytest.param("vfr.mp4", 40, None, _vfr_times(), id="variable_rate"),
        pytest.param("hs240.mp4", 120, 240.0, np.arange(120) / 240, id="high_speed_240fps"),
        pytest.param("mpeg4.mp4", 20, 30.0, np.arange(20) / 30, id="mpeg4_codec"),
        pytest.param("hevc.mp4", 20, 30.0, np.arange(20) / 30, id="hevc_codec_bframes"),
    ],
)
def test_timestamps_come_from_the_container(infos, name, n, fps, expected_t):
    info = infos[name]
    assert info.frame_count == n
    assert info.timestamps_s.shape == (n,)
    np.testing.assert_allclose(info.timestamps_s, expected_t, atol=1e-3)  # within 1 ms
    assert np.all(np.diff(info.timestamps_s) > 0)
    if fps is not None:
        assert info.fps == pytest.approx(fps, rel=1e-9)
        assert not info.is_variable_frame_rate
        assert info.duration_s == pytest.approx(n / fps, rel=1e-6)
    else:
        assert info.is_variable_frame_rate
    assert info.time_scale == 1.0
    np.testing.assert_array_equal(info.real_timestamps_s, info.timestamps_s)


@pytest.mark.parametrize("name", ["cfr30.mp4", "two_speed.mp4", "moov_at_end.mp4", "hevc.mp4"])
def test_keyframes_are_where_the_decoder_says(clips, infos, name):
    """Keyframes from the packets (B-frames reorder them) match the decoded key frames."""
    with av.open(str(clips[name])) as container:
        decoded = [f.key_frame for f in container.decode(video=0)]
    assert infos[name].keyframes.tolist() == np.flatnonzero(decoded).tolist()
    assert infos[name].keyframes[0] == 0 and len(infos[name].keyframes) > 1


def test_keyframe_indices_are_in_presentation_order():
    # Decode order with B-frames: I0 P3 B1 B2 I6 B4 B5 (numbers are display times).
    pts = [0, 3, 1, 2, 6, 4, 5]
    keys = [True, False, False, False, True, False, False]
    assert keyframe_indices(pts, pts, keys).tolist() == [0, 6]
    assert keyframe_indices([None] * 3, [None] * 3, [True, False, True]).tolist() == [0, 2]
    assert keyframe_indices([], [], []).tolist() == []


@pytest.mark.parametrize("keyframes", [[-1], [40], [5, 5], [9, 3]])
def test_bad_keyframes_are_refused(infos, keyframes):
    with pytest.raises(ValueError, match="keyframes"):
        _info_like(infos["cfr30.mp4"], keyframes=np.array(keyframes))


def test_reader_frames_carry_the_probed_times(infos):
    info = infos["vfr.mp4"]
    frames = list(iter_frames(info))
    assert [f.index for f in frames] == list(range(info.frame_count))
    assert _numbers(frames) == list(range(info.frame_count))
    np.testing.assert_allclose([f.t_s for f in frames], _vfr_times(), atol=1e-3)


@pytest.mark.parametrize(
    "pts, dts, fps_hint, expected, first",
    [
        pytest.param([0, 3, 9, 6, 12], [-3, 0, 3, 6, 9], 1.0, [0, 3, 6, 9, 12], 0, id="bframes_sorted"),
        pytest.param([10, 13, 16], [10, 13, 16], 1.0, [0, 3, 6], 10, id="offset_start"),
        pytest.param([0, None, 6, 9], [0, 3, 6, 9], 1.0, [0, 3, 6, 9], 0, id="missing_pts_use_dts"),
        pytest.param([None, None, None], [None, None, None], 2.0, [0, 0.5, 1.0], 0,
                     id="no_timestamps_use_rate"),
        pytest.param([0, 3, 3, 9], [0, 3, 3, 9], 1.0, [0, 3, 6, 9], 0, id="duplicate_pts_spread"),
        pytest.param([0, 3, 6, 6], [0, 3, 6, 6], 2.0, [0, 3, 6, 6.5], 0, id="duplicate_last_pts"),
    ],
)
def test_frame_times_from_packets(pts, dts, fps_hint, expected, first):
    # time base 1 s; fps_hint fills missing timestamps and spreads a repeated last one
    t, first_s = frame_times(pts, dts, 1.0, fps_hint)
    np.testing.assert_allclose(t, expected)
    assert first_s == first


# -- slow motion ---------------------------------------------------------------
@pytest.mark.parametrize(
    "name, override, capture, scale",
    [
        pytest.param("slomo_tag240.mp4", None, 240.0, 30 / 240, id="android_tag_240_played_at_30"),
        pytest.param("cfr30.mp4", 120.0, 120.0, 30 / 120, id="override_on_untagged_clip"),
        pytest.param("slomo_tag240.mp4", 120.0, 120.0, 30 / 120, id="override_beats_tag"),
        pytest.param("tag30.mp4", None, 30.0, 1.0, id="tag_equal_to_playback_not_slow"),
        pytest.param("realtime240_tag240.mp4", None, 240.0, 1.0, id="240fps_file_played_in_real_time"),
        pytest.param("cfr30.mp4", None, None, 1.0, id="no_tag_no_override"),
    ],
)
def test_slow_motion_time_scale(clips, name, override, capture, scale):
    info = probe(clips[name], capture_fps=override)
    assert info.capture_fps == capture
    assert info.time_scale == pytest.approx(scale)
    np.testing.assert_allclose(info.real_timestamps_s, info.timestamps_s * scale)
    assert info.is_slow_motion == (scale < 1.0)
    frames = list(iter_frames(info))
    np.testing.assert_allclose([f.t_s for f in frames], info.real_timestamps_s)


def test_capture_fps_override_must_be_positive(clips):
    with pytest.raises(ValueError, match="capture_fps"):
        probe(clips["cfr30.mp4"], capture_fps=0)


# -- rotation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rotation, upright",
    [
        pytest.param(0, (160, 96), id="rot0"),
        pytest.param(90, (96, 160), id="rot90_portrait"),
        pytest.param(180, (160, 96), id="rot180"),
        pytest.param(270, (96, 160), id="rot270_portrait"),
    ],
)
def test_rotation_is_probed_and_applied(clips, infos, rotation, upright):
    name = f"rot{rotation}.mp4"
    info = infos[name]
    assert (info.width, info.height) == (160, 96)  # as stored
    assert info.rotation_deg == rotation
    assert info.upright_size == upright

    # PyAV (what ffprobe shows) sees the display matrix synth wrote:
    # counter-clockwise degrees, so a 90 clockwise turn reads -90.
    with av.open(str(clips[name])) as container:
        frame = next(container.decode(video=0))
    assert (-frame.rotation) % 360 == rotation

    for f in list(iter_frames(info)) + [read_frame(info, 3)]:
        assert f.image.shape == (upright[1], upright[0], 3)
        assert f.image.dtype == np.uint8
        assert synth.marker_corner(f.image) == "top-left"
        assert synth.read_frame_number(f.image) == f.index


def test_opencv_auto_rotation_is_off_and_agrees_with_pyav(clips):
    # OpenCV's FFmpeg backend rotates by default (CAP_PROP_ORIENTATION_AUTO=1);
    # the reader switches it off and rotates itself.
    default = cv2.VideoCapture(str(clips["rot90.mp4"]), cv2.CAP_FFMPEG)
    try:
        assert default.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 1
        assert default.get(cv2.CAP_PROP_ORIENTATION_META) == 90  # clockwise, like ours
        assert default.read()[1].shape[:2] == (160, 96)
    finally:
        default.release()
    cap = open_capture(clips["rot90.mp4"])
    try:
        assert cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 0
        ok, raw = cap.read()
        assert ok and raw.shape[:2] == (96, 160)
        assert synth.marker_corner(raw) == "bottom-left"  # stored turned back 90
    finally:
        cap.release()


def test_frames_are_bgr(infos):
    image = read_frame(infos["rot0.mp4"], 0).image
    corner = image[:8, :8].reshape(-1, 3).mean(axis=0)
    assert corner[2] > 200 and corner[0] < 60 and corner[1] < 60  # red marker in channel 2


# -- seeking ------------------------------------------------------------------------
# cfr30: 40 frames, keyframe every 10, B-frames; two_speed: keyframe every 30.
SEEKS = [
    pytest.param("cfr30.mp4", k, id=f"cfr30_frame{k}") for k in (0, 1, 9, 10, 11, 19, 25, 38, 39)
] + [
    pytest.param("vfr.mp4", k, id=f"vfr_frame{k}") for k in (5, 17, 33)
] + [
    pytest.param("two_speed.mp4", k, id=f"two_speed_frame{k}") for k in (29, 31, 149, 150, 151, 200, 299)
]


@pytest.mark.parametrize("name, k", SEEKS)
def test_seek_returns_exactly_frame_k(infos, name, k):
    info = infos[name]
    frame = read_frame(info, k)
    assert frame.index == k
    assert synth.read_frame_number(frame.image) == k
    assert frame.t_s == pytest.approx(info.timestamps_s[k])
    chunk = list(iter_frames(info, start=k, stop=k + 3))
    expected = list(range(k, min(k + 3, info.frame_count)))
    assert [f.index for f in chunk] == expected
    assert _numbers(chunk) == expected


def test_random_seeks_in_one_reader(infos):
    info = infos["two_speed.mp4"]
    order = np.random.default_rng(RNG_SEED).permutation(info.frame_count)[:25]
    with FrameReader(info) as reader:
        for k in order:
            reader.seek(int(k))
            frame = reader.read()
            assert frame.index == k and synth.read_frame_number(frame.image) == k


def test_chunks_join_to_the_whole_clip(infos):
    info = infos["cfr30.mp4"]
    bounds = [0, 13, 26, 40]
    joined = [f for a, b in zip(bounds, bounds[1:]) for f in iter_frames(info, a, b)]
    assert [f.index for f in joined] == list(range(40))
    assert _numbers(joined) == list(range(40))


@pytest.mark.parametrize(
    "start, stop, message",
    [
        pytest.param(-1, None, "start", id="negative_start"),
        pytest.param(41, None, "start", id="start_past_end"),
        pytest.param(10, 5, "stop", id="stop_before_start"),
    ],
)
def test_iter_frames_rejects_bad_ranges(infos, start, stop, message):
    with pytest.raises(ValueError, match=message):
        list(iter_frames(infos["cfr30.mp4"], start, stop))


def test_empty_ranges_and_out_of_range_frame(infos):
    info = infos["cfr30.mp4"]
    assert list(iter_frames(info, 40)) == []
    assert list(iter_frames(info, 5, 5)) == []
    assert [f.index for f in iter_frames(info, 38, 100)] == [38, 39]
    with pytest.raises(ValueError, match="index"):
        read_frame(info, 40)


def test_iter_frames_accepts_a_path(clips):
    assert [f.index for f in iter_frames(clips["rot0.mp4"])] == list(range(6))


# -- other metadata -------------------------------------------------------------------
def test_audio_track_is_reported(infos):
    assert infos["audio.mp4"].has_audio
    assert not infos["cfr30.mp4"].has_audio


def test_single_frame_clip_is_valid(infos):
    info = infos["one_frame.mp4"]
    assert info.frame_count == 1
    np.testing.assert_array_equal(info.timestamps_s, [0.0])
    assert info.duration_s == pytest.approx(1 / 30)
    frames = list(iter_frames(info))
    assert len(frames) == 1 and synth.read_frame_number(frames[0].image) == 0


def test_video_info_is_immutable(infos):
    info = infos["cfr30.mp4"]
    with pytest.raises(ValueError):
        info.timestamps_s[0] = 1.0
    with pytest.raises(AttributeError):
        info.fps = 25.0  # type: ignore[misc]


# -- bad input ---------------------------------------------------------------------------
def _zero_bytes(d: Path, clips) -> Path:
    path = d / "empty.mp4"
    path.write_bytes(b"")
    return path


BAD_INPUTS = [
    pytest.param(_zero_bytes, EmptyFileError, r"empty \(0 bytes\)", id="zero_byte_file"),
    pytest.param(lambda d, c: synth.write_random_bytes(d / "noise.mp4"), NotAVideoError,
                 "not a video", id="random_bytes_named_mp4"),
    pytest.param(lambda d, c: synth.write_text(d / "notes.mov"), NotAVideoError,
                 "not a video", id="text_renamed_mov"),
    pytest.param(lambda d, c: synth.write_png(d / "photo.png"), NotAVideoError,
                 "picture, not a video", id="still_picture"),
    pytest.param(lambda d, c: synth.write_audio_only(d / "voice.m4a"), NotAVideoError,
                 "no video track", id="audio_only"),
    pytest.param(lambda d, c: synth.truncate_copy(c["moov_at_end.mp4"], d / "cut.mp4", 0.5),
                 CorruptVideoError, "damaged or incomplete", id="truncated_50pct_moov_missing"),
    pytest.param(lambda d, c: synth.truncate_copy(c["faststart.mp4"], d / "cut.mp4", 0.5),
                 CorruptVideoError, r"incomplete: the data stops after \d+ of the 60 frames",
                 id="truncated_50pct_data_cut"),
    pytest.param(lambda d, c: synth.truncate_copy(c["faststart.mp4"], d / "cut.mp4", 0.05),
                 CorruptVideoError, "damaged or incomplete", id="truncated_inside_moov"),
    pytest.param(lambda d, c: synth.replace_bytes(c["cfr30.mp4"], d / "odd.mp4", b"avc1", b"zzz1"),
                 UnsupportedCodecError, "cannot decode", id="unknown_codec"),
    pytest.param(lambda d, c: synth.write_test_clip(d / "blank.mkv", n_frames=0, audio=True),
                 NoFramesError, "no frames", id="video_track_without_frames"),
    pytest.param(lambda d, c: d / "missing.mp4", VideoError, "no video file", id="missing_file"),
]


@pytest.mark.parametrize("make, error, message", BAD_INPUTS)
def test_bad_input_raises_a_plain_typed_error(tmp_path, clips, make, error, message):
    path = make(tmp_path, clips)
    with pytest.raises(VideoError, match=message) as excinfo:
        probe(path)
    assert excinfo.type is error  # exactly this type, not a sibling
    text = str(excinfo.value)
    assert "Errno" not in text and "avformat" not in text  # no library jargon


def test_truncated_clip_can_be_used_when_allowed(tmp_path, clips, caplog):
    cut = synth.truncate_copy(clips["faststart.mp4"], tmp_path / "cut.mp4", 0.5)
    info = probe(cut, allow_truncated=True)
    assert info.is_truncated and 0 < info.frame_count < 60
    with caplog.at_level(logging.WARNING, logger="formcheck.video.reader"):
        frames = list(iter_frames(info))
    # The last packets present are cut reference frames: fewer frames decode
    # than the probe counted, and the reader ends cleanly, saying how many.
    assert 0 < len(frames) < info.frame_count
    assert _numbers(frames) == list(range(len(frames)))
    assert f"{len(frames)} of frames 0..{info.frame_count - 1} decoded" in caplog.text


def test_reader_raises_if_nothing_decodes(tmp_path, clips):
    path = tmp_path / "swapped.mp4"
    data = clips["faststart.mp4"].read_bytes()
    path.write_bytes(data)
    info = probe(path)
    # replaced after probing by a copy whose index is whole but data is gone
    path.write_bytes(data[: data.index(b"mdat") + 12])
    with pytest.raises(CorruptVideoError, match="none of its frames can be decoded"):
        list(iter_frames(info))
    with pytest.raises(CorruptVideoError, match="cannot be decoded"):
        read_frame(info, 5)


# -- limits -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        pytest.param("max_file_mb", 0, id="zero_size"),
        pytest.param("max_duration_s", -1.0, id="negative_duration"),
        pytest.param("max_pixels", float("nan"), id="nan_pixels"),
        pytest.param("max_frames", "many", id="text_frames"),
        pytest.param("max_frames", True, id="bool_frames"),
    ],
)
def test_limits_are_validated(field, value):
    with pytest.raises(ValueError, match=field):
        VideoLimits(**{field: value})


def _info_like(info: VideoInfo, **changes) -> VideoInfo:
    fields = {k: getattr(info, k) for k in info.__dataclass_fields__}
    fields.update(changes)
    n = fields["frame_count"]
    fields["timestamps_s"] = np.arange(n) / 30.0
    return VideoInfo(**fields)


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param(dict(duration_s=750.0), "This clip is 12.5 minutes long; FormCheck analyses up to "
                     "10 minutes. Trim it", id="too_long"),
        pytest.param(dict(file_size_bytes=2_400_000_000), "This file is 2.4 GB; FormCheck accepts files "
                     "up to 2 GB", id="too_big"),
        pytest.param(dict(width=7680, height=4320), r"7680x4320 \(33.2 megapixels\).*up to 8.3 "
                     "megapixels", id="8k_picture"),
        pytest.param(dict(frame_count=40_000), "40,000 frames; FormCheck analyses up to 36,000",
                     id="too_many_frames"),
    ],
)
def test_check_limits_messages(infos, changes, message):
    info = _info_like(infos["cfr30.mp4"], **changes)
    with pytest.raises(ClipLimitError, match=message):
        check_limits(info, VideoLimits())


def test_file_size_is_checked_before_opening(tmp_path):
    noise = synth.write_random_bytes(tmp_path / "noise.mp4", n_bytes=20_000)
    with pytest.raises(ClipLimitError, match="accepts files up to"):
        probe(noise, VideoLimits(max_file_mb=0.01))  # would be NotAVideoError if opened


@pytest.mark.parametrize(
    "limits, message",
    [
        pytest.param(VideoLimits(max_frames=10), "40 frames", id="frames"),
        pytest.param(VideoLimits(max_duration_s=1.0), "1.3 seconds long", id="duration"),
        pytest.param(VideoLimits(max_pixels=100 * 90), "160x96", id="pixels"),
    ],
)
def test_probe_applies_limits(clips, limits, message):
    with pytest.raises(ClipLimitError, match=message):
        probe(clips["cfr30.mp4"], limits)


# -- the clip maker -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param(dict(codec="vp8"), "codec", id="unknown_codec"),
        pytest.param(dict(rotation_deg=45), "rotation_deg", id="odd_rotation"),
        pytest.param(dict(size=(161, 96)), "size", id="odd_size"),
        pytest.param(dict(n_frames=3, timestamps_s=[0, 0.1]), "timestamps_s", id="short_timestamps"),
        pytest.param(dict(n_frames=3, timestamps_s=[0, 0.1, 0.1]), "increasing", id="repeated_time"),
    ],
)
def test_write_test_clip_rejects_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        synth.write_test_clip(tmp_path / "x.mp4", **kwargs)


@pytest.mark.parametrize("index", [0, 1, 5, 255, 1000, 65535])
def test_frame_number_pattern_round_trips(index):
    rgb = synth.code_pattern(index, 96, 160)
    assert synth.read_frame_number(rgb[..., ::-1]) == index
    assert synth.marker_corner(rgb[..., ::-1]) == "top-left"


# -- real clips -------------------------------------------------------------------------------
needs_clips = pytest.mark.skipif(not CLIPS.is_dir(), reason=f"{CLIPS} is absent (shared real clips)")

# From ../shared/clips/README.md (fps, length) plus what the files hold (frames,
# upright size). pose2sim cam03/04 store 1088x1920, not the README's 1080x1920.
REAL_CLIPS = [
    pytest.param("sports2d_demo_walk_side.mp4", 30.0, 7.7, 230, (1768, 994), False, id="sports2d_walk"),
    pytest.param("pose2sim_single_cam01.mp4", 60.0, 1.7, 100, (1080, 1920), False, id="pose2sim_cam01"),
    pytest.param("pose2sim_single_cam02.mp4", 60.0, 1.7, 100, (1080, 1920), False, id="pose2sim_cam02"),
    pytest.param("pose2sim_single_cam03.mp4", 60.0, 1.7, 100, (1088, 1920), False, id="pose2sim_cam03"),
    pytest.param("pose2sim_single_cam04.mp4", 60.0, 1.7, 100, (1088, 1920), False, id="pose2sim_cam04"),
    pytest.param("sports2d_demo3_runner_side.mp4", 30000 / 1001, 1.6, 47, (480, 352), False, id="demo3_runner"),
    pytest.param("track_run_side_pan.mp4", 29.9, 9.1, 271, (1024, 720), True, id="track_pan_vfr"),
    pytest.param("track_sprint_side_fixed.mp4", 30.0, 6.2, 185, (1680, 720), False, id="track_sprint"),
    pytest.param("park_run_rear_snow.mp4", 30000 / 1001, 12.0, 361, (1280, 720), False, id="park_rear"),
    pytest.param("gym_squat_side.mp4", 30000 / 1001, 20.5, 614, (608, 1080), False, id="gym_squat"),
    pytest.param("home_treadmill_run_side.mp4", 30.0, 12.0, 360, (720, 1280), False, id="treadmill"),
]


@needs_clips
@pytest.mark.parametrize("name, fps, length_s, frames, upright, vfr", REAL_CLIPS)
def test_real_clip(name, fps, length_s, frames, upright, vfr):
    info = probe(CLIPS / name)
    assert info.frame_count == frames
    assert info.fps == pytest.approx(fps, rel=0.005)
    assert info.duration_s == pytest.approx(length_s, abs=0.05)  # README rounds to 0.1 s
    assert info.rotation_deg == 0  # README: no clip has rotation metadata
    assert info.upright_size == upright
    assert info.is_variable_frame_rate == vfr
    decoded = 0
    with FrameReader(info, threads=1) as reader:
        for frame in reader:
            assert frame.index == decoded
            decoded += 1
        assert frame.image.shape == (upright[1], upright[0], 3)
    assert decoded == info.frame_count


@needs_clips
def test_real_variable_rate_clip_keeps_container_times():
    path = CLIPS / "track_run_side_pan.mp4"
    info = probe(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = sorted(p.pts for p in container.demux(stream) if p.size)
        expected = (np.array(pts) - pts[0]) * float(stream.time_base)
    np.testing.assert_allclose(info.timestamps_s, expected)
    gaps = np.diff(info.timestamps_s)
    assert gaps.max() == pytest.approx(2 / 30, abs=1e-3)  # a dropped frame: 66.7 ms
    assert not np.allclose(info.timestamps_s, np.arange(info.frame_count) / info.fps, atol=1e-3)
    t = [f.t_s for f in iter_frames(info, start=200, stop=271)]
    np.testing.assert_allclose(t, info.timestamps_s[200:271])
