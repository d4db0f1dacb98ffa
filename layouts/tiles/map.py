"""Map tile: the 34 provinces (or the 63 of 2008–2025) with Hoàng Sa and Trường Sa, coloured by
one indicator.

Drawn as plain SVG on a lon/lat plane (`map_svg`): no tile server, no WebGL, nothing fetched.
The geometry is sent once with the page; wall.js only recolours provinces as values arrive.
`map_figure` is the same map as a Plotly figure, for the meeting table, where a province is
pressed to open it on a screen.
"""

from __future__ import annotations

import json
import math
from typing import Any

import plotly.graph_objects as go
from dash import html

from layouts.tiles.chrome import tile_head
from layouts.tiles.map_geometry import (
    EDITIONS,
    EXTENT,
    LAT_MID,
    archipelagos,
    province_outlines,
)
from layouts.tiles.map_svg import map_svg
from layouts.tiles.theme import BORDER, FONT, INK, ISLAND_LABEL, ISLANDS, NO_DATA
from wall.config import Catalogue
from wall.geo import ATTRIBUTION_VI

__all__ = ["map_figure", "map_tile"]


def map_figure(edition: str = "34") -> go.Figure:
    """Return the province map as a Plotly figure: a trace per province (`meta.area`) in the
    no-data colour, Hoàng Sa and Trường Sa with their names."""
    fig = go.Figure()
    outlines = province_outlines(edition)
    for p in outlines:
        fig.add_scatter(x=p["xs"], y=p["ys"], mode="lines", fill="toself", fillcolor=NO_DATA,
                        line={"color": BORDER, "width": 1.2}, hoverinfo="skip", name=p["area"],
                        meta={"area": p["area"]}, showlegend=False)
    ax, ay, labels = archipelagos()
    fig.add_scatter(x=ax, y=ay, mode="lines", fill="toself", fillcolor=ISLANDS,
                    line={"color": ISLANDS, "width": 2}, hoverinfo="skip", showlegend=False,
                    name="archipelagos")
    for lab in labels:
        fig.add_annotation(x=lab["x"], y=lab["top"], yanchor="bottom", showarrow=False,
                           text=f"<b>{lab['text']}</b>", font={"size": 30, "color": ISLAND_LABEL})
        fig.add_annotation(x=lab["x"], y=lab["bottom"], yanchor="top", showarrow=False,
                           text=f"({lab['owner_vi']})",
                           font={"size": 22, "color": INK})
    aspect = 1 / math.cos(math.radians(LAT_MID))
    fig.update_layout(
        template=None, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": FONT, "color": INK},
        xaxis={"visible": False, "range": [EXTENT[0], EXTENT[2]], "fixedrange": True},
        yaxis={"visible": False, "range": [EXTENT[1], EXTENT[3]], "scaleanchor": "x",
               "scaleratio": aspect, "fixedrange": True},
        hovermode=False, showlegend=False,
    )
    return fig


def map_tile(catalogue: Catalogue, tile_id: str, indicator: str, layers: tuple[str, ...] = (),
             tracks: list[dict[str, Any]] | None = None, highlight: str | None = None,
             title: tuple[str, str] | None = None, edition: str = "34") -> html.Div:
    """Return the map tile: title, map, colour legend and the attribution line.

    `edition` "63" draws the 63 provinces of 2008 – June 2025, coloured by the values stored
    under areas "63-<code>"; the default draws the 34 units of 2025.
    """
    if edition not in EDITIONS:
        raise KeyError(f"map edition {edition!r} is not one of {', '.join(EDITIONS)}")
    ind = catalogue.get(indicator)
    if ind is None:
        raise KeyError(f"map names indicator {indicator!r}, which is not in the catalogue")
    return html.Div(
        className="map-tile",
        **{"data-indicator": indicator, "data-display": json.dumps(ind.display.model_dump()),
           "data-edition": edition},
        children=[
            tile_head(*(title or (ind.short_vi or ind.name_vi, ind.short_en or ind.name_en)),
                      html.Span("", className="map-period")),
            # wall.js puts the markup in place (Dash has no raw-SVG component)
            html.Div(id=tile_id, className="map-graph",
                     **{"data-svg": map_svg(layers, tracks or (), highlight, edition)}),
            html.Div(className="map-legend", children=[
                html.Span("", className="legend-min"),
                html.Span(className="legend-bar"),
                html.Span("", className="legend-max"),
                html.Span(f"{ind.display.unit_vi or ind.unit}", className="legend-unit"),
                html.Span("Xám: chưa đủ số liệu", className="legend-nodata"),
            ]),
            html.Div(ATTRIBUTION_VI, className="map-attribution"),
        ],
    )
