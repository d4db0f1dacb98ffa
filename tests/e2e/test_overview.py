"""End to end in headless Chromium: ingest → Redis → relay → socket → the tile's pixels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import ARTIFACTS, WallServer
from tests.helpers import wait_for

TILE = '[data-indicator="EXPORTS_M"][data-area="VN"] .tile-value'


def _record(value: float, period: str = "2025-01") -> dict[str, Any]:
    return {"indicator": "EXPORTS_M", "area": "VN", "period": period, "value": value,
            "unit": "million USD", "source": "e2e", "observed_at": datetime.now(UTC).isoformat()}


def _open(page: Any, server: WallServer) -> None:
    page.goto(f"{server.url}/screen/overview")
    page.wait_for_selector("[data-panel='overview'][data-synced]", timeout=30_000)


def test_posted_observation_reaches_the_tile(page: Any, wall_server: WallServer) -> None:
    wall_server.post([_record(30_000.0, "2025-01")])
    _open(page, wall_server)
    page.wait_for_selector(f"{TILE}[data-value='30000']")
    assert wall_server.post([_record(41_234.5, "2025-02")])["accepted"] == 1
    page.wait_for_selector(f"{TILE}[data-value='41234.5']", timeout=60_000)  # pushed, no reload
    tile = page.locator(TILE)
    assert tile.inner_text() == "41,23"  # vi-VN: decimal comma, value in billion USD
    assert tile.get_attribute("data-period") == "2025-02"
    assert tile.get_attribute("data-observed-at")
    change = page.locator('[data-indicator="EXPORTS_M"] [data-kind="prev"]').inner_text()
    assert "37,4 %" in change and "▲" in change  # 41234.5 vs 30000 previous month
    assert page.console_errors == []
    assert page.external_requests == []
    # it draws nothing with Plotly (trends and map are SVG), so its page does not load Plotly
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert not page.evaluate("() => performance.getEntriesByType('resource')"
                             ".some(e => e.name.includes('plotly'))")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-3840x2160.png"))


def test_older_period_does_not_replace_newer(page: Any, wall_server: WallServer) -> None:
    wall_server.post([_record(5.0, "2025-05")])
    _open(page, wall_server)
    wall_server.post([_record(1.0, "2025-04"), _record(6.0, "2025-05")])
    page.wait_for_selector(f"{TILE}[data-value='6']")
    assert page.locator(TILE).get_attribute("data-period") == "2025-05"


def test_screen_survives_a_server_restart(page: Any, wall_server: WallServer) -> None:
    wall_server.post([_record(100.0, "2026-01")])
    _open(page, wall_server)
    page.wait_for_selector(f"{TILE}[data-value='100']")
    wall_server.stop()
    page.wait_for_selector("#screen-root.is-offline", timeout=20_000)
    assert "MẤT KẾT NỐI" in page.locator("#conn-status").inner_text()
    assert page.locator(TILE).get_attribute("data-value") == "100"  # last value kept, dimmed
    wall_server.start()
    page.wait_for_selector("#conn-status.conn-ok", timeout=30_000)
    wall_server.post([_record(200.0, "2026-02")])
    page.wait_for_selector(f"{TILE}[data-value='200']", timeout=10_000)
    assert page.locator("#screen-root.is-offline").count() == 0


def test_map_draws_34_provinces_and_the_archipelagos(page: Any, wall_server: WallServer) -> None:
    wall_server.post([{**_record(1234.5, "2024"), "indicator": "POP_AVG",
                       "area": "79", "unit": "thousand persons"},
                      {**_record(9999.0, "2025"), "indicator": "POP_AVG",   # a former province:
                       "area": "63-79", "unit": "thousand persons"}])     # not on this map
    _open(page, wall_server)
    page.wait_for_selector(".map-tile[data-areas-shown='1']", timeout=10_000)
    painted = page.evaluate(  # what is drawn: each province's fill on the map's SVG
        "() => [...document.querySelectorAll('.map-tile .map-svg path[data-area]')]"
        ".map(p => [p.getAttribute('data-area'), getComputedStyle(p).fill])")
    fills = dict(painted)
    assert len(painted) == 34 and len(fills) == 34
    others = {fill for area, fill in painted if area != "79"}
    assert len(others) == 1 and fills["79"] not in others  # only Hồ Chí Minh City has a value
    assert page.locator(".map-tile .map-svg .map-islands").count() == 1
    text = page.locator(".map-tile").inner_text()
    assert "Hoàng Sa" in page.content() and "Trường Sa" in page.content()
    assert "Open Development Vietnam" in text


def test_trend_draws_values_and_the_target_of_a_year_they_reach(page: Any,
                                                                wall_server: WallServer) -> None:
    gdp = "NY.GDP.MKTP.KD.ZG"  # targets: 6,0–6,5 % in 2024, ≥ 8 % (revised) in 2025
    wall_server.post([{**_record(5.05, "2023"), "indicator": gdp, "unit": "annual %"},
                      {**_record(7.09, "2024"), "indicator": gdp, "unit": "annual %"}])
    _open(page, wall_server)
    chart = "#trend-gdp svg.trend-svg"
    page.wait_for_selector(f"{chart} .trend-target[data-year='2024']", timeout=20_000)
    assert page.locator(f"{chart} .trend-target").count() == 1  # 2025: the data is not there
    assert page.locator(f"{chart} .trend-target-label").text_content() == "MT 2024: 6,0–6,5%"
    line = page.locator(f"{chart} .trend-line").get_attribute("d") or ""
    assert line.count("M") == 1 and line.count("L") == 1  # the two values, joined
    labels = page.locator(f"{chart} text").all_text_contents()
    assert "2024" in labels and any("," in t or t.isdigit() for t in labels)
    cpi = "#trend-cpi svg.trend-svg"  # three series: a legend; none has a value yet
    assert page.locator(f"{cpi} .trend-legend").count() == 3
    assert page.locator(f"{cpi} .trend-empty").text_content() == "Chưa có số liệu"
    big = float(page.locator(chart).get_attribute("font-size") or 0)
    page.set_viewport_size({"width": 1920, "height": 1080})  # a meeting-room display

    def size() -> float:
        return float(page.locator(chart).get_attribute("font-size") or 0)

    wait_for(lambda: size() < big, "the trend redrawn at the smaller screen's size", 20)
    assert 0.4 * big < size() < 0.6 * big  # its text scales with the screen, redrawn at its size
    assert page.console_errors == []
