"""Reporting compliance: which units reported, on time or late, and who is missing, by regime."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.tiles.chrome import screen_frame, tile_head
from wall.compliance import compliance, due_date
from wall.locale import TZ

LABEL = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp", "pending": "Chưa đến hạn"}


def _period(periodicity: str, now: datetime) -> str:
    """The latest period whose report may already be due."""
    local = now.astimezone(TZ)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    if periodicity == "M":
        return f"{year}-{month:02d}"
    if periodicity == "Q":  # the last quarter that has ended
        q = (local.month - 1) // 3
        return f"{local.year}-Q{q}" if q else f"{local.year - 1}-Q4"
    if periodicity == "S":
        return f"{local.year}-S1" if local.month > 6 else f"{local.year - 1}-S2"
    return str(local.year - 1)


def _regime_block(ctx: PanelContext, regime_id: str, now: datetime) -> html.Div:
    regimes = ctx.settings.regimes
    regime = regimes.get(regime_id)
    assert regime is not None
    period = _period(regime.periodicity, now)
    submitted = ctx.store.submissions(regime.id, period) if ctx.store else {}
    states = compliance(regime, period, submitted, now)
    counts = {k: sum(1 for v in states.values() if v == k) for k in LABEL}
    summary = " · ".join(f"{LABEL[k]} {n}" for k, n in counts.items() if n)
    cells = [html.Div([html.Div(regimes.reporting_units[u].replace("Thành phố ", "TP. ")
                                .replace("Tỉnh ", ""), className="cell-label"),
                       html.Div(LABEL[st], className="cell-state")],
                      className=f"status-cell report-{st}", **{"data-unit": u, "data-state": st})
             for u, st in states.items()]
    due = due_date(regime, period).strftime("%d/%m/%Y")
    return html.Div(className="status-tile", **{"data-regime": regime.id}, children=[
        tile_head(f"{regime.name_vi} — kỳ {period}", f"{regime.name_en} · hạn {due}",
                  html.Span(summary, className="status-summary")),
        html.Div(cells, className="status-cells",
                 style={"gridTemplateColumns": "repeat(10, 1fr)"}),
    ])


def build(ctx: PanelContext) -> html.Div:
    """Return the compliance panel (computed when the screen is drawn)."""
    now = datetime.now(UTC)
    blocks = [_regime_block(ctx, r.id, now) for r in ctx.settings.regimes.regimes]
    body = [html.Div(blocks, className="panel-grid",
                     style={"gridTemplateRows": " ".join(
                         f"minmax(14vh, {max(1, len(r.units) // 10 + 1)}fr)"
                         for r in ctx.settings.regimes.regimes)})]
    return screen_frame(ctx, "compliance", "TÌNH HÌNH GỬI BÁO CÁO", "Reporting compliance", body,
                        "Theo chế độ báo cáo (config/regimes.yaml); hạn nộp = ngày quy định của "
                        "tháng sau kỳ báo cáo. Giờ Việt Nam.")


PANEL = Panel(id="compliance", title_vi="Tình hình gửi báo cáo",
              title_en="Reporting compliance", build=build, tags=("reporting",))
