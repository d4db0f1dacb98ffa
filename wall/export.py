"""Export a screen, a panel or the whole wall to PNG or PDF, rendered offline in Chromium."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

__all__ = ["CHROMIUM_ARGS", "ExportError", "chromium_path", "render"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """Debian's Chromium (or `$WALL_CHROMIUM`): the one browser the wall is rendered with."""
    return os.environ.get("WALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


# Every chart and map of the page has its SVG, and wall.js says it has drawn the snapshot's
# values into them: what an export must not go without (a PDF printed before Plotly drew the
# lines has empty boxes). A page without the wall's screen root (the login page) is not waited.
DRAWN_JS = """() => { const root = document.getElementById('screen-root');
  return !root || (root.getAttribute('data-charts-drawn') === '1' &&
    [...root.querySelectorAll('.trend-graph, .map-graph')].every(
      g => g.querySelector('svg')));
}"""
DRAW_WAIT_S = 30.0


def _wait_drawn(frame: Any) -> None:
    """Wait until every chart of `frame` is drawn (polled: the wall's CSP forbids eval)."""
    deadline = time.monotonic() + DRAW_WAIT_S
    while not frame.evaluate(DRAWN_JS):
        if time.monotonic() > deadline:
            raise ExportError("charts were not drawn within 30 s; nothing exported")
        time.sleep(0.1)


class ExportError(RuntimeError):
    """The export could not be rendered (no Chromium, page did not load)."""


def render(url: str, fmt: str, width: int, height: int, wait_selector: str | None,
           paper: bool = False) -> bytes:
    """Open `url` in headless Chromium at width×height and return PNG or PDF bytes; with
    `paper`, a PDF of every page on A4 landscape (the meeting pack), else one page the size
    of the screen."""
    exe = chromium_path()
    if not os.path.exists(exe):
        raise ExportError("Chromium is not installed on the server (Debian package chromium)")
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url, wait_until="load")
                frames = page.frames[1:] or [page.main_frame]  # a page, or the /wall's screens
                if wait_selector:
                    for frame in frames:
                        frame.wait_for_selector(wait_selector, timeout=60_000)
                for frame in frames:
                    _wait_drawn(frame)
                page.wait_for_timeout(300)  # the last chart's transition
                if fmt == "pdf" and paper:
                    return page.pdf(format="A4", landscape=True, print_background=True,
                                    prefer_css_page_size=True)
                if fmt == "pdf":
                    return page.pdf(width=f"{width}px", height=f"{height}px",
                                    print_background=True, page_ranges="1")
                return page.screenshot(type="png")
            finally:
                browser.close()
    except Error as exc:
        raise ExportError(f"rendering {url} failed: {exc}") from exc
