"""Locked tile: stands in for any tile whose indicator the viewer is not cleared to see."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dash import html
from dash.development.base_component import Component

__all__ = ["lock_hidden", "tile_indicators"]

TEXT = {"vi": ("NỘI DUNG HẠN CHẾ", "Cần được cấp quyền truy cập cao hơn để xem"),
        "en": ("RESTRICTED", "A higher clearance is needed to see this")}
LAYER = {"vi": "Lớp số liệu hạn chế: cần được cấp quyền cao hơn",
         "en": "Restricted data layer: a higher clearance is needed"}


def tile_indicators(c: Any) -> set[str]:
    """Return the indicators a component draws (KPI, map, trend and status tiles say so)."""
    found: set[str] = set()
    if getattr(c, "data-indicator", None):
        found.add(getattr(c, "data-indicator"))
    key = getattr(c, "data-key", None)
    if isinstance(key, str) and key:
        found.add(key.split(":", 1)[0])
    series = getattr(c, "data-series", None)
    if isinstance(series, str) and series:
        found |= {s["key"].split(":", 1)[0] for s in json.loads(series)}
    return found


def _locked(c: Any, lang: str) -> html.Div:
    title, note = TEXT.get(lang, TEXT["vi"])
    return html.Div(className=f"{getattr(c, 'className', '') or ''} locked-tile".strip(),
                    style=getattr(c, "style", None), **{"data-locked": "1"}, children=[
        html.Div(title, className="locked-title"), html.Div(note, className="locked-note")])


def _map_without_layer(c: Any, lang: str) -> Any:
    """A map keeps its geography (and the archipelagos); only its data layer goes."""
    setattr(c, "data-indicator", "")
    c.children = [html.Div(LAYER.get(lang, LAYER["vi"]), className="map-legend locked-layer",
                           **{"data-locked": "1"})
                  if "map-legend" in (getattr(ch, "className", "") or "") else ch
                  for ch in c.children]
    return c


def lock_hidden(tree: Component, hidden: Callable[[str], bool], lang: str = "vi") -> Component:
    """Replace, throughout a layout, every tile drawing an indicator for which `hidden` is true."""
    if any(hidden(i) for i in tile_indicators(tree)):
        if "map-tile" in (getattr(tree, "className", "") or ""):
            return _map_without_layer(tree, lang)
        return _locked(tree, lang)
    children = getattr(tree, "children", None)
    if isinstance(children, Component):
        tree.children = lock_hidden(children, hidden, lang)
    elif isinstance(children, list | tuple):
        tree.children = [lock_hidden(ch, hidden, lang) if isinstance(ch, Component) else ch
                         for ch in children]
    return tree
