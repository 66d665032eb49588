"""The Library page's "Add a folder" in a real browser: the app served as a user starts it, Debian's
Chromium driven by Playwright, a folder of two real clips and a text file named .mp4 analysed by
`formcheck batch` on Ray in the background; the progress while it runs (also after a reload), the
closing table and its CSV, and the clips in the library afterwards."""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path

import pytest
from app_helpers import app_home
from playwright.sync_api import expect
from test_app_browser import ARTIFACTS, _assert_no_traceback, _full_page_screenshot, _grid, _open
from test_app_browser import browser, start_app  # noqa: F401 (fixtures)

pytestmark = pytest.mark.real_clip

CLIPS = ("pose2sim_single_cam01.mp4", "pose2sim_single_cam02.mp4")
ATHLETE = "Ana Runner"
RUN_TIMEOUT_MS = 300_000
DURING, AFTER = ARTIFACTS / "app_batch_running.png", ARTIFACTS / "app_batch_done.png"


@pytest.fixture
def folder(tmp_path, sample_clip) -> Path:
    """Two short real clips and a text file named like a clip."""
    folder = tmp_path / "season clips"
    folder.mkdir()
    for name in CLIPS:
        shutil.copy(sample_clip(name), folder / name)
    (folder / "notes.mp4").write_text("Notes from the session, not a video.\n" * 40)
    return folder


def _stop_if_running() -> None:
    from formcheck.batch import background

    run = background.current()
    if run is not None and background.alive(run):
        background.stop()
        deadline = time.monotonic() + 30
        while background.alive(run) and time.monotonic() < deadline:
            time.sleep(0.5)


def test_add_a_folder_runs_the_batch_in_the_background_with_progress_table_and_csv(
        tmp_path, folder, use_home, browser, start_app):  # noqa: F811
    home = use_home(app_home(tmp_path, {}))
    url = start_app(home)
    page = _open(browser, url, "/library", "Library")
    page.get_by_text("No athletes yet").wait_for()  # an empty library

    # bad input first: a plain message, no traceback, nothing started
    expander = page.get_by_test_id("stExpander").filter(has_text="Add a folder of clips")
    expander.locator("summary").click()
    page.get_by_label("Folder", exact=True).fill(str(tmp_path / "no such folder"))
    page.get_by_role("button", name="Analyse the folder").click()
    page.get_by_test_id("stAlert").filter(has_text="There is no folder").wait_for()
    _assert_no_traceback(page)

    # the folder, its athlete, data only
    page.get_by_label("Folder", exact=True).fill(str(folder))
    page.get_by_label("Athlete (optional)").fill(ATHLETE)
    page.get_by_text("Data only (no annotated video)").click()
    started = time.monotonic()
    page.get_by_role("button", name="Analyse the folder").click()
    try:
        page.get_by_role("heading", name="Adding a folder").wait_for()
        page.get_by_text(f"{folder} · {ATHLETE} · data only").wait_for()

        # the progress, refreshed while it runs: a clip's frames, then the counts as clips finish
        stopped = page.get_by_role("heading", name="Adding a folder stopped")
        page.get_by_text(re.compile(r": frame \d+ of 100$")).or_(stopped).first.wait_for(timeout=RUN_TIMEOUT_MS)
        assert stopped.count() == 0, page.get_by_test_id("stAlert").all_inner_texts()
        page.get_by_text("of 3 clips:", exact=False).first.wait_for(timeout=RUN_TIMEOUT_MS)
        _full_page_screenshot(page, DURING)
        _assert_no_traceback(page)

        # a reload (or another visit) finds the run again
        page.reload()
        page.get_by_role("heading", name="Library", exact=True).wait_for()
        page.get_by_role("heading", name="Adding a folder").or_(
            page.get_by_role("heading", name="Folder added")).wait_for()

        page.get_by_role("heading", name="Folder added").wait_for(timeout=RUN_TIMEOUT_MS)
    finally:
        _stop_if_running()
    ran_s = time.monotonic() - started

    summary = page.get_by_test_id("stAlert").filter(has_text="3 clips: 2 analysed, 1 failed, 0 skipped, in ")
    summary.wait_for()
    headers, rows = _grid(page.get_by_test_id("stDataFrame").first)
    assert headers == ["clip", "athlete", "activity", "headline / why", "status", "seconds"], headers
    by_clip = {row[0]: dict(zip(headers, row)) for row in rows}
    assert sorted(by_clip) == sorted([*CLIPS, "notes.mp4"])
    assert sorted(r["status"] for r in by_clip.values()) == ["analysed", "analysed", "failed"]
    failed = by_clip["notes.mp4"]
    assert failed["status"] == "failed" and failed["headline / why"].startswith("This file is not a video")
    for name in CLIPS:
        assert by_clip[name]["athlete"] == ATHLETE and by_clip[name]["activity"] == "exercise: standing hip abduction"
        assert "Reps counted" in by_clip[name]["headline / why"]

    _full_page_screenshot(page, AFTER)

    # the CSV, downloaded as the coach would
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the table (CSV)").click()
    table = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert sorted((Path(r["clip"]).name, r["status"]) for r in table) == [
        ("notes.mp4", "failed"), (CLIPS[0], "done"), (CLIPS[1], "done")]

    # the library lists show the new clips (the page refreshed itself), and the library has them
    expect(page.get_by_role("combobox", name="Athlete", exact=True)).to_have_value(f"{ATHLETE} (2 clips)")
    clips_grid = page.get_by_test_id("stDataFrame").nth(1)
    _, clip_rows = _grid(clips_grid)
    assert sorted(r[0] for r in clip_rows) == sorted(CLIPS)
    _assert_no_traceback(page, start_app.logs)

    from formcheck.store import Library

    with Library.open() as lib:
        (athlete,) = lib.athletes()
        assert athlete.name == ATHLETE and athlete.clip_count == 2
        assert sorted(c.original_name for c in lib.clips(athlete_id=athlete.id)) == sorted(CLIPS)

    # "Done" hides the run and brings the form back
    page.get_by_role("button", name="Done", exact=True).click()
    page.get_by_test_id("stExpander").filter(has_text="Add a folder of clips").wait_for()
    assert page.get_by_role("heading", name="Folder added").count() == 0
    print(f"batch of 3 clips through the page in {ran_s:.1f} s; screenshots {DURING}, {AFTER}")
