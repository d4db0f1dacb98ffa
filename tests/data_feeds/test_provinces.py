"""Province statistics: the 63/34 editions, the roll-up rules on real rows, import by format."""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pytest

from data_feeds.province_rollup import former_provinces, rollup
from data_feeds.province_stats import SEED, ProvinceStatsFeed, release_time
from data_feeds.report_file import import_file, ingest_file
from tests.conftest import REPO
from tests.helpers import user_token
from wall.config import FeedSpec, WallSettings
from wall.geo import area_63, predecessors
from wall.observation import Observation
from wall.store import Store

SHARED = REPO.parent / "shared" / "data" / "provinces"
HEADER = ["indicator_code", "indicator_name_vi", "indicator_name_en", "area_code",
          "breakdown_group", "breakdown_vi", "period", "value", "unit", "status", "source",
          "source_file"]


@lru_cache(maxsize=8)
def _rows(stem: str) -> tuple[dict[str, str], ...]:
    """The real rows of one seed file (the same as ../shared/data/provinces/<stem>.csv)."""
    with gzip.open(SEED / f"{stem}.csv.gz", "rt", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def _value(stem: str, code: str, area: str, period: str, group: str = "total") -> float:
    (row,) = [r for r in _rows(stem) if (r["indicator_code"], r["area_code"], r["period"],
                                         r["breakdown_group"]) == (code, area, period, group)]
    return float(row["value"])


def _write(path: Path, rows: Iterable[dict[str, str]], extra: dict[str, str] | None = None
           ) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER + list(extra or {}))
        writer.writeheader()
        writer.writerows({**r, **(extra or {})} for r in rows)
    return path


def _real(stem: str, codes: set[str], periods: set[str], total_only: bool = True
          ) -> list[dict[str, str]]:
    return [r for r in _rows(stem) if r["indicator_code"] in codes and r["period"] in periods
            and (r["breakdown_group"] == "total" or not total_only)]


def _obs(items: Iterable[object]) -> dict[tuple[str, str, str], Observation]:
    return {(o.indicator, o.area, o.period): o for o in items
            if isinstance(o, Observation) and not o.dims}


def test_a_merged_unit_sums_its_former_provinces(settings: WallSettings, tmp_path: Path) -> None:
    path = _write(tmp_path / "pop.csv", _real("gso_population_labour", {"POP_AVG"}, {"2016"}))
    result = import_file(path, settings.catalogue, "t", settings.regimes)
    got = _obs(result.items)
    assert predecessors("79") == {"74", "77", "79"}
    expected = sum(_value("gso_population_labour", "POP_AVG", c, "2016") for c in ("74", "77",
                                                                                  "79"))
    assert got[("POP_AVG", "79", "2016")].value == pytest.approx(expected)
    # the 63-edition Hồ Chí Minh keeps its own value under its own key
    assert got[("POP_AVG", "63-79", "2016")].value == _value("gso_population_labour", "POP_AVG",
                                                             "79", "2016")
    # a unit of one former province takes its value unchanged; Hà Giang only in the 63 edition
    assert got[("POP_AVG", "01", "2016")].value == _value("gso_population_labour", "POP_AVG",
                                                          "01", "2016")
    assert ("POP_AVG", "02", "2016") not in got and ("POP_AVG", "63-02", "2016") in got
    assert len({a for _, a, _ in got if not a.startswith("63-")}) == 34
    assert result.accepted == 63 and result.rolled_up == 34 and result.quarantined == 0


def test_a_sum_needs_every_former_province(settings: WallSettings, tmp_path: Path) -> None:
    rows = [r for r in _real("gso_population_labour", {"POP_AVG"}, {"2016"})
            if r["area_code"] != "77"]  # Bà Rịa - Vũng Tàu left out
    got = _obs(import_file(_write(tmp_path / "x.csv", rows), settings.catalogue, "t",
                           settings.regimes).items)
    assert ("POP_AVG", "79", "2016") not in got
    assert ("POP_AVG", "75", "2016") in got


def test_a_rate_is_the_population_weighted_mean(settings: WallSettings, tmp_path: Path) -> None:
    rows = _real("gso_population_labour", {"POP_AVG", "CRUDE_BIRTH_RATE"}, {"2015"})
    got = _obs(import_file(_write(tmp_path / "r.csv", rows), settings.catalogue, "t",
                           settings.regimes).items)
    olds = ("74", "77", "79")
    pop = {c: _value("gso_population_labour", "POP_AVG", c, "2015") for c in olds}
    rate = {c: _value("gso_population_labour", "CRUDE_BIRTH_RATE", c, "2015") for c in olds}
    expected = sum(rate[c] * pop[c] for c in olds) / sum(pop.values())
    assert got[("CRUDE_BIRTH_RATE", "79", "2015")].value == pytest.approx(expected, abs=1e-6)
    assert min(rate.values()) < expected < max(rate.values())


def test_a_rate_without_population_is_not_rolled_up_for_a_merged_unit(
        settings: WallSettings, tmp_path: Path) -> None:
    rows = _real("gso_population_labour", {"CRUDE_BIRTH_RATE"}, {"2015"})
    got = _obs(import_file(_write(tmp_path / "r.csv", rows), settings.catalogue, "t",
                           settings.regimes).items)
    assert ("CRUDE_BIRTH_RATE", "79", "2015") not in got  # three former provinces, no weights
    assert got[("CRUDE_BIRTH_RATE", "01", "2015")].value == _value(
        "gso_population_labour", "CRUDE_BIRTH_RATE", "01", "2015")


def test_scores_stay_in_the_63_edition(settings: WallSettings) -> None:
    pci = [Observation(indicator=r["indicator_code"], area=area_63(r["area_code"]),
                       period=r["period"], value=float(r["value"]), unit=r["unit"], source="t",
                       observed_at="2017-03-31T00:00:00+07:00")
           for r in _real("pci_vcci", {"PCI_SCORE"}, {"2016"})]
    assert len(pci) == 63
    assert rollup(pci, settings.catalogue) == []
    ranked = sorted(pci, key=lambda o: -(o.value or 0))
    assert [(o.area, round(o.value or 0, 2)) for o in ranked[:3]] == [
        ("63-48", 70.0), ("63-22", 65.6), ("63-87", 64.96)]  # as VCCI published 2016


def test_ha_noi_before_2008_held_ha_tay(settings: WallSettings, tmp_path: Path) -> None:
    assert former_provinces("01", "2007") == {"01", "28"}
    assert former_provinces("01", "2008") == {"01"}
    rows = _real("gso_population_labour", {"POP_AVG"}, {"2007", "2008"})
    got = _obs(import_file(_write(tmp_path / "p.csv", rows), settings.catalogue, "t",
                           settings.regimes).items)
    assert ("POP_AVG", "01", "2007") not in got and ("POP_AVG", "01", "2008") in got


def test_edition_follows_the_period_or_the_edition_column(settings: WallSettings,
                                                          tmp_path: Path) -> None:
    (row,) = [r for r in _real("pci_vcci", {"PCI_SCORE"}, {"2016"}) if r["area_code"] == "79"]
    cases = [({}, "63-79"), ({"period": "2025"}, "79"), ({"period": "2025-Q2"}, "63-79"),
             ({"edition": "34"}, "79"), ({"edition": "63", "period": "2026"}, "63-79")]
    for n, (change, area) in enumerate(cases):
        extra = {"edition": change.get("edition", "")}
        path = _write(tmp_path / f"{n}.csv", [{**row, **change, "edition": ""}], extra)
        (o,) = [i for i in import_file(path, settings.catalogue, "t", settings.regimes).items
                if isinstance(i, Observation)]
        assert o.area == area, change


def test_ingest_weights_by_the_population_already_stored(settings: WallSettings, store: Store,
                                                         tmp_path: Path) -> None:
    pop = _write(tmp_path / "a.csv", _real("gso_population_labour", {"POP_AVG"}, {"2015"},
                                           total_only=False))
    ingest_file(store, settings, pop, "import:a.csv")
    rates = _write(tmp_path / "b.csv", _real("gso_living_health", {"POVERTY_RATE"}, {"2015"}))
    result = ingest_file(store, settings, rates, "import:b.csv")
    olds = ("74", "77", "79")
    p = {c: _value("gso_population_labour", "POP_AVG", c, "2015") for c in olds}
    r = {c: _value("gso_living_health", "POVERTY_RATE", c, "2015") for c in olds}
    (o,) = store.latest("POVERTY_RATE", "79", {})
    assert o.value == pytest.approx(sum(r[c] * p[c] for c in olds) / sum(p.values()))
    assert result.rolled_up == 34  # every former province reported in 2015
    (old,) = store.latest("POVERTY_RATE", "63-79", {})
    assert old.value == r["79"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/provinces not beside the repo")
def test_cli_imports_the_pci_file_by_its_format(store: Store, redis_url: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from wall.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WALL_PREFIX", store.prefix)
    monkeypatch.setenv("WALL_TOKEN", user_token(store, "operator"))
    assert main(["import", str(SHARED / "pci_vcci.csv")]) == 0
    with (SHARED / "pci_vcci.csv").open(encoding="utf-8") as fh:
        rows = sum(1 for _ in fh) - 1
    assert f'"accepted": {rows}, "quarantined": 0' in capsys.readouterr().out
    latest = {o.area: o.value for o in store.latest("PCI_SCORE") if not o.dims}
    assert round(latest["63-48"], 2) == 70.0
    assert latest["63-79"] == _value("pci_vcci", "PCI_SCORE", "79", "2016")
    assert not [a for a in latest if not a.startswith("63-")]  # scores: no 34-edition values
    subs = {o.dims["breakdown"] for o in store.latest("PCI_SUBINDEX", "63-01")}
    assert len(subs) >= 10


def test_feed_releases_both_editions_at_publication_time(settings: WallSettings,
                                                         tmp_path: Path) -> None:
    rows = _real("gso_population_labour", {"POP_AVG"}, {"2016"}) + _real(
        "pci_vcci", {"PCI_SCORE"}, {"2016"}) + _real("budget_mof", {"BUDGET_REVENUE_PLAN"},
                                                     {"2017"})
    with gzip.open(tmp_path / "any_name.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    spec = FeedSpec(id="province-stats", kind="province_stats",
                    settings={"folder": str(tmp_path)})
    got = _obs(ProvinceStatsFeed(spec, settings.catalogue, settings).poll())
    assert got[("POP_AVG", "63-02", "2016")].observed_at == "2017-06-30T00:00:00+07:00"
    assert got[("POP_AVG", "08", "2016")].value == pytest.approx(
        _value("gso_population_labour", "POP_AVG", "02", "2016")
        + _value("gso_population_labour", "POP_AVG", "08", "2016"))
    assert got[("PCI_SCORE", "63-48", "2016")].observed_at == release_time("PCI_SCORE", "2016")
    assert got[("BUDGET_REVENUE_PLAN", "63-01", "2017")].observed_at.startswith("2016-12-31")
    assert ("PCI_SCORE", "48", "2016") not in got
    assert all(o.source == "province-stats" for o in got.values())


def test_the_seed_is_the_shared_data_and_every_indicator_is_catalogued(
        settings: WallSettings) -> None:
    files = sorted(SEED.glob("*.csv.gz"))
    assert len(files) == 8
    assert sum(p.stat().st_size for p in SEED.iterdir()) < 8_000_000
    codes = {r["indicator_code"] for p in files for r in _rows(p.name[:-7])}
    assert len(codes) == 69
    for code in codes:
        ind = settings.catalogue.get(code)
        assert ind is not None and ind.frequency == "A" and len(ind.short_vi) <= 38, code
    assert settings.catalogue.get("PCI_SCORE").aggregation == "none"  # type: ignore[union-attr]
    assert settings.catalogue.get("POP_AVG").aggregation == "sum"  # type: ignore[union-attr]
    if SHARED.is_dir():
        for p in files:
            assert gzip.decompress(p.read_bytes()) == (SHARED / p.name[:-3]).read_bytes()


def test_feed_releases_again_only_when_a_file_changed(settings: WallSettings,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "pci.csv"
    _write(path, _real("pci_vcci", {"PCI_SCORE"}, {"2016"}))
    feed = ProvinceStatsFeed(FeedSpec(id="p", kind="province_stats",
                                      settings={"folder": str(tmp_path)}),
                             settings.catalogue, settings)
    assert len(list(feed.poll())) == 63
    assert len(list(feed.poll())) == 63  # not stored yet (no commit): offered again
    feed.committed()
    assert list(feed.poll()) == []
    _write(path, _real("pci_vcci", {"PCI_SCORE"}, {"2015", "2016"}))
    os.utime(path, (1, 1))
    assert len(list(feed.poll())) == 126
