"""The wall's province map as one plain SVG document, built once per distinct map.

A Plotly figure of 35 filled traces took 0.4–0.9 s of a 4K screen's main thread to draw (measured
in Chromium); the same shapes as SVG paths are laid out by the browser in a few milliseconds and
wall.js recolours them by their `data-area`. Coordinates are lon/lat on a plane with x stretched
by 1/cos(16°), in integer units of 1/200 degree (≈ 0.5 px on a 4K screen's full-height map), each
ring written as relative steps. Sizes of text and markers are in the same units, so they scale
with the map; strokes keep their width in screen pixels (`vector-effect`, in wall.css).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import Any

from layouts.tiles.map_geometry import (
    EXTENT,
    LAT_MID,
    POI_STYLE,
    archipelagos,
    points_of_interest,
    province_outlines,
)
from layouts.tiles.theme import BORDER, INK, ISLAND_LABEL, ISLANDS, NO_DATA

__all__ = ["HIGHLIGHT", "map_svg"]

UNITS_PER_DEG = 200
HIGHLIGHT = "#f2c14e"
_ASPECT = 1 / math.cos(math.radians(LAT_MID))
_WEST, _SOUTH, _EAST, _NORTH = EXTENT
WIDTH = round((_EAST - _WEST) * UNITS_PER_DEG)
HEIGHT = round((_NORTH - _SOUTH) * UNITS_PER_DEG * _ASPECT)
MARKER = 40          # half the size of a point-of-interest marker
LABEL = 150          # an archipelago's name
SMALL = 100          # its owning province, a storm's name, the layers' key


def _xy(lon: float, lat: float) -> tuple[int, int]:
    return round((lon - _WEST) * UNITS_PER_DEG), round((_NORTH - lat) * UNITS_PER_DEG * _ASPECT)


def _path(xs: Sequence[float | None], ys: Sequence[float | None]) -> str:
    """Rings separated by None as one path: each ring a move, relative steps, and a close."""
    rings: list[list[tuple[int, int]]] = [[]]
    for lon, lat in zip(xs, ys, strict=True):
        if lon is None or lat is None:
            rings.append([])
        else:
            rings[-1].append(_xy(lon, lat))
    out = []
    for ring in filter(None, rings):
        steps = [f"{x - px} {y - py}" for (px, py), (x, y) in zip(ring, ring[1:], strict=False)
                 if (x, y) != (px, py)]
        out.append(f"M{ring[0][0]} {ring[0][1]}" + ("l" + " ".join(steps) if steps else "") + "z")
    return "".join(out)


def _text(x: int, y: int, text: str, size: int, colour: str, *, anchor: str = "middle",
          baseline: str = "auto", bold: bool = False) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{colour}" text-anchor="{anchor}" '
            f'dominant-baseline="{baseline}"{weight}>{escape(text)}</text>')


def _marker(symbol: str, x: int, y: int, colour: str, r: int = MARKER) -> str:
    edge = f' fill="{colour}" stroke="#07111c" stroke-width="2"'
    if symbol == "circle":
        return f'<circle cx="{x}" cy="{y}" r="{r}"{edge}/>'
    if symbol == "square":
        return f'<rect x="{x - r}" y="{y - r}" width="{2 * r}" height="{2 * r}"{edge}/>'
    if symbol == "triangle-up":
        return f'<path d="M{x} {y - r}l{r} {2 * r}h{-2 * r}z"{edge}/>'
    return f'<path d="M{x} {y - r}l{r} {r}l{-r} {r}l{-r} {-r}z"{edge}/>'  # diamond


def _islands() -> list[str]:
    xs, ys, labels = archipelagos()
    out = [f'<path class="map-islands" d="{_path(xs, ys)}" fill="{ISLANDS}" stroke="{ISLANDS}" '
           'stroke-width="2"/>']
    for lab in labels:
        x, top = _xy(lab["x"], lab["top"])
        _, bottom = _xy(lab["x"], lab["bottom"])
        out.append(_text(x, top - 20, lab["text"], LABEL, ISLAND_LABEL, bold=True))
        out.append(_text(x, bottom + 20, f"({lab['owner_vi']})", SMALL, INK,
                         baseline="hanging"))
    return out


def _tracks(tracks: Sequence[dict[str, Any]]) -> list[str]:
    out = []
    for t in tracks:
        pts = [_xy(lon, lat) for lon, lat in zip(t["lon"], t["lat"], strict=True)]
        colour = t.get("color", "#ff5252")
        line = " ".join(f"{x},{y}" for x, y in pts)
        out.append(f'<g class="map-track" fill="{colour}"><polyline points="{line}" fill="none" '
                   f'stroke="{colour}" stroke-width="4"/>'
                   + "".join(f'<circle cx="{x}" cy="{y}" r="14"/>' for x, y in pts)
                   + _text(pts[-1][0] + 30, pts[-1][1], t["name"], SMALL, colour,
                           anchor="start", baseline="middle") + "</g>")
    return out


def _layers(layers: Sequence[str]) -> list[str]:
    out, key = [], []
    row = 3 * SMALL // 2
    for n, kind in enumerate(layers):
        label, colour, symbol = POI_STYLE[kind]
        marks = "".join(_marker(symbol, *_xy(float(p["lon"]), float(p["lat"])), colour)
                        for p in points_of_interest() if p["kind"] == kind)
        out.append(f'<g class="map-layer" data-layer="{kind}">{marks}</g>')
        y = 40 + row * n + row // 2
        key.append(_marker(symbol, WIDTH - 8 * SMALL, y, colour)
                   + _text(WIDTH - 7 * SMALL, y, label, SMALL, INK, anchor="start",
                           baseline="middle"))
    if key:
        out.append(f'<g class="map-key"><rect x="{WIDTH - 9 * SMALL}" y="20" '
                   f'width="{9 * SMALL - 20}" height="{row * len(key) + 40}" rx="16" '
                   'fill="rgba(7,17,28,0.7)"/>' + "".join(key) + "</g>")
    return out


@lru_cache(maxsize=32)
def _cached(layers: tuple[str, ...], tracks: tuple[tuple[str, str, tuple[float, ...],
                                                     tuple[float, ...]], ...],
            highlight: str | None, edition: str) -> str:
    provinces, lit = [], ""
    for p in province_outlines(edition):
        d = _path(p["xs"], p["ys"])
        provinces.append(f'<path data-area="{escape(p["area"])}" d="{d}" fill="{NO_DATA}"/>')
        if p["area"] == highlight:
            lit = (f'<path class="map-highlight" d="{d}" fill="none" stroke="{HIGHLIGHT}" '
                   'stroke-width="5"/>')
    body = [f'<g class="map-provinces" stroke="{BORDER}" stroke-width="1.2" '
            f'fill-rule="evenodd">{"".join(provinces)}</g>', lit, *_islands(),
            *_tracks([{"name": n, "color": c, "lon": lo, "lat": la}
                      for n, c, lo, la in tracks]),
            *_layers(layers)]
    return (f'<svg class="map-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
            f'{HEIGHT}" preserveAspectRatio="xMidYMid meet" role="img" '
            f'data-edition="{edition}">{"".join(body)}</svg>')


def map_svg(layers: tuple[str, ...] = (), tracks: Sequence[dict[str, Any]] = (),
            highlight: str | None = None, edition: str = "34") -> str:
    """Return the map as SVG markup: a path per province (`data-area`, no-data colour), Hoàng Sa
    and Trường Sa with their names, then storm tracks and point-of-interest layers on top.

    `highlight` is an area of the edition drawn ("79", or "63-79" on the 63 edition), outlined.
    """
    key = tuple((t["name"], t.get("color", "#ff5252"), tuple(t["lon"]), tuple(t["lat"]))
                for t in tracks)
    return _cached(tuple(layers), key, highlight, edition)
