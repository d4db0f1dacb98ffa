"""The wall's map as SVG: every province of its edition, both archipelagos, overlays, in bounds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from layouts.screens._kit import storm_tracks
from layouts.tiles.map import map_figure
from layouts.tiles.map_geometry import points_of_interest, province_outlines
from layouts.tiles.map_svg import HEIGHT, WIDTH, map_svg

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed XML: names escaped, every element closed


def _points(d: str) -> list[tuple[int, int]]:
    """Absolute points of a path written as moves, relative line steps and closes."""
    pts: list[tuple[int, int]] = []
    for ring in re.findall(r"M(-?\d+) (-?\d+)l?([-\d ]*)z", d):
        x, y = int(ring[0]), int(ring[1])
        pts.append((x, y))
        steps = [int(v) for v in ring[2].split()]
        for dx, dy in zip(steps[::2], steps[1::2], strict=True):
            x, y = x + dx, y + dy
            pts.append((x, y))
    return pts


def test_the_34_unit_map_has_a_path_per_province_and_both_archipelagos() -> None:
    root = _parse(map_svg())
    areas = [p.get("data-area") for p in root.iter(f"{SVG}path") if p.get("data-area")]
    assert sorted(areas) == sorted(p["area"] for p in province_outlines("34"))
    assert len(set(areas)) == 34
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Hoàng Sa" in texts and "Trường Sa" in texts
    assert "(Đà Nẵng)" in texts and "(Khánh Hòa)" in texts
    islands = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "map-islands")
    xs = [x for x, _ in _points(islands.get("d", ""))]
    east_of_110 = (110 - 101.9) * 200
    assert min(xs) > east_of_110 and max(xs) > (114 - 101.9) * 200


def test_every_province_outline_lies_inside_the_drawing() -> None:
    root = _parse(map_svg(edition="63"))
    paths = [p for p in root.iter(f"{SVG}path") if p.get("data-area")]
    assert len(paths) == 63 and all(p.get("data-area", "").startswith("63-") for p in paths)
    for p in paths:
        pts = _points(p.get("d", ""))
        assert len(pts) >= 4, p.get("data-area")
        assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in pts), p.get("data-area")
    hanoi = next(p for p in paths if p.get("data-area") == "63-01")
    saigon = next(p for p in paths if p.get("data-area") == "63-79")
    # north is up: Hà Nội above Hồ Chí Minh City, and west of it
    assert max(y for _, y in _points(hanoi.get("d", ""))) < min(
        y for _, y in _points(saigon.get("d", "")))


def test_highlight_layers_and_tracks_are_drawn_on_top() -> None:
    tracks = storm_tracks()[:2]
    root = _parse(map_svg(("border_gate_road", "dam"), tracks, highlight="79"))
    children = list(root)
    kinds = [c.get("class") for c in children]
    assert kinds.index("map-provinces") < kinds.index("map-highlight") < kinds.index("map-track")
    lit = children[kinds.index("map-highlight")]
    province = next(p for p in root.iter(f"{SVG}path") if p.get("data-area") == "79")
    assert lit.get("d") == province.get("d")
    layers = {g.get("data-layer"): g for g in root.iter(f"{SVG}g") if g.get("data-layer")}
    gates = [p for p in points_of_interest() if p["kind"] == "border_gate_road"]
    assert len(list(layers["border_gate_road"])) == len(gates) > 0
    key = " ".join(t.text or "" for g in root.iter(f"{SVG}g") if g.get("class") == "map-key"
                   for t in g.iter(f"{SVG}text"))
    assert "Cửa khẩu" in key and "Đập thủy điện" in key
    names = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "map-track"
             for t in g.iter(f"{SVG}text")]
    assert names == [t["name"] for t in tracks]
    assert map_svg() != map_svg(highlight="79") and "map-highlight" not in map_svg()


def test_the_meeting_tables_map_presses_provinces_of_either_edition() -> None:
    for edition, count in (("34", 34), ("63", 63)):
        fig = map_figure(edition)
        assert len([t for t in fig.data if t.meta]) == count
        assert any(t.name == "archipelagos" for t in fig.data)
        labels = " ".join(a.text for a in fig.layout.annotations)
        assert "Hoàng Sa" in labels and "Trường Sa" in labels
