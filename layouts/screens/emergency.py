"""Emergency: disasters and search and rescue, storm tracks, reservoirs and dam cameras."""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.screens._kit import SIMULATED_NOTE, camera_cells, kpi_row, storm_tracks
from layouts.tiles.chrome import screen_frame
from layouts.tiles.map import map_tile
from layouts.tiles.status_grid import status_grid

TILES = [SeriesRef("SAR_INCIDENTS_ACTIVE"), SeriesRef("RAIN_WARNINGS_ACTIVE"),
         SeriesRef("EVACUATED_PERSONS"), SeriesRef("DISEASE_CASES_D"),
         SeriesRef("RESERVOIR_LEVEL_M", "14", (("dam", "Sơn La"),)),
         SeriesRef("RESERVOIR_LEVEL_M", "25", (("dam", "Hòa Bình"),))]


def build(ctx: PanelContext) -> html.Div:
    """Return the emergency panel."""
    body = [html.Div(className="overview-body", children=[
        map_tile(ctx.settings.catalogue, "map-emergency", "EVACUATED_PERSONS",
                 layers=("dam",), tracks=storm_tracks(),
                 title=("Đường đi của bão 2013–2015 (JTWC)", "Typhoon tracks 2013–2015")),
        html.Div(className="panel-grid", style={"gridTemplateRows": "50fr 50fr"}, children=[
            kpi_row(ctx, TILES, columns=3),
            status_grid("Camera đập thủy điện", "Hydropower dam cameras",
                        camera_cells(ctx, ("dam",)), columns=10),
        ]),
    ])]
    return screen_frame(ctx, "emergency", "ỨNG PHÓ KHẨN CẤP, THIÊN TAI", "Emergencies", body,
                        "Đường đi của bão: JTWC best track (số liệu thật). " + SIMULATED_NOTE)


PANEL = Panel(id="emergency", title_vi="Ứng phó khẩn cấp, thiên tai",
              title_en="Emergencies and disasters", build=build, tiles=tuple(TILES),
              maps=("EVACUATED_PERSONS",), indicators=("CAMERA_STATUS",),
              tags=("emergency", "group7"))
