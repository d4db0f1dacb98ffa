"""Every panel in Chromium at 3840×2160; the console drives physical screens; /wall canvas."""

from __future__ import annotations

from typing import Any

from layouts.registry import panels
from tests.e2e.conftest import ARTIFACTS, WallServer


def test_every_panel_renders_offline_without_errors(page: Any, wall_server: WallServer) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for pid in sorted(panels()):
        page.goto(f"{wall_server.url}/screen/{pid}")
        page.wait_for_selector(f"[data-panel='{pid}'][data-synced]", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / f"panel-{pid}.png"))
    assert page.console_errors == []
    assert page.external_requests == []


def _panel_of(page: Any) -> str:
    return str(page.get_attribute("#screen-root", "data-panel"))


def test_console_switch_reaches_two_screens_and_survives_reload(browser: Any,
                                                                wall_server: WallServer) -> None:
    kiosks = [browser.new_context(viewport={"width": 1920, "height": 1080}) for _ in range(2)]
    s1, s2 = (k.new_page() for k in kiosks)
    for pg, sid in ((s1, "s1"), (s2, "s2")):  # two kiosks: a screen token each, no login
        pg.goto(wall_server.screen_url(sid))
        pg.wait_for_selector(f"[data-screen='{sid}'][data-synced]", timeout=30_000)
    assert (_panel_of(s1), _panel_of(s2)) == ("overview", "customs")
    for sid in ("s1", "s2"):
        resp = wall_server.api_post(f"/api/v1/screens/{sid}", json={"panel": "emergency"})
        assert resp.status_code == 200, resp.text
    for pg, sid in ((s1, "s1"), (s2, "s2")):
        pg.wait_for_selector(f"[data-screen='{sid}'][data-panel='emergency'][data-synced]",
                             timeout=10_000)
    s1.reload()
    s1.wait_for_selector("[data-screen='s1'][data-synced]", timeout=30_000)
    assert _panel_of(s1) == "emergency"  # the registry lives in Redis, not in the browser
    listed = wall_server.api_get("/api/v1/screens").json()["screens"]
    assert {s["id"]: s["panel"] for s in listed}["s2"] == "emergency"
    bad = wall_server.api_post("/api/v1/screens/s1", json={"panel": "nope"})
    assert bad.status_code == 400
    for k in kiosks:
        k.close()


def test_console_page_switches_a_screen(browser: Any, wall_server: WallServer) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    screen, console = ctx.new_page(), ctx.new_page()
    wall_server.login(console, "admin")
    screen.goto(f"{wall_server.url}/s/s3")
    screen.wait_for_selector("[data-screen='s3'][data-synced]", timeout=30_000)
    console.goto(f"{wall_server.url}/control")
    console.wait_for_selector("#console-grid [data-screen='s6']", timeout=30_000)
    console.check("#console-screens input[value='s3']")
    console.click("#console-panel")
    console.get_by_text("Cửa khẩu — Border gates", exact=True).click()
    console.click("#console-apply")
    console.wait_for_selector("#console-message:has-text('Đã chuyển 1')", timeout=10_000)
    listed = wall_server.api_get("/api/v1/screens").json()["screens"]
    assert {s["id"]: s["panel"] for s in listed}["s3"] == "border-gates"
    screen.wait_for_selector("[data-screen='s3'][data-panel='border-gates'][data-synced]",
                             timeout=10_000)
    audit = wall_server.api_get("/api/v1/audit?count=20").json()["entries"]
    switch = next(e for e in audit if e["action"] == "screen.switch")
    assert switch["who"] == "admin" and "border-gates" in switch["detail"]  # who, from the UI
    ctx.close()


def test_wall_canvas_lays_out_every_screen(page: Any, wall_server: WallServer) -> None:
    page.goto(f"{wall_server.url}/wall")
    frames = page.locator("#canvas iframe")
    assert frames.count() == 6
    assert page.get_attribute("#canvas", "data-width") == "11520"
    page.wait_for_timeout(4000)
    page.screenshot(path=str(ARTIFACTS / "wall-canvas.png"))


def test_export_png_and_pdf_render_offline(wall_server: WallServer) -> None:
    png = wall_server.api_get("/api/v1/export?target=panel:overview", timeout=120)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = wall_server.api_get("/api/v1/export?target=screen:s2&format=pdf", timeout=120)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert wall_server.api_get("/api/v1/export?target=nope").status_code == 400


def test_english_screen(page: Any, wall_server: WallServer) -> None:
    wall_server.api_post("/api/v1/screens/s1", json={"panel": "overview", "lang": "en"})
    page.goto(f"{wall_server.url}/s/s1")
    page.wait_for_selector("[data-screen='s1'][data-lang='en'][data-synced]", timeout=30_000)
    assert page.inner_text("#conn-status") == "LIVE"
    assert page.inner_text(".screen-title") == "National overview"


def test_offline_camera_is_unmissable(page: Any, wall_server: WallServer) -> None:
    page.goto(f"{wall_server.url}/screen/cameras")
    page.wait_for_selector("[data-panel='cameras'][data-synced]", timeout=30_000)
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat()  # newer than the probe's own reading at start-up
    cell = "[data-key='CAMERA_STATUS:25:camera=DAM-35-1']"
    assert page.locator(cell).count() == 1
    for value in (2.0, 0.0):
        wall_server.post([{"indicator": "CAMERA_STATUS", "area": "25", "period": now,
                           "value": value, "unit": "status code", "source": "e2e",
                           "observed_at": now, "revision": int(value == 0.0),
                           "dims": {"camera": "DAM-35-1"}}])
        want = "is-down" if value == 0.0 else "is-ok"
        page.wait_for_selector(f"{cell}.{want}", timeout=10_000)
    assert "MẤT TÍN HIỆU" in page.inner_text(cell)
    assert page.console_errors == []
