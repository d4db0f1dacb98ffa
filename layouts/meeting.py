"""Focus controls for the console and the meeting-table tablet page (`/meeting`).

Find an indicator by its Vietnamese name (accents optional) or code, optionally a province,
choose screens (none chosen: all), and focus the wall on it; one button ends the focus. The
tablet page adds the province map: pressing a province opens it on the chosen screen. Every
action goes through the screen registry (audited, as `POST /api/v1/focus`). Component ids start
with `console-` so only operators may run these callbacks.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from layouts.tiles.map import map_figure
from wall.config import WallSettings
from wall.geo import provinces_34
from wall.screens import ScreenError, ScreenRegistry

__all__ = ["fold", "focus_controls", "meeting_layout", "register_drill", "register_focus_controls"]


def fold(text: str) -> str:
    """Lower case without accents (đ → d): what a search typed without diacritics matches."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _indicator_options(settings: WallSettings) -> list[dict[str, str]]:
    return [{"label": f"{i.short_vi or i.name_vi} ({i.code})", "value": i.code,
             "search": f"{fold(i.name_vi)} {fold(i.short_vi)} {i.name_en.lower()} {i.code}"}
            for i in sorted(settings.catalogue.indicators, key=lambda i: fold(i.name_vi))]


def focus_controls(settings: WallSettings, prefix: str) -> html.Div:
    """Indicator search, province, screens, and the focus / end-focus / pack buttons."""
    p = f"console-{prefix}"
    provinces = [{"label": f"{x['name_vi']} ({x['code']})", "value": x["code"],
                  "search": fold(x["name_vi"])} for x in provinces_34()]
    screens = [{"label": f" {s.id}", "value": s.id} for s in settings.wall.screens]
    return html.Div(className=f"console-form focus-controls {prefix}-controls", children=[
        html.Label("Chỉ tiêu (gõ tên, không cần dấu) / Indicator"),
        dcc.Dropdown(id=f"{p}-indicator", options=_indicator_options(settings), value=None,
                     placeholder="Tìm chỉ tiêu… (vd: xuat khau, CPI)"),
        html.Label("Tỉnh, thành phố (tùy chọn) / Province"),
        dcc.Dropdown(id=f"{p}-area", options=provinces, value=None),
        html.Label("So sánh với tỉnh / Compare with"),
        dcc.Dropdown(id=f"{p}-compare", options=provinces, value=None),
        html.Label("Màn hình (để trống: tất cả) / Screens"),
        dcc.Checklist(id=f"{p}-screens", options=screens, value=[], inline=True,
                      className="focus-screens"),
        html.Div(className="console-buttons", children=[
            html.Button("Tiêu điểm / Focus  [F]", id=f"{p}-focus", className="btn btn-primary",
                        accessKey="f"),
            html.Button("Bỏ tiêu điểm / End focus  [E]", id=f"{p}-clear",
                        className="btn btn-secondary", accessKey="e"),
            html.A("Gói tài liệu họp (PDF) / Meeting pack",
                   href="/api/v1/export?target=meeting&format=pdf", className="btn btn-success",
                   id=f"{p}-pack", target="_blank"),
        ]),
        html.Div(id=f"{p}-message", className="console-message"),
    ])


def _pressable_map(settings: WallSettings) -> tuple[Any, list[str]]:
    """The province map with provinces that answer a press, and each trace's area ("" if none)."""
    fig = map_figure()
    areas = []
    for trace in fig.data:
        area = (getattr(trace, "meta", None) or {}).get("area", "")
        areas.append(area)
        if area:
            trace.update(hoveron="fills", hoverinfo="text", text=area)
    fig.update_layout(hovermode="closest")
    return fig, areas


def meeting_layout(settings: WallSettings, who: str = "") -> html.Div:
    """The meeting-table page: focus controls, and the map to open a province on a screen."""
    fig, _ = _pressable_map(settings)
    screens = [{"label": f" {s.id}", "value": s.id} for s in settings.wall.screens]
    return html.Div(className="console meeting container-fluid", children=[
        html.H1("Bàn họp / Meeting table"),
        html.P(f"Người dùng / user: {who}", className="console-user"),
        focus_controls(settings, "meeting"),
        html.H2("Chạm vào một tỉnh để mở trên màn hình / Press a province to open it"),
        dcc.RadioItems(id="console-meeting-drill-screen", options=screens, value="s1",
                       inline=True, className="focus-screens"),
        dcc.Graph(id="console-meeting-map", figure=fig, className="meeting-map",
                  config={"displayModeBar": False}),
    ])


def register_focus_controls(app: Dash, registry: ScreenRegistry, prefix: str) -> None:
    """Attach the focus buttons of one page (console or meeting); interaction only."""
    p = f"console-{prefix}"

    @app.callback(Output(f"{p}-message", "children"), Input(f"{p}-focus", "n_clicks"),
                  Input(f"{p}-clear", "n_clicks"), State(f"{p}-indicator", "value"),
                  State(f"{p}-area", "value"), State(f"{p}-screens", "value"),
                  State(f"{p}-compare", "value"), prevent_initial_call=True)
    def _focus(_f: Any, _c: Any, indicator: str | None, area: str | None,
               screens: list[str], compare: str | None = None) -> Any:
        from dash import ctx
        from flask import request

        from wall.auth import current

        caller = current()
        who, where = (caller.who if caller else "?"), (request.remote_addr or "")
        try:
            if ctx.triggered_id == f"{p}-clear":
                done = registry.clear_focus(screens or None, who=who, where=where)
                return f"Đã bỏ tiêu điểm trên {len(done)} màn hình"
            if not indicator:
                return "Chọn một chỉ tiêu / choose an indicator"
            done = registry.focus(indicator, area or "", screens or None, who=who, where=where,
                                  compare=compare or "")
        except ScreenError as exc:
            return f"Lỗi / error: {exc}"
        return f"Tiêu điểm {indicator} trên {len(done)} màn hình: {', '.join(done)}"


def register_drill(app: Dash, registry: ScreenRegistry, settings: WallSettings) -> None:
    """Pressing a province on the meeting map opens the province panel on the chosen screen."""
    _, areas = _pressable_map(settings)

    @app.callback(Output("console-meeting-message", "children", allow_duplicate=True),
                  Input("console-meeting-map", "clickData"),
                  State("console-meeting-drill-screen", "value"), prevent_initial_call=True)
    def _drill(click: dict[str, Any] | None, screen: str | None) -> Any:
        from flask import request

        from wall.auth import current

        points = (click or {}).get("points") or []
        curve = points[0].get("curveNumber") if points else None
        area = areas[curve] if isinstance(curve, int) and 0 <= curve < len(areas) else None
        if not area or not screen:
            return no_update
        caller = current()
        registry.assign([screen], "province", {"province": str(area)},
                        who=caller.who if caller else "?", where=request.remote_addr or "")
        return f"Đã mở tỉnh {area} trên màn hình {screen}"
