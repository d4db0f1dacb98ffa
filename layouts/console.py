"""The operators' console at /control: the wall's grid, switch screens, reload them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, dcc, html, no_update

from layouts.meeting import focus_controls
from wall.config import WallSettings
from wall.geo import provinces_34
from wall.locale import format_time
from wall.screens import ScreenError, ScreenRegistry

__all__ = ["console_layout", "register_console"]

GRID_REFRESH_MS = 10_000


def _thumb(v: Any) -> html.Div:
    """A live miniature of what a screen shows (its panel, drawn and pushed like the screen)."""
    query = urlencode({**v.params, "lang": v.lang})
    return html.Div(className="console-thumb", children=html.Iframe(
        src=f"/screen/{v.panel}?{query}", title=f"{v.spec.id}: {v.panel}",
        style={"width": f"{v.spec.width}px", "height": f"{v.spec.height}px"}))


def _signature(registry: ScreenRegistry, thumbs: bool) -> str:
    """What the grid depends on: redrawn (and its thumbnails reloaded) only when it changes."""
    return json.dumps([[v.spec.id, v.panel, v.params, v.lang, v.playlist] for v in
                       registry.all()] + [thumbs], ensure_ascii=False, sort_keys=True)


def _grid(registry: ScreenRegistry, thumbs: bool = False) -> list[html.Div]:
    from layouts.registry import panels

    cells = []
    for v in registry.all():
        panel = panels().get(v.panel)
        title = panel.title_vi if panel else v.panel
        extra = f" · {v.params['province']}" if v.params.get("province") else ""
        extra += "".join(f" · {v.params[k]}" for k in ("indicator", "edition")
                         if v.params.get(k))
        extra += f" · ⟳ {v.playlist}" if v.playlist else ""
        cells.append(html.Div(className="console-cell", **{"data-screen": v.spec.id},
                              style={"gridRow": v.spec.row + 1, "gridColumn": v.spec.col + 1},
                              children=[
            html.Div(v.spec.id, className="console-id"),
            html.Div(title + extra, className="console-panel", **{"data-panel": v.panel}),
            html.Div(f"{v.spec.width}×{v.spec.height} · {v.lang.upper()} · " + (
                f"kết nối lần cuối {_local(v.last_seen)}" if v.last_seen else "chưa kết nối"),
                     className="console-meta"),
            html.Div([html.A("mở / open", href=f"/s/{v.spec.id}", target="_blank"), " · ",
                      html.A("PNG", href=f"/api/v1/export?target=screen:{v.spec.id}"), " · ",
                      html.A("PDF", href=f"/api/v1/export?target=screen:{v.spec.id}"
                                         "&format=pdf")]),
            *([_thumb(v)] if thumbs else []),
        ]))
    return cells


def _local(at: str) -> str:
    try:
        return format_time(datetime.fromisoformat(at))
    except ValueError:
        return at


def _audit_table(registry: ScreenRegistry, count: int = 15) -> html.Section:
    """The newest audit entries: who did what, when and from where (admins only)."""
    rows = [html.Tr([html.Td(_local(e.get("at", ""))), html.Td(e.get("who", "")),
                     html.Td(e.get("action", "")), html.Td(e.get("where", "")),
                     html.Td(e.get("detail", "")[:120])])
            for e in registry.store.audit_log(count)]
    return html.Section(id="console-audit", className="console-audit", children=[
        html.H2("Nhật ký hoạt động / Audit (giờ Việt Nam)"),
        html.Table(className="table table-sm table-dark", children=[
            html.Thead(html.Tr([html.Th(t) for t in ("Thời điểm / at", "Ai / who",
                                                     "Việc / action", "Từ đâu / where",
                                                     "Chi tiết / detail")])),
            html.Tbody(rows)]),
        html.P("Toàn bộ / everything: `wall audit` hoặc GET /api/v1/audit"),
    ])


def console_layout(settings: WallSettings, registry: ScreenRegistry,
                   show_audit: bool = False, who: str = "",
                   alerts: html.Section | None = None) -> html.Div:
    """Return the console page (with the alerts block, and the audit log for admins)."""
    from layouts.registry import panels

    screens = [{"label": f" {s.id}", "value": s.id} for s in settings.wall.screens]
    options = [{"label": f"{p.title_vi} — {p.title_en}", "value": pid}
               for pid, p in sorted(panels().items(), key=lambda kv: kv[1].title_vi)]
    provinces = [{"label": f"{p['name_vi']} ({p['code']})", "value": p["code"]}
                 for p in provinces_34()]
    from layouts.screens.group_5 import CHOICES, EDITIONS

    statistics = [{"label": f"{ind.short_vi or ind.name_vi} ({ind.code})", "value": ind.code}
                  for code in CHOICES if (ind := settings.catalogue.get(code)) is not None]
    editions = [{"label": f" {vi}", "value": ed} for ed, (vi, _) in EDITIONS.items()]
    analysable = [{"label": f"{i.short_vi or i.name_vi} ({i.code})", "value": i.code}
                  for i in settings.catalogue.indicators if i.frequency in ("M", "Q", "A")]
    return html.Div(className="console container-fluid", children=[
        html.H1("Bàn điều khiển bức tường / Wall console"),
        html.P([f"Người dùng / user: {who} · ", html.A("Đăng xuất / Log out", href="/logout")],
               className="console-user"),
        html.P("Phím tắt / shortcuts: Alt+S chuyển, Alt+P chạy danh sách, Alt+R tải lại, "
               "Alt+F tiêu điểm, Alt+E bỏ tiêu điểm.", className="console-meta"),
        html.P(["Xuất toàn bộ bức tường / export the whole wall: ",
                html.A("PNG", href="/api/v1/export?target=wall"), " · ",
                html.A("PDF", href="/api/v1/export?target=wall&format=pdf")]),
        dcc.Checklist(id="console-thumbs", options=[
            {"label": " Ảnh thu nhỏ trực tiếp của từng màn hình / live thumbnails", "value": "on"}],
            value=[], className="focus-screens"),
        dcc.Interval(id="console-grid-tick", interval=GRID_REFRESH_MS),
        dcc.Store(id="console-grid-sig", data=""),
        html.Div(_grid(registry), id="console-grid", className="console-grid"),
        html.Div(className="console-form", children=[
            html.Label("Màn hình / Screens"),
            dcc.Checklist(id="console-screens", options=screens, value=[], inline=True),
            html.Label("Bảng hiển thị / Panel"),
            dcc.Dropdown(id="console-panel", options=options, value="overview",
                         clearable=False),
            html.Label("Tỉnh, thành phố (bảng tỉnh) / Province"),
            dcc.Dropdown(id="console-province", options=provinces, value=None),
            html.Label("Chỉ tiêu và địa giới (bảng nhóm 5) / Statistic and boundaries (group 5)"),
            dcc.Dropdown(id="console-indicator", options=statistics, value=None),
            dcc.RadioItems(id="console-edition", options=editions, value="34", inline=True),
            html.Label("Chỉ tiêu cần phân tích (bảng phân tích) / Indicator to analyse"),
            dcc.Dropdown(id="console-analyse", options=analysable, value=None),
            html.Label("Ngôn ngữ / Language"),
            dcc.RadioItems(id="console-lang", options=[{"label": " Tiếng Việt", "value": "vi"},
                                                       {"label": " English", "value": "en"}],
                           value="vi", inline=True),
            html.Label("Danh sách luân phiên / Playlist"),
            dcc.Dropdown(id="console-playlist", value=None, options=[
                {"label": f"{p.name_vi} ({p.interval})", "value": p.id}
                for p in settings.wall.playlists]),
            html.Div(className="console-buttons", children=[
                html.Button("Chuyển / Switch  [S]", id="console-apply",
                            className="btn btn-primary", accessKey="s"),
                html.Button("Chạy danh sách / Start playlist  [P]", id="console-playlist-start",
                            className="btn btn-primary", accessKey="p"),
                html.Button("Tải lại / Reload  [R]", id="console-reload",
                            className="btn btn-secondary", accessKey="r"),
            ]),
            html.Div(id="console-message", className="console-message"),
        ]),
        html.H2("Tiêu điểm cuộc họp / Meeting focus", className="console-h2"),
        focus_controls(settings, "focus"),
        *([alerts] if alerts is not None else []),
        *([_audit_table(registry)] if show_audit else []),
    ])


def register_console(app: Dash, registry: ScreenRegistry) -> None:
    """Attach the console's callbacks (interaction only, never on the data path)."""

    @app.callback(Output("console-grid", "children", allow_duplicate=True),
                  Output("console-grid-sig", "data"), Input("console-thumbs", "value"),
                  Input("console-grid-tick", "n_intervals"), State("console-grid-sig", "data"),
                  prevent_initial_call=True)
    def _follow(thumbs: list[str], _tick: Any, seen: str) -> Any:
        """Follow what the screens show (playlists, other consoles), thumbnails on request."""
        on = "on" in (thumbs or [])
        sig = _signature(registry, on)
        return (no_update, no_update) if sig == seen else (_grid(registry, on), sig)

    @app.callback(Output("console-grid", "children"), Output("console-message", "children"),
                  Input("console-apply", "n_clicks"), Input("console-reload", "n_clicks"),
                  Input("console-playlist-start", "n_clicks"),
                  State("console-screens", "value"), State("console-panel", "value"),
                  State("console-province", "value"), State("console-lang", "value"),
                  State("console-playlist", "value"), State("console-indicator", "value"),
                  State("console-edition", "value"), State("console-analyse", "value"),
                  prevent_initial_call=True)
    def _act(apply: Any, reload: Any, start: Any, screens: list[str], panel: str,
             province: str | None, lang: str, playlist: str | None,
             indicator: str | None = None, edition: str | None = None,
             analyse: str | None = None) -> Any:
        from dash import ctx
        from flask import request

        from wall.auth import current

        p = current()
        who, where = (p.who if p else "?"), (request.remote_addr or "")
        if not screens:
            return no_update, "Chọn ít nhất một màn hình / choose at least one screen"
        try:
            if ctx.triggered_id == "console-reload":
                registry.reload(screens, who, where)
                return _grid(registry), f"Đã tải lại {', '.join(screens)}"
            if ctx.triggered_id == "console-playlist-start":
                if not playlist:
                    return no_update, "Chọn danh sách / choose a playlist"
                registry.start_playlist(screens, playlist, who, where)
                return _grid(registry), f"Đã chạy danh sách {playlist} trên {len(screens)}"
            params = {"province": province} if province else {}
            if panel == "group-5":  # the statistic and boundaries of the local panel
                params.update({k: v for k, v in (("indicator", indicator),
                                                 ("edition", edition)) if v})
            if panel == "analysis" and analyse:
                params["indicator"] = analyse
            n = registry.assign(screens, panel, params, lang, who=who, where=where)
        except ScreenError as exc:
            return no_update, f"Lỗi / error: {exc}"
        return _grid(registry), f"Đã chuyển {n} màn hình sang {panel}"
