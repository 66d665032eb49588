"""Open a report in headless Chromium (Debian's `chromium`, driven by Playwright), for the report tests."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Chromium is missing: run ./scripts/test (or FORMCHECK_BROWSER=1 ./scripts/setup), which "
                "installs Debian's chromium for this test")


@contextmanager
def report_page(html: Path, screenshot: Path, width: int = 1000, height: int = 800):
    """Yield (page, requested URLs) with `html` loaded and a full-page screenshot written."""
    from playwright import sync_api  # a test dependency (pyproject [test]): missing means a failure

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html.as_uri())
            page.screenshot(path=str(screenshot), full_page=True)
            yield page, requests
        finally:
            browser.close()
