"""Screen chrome: header with title, mode, clock and connection state; footer with provenance.

The root says whether the data is live or a replay (`data-mode`, and PHÁT LẠI with the month the
replay has reached), which room the screen joins (`data-room`) and, for paged panels, the page.
"""

from __future__ import annotations

import json
from typing import Any

from dash import html

from wall.config import Display, Target
from wall.locale import format_number
from wall.report_status import replay_month

__all__ = ["screen_frame", "target_label", "tile_head"]


def target_label(target: Target, d: Display) -> str:
    """Return a target as the tile shows it, e.g. `4,0–4,5%` (display transform applied)."""
    low = format_number(target.low * d.scale + d.offset, 1)
    sign = {"at_least": "≥ ", "at_most": "≤ ", "about": "~"}.get(target.kind, "")
    if target.kind == "at_most" and target.high is not None:
        return f"{sign}{format_number(target.high * d.scale + d.offset, 1)}{d.unit_vi}"
    if target.high is None or target.high == target.low:
        return f"{sign}{low}{d.unit_vi}"
    return f"{sign}{low}–{format_number(target.high * d.scale + d.offset, 1)}{d.unit_vi}"


MONTH_VI = "Tháng {m}/{y}"


def _mode_badge(month: str, lang: str) -> html.Span:
    if not month:
        return html.Span("", id="mode-badge", className="mode-badge mode-live")
    y, m = month[:4], str(int(month[5:7]))
    text = (f"PHÁT LẠI · số liệu đến {MONTH_VI.format(m=m, y=y)}" if lang != "en"
            else f"REPLAY · data to {m}/{y}")
    return html.Span(text, id="mode-badge", className="mode-badge mode-replay")


def screen_frame(ctx: Any, panel_id: str, title_vi: str, title_en: str,
                 body: list[html.Div], footer: str,
                 pager: dict[str, Any] | None = None, room: str = "") -> html.Div:
    """Wrap a panel's body in the wall's header and footer; the root carries data-panel."""
    month = replay_month(ctx.store)  # "" without a store: nothing says it replays
    page = int(pager["page"]) if pager else 1
    attrs = {"data-panel": panel_id, "data-lang": ctx.lang,
             "data-room": room or (panel_id if page <= 1 else f"{panel_id}#{page}"),
             "data-mode": "replay" if month else "live", "data-asof": month,
             "data-simulated-sources": json.dumps(sorted(ctx.settings.simulated_sources()))}
    extra: list[Any] = []
    if pager and pager["pages"] > 1:
        attrs.update({"data-pages": str(pager["pages"]), "data-page": str(page),
                      "data-rotate": "1" if pager["rotate"] else "0",
                      "data-rotate-seconds": str(pager["seconds"])})
        extra.append(html.Span(f"Trang {page}/{pager['pages']}" if ctx.lang != "en"
                               else f"Page {page}/{pager['pages']}", className="page-badge"))
    if ctx.screen_id:
        attrs["data-screen"] = ctx.screen_id
        spec = next((s for s in ctx.settings.wall.screens if s.id == ctx.screen_id), None)
        if spec is not None:
            attrs["style"] = {"--scale": str(spec.scale)}
    if ctx.lang == "en":
        title_vi, title_en = title_en, title_vi
    style = attrs.pop("style", None)
    return html.Div(id="screen-root", className="screen", style=style, **attrs, children=[
        html.Header(className="screen-header", children=[
            html.Div(className="screen-titles", children=[
                html.Span(title_vi, className="screen-title"),
                html.Span(title_en, className="screen-title-en"),
            ]),
            html.Div(className="screen-status", children=[
                *extra,
                _mode_badge(month, ctx.lang),
                html.Span("ĐANG KẾT NỐI…", id="conn-status", className="conn conn-wait"),
                html.Span("", id="wall-clock", className="wall-clock"),
            ]),
        ]),
        html.Main(className="screen-body", children=body),
        html.Div(id="alert-ticker", className="alert-ticker"),  # wall.js: open alerts
        html.Footer(footer, className="screen-footer"),
    ])


def tile_head(title_vi: str, title_en: str, *extra: html.Span,
              beside_en: html.Span | None = None) -> html.Div:
    """Return a tile's heading: Vietnamese title over the English one, extras on the right."""
    english = html.Span(title_en, className="tile-title-en")
    return html.Div(className="tile-head", children=[
        html.Div(className="tile-titles", children=[
            html.Span(title_vi, className="tile-title"),
            html.Div([english, beside_en], className="tile-subrow") if beside_en else english,
        ]),
        *extra,
    ])
