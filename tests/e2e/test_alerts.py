"""An alert on a real kiosk: an extreme value raises an anomaly alert with no rule written for
it, the open screen shows it loud, an operator's acknowledgement quiets it everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import free_port
from tests.e2e.conftest import WallServer
from tests.e2e.test_forecasts import _records
from tests.helpers import wait_for
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
    # the operator closes it from the console, with a note: gone from the kiosk, on record
    console = ctx.new_page()
    wall_server.login(console, "admin")
    console.goto(f"{wall_server.url}/control")
    console.wait_for_selector(f"#console-alerts-list [data-alert-id='{alert_id}']",
                              timeout=30_000)
    console.click("#console-alert")
    console.keyboard.type("Xuất khẩu")
    console.keyboard.press("Enter")
    console.fill("#console-alert-note", "Số liệu đã được Cục Hải quan xác nhận")
    console.click("#console-alert-resolve")
    console.wait_for_selector(f"#console-alert-message:has-text('{alert_id}')", timeout=15_000)
    kiosk.wait_for_selector(f".alert-item[data-alert-id='{alert_id}']", state="detached",
                            timeout=30_000)
    audit = wall_server.api_get("/api/v1/audit?count=30").json()["entries"]
    closed = next(e for e in audit if e["action"] == "alert.resolve")
    assert closed["who"] == "admin" and "Cục Hải quan xác nhận" in closed["detail"]
    ctx.close()


def test_a_feed_made_to_fail_raises_source_down(redis_url: str, quiet_config: Path) -> None:
    feeds = quiet_config / "feeds.yaml"
    feeds.write_text(feeds.read_text(encoding="utf-8") + (
        "  - {id: sys-broken, kind: http_json, interval: 1s, name_vi: 'Hệ thống hỏng',\n"
        "     settings: {url: 'http://127.0.0.1:9/none.json', records: items,\n"
        "                fields: {indicator: indicator, area: area, period: period,\n"
        "                         value: value, unit: unit}}}\n"), encoding="utf-8")
    server = WallServer(redis_url, quiet_config, prefix=f"e2e{free_port()}:")
    server.start()
    try:
        wait_for(lambda: any(a["rule"] == "source_down" and a["source"] == "sys-broken"
                             for a in server.api_get("/api/v1/alerts?state=open").json()[
                                 "alerts"]), "source_down for the failing feed")
        [alert] = [a for a in server.api_get("/api/v1/alerts?state=open").json()["alerts"]
                   if a["source"] == "sys-broken"]
        assert alert["severity"] == "critical" and "Hệ thống hỏng" in alert["message_vi"]
    finally:
        server.stop()
