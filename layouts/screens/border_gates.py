"""Border gates: road, air and sea gates on the map, traffic at each, cameras at the gates."""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.screens._kit import SIMULATED_NOTE, camera_cells, kpi_row
from layouts.tiles.chrome import screen_frame
from layouts.tiles.map import map_tile
from layouts.tiles.status_grid import status_grid

TILES = [SeriesRef("BORDER_CROSSINGS_D", "20", (("gate", "Hữu Nghị"),)),
         SeriesRef("BORDER_CROSSINGS_D", "22", (("gate", "Móng Cái"),)),
         SeriesRef("BORDER_CROSSINGS_D", "15", (("gate", "Lào Cai"),)),
         SeriesRef("BORDER_VEHICLES_D", "20", (("gate", "Hữu Nghị"),)),
         SeriesRef("BORDER_VEHICLES_D", "20", (("gate", "Tân Thanh"),)),
         SeriesRef("AIRPORT_FLIGHTS_D", "01", (("airport", "HAN"),)),
         SeriesRef("AIRPORT_FLIGHTS_D", "79", (("airport", "SGN"),)),
         SeriesRef("PORT_CARGO_D"), SeriesRef("INTL_ARRIVALS_D")]


def build(ctx: PanelContext) -> html.Div:
    """Return the border-gates panel."""
    body = [html.Div(className="overview-body", children=[
        map_tile(ctx.settings.catalogue, "map-gates", "BORDER_CROSSINGS_D",
                 layers=("border_gate_road", "airport", "seaport"),
                 title=("Cửa khẩu, sân bay, cảng biển", "Gates, airports, seaports")),
        html.Div(className="panel-grid", style={"gridTemplateRows": "55fr 45fr"}, children=[
            kpi_row(ctx, TILES, columns=3),
            status_grid("Camera cửa khẩu", "Border-gate cameras", camera_cells(ctx, ("border",)),
                        columns=10),
        ]),
    ])]
    return screen_frame(ctx, "border-gates", "CỬA KHẨU", "Border gates", body, SIMULATED_NOTE)


PANEL = Panel(id="border-gates", title_vi="Cửa khẩu", title_en="Border gates", build=build,
              tiles=tuple(TILES), maps=("BORDER_CROSSINGS_D",), indicators=("CAMERA_STATUS",),
              tags=("border",))
