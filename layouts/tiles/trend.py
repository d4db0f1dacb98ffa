"""Trend tile: one or more series over time, each year's National Assembly target in its year."""

from __future__ import annotations

import json

from dash import html

from layouts.registry import SeriesRef
from layouts.tiles.chrome import target_label, tile_head
from layouts.tiles.theme import SERIES_COLOURS
from wall.config import Catalogue
from wall.observation import series_key

__all__ = ["trend_tile"]


def trend_tile(catalogue: Catalogue, tile_id: str, title_vi: str, title_en: str,
               series: list[SeriesRef], names: list[str] | None = None) -> html.Div:
    """Return a trend chart that wall.js draws (assets/trend_chart.js) from the snapshot and
    extends live: the series, then the first one's forecast and its National Assembly targets.

    Drawn as plain SVG sized to the screen (its text scales with it), not a Plotly figure: a
    Plotly first draw cost 0.1–0.3 s of a 4K screen's main thread per chart, measured.
    """
    config = []
    for n, ref in enumerate(series):
        ind = catalogue.get(ref.indicator)
        if ind is None:
            raise KeyError(f"trend names indicator {ref.indicator!r}, not in the catalogue")
        config.append({"key": series_key(ref.indicator, ref.area, dict(ref.dims)),
                       "indicator": ref.indicator, "area": ref.area, "dims": dict(ref.dims),
                       "display": ind.display.model_dump(),
                       "name": names[n] if names else ind.short_vi or ind.name_vi,
                       "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)]})
    first = catalogue.get(series[0].indicator)
    assert first is not None
    d = first.display
    targets = []
    for year in sorted({t.year for t in first.targets if t.assignee == "VN"}):
        target = first.target_for(year)  # the one in force, where a later one revised it
        assert target is not None
        # a target is drawn across its own year only, and only once the data reaches that year
        # (wall.js shows it then): never compared with the values of other years
        low = target.low * d.scale + d.offset
        high = (target.high if target.high is not None else target.low) * d.scale + d.offset
        targets.append({"year": target.year, "low": low, "high": high,
                        "label": f"MT {target.year}: {target_label(target, d)}"})
    return html.Div(className="trend-tile", **{"data-series": json.dumps(config),
                                               "data-targets": json.dumps(targets)},
                    children=[
        tile_head(title_vi, title_en),
        html.Div(id=tile_id, className="trend-graph", role="img",
                 **{"aria-label": f"{title_vi} — {title_en}"}),
    ])
