"""The meeting-table page: find an indicator typed without accents, focus the wall on it, and
press a province on the map to open it on a screen."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import WallServer

INSIDE_JS = """() => { for (const path of document.querySelectorAll(
    '#console-meeting-map .scatterlayer .trace path.js-fill')) {
  const box = path.getBBox(), m = path.getScreenCTM();
  if (!m || box.width * box.height < 400) continue;
  for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
    const p = new DOMPoint(box.x + box.width * i / 8, box.y + box.height * j / 8);
    if (path.isPointInFill(p)) { const s = p.matrixTransform(m); return [s.x, s.y]; } } }
  return null; }"""


def _panel(wall_server: WallServer, sid: str) -> dict[str, Any]:
    screens = wall_server.api_get("/api/v1/screens").json()["screens"]
    return next(s for s in screens if s["id"] == sid)


def test_meeting_page_focuses_by_unaccented_name_and_drills_into_a_province(
        browser: Any, wall_server: WallServer) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 1024}, has_touch=True)
    page = ctx.new_page()
    wall_server.login(page, "admin")
    page.goto(f"{wall_server.url}/meeting")
    page.wait_for_selector("#console-meeting-indicator", timeout=30_000)
    page.click("#console-meeting-indicator")
    page.keyboard.type("tri gia hang hoa xuat khau trong thang")  # no accents typed
    option = page.wait_for_selector(".dash-dropdown-option:has-text('(EXPORTS_M)'), "
                                    "[role=option]:has-text('(EXPORTS_M)')", timeout=10_000)
    option.click()
    page.check("#console-meeting-screens input[value='s2']")
    page.click("#console-meeting-focus")
    page.wait_for_selector("#console-meeting-message:has-text('EXPORTS_M')", timeout=15_000)
    assert _panel(wall_server, "s2")["panel"] == "focus"
    assert _panel(wall_server, "s2")["params"]["indicator"] == "EXPORTS_M"
    assert _panel(wall_server, "s1")["panel"] != "focus"  # only the screen chosen
    # press a province on the map: it opens on the screen chosen for drilling (s1)
    inside = page.evaluate(INSIDE_JS)  # a point inside a province's outline, on screen
    assert inside, "no province outline drawn on the meeting map"
    page.mouse.click(inside[0], inside[1])
    page.wait_for_selector("#console-meeting-message:has-text('Đã mở tỉnh')", timeout=15_000)
    s1 = _panel(wall_server, "s1")
    assert s1["panel"] == "province" and s1["params"]["province"].isdigit()
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        '.focus-controls .btn')].map(b => b.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 44  # a finger's target
    ctx.close()
