"""Connectivity: the 31 online systems, the 105 bridge points, who is connected and reporting."""

from __future__ import annotations

import csv

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.screens._kit import SIMULATED_NOTE
from layouts.tiles.chrome import screen_frame
from layouts.tiles.status_grid import Cell, status_grid
from wall.config import CONFIG_DIR


def _systems(ctx: PanelContext) -> list[Cell]:
    """One cell per feed; "(MÔ PHỎNG)" leaves the name only where the feed is declared
    simulated, whose cell then carries the MÔ PHỎNG mark (layouts/tiles/provenance.py)."""
    return [Cell("FEED_STATUS", "VN", (("feed", f.id),),
                 (f.name_vi.replace(" (MÔ PHỎNG)", "") if f.simulated else f.name_vi) or f.id)
            for f in ctx.settings.feeds.feeds]


def _bridges() -> list[Cell]:
    with (CONFIG_DIR / "bridge_points.csv").open(encoding="utf-8") as fh:
        return [Cell("BRIDGE_STATUS", r["area"], (("point", r["id"]),),
                     r["name_vi"].replace("Điểm cầu ", "")) for r in csv.DictReader(fh)]


def build(ctx: PanelContext) -> html.Div:
    """Return the connectivity panel."""
    body = [html.Div(className="panel-grid", style={"gridTemplateRows": "36fr 64fr"}, children=[
        status_grid("Hệ thống nguồn dữ liệu", "Source systems", _systems(ctx), columns=7),
        status_grid("Điểm cầu truyền hình trực tuyến", "Video-bridge points", _bridges(),
                    columns=12),
    ])]
    return screen_frame(ctx, "connectivity", "KẾT NỐI HỆ THỐNG", "Connectivity", body,
                        SIMULATED_NOTE)


PANEL = Panel(id="connectivity", title_vi="Kết nối hệ thống", title_en="Connectivity",
              build=build, indicators=("FEED_STATUS", "BRIDGE_STATUS"), tags=("systems",))
