"""Export a screen, a panel or the whole wall to PNG or PDF, rendered offline in Chromium."""

from __future__ import annotations

import os
import shutil

__all__ = ["CHROMIUM_ARGS", "ExportError", "chromium_path", "render"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """Debian's Chromium (or `$WALL_CHROMIUM`): the one browser the wall is rendered with."""
    return os.environ.get("WALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


class ExportError(RuntimeError):
    """The export could not be rendered (no Chromium, page did not load)."""


def render(url: str, fmt: str, width: int, height: int, wait_selector: str | None) -> bytes:
    """Open `url` in headless Chromium at width×height and return PNG or PDF bytes."""
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
                if wait_selector:  # in the page, or in every screen of the /wall canvas
                    for frame in page.frames[1:] or [page.main_frame]:
                        frame.wait_for_selector(wait_selector, timeout=60_000)
                page.wait_for_timeout(1200)  # charts are drawn on a one-second clock
                if fmt == "pdf":
                    return page.pdf(width=f"{width}px", height=f"{height}px",
                                    print_background=True, page_ranges="1")
                return page.screenshot(type="png")
            finally:
                browser.close()
    except Error as exc:
        raise ExportError(f"rendering {url} failed: {exc}") from exc
