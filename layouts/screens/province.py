"""Province: one 34-edition unit's statistics (`province=CODE`), each with its rank.

For every province statistic the unit has (values before July 2025 computed from its former
provinces, data_feeds/province_rollup.py): the latest year, value, unit and its rank among the
units with a value that year ("hạng 3/34", 1 = highest). Scores that exist only for the former
provinces (PCI, PAPI) are listed per former province, ranked among the 63. Annual data, read
from the store when the panel is built; the map beside it is live.
"""

from __future__ import annotations

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.screens.group_5 import format_value, province_names
from layouts.tiles.chrome import screen_frame
from layouts.tiles.map import map_tile
from wall.config import Catalogue
from wall.geo import area_63, predecessors, province_indicator_codes, provinces_34
from wall.observation import Observation

__all__ = ["facts"]

MAP_INDICATOR = "POP_AVG"
# Shown first, in this order; the other province statistics follow in catalogue order.
FIRST = ("POP_AVG", "AREA", "POP_DENSITY", "INCOME_PC_MONTHLY", "POVERTY_RATE",
         "LABOUR_FORCE_15P", "TRAINED_WORKERS_PCT", "RETAIL_SALES", "BUDGET_REVENUE_PLAN",
         "BUDGET_LOCAL_EXP_PLAN", "FDI_ACC_REG_CAPITAL", "FDI_ACC_PROJECTS", "LITERACY_RATE_15P",
         "INFANT_MORTALITY_RATE", "CRUDE_BIRTH_RATE", "POP_GROWTH_RATE", "PATIENT_BEDS",
         "GENERAL_PUPILS", "GENERAL_TEACHERS", "PADDY_PRODUCTION", "CEREAL_PRODUCTION",
         "FISHERY_PRODUCTION", "PIGS", "FOREST_AREA")
SCORES = ("PCI_SCORE", "PAPI_SCORE")  # per former province, ranked among the 63
MAX_ROWS = 40  # two columns of 20: legible at 1920×1080 as at 3840×2160


def _rank(latest: list[Observation], area: str, names: dict[str, str]
          ) -> tuple[Observation, int, int] | None:
    mine = next((o for o in latest if o.area == area and not o.dims and o.value is not None),
                None)
    if mine is None:
        return None
    peers = [o for o in latest if o.area in names and not o.dims and o.period == mine.period
             and o.value is not None]
    higher = sum(1 for o in peers if float(o.value) > float(mine.value))  # type: ignore[arg-type]
    return mine, higher + 1, len(peers)


def facts(catalogue: Catalogue, latest: list[Observation], code: str
          ) -> list[tuple[str, Observation, int, int]]:
    """Return (label, observation, rank, of) for a unit's statistics, in display order."""
    by: dict[str, list[Observation]] = {}
    for o in latest:
        by.setdefault(o.indicator, []).append(o)
    known = [c for c in province_indicator_codes() if c in catalogue]
    order = [c for c in FIRST if c in known] + [c for c in known if c not in FIRST
                                                and c not in SCORES]
    out: list[tuple[str, Observation, int, int]] = []
    names34 = province_names("34")
    for c in order:
        ranked = _rank(by.get(c, []), code, names34)
        ind = catalogue.get(c)
        if ranked and ind is not None:
            out.append((ind.short_vi or ind.name_vi, *ranked))
    names63 = province_names("63")
    olds = sorted(predecessors(code))
    for c in SCORES:
        ind = catalogue.get(c)
        for old in olds:
            ranked = _rank(by.get(c, []), area_63(old), names63)
            if ranked and ind is not None:
                label = ind.short_vi or ind.name_vi
                if len(olds) > 1:
                    label += f" — {names63[area_63(old)]}"
                out.append((label, *ranked))
    return out


def _table(catalogue: Catalogue, rows: list[tuple[str, Observation, int, int]]) -> html.Table:
    newest = max((o.period for _, o, _, _ in rows), default="")
    body = []
    for label, o, rank, of in rows:
        ind = catalogue.get(o.indicator)
        assert ind is not None
        body.append(html.Tr(
            className="prov-row" + (" is-old" if o.period < newest else ""),
            **{"data-statistic": o.indicator, "data-area": o.area, "data-rank": str(rank)},
            children=[html.Td(label, className="prov-name", title=label),
                      html.Td(format_value(ind, float(o.value or 0)), className="prov-value"),
                      html.Td(ind.display.unit_vi or ind.unit, className="prov-unit"),
                      html.Td(o.period, className="prov-year"),
                      html.Td([html.Span("hạng", className="prov-rank-word"), f"{rank}/{of}"],
                              className="prov-rank")]))
    return html.Table(html.Tbody(body), className="prov-table")


def build(ctx: PanelContext) -> html.Div:
    """Return the province panel for `params['province']` (Hà Nội by default)."""
    code = ctx.params.get("province") or "01"
    info = next((p for p in provinces_34() if p["code"] == code), provinces_34()[0])
    code = info["code"]
    cat = ctx.settings.catalogue
    codes = [c for c in province_indicator_codes() if c in cat]
    latest = ctx.store.latest_many(codes) if ctx.store is not None and codes else []
    rows = facts(cat, latest, code)[:MAX_ROWS]
    half = (len(rows) + 1) // 2
    olds = sorted(predecessors(code))
    former = ", ".join(province_names("63")[area_63(o)] for o in olds)
    head = html.Div(className="prov-head", children=[
        html.Span("Số liệu thống kê của tỉnh", className="prov-title"),
        html.Span(f"Gồm các tỉnh cũ: {former}. Năm mới nhất có số liệu; hạng 1 = cao nhất."
                  if len(olds) > 1 else "Năm mới nhất có số liệu; hạng 1 = cao nhất.",
                  className="prov-note"),
    ])
    table = (html.Div([_table(cat, rows[:half]), _table(cat, rows[half:])],
                      className="prov-cols") if rows
             else html.Div("Chưa có số liệu thống kê cấp tỉnh.", className="prov-note"))
    body = [html.Div(className="province-body", style={"gridTemplateColumns": "32fr 68fr"},
                     children=[
        map_tile(cat, "map-province", MAP_INDICATOR, highlight=code,
                 title=(info["name_full_vi"], info["name_en"])),
        html.Section([head, table], className="prov-block",
                     **{"data-province": code, "data-rows": str(len(rows))}),
    ])]
    return screen_frame(ctx, "province", f"{info['name_full_vi'].upper()}",
                        f"Province: {info['name_en']}", body,
                        "Số liệu tỉnh theo địa giới 34 đơn vị (Nghị quyết 202/2025/QH15); số liệu "
                        "trước 7/2025 tính từ các tỉnh cũ (cộng khi đủ mọi tỉnh cũ, bình quân gia "
                        "quyền theo dân số). Nguồn: Tổng cục Thống kê (Niên giám), VCCI (PCI), "
                        "UNDP – CECODES (PAPI), Bộ Tài chính. Giờ Việt Nam.")


PANEL = Panel(id="province", title_vi="Tỉnh, thành phố", title_en="Province", build=build,
              maps=(MAP_INDICATOR,), tags=("province",))
