"""Tiêu điểm: one indicator across the wall, for a question asked in a meeting.

Put on screens by `POST /api/v1/focus` (the console, `/meeting`), taken off by
`POST /api/v1/focus/clear`, which gives every screen back what it showed. Shows together: the
national value with period, source and age (and the chosen province's, beside a second one to
compare with, `compare`), the trend with its
target band and forecast, the province map when provinces report it, the breakdown (or the
provinces) ranked, and the open alerts on it. Live like every panel; the ranking and alerts are
redrawn when a new period arrives.
"""

from __future__ import annotations

import json
from typing import Any

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef, param_room
from layouts.tiles.chrome import screen_frame, tile_head
from layouts.tiles.kpi import kpi_tile
from layouts.tiles.map import map_tile
from layouts.tiles.trend import trend_tile
from wall.config import Indicator, WallSettings
from wall.geo import provinces_34, provinces_63
from wall.observation import Observation, period_rank, series_key
from wall.relay import Subscription

DEFAULT = "EXPORTS_M"
RANKED = 7


def focused(ctx: PanelContext) -> Indicator:
    """The indicator in focus (the screen's `indicator` parameter, else the default)."""
    ind = ctx.settings.catalogue.get(str(ctx.params.get("indicator") or DEFAULT))
    return ind or ctx.settings.catalogue.get(DEFAULT)  # type: ignore[return-value]


def province_edition(rows: list[Observation]) -> str | None:
    """"34" when the 34 units report the indicator, "63" when only the old provinces do."""
    if any(len(o.area) == 2 and o.area.isdigit() for o in rows):
        return "34"
    return "63" if any(o.area.startswith("63-") for o in rows) else None


def ranking(ind: Indicator, rows: list[Observation], limit: int = RANKED
            ) -> tuple[str, list[tuple[str, str, str]]]:
    """What the series breaks down into, ranked on its newest period: the breakdown rows at VN
    where it has them, else the provinces. Returns (heading, [(name, value, period)])."""
    parts = [o for o in rows if o.area == "VN" and o.dims and o.value is not None]
    heading, names = "Cơ cấu (xếp theo giá trị)", dict[str, str]()
    if not parts:  # the provinces' headline values, on the boundaries the map draws
        edition = province_edition(rows)
        names = {p["code"]: p["name_vi"] for p in provinces_34()} if edition == "34" else {
            f"63-{p['code']}": p["name_vi"] for p in provinces_63()}
        parts = [o for o in rows if o.area in names and not o.dims and o.value is not None]
        heading = "Các tỉnh, thành phố (xếp theo giá trị)"
    if not parts:
        return heading, []
    newest = max(parts, key=lambda o: period_rank(o.period)).period
    parts = sorted((o for o in parts if o.period == newest), key=lambda o: -(o.value or 0))
    return heading, [(o.dims.get("breakdown") or " · ".join(o.dims.values()) if o.dims else
                      names.get(o.area, o.area), ind.display.format(float(o.value or 0)),
                      o.period) for o in parts[:limit]]


def _ranked(ind: Indicator, rows: list[Observation]) -> html.Div:
    heading, ranked = ranking(ind, rows)
    unit = ind.display.unit_vi
    body: list[Any] = [html.Table(className="analysis-table focus-rank", children=[
        html.Thead(html.Tr([html.Th("#"), html.Th("Tên"), html.Th(f"Giá trị ({unit})"),
                            html.Th("Kỳ")])),
        html.Tbody([html.Tr([html.Td(str(n)), html.Td(name), html.Td(value), html.Td(period)])
                    for n, (name, value, period) in enumerate(ranked, start=1)])])] \
        if ranked else [html.Div("Chuỗi này không có số liệu chi tiết.", className="tline")]
    return html.Div(className="status-tile focus-ranked", **{"data-indicator": ind.code},
                    children=[tile_head(heading, "Breakdown, ranked"), *body])


def _alerts(ctx: PanelContext, ind: Indicator) -> html.Div:
    found = [a for a in (ctx.store.alerts() if ctx.store else [])
             if a.get("indicator") == ind.code]
    items = [html.Div(a.get("message_vi", ""), className=f"alert-item alert-{a['severity']}",
                      **{"data-alert-id": a["id"], "data-severity": a["severity"],
                         "data-indicator": ind.code}) for a in found[:6]]
    return html.Div(className="status-tile focus-alerts", **{"data-indicator": ind.code},
                    children=[tile_head("Cảnh báo về chỉ tiêu này", "Alerts on it"),
                              *(items or [html.Div("Không có cảnh báo đang mở.",
                                                   className="tline")])])


def build(ctx: PanelContext) -> html.Div:
    """Return the focus panel for the indicator (and province) in the screen's parameters."""
    ind = focused(ctx)
    area = str(ctx.params.get("area") or "")
    rows = ctx.store.latest(ind.code) if ctx.store else []
    tiles = [kpi_tile(ctx.settings.catalogue, SeriesRef(ind.code))]
    compare = str(ctx.params.get("compare") or "")
    for place in dict.fromkeys(a for a in (area, compare) if a and a != "VN"):
        tiles.append(kpi_tile(ctx.settings.catalogue, SeriesRef(ind.code, place)))
    edition = province_edition(rows)
    chart = [map_tile(ctx.settings.catalogue, "focus-map", ind.code, edition=edition,
                      highlight=area or None)] if edition else []
    last = next((o.period for o in rows if o.area == "VN" and not o.dims), "")
    trend = trend_tile(ctx.settings.catalogue, "focus-trend", ind.name_vi,
                       ind.short_en or ind.name_en, [SeriesRef(ind.code)]) if last or not rows \
        else html.Div(className="trend-tile focus-no-trend", children=[
            tile_head(ind.name_vi, ind.short_en or ind.name_en),
            html.Div("Chỉ tiêu này không có chuỗi số liệu cả nước; xem bản đồ và xếp hạng "
                     "các tỉnh.", className="tline")])
    body = [html.Div(className="focus-grid" + (" focus-with-map" if chart else ""), **{
        "data-indicator": ind.code, "data-area": area or "VN",
        "data-refresh-asof": json.dumps({series_key(ind.code, "VN"): last} if last else {})},
        children=[html.Div(tiles, className="focus-tiles"), trend, *chart,
                  _ranked(ind, rows), _alerts(ctx, ind)])]
    frame = screen_frame(ctx, "focus", f"TIÊU ĐIỂM: {(ind.short_vi or ind.name_vi).upper()}",
                         f"Focus: {ind.name_en}", body,
                         f"Nguồn: {ind.owner}. Bản đồ: địa giới hành chính (xem ghi chú bản đồ). "
                         "Giờ Việt Nam.", room=param_room("focus", ind.code))
    setattr(frame, "data-indicator", ind.code)
    return frame


def panel(settings: WallSettings) -> Panel:
    """The focus panel: its room and series follow the focused indicator."""

    def subscribe(code: str) -> Subscription | None:
        if code not in settings.catalogue:
            return None
        return Subscription(frozenset({code, "REPLAY_ASOF"}), ((code, "VN", (), 120),))

    return Panel(id="focus", title_vi="Tiêu điểm", title_en="Focus", build=build,
                 trends=(SeriesRef(DEFAULT),), subscribe_param=subscribe, tags=("meeting",))
