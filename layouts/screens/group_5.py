"""Data group 5 — local socio-economy: a province ranking and a map of one province statistic.

Panel params: `indicator` (one of CHOICES; default POP_AVG) and `edition` (`34`, the units of
2025 — values before July 2025 computed from the former provinces — or `63`, the provinces of
2008 – June 2025 as published). Scores and indices (PCI, PAPI…) exist only in the 63 edition,
so they always show it. The ranking is annual data, read from the store when the panel is
built; the map is live (values pushed as they arrive).
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import html

from layouts.registry import Panel, PanelContext
from layouts.tiles.chrome import screen_frame
from layouts.tiles.map import map_tile
from wall.config import Catalogue, Indicator
from wall.geo import area_63, provinces_34, provinces_63
from wall.locale import format_number
from wall.observation import Observation
from wall.store import Store

__all__ = ["CHOICES", "EDITIONS", "Ranked", "choice", "format_value", "province_names",
           "ranking"]

# The indicators an operator can put on this panel (the panel's subscription is fixed, so the
# live map can show only these): every province has them, and they span the data's topics.
CHOICES = ("POP_AVG", "POP_DENSITY", "INCOME_PC_MONTHLY", "POVERTY_RATE", "TRAINED_WORKERS_PCT",
           "LITERACY_RATE_15P", "INFANT_MORTALITY_RATE", "RETAIL_SALES", "BUDGET_REVENUE_PLAN",
           "FDI_ACC_REG_CAPITAL", "PADDY_PRODUCTION", "FOREST_COVER_PCT", "HH_ELECTRICITY_PCT",
           "PCI_SCORE", "PAPI_SCORE")
EDITIONS = {"34": ("34 tỉnh, thành phố (từ 1/7/2025)", "34 units (since July 2025)"),
            "63": ("63 tỉnh, thành phố (2008 – 6/2025)", "63 provinces (2008 – June 2025)")}
DEFAULT_INDICATOR = "POP_AVG"
SHOWN = 10  # top and bottom rows of the ranking


@dataclass(frozen=True)
class Ranked:
    """One province in a ranking: rank (ties share it), area, name and value."""

    rank: int
    area: str
    name: str
    value: float


def province_names(edition: str) -> dict[str, str]:
    """Return {store area: Vietnamese name} of an edition's provinces."""
    if edition == "63":
        return {area_63(p["code"]): p["name_vi"] for p in provinces_63()}
    return {p["code"]: p["name_vi"] for p in provinces_34()}


def choice(catalogue: Catalogue, params: dict[str, str]) -> tuple[Indicator, str]:
    """Return the indicator and edition a screen asks for (defaults when unknown)."""
    code = params.get("indicator") or DEFAULT_INDICATOR
    ind = catalogue.get(code) if code in CHOICES else None
    ind = ind or catalogue.get(DEFAULT_INDICATOR)
    if ind is None:
        raise KeyError(f"{DEFAULT_INDICATOR} is not in the catalogue")
    edition = params.get("edition") if params.get("edition") in EDITIONS else "34"
    if ind.aggregation == "none":
        edition = "63"  # never computed for the 34 units
    return ind, str(edition)


def ranking(latest: list[Observation], edition: str) -> tuple[str, list[Ranked]]:
    """Rank an edition's provinces by their headline value of the newest year (highest first).

    `latest` is the store's latest observations of one indicator; a province whose latest
    value is of an older year is not ranked. Returns (year, ranked provinces).
    """
    names = province_names(edition)
    mine = [o for o in latest if o.area in names and not o.dims and o.value is not None]
    if not mine:
        return "", []
    year = max(mine, key=lambda o: o.rank).period
    values = sorted(((float(o.value), o.area) for o in mine  # type: ignore[arg-type]
                     if o.period == year), key=lambda v: (-v[0], names[v[1]]))
    out: list[Ranked] = []
    for n, (value, area) in enumerate(values, start=1):
        rank = out[-1].rank if out and out[-1].value == value else n
        out.append(Ranked(rank, area, names[area], value))
    return year, out


def format_value(ind: Indicator, value: float) -> str:
    """Return a value as its tiles show it (display scale, decimals, vi-VN)."""
    d = ind.display
    return format_number(value * d.scale + d.offset, d.decimals)


def _rows(ind: Indicator, rows: list[Ranked], total: int) -> list[html.Tr]:
    return [html.Tr(className="rank-row", **{"data-area": r.area, "data-rank": str(r.rank)},
                    children=[html.Td(f"{r.rank}", className="rank-n"),
                              html.Td(r.name, className="rank-name"),
                              html.Td(format_value(ind, r.value), className="rank-value"),
                              html.Td(f"/{total}", className="rank-of")])
            for r in rows]


def ranking_block(ctx: PanelContext, ind: Indicator, edition: str) -> html.Section:
    """Return the ranking: the top and bottom provinces with value and rank, and the year."""
    store: Store | None = ctx.store
    year, ranked = ranking(store.latest(ind.code) if store is not None else [], edition)
    unit = ind.display.unit_vi or ind.unit
    head = html.Div(className="rank-head", children=[
        html.Span(ind.short_vi or ind.name_vi, className="rank-title"),
        html.Span(f"Năm {year}" if year else "Chưa có số liệu", className="rank-year"),
        html.Span(f"{unit} · {EDITIONS[edition][0]} · {len(ranked)} có số liệu",
                  className="rank-unit"),
    ])
    if not ranked:
        return html.Section([head], className="rank-block", **{"data-year": ""})
    top = ranked[:SHOWN]
    bottom = [r for r in ranked[-SHOWN:] if r not in top]
    tables = [html.Div(className="rank-col", children=[
        html.Div("Cao nhất", className="rank-sub"),
        html.Table(html.Tbody(_rows(ind, top, len(ranked))), className="rank-table")])]
    if bottom:
        tables.append(html.Div(className="rank-col", children=[
            html.Div("Thấp nhất", className="rank-sub"),
            html.Table(html.Tbody(_rows(ind, bottom, len(ranked))), className="rank-table")]))
    return html.Section([head, html.Div(tables, className="rank-cols")], className="rank-block",
                        **{"data-year": year, "data-statistic": ind.code,
                           "data-edition": edition})


def build(ctx: PanelContext) -> html.Div:
    """Return the local socio-economy panel for `params` indicator and edition."""
    cat = ctx.settings.catalogue
    ind, edition = choice(cat, ctx.params)
    body = [html.Div(className="province-body", children=[
        map_tile(cat, "map-group-5", ind.code, edition=edition,
                 title=(f"{ind.short_vi or ind.name_vi} — {EDITIONS[edition][0]}",
                        f"{ind.short_en or ind.name_en} — {EDITIONS[edition][1]}")),
        ranking_block(ctx, ind, edition),
    ])]
    return screen_frame(
        ctx, "group-5", "KINH TẾ - XÃ HỘI ĐỊA PHƯƠNG", "Local socio-economy", body,
        f"Nguồn: {ind.owner}. Số liệu theo địa giới của năm số liệu (63 tỉnh); 34 đơn vị "
        "hành chính 2025 tính từ các tỉnh cũ (cộng khi đủ số liệu mọi tỉnh cũ; bình quân gia "
        "quyền theo dân số); chỉ số, điểm số (PCI, PAPI) chỉ theo 63 tỉnh. Giờ Việt Nam.")


PANEL = Panel(id="group-5", title_vi="Nhóm 5: Kinh tế - xã hội địa phương",
              title_en="Local socio-economy", build=build, maps=CHOICES,
              tags=("group5", "province"))
