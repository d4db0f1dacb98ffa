"""One panel per data group of the National Reporting Information System, built from the catalogue.

Every catalogued indicator of the group is on some page (12 tiles and two trends a page): the
curated headline ones first, then the live systems, then the published series by frequency. On a
wall screen the pages rotate; `?page=N` shows page N alone.
"""

from __future__ import annotations

from functools import partial

from dash import html

from layouts.registry import Page, Panel, PanelContext, SeriesRef, page_of, panels
from layouts.screens._kit import SIMULATED_NOTE, kpi_row
from layouts.tiles.chrome import screen_frame
from layouts.tiles.trend import trend_tile
from wall.config import Indicator, WallSettings

__all__ = ["group_panel", "group_refs"]

PAGE_TILES = 12
PAGE_SECONDS = 30
# Shown on their own thematic panels (cameras, bridge points, border gates, systems), per site.
THEMATIC = {"CAMERA_STATUS", "CAMERA_LATENCY_MS", "BRIDGE_STATUS", "BRIDGE_LATENCY_MS",
            "FEED_STATUS", "BORDER_CROSSINGS_D", "BORDER_VEHICLES_D", "AIRPORT_FLIGHTS_D",
            "RESERVOIR_LEVEL_M"}
# Tables without a total row: the tile shows the breakdown that heads them.
DEFAULT_DIMS = {"ENT_": (("breakdown", "Doanh nghiệp đăng ký thành lập mới (DN)"),)}
FREQUENCY_ORDER = {"RT": 1, "D": 1, "M": 2, "Q": 3, "S": 4, "A": 5}


def _order(ind: Indicator, curated: set[str]) -> tuple[int, int, str]:
    return (0 if ind.code in curated else 1, FREQUENCY_ORDER[ind.frequency], ind.code)


def group_refs(settings: WallSettings, group: int) -> list[SeriesRef]:
    """Return every series the group's pages show, in page order."""
    cat = settings.catalogue
    inds = [i for i in cat.indicators if i.group == group and i.on_group_panel
            and i.code not in THEMATIC]
    curated = {i.code for i in inds if i.headline or i.targets or i.derived}
    refs = []
    for ind in sorted(inds, key=lambda i: _order(i, curated)):
        dims = next((d for p, d in DEFAULT_DIMS.items() if ind.code.startswith(p)), ())
        refs.append(SeriesRef(ind.code, dims=dims))
    return refs


def _pages(settings: WallSettings, refs: list[SeriesRef]) -> tuple[Page, ...]:
    cat = settings.catalogue
    pages = []
    for start in range(0, len(refs), PAGE_TILES):
        tiles = tuple(refs[start:start + PAGE_TILES])
        trends = tuple(r for r in tiles if (ind := cat.get(r.indicator))
                       and ind.frequency in {"M", "Q", "A"})[:2]
        pages.append(Page(tiles, trends))
    return tuple(pages) or (Page(()),)


def _build(group: int, ctx: PanelContext) -> html.Div:
    cat = ctx.settings.catalogue
    g = next(x for x in cat.groups if x.id == group)
    me = panels(ctx.settings)[f"group-{group}"]
    n = page_of(ctx.params)
    page = me.page(n)
    rows = [kpi_row(ctx, list(page.tiles), columns=4)]
    if page.trends:
        rows.append(html.Section([
            trend_tile(cat, f"trend-g{group}-{k}", ind.short_vi or ind.name_vi,
                       ind.short_en or ind.name_en, [r])
            for k, r in enumerate(page.trends) if (ind := cat.get(r.indicator))],
            className="trend-row",
            style={"gridTemplateColumns": f"repeat({len(page.trends)}, 1fr)"}))
    total = len(me.pages)
    body = [html.Div(rows, className="panel-grid",
                     style={"gridTemplateRows": "60fr 40fr" if page.trends else "1fr"})]
    pager = {"pages": total, "page": min(n, total),
             "rotate": total > 1 and (not ctx.params.get("page") or
                                      ctx.params.get("rotate") == "1"),
             "seconds": PAGE_SECONDS}
    return screen_frame(ctx, f"group-{group}", f"NHÓM {group}: {g.name_vi.upper()}",
                        f"Group {group}: {g.name_en}", body,
                        "Số liệu thống kê là số công bố, có nguồn trên từng ô. " + SIMULATED_NOTE,
                        pager=pager)


def group_panel(settings: WallSettings, group: int) -> Panel:
    """Return the panel of one data group for the given configuration."""
    g = next(x for x in settings.catalogue.groups if x.id == group)
    pages = _pages(settings, group_refs(settings, group))
    return Panel(id=f"group-{group}", title_vi=f"Nhóm {group}: {g.name_vi}",
                 title_en=f"Group {group}: {g.name_en}", build=partial(_build, group),
                 tiles=pages[0].tiles, trends=pages[0].trends, pages=pages,
                 tags=(f"group{group}",) + (("emergency",) if group == 7 else ()))
