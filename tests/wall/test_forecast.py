"""Forecasts: transformations by kind, model choice by backtest, intervals, and the API."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from tests.helpers import bearer, obs
from wall.analysis.forecast import backtest, forecast
from wall.analysis.kinds import kind_of
from wall.analysis.paths import months_from_ytd, predict_path
from wall.analysis.periods import label_of, shift
from wall.analysis.service import Forecaster
from wall.app import create_app
from wall.config import WallSettings
from wall.store import Store

SEED = Path(__file__).resolve().parents[2] / "data_feeds" / "seed" / "indicators.csv"


@cache
def published(code: str, labels: tuple[str, ...] = ("TỔNG SỐ", "CHỈ SỐ GIÁ TIÊU DÙNG", "")
              ) -> list[tuple[str, float]]:
    """A headline series as GSO published it (the revised figure where there is one)."""
    out: dict[str, tuple[int, float]] = {}
    with SEED.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["indicator_code"] == code and row["breakdown_vi"] in labels:
                rank = 1 if row["status"] == "revised" else 0
                if rank >= out.get(row["period"], (-1, 0.0))[0]:
                    out[row["period"]] = (rank, float(row["value"]))
    return sorted((p, v) for p, (_, v) in out.items())


def test_period_arithmetic_crosses_years() -> None:
    assert shift("2024-11", 3) == "2025-02"
    assert shift("2024-Q4", 1) == "2025-Q1"
    assert shift("2024", -2) == "2022"
    assert label_of(2024 * 12 + 11, "M") == "2024-12"


def test_year_to_date_totals_give_back_their_months() -> None:
    months = [10.0, 12.0, 9.0, 11.0]
    ytd = [(f"2023-{k + 1:02d}", float(sum(months[:k + 1]))) for k in range(4)]
    assert [v for _, v in months_from_ytd(ytd)] == months
    # a month GSO did not publish alone (January with February) is spread over both
    gap = [("2024-02", 30.0), ("2024-03", 45.0)]
    assert months_from_ytd(gap) == [("2024-01", 15.0), ("2024-02", 15.0), ("2024-03", 15.0)]


def test_a_ytd_forecast_cumulates_from_the_last_total_and_restarts_in_january(
        settings: WallSettings) -> None:
    kind = kind_of(settings.catalogue.get("PUBINV_SB_YTD"), {"PUBINV_SB_YTD"})
    assert kind.name == "ytd"
    pts = published("PUBINV_SB_YTD")
    last_period, last_total = pts[-1]
    path = predict_path(pts, kind, "snaive", 12)
    assert path.periods[0] == shift(last_period, 1)
    assert path.mean[0] > last_total  # money spent is added to what was spent
    jan = path.periods.index(f"{int(last_period[:4]) + 1}-01")
    assert path.mean[jan] < path.mean[jan - 1]  # a new year starts from its January alone
    assert np.all(np.diff(path.mean[:jan]) > 0)


def test_a_ytd_average_index_is_the_average_of_its_forecast_months(
        settings: WallSettings) -> None:
    codes = frozenset(i.code for i in settings.catalogue.indicators)
    kind = kind_of(settings.catalogue.get("CPI_YTD_YOY_IDX"), codes)
    assert (kind.name, kind.companion) == ("ytd_yoy", "CPI_M_YOY_IDX")
    ytd, months = published("CPI_YTD_YOY_IDX"), published("CPI_M_YOY_IDX")
    as_of, known = ytd[-1]
    m0 = int(as_of[5:7])
    path = predict_path(ytd, kind, "naive", 6, companion=months)
    monthly = predict_path([pv for pv in months if pv[0] <= as_of], kind_of(
        settings.catalogue.get("CPI_M_YOY_IDX"), codes), "naive", 6)
    for i, period in enumerate(path.periods):
        k = int(period[5:7])
        if period[:4] != as_of[:4]:
            break
        expected = (known * m0 + sum(monthly.mean[: k - m0])) / k
        assert path.mean[i] == pytest.approx(expected)


def test_yoy_indices_are_not_seasonal_and_levels_are(settings: WallSettings) -> None:
    codes = frozenset(i.code for i in settings.catalogue.indicators)
    assert not kind_of(settings.catalogue.get("CPI_M_YOY_IDX"), codes).seasonal
    level = kind_of(settings.catalogue.get("EXPORTS_M"), codes)
    assert level.seasonal and level.log and level.benchmark == "snaive"
    assert kind_of(settings.catalogue.get("CPI_M_YOY_IDX"), codes).benchmark == "naive"


def test_backtest_chooses_a_model_that_beats_seasonal_naive_on_a_seasonal_trend() -> None:
    rng = np.random.default_rng(7)
    n = 132
    t = np.arange(n)
    season = np.tile([0.0, -0.25, 0.1, 0.05, 0.08, 0.06, 0.1, 0.12, 0.07, 0.09, 0.1, 0.2], 11)
    y = np.exp(9 + 0.01 * t + season + rng.normal(0, 0.02, n))
    pts = [(label_of(2012 * 12 + k, "M"), float(v)) for k, v in enumerate(y)]
    from wall.analysis.kinds import SeriesKind

    kind = SeriesKind("level", True, True, "snaive")
    bt = backtest(pts[:-12], kind)
    assert bt.chosen != "snaive" and bt.mase[bt.chosen] < bt.mase["snaive"]
    fc = forecast("X", "VN", {}, pts[:-12], kind, 12, chosen=bt)
    assert [p["period"] for p in fc.points] == [p for p, _ in pts[-12:]]
    actual = np.array([v for _, v in pts[-12:]])
    mean = np.array([p["mean"] for p in fc.points])
    naive = np.array([v for _, v in pts[-24:-12]])
    assert np.mean(np.abs(mean - actual)) < np.mean(np.abs(naive - actual))
    for p in fc.points:
        assert p["lo95"] <= p["lo80"] <= p["mean"] <= p["hi80"] <= p["hi95"]


def _load(store: Store, code: str, pts: list[tuple[str, float]], unit: str) -> None:
    store.write([obs(indicator=code, period=p, value=v, unit=unit) for p, v in pts])


@pytest.fixture
def client(settings: WallSettings, store: Store) -> FlaskClient:
    client = create_app(settings, store, start_relay=False).server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(store)["Authorization"]
    return client


def test_forecast_api_answers_from_the_last_period_and_keeps_the_result(
        client: FlaskClient, store: Store) -> None:
    pts = published("EXPORTS_M")
    _load(store, "EXPORTS_M", pts[:-6], "million USD")
    resp = client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN&horizon=6")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["as_of"] == pts[-7][0]
    assert body["model"] in ("snaive", "ets", "sarima", "sgrowth", "combo", "combo3")
    assert [p["period"] for p in body["points"]] == [p for p, _ in pts[-6:]]
    assert all(p["lo95"] <= p["lo80"] <= p["mean"] <= p["hi80"] <= p["hi95"]
               for p in body["points"])
    again = client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN&horizon=3").get_json()
    assert again["computed_at"] == body["computed_at"] and len(again["points"]) == 3
    _load(store, "EXPORTS_M", pts[-6:-5], "million USD")  # a new month: a new forecast
    kept = client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN&cached=1").get_json()
    assert kept["as_of"] == pts[-7][0]  # a screen gets what is kept; it does not make work
    moved = client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN").get_json()
    assert moved["as_of"] == pts[-6][0] and moved["points"][0]["period"] == pts[-5][0]


def test_forecast_api_refuses_what_it_cannot_answer(client: FlaskClient, store: Store,
                                                   settings: WallSettings) -> None:
    assert client.get("/api/v1/forecast?indicator=EXPORTS_M").status_code == 400
    assert client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN").status_code == 404
    _load(store, "EXPORTS_M", published("EXPORTS_M")[:3], "million USD")
    assert client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN").status_code == 422
    assert client.get("/api/v1/forecast?indicator=EXPORTS_M&area=VN&horizon=x"
                      ).status_code == 400
    restricted = next(i.code for i in settings.catalogue.indicators
                      if i.classification == "restricted")
    viewer = {"Authorization": bearer(store, "viewer", "public")["Authorization"]}
    resp = client.get(f"/api/v1/forecast?indicator={restricted}&area=VN", headers=viewer)
    assert resp.status_code == 403


def test_forecaster_reuses_the_model_choice_until_it_is_due_again(
        settings: WallSettings, store: Store) -> None:
    pts = published("CPI_M_YOY_IDX")
    _load(store, "CPI_M_YOY_IDX", pts[:-3], "index (same period previous year = 100)")
    f = Forecaster(store, settings.catalogue)
    first = f.get("CPI_M_YOY_IDX", "VN")
    _load(store, "CPI_M_YOY_IDX", pts[-3:-2], "index (same period previous year = 100)")
    second = f.get("CPI_M_YOY_IDX", "VN")
    assert second.as_of == pts[-3][0] and second.backtest.selected_at == first.as_of
