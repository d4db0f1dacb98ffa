"""The local panel (group 5) and the province panel on real imported province statistics."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path
from typing import Any

import pytest
from dash.development.base_component import Component

from data_feeds.province_stats import SEED
from data_feeds.report_file import ingest_file
from layouts.registry import PanelContext
from layouts.screens import group_5, province
from layouts.tiles.map_geometry import province_outlines
from layouts.tiles.map_svg import map_svg
from tests.helpers import walk
from wall.config import WallSettings
from wall.store import Store

HEADER = ["indicator_code", "indicator_name_vi", "indicator_name_en", "area_code",
          "breakdown_group", "breakdown_vi", "period", "value", "unit", "status", "source",
          "source_file"]
CODES = {"POP_AVG", "PCI_SCORE", "POVERTY_RATE", "AREA", "RETAIL_SALES"}


def _text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list | tuple):
        return " ".join(_text(n) for n in node)
    if isinstance(node, Component):
        return _text(getattr(node, "children", None) or "")
    return ""


@pytest.fixture
def loaded(settings: WallSettings, store: Store, tmp_path: Path) -> Store:
    """The store after importing the real 2014–2016 rows of a few province statistics."""
    rows = []
    for stem in ("gso_population_labour", "gso_living_health", "gso_economy_trade",
                 "pci_vcci"):
        with gzip.open(SEED / f"{stem}.csv.gz", "rt", encoding="utf-8") as fh:
            rows += [r for r in csv.DictReader(fh) if r["indicator_code"] in CODES
                     and r["period"] in {"2014", "2015", "2016"}]
    path = tmp_path / "provinces.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    result = ingest_file(store, settings, path, "import:provinces.csv")
    assert result.quarantined == 0
    return store


def _ranked(node: Any) -> list[tuple[str, str, str]]:
    return [(getattr(n, "data-rank"), getattr(n, "data-area"),
             _text(n.children[2])) for n in walk(node)
            if getattr(n, "data-rank", None) and "rank-row" in (n.className or "")]


def test_ranking_lists_the_34_units_by_population(settings: WallSettings, loaded: Store) -> None:
    page = group_5.build(PanelContext(settings, loaded))
    block = next(n for n in walk(page) if getattr(n, "data-year", None) is not None)
    assert getattr(block, "data-year") == "2016" and getattr(block, "data-edition") == "34"
    rows = _ranked(block)
    assert len(rows) == 2 * group_5.SHOWN
    pops = {o.area: o.value for o in loaded.latest("POP_AVG") if not o.dims}
    order = sorted((a for a in pops if len(a) == 2), key=lambda a: -pops[a])
    assert [a for _, a, _ in rows[:10]] == order[:10]  # Hồ Chí Minh (with Bình Dương, BR-VT)…
    assert [a for _, a, _ in rows[10:]] == order[-10:]
    assert rows[0][:2] == ("1", "79") and rows[-1][:2] == ("34", order[-1])
    assert rows[0][2] == f"{pops['79']:,.1f}".replace(",", "X").replace(".", ",").replace(
        "X", ".")
    text = _text(page)
    assert "Năm 2016" in text and "Hồ Chí Minh" in text
    tile = next(n for n in walk(page) if "map-tile" in (getattr(n, "className", "") or ""))
    assert getattr(tile, "data-indicator") == "POP_AVG" and getattr(tile, "data-edition") == "34"


def test_a_score_ranks_the_63_provinces_as_published(settings: WallSettings,
                                                     loaded: Store) -> None:
    ctx = PanelContext(settings, loaded, params={"indicator": "PCI_SCORE", "edition": "34"})
    page = group_5.build(ctx)
    block = next(n for n in walk(page) if getattr(n, "data-year", None) is not None)
    assert getattr(block, "data-edition") == "63"  # scores exist only for the 63 provinces
    rows = _ranked(block)
    assert [(r, a) for r, a, _ in rows[:3]] == [("1", "63-48"), ("2", "63-22"), ("3", "63-87")]
    assert rows[0][2] == "70,00"  # Đà Nẵng, PCI 2016 as VCCI published it
    assert rows[-1][0] == "63"
    tile = next(n for n in walk(page) if "map-tile" in (getattr(n, "className", "") or ""))
    assert getattr(tile, "data-edition") == "63"


def test_the_63_edition_map_draws_63_provinces_and_the_archipelagos() -> None:
    outlines = province_outlines("63")
    assert len(outlines) == 63 and outlines[1]["area"] == "63-02"
    svg = map_svg(edition="63")
    areas = re.findall(r'data-area="([^"]+)"', svg)
    assert len(areas) == 63 and all(a.startswith("63-") for a in areas)
    assert "Hoàng Sa" in svg and "Trường Sa" in svg and 'class="map-islands"' in svg
    assert "(Đà Nẵng)" in svg and "(Khánh Hòa)" in svg
    assert len(re.findall(r'data-area="', map_svg())) == 34


def test_unknown_choices_fall_back_to_population_on_34_units(settings: WallSettings) -> None:
    ind, edition = group_5.choice(settings.catalogue, {"indicator": "NOPE", "edition": "x"})
    assert (ind.code, edition) == ("POP_AVG", "34")
    ind, edition = group_5.choice(settings.catalogue, {"indicator": "POVERTY_RATE",
                                                       "edition": "63"})
    assert (ind.code, edition) == ("POVERTY_RATE", "63")
    page = group_5.build(PanelContext(settings))  # no store: says there is no data yet
    assert "Chưa có số liệu" in _text(page)
    assert set(group_5.PANEL.subscription().indicators) >= set(group_5.CHOICES)


def test_province_panel_shows_each_statistic_with_its_rank(settings: WallSettings,
                                                           loaded: Store) -> None:
    page = province.build(PanelContext(settings, loaded, params={"province": "79"}))
    rows = {getattr(n, "data-statistic"): n for n in walk(page)
            if getattr(n, "data-statistic", None) and "prov-row" in (n.className or "")}
    assert _text(rows["POP_AVG"].children[4]) == "hạng 1/34"
    assert _text(rows["POP_AVG"].children[3]) == "2016"
    pops = {o.area: o.value for o in loaded.latest("POP_AVG") if not o.dims and len(o.area) == 2}
    assert len(pops) == 34
    areas = {o.area: o.value for o in loaded.latest("AREA") if not o.dims and len(o.area) == 2}
    smaller = sum(1 for v in areas.values() if v > areas["79"])
    assert _text(rows["AREA"].children[4]) == f"hạng {smaller + 1}/34"
    assert "POVERTY_RATE" in rows  # weighted by the population imported with it
    text = _text(page)
    assert "Bình Dương" in text and "Bà Rịa - Vũng Tàu" in text  # its former provinces
    pci = [n for n in walk(page) if getattr(n, "data-statistic", None) == "PCI_SCORE"]
    assert {getattr(n, "data-area") for n in pci} == {"63-74", "63-77", "63-79"}
    assert all(_text(n.children[4]).endswith("/63") for n in pci)
