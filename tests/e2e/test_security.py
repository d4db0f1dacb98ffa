"""Access control seen from a real browser: captured traffic, revoked kiosks, the login page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from tests.conftest import REPO
from tests.e2e.conftest import ARTIFACTS, WallServer, recording_page
from tests.helpers import PASSWORD

RESTRICTED = "BORDER_CROSSINGS_D"
INTERNAL = "PORT_CARGO_D"


def _obs(indicator: str, value: float, area: str = "VN", dims: dict[str, str] | None = None,
         hour: int = 10) -> dict[str, Any]:
    return {"indicator": indicator, "area": area, "period": f"2026-01-01T{hour}:00:00+07:00",
            "value": value, "unit": "x", "source": "e2e",
            "observed_at": datetime.now(UTC).isoformat(), "dims": dims or {}}


def _capture(page: Any) -> list[str]:
    """Record every response body (pages, callbacks, API) and every socket frame a page gets."""
    seen: list[str] = []

    def on_response(resp: Any) -> None:
        if resp.request.resource_type in ("document", "xhr", "fetch"):
            try:
                seen.append(resp.text())
            except Exception:  # a redirect has no body
                pass

    page.on("response", on_response)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: seen.append(str(f))))
    return seen


def _watch_border_gates(browser: Any, server: WallServer, user: str) -> tuple[Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
    page = recording_page(ctx)
    server.login(page, user)
    traffic = _capture(page)
    page.goto(f"{server.url}/screen/border-gates")
    page.wait_for_selector("[data-panel='border-gates'][data-synced]", timeout=30_000)
    return page, traffic


def test_a_viewer_without_clearance_receives_no_restricted_value(browser: Any,
                                                                 wall_server: WallServer) -> None:
    wall_server.accounts.add_user("lanhdao", PASSWORD, "viewer")  # clearance: internal
    wall_server.post([_obs(RESTRICTED, 13579246.0, "20", {"gate": "Hữu Nghị"}),
                      _obs(INTERNAL, 2715.0)])
    viewer, seen = _watch_border_gates(browser, wall_server, "lanhdao")
    admin, admin_seen = _watch_border_gates(browser, wall_server, "admin")
    wall_server.post([_obs(RESTRICTED, 24681357.0, "20", {"gate": "Hữu Nghị"}, hour=11),
                      _obs(INTERNAL, 3141.0, hour=11)])  # pushed live, in one batch
    tile = f"[data-indicator='{INTERNAL}'] .tile-value[data-value='3141']"
    viewer.wait_for_selector(tile, timeout=10_000)
    admin.wait_for_selector(tile, timeout=10_000)
    time.sleep(0.5)
    assert viewer.locator("[data-locked]").count() >= 1
    viewer.screenshot(path=str(ARTIFACTS / "border-gates-as-viewer.png"))
    traffic = "\n".join(seen)
    assert INTERNAL in traffic and "3141" in traffic  # the capture did see the pushed values
    assert RESTRICTED not in traffic
    assert "13579246" not in traffic and "24681357" not in traffic
    assert "24681357" in "\n".join(admin_seen)  # the same capture, for a cleared user
    export = wall_server.api_get("/api/v1/export?target=panel:border-gates", timeout=120)
    assert export.status_code == 200  # (the export's own clearance: tests/wall/test_auth.py)
    assert viewer.console_errors == [] and viewer.external_requests == []
    viewer.context.close()
    admin.context.close()


def test_revoking_a_screen_token_blanks_the_kiosk_within_seconds(browser: Any,
                                                                 wall_server: WallServer) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    kiosk = ctx.new_page()
    kiosk.goto(wall_server.screen_url("s2"))
    kiosk.wait_for_selector("[data-screen='s2'][data-synced]", timeout=30_000)
    assert {c["name"] for c in ctx.cookies()} == {"wall_device"}  # no session that can expire
    env = {**os.environ, "REDIS_URL": wall_server.env["REDIS_URL"],
           "WALL_PREFIX": wall_server.env["WALL_PREFIX"],
           "WALL_TOKEN": wall_server.accounts.issue_user_token("admin")}
    subprocess.run([sys.executable, "-m", "wall.cli", "screens", "token", "revoke", "s2"],
                   env=env, cwd=REPO, check=True, capture_output=True, timeout=60)
    kiosk.wait_for_selector("[data-revoked]", timeout=60_000)  # blanked without a reload
    assert kiosk.locator("[data-panel]").count() == 0  # nothing of the data is left on screen
    assert "thu hồi" in kiosk.inner_text("body")
    kiosk.screenshot(path=str(ARTIFACTS / "kiosk-revoked.png"))
    kiosk.goto(f"{wall_server.url}/s/s2")
    assert "/login" in kiosk.url  # the old cookie opens nothing any more
    entries = wall_server.api_get("/api/v1/audit?count=50").json()["entries"]
    assert any(e["action"] == "screens.token_revoke" and e["who"] == "admin" for e in entries)
    ctx.close()


def test_login_page_is_vietnamese_and_refuses_a_wrong_password(browser: Any,
                                                              wall_server: WallServer) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = recording_page(ctx)
    page.goto(f"{wall_server.url}/control")
    assert "/login" in page.url
    assert "Đăng nhập" in page.inner_text("body")
    page.fill("#username", "admin")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector(".login-message")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text(".login-message")
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#console-grid", timeout=30_000)  # back where it was going
    assert [e for e in page.console_errors if "401" not in e] == []  # only the refused login
    assert page.external_requests == []
    ctx.close()
