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


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def trend_tile(catalogue: Catalogue, tile_id: str, title_vi: str, title_en: str,
               series: list[SeriesRef], names: list[str] | None = None) -> html.Div:
    """Return a trend chart whose traces wall.js fills from the snapshot and extends live."""
    fig = go.Figure()
    config = []
    for n, ref in enumerate(series):
        ind = catalogue.get(ref.indicator)
        if ind is None:
            raise KeyError(f"trend names indicator {ref.indicator!r}, not in the catalogue")
        fig.add_scatter(x=[], y=[], mode="lines",
                        name=names[n] if names else ind.short_vi or ind.name_vi,
                        line={"width": 5, "color": SERIES_COLOURS[n % len(SERIES_COLOURS)]})
        config.append({"key": series_key(ref.indicator, ref.area, dict(ref.dims)),
                       "indicator": ref.indicator, "area": ref.area, "dims": dict(ref.dims),
                       "display": ind.display.model_dump()})
    # the first series' forecast (wall.js fills it from /api/v1/forecast): 95 % and 80 % bands,
    # then the dashed mean, labelled "dự báo" where it starts
    colour = SERIES_COLOURS[0]
    for name, alpha in (("fc95", 0.12), ("fc80", 0.22)):
        fig.add_scatter(x=[], y=[], mode="lines", fill="toself", name=name, showlegend=False,
                        line={"width": 0}, fillcolor=_rgba(colour, alpha))
    fig.add_scatter(x=[], y=[], mode="lines+text", name="dự báo", showlegend=False,
                    line={"width": 4, "dash": "dash", "color": colour},
                    textposition="top center", textfont={"size": 24, "color": colour})
    first = catalogue.get(series[0].indicator)
    assert first is not None
    d = first.display
    for year in sorted({t.year for t in first.targets if t.assignee == "VN"}):
        target = first.target_for(year)  # the one in force, where a later one revised it
        assert target is not None
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
    return html.Div(className="trend-tile", **{"data-series": json.dumps(config),
                                               "data-forecast-traces": str(len(series))},
                    children=[
        tile_head(title_vi, title_en),
        dcc.Graph(id=tile_id, figure=fig, className="trend-graph",
                  config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                  style={"height": "100%", "width": "100%"}),
    ])
