"""Every bad input of issue 7 gets its defined outcome in the library API, the CLI and the app.

The inputs and their outcomes are one table, `bad_inputs.CORPUS`; the corpus
is written once per session. One pose cache is shared by the tests of this
module, so the pose model runs once per input (in the library API test, which
runs first); the CLI and app runs of the same input then probe, analyse and
export it from the cached pose. Limits (item 2) are checked last: each one
refuses a clip before a frame is decoded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import CORPUS, DOC, Analysed, Refused, build_corpus, doc_table, markdown_table

from formcheck.capture import INPUT_WARNING_CODES
from formcheck.errors import ClipLimitError, FormCheckError
from formcheck.video import VideoLimits, probe, synth

ROWS = [pytest.param(row, id=row.name, marks=[pytest.mark.real_clip] if row.needs_pose else []) for row in CORPUS]
FORMCHECK = [sys.executable, "-m", "formcheck.cli"]
#: The issue's list of inputs, each a row of the corpus (names of CORPUS rows).
ISSUE_INPUTS = ("zero_byte", "random_bytes", "text_as_mov", "truncated", "audio_only", "single_frame",
                "ten_minutes_over", "uhd_4k", "fps_240", "variable_rate", "rotation_90", "rotation_180",
                "rotation_270", "hevc", "empty_scene", "two_people", "athlete_leaves", "very_dark", "upside_down",
                "tiny_subject")
JARGON = ("Traceback", "Errno", "avformat", "libav", "Exception", "Error:")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("bad_inputs"))


@pytest.fixture(scope="session")
def pose_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad_inputs_pose_cache")


@pytest.fixture(autouse=True)
def _shared_pose_cache(isolated_cache, pose_cache, monkeypatch):
    monkeypatch.setenv("FORMCHECK_CACHE", str(pose_cache))
    for var in ("FORMCHECK_MAX_FILE_MB", "FORMCHECK_MAX_DURATION_S", "FORMCHECK_MAX_PIXELS", "FORMCHECK_MAX_FRAMES"):
        monkeypatch.delenv(var, raising=False)


def _probe_module():
    """The module formcheck.video.probe (the package's `probe` attribute is the function)."""
    import formcheck.video.probe  # noqa: F401

    return sys.modules["formcheck.video.probe"]


def _forbid_decoding(monkeypatch) -> None:
    """Make every way a frame gets decoded fail the test."""
    from formcheck.video import exposure, reader

    probe_module = _probe_module()

    def decoded(*args, **kwargs):
        raise AssertionError("a frame was decoded")

    monkeypatch.setattr(probe_module, "_first_frame_rotation", decoded)
    monkeypatch.setattr(probe_module, "_check_opencv_decodes", decoded)
    monkeypatch.setattr(reader.FrameReader, "_open", decoded)
    monkeypatch.setattr(exposure, "brightness", decoded)


def _assert_plain(message: str, row) -> None:
    for phrase in row.outcome.words:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert not any(j in message for j in JARGON), message


def _leftovers(folder: Path, keep: tuple[str, ...] = ()) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def _codes(data: dict) -> list[str]:
    return sorted(w["code"] for w in data["warnings"])


# -- the table --------------------------------------------------------------------------
def test_the_doc_lists_every_input_and_its_outcome():
    assert doc_table(DOC.read_text()) == markdown_table(), "run: python tests/bad_inputs.py --write"


def test_the_corpus_holds_every_input_of_the_issue():
    names = [row.name for row in CORPUS]
    assert len(set(names)) == len(names)
    assert set(ISSUE_INPUTS) <= set(names)
    for row in CORPUS:
        if isinstance(row.outcome, Analysed):
            assert set(row.outcome.warnings) <= set(INPUT_WARNING_CODES), row.name


# -- library API ------------------------------------------------------------------------
def _check_rotation(expected: int):
    def check(analysis) -> None:
        info = analysis.pose.info
        assert info.rotation_deg == expected
        assert info.upright_size == (270, 480)  # portrait, as shown
        assert (analysis.data["clip"]["width"], analysis.data["clip"]["height"]) == (270, 480)
    return check


def _check_variable_rate(analysis) -> None:
    info = analysis.pose.info
    assert info.is_variable_frame_rate
    track_t = analysis.pose.track.t_s
    assert track_t == pytest.approx(info.timestamps_s, abs=1e-6)  # times from the file, not i / fps


def _check_240(analysis) -> None:
    assert analysis.pose.info.fps == pytest.approx(240.0)
    assert analysis.data["clip"]["fps"] == pytest.approx(240.0)
    assert analysis.pose.track.t_s[-1] == pytest.approx(99 / 240, abs=1e-4)


#: Per-input checks beyond the outcome: the input is handled, not merely survived.
EXTRA_CHECKS = {
    "rotation_90": _check_rotation(90),
    "rotation_180": _check_rotation(180),
    "rotation_270": _check_rotation(270),
    "variable_rate": _check_variable_rate,
    "fps_240": _check_240,
    "hevc": lambda a: a.pose.info.codec == "hevc",
    "uhd_4k": lambda a: a.pose.info.upright_size == (2160, 3840),
    "two_people": lambda a: len(a.pose.people) == 2,
}


@pytest.mark.parametrize("row", ROWS)
def test_library_api(row, corpus, tmp_path, monkeypatch):
    from formcheck.export import export_analysis
    from formcheck.pipeline import analyze

    clip = corpus[row.name]
    if isinstance(row.outcome, Refused):
        if not row.outcome.decodes:
            _forbid_decoding(monkeypatch)
        with pytest.raises(FormCheckError) as excinfo:
            analyze(clip)
        assert excinfo.type is row.outcome.error
        _assert_plain(str(excinfo.value), row)
        return
    analysis = analyze(clip)
    assert _codes(analysis.data) == sorted(row.outcome.warnings)
    for warning in analysis.data["warnings"]:
        assert warning["message"] in analysis.report.notes
    check = EXTRA_CHECKS.get(row.name)
    if check is not None:
        assert check(analysis) is not False
    done = export_analysis(analysis, tmp_path / "out")
    assert _leftovers(tmp_path) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(done.files)
    assert json.loads((tmp_path / "out" / "analysis.json").read_text())["warnings"] == analysis.data["warnings"]


@pytest.mark.real_clip
def test_a_failed_export_leaves_nothing(corpus, tmp_path, monkeypatch):
    """A failure while the folder is written (a full disk) leaves no folder and no temporary one."""
    from formcheck import export
    from formcheck.pipeline import analyze

    analysis = analyze(corpus["two_people"])

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "report_html", full_disk)
    with pytest.raises(OSError):
        export.export_analysis(analysis, tmp_path / "out")
    assert _leftovers(tmp_path) == []


# -- app ----------------------------------------------------------------------------------
def _run_app_job(clip: Path, results: Path, timeout_s: float = 240):
    from formcheck.cache import file_sha256
    from formcheck.ui.jobs import JobRunner
    from formcheck.ui.tasks import AnalysisRequest, analyse_clip

    request = AnalysisRequest(clip=str(clip), clip_sha256=file_sha256(clip))
    runner = JobRunner()
    try:
        runner.submit(request.key, clip.name, lambda job: analyse_clip(request, job, results, pool=None))
        job = runner.wait(request.key, timeout_s)
    finally:
        runner.shutdown()
    assert job is not None and job.finished, f"the app's job did not finish in {timeout_s} s"
    return request, job


@pytest.mark.parametrize("row", ROWS)
def test_app(row, corpus, tmp_path):
    from formcheck.ui.jobs import UNEXPECTED

    results = tmp_path / "results"
    results.mkdir()
    request, job = _run_app_job(corpus[row.name], results)
    if isinstance(row.outcome, Refused):
        assert job.state == "failed"
        assert job.error != UNEXPECTED
        _assert_plain(job.error, row)
        assert _leftovers(results) == []
        return
    assert job.state == "done", job.error
    assert _codes(job.result.analysis.data) == sorted(row.outcome.warnings)
    assert _leftovers(results) == [request.key]  # one whole folder, no temporary one beside it
    assert (results / request.key / "report.html").is_file()


@pytest.mark.real_clip
def test_app_takes_its_limits_from_the_environment(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MAX_DURATION_S", "0.2")
    results = tmp_path / "results"
    results.mkdir()
    _, job = _run_app_job(corpus["fps_240"], results)
    assert job.state == "failed" and "up to 0.2 seconds" in job.error


# -- CLI ----------------------------------------------------------------------------------
def run_cli(*args, env: dict | None = None, timeout_s: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*FORMCHECK, *map(str, args)], capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("row", ROWS)
def test_cli(row, corpus, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    out = results / "out"
    result = run_cli("analyze", corpus[row.name], "--out", out)
    assert "Traceback" not in result.stderr, result.stderr
    if isinstance(row.outcome, Refused):
        assert result.returncode == 2, (result.stdout, result.stderr)
        message = result.stderr.strip().splitlines()[-1]
        assert message.startswith("formcheck: "), result.stderr
        _assert_plain(message, row)
        assert _leftovers(results) == []  # no --out folder, no temporary one
        return
    assert result.returncode == 0, result.stderr
    assert _leftovers(results) == ["out"]
    data = json.loads((out / "analysis.json").read_text())
    assert _codes(data) == sorted(row.outcome.warnings)
    printed = [line[2:] for line in result.stdout.splitlines() if line.startswith("! ")]
    assert printed == [w["message"] for w in data["warnings"]]


# -- limits (item 2): from the header, before any frame is decoded -------------------------
def test_ten_minute_clip_is_refused_from_its_header(corpus, monkeypatch):
    probe_module = _probe_module()
    _forbid_decoding(monkeypatch)
    monkeypatch.setattr(probe_module, "_demux_packets", lambda *a, **k: pytest.fail("packets were read"))
    with pytest.raises(ClipLimitError, match="602 seconds long"):
        probe(corpus["ten_minutes_over"])


def test_a_clip_exactly_at_the_limit_is_accepted(corpus):
    info = probe(corpus["ten_minutes_under"])
    assert info.duration_s == pytest.approx(600.0) and info.frame_count == 60


@pytest.fixture(scope="session")
def mkv(tmp_path_factory) -> Path:
    """A Matroska clip: its header gives the file's length but neither the stream's length nor
    its frame count, so the frame count is only known by reading the packets."""
    return synth.write_test_clip(tmp_path_factory.mktemp("mkv") / "clip.mkv", n_frames=90, fps=30, size=(64, 48),
                                 pattern="flat")


def _probe_counting_packets(path: Path, limits: VideoLimits, read: list[int], monkeypatch) -> None:
    """Probe with decoding forbidden, counting the packets read in `read[0]`."""
    probe_module = _probe_module()
    _forbid_decoding(monkeypatch)
    original = probe_module._demux_packets

    def counting(container, stream, *args):
        real = container.demux

        def demux(*a, **k):
            for packet in real(*a, **k):
                read[0] += 1
                yield packet

        class Counted:
            def __getattr__(self, name):
                return demux if name == "demux" else getattr(container, name)

        return original(Counted(), stream, *args)

    monkeypatch.setattr(probe_module, "_demux_packets", counting)
    probe(path, limits)


@pytest.mark.parametrize(
    "clip, limits, message, packets",
    [
        pytest.param("fps_240", VideoLimits(max_file_mb=0.2), "accepts files up to 200,000 bytes", 0,
                     id="file_size_before_opening"),
        pytest.param("fps_240", VideoLimits(max_pixels=100_000), "(129,600 pixels); FormCheck handles up to "
                     "100,000 pixels", 0, id="pixels_from_header"),
        pytest.param("fps_240", VideoLimits(max_duration_s=0.3), "0.4 seconds long; FormCheck analyses up to "
                     "0.3 seconds", 0, id="duration_from_header"),
        pytest.param("fps_240", VideoLimits(max_frames=60), "100 frames; FormCheck analyses up to 60", 0,
                     id="frames_from_header"),
        pytest.param("mkv", VideoLimits(max_duration_s=2.0), "3 seconds long", 0, id="mkv_duration_from_header"),
        pytest.param("mkv", VideoLimits(max_frames=40), "more than 40 frames", 41, id="mkv_frames_while_reading"),
    ],
)
def test_each_limit_refuses_before_any_frame_is_decoded(corpus, mkv, clip, limits, message, packets, monkeypatch):
    path = mkv if clip == "mkv" else corpus[clip]
    read = [0]
    with pytest.raises(ClipLimitError) as excinfo:
        _probe_counting_packets(path, limits, read, monkeypatch)
    text = str(excinfo.value)
    assert message in text
    name = re.search(r"--limit (\w+)=", text).group(1)  # names the limit and how to raise it
    assert getattr(limits, name) < getattr(VideoLimits(), name)
    assert read[0] <= packets  # packets read before the refusal: none where the header says enough


def test_limits_are_read_from_the_environment_and_validated():
    limits = VideoLimits.from_env({"FORMCHECK_MAX_DURATION_S": "900", "FORMCHECK_MAX_FRAMES": "50_000"})
    assert (limits.max_duration_s, limits.max_frames, limits.max_pixels) == (900.0, 50_000, 3840 * 2160)
    with pytest.raises(ValueError, match="FORMCHECK_MAX_PIXELS"):
        VideoLimits.from_env({"FORMCHECK_MAX_PIXELS": "lots"})
    with pytest.raises(ValueError, match="max_frames must be a whole number"):
        VideoLimits().with_values({"max_frames": "10.5"})
    with pytest.raises(ValueError, match="must be a finite number > 0"):
        VideoLimits().with_values({"max_duration_s": "-1"})


@pytest.mark.parametrize(
    "args, env, message",
    [
        pytest.param(["--limit", "max_duration_s=0.2"], {}, "up to 0.2 seconds", id="option"),
        pytest.param([], {"FORMCHECK_MAX_DURATION_S": "0.2"}, "up to 0.2 seconds", id="environment"),
        pytest.param(["--limit", "max_minutes=3"], {}, "unknown --limit 'max_minutes'; valid: ['max_duration_s'",
                     id="unknown_name"),
        pytest.param(["--limit", "max_frames"], {}, "write it as NAME=VALUE", id="no_value"),
    ],
)
def test_the_cli_takes_limits(corpus, tmp_path, args, env, message):
    result = run_cli("analyze", corpus["fps_240"], "--out", tmp_path / "out", *args, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr
    assert _leftovers(tmp_path) == []
