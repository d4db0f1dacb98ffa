"""What a tile says about its number is true: age from publication, overdue by cadence, replay
said as such, simulated marked on the tile, a target only against its own year, pages rotate."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, free_port
from tests.e2e.conftest import WallServer


def _month(back: int) -> str:
    now = datetime.now(UTC) + timedelta(hours=7)
    y, m = divmod(now.year * 12 + now.month - 1 - back, 12)
    return f"{y:04d}-{m + 1:02d}"


def _obs(code: str, period: str, value: float, unit: str, days_ago: float) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    return {"indicator": code, "area": "VN", "period": period, "value": value, "unit": unit,
            "source": "e2e", "observed_at": at.isoformat()}


def _tile(code: str) -> str:
    return f'.kpi-tile[data-indicator="{code}"][data-area="VN"]'


def test_age_from_publication_overdue_by_cadence_and_targets_of_their_own_year(
        page: Any, wall_server: WallServer) -> None:
    assert wall_server.post([
        _obs("EXPORTS_M", _month(1), 41_000, "million USD", 3),        # last month: on time
        _obs("IMPORTS_M", _month(5), 30_000, "million USD", 120),      # next months missing
        _obs("NY.GDP.MKTP.KD.ZG", "2023", 5.05, "annual %", 300),       # no 2023 target
    ])["accepted"] == 3
    page.goto(f"{wall_server.url}/screen/overview")
    page.wait_for_selector("[data-panel='overview'][data-synced]", timeout=30_000)
    page.wait_for_selector(f"{_tile('EXPORTS_M')}[data-stale='false']")
    assert page.locator("#screen-root").get_attribute("data-mode") == "live"
    assert page.locator(f"{_tile('EXPORTS_M')} .tile-age").inner_text() == "3 ngày trước"
    page.wait_for_selector(f"{_tile('IMPORTS_M')}[data-stale='true']")
    assert page.locator(f"{_tile('IMPORTS_M')} .tile-age").inner_text().startswith("QUÁ HẠN")
    assert page.locator(f"{_tile('NY.GDP.MKTP.KD.ZG')} .tile-target").inner_text() == ""
    wall_server.post([_obs("NY.GDP.MKTP.KD.ZG", "2024", 7.09, "annual %", 30)])
    page.wait_for_selector(f"{_tile('NY.GDP.MKTP.KD.ZG')} .tile-value[data-period='2024']")
    assert page.locator(f"{_tile('NY.GDP.MKTP.KD.ZG')} .tile-target").inner_text().startswith(
        "MT 2024")
    assert page.locator(f"{_tile('EXPORTS_M')}").get_attribute("data-simulated") == "false"
    assert not page.locator(f"{_tile('EXPORTS_M')} .sim-mark").is_visible()
    assert page.console_errors == []


@pytest.fixture
def replay_server(redis_url: str, quiet_config: Path, tmp_path: Path) -> Iterator[WallServer]:
    """The demo's shape: the replay near its end, and one simulated system declared."""
    feeds = quiet_config / "feeds.yaml"
    feeds.write_text(feeds.read_text(encoding="utf-8") + (
        "  - {id: gso-replay, kind: replay, interval: 1h, settings: {start: '2024-06'}}\n"
        "  - {id: sys-vnaccs, kind: http_json, simulated: true, interval: 24h,\n"
        "     provides: [CUSTOMS_EXPORT_VALUE_D, CUSTOMS_IMPORT_VALUE_D],\n"
        "     settings: {url: 'http://127.0.0.1:9/none.json', records: items,\n"
        "                fields: {indicator: indicator, area: area, period: period,\n"
        "                         value: value, unit: unit, observed_at: updated}}}\n"),
        encoding="utf-8")
    server = WallServer(redis_url, quiet_config, prefix=f"e2e{free_port()}:")
    server.start()
    yield server
    server.stop()


def test_replay_is_said_and_simulated_is_marked_on_the_tile(browser: Any,
                                                            replay_server: WallServer) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    replay_server.login(page)
    page.goto(f"{replay_server.url}/screen/customs")
    page.wait_for_selector("[data-panel='customs'][data-synced][data-mode='replay']",
                           timeout=60_000)
    badge = page.locator("#mode-badge").inner_text()
    assert badge.startswith("PHÁT LẠI") and "2024" in badge
    sim = page.locator('.kpi-tile[data-indicator="CUSTOMS_EXPORT_VALUE_D"]').first
    assert sim.get_attribute("data-simulated") == "true"
    mark = sim.locator(".sim-mark")
    assert mark.is_visible() and mark.inner_text() == "MÔ PHỎNG"
    real = page.locator('.kpi-tile[data-simulated="false"]')
    assert real.count() > 0 and not real.first.locator(".sim-mark").is_visible()
    page.goto(f"{replay_server.url}/screen/group-2?page=2")
    page.wait_for_selector("[data-room='group-2#2'][data-synced]", timeout=30_000)
    assert page.locator(".page-badge").inner_text().startswith("Trang 2/")
    page.wait_for_selector(".kpi-tile .tile-value:not([data-value=''])", timeout=30_000)
    context.close()


def test_config_copy_is_independent(quiet_config: Path) -> None:
    assert (quiet_config / "feeds.yaml").read_text(encoding="utf-8") != (
        REPO / "config" / "feeds.yaml").read_text(encoding="utf-8")
    assert shutil.which("chromium") or Path("/usr/bin/chromium").exists()
