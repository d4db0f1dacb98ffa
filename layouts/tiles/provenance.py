"""Simulated is marked where it is shown: every tile, cell and map fed by a simulated source.

`mark_simulated` walks a built panel once: each KPI tile, trend, map and status cell gets
`data-simulated="true|false"` and a "MÔ PHỎNG" mark that CSS shows only when true. The source of
the stored value decides; before any value arrives, the feeds' `provides` declarations do.
assets/wall.js keeps the attribute true to each value that arrives after.
"""

from __future__ import annotations

import json
from typing import Any

from dash import html
from dash.development.base_component import Component

from wall.config import WallSettings

__all__ = ["SIM_TEXT", "mark_simulated"]

SIM_TEXT = {"vi": "MÔ PHỎNG", "en": "SIMULATED"}
_MARKED = ("kpi-tile", "status-cell", "map-tile", "trend-tile")


def _keys(c: Any) -> list[str]:
    key = getattr(c, "data-key", None)
    if isinstance(key, str) and key:
        return [key]
    series = getattr(c, "data-series", None)
    if isinstance(series, str) and series:
        return [s["key"] for s in json.loads(series)]
    code = getattr(c, "data-indicator", None)
    return [code] if code else []


class _Sources:
    """The source of each stored series, fetched once per indicator, and the config's view."""

    def __init__(self, settings: WallSettings, store: Any) -> None:
        self.store = store
        self.by_code: dict[str, dict[str, str]] = {}
        self.fake = settings.simulated_sources()
        self.declared = settings.simulated_indicators()

    def of(self, code: str) -> dict[str, str]:
        if code not in self.by_code:
            found: dict[str, str] = {}
            if self.store is not None:
                try:
                    found = {o.key: o.source for o in self.store.latest(code)}
                except Exception:  # Redis down: fall back to what the feeds declare
                    found = {}
            self.by_code[code] = found
        return self.by_code[code]


def _simulated(key: str, sources: _Sources) -> bool:
    code = key.split(":", 1)[0]
    stored = sources.of(code)
    fake = sources.fake
    if ":" not in key:   # a map or layer: the whole indicator
        if stored:
            return any(s in fake for s in stored.values())
    elif key in stored:
        return stored[key] in fake
    if code == "FEED_STATUS" and "feed=" in key:
        return key.split("feed=", 1)[1].split("|", 1)[0] in fake
    return code in sources.declared


def mark_simulated(tree: Component, settings: WallSettings, store: Any,
                   lang: str = "vi") -> Component:
    """Mark every tile, cell and map in `tree` simulated or real, with a visible mark."""
    sources = _Sources(settings, store)

    def walk(c: Any) -> None:
        cls = getattr(c, "className", "") or ""
        if any(m in cls.split() for m in _MARKED):
            keys = _keys(c)
            if keys:
                sim = any(_simulated(k, sources) for k in keys)
                setattr(c, "data-simulated", "true" if sim else "false")
                mark = html.Span(SIM_TEXT.get(lang, SIM_TEXT["vi"]), className="sim-mark")
                kids = c.children if isinstance(c.children, list) else [c.children]
                c.children = [*[k for k in kids if k is not None], mark]
                return
        children = getattr(c, "children", None)
        if isinstance(children, Component):
            walk(children)
        elif isinstance(children, list | tuple):
            for ch in children:
                if isinstance(ch, Component):
                    walk(ch)

    walk(tree)
    return tree
