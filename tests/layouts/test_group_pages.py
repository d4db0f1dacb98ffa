"""Group panels list the whole catalogue they are given, in pages, each page its own room."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from data_feeds.replay import SEED
from layouts.registry import PanelContext, panels, subscriptions
from tests.conftest import REPO
from tests.helpers import walk
from wall.config import WallSettings, load_settings


def _tile_codes(settings: WallSettings, panel_id: str, page: int) -> set[str]:
    tree = panels(settings)[panel_id].build(PanelContext(settings, params={"page": str(page)}))
    return {getattr(n, "data-indicator") for n in walk(tree)
            if getattr(n, "className", "") == "kpi-tile"}


def test_every_seeded_series_is_on_a_group_page_and_150_real_ones_are(
        settings: WallSettings) -> None:
    shown: set[str] = set()
    for g in range(1, 8):
        panel = panels(settings)[f"group-{g}"]
        for n in range(1, max(1, len(panel.pages)) + 1):
            shown |= _tile_codes(settings, panel.id, n)
    with SEED.open(encoding="utf-8") as fh:
        seeded = {r["indicator_code"] for r in csv.DictReader(fh)}
    seeded = {c for c in seeded if (i := settings.catalogue.get(c)) and i.group != 5}
    assert seeded - shown == set()
    real = shown - settings.simulated_indicators()
    assert len(real) >= 150


def test_a_page_is_addressable_and_has_its_own_subscription(settings: WallSettings) -> None:
    panel = panels(settings)["group-1"]
    assert len(panel.pages) > 2
    tree = panel.build(PanelContext(settings, params={"page": "2"}))
    root = next(n for n in walk(tree) if getattr(n, "data-panel", None) == "group-1")
    assert getattr(root, "data-room") == "group-1#2"
    assert getattr(root, "data-page") == "2" and getattr(root, "data-rotate") == "0"
    page2 = _tile_codes(settings, "group-1", 2)
    assert page2 and page2.isdisjoint(_tile_codes(settings, "group-1", 1))
    assert subscriptions(settings)["group-1#2"].indicators >= page2
    rotating = panel.build(PanelContext(settings))
    root = next(n for n in walk(rotating) if getattr(n, "data-panel", None) == "group-1")
    assert getattr(root, "data-rotate") == "1"   # on the wall, pages take turns


def test_panels_follow_the_config_they_are_given(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "catalogue.d" / "extra.yaml").write_text(
        "apiVersion: 1\nindicators:\n  - {code: EXTRA_TEST_SERIES, name_vi: 'Chỉ tiêu thử', "
        "name_en: Test series, short_vi: 'Chỉ tiêu thử', group: 4, unit: 'tỷ đồng', "
        "frequency: M, owner: 'Bộ Tài chính'}\n", encoding="utf-8")
    mine = load_settings(folder)
    assert "EXTRA_TEST_SERIES" in _tile_codes(mine, "group-4", 1)
    assert "EXTRA_TEST_SERIES" not in _tile_codes(load_settings(), "group-4", 1)
