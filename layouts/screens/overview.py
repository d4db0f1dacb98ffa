"""Overview: national KPIs against National Assembly targets, the province map and trends."""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.tiles.chrome import screen_frame
from layouts.tiles.kpi import kpi_tile
from layouts.tiles.map import map_tile
from layouts.tiles.trend import trend_tile

TILES = (
    SeriesRef("NY.GDP.MKTP.KD.ZG"),
    SeriesRef("CPI_YTD_YOY_IDX"),
    SeriesRef("PCPICO_PC_PP_PT"),
    SeriesRef("IIP_M_YOY_IDX"),
    SeriesRef("EXPORTS_M"),
    SeriesRef("IMPORTS_M"),
    SeriesRef("TRADE_BALANCE_M"),
    SeriesRef("RETAIL_SALES_M"),
    SeriesRef("INTL_ARRIVALS_M"),
    SeriesRef("ENT_M", dims=(("breakdown", "Doanh nghiệp đăng ký thành lập mới (DN)"),)),
    SeriesRef("PUBINV_SB_YTD_PCT_PLAN"),
    SeriesRef("LUR_PT"),
)
TRENDS = {
    "trend-cpi": ("Lạm phát so cùng kỳ (%)", "Inflation, y/y (%)",
                  [SeriesRef("CPI_YTD_YOY_IDX"), SeriesRef("CPI_M_YOY_IDX"),
                   SeriesRef("PCPICO_PC_PP_PT")]),
    "trend-gdp": ("Tăng trưởng GDP (%)", "GDP growth (%)", [SeriesRef("NY.GDP.MKTP.KD.ZG")]),
    "trend-trade": ("Xuất khẩu, nhập khẩu tháng (tỷ USD)", "Exports, imports (bn USD)",
                    [SeriesRef("EXPORTS_M"), SeriesRef("IMPORTS_M")]),
}
MAP_INDICATOR = "POP_AVG"  # every province has it (GSO yearbook; 34 units computed)
FOOTER = (
    "Nguồn: Cục Thống kê (GSO/NSO) — biểu số liệu kinh tế - xã hội hằng tháng; Ngân hàng Thế giới "
    "(WDI, CC BY 4.0); Cổng dữ liệu quốc gia NSDP. Khi phát lại: số liệu đã công bố đến 6/2024, "
    "đồng hồ tăng tốc; tuổi số liệu tính từ ngày công bố. "
    "Cán cân thương mại = xuất khẩu − nhập khẩu (tính toán). Bản đồ: dân số trung bình theo "
    "Niên giám thống kê (GSO), 34 đơn vị tính từ 63 tỉnh cũ. Giờ Việt Nam (UTC+7)."
)


def build(ctx: PanelContext) -> html.Div:
    """Return the overview screen."""
    cat = ctx.settings.catalogue
    tiles = [kpi_tile(cat, ref) for ref in TILES]
    trends = [trend_tile(cat, tid, vi, en, refs) for tid, (vi, en, refs) in TRENDS.items()]
    body = [html.Div(className="overview-body", children=[
        map_tile(cat, "map-overview", MAP_INDICATOR),
        html.Div(className="overview-right", children=[
            html.Section(tiles, className="kpi-grid"),
            html.Section(trends, className="trend-row"),
        ]),
    ])]
    return screen_frame(ctx, "overview", "TỔNG QUAN KINH TẾ - XÃ HỘI", "National overview",
                        body, FOOTER)


PANEL = Panel(
    id="overview",
    title_vi="Tổng quan kinh tế - xã hội",
    title_en="National overview",
    build=build,
    tiles=TILES,
    trends=tuple(r for _, _, refs in TRENDS.values() for r in refs),
    maps=(MAP_INDICATOR,),
    tags=("macro", "meeting"),
)
