"""The console's alerts: list what is open and acknowledged, acknowledge with a note, assign to
an agency, resolve. Each action goes through wall.alerting.actions (audited, as from the API)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from wall.access import Guard
from wall.alerting.actions import AlertActionError, act
from wall.config import WallSettings
from wall.store import Store

__all__ = ["alerts_section", "register_alert_console"]

SEVERITY_VI = {"critical": "NGHIÊM TRỌNG", "warning": "CẢNH BÁO", "info": "THÔNG TIN"}
STATE_VI = {"open": "Mới", "acknowledged": "Đã tiếp nhận"}
ORDER = {"critical": 0, "warning": 1, "info": 2}
REFRESH_MS = 10_000


def _visible(store: Store, guard: Guard, clearance: str) -> list[dict[str, Any]]:
    """Open and acknowledged alerts the caller may see: critical first, then newest."""
    rows = [a for a in store.alerts()
            if not a.get("indicator") or guard.permits(clearance, a["indicator"])]
    rows.sort(key=lambda a: a.get("raised_at", ""), reverse=True)
    return sorted(rows, key=lambda a: ORDER.get(a.get("severity", ""), 3))


def _table(rows: list[dict[str, Any]]) -> html.Table:
    head = html.Tr([html.Th(t) for t in ("Mức / severity", "Nội dung / alert", "Trạng thái",
                                         "Giao cho / assigned", "Ghi chú / note")])
    body = [html.Tr(className=f"console-alert console-alert-{a.get('severity')}",
                    **{"data-alert-id": a["id"], "data-state": a.get("state", "")}, children=[
        html.Td(SEVERITY_VI.get(a.get("severity", ""), a.get("severity", ""))),
        html.Td(a.get("message_vi", "")),
        html.Td(STATE_VI.get(a.get("state", ""), a.get("state", ""))
                + (f" ({a['acknowledged_by']})" if a.get("acknowledged_by") else "")),
        html.Td(a.get("assigned_to") or ""),
        html.Td(a.get("note") or "")]) for a in rows]
    return html.Table([html.Thead(head), html.Tbody(body)],
                      className="table table-sm table-dark console-alerts-table")


def _options(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"label": f"{SEVERITY_VI.get(a.get('severity', ''), '')} · {a.get('message_vi', '')}"
             [:160], "value": a["id"]} for a in rows]


def alerts_section(settings: WallSettings, store: Store, clearance: str) -> html.Section:
    """The alerts block of the console page."""
    rows = _visible(store, Guard(settings.catalogue), clearance)
    agencies = [{"label": f"{name} ({code})", "value": code}
                for code, name in settings.regimes.reporting_units.items()]
    return html.Section(id="console-alerts", className="console-alerts", children=[
        html.H2("Cảnh báo đang mở / Open alerts"),
        dcc.Interval(id="console-alerts-tick", interval=REFRESH_MS),
        html.Div(_table(rows), id="console-alerts-list"),
        html.Div(className="console-form", children=[
            html.Label("Cảnh báo / Alert"),
            dcc.Dropdown(id="console-alert", options=_options(rows), value=None),
            html.Label("Ghi chú / Note"),
            dcc.Input(id="console-alert-note", type="text", value="", maxLength=2000,
                      className="form-control"),
            html.Label("Giao cho cơ quan / Assign to"),
            dcc.Dropdown(id="console-alert-agency", options=agencies, value=None),
            html.Div(className="console-buttons", children=[
                html.Button("Tiếp nhận / Acknowledge", id="console-alert-ack",
                            className="btn btn-warning"),
                html.Button("Giao / Assign", id="console-alert-assign",
                            className="btn btn-primary"),
                html.Button("Đóng / Resolve", id="console-alert-resolve",
                            className="btn btn-success"),
            ]),
            html.Div(id="console-alert-message", className="console-message"),
        ]),
    ])


def register_alert_console(app: Dash, settings: WallSettings, store: Store) -> None:
    """Attach the alert actions and the list's refresh (interaction only)."""
    guard = Guard(settings.catalogue)
    buttons = {"console-alert-ack": "ack", "console-alert-assign": "assign",
               "console-alert-resolve": "resolve"}

    @app.callback(Output("console-alerts-list", "children"), Output("console-alert", "options"),
                  Output("console-alert-message", "children"),
                  Input("console-alerts-tick", "n_intervals"),
                  *[Input(b, "n_clicks") for b in buttons],
                  State("console-alert", "value"), State("console-alert-note", "value"),
                  State("console-alert-agency", "value"), prevent_initial_call=True)
    def _alerts(_tick: Any, _ack: Any, _assign: Any, _resolve: Any, alert_id: str | None,
                note: str | None, agency: str | None) -> Any:
        from dash import ctx
        from flask import request

        from wall.auth import current

        p = current()
        clearance = p.clearance if p else "public"
        message: Any = no_update
        action = buttons.get(str(ctx.triggered_id))
        if action:
            visible = {a["id"] for a in _visible(store, guard, clearance)}
            if not alert_id or alert_id not in visible:
                message = "Chọn một cảnh báo / choose an alert"
            else:
                try:
                    act(store, alert_id, action, p.who if p else "?", request.remote_addr or "",
                        note or "", agency or "")
                    message = f"Đã {dict(ack='tiếp nhận', assign='giao', resolve='đóng')[action]}" \
                              f" cảnh báo {alert_id}"
                except AlertActionError as exc:
                    message = f"Lỗi / error: {exc}"
        rows = _visible(store, guard, clearance)
        return _table(rows), _options(rows), message
