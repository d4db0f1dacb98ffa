"""Map tile: the 34 provinces (or the 63 of 2008–2025) with Hoàng Sa and Trường Sa, coloured by
one indicator.

Drawn as filled SVG polygons on a lon/lat plane: no tile server, no WebGL, nothing fetched.
The geometry is sent once with the page; wall.js only recolours provinces as values arrive.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import geopandas as gpd
import plotly.graph_objects as go
from dash import dcc, html
from shapely.geometry.base import BaseGeometry

from layouts.tiles.chrome import tile_head
from layouts.tiles.theme import BORDER, FONT, INK, ISLAND_LABEL, ISLANDS, NO_DATA
from wall.config import Catalogue
from wall.geo import ATTRIBUTION_VI, GEO_DIR, area_63

__all__ = ["map_tile", "province_outlines"]

SIMPLIFY_DEG = 0.008  # ≈ 1 px at a 4K wall's national zoom
LAT_MID = 16.0
# Boundary editions: the 34 units since 1 July 2025 (areas "01"…), the 63 provinces of
# 2008 – 30 June 2025 (areas "63-01"…, see wall.geo.area_63). Same source and treatment.
EDITIONS = {"34": "vn_provinces_34_2025.geojson", "63": "vn_provinces_63_2008-2025.geojson"}


def _rings(geom: BaseGeometry) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            cx, cy = ring.coords.xy
            xs += [round(v, 4) for v in cx] + [None]
            ys += [round(v, 4) for v in cy] + [None]
    return xs, ys


@lru_cache(maxsize=2)
def province_outlines(edition: str = "34") -> list[dict[str, Any]]:
    """Return an edition's provinces as simplified rings: code, area, names, xs, ys, label."""
    gdf = gpd.read_file(GEO_DIR / EDITIONS[edition])
    gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    out = []
    for row in gdf.itertuples():
        xs, ys = _rings(row.geometry)
        mainland = max(getattr(row.geometry, "geoms", [row.geometry]), key=lambda g: g.area)
        pt = mainland.representative_point()
        area = area_63(row.code) if edition == "63" else row.code
        out.append({"code": row.code, "area": area, "name_vi": row.name_vi,
                    "name_en": row.name_en, "xs": xs, "ys": ys, "label": (pt.x, pt.y)})
    return sorted(out, key=lambda p: p["code"])


@lru_cache(maxsize=1)
def _archipelagos() -> tuple[list[float | None], list[float | None], list[dict[str, Any]]]:
    gdf = gpd.read_file(GEO_DIR / "vn_archipelagos.geojson")
    xs: list[float | None] = []
    ys: list[float | None] = []
    labels = []
    for row in gdf.itertuples():
        if row.role == "islands":
            # tiny islets: draw each as its hull so they stay visible at national zoom
            for part in getattr(row.geometry, "geoms", [row.geometry]):
                hx, hy = _rings(part.convex_hull.buffer(0.03))
                xs += hx
                ys += hy
        else:
            west, south, east, north = (float(v) for v in row.bbox)
            labels.append({"x": (west + east) / 2, "top": north, "bottom": south,
                           "text": row.label_vi, "owner": row.province_code})
    return xs, ys, labels


POI_STYLE = {"border_gate_road": ("Cửa khẩu", "#ff8a65", "diamond"),
             "airport": ("Sân bay", "#4fc3f7", "triangle-up"),
             "seaport": ("Cảng biển", "#aed581", "square"),
             "dam": ("Đập thủy điện", "#ba68c8", "circle")}


@lru_cache(maxsize=1)
def points_of_interest() -> list[dict[str, str]]:
    """Return border gates, airports, seaports and dams (assets/geo/vn_poi.csv)."""
    import csv

    with (GEO_DIR / "vn_poi.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _overlays(fig: go.Figure, layers: tuple[str, ...], tracks: list[dict[str, Any]]) -> None:
    for t in tracks:
        fig.add_scatter(x=t["lon"], y=t["lat"], mode="lines+markers", name=t["name"],
                        line={"color": t.get("color", "#ff5252"), "width": 4},
                        marker={"size": 9}, hoverinfo="skip", showlegend=False)
        fig.add_annotation(x=t["lon"][-1], y=t["lat"][-1], text=t["name"], showarrow=False,
                           xanchor="left", font={"size": 22, "color": t.get("color",
                                                                             "#ff5252")})
    for kind in layers:
        label, colour, symbol = POI_STYLE[kind]
        pts = [p for p in points_of_interest() if p["kind"] == kind]
        fig.add_scatter(x=[float(p["lon"]) for p in pts], y=[float(p["lat"]) for p in pts],
                        mode="markers", name=label, hoverinfo="skip", showlegend=True,
                        marker={"size": 22, "color": colour, "symbol": symbol,
                                "line": {"color": "#07111c", "width": 2}})


_FIGURES: dict[tuple[Any, ...], dict[str, Any]] = {}


def map_figure_json(catalogue: Catalogue, indicator: str, layers: tuple[str, ...] = (),
                    tracks: list[dict[str, Any]] | None = None,
                    highlight: str | None = None, edition: str = "34") -> dict[str, Any]:
    """Return the map figure as plain JSON, built once per distinct map and reused."""
    key = (indicator, layers, tuple(t["name"] for t in tracks or []), highlight, edition)
    if key not in _FIGURES:
        _FIGURES[key] = map_figure(catalogue, indicator, layers, tracks,
                                   highlight, edition).to_plotly_json()
    return _FIGURES[key]


def map_figure(catalogue: Catalogue, indicator: str, layers: tuple[str, ...] = (),
               tracks: list[dict[str, Any]] | None = None,
               highlight: str | None = None, edition: str = "34") -> go.Figure:
    """Return the province map: provinces in the no-data colour, overlays on top.

    `highlight` is an area of the edition drawn ("79", or "63-79" on the 63 edition).
    """
    fig = go.Figure()
    outlines = province_outlines(edition)
    for p in outlines:
        lit = p["area"] == highlight
        fig.add_scatter(x=p["xs"], y=p["ys"], mode="lines", fill="toself", fillcolor=NO_DATA,
                        line={"color": "#f2c14e" if lit else BORDER, "width": 5 if lit else 1.2},
                        hoverinfo="skip", name=p["area"], meta={"area": p["area"]},
                        showlegend=False)
    ax, ay, labels = _archipelagos()
    fig.add_scatter(x=ax, y=ay, mode="lines", fill="toself", fillcolor=ISLANDS,
                    line={"color": ISLANDS, "width": 2}, hoverinfo="skip", showlegend=False,
                    name="archipelagos")
    owners = {p["code"]: p["name_vi"] for p in outlines}
    for lab in labels:
        fig.add_annotation(x=lab["x"], y=lab["top"], yanchor="bottom", showarrow=False,
                           text=f"<b>{lab['text']}</b>", font={"size": 30, "color": ISLAND_LABEL})
        fig.add_annotation(x=lab["x"], y=lab["bottom"], yanchor="top", showarrow=False,
                           text=f"({owners.get(lab['owner'], '')})",
                           font={"size": 22, "color": INK})
    _overlays(fig, layers, tracks or [])
    aspect = 1 / math.cos(math.radians(LAT_MID))
    fig.update_layout(
        template=None, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": FONT, "color": INK},
        xaxis={"visible": False, "range": [101.9, 117.6], "fixedrange": True},
        yaxis={"visible": False, "range": [8.2, 23.6], "scaleanchor": "x",
               "scaleratio": aspect, "fixedrange": True},
        hovermode=False, showlegend=bool(layers),
        legend={"x": 0.99, "xanchor": "right", "y": 0.99, "font": {"size": 24, "color": INK},
                "bgcolor": "rgba(7,17,28,0.7)"},
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
            dcc.Graph(id=tile_id, figure=map_figure_json(catalogue, indicator, layers, tracks,
                                                         highlight, edition),
                      className="map-graph",
                      config={"displayModeBar": False, "staticPlot": True, "responsive": True},
                      style={"height": "100%", "width": "100%"}),
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
