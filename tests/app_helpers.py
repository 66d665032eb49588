"""Driving the app in Streamlit's AppTest: a home folder of its own, pages by function, waiting
for background jobs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "streamlit_app.py")
JOB_TIMEOUT_S = 300


def app_home(tmp_path: Path, clips: dict[str, Path]) -> Path:
    """A FORMCHECK_HOME with sample_videos/ holding `clips` (name -> real file, linked)."""
    home = tmp_path / "home"
    samples = home / "sample_videos"
    samples.mkdir(parents=True, exist_ok=True)
    for name, path in clips.items():
        link = samples / name
        if not link.exists():
            link.symlink_to(Path(path).resolve())
    return home


def page_app(page: str, timeout_s: float = 120) -> AppTest:
    """An AppTest of one page function, `module:function` under formcheck.ui."""
    module, function = page.split(":")
    source = f"import importlib\nimportlib.import_module('formcheck.ui.{module}').{function}()\n"
    return AppTest.from_string(source, default_timeout=timeout_s)


def run_until(at: AppTest, done, timeout_s: float = JOB_TIMEOUT_S, what: str = "the analysis",
              allow_error: bool = False) -> AppTest:
    """Rerun the page (as its polling fragment would) until `done(at)` or an error shows."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert not at.exception, at.exception
        if done(at):
            return at
        if at.error and not allow_error:
            raise AssertionError(f"error on the page while waiting for {what}: {[e.value for e in at.error]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not finish in {timeout_s} s")
        time.sleep(0.5)
        at.run()


def select_option(widget, contains: str):
    """Select the first option of a selectbox/radio whose text contains `contains`."""
    options = [str(o) for o in widget.options]
    matches = [i for i, o in enumerate(options) if contains in o]
    assert matches, f"no option containing {contains!r} in {options}"
    return widget.select_index(matches[0]) if hasattr(widget, "select_index") else widget.set_value(
        widget.options[matches[0]])


def texts(at: AppTest) -> str:
    """Everything the page says in markdown, captions, alerts and subheaders, as one string."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def environ_home() -> Path:
    return Path(os.environ["FORMCHECK_HOME"])
