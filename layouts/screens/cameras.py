"""Cameras: the 55 cameras at hydropower dams and border gates, live status and snapshot."""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.screens._kit import SIMULATED_NOTE, camera_cells
from layouts.tiles.chrome import screen_frame
from layouts.tiles.status_grid import status_grid


def build(ctx: PanelContext) -> html.Div:
    """Return the camera grid, grouped by dams and border gates."""
    body = [html.Div(className="panel-grid", style={"gridTemplateRows": "1fr 1fr"}, children=[
        status_grid("Camera đập thủy điện", "Hydropower dam cameras", camera_cells(ctx, ("dam",)),
                    columns=10),
        status_grid("Camera cửa khẩu", "Border-gate cameras", camera_cells(ctx, ("border",)),
                    columns=10),
    ])]
    return screen_frame(ctx, "cameras", "CAMERA GIÁM SÁT", "Surveillance cameras", body,
                        SIMULATED_NOTE)


PANEL = Panel(id="cameras", title_vi="Camera giám sát", title_en="Cameras", build=build,
              indicators=("CAMERA_STATUS",), tags=("cameras",))
