"""One panel per data group of the National Reporting Information System (groups 1–7)."""

from __future__ import annotations

from functools import lru_cache

from dash import html

from layouts.registry import Panel, PanelContext, SeriesRef
from layouts.screens._kit import SIMULATED_NOTE, kpi_row
from layouts.tiles.chrome import screen_frame
from layouts.tiles.trend import trend_tile
from wall.config import WallSettings, load_settings

MAX_TILES = 12


@lru_cache(maxsize=1)
def _settings() -> WallSettings:
    return load_settings()


def _refs(group: int) -> list[SeriesRef]:
    """The group's national series with a display set in the curated catalogue, or live ones."""
    cat = _settings().catalogue
    picked = [i for i in cat.indicators if i.group == group and
              (i.short_vi or i.frequency == "RT") and i.code not in
              {"CAMERA_STATUS", "CAMERA_LATENCY_MS", "BRIDGE_STATUS", "BRIDGE_LATENCY_MS",
               "FEED_STATUS", "BORDER_CROSSINGS_D", "BORDER_VEHICLES_D", "AIRPORT_FLIGHTS_D",
               "RESERVOIR_LEVEL_M", "AQI_HANOI"}]
    refs = [SeriesRef(i.code) for i in picked][:MAX_TILES]
    if group == 6:
        refs.insert(0, SeriesRef("ENT_M", dims=(("breakdown",
                                                 "Doanh nghiệp đăng ký thành lập mới (DN)"),)))
    return [r for r in refs if not (r.indicator == "ENT_M" and not r.dims)][:MAX_TILES]


def group_panel(group: int) -> Panel:
    """Return the panel of one data group."""
    cat = _settings().catalogue
    g = next(x for x in cat.groups if x.id == group)
    refs = _refs(group)
    trend_refs = [r for r in refs if (ind := cat.get(r.indicator)) and ind.frequency != "RT"][:2]

    def build(ctx: PanelContext) -> html.Div:
        rows = [kpi_row(ctx, refs, columns=4)]
        if trend_refs:
            rows.append(html.Section([
                trend_tile(ctx.settings.catalogue, f"trend-g{group}-{n}",
                           (cat.get(r.indicator).short_vi or r.indicator),  # type: ignore[union-attr]
                           (cat.get(r.indicator).short_en or ""),  # type: ignore[union-attr]
                           [r]) for n, r in enumerate(trend_refs)], className="trend-row",
                style={"gridTemplateColumns": f"repeat({len(trend_refs)}, 1fr)"}))
        body = [html.Div(rows, className="panel-grid",
                         style={"gridTemplateRows": "60fr 40fr" if trend_refs else "1fr"})]
        return screen_frame(ctx, f"group-{group}", f"NHÓM {group}: {g.name_vi.upper()}",
                            f"Group {group}: {g.name_en}", body,
                            "Số liệu thống kê là số công bố (phát lại). " + SIMULATED_NOTE)

    return Panel(id=f"group-{group}", title_vi=f"Nhóm {group}: {g.name_vi}",
                 title_en=f"Group {group}: {g.name_en}", build=build, tiles=tuple(refs),
                 trends=tuple(trend_refs),
                 tags=(f"group{group}",) + (("emergency",) if group == 7 else ()))
