"""The app in a real browser: `streamlit run` as a user starts it (tests/app_server.py), Debian's
Chromium driven by Playwright (tests/report_browser.py), a clip uploaded through the page.

What AppTest (tests/test_app.py) cannot see: the upload over HTTP (XSRF on, the repo's
.streamlit/config.toml), the video served and playable, the dataframe grid and tabs as drawn,
the page's polling of background jobs from the browser, and no traceback reaching the user.
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from app_helpers import app_home
from app_server import app_server, server_log
from report_browser import chromium_path

pytestmark = pytest.mark.real_clip

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
SCREENSHOT = ARTIFACTS / "app_results.png"
CLIP = "pose2sim_single_cam02.mp4"
CLIP_DURATION_S = 100 / 60  # 100 frames at 60/s
ANALYSIS_TIMEOUT_MS = 240_000
STEP_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 1000}
METRIC_COLUMNS = ["metric", "value", "95% CI", "spread (IQR)", "left", "right", "reps", "view", "frames",
                  "evidence", "confidence"]


@pytest.fixture
def browser():
    """A headless Debian Chromium (a missing one fails via chromium_path())."""
    from playwright import sync_api  # a test dependency (pyproject [test]): missing means a failure

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def start_app(tmp_path, model_path):
    """start_app(home) -> the URL of the app served with that home; stopped at the test's end."""
    with ExitStack() as stack:
        def start(home: Path) -> str:
            logs = tmp_path / "server"
            url = stack.enter_context(app_server(home, model_path, cache=tmp_path / "server-cache", log_dir=logs))
            start.logs = logs
            return url
        yield start


def _open(browser, url: str, path: str = "/", heading: str = "FormCheck"):
    """A page of the app (the Analyse page unless `path`), once its heading shows; page errors
    (uncaught JS exceptions) collected."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto(url + path)
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    assert page.title() == "FormCheck"
    return page


def _upload(page, path: Path) -> None:
    """Choose "Upload" under "Clip from" and give the uploader `path`."""
    page.get_by_test_id("stRadio").filter(has_text="Clip from").get_by_text("Upload", exact=True).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    page.get_by_test_id("stFileChip").filter(has_text=path.suffix).wait_for()


def _wait_for_saved_upload(home: Path, data: bytes, timeout_s: float = 60) -> Path:
    """The server has the upload (saved under a random name) once the page's rerun has seen it."""
    folder = home / ".formcheck" / "uploads"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        saved = [p for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")] if folder.is_dir() else []
        if saved:
            assert len(saved) == 1, saved
            assert saved[0].read_bytes() == data, "the saved upload differs from the file given to the browser"
            return saved[0]
        time.sleep(0.2)
    raise AssertionError(f"the upload never reached {folder}")


def _assert_no_traceback(page, logs: Path | None = None) -> None:
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()
    content = page.content()
    assert "Traceback" not in content, content[content.find("Traceback") - 200:][:2000]
    assert not page.js_errors, page.js_errors
    if logs is not None:
        err = (logs / "server.err").read_text(errors="replace")
        assert "Traceback" not in err, server_log(logs)


def _full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main container, so a full-page shot needs a viewport that tall."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height, VIEWPORT["height"]), 8000))})
    page.wait_for_timeout(500)  # let the grid redraw at the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)


def _grid(frame) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an st.dataframe, read from the grid's accessible table (the cells are
    drawn on a canvas)."""
    table = frame.locator('table[role="grid"]')
    table.locator('td[role="gridcell"]').first.wait_for(state="attached")  # filled once the grid has drawn
    headers = [t.strip() for t in table.locator('th[role="columnheader"]').all_text_contents()]
    rows = [[c.strip() for c in row.locator('td[role="gridcell"]').all_text_contents()]
            for row in table.locator("tbody tr").all()]
    return headers, rows


def test_upload_analyse_and_see_video_metrics_and_cues_in_chromium(tmp_path, sample_clip, browser, start_app):
    clip = sample_clip(CLIP)
    home = app_home(tmp_path, {CLIP: clip})  # a sample ready, as for a user: the test switches to Upload
    url = start_app(home)
    page = _open(browser, url)
    started = time.monotonic()

    _upload(page, clip)
    _wait_for_saved_upload(home, clip.read_bytes())
    page.get_by_role("button", name="Analyse", exact=True).click()

    heading = page.get_by_role("heading", name="Standing hip abduction")
    heading.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    analysed_s = time.monotonic() - started
    assert "1 rep (1 right)" in heading.inner_text()
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=f"{CLIP} · exercise mode")
    assert caption.inner_text().startswith(f"{CLIP} · exercise mode (automatic"), caption.inner_text()

    # the cue, pointing at the rep
    cue = page.get_by_test_id("stAlert").filter(has_text="on rep 1 (right) (frames ")
    cue.first.wait_for()
    assert cue.count() >= 1 and "frames" in cue.first.inner_text()

    # the activity strip: a button per segment, each with its title; the first moves the frame viewer to frame 0
    strip = page.locator("[class*='st-key-res-'][class*='-span-'] button").filter(visible=True)
    strip.first.wait_for()
    labels = strip.all_inner_texts()
    assert len(labels) >= 1 and re.search(r"Standing hip abduction [01]\.\d\d$", labels[0]), labels
    scrubber = page.get_by_role("slider", name="Frame")
    first_key_frame = scrubber.input_value()
    strip.first.click()
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Frame\"]').value === '0'")
    assert first_key_frame != "0"  # it moved, to the segment's first frame

    # the annotated video: served by the app and loadable by the browser (Video is the first tab)
    video = page.get_by_test_id("stVideo")
    video.wait_for()
    assert video.get_attribute("src").startswith(f"{url}/media/"), video.get_attribute("src")
    page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.readyState >= 1 }")
    ready, duration, error, width = page.evaluate(
        "() => { const v = document.querySelector('video');"
        " return [v.readyState, v.duration, v.error && v.error.code, v.videoWidth]; }")
    assert error is None and ready >= 1 and width > 0, (ready, error, width)
    assert duration == pytest.approx(CLIP_DURATION_S, abs=0.05)

    # the metrics table, in its tab
    page.get_by_role("tab", name="Metrics").click()
    panel = page.get_by_role("tabpanel", name="Metrics")
    panel.get_by_text("Value = median over reps").wait_for()
    table = panel.get_by_test_id("stDataFrame").first
    table.wait_for(state="visible")
    assert table.bounding_box()["height"] > 100
    headers, rows = _grid(table)
    assert headers == METRIC_COLUMNS, headers
    by_metric = {row[0]: dict(zip(headers, row)) for row in rows}
    assert {"Reps counted", "Range of the rep signal", "Rep score (range + alignment, of 100)"} <= set(by_metric)
    assert by_metric["Reps counted"]["reps"] == "1" and by_metric["Reps counted"]["view"] == "front"
    assert by_metric["Range of the rep signal"]["value"].endswith("°")
    assert all(row["view"] for row in by_metric.values())

    _assert_no_traceback(page, start_app.logs)
    _full_page_screenshot(page, SCREENSHOT)
    import cv2

    image = cv2.imread(str(SCREENSHOT))
    assert image is not None, f"{SCREENSHOT} is not an image"
    assert image.shape[0] > VIEWPORT["height"] and image.shape[1] == VIEWPORT["width"], image.shape
    assert float(image.std()) > 20, "the screenshot is blank"
    print(f"analysed in the browser in {analysed_s:.1f} s; screenshot {SCREENSHOT}")


def test_a_text_file_named_mp4_gets_a_plain_error_in_chromium(tmp_path, browser, start_app):
    home = app_home(tmp_path, {})
    url = start_app(home)
    page = _open(browser, url)
    notes = tmp_path / "notes.mp4"
    notes.write_text("Notes from the session, not a video.\n" * 40)

    _upload(page, notes)
    _wait_for_saved_upload(home, notes.read_bytes())

    expander = page.get_by_test_id("stExpander").filter(has_text="Capture check")
    expander.wait_for()
    expander.locator("summary").click()
    in_check = expander.get_by_test_id("stAlert").filter(has_text="not a video")
    in_check.wait_for(state="visible")
    assert "not a video" in in_check.inner_text().lower()
    _assert_no_traceback(page)

    page.get_by_role("button", name="Analyse", exact=True).click()
    everywhere = page.get_by_test_id("stAlert").filter(has_text="not a video")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stAlert\"]')]"
                           ".filter(a => a.innerText.includes('not a video')).length >= 2")
    assert everywhere.count() == 2  # the capture check's and the analysis's
    assert everywhere.nth(1).inner_text() == in_check.inner_text()  # the same plain words
    assert page.get_by_test_id("stTabs").count() == 0  # no results
    assert page.get_by_role("button", name="Analyse", exact=True).is_enabled()
    _assert_no_traceback(page, start_app.logs)
