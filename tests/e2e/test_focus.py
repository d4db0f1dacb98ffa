"""Meeting focus on real kiosks: one API call puts an indicator on two open screens, one more
gives them back what they showed."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import WallServer
from tests.e2e.test_forecasts import _records
from tests.wall.test_forecast import published


def test_focus_reaches_two_kiosks_and_clear_brings_their_panels_back(
        browser: Any, wall_server: WallServer) -> None:
    pts = published("EXPORTS_M")[-40:]
    assert wall_server.post(_records("EXPORTS_M", "million USD", pts))["accepted"] == len(pts)
    kiosks = {}
    for sid in ("s1", "s2"):
        ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = ctx.new_page()
        page.goto(wall_server.screen_url(sid))
        page.wait_for_selector(f"[data-screen='{sid}'][data-synced]", timeout=60_000)
        kiosks[sid] = (page, page.get_attribute("#screen-root", "data-panel"))
    resp = wall_server.api_post("/api/v1/focus", json={"indicator": "EXPORTS_M",
                                                      "screens": ["s1", "s2"]})
    assert resp.status_code == 200
    for sid, (page, _) in kiosks.items():
        page.wait_for_selector(f"[data-screen='{sid}'][data-panel='focus']"
                               "[data-indicator='EXPORTS_M'][data-synced]", timeout=30_000)
        value = page.wait_for_selector(".kpi-tile[data-key='EXPORTS_M:VN'] "
                                       ".tile-value[data-value]:not([data-value=''])",
                                       timeout=30_000)
        assert value.inner_text().strip()
    assert wall_server.api_post("/api/v1/focus/clear", json={}).status_code == 200
    for sid, (page, before) in kiosks.items():
        page.wait_for_selector(f"[data-screen='{sid}'][data-panel='{before}'][data-synced]",
                               timeout=30_000)
        page.context.close()


def test_the_meeting_pack_quotes_the_focused_value_as_the_wall_prints_it(
        page: Any, wall_server: WallServer) -> None:
    from tests.e2e.test_exports import _pdf_text

    pts = published("EXPORTS_M")[-30:]
    assert wall_server.post(_records("EXPORTS_M", "million USD", pts))["accepted"] == len(pts)
    assert wall_server.api_post("/api/v1/focus", json={"indicator": "EXPORTS_M",
                                                       "screens": ["s1"]}).status_code == 200
    page.goto(f"{wall_server.url}/screen/focus?indicator=EXPORTS_M")
    shown = page.wait_for_selector(".kpi-tile[data-key='EXPORTS_M:VN'] "
                                   ".tile-value[data-value]:not([data-value=''])",
                                   timeout=30_000).inner_text().strip()
    wall_server.api_post("/api/v1/focus/clear", json={})  # the pack keeps the last focus
    pack = wall_server.api_get("/api/v1/export?target=meeting&format=pdf", timeout=240)
    assert pack.status_code == 200 and pack.content[:5] == b"%PDF-"
    text = _pdf_text(pack.content)
    assert "Trị giá hàng hóa xuất khẩu trong tháng" in text and shown in text
    assert "Mục tiêu Quốc hội giao" in text and "Lập lúc" in text
    audit = [e["action"] for e in wall_server.api_get("/api/v1/audit?count=20").json()["entries"]]
    assert "export" in audit
