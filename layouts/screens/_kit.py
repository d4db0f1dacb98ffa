"""Shared pieces of the thematic panels (files starting with `_` are not panels)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from dash import html

from layouts.registry import PanelContext, SeriesRef
from layouts.tiles.kpi import kpi_tile
from layouts.tiles.status_grid import Cell
from wall.geo import poi_sites

__all__ = ["SIMULATED_NOTE", "camera_cells", "kpi_row", "storm_tracks"]

SIMULATED_NOTE = ("Số liệu hệ thống trực tuyến, camera và điểm cầu trong bản trình diễn là MÔ "
                  "PHỎNG (không có kết nối thật); số liệu thống kê là số công bố. Giờ Việt Nam.")
TRACKS = Path(__file__).resolve().parents[2] / "data_feeds" / "seed" / "jtwc_tracks_2013_2015.csv"


def kpi_row(ctx: PanelContext, refs: list[SeriesRef], columns: int = 4) -> html.Section:
    """Return KPI tiles in a grid of `columns`."""
    return html.Section([kpi_tile(ctx.settings.catalogue, r) for r in refs], className="kpi-grid",
                        style={"gridTemplateColumns": f"repeat({columns}, 1fr)"})


# The kind of site, which the grid's title already says: cut so that the name itself fits.
SITE_KIND = re.compile(r"^(Cửa khẩu quốc tế|Cửa khẩu chính|Cửa khẩu|Thủy điện|Hồ chứa) ")


def camera_cells(ctx: PanelContext, kinds: tuple[str, ...]) -> list[Cell]:
    """Return the status cells of the configured cameras at sites of `kinds`."""
    cells = []
    for spec in ctx.settings.feeds.feeds:
        poi = spec.settings.get("from_poi") if spec.kind == "camera_probe" else None
        if not poi:
            continue
        for site in poi_sites(poi["kinds"], poi.get("per_site", 1), poi.get("limit", 1000)):
            if any(site["site"].startswith(k) for k in kinds):
                cells.append(Cell("CAMERA_STATUS", site["area"], (("camera", site["id"]),),
                                  SITE_KIND.sub("", site["name_vi"]),
                                  snapshot=f"/api/v1/cameras/{site['id']}/snapshot"))
    return cells


@lru_cache(maxsize=1)
def storm_tracks() -> list[dict[str, Any]]:
    """Return the JTWC tracks of 2013–2015 typhoons that came west of 110°E."""
    by: dict[str, dict[str, Any]] = {}
    with TRACKS.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            t = by.setdefault(r["SN"], {"name": f"Bão {r['SN'][4:]}/{r['SN'][:4]}", "lon": [],
                                        "lat": []})
            t["lon"].append(float(r["Lon"]))
            t["lat"].append(float(r["Lat"]))
    colours = ["#ff5252", "#ff8a65", "#ffd54f", "#f06292"]
    return [{**t, "color": colours[i % len(colours)]} for i, t in enumerate(by.values())]
