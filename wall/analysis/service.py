"""Forecasts for the rest of the wall: read a series from the store, forecast, keep the result.

A kept forecast is reused while its series has no newer period. The model choice (a full
rolling-origin backtest) is kept too and redone every `RESELECT` periods; in between, a new period
refits the chosen model only, so a month's arrival costs one fit, not a tournament.
"""

from __future__ import annotations

import threading
from typing import Any

from wall.analysis.forecast import Backtest, Forecast, InsufficientData, forecast
from wall.analysis.kinds import SeriesKind, kind_of
from wall.analysis.paths import Point
from wall.analysis.periods import freq_of, index_of, season_length
from wall.config import Catalogue
from wall.observation import series_key
from wall.store import Store

__all__ = ["DEFAULT_HORIZON", "MAX_HORIZON", "Forecaster", "InsufficientData", "UnknownSeries",
           "api_body", "default_horizon"]

DEFAULT_HORIZON = {"M": 12, "Q": 12, "A": 3}
MAX_HORIZON = 60


def default_horizon(last: str) -> int:
    """Periods kept ahead: 12, or more to reach the end of next year (next year's targets)."""
    freq = freq_of(last) or "M"
    if freq == "A":
        return DEFAULT_HORIZON["A"]
    n = season_length(freq)
    to_next_year_end = 2 * n - (index_of(last) % n + 1)
    return max(DEFAULT_HORIZON[freq], to_next_year_end)
RESELECT = 6


class UnknownSeries(LookupError):
    """No stored series for this indicator, area and dims."""


class Forecaster:
    """Forecast stored series on request, keeping results (and model choices) in Redis."""

    def __init__(self, store: Store, catalogue: Catalogue, compute: bool = True) -> None:
        self.store = store
        self.compute = compute  # False: only what is kept (screens never wait for a model)
        self.catalogue = catalogue
        self.codes = frozenset(i.code for i in catalogue.indicators)
        self._busy = threading.Lock()  # one forecast at a time per process: it is CPU work

    def kind(self, indicator: str) -> SeriesKind:
        """How this indicator's series are forecast."""
        ind = self.catalogue.get(indicator)
        if ind is None:
            raise UnknownSeries(f"{indicator} is not in the catalogue")
        return kind_of(ind, self.codes)

    def points(self, indicator: str, area: str, dims: dict[str, str]) -> list[Point]:
        """The stored values of one series as (period, value), regular periods only."""
        return [(o.period, o.value) for o in self.store.series(indicator, area, dims)
                if o.value is not None and freq_of(o.period)]

    def inputs(self, kind: SeriesKind, area: str, dims: dict[str, str]
               ) -> tuple[list[Point], list[Point]]:
        """The series a kind is forecast through: its monthly companion and weighting flow."""
        return (self.points(kind.companion, area, dims) if kind.companion else [],
                self.points(kind.weights, area, dims) if kind.weights else [])

    def cached(self, indicator: str, area: str, dims: dict[str, str]) -> Forecast | None:
        """The kept forecast of a series, whatever its age."""
        body = self.store.result("forecast", series_key(indicator, area, dims))
        return Forecast.from_dict(body) if body else None

    def get(self, indicator: str, area: str, dims: dict[str, str] | None = None,
            horizon: int | None = None, compute: bool | None = None) -> Forecast | None:
        """The forecast from the series' latest period; computed (and kept) if not yet kept.

        With `compute=False`, whatever is kept (perhaps from an earlier period), or None.
        """
        dims = dims or {}
        pts = self.points(indicator, area, dims)
        if not pts:
            raise UnknownSeries(f"no stored series {series_key(indicator, area, dims)}")
        kind = self.kind(indicator)
        last = max(pts, key=lambda pv: index_of(pv[0]))[0]
        want = min(horizon or default_horizon(last), MAX_HORIZON)
        kept = self.cached(indicator, area, dims)
        if kept and kept.as_of == last and len(kept.points) >= want:
            return _cut(kept, want)
        if not (self.compute if compute is None else compute):  # an older one still answers
            return _cut(kept, want) if kept else None
        with self._busy:
            fc = self._compute(indicator, area, dims, pts, kind, want, kept)
        self.store.put_result("forecast", series_key(indicator, area, dims), fc.to_dict())
        return _cut(fc, want)

    def _compute(self, indicator: str, area: str, dims: dict[str, str], pts: list[Point],
                 kind: SeriesKind, horizon: int, kept: Forecast | None) -> Forecast:
        companion, weights = self.inputs(kind, area, dims)
        last = max(pts, key=lambda pv: index_of(pv[0]))[0]
        reuse: Backtest | None = None
        chosen_at = kept.backtest.selected_at if kept else ""
        if kept and chosen_at and freq_of(chosen_at) == freq_of(last):
            ahead = index_of(last) - index_of(chosen_at)
            if 0 <= ahead < RESELECT and kept.backtest.chosen:
                reuse = kept.backtest
        horizon = max(horizon, default_horizon(last))
        return forecast(indicator, area, dims, pts, kind, horizon, companion, weights, reuse)


def _cut(fc: Forecast, horizon: int) -> Forecast:
    return Forecast(**{**fc.__dict__, "points": fc.points[:horizon]})


def api_body(fc: Forecast, unit: str = "") -> dict[str, Any]:
    """The `/api/v1/forecast` answer for a forecast."""
    bt = fc.backtest
    return {"indicator": fc.indicator, "area": fc.area, "dims": fc.dims, "as_of": fc.as_of,
            "model": fc.model, "kind": fc.kind, "unit": unit, "points": fc.points,
            "computed_at": fc.computed_at,
            "backtest": {"origins": bt.origins, "benchmark": bt.benchmark,
                         "mase": bt.mase.get(fc.model), "benchmark_mase": bt.mase.get(
                             bt.benchmark), "coverage80": bt.coverage80.get(fc.model),
                         "coverage95": bt.coverage95.get(fc.model),
                         "interval_scale": [bt.scale80, bt.scale95]}}
