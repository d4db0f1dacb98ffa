"""Analysis of one series: derived figures equal GSO's indices, STL, contributions, the worker."""

from __future__ import annotations

import numpy as np
import pytest

from layouts.registry import PanelContext, panels, subscriptions
from tests.helpers import obs, wait_for, walk
from tests.wall.test_forecast import published
from wall.analysis.derived import contributions, derived_figures, stl
from wall.analysis.periods import label_of
from wall.analysis.worker import ForecastWorker
from wall.config import WallSettings
from wall.observation import series_key
from wall.store import Store


def _load(store: Store, code: str, unit: str, label: str = "") -> None:
    pts = published(code, (label,) if label else ("TỔNG SỐ", "CHỈ SỐ GIÁ TIÊU DÙNG", ""))
    store.write([obs(indicator=code, period=p, value=v, unit=unit) for p, v in pts])


def test_figures_derived_from_the_level_equal_what_gso_publishes(
        settings: WallSettings, store: Store) -> None:
    _load(store, "INTL_ARRIVALS_M", "thousand arrivals")
    _load(store, "INTL_ARRIVALS_YTD", "thousand arrivals")
    _load(store, "INTL_ARRIVALS_M_YOY_IDX", "index (same period previous year = 100)")
    rows = {r.measure: r for r in derived_figures(store, settings.catalogue, "INTL_ARRIVALS_M")}
    for measure in ("M_YOY_IDX", "YTD"):
        assert rows[measure].published is not None
        assert rows[measure].derived == pytest.approx(rows[measure].published, abs=0.01)


def test_cpi_indices_are_derived_from_the_index_level(settings: WallSettings,
                                                      store: Store) -> None:
    _load(store, "PCPI_IX", "index (base 2019)")
    _load(store, "CPI_M_MOM_IDX", "index (previous month = 100)")
    _load(store, "CPI_YTD_YOY_IDX", "index (same period previous year = 100)")
    rows = {r.measure: r for r in derived_figures(store, settings.catalogue, "CPI_M_YOY_IDX")}
    assert rows["M_MOM_IDX"].difference == pytest.approx(0, abs=0.01)
    assert rows["YTD_YOY_IDX"].difference == pytest.approx(0, abs=0.01)  # average of months


def test_stl_finds_the_seasons_of_a_seasonal_series() -> None:
    rng = np.random.default_rng(3)
    season = np.array([-0.2, -0.1, 0.0, 0.05, 0.05, 0.1, 0.1, 0.05, 0.0, 0.0, 0.0, -0.05])
    n = 96
    y = np.exp(8 + 0.005 * np.arange(n) + np.tile(season, n // 12) + rng.normal(0, 0.01, n))
    parts = stl([(label_of(2015 * 12 + k, "M"), float(v)) for k, v in enumerate(y)])
    found = np.array(parts["seasonal"][-12:])
    assert np.corrcoef(found, (np.exp(season) - 1) * 100)[0, 1] > 0.95
    assert parts["multiplicative"] and len(parts["trend"]) == n


def test_contributions_of_rows_that_add_up_sum_to_the_total_growth(
        settings: WallSettings, store: Store) -> None:
    parts = {"A": (100.0, 130.0), "B": (300.0, 290.0)}
    records = []
    for label, (before, after) in parts.items():
        dims = {"breakdown": label, "breakdown_group": "Khu vực"}
        records += [obs(period="2023-05", value=before, dims=dims),
                    obs(period="2024-05", value=after, dims=dims)]
    records += [obs(period="2023-05", value=400.0), obs(period="2024-05", value=420.0)]
    store.write(records)
    period, rows = contributions(store, settings.catalogue, "EXPORTS_M")
    assert period == "2024-05" and rows[0].label == "A" and rows[0].additive
    assert sum(r.change for r in rows) == pytest.approx((420 / 400 - 1) * 100)


def test_analysis_panel_follows_the_chosen_indicator(settings: WallSettings,
                                                     store: Store) -> None:
    _load(store, "INTL_ARRIVALS_M", "thousand arrivals")
    store.write([obs(indicator="INTL_ARRIVALS_M", period=p, value=v, unit="thousand arrivals",
                     dims={"breakdown": "Hàn Quốc", "breakdown_group": "Thị trường"})
                 for p, v in (("2023-06", 300.0), ("2024-06", 350.0))])
    tree = panels(settings)["analysis"].build(PanelContext(settings, store, params={
        "indicator": "INTL_ARRIVALS_M"}))
    nodes = walk(tree)
    root = next(n for n in nodes if getattr(n, "data-indicator", None))
    assert getattr(root, "data-indicator") == "INTL_ARRIVALS_M"
    assert {"analysis-stl", "analysis-contrib"} <= {getattr(n, "id", None) for n in nodes}
    screen = next(n for n in nodes if getattr(n, "data-room", None))
    room = getattr(screen, "data-room")
    assert room == "analysis#@INTL_ARRIVALS_M"
    subs = subscriptions(settings)
    assert room in subs and "INTL_ARRIVALS_M" in subs[room].indicators
    assert "analysis#@NOT_AN_INDICATOR" not in subs


def test_worker_refits_a_series_when_its_next_period_arrives(
        settings: WallSettings, store: Store) -> None:
    pts = published("CPI_M_YOY_IDX")
    unit = "index (same period previous year = 100)"
    store.write([obs(indicator="CPI_M_YOY_IDX", period=p, value=v, unit=unit)
                 for p, v in pts[:-1]])
    worker = ForecastWorker(store, settings.catalogue, pace_s=0.0).start()
    key = series_key("CPI_M_YOY_IDX", "VN")
    try:
        wait_for(lambda: (store.result("forecast", key) or {}).get("as_of") == pts[-2][0],
              "the first forecast")
        store.write([obs(indicator="CPI_M_YOY_IDX", period=pts[-1][0], value=pts[-1][1],
                         unit=unit)])
        wait_for(lambda: (store.result("forecast", key) or {}).get("as_of") == pts[-1][0],
              "the forecast from the new month")
    finally:
        worker.stop()
    assert worker.failed == 0
