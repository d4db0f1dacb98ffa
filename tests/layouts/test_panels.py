"""Every registered panel builds, with unique ids and only catalogued indicators."""

from __future__ import annotations

from collections import Counter

from layouts.registry import PanelContext, panels, subscriptions
from tests.helpers import walk
from wall.config import WallSettings


def test_every_panel_builds_with_unique_ids_and_catalogued_indicators(
        settings: WallSettings) -> None:
    assert "overview" in panels()
    for panel in panels().values():
        nodes = walk(panel.build(PanelContext(settings)))
        ids = [n.id for n in nodes if getattr(n, "id", None)]
        assert not [i for i, c in Counter(ids).items() if c > 1], panel.id
        named = {getattr(n, "data-indicator", None) for n in nodes} - {None}
        named |= {getattr(n, "data-key").split(":")[0] for n in nodes
                  if getattr(n, "data-key", None)}
        assert all(code in settings.catalogue for code in named), panel.id
        assert named or panel.id == "compliance", panel.id
        assert subscriptions()[panel.id].indicators >= named


def test_overview_has_8_to_12_kpi_tiles_with_the_testing_contract(settings: WallSettings) -> None:
    nodes = walk(panels()["overview"].build(PanelContext(settings)))
    tiles = [n for n in nodes if getattr(n, "className", "") == "kpi-tile"]
    assert 8 <= len(tiles) <= 12
    for tile in tiles:
        assert getattr(tile, "data-indicator") and getattr(tile, "data-area")
        values = [n for n in walk(tile.children) if getattr(n, "className", "") == "tile-value"]
        assert len(values) == 1
        for attr in ("data-value", "data-period", "data-observed-at"):
            assert hasattr(values[0], attr)
    roots = [n for n in nodes if getattr(n, "data-panel", None) == "overview"]
    assert len(roots) == 1

