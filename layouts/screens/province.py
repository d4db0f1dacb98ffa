"""Province: one province's indicators, reached from the map or the console (`province=`)."""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.screens._kit import kpi_row
from layouts.tiles.chrome import screen_frame
from layouts.tiles.map import map_tile
from layouts.tiles.trend import trend_tile
from wall.geo import provinces_34

PROVINCE_INDICATORS = ("PUBINV_SB_YTD", "BORDER_CROSSINGS_D", "AIRPORT_FLIGHTS_D",
                       "RESERVOIR_LEVEL_M", "AQI_HANOI")


def build(ctx: PanelContext) -> html.Div:
    """Return the province panel for `params['province']` (Hà Nội by default)."""
    code = ctx.params.get("province") or "01"
    info = next((p for p in provinces_34() if p["code"] == code), provinces_34()[0])
    code = info["code"]
    tiles = [SeriesRef("PUBINV_SB_YTD", code)]
    if ctx.store is not None:  # the province's other live series, whatever dims they carry
        seen = {o.key: o for ind in PROVINCE_INDICATORS[1:]
                for o in ctx.store.latest(ind, code)}
        tiles += [SeriesRef(o.indicator, code, tuple(sorted(o.dims.items())))
                  for o in seen.values()][:7]
    body = [html.Div(className="overview-body", children=[
        map_tile(ctx.settings.catalogue, "map-province", "PUBINV_SB_YTD", highlight=code,
                 title=(info["name_full_vi"], info["name_en"])),
        html.Div(className="panel-grid", style={"gridTemplateRows": "50fr 50fr"}, children=[
            kpi_row(ctx, tiles, columns=4),
            html.Section([trend_tile(ctx.settings.catalogue, "trend-province",
                                     "Vốn đầu tư NSNN lũy kế (nghìn tỷ đồng)",
                                     "Public investment YTD", [SeriesRef("PUBINV_SB_YTD",
                                                                         code)])],
                         className="trend-row", style={"gridTemplateColumns": "1fr"}),
        ]),
    ])]
    return screen_frame(ctx, "province", f"{info['name_full_vi'].upper()}",
                        f"Province: {info['name_en']}", body,
                        "Số liệu tỉnh theo địa giới 34 đơn vị (Nghị quyết 202/2025/QH15); số liệu "
                        "trước 7/2025 cộng gộp từ các tỉnh cũ khi đủ số liệu. Giờ Việt Nam.")


PANEL = Panel(id="province", title_vi="Tỉnh, thành phố", title_en="Province", build=build,
              tiles=tuple(SeriesRef("PUBINV_SB_YTD", p["code"]) for p in provinces_34()),
              maps=("PUBINV_SB_YTD",), indicators=PROVINCE_INDICATORS, tags=("province",))
