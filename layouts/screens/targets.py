"""Mục tiêu Quốc hội giao: every target of the year, how far it has come, where it is heading.

The year is the wall's clock year (the replay's while it replays), or `?year=` from the console;
a year without targets shows the nearest year that has them. Figures, projections and
probabilities come from wall.analysis.targets with the forecasts the worker keeps; a screen never
waits for a model. When a new period of a series a target is computed from arrives, wall.js
redraws the panel (`data-refresh-asof`).
"""

from __future__ import annotations

import json
from datetime import datetime

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.tiles.chrome import replay_month, screen_frame
from layouts.tiles.target_progress import STATUS_VI, target_card
from wall.analysis.service import Forecaster
from wall.analysis.targets import TargetProgress, progress_all
from wall.config import WallSettings
from wall.locale import TZ
from wall.observation import series_key

ORDER = ("off_track", "at_risk", "missed", "on_track", "achieved", "no_data")


def plan_year(ctx: PanelContext) -> int:
    """The year shown: asked for, else the clock's, else the nearest year with targets."""
    years = sorted({t.year for t in ctx.settings.targets.targets})
    asked = str(ctx.params.get("year") or "")
    if asked.isdigit() and int(asked) in years:
        return int(asked)
    month = replay_month(ctx.store)
    now = int(month[:4]) if month else datetime.now(TZ).year
    return min(years, key=lambda y: (abs(y - now), -y)) if years else now


def _measured(settings: WallSettings) -> list[tuple[str, str, dict[str, str]]]:
    out = []
    for t in settings.targets.targets:
        if t.measure:
            for code in (t.measure.series, t.measure.of):
                if code:
                    out.append((code, t.measure.area, dict(t.measure.dims)))
    return out


def _columns(n: int) -> int:
    """Columns so that every card has room for its lines: at most three rows of cards."""
    return 4 if n <= 8 else (5 if n <= 15 else 6)


def build(ctx: PanelContext) -> html.Div:
    """Return the targets panel."""
    year = plan_year(ctx)
    replaced = ctx.settings.targets.superseded_by()
    rows = [TargetProgress(t, None, None, "no_data", True, "")  # no store: nothing computed
            for t in ctx.settings.targets.targets if t.year == year and t.id not in replaced]
    asof: dict[str, str] = {}
    if ctx.store is not None:
        f = Forecaster(ctx.store, ctx.settings.catalogue, compute=False)
        rows = [r for r in progress_all(f, ctx.settings.targets, ctx.settings.catalogue, year,
                                        datetime.now(TZ).date()) if r.in_force]
        for code, area, dims in _measured(ctx.settings):
            last = ctx.store.latest(code, area, dims)
            if last:
                asof[series_key(code, area, dims)] = last[0].period
    rows.sort(key=lambda r: (r.target.example, ORDER.index(r.status)))
    counts = {s: sum(1 for r in rows if r.status == s) for s in ORDER}
    summary = " · ".join(f"{STATUS_VI[s][0].capitalize()} {n}" for s, n in counts.items() if n)
    cards = [target_card(r, ctx.lang) for r in rows]
    waiting = any(r.status == "no_data" and r.target.measure and r.projection is not None
                  for r in rows)  # data there, forecast not kept yet: look again in a minute
    body = [html.Div(className="targets-panel", **{"data-year": str(year),
                                                   "data-refresh-asof": json.dumps(asof),
                                                   "data-refresh-after": "60" if waiting else ""},
                     children=[html.Div(summary, className="targets-summary"),
                               html.Div(cards, className="targets-grid", style={
                                   "gridTemplateColumns": f"repeat({_columns(len(cards))}, "
                                                          "1fr)"})])]
    note = ("Mục tiêu: Nghị quyết của Quốc hội về kế hoạch phát triển KT-XH (config/targets.yaml, "
            "nguồn từng mục trên thẻ). Số đến nay và dự báo cả năm tính từ số liệu công bố; "
            "khoảng 80 % từ mô hình dự báo đã kiểm định trên quá khứ của chuỗi. "
            "VÍ DỤ: không phải chỉ tiêu được giao. Giờ Việt Nam.")
    return screen_frame(ctx, "targets", f"MỤC TIÊU QUỐC HỘI GIAO NĂM {year}",
                        f"National Assembly targets {year}", body, note)


def panel(settings: WallSettings) -> Panel:
    """The targets panel, subscribed to every series a target is computed from."""
    codes = tuple(sorted({c for c, _, _ in _measured(settings)}
                         | {t.indicator for t in settings.targets.targets}))
    return Panel(id="targets", title_vi="Mục tiêu Quốc hội giao",
                 title_en="National Assembly targets", build=build, indicators=codes,
                 tags=("targets", "meeting"))
