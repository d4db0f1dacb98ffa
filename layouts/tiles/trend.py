"""Trend tile: one or more series over time, each year's National Assembly target in its year."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from dash import dcc, html

from layouts.registry import SeriesRef
from layouts.tiles.chrome import target_label, tile_head
from layouts.tiles.theme import FONT, GRID, INK, MUTED, SERIES_COLOURS, TARGET
from wall.config import Catalogue
from wall.observation import series_key

__all__ = ["trend_tile"]


def trend_tile(catalogue: Catalogue, tile_id: str, title_vi: str, title_en: str,
               series: list[SeriesRef]) -> html.Div:
    """Return a trend chart whose traces wall.js fills from the snapshot and extends live."""
    fig = go.Figure()
    config = []
    for n, ref in enumerate(series):
        ind = catalogue.get(ref.indicator)
        if ind is None:
            raise KeyError(f"trend names indicator {ref.indicator!r}, not in the catalogue")
        fig.add_scatter(x=[], y=[], mode="lines", name=ind.short_vi or ind.name_vi,
                        line={"width": 5, "color": SERIES_COLOURS[n % len(SERIES_COLOURS)]})
        config.append({"key": series_key(ref.indicator, ref.area, dict(ref.dims)),
                       "display": ind.display.model_dump()})
    first = catalogue.get(series[0].indicator)
    assert first is not None
    d = first.display
    for target in sorted((t for t in first.targets if t.assignee == "VN"), key=lambda t: t.year):
        # a target is drawn across its own year only, and only once the data reaches that year
        # (wall.js shows it then): never compared with the values of other years
        low = target.low * d.scale + d.offset
        high = (target.high if target.high is not None else target.low) * d.scale + d.offset
        fig.add_shape(type="rect", xref="x", yref="y", x0=f"{target.year}-01-01",
                      x1=f"{target.year}-12-31", y0=low, y1=high, fillcolor=TARGET,
                      opacity=0.28, line_width=0, layer="below", visible=False,
                      name=f"target-{target.year}")
        fig.add_annotation(
            xref="x", x=f"{target.year}-01-01", y=high, yanchor="bottom", xanchor="left",
            showarrow=False, visible=False, name=f"target-{target.year}",
            text=f"MT {target.year}: {target_label(target, d)}",
            font={"size": 26, "color": TARGET},
        )
    fig.update_layout(
        template=None, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 24, "color": INK}, margin={"l": 90, "r": 30, "t": 20,
                                                                  "b": 60},
        separators=",.", showlegend=len(series) > 1,
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom",
                "font": {"size": 24}},
        xaxis={"gridcolor": GRID, "color": MUTED, "type": "date",
               "nticks": 6, "tickangle": 0},
        yaxis={"gridcolor": GRID, "color": MUTED, "zerolinecolor": GRID},
        hovermode=False,
    )
    return html.Div(className="trend-tile", **{"data-series": json.dumps(config)}, children=[
        tile_head(title_vi, title_en),
        dcc.Graph(id=tile_id, figure=fig, className="trend-graph",
                  config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                  style={"height": "100%", "width": "100%"}),
    ])
