"""Panels (screens' layouts): one module in layouts/screens/ each, found by its `PANEL`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from dash.development.base_component import Component

from wall.config import WallSettings
from wall.relay import Subscription
from wall.store import Store

__all__ = ["Panel", "PanelContext", "SeriesRef", "panels", "subscriptions"]


@dataclass(frozen=True)
class PanelContext:
    """What a panel is built with: config, store, and the screen's choices."""

    settings: WallSettings
    store: Store | None = None
    screen_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    lang: str = "vi"
    clearance: str = "public"


@dataclass(frozen=True)
class SeriesRef:
    """One series on a panel: indicator, area, dims."""

    indicator: str
    area: str = "VN"
    dims: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Panel:
    """A screen layout: what it draws and which series it needs pushed."""

    id: str
    title_vi: str
    title_en: str
    build: Callable[[PanelContext], Component]
    tiles: tuple[SeriesRef, ...] = ()
    trends: tuple[SeriesRef, ...] = ()
    maps: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def subscription(self) -> Subscription:
        """Return what the relay must push to a screen showing this panel."""
        indicators = ({s.indicator for s in self.tiles + self.trends} | set(self.maps)
                      | set(self.indicators))
        history = [(s.indicator, s.area, s.dims, 14) for s in self.tiles]
        history += [(s.indicator, s.area, s.dims, 120) for s in self.trends]
        return Subscription(frozenset(indicators), tuple(history))


@lru_cache(maxsize=1)
def panels() -> dict[str, Panel]:
    """Discover every `PANEL` in layouts/screens/ (one file per panel)."""
    import layouts.screens as pkg

    found: dict[str, Panel] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        panel = getattr(module, "PANEL", None)
        if isinstance(panel, Panel):
            if panel.id in found:
                raise ValueError(f"panel id {panel.id!r} defined twice")
            found[panel.id] = panel
    return found


@lru_cache(maxsize=1)
def subscriptions() -> dict[str, Subscription]:
    """Return each panel's subscription, by panel id."""
    return {pid: p.subscription() for pid, p in panels().items()}
