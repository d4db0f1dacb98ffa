"""Target progress card: the target, the figure so far, the year-end projection with its 80 %
interval, the probability of meeting it and a status colour, on one scale drawn to size."""

from __future__ import annotations

import math
from typing import Any

from dash import html

from wall.analysis.targets import TargetProgress
from wall.locale import format_number

__all__ = ["STATUS_VI", "target_card", "target_text"]

STATUS_VI = {"on_track": ("ĐÚNG HƯỚNG", "on track"), "at_risk": ("CÓ RỦI RO", "at risk"),
             "off_track": ("CHỆCH HƯỚNG", "off track"), "achieved": ("ĐÃ ĐẠT", "achieved"),
             "missed": ("KHÔNG ĐẠT", "missed"), "no_data": ("CHƯA CÓ SỐ LIỆU", "no data")}


def _num(v: float, unit: str, exact: bool = False) -> str:
    """A figure in vi-VN; `exact` (a target as written) keeps only the decimals it has."""
    if exact:
        decimals = 1 if v == round(v, 1) else 2
        decimals = 0 if abs(v) >= 1000 else decimals
    else:
        decimals = 0 if abs(v) >= 1000 else (1 if abs(v) >= 100 else 2)
    return format_number(v, decimals) + ("" if unit == "" else " ") + unit


def target_text(row: dict[str, Any]) -> str:
    """The target as the plan states it, e.g. `6,0–6,5 %`, `≥ 8,00 %`, `~4,50 %`."""
    low, high, unit = row["low"], row["high"], row["unit"]
    if row["kind"] == "at_least":
        return "≥ " + _num(low, unit, True)
    if row["kind"] == "at_most":
        return "≤ " + _num(high, unit, True)
    sign = "khoảng " if row["kind"] == "about" else ""
    if high is None or low is None or high == low:
        return sign + _num(low if low is not None else high, unit, True)
    return f"{sign}{_num(low, '', True)}–{_num(high, unit, True)}"


def _scale(row: dict[str, Any]) -> html.Div | None:
    """Target band, 80 % interval and projection on one axis (positions in percent)."""
    proj = row["projection"]
    if not proj:
        return None
    marks = [v for v in (row["low"], row["high"], proj["lo80"], proj["hi80"], proj["mean"],
                         (row["latest"] or {}).get("value")) if v is not None and math.isfinite(v)]
    lo, hi = min(marks), max(marks)
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad

    def at(v: float) -> str:
        return f"{(v - lo) / (hi - lo) * 100:.2f}%"

    def span(a: float, b: float) -> dict[str, str]:
        return {"left": at(min(a, b)), "width": f"{abs(b - a) / (hi - lo) * 100:.2f}%"}

    t_lo = row["low"] if row["low"] is not None else lo
    t_hi = row["high"] if row["high"] is not None else hi
    parts = [html.Div(className="tscale-target", style=span(t_lo, t_hi)),
             html.Div(className="tscale-band", style=span(proj["lo80"], proj["hi80"])),
             html.Div(className="tscale-mean", style={"left": at(proj["mean"])})]
    return html.Div(parts, className="tscale")


def target_card(p: TargetProgress, lang: str = "vi") -> html.Div:
    """One target's card (data-status, data-probability for the wall and its tests)."""
    row = p.to_api()
    status_vi, status_en = STATUS_VI[row["status"]]
    unit = row["unit"]
    lines: list[Any] = [html.Div([html.Span("Mục tiêu / target ", className="tline-label"),
                                  html.Span(target_text(row), className="tline-value")],
                                 className="tline")]
    if row["latest"]:
        lines.append(html.Div([html.Span(f"Đến {_period(row['latest']['period'])} ",
                                         className="tline-label"),
                                html.Span(_num(row["latest"]["value"], unit),
                                          className="tline-value")], className="tline"))
    proj = row["projection"]
    if proj:
        lines.append(html.Div([
            html.Span("Dự báo cả năm / year-end ", className="tline-label"),
            html.Span(_num(proj["mean"], unit), className="tline-value"),
            html.Span(f" (80 %: {_num(proj['lo80'], '')}–{_num(proj['hi80'], unit)})",
                      className="tline-interval")], className="tline"))
    if row["needed_rest_of_year"] is not None:
        lines.append(html.Div([
            html.Span("Cần cho phần còn lại / needed for the rest ", className="tline-label"),
            html.Span(f"≥ {_num(row['needed_rest_of_year'], unit)}", className="tline-value"),
            html.Span(" so cùng kỳ", className="tline-interval")], className="tline"))
    if not proj and not row["latest"]:
        lines.append(html.Div(
            "Chưa có nguồn báo cáo chỉ tiêu này / no source reports it yet"
            if not p.target.measure else
            f"Chưa có số liệu năm {row['year']} / no {row['year']} data yet",
            className="tline tline-label"))
    if row["probability"] is not None:
        lines.append(html.Div([html.Span("Khả năng đạt / probability ", className="tline-label"),
                               html.Span(f"{row['probability'] * 100:.0f} %",
                                         className="tline-value")], className="tline"))
    badges = [html.Span(status_vi if lang != "en" else status_en.upper(),
                        className=f"tstatus tstatus-{row['status']}")]
    if row["example"]:
        badges.append(html.Span("VÍ DỤ", className="tbadge-example",
                                title="Không phải chỉ tiêu được giao / example only"))
    who = "" if row["assignee"] == "VN" else f"{row['assignee_vi']}: "
    return html.Div(className=f"target-card tcard-{row['status']}", **{
        "data-target": row["target"], "data-status": row["status"],
        "data-indicator": row["indicator"],
        "data-probability": "" if row["probability"] is None else str(row["probability"]),
        "data-example": "1" if row["example"] else "0"}, children=[
        html.Div([html.Div([html.Span(who + row["name_vi"], className="tcard-title"),
                            html.Span(row["name_en"], className="tcard-title-en")],
                           className="tcard-titles"),
                  html.Div(badges, className="tcard-badges")], className="tcard-head"),
        html.Div(lines, className="tcard-lines"),
        _scale(row),
        html.Div(_source(row), className="tcard-source"),
    ])


def _period(period: str) -> str:
    if "-Q" in period:
        return f"quý {period[-1]}/{period[:4]}"
    if len(period) == 7:
        return f"tháng {int(period[5:7])}/{period[:4]}"
    return f"năm {period}"


def _source(row: dict[str, Any]) -> str:
    text = row["instrument"]
    if row["superseded_by"]:
        text = f"Đã điều chỉnh ({row['superseded_by']}) · " + text
    if row["note"]:
        text += f" · {row['note']}"
    return text
