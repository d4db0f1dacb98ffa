"""Customs and import-export: trade by month and by sector, today's clearance."""

from __future__ import annotations

from typing import Any

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.screens._kit import SIMULATED_NOTE, kpi_row
from layouts.tiles.chrome import screen_frame
from layouts.tiles.trend import trend_tile

FDI = (("breakdown", "Khu vực có vốn đầu tư NN"),)
DOMESTIC = (("breakdown", "Khu vực kinh tế trong nước"),)
TILES = [SeriesRef("EXPORTS_M"), SeriesRef("IMPORTS_M"), SeriesRef("TRADE_BALANCE_M"),
         SeriesRef("CUSTOMS_DECLARATIONS_D"), SeriesRef("CUSTOMS_EXPORT_VALUE_D"),
         SeriesRef("CUSTOMS_IMPORT_VALUE_D"), SeriesRef("EXPORTS_M", dims=FDI),
         SeriesRef("EXPORTS_M", dims=DOMESTIC)]
# The two sector lines are the same indicator: each tile and line says which sector it is.
SECTOR = {FDI: ("Xuất khẩu tháng, khu vực FDI", "Exports, month · FDI sector"),
          DOMESTIC: ("Xuất khẩu tháng, khu vực trong nước", "Exports, month · domestic sector")}
TRENDS = {"customs-trade": ("Xuất khẩu, nhập khẩu tháng (tỷ USD)", "Exports and imports",
                            [SeriesRef("EXPORTS_M"), SeriesRef("IMPORTS_M")]),
          "customs-sector": ("Xuất khẩu theo khu vực (tỷ USD)", "Exports by sector",
                             [SeriesRef("EXPORTS_M", dims=FDI),
                              SeriesRef("EXPORTS_M", dims=DOMESTIC)]),
          "customs-balance": ("Cán cân thương mại (tỷ USD)", "Trade balance",
                              [SeriesRef("TRADE_BALANCE_M")])}


def _find(c: Any, cls: str) -> Any:
    """Return the first component under `c` (itself included) whose class list has `cls`."""
    if cls in (getattr(c, "className", "") or "").split():
        return c
    kids = getattr(c, "children", None)
    for k in kids if isinstance(kids, list | tuple) else [kids]:
        if k is not None and not isinstance(k, str):
            found = _find(k, cls)
            if found is not None:
                return found
    return None


def _name_sectors(row: html.Section) -> html.Section:
    """Title each sector tile with its sector (the catalogue's short name is the same)."""
    for ref, tile in zip(TILES, row.children, strict=True):
        if ref.dims in SECTOR:
            vi, en = SECTOR[ref.dims]
            _find(tile, "tile-title").children = vi
            _find(tile, "tile-title-en").children = en
    return row


def build(ctx: PanelContext) -> html.Div:
    """Return the customs panel."""
    names = {"customs-sector": ["Khu vực FDI", "Khu vực trong nước"]}  # lines named by sector
    trends = [trend_tile(ctx.settings.catalogue, tid, vi, en, refs, names.get(tid))
              for tid, (vi, en, refs) in TRENDS.items()]
    body = [html.Div(className="panel-grid", style={"gridTemplateRows": "48fr 52fr"}, children=[
        _name_sectors(kpi_row(ctx, TILES)),
        html.Section(trends, className="trend-row"),
    ])]
    return screen_frame(ctx, "customs", "HẢI QUAN - XUẤT NHẬP KHẨU", "Customs and trade", body,
                        "Nguồn: Cục Thống kê (số công bố, phát lại); Cục Hải quan. "
                        + SIMULATED_NOTE)


PANEL = Panel(id="customs", title_vi="Hải quan - xuất nhập khẩu", title_en="Customs and trade",
              build=build, tiles=tuple(TILES),
              trends=tuple(r for _, _, refs in TRENDS.values() for r in refs),
              tags=("trade", "meeting"))
