"""Screen chrome: header with title, clock and connection state; footer with provenance."""

from __future__ import annotations

from dash import html

__all__ = ["screen_frame", "tile_head"]


def screen_frame(panel_id: str, title_vi: str, title_en: str, body: list[html.Div],
                 footer: str, screen_id: str | None = None) -> html.Div:
    """Wrap a panel's body in the wall's header and footer; the root carries data-panel."""
    attrs = {"data-panel": panel_id}
    if screen_id:
        attrs["data-screen"] = screen_id
    return html.Div(id="screen-root", className="screen", **attrs, children=[
        html.Header(className="screen-header", children=[
            html.Div(className="screen-titles", children=[
                html.Span(title_vi, className="screen-title"),
                html.Span(title_en, className="screen-title-en"),
            ]),
            html.Div(className="screen-status", children=[
                html.Span("ĐANG KẾT NỐI…", id="conn-status", className="conn conn-wait"),
                html.Span("", id="wall-clock", className="wall-clock"),
            ]),
        ]),
        html.Main(className="screen-body", children=body),
        html.Footer(footer, className="screen-footer"),
    ])


def tile_head(title_vi: str, title_en: str, *extra: html.Span) -> html.Div:
    """Return a tile's heading: Vietnamese title over the English one, extras on the right."""
    return html.Div(className="tile-head", children=[
        html.Div(className="tile-titles", children=[
            html.Span(title_vi, className="tile-title"),
            html.Span(title_en, className="tile-title-en"),
        ]),
        *extra,
    ])
