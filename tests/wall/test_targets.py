"""Plan targets: the file covers the National Assembly's, progress is computed from the data."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from layouts.registry import PanelContext, panels
from tests.helpers import bearer, obs, walk
from tests.wall.test_forecast import published
from wall.analysis.service import Forecaster
from wall.analysis.targets import progress, progress_all
from wall.app import create_app
from wall.config import ConfigError, PlanTarget, WallSettings, load_settings
from wall.store import Store

REPO = Path(__file__).resolve().parents[2]
NA_FILE = REPO.parent / "shared" / "data" / "indicators" / "na_socioeconomic_targets_2024_2025.csv"
GDP = "NGDP_R_PA_XDC"


@pytest.mark.skipif(not NA_FILE.exists(), reason="needs ../shared (the NA targets file)")
def test_every_national_assembly_target_is_in_targets_yaml(settings: WallSettings) -> None:
    ours = {(t.year, t.id.split("-", 1)[1]): t for t in settings.targets.targets
            if not t.example}
    with NA_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        key = (int(row["plan_year"]), row["target_code"])
        assert key in ours, f"{key} missing from config/targets.yaml"
        t = ours[key]
        low = float(row["value_low"]) if row["value_low"] else None
        high = float(row["value_high"]) if row["value_high"] else None
        assert (t.low, t.high) in ((low, high), (low, None), (None, high)), key
        assert t.adopted == row["adopted"] and t.source_url == row["source_url"]
    assert len(ours) == len(rows)


def test_a_revised_target_keeps_the_one_it_revises(settings: WallSettings) -> None:
    revised = {t.supersedes: t for t in settings.targets.targets if t.supersedes}
    assert revised["NA2025-GDP_GROWTH"].low == 8.0
    gdp = settings.catalogue.get("NY.GDP.MKTP.KD.ZG")
    assert gdp.target_for(2025).low == 8.0 and gdp.target_for(2024).low == 6.0
    # tiles show targets in the indicator's own unit: CPI's 4.0–4.5 % is the index 104.0–104.5
    assert settings.catalogue.get("CPI_YTD_YOY_IDX").target_for(2024).high == 104.5


def test_a_target_on_an_unknown_indicator_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "targets.yaml").write_text(
        "apiVersion: 1\ntargets:\n  - {id: X, year: 2025, name_vi: x, name_en: x, indicator: NOPE, "
        "kind: at_least, low: 1, unit: '%', instrument: x, adopted: '2025-01-01'}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError, match="NOPE"):
        load_settings(folder)


def _gdp_target(year: int, kind: str, low: float | None, high: float | None = None) -> PlanTarget:
    return PlanTarget(id=f"T{year}{kind}{low}", year=year, name_vi="Tăng GDP", name_en="GDP",
                      indicator="NY.GDP.MKTP.KD.ZG", kind=kind, low=low, high=high, unit="%",
                      instrument="test", adopted=f"{year - 1}-11-01",
                      measure={"kind": "growth_of_sum", "series": GDP})


def _load_gdp(store: Store, upto: str) -> list[tuple[str, float]]:
    pts = [(p, v) for p, v in published(GDP) if "-Q" in p and p <= upto]
    store.write([obs(indicator=GDP, period=p, value=v, unit="billion VND") for p, v in pts])
    return pts


def test_a_finished_year_is_achieved_or_missed_on_its_own_figure(
        settings: WallSettings, store: Store) -> None:
    pts = dict(_load_gdp(store, "2024-Q2"))
    growth = (sum(pts[f"2023-Q{q}"] for q in range(1, 5))
              / sum(pts[f"2022-Q{q}"] for q in range(1, 5)) - 1) * 100
    f = Forecaster(store, settings.catalogue)
    hit = progress(f, _gdp_target(2023, "at_least", round(growth - 0.5, 1)), settings.catalogue,
                   date(2024, 6, 1))
    miss = progress(f, _gdp_target(2023, "at_least", round(growth + 0.5, 1)), settings.catalogue,
                    date(2024, 6, 1))
    assert (hit.status, hit.probability, miss.status, miss.probability) == (
        "achieved", 1.0, "missed", 0.0)
    assert hit.projection.mean == pytest.approx(growth)


def test_a_year_under_way_has_its_figure_so_far_and_a_projection(
        settings: WallSettings, store: Store) -> None:
    pts = dict(_load_gdp(store, "2024-Q2"))
    f = Forecaster(store, settings.catalogue)
    p = progress(f, _gdp_target(2024, "range", 6.0, 6.5), settings.catalogue, date(2024, 8, 1))
    h1 = (pts["2024-Q1"] + pts["2024-Q2"]) / (pts["2023-Q1"] + pts["2023-Q2"]) * 100 - 100
    assert p.projection.latest_period == "2024-Q2"
    assert p.projection.latest_value == pytest.approx(h1)
    assert (p.projection.known, p.projection.periods, p.projection.final) == (2, 4, False)
    proj = p.projection
    assert proj.lo95 <= proj.lo80 <= proj.mean <= proj.hi80 <= proj.hi95
    assert 0 < p.probability < 1 and p.status in ("on_track", "at_risk", "off_track")
    # what H2 must grow by, against H2 2023, for the year to reach 6 %
    rest = pts["2023-Q3"] + pts["2023-Q4"]
    year = (pts["2024-Q1"] + pts["2024-Q2"] + rest * (1 + p.needed / 100)) / sum(
        pts[f"2023-Q{q}"] for q in range(1, 5))
    assert year == pytest.approx(1.06)
    # "6–6.5 %" growth is met by any growth of 6 % or more: higher is no less on track
    higher = progress(f, _gdp_target(2024, "at_least", 6.0), settings.catalogue,
                      date(2024, 8, 1))
    assert higher.probability == pytest.approx(p.probability)


def test_targets_api_lists_the_year_with_status_and_projection(
        settings: WallSettings, store: Store) -> None:
    _load_gdp(store, "2024-Q2")
    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(store)["Authorization"]
    body = client.get("/api/v1/targets?year=2024").get_json()
    rows = {r["target"]: r for r in body["targets"]}
    na2024 = {t.id for t in settings.targets.targets if t.year == 2024}
    assert set(rows) == na2024
    gdp = rows["NA2024-GDP_GROWTH"]
    assert gdp["status"] in ("on_track", "at_risk", "off_track")
    assert gdp["latest"]["period"] == "2024-Q2" and gdp["projection"]["lo80"] < gdp[
        "projection"]["hi80"]
    assert gdp["instrument"] and gdp["source_url"].startswith("https://")
    assert rows["NA2024-LABOUR_PRODUCTIVITY_GROWTH"]["status"] == "no_data"
    both = {r["target"]: r for r in client.get("/api/v1/targets?year=2025").get_json()["targets"]}
    assert both["NA2025-GDP_GROWTH"]["superseded_by"] == "NA2025-GDP_GROWTH_REVISED"
    assert not both["NA2025-GDP_GROWTH"]["in_force"] and both["NA2025-GDP_GROWTH_REVISED"][
        "in_force"]
    assert client.get("/api/v1/targets?year=abc").status_code == 400
    one = client.get("/api/v1/targets?year=2024&indicator=CPI_YTD_YOY_IDX").get_json()
    assert [r["target"] for r in one["targets"]] == ["NA2024-CPI_GROWTH"]


def test_targets_panel_shows_each_target_in_force_with_its_status(
        settings: WallSettings, store: Store) -> None:
    _load_gdp(store, "2024-Q2")
    Forecaster(store, settings.catalogue).get(GDP, "VN")  # what the worker keeps
    tree = panels(settings)["targets"].build(PanelContext(settings, store, params={
        "year": "2025"}))
    cards = {getattr(c, "data-target"): getattr(c, "data-status") for c in walk(tree)
             if getattr(c, "data-target", None)}
    assert "NA2025-GDP_GROWTH" not in cards  # revised: the card shows the target in force
    assert cards["NA2025-GDP_GROWTH_REVISED"] in ("on_track", "at_risk", "off_track")
    assert cards["NA2025-DOCTORS_PER_10K"] == "no_data"
    expected = [r.target.id for r in progress_all(Forecaster(store, settings.catalogue),
                                                   settings.targets, settings.catalogue, 2025,
                                                   date.today()) if r.in_force]
    assert sorted(cards) == sorted(expected)
