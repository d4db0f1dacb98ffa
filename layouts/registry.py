"""Panels (screens' layouts): one module in layouts/screens/ each, found by its `PANEL`.

A module exports `PANEL` (a Panel) or `panel(settings) -> Panel` when what it shows follows the
configuration it is given (the group panels list the catalogue). A panel with more tiles than
fit has pages: page N is `?page=N` and has its own subscription, keyed `panel#N` (N > 1).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from dash.development.base_component import Component

from wall.config import WallSettings, load_settings
from wall.relay import Subscription
from wall.store import Store

__all__ = ["Panel", "PanelContext", "SeriesRef", "bind", "page_of", "panels", "param_room",
           "room_key", "subscriptions"]


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
class Page:
    """One page of a paged panel: its tiles and trends."""

    tiles: tuple[SeriesRef, ...]
    trends: tuple[SeriesRef, ...] = ()


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
    pages: tuple[Page, ...] = ()
    # a panel whose series follow a parameter (the analysis panel's indicator) subscribes per
    # value: room `analysis#@EXPORTS_M`; None when the value is not one it can show
    subscribe_param: Callable[[str], Subscription | None] | None = None
    # whether it draws with Plotly (dcc.Graph): only then does its page load the Plotly bundle
    plotly: bool = False

    def page(self, n: int) -> Page:
        """Return page `n` (from 1; clamped), or the whole panel when it has no pages."""
        if not self.pages:
            return Page(self.tiles, self.trends)
        return self.pages[max(1, min(n, len(self.pages))) - 1]

    def subscription(self, page: int = 1) -> Subscription:
        """Return what the relay must push to a screen showing this panel (and page)."""
        shown = self.page(page)
        indicators = ({s.indicator for s in shown.tiles + shown.trends} | set(self.maps)
                      | set(self.indicators) | {"REPLAY_ASOF"})
        history = [(s.indicator, s.area, s.dims, 14) for s in shown.tiles]
        history += [(s.indicator, s.area, s.dims, 120) for s in shown.trends]
        return Subscription(frozenset(indicators), tuple(history))


def page_of(params: dict[str, str]) -> int:
    """Return the page a screen asks for (`page`, from 1), 1 when absent or not a number."""
    raw = str(params.get("page") or "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def room_key(panel: Panel, page: int) -> str:
    """Return the subscription key of a panel's page: `group-1`, `group-1#2`, …"""
    n = max(1, min(page, len(panel.pages) or 1))
    return panel.id if n == 1 else f"{panel.id}#{n}"


_BOUND: list[WallSettings] = []


def param_room(panel_id: str, value: str) -> str:
    """The room of a panel shown for one parameter value (`analysis#@EXPORTS_M`)."""
    return f"{panel_id}#@{value}"


class _Subscriptions(Mapping[str, Subscription]):
    """Each room's subscription: panel pages, and parameter rooms worked out when first asked."""

    def __init__(self, fixed: dict[str, Subscription], found: dict[str, Panel]) -> None:
        self.fixed = fixed
        self.found = found
        self.made: dict[str, Subscription] = {}

    def __getitem__(self, key: str) -> Subscription:
        if key in self.fixed:
            return self.fixed[key]
        if key not in self.made and "#@" in key:
            pid, value = key.split("#@", 1)
            panel = self.found.get(pid)
            made = panel.subscribe_param(value) if panel and panel.subscribe_param else None
            if made is not None:
                self.made[key] = made
        return self.made[key]

    def __contains__(self, key: object) -> bool:
        try:
            self[str(key)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter({**self.fixed, **self.made})

    def __len__(self) -> int:
        return len(self.fixed) + len(self.made)


@dataclass
class _Built:
    """The panels built for one settings object, and their subscriptions once asked for."""

    settings: WallSettings
    panels: dict[str, Panel]
    subscriptions: _Subscriptions | None = None


_CACHE: dict[int, _Built] = {}


def bind(settings: WallSettings) -> None:
    """Make `settings` the configuration `panels()` uses when not given one (the app's)."""
    _BOUND[:] = [settings]


def _built(settings: WallSettings | None) -> _Built:
    import layouts.screens as pkg

    if settings is None:
        if not _BOUND:
            _BOUND.append(load_settings())
        settings = _BOUND[0]
    cached = _CACHE.get(id(settings))
    if cached is not None and cached.settings is settings:
        return cached
    found: dict[str, Panel] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        factory = getattr(module, "panel", None)
        panel = factory(settings) if callable(factory) else getattr(module, "PANEL", None)
        if isinstance(panel, Panel):
            if panel.id in found:
                raise ValueError(f"panel id {panel.id!r} defined twice")
            found[panel.id] = panel
    _CACHE[id(settings)] = _Built(settings, found)
    return _CACHE[id(settings)]


def panels(settings: WallSettings | None = None) -> dict[str, Panel]:
    """Every panel of layouts/screens/ built for `settings` (default: the bound settings)."""
    return _built(settings).panels


def subscriptions(settings: WallSettings | None = None) -> Mapping[str, Subscription]:
    """Return each panel page's subscription, by room key (`overview`, `group-1#2`, …)."""
    built = _built(settings)
    if built.subscriptions is None:
        built.subscriptions = _Subscriptions(
            {room_key(p, n): p.subscription(n) for p in built.panels.values()
             for n in range(1, max(1, len(p.pages)) + 1)}, built.panels)
    return built.subscriptions
