"""Phân tích chỉ tiêu: one indicator in depth, chosen from the console (`?indicator=CODE`).

Trend with its target and forecast (live, as on every trend tile); derived figures (MoM, YoY,
YTD) beside the indices GSO publishes for the same month; seasonal decomposition (STL) of the
level series; and which breakdown rows drove the change. Redraws when a new period arrives.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from plotly.subplots import make_subplots

from layouts.registry import Panel, PanelContext, SeriesRef, param_room
from layouts.tiles.chrome import screen_frame, tile_head
from layouts.tiles.theme import FONT, GRID, INK, MUTED, SERIES_COLOURS
from layouts.tiles.trend import trend_tile
from wall.analysis.derived import contributions, derived_figures, level_of, stl
from wall.analysis.paths import InsufficientData
from wall.analysis.service import Forecaster, UnknownSeries
from wall.config import Indicator, WallSettings
from wall.locale import format_number
from wall.observation import series_key
from wall.relay import Subscription

DEFAULT = "EXPORTS_M"


def _indicator(ctx: PanelContext) -> Indicator:
    code = str(ctx.params.get("indicator") or DEFAULT)
    ind = ctx.settings.catalogue.get(code)
    return ind if ind is not None else ctx.settings.catalogue.get(DEFAULT)  # type: ignore[return-value]


def _layout(fig: go.Figure, **extra: Any) -> go.Figure:
    layout: dict[str, Any] = {"template": None, "paper_bgcolor": "rgba(0,0,0,0)",
                              "plot_bgcolor": "rgba(0,0,0,0)", "separators": ",.",
                              "font": {"family": FONT, "size": 22, "color": INK},
                              "margin": {"l": 90, "r": 30, "t": 40, "b": 50}, "showlegend": False}
    fig.update_layout(**{**layout, **extra})
    fig.update_xaxes(gridcolor=GRID, color=MUTED)
    fig.update_yaxes(gridcolor=GRID, color=MUTED, zerolinecolor=GRID)
    return fig


def _graph(gid: str, fig: go.Figure) -> dcc.Graph:
    return dcc.Graph(id=gid, figure=fig, className="trend-graph",
                     config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                     style={"height": "100%", "width": "100%"})


def _fmt(v: float | None, decimals: int = 2) -> str:
    return "—" if v is None else format_number(v, decimals)


def _derived_block(ctx: PanelContext, ind: Indicator) -> html.Div:
    rows = derived_figures(ctx.store, ctx.settings.catalogue, ind.code) if ctx.store else []
    table: list[Any] = [html.Tr([html.Th("Số liệu / figure"), html.Th("Tính từ mức / derived"),
                                 html.Th("GSO công bố / published"), html.Th("Chênh / diff")])]
    for r in rows:
        idx = r.measure != "YTD"
        table.append(html.Tr([html.Td([r.label_vi, html.Br(), html.Span(
            f"{r.label_en} · {r.period}", className="tcard-title-en")]),
            html.Td(_fmt(r.derived, 2 if idx else 0)), html.Td(_fmt(r.published, 2 if idx else 0)),
            html.Td(_fmt(r.difference, 2 if idx else 0))], **{"data-measure": r.measure}))
    level = level_of(ind.code, ctx.settings.catalogue)
    note = (f"Tính từ chuỗi mức {level}; chỉ số: kỳ trước / cùng kỳ = 100." if level else
            "Chỉ tiêu này không có chuỗi mức để tính lại / no level series to derive from.")
    forecast = _forecast_lines(ctx, ind)
    return html.Div(className="status-tile analysis-derived", children=[
        tile_head("Số liệu tính lại và dự báo", "Derived figures and forecast"),
        html.Table(table, className="analysis-table"),
        html.Div(note, className="tcard-source"),
        *forecast,
    ])


def _forecast_lines(ctx: PanelContext, ind: Indicator) -> list[html.Div]:
    if ctx.store is None:
        return []
    try:
        fc = Forecaster(ctx.store, ctx.settings.catalogue, compute=False).get(ind.code, "VN")
    except (UnknownSeries, InsufficientData):
        fc = None
    if fc is None or not fc.points:
        return [html.Div("Dự báo: chưa có (đang tính) / forecast: not yet", className="tline")]
    p, bt, d = fc.points[0], fc.backtest, ind.display

    def show(v: float) -> str:
        return format_number(v * d.scale + d.offset, d.decimals)

    return [html.Div([html.Span(f"Dự báo {p['period']} / forecast: ", className="tline-label"),
                      html.Span(f"{show(p['mean'])} {d.unit_vi}", className="tline-value"),
                      html.Span(f" (80 %: {show(p['lo80'])}–{show(p['hi80'])})",
                                className="tline-interval")], className="tline"),
            html.Div(f"Mô hình {fc.model} chọn theo kiểm định lùi {bt.origins} mốc, từ số đến "
                     f"{fc.as_of}; MASE {_fmt(bt.mase.get(fc.model))} (naive "
                     f"{_fmt(bt.mase.get(bt.benchmark))})", className="tcard-source",
                     **{"data-model": fc.model})]


def _stl_block(ctx: PanelContext, ind: Indicator) -> html.Div:
    level = level_of(ind.code, ctx.settings.catalogue) or ind.code
    body: Any
    try:
        pts = [(o.period, o.value) for o in ctx.store.series(level, "VN", {})
               if o.value is not None] if ctx.store else []
        parts = stl(pts)
    except (InsufficientData, ValueError) as exc:
        body = html.Div(f"Không phân rã được / no decomposition: {exc}", className="tline")
    else:
        fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                            subplot_titles=("Xu hướng / trend", "Mùa vụ, % / seasonal",
                                            "Phần dư, % / remainder"))
        x = parts["periods"]
        fig.add_scatter(x=x, y=parts["observed"], mode="lines", row=1, col=1,
                        line={"color": MUTED, "width": 2})
        fig.add_scatter(x=x, y=parts["trend"], mode="lines", row=1, col=1,
                        line={"color": SERIES_COLOURS[0], "width": 4})
        fig.add_bar(x=x, y=parts["seasonal"], row=2, col=1, marker_color=SERIES_COLOURS[2])
        fig.add_bar(x=x, y=parts["remainder"], row=3, col=1, marker_color=SERIES_COLOURS[1])
        body = _graph("analysis-stl", _layout(fig))
    return html.Div(className="trend-tile analysis-stl", **{"data-series": "[]"}, children=[
        tile_head(f"Phân rã mùa vụ (STL) — {level}", "Seasonal decomposition"), body])


def _contrib_block(ctx: PanelContext, ind: Indicator) -> html.Div:
    period, rows = (contributions(ctx.store, ctx.settings.catalogue, ind.code)
                    if ctx.store else ("", []))
    additive = bool(rows) and rows[0].additive
    title = ("Đóng góp vào tăng trưởng so cùng kỳ (điểm %)" if additive
             else "Biến động theo nhóm so cùng kỳ (%, không phải đóng góp)")
    if not rows:
        body: Any = html.Div("Chỉ tiêu không có số liệu theo nhóm / no breakdown",
                             className="tline")
    else:
        rows = list(reversed(rows))
        fig = go.Figure(go.Bar(x=[r.change for r in rows], y=[r.label for r in rows],
                               orientation="h", marker_color=[
                                   SERIES_COLOURS[2] if r.change >= 0 else SERIES_COLOURS[1]
                                   for r in rows]))
        body = _graph("analysis-contrib", _layout(fig, margin={"l": 420, "r": 30, "t": 20,
                                                               "b": 50}))
    return html.Div(className="trend-tile analysis-contrib", **{
        "data-series": "[]", "data-additive": "1" if additive else "0"}, children=[
        tile_head(f"{title} — {period}", "Drivers of the change by breakdown"), body])


def build(ctx: PanelContext) -> html.Div:
    """Return the analysis panel for the indicator in the screen's parameters."""
    ind = _indicator(ctx)
    trend = trend_tile(ctx.settings.catalogue, "analysis-trend", ind.name_vi,
                       ind.short_en or ind.name_en, [SeriesRef(ind.code)])
    asof = {}
    if ctx.store:
        for code in {ind.code, level_of(ind.code, ctx.settings.catalogue) or ind.code}:
            last = ctx.store.latest(code, "VN", {})
            if last:
                asof[series_key(code, "VN")] = last[0].period
    body = [html.Div(className="analysis-grid", **{"data-indicator": ind.code,
                                                   "data-refresh-asof": json.dumps(asof)},
                     children=[trend, _derived_block(ctx, ind), _stl_block(ctx, ind),
                               _contrib_block(ctx, ind)])]
    return screen_frame(ctx, "analysis", f"PHÂN TÍCH: {(ind.short_vi or ind.name_vi).upper()}",
                        f"Analysis: {ind.name_en}", body,
                        f"Nguồn: {ind.owner}. Dự báo: statsmodels (ETS, SARIMA, naive) chọn theo "
                        "kiểm định lùi trên chính chuỗi; STL: statsmodels. Giờ Việt Nam.",
                        room=param_room("analysis", ind.code))


def panel(settings: WallSettings) -> Panel:
    """The analysis panel: its room and series follow the chosen indicator."""

    def subscribe(code: str) -> Subscription | None:
        if code not in settings.catalogue:
            return None
        level = level_of(code, settings.catalogue) or code
        return Subscription(frozenset({code, level, "REPLAY_ASOF"}),
                            ((code, "VN", (), 120),))

    return Panel(id="analysis", title_vi="Phân tích chỉ tiêu", title_en="Indicator analysis",
                 plotly=True,
                 build=build, trends=(SeriesRef(DEFAULT),), subscribe_param=subscribe,
                 tags=("analysis", "meeting"))
