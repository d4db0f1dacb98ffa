"""An alert on a real kiosk: an extreme value raises an anomaly alert with no rule written for
it, the open screen shows it loud, an operator's acknowledgement quiets it everywhere."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import WallServer
from tests.e2e.test_forecasts import _records
from tests.wall.test_forecast import published


def test_extreme_value_alert_reaches_the_kiosk_and_its_acknowledgement_too(
        browser: Any, wall_server: WallServer) -> None:
    pts = published("EXPORTS_M")[-40:]
    assert wall_server.post(_records("EXPORTS_M", "million USD", pts[:-1]))["accepted"] == 39
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    kiosk = ctx.new_page()
    kiosk.goto(wall_server.screen_url("s2"))
    kiosk.wait_for_selector("[data-screen='s2'][data-synced]", timeout=60_000)
    wall_server.post(_records("EXPORTS_M", "million USD", [(pts[-1][0], pts[-1][1] * 20)]))
    item = kiosk.wait_for_selector(".alert-item[data-indicator='EXPORTS_M']", timeout=60_000)
    assert item.get_attribute("data-severity") in ("warning", "critical")
    alert_id = item.get_attribute("data-alert-id")
    listed = wall_server.api_get("/api/v1/alerts?state=open").json()["alerts"]
    assert alert_id in [a["id"] for a in listed]
    resp = wall_server.api_post(f"/api/v1/alerts/{alert_id}/ack",
                                json={"note": "Đang kiểm tra với Cục Hải quan"})
    assert resp.status_code == 200
    kiosk.wait_for_selector(f".alert-item[data-alert-id='{alert_id}'][data-state='acknowledged']",
                            timeout=30_000)
    assert kiosk.locator(f"[data-alert-id='{alert_id}'].alert-loud").count() == 0
    ctx.close()
