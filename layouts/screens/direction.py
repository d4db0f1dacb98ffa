"""Nhiệm vụ Chính phủ, Thủ tướng Chính phủ giao: overdue and near-due tasks by agency.

Left, each agency (ministry or province) with its overdue, near-due and open tasks and its
on-time rate (done on time over all due by today); right, every overdue and near-due task, the
most overdue first. States are worked out on today's date in Vietnam (wall/tasks.py); the panel
redraws every minute. Simulated tasks (the demo's) carry MÔ PHỎNG on the tiles that show them.
"""

from __future__ import annotations

from datetime import date, datetime

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.tiles.chrome import screen_frame, tile_head
from wall.locale import TZ, format_number
from wall.tasks import (
    INDICATOR,
    ISSUERS,
    NEAR_DUE_DAYS,
    STATE_VI,
    Task,
    kept,
    state,
    summarise,
)

AGENCY_ROWS, TASK_ROWS = 14, 7  # what fits a 1920×1080 meeting-room display; the rest counted
SIM_NOTE = "MÔ PHỎNG — nhiệm vụ mô phỏng cho bản trình diễn, không phải nhiệm vụ thật"


def _tasks(ctx: PanelContext) -> list[Task]:
    return kept(ctx.store.tasks(), ctx.settings.regimes.reporting_units) if ctx.store else []


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{format_number(100 * rate, 0)} %"


def _sim(tasks: list[Task]) -> dict[str, str]:
    return {"data-simulated": "true" if any(t.simulated for t in tasks) else "false"}


def _badge(tasks: list[Task]) -> list[html.Span]:
    """The MÔ PHỎNG mark of a tile that shows any simulated task."""
    return [html.Span("MÔ PHỎNG", className="tbadge-example task-sim", title=SIM_NOTE)] \
        if any(t.simulated for t in tasks) else []


def _agencies(ctx: PanelContext, tasks: list[Task], today: date) -> html.Div:
    names = ctx.settings.regimes.reporting_units
    rows = summarise(tasks, today)
    head = html.Tr([html.Th("Cơ quan"), html.Th("Quá hạn"), html.Th("Sắp đến hạn"),
                    html.Th("Đang thực hiện"), html.Th("Tỷ lệ đúng hạn")])
    body = [html.Tr([html.Td(names.get(s.agency, s.agency)), html.Td(str(s.overdue)),
                     html.Td(str(s.near_due)), html.Td(str(s.open)), html.Td(_pct(s.on_time_rate))],
                    className="task-row-overdue" if s.overdue else "",
                    **{"data-agency": s.agency, "data-overdue": str(s.overdue)})
            for s in rows[:AGENCY_ROWS]]
    more = [html.Div(f"… và {len(rows) - AGENCY_ROWS} cơ quan khác", className="tcard-source")] \
        if len(rows) > AGENCY_ROWS else []
    return html.Div(className="status-tile task-tile", **{"data-indicator": INDICATOR},
                    **_sim(tasks), children=[
        tile_head("Theo cơ quan được giao", "By assigned agency", *_badge(tasks)),
        html.Table([html.Thead(head), html.Tbody(body)], className="analysis-table task-table"),
        *more])


def _due_text(t: Task, today: date) -> str:
    days = (t.due_on - today).days
    return f"quá hạn {-days} ngày" if days < 0 else (
        "đến hạn hôm nay" if days == 0 else f"còn {days} ngày")


def _watchlist(ctx: PanelContext, tasks: list[Task], today: date) -> html.Div:
    names = ctx.settings.regimes.reporting_units
    watch = sorted((t for t in tasks if state(t, today) in ("overdue", "near_due")),
                   key=lambda t: (t.due_on, t.number))
    items = [html.Div(className=f"task-item task-{state(t, today)}",
                      **{"data-task": t.number, "data-state": state(t, today)}, children=[
        html.Div([html.Span(t.number, className="task-number"),
                  html.Span(STATE_VI[state(t, today)], className="task-state"),
                  html.Span(_due_text(t, today), className="task-due")], className="task-line"),
        html.Div(t.title, className="task-title"),
        html.Div(f"{names.get(t.agency, t.agency)} · {ISSUERS[t.issued_by]} giao tại "
                 f"{t.document} · hạn {t.due_on.strftime('%d/%m/%Y')}"
                 + (f" · {t.progress_note}" if t.progress_note else ""),
                 className="task-meta")]) for t in watch[:TASK_ROWS]]
    if len(watch) > TASK_ROWS:
        items.append(html.Div(f"… và {len(watch) - TASK_ROWS} nhiệm vụ khác",
                              className="tcard-source"))
    if not watch:
        items.append(html.Div("Không có nhiệm vụ quá hạn hoặc sắp đến hạn.", className="tline"))
    return html.Div(className="status-tile task-tile", **{"data-indicator": INDICATOR},
                    **_sim(watch), children=[
        tile_head("Quá hạn và sắp đến hạn", f"Overdue and due within {NEAR_DUE_DAYS} days",
                  *_badge(watch)),
        html.Div(items, className="task-list")])


def build(ctx: PanelContext) -> html.Div:
    """Return the direction tasks panel."""
    today = datetime.now(TZ).date()
    tasks = _tasks(ctx)
    counts = {s: sum(1 for t in tasks if state(t, today) == s) for s in STATE_VI}
    due = counts["done_on_time"] + counts["done_late"] + counts["overdue"]
    summary = (f"{len(tasks)} nhiệm vụ · quá hạn {counts['overdue']} · sắp đến hạn "
               f"{counts['near_due']} · tỷ lệ hoàn thành đúng hạn "
               f"{_pct(counts['done_on_time'] / due if due else None)}")
    body = [html.Div(className="targets-panel", **{"data-refresh-asof": "{}",
                                                   "data-refresh-after": "60"}, children=[
        html.Div(summary, className="targets-summary"),
        html.Div([_agencies(ctx, tasks, today), _watchlist(ctx, tasks, today)],
                 className="task-grid")])]
    if any(t.simulated for t in tasks):
        note_sim = f" {SIM_NOTE}."
    else:
        note_sim = ""
    note = (f"Trạng thái tính theo ngày {today.strftime('%d/%m/%Y')} (giờ Việt Nam); sắp đến hạn: "
            f"trong {NEAR_DUE_DAYS} ngày. Nguồn: báo cáo nhiệm vụ của Văn phòng Chính phủ "
            "(tệp báo cáo hoặc POST /api/v1/tasks)." + note_sim)
    return screen_frame(ctx, "direction", "NHIỆM VỤ CHÍNH PHỦ, THỦ TƯỚNG CHÍNH PHỦ GIAO",
                        "Government and Prime Minister's tasks", body, note)


PANEL = Panel(id="direction", title_vi="Nhiệm vụ Chính phủ, Thủ tướng giao",
              title_en="Government and PM tasks", build=build, indicators=(INDICATOR,),
              tags=("direction",))
