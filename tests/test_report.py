"""`formcheck analyze` outputs on a real clip: video, report in a real browser, JSON schema, CSVs.

One analysis of the 1.6 s Sports2D runner clip (module fixture), exported once;
every test reads that folder. The report opens in headless Chromium (Debian's
`chromium`, driven by Playwright; `./scripts/test` installs it).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from report_browser import report_page

from formcheck.export import export_analysis
from formcheck.pipeline import analyze

pytestmark = pytest.mark.real_clip
REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "docs" / "schemas" / "running.schema.json"
CLIP = "sports2d_demo3_runner_side.mp4"
UNIT_SUFFIX = re.compile(r"_(s|deg|ms|pct|spm|ratio|px)$")
IDENTIFIERS = {"frame", "stride", "side", "athlete_seen", "contact_frame"}


@pytest.fixture(scope="module")
def exported(shared_clip, tmp_path_factory):
    clip = shared_clip(CLIP)
    with pytest.MonkeyPatch.context() as mp:  # a pose cache of its own, like every test
        mp.setenv("FORMCHECK_CACHE", str(tmp_path_factory.mktemp("cache")))
        result = analyze(clip, "auto")
    out = tmp_path_factory.mktemp("analyze") / "out"
    done = export_analysis(result, out, slowmo=True)
    return clip, result, done


def test_every_output_is_written(exported):
    _, result, done = exported
    assert result.mode == "running" and result.decided_by == "auto"
    names = {p.name for p in done.out_dir.iterdir()}
    assert {"annotated.mp4", "report.html", "analysis.json", "frames.csv", "strides.csv", "keyframes",
            "slowmo.mp4"} <= names
    assert not [p for p in done.out_dir.parent.iterdir() if p.name.startswith(".")]  # no temp folder left
    stills = sorted((done.out_dir / "keyframes").glob("*.jpg"))
    assert len(stills) >= 2  # contact and toe-off of the typical stride
    import cv2

    assert all(cv2.imread(str(p)) is not None for p in stills)


def test_annotated_video_has_the_source_frames_and_duration(exported):
    import av

    clip, _, done = exported

    def read(path):
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            times = [float(f.pts * f.time_base) for f in c.decode(s)]
            return (s.codec_context.name, s.codec_context.pix_fmt, s.width, s.height, times,
                    float(s.duration * s.time_base))  # the video's own duration (an audio track may be longer)

    _, _, src_w, src_h, src_t, src_d = read(clip)
    codec, pix_fmt, w, h, out_t, out_d = read(done.out_dir / "annotated.mp4")
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert (w, h) == (src_w + src_w % 2, src_h + src_h % 2)
    assert len(out_t) == len(src_t)
    frame_s = float(np.median(np.diff(src_t)))
    assert out_d == pytest.approx(src_d, abs=frame_s)
    assert np.allclose(np.array(out_t) - out_t[0], np.array(src_t) - src_t[0], atol=1e-3)


def test_analysis_json_validates_against_its_schema(exported):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    _, result, done = exported
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads((done.out_dir / "analysis.json").read_text())
    jsonschema.validate(data, schema)
    assert data["analysis_mode"]["decided_by"] == "auto" and data["analysis_mode"]["unsure"] is False
    timeline = data["timeline"]
    assert [s["label"] for s in timeline["segments"]] == ["running"] and timeline["decision"]["mode"] == "running"
    assert timeline["segments"][0]["view"] == "side" and timeline["cuts"] == []
    bad = {**data, "timeline": {**timeline, "segments": [{**timeline["segments"][0], "confidence": 1.5}]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    broken = {**data, "summary": {"cadence": next(iter(data["summary"].values()))}}  # a name without its unit
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize("name", ["frames.csv", "strides.csv"])
def test_csv_headers_carry_units(exported, name):
    _, result, done = exported
    rows = list(csv.reader((done.out_dir / name).open()))
    header = rows[0]
    assert all(h in IDENTIFIERS or UNIT_SUFFIX.search(h) for h in header), header
    if name == "frames.csv":
        assert len(rows) - 1 == len(result.pose.track)
        assert {"t_s", "knee_flexion_left_deg", "knee_flexion_right_deg", "trunk_lean_deg"} <= set(header)
    else:
        assert len(rows) - 1 == len(result.running.strides)


def test_report_is_self_contained(exported):
    html = (exported[2].out_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|url\(\s*["']?(https?:|//)|@import""", html)
    assert "<script" not in html
    assert html.count("data:image/jpeg;base64,") >= 2 and html.count("<svg") >= 3


def test_report_opens_with_the_decision_and_the_activity_strip(exported):
    _, result, done = exported
    html = (done.out_dir / "report.html").read_text()
    section = html[html.index('<section id="activity">'):html.index('<section id="capture">')]
    assert result.timeline.decision.reason in section and "Running from 0.0 s" in section
    assert "analysed in running mode." in section and 'class="ask"' not in section  # sure: nothing to ask
    strip = section[section.index('<svg'):section.index('</svg>')]
    assert strip.count('class="span"') == 1 and '<title>Running: 0.0–1.5 s, confidence 1.00, side view' in strip


def test_report_opens_in_chromium_and_shows_the_metrics_table(exported, tmp_path):
    _, result, done = exported
    shot = tmp_path / "report.png"
    with report_page(done.out_dir / "report.html", shot) as (page, requests):
        rows = page.locator("table#metrics tbody tr")
        assert rows.count() == len(result.report.metrics) >= 5
        assert "Cadence" in page.locator("table#metrics").inner_text()
        box = page.locator("table#metrics").bounding_box()
        table_png = page.locator("table#metrics").screenshot()
        images_ok = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert images_ok
    assert box["width"] > 400 and box["height"] > 100
    import cv2

    page_img = cv2.imread(str(shot))
    assert page_img.shape[0] > 1500 and page_img.std() > 20  # a long page, not blank
    table_img = cv2.imdecode(np.frombuffer(table_png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert table_img.std() > 15 and (table_img < 100).mean() > 0.01  # dark text on the table
