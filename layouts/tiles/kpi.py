"""KPI tile: one indicator's latest value, change, period, age and source; filled by wall.js.

The tile carries every target of its indicator (`data-targets`); wall.js shows the one for the
year of the value shown, never another year's. Staleness follows the indicator's cadence: the
tile turns "QUÁ HẠN" once the next period's value is due (`data-release-lag` after it ends).
"""

from __future__ import annotations

import json

from dash import html

from layouts.registry import SeriesRef
from layouts.tiles.chrome import target_label, tile_head
from wall.config import Catalogue, parse_duration
from wall.observation import series_key

__all__ = ["kpi_tile"]


def _which(ref: SeriesRef, english: str) -> str:
    """The sub-title: which gate, sector or breakdown this tile is (tiles of one indicator)."""
    label = " · ".join(v for _, v in ref.dims)
    return f"{label} · {english}" if label else english


def kpi_tile(catalogue: Catalogue, ref: SeriesRef) -> html.Div:
    """Return the static chrome of a KPI tile; wall.js writes values into it."""
    ind = catalogue.get(ref.indicator)
    if ind is None:
        raise KeyError(f"tile names indicator {ref.indicator!r}, which is not in the catalogue")
    d = ind.display
    attrs = {
        "data-indicator": ind.code,
        "data-area": ref.area,
        "data-key": series_key(ind.code, ref.area, dict(ref.dims)),
        "data-dims": json.dumps(dict(ref.dims), ensure_ascii=False),
        "data-display": json.dumps(d.model_dump()),
        "data-polarity": ind.polarity,
        "data-frequency": ind.frequency,
        "data-stale-after": str(int(parse_duration(ind.stale_after).total_seconds())),
        "data-release-lag": str(int(ind.lag().total_seconds())),
        "data-targets": json.dumps({str(t.year): f"MT {t.year}: {target_label(t, d)}"
                                    for t in ind.targets if t.assignee == "VN"},
                                   ensure_ascii=False),
    }
    return html.Div(
        className="kpi-tile",
        **attrs,
        children=[
            tile_head(ind.short_vi or ind.name_vi, _which(ref, ind.short_en or ind.name_en),
                      beside_en=html.Span("", className="tile-target")),
            html.Div(className="tile-main", children=[
                html.Span("—", className="tile-value", **{"data-value": "", "data-period": "",
                                                          "data-observed-at": ""}),
                html.Span(d.unit_vi or ind.unit, className="tile-unit"),
            ]),
            html.Div(className="tile-changes", children=[
                html.Span(className="tile-change", **{"data-kind": "prev"}),
                html.Span(className="tile-change", **{"data-kind": "yoy"}),
                *([html.Span(className="tile-change tile-projection",
                             **{"data-kind": "projection"})] if ind.targets else []),
            ]),
            html.Div(className="tile-foot", children=[
                html.Span("", className="tile-period"),
                html.Span("chưa có số liệu", className="tile-age"),
            ]),
            html.Div(ind.owner, className="tile-source"),
        ],
    )
