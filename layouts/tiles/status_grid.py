"""Status grid: one cell per camera, bridge point or system, coloured by its status value.

Cells are keyed by series (indicator, area, dims); wall.js recolours a cell when its status
observation arrives (2 online, 1 degraded, 0 offline) and refreshes a camera's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import html

from layouts.tiles.chrome import tile_head
from wall.observation import series_key

__all__ = ["Cell", "status_grid"]


@dataclass(frozen=True)
class Cell:
    """One cell: the status series it shows and its label."""

    indicator: str
    area: str
    dims: tuple[tuple[str, str], ...]
    label: str
    snapshot: str = ""


def status_grid(title_vi: str, title_en: str, cells: list[Cell], columns: int = 8,
                grid_id: str = "") -> html.Div:
    """Return the grid; offline cells are unmissable (red, blinking border)."""
    items = []
    for c in cells:
        body = [html.Div(c.label, className="cell-label"),
                html.Div("—", className="cell-state")]
        if c.snapshot:
            body.insert(0, html.Img(className="cell-snapshot", alt="",
                                    **{"data-src": c.snapshot}))
        items.append(html.Div(body, className="status-cell is-unknown",
                              **{"data-key": series_key(c.indicator, c.area, dict(c.dims))}))
    extra = {"id": grid_id} if grid_id else {}
    return html.Div(className="status-tile", **extra, children=[
        tile_head(title_vi, title_en, html.Span("", className="status-summary")),
        html.Div(items, className="status-cells",
                 style={"gridTemplateColumns": f"repeat({columns}, 1fr)"}),
    ])
