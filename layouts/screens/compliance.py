"""Reporting compliance: which units reported, on time or late, and who is missing, by regime.

The period shown for each regime is the latest one due on the wall's clock: the replay's month
while a replay runs (REPLAY_ASOF), the real date otherwise. Each unit's cell is keyed by its
REPORT_STATUS series for that regime and period (wall/report_status.py), so a report submitted
while the screen is up turns its cell on time or late at once, with no reload.
"""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.tiles.chrome import replay_month, screen_frame, tile_head
from wall.compliance import due_date
from wall.observation import series_key
from wall.report_status import INDICATOR, clock, dims, due_period, judge

LABEL = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp", "pending": "Chưa đến hạn"}
LABEL_EN = {"on_time": "On time", "late": "Late", "missing": "Missing", "pending": "Not yet due"}
# wall.js paints a pushed status as is-ok (2) or is-warn (1); the cell carries the words for
# both, and CSS shows the one of its class (assets/wall.css, `[data-report]`).
CLASS = {"on_time": "is-ok", "late": "is-warn", "missing": "is-missing", "pending": "is-unknown"}


def _unit_name(name: str) -> str:
    return name.replace("Thành phố ", "TP. ").replace("Tỉnh ", "")


def _regime_block(ctx: PanelContext, regime_id: str, month: str) -> html.Div:
    regimes = ctx.settings.regimes
    regime = regimes.get(regime_id)
    assert regime is not None
    now = clock(month)
    period = due_period(regime.periodicity, now)
    submitted = ctx.store.submissions(regime.id, period) if ctx.store else {}
    states = judge(regime, period, submitted, now, replaying=bool(month))
    words = LABEL_EN if ctx.lang == "en" else LABEL
    counts = {k: sum(1 for v in states.values() if v == k) for k in LABEL}
    summary = " · ".join(f"{words[k]} {n}" for k, n in counts.items() if n)
    cells = [html.Div([html.Div(_unit_name(regimes.reporting_units[u]), className="cell-label"),
                       html.Div(words[st], className="cell-state"),
                       html.Div(words["on_time"], className="report-state report-on_time"),
                       html.Div(words["late"], className="report-state report-late")],
                      className=f"status-cell {CLASS[st]}",
                      **{"data-key": series_key(INDICATOR, u, dims(regime.id, period)),
                         "data-report": regime.id, "data-unit": u, "data-state": st})
             for u, st in states.items()]
    due = due_date(regime, period).strftime("%d/%m/%Y")
    return html.Div(className="status-tile", **{"data-regime": regime.id,
                                                 "data-period": period}, children=[
        tile_head(f"{regime.name_vi} — kỳ {period}", f"{regime.name_en} · hạn {due}",
                  html.Span(summary, className="status-summary")),
        html.Div(cells, className="status-cells",
                 style={"gridTemplateColumns": "repeat(10, 1fr)"}),
    ])


def build(ctx: PanelContext) -> html.Div:
    """Return the compliance panel: periods due on the replay's clock while it replays."""
    month = replay_month(ctx.store)
    blocks = [_regime_block(ctx, r.id, month) for r in ctx.settings.regimes.regimes]
    body = [html.Div(blocks, className="panel-grid",
                     style={"gridTemplateRows": " ".join(
                         f"minmax(14vh, {max(1, len(r.units) // 10 + 1)}fr)"
                         for r in ctx.settings.regimes.regimes)})]
    note = ("Theo chế độ báo cáo (config/regimes.yaml); hạn nộp = ngày quy định của tháng sau kỳ "
            "báo cáo. Giờ Việt Nam.")
    if month:
        note += (" Đang phát lại: kỳ đến hạn tính theo tháng bản phát lại đã tới, báo cáo nộp "
                 "lúc này tính là nộp vào thời điểm đó.")
    return screen_frame(ctx, "compliance", "TÌNH HÌNH GỬI BÁO CÁO", "Reporting compliance", body,
                        note)


PANEL = Panel(id="compliance", title_vi="Tình hình gửi báo cáo",
              title_en="Reporting compliance", build=build, indicators=(INDICATOR,),
              tags=("reporting",))
