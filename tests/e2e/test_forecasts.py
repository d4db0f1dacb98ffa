"""Forecasts and targets on real screens: the worker's forecast drawn with its band, the
targets panel with a status for each target in force."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psutil
from plotly.offline import get_plotlyjs_version

from tests.e2e.conftest import WallServer
from tests.wall.test_forecast import published


def _records(code: str, unit: str, pts: list[tuple[str, float]]) -> list[dict[str, Any]]:
    at = datetime.now(UTC).isoformat()
    return [{"indicator": code, "area": "VN", "period": p, "value": v, "unit": unit,
             "source": "e2e", "observed_at": at} for p, v in pts]


def test_trend_draws_the_workers_forecast_from_the_last_month(page: Any,
                                                              wall_server: WallServer) -> None:
    pts = published("EXPORTS_M")
    assert wall_server.post(_records("EXPORTS_M", "million USD", pts))["accepted"] == len(pts)
    page.goto(f"{wall_server.url}/screen/analysis?indicator=EXPORTS_M")
    page.wait_for_selector("[data-panel='analysis'][data-synced]", timeout=60_000)
    # the worker (off the request path) keeps the forecast; the screen asks until it is there
    tile = page.wait_for_selector(f".trend-tile[data-forecast-asof='{pts[-1][0]}']",
                                  timeout=180_000)
    drawn = page.evaluate("""el => {
        const q = s => el.querySelector('svg.trend-svg ' + s);
        return [q('.trend-fc-band[data-level="95"]').getAttribute('points').split(' ').length,
                +q('.trend-fc-mean').getAttribute('data-n'),
                q('.trend-fc-mean').getAttribute('stroke-dasharray'),
                q('.trend-fc-label').textContent]; }""", tile)
    assert drawn[0] >= 2 * 12 and drawn[1] >= 12 and drawn[2] and drawn[3] == "dự báo"
    # on a shared Redis the demo fits in a process of its own, not on the screens' GIL
    assert wall_server.proc is not None
    helpers = [" ".join(c.cmdline()) for c in psutil.Process(wall_server.proc.pid).children()]
    assert [h for h in helpers if h.endswith("forecast worker")], helpers
    # the analysis panel draws its decomposition with Plotly: the partial bundle, alone
    assert page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    assert not page.evaluate("() => performance.getEntriesByType('resource')"
                             ".some(e => e.name.includes('package_data/plotly'))")
    assert page.console_errors == []


def test_targets_panel_shows_status_for_each_target_in_force(page: Any,
                                                             wall_server: WallServer) -> None:
    gdp = [(p, v) for p, v in published("NGDP_R_PA_XDC") if "-Q" in p]
    cpi = published("CPI_YTD_YOY_IDX")
    wall_server.post(_records("NGDP_R_PA_XDC", "billion VND", gdp))
    wall_server.post(_records("CPI_YTD_YOY_IDX", "index (same period previous year = 100)",
                              cpi))
    body = wall_server.api_get("/api/v1/targets?year=2024", timeout=300).json()
    statuses = {r["target"]: r["status"] for r in body["targets"]}
    page.goto(f"{wall_server.url}/screen/targets?year=2024")
    page.wait_for_selector("[data-panel='targets'][data-synced]", timeout=60_000)
    shown = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '.target-card')].map(c => [c.dataset.target, c.dataset.status]))""")
    assert shown == statuses  # 2024 has no revised targets: every one is in force
    assert shown["NA2024-GDP_GROWTH"] in ("on_track", "at_risk", "off_track")
    assert page.locator(".target-card[data-target='NA2024-GDP_GROWTH'] .tscale-band").count() == 1
    # a tile with a target says where its year is heading, as the targets API does
    cpi = next(r for r in body["targets"] if r["target"] == "NA2024-CPI_GROWTH")
    page.goto(f"{wall_server.url}/screen/group-1")
    tile = ".kpi-tile[data-indicator='CPI_YTD_YOY_IDX'][data-area='VN']"
    page.wait_for_selector(f"{tile}[data-target-status='{cpi['status']}']", timeout=60_000)
    text = page.locator(f"{tile} [data-kind='projection']").inner_text()
    mean = f"{cpi['projection']['mean']:.2f}".replace(".", ",")
    assert text.startswith("Dự báo cả năm") and mean in text
    assert page.console_errors == []
