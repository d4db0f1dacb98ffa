"""Replay feed over the shipped seed: published values, releases by month, roll-ups, rejects."""

from __future__ import annotations

import csv
from pathlib import Path

from data_feeds.base import Rejected, feed_class
from data_feeds.replay import SEED, ReplayFeed
from data_feeds.runner import FeedRunner
from wall.config import FeedSpec, WallSettings
from wall.observation import Observation
from wall.store import Store


def _feed(settings: WallSettings, **spec_settings: object) -> ReplayFeed:
    spec = FeedSpec(id="replay-test", kind="replay", settings=spec_settings)
    feed = feed_class("replay")(spec, settings.catalogue)
    assert isinstance(feed, ReplayFeed)
    return feed


def _seed(code: str, label: str, period: str) -> dict[str, float]:
    """Return the seed's published values of one row label and period, by GSO status."""
    with SEED.open(encoding="utf-8") as fh:
        found = {row["status"]: float(row["value"]) for row in csv.DictReader(fh)
                 if (row["indicator_code"], row["breakdown_vi"], row["period"]) == (
                     code, label, period)}
    assert found, "row not in seed"
    return found


def test_first_poll_releases_history_then_one_month_per_poll(settings: WallSettings) -> None:
    feed = _feed(settings, start="2019-06")
    first = [o for o in feed.poll() if isinstance(o, Observation)]
    assert max(o.period for o in first if o.period[5:6].isdigit()) <= "2019-06"
    assert feed.position == "2019-06"
    second = [o for o in feed.poll() if isinstance(o, Observation)]
    assert feed.position == "2019-07"
    assert {o.period for o in second if o.status == "provisional"} <= {"2019-07", "2019-Q3"}
    assert all(o.source == "replay-test" for o in first + second)


def test_values_are_the_published_ones(settings: WallSettings) -> None:
    feed = _feed(settings, start="2022-12")
    out = [o for o in feed.poll() if isinstance(o, Observation)]
    exports = [o for o in out if o.indicator == "EXPORTS_M" and o.period == "2021-06"
               and not o.dims]
    names = {"estimate": "provisional", "revised": "revised"}
    published = _seed("EXPORTS_M", "TỔNG SỐ", "2021-06")
    assert {(o.status, o.value) for o in exports} == {(names[k], v) for k, v in published.items()}
    assert all(o.revision == (1 if o.status == "revised" else 0) for o in exports)


def test_trade_balance_is_exports_minus_imports(settings: WallSettings) -> None:
    out = [o for o in _feed(settings, start="2022-12").poll() if isinstance(o, Observation)]
    by = {(o.indicator, o.period, o.revision): o.value for o in out if not o.dims
          and o.area == "VN"}
    balances = [k for k in by if k[0] == "TRADE_BALANCE_M"]
    assert len(balances) > 100
    for _, period, rev in balances:
        x, m = by[("EXPORTS_M", period, rev)], by[("IMPORTS_M", period, rev)]
        assert x is not None and m is not None
        assert by[("TRADE_BALANCE_M", period, rev)] == round(x - m, 3)


def test_provinces_roll_up_only_when_every_former_province_reported(
        settings: WallSettings) -> None:
    out = [o for o in _feed(settings, start="2022-12").poll() if isinstance(o, Observation)]
    hcm = {o.period: o for o in out if o.indicator == "PUBINV_SB_YTD" and o.area == "79"}
    assert hcm, "Hồ Chí Minh (79 = HCM + Bình Dương + Bà Rịa - Vũng Tàu) should roll up"
    parts = [_seed("PUBINV_SB_YTD", n, "2021-06")["estimate"]
             for n in ("TP. Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu")]
    assert hcm["2021-06"].value == round(sum(parts), 3)
    # Đồng Nai (75) also needs Bình Phước, which the GSO table mostly leaves out
    periods_75 = {o.period for o in out if o.indicator == "PUBINV_SB_YTD" and o.area == "75"}
    assert len(periods_75) < len(hcm)


def test_bad_rows_are_rejected_with_line_and_reason(settings: WallSettings, tmp_path: Path,
                                                    store: Store) -> None:
    path = tmp_path / "bad.csv"
    with SEED.open(encoding="utf-8") as src:
        reader = csv.DictReader(src)
        good = next(reader)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(good))
        writer.writeheader()
        writer.writerows([good, {**good, "indicator_code": "NOPE_X"},
                          {**good, "value": "n/a"}])
    feed = _feed(settings, path=str(path), start="2030-01")
    items = list(feed.poll())
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert any("line 3" in r.reason and "not in the catalogue" in r.reason for r in rejected)
    assert any("is not a number" in r.reason for r in rejected)
    runner = FeedRunner(store, [_feed(settings, path=str(path), start="2030-01")])
    runner.run_once(runner.feeds[0])
    assert store.quarantine_count() == len(rejected)
    assert store.feeds_health()["replay-test"]["records_rejected"] == str(len(rejected))


def test_a_failing_feed_is_recorded_down_and_the_runner_goes_on(settings: WallSettings,
                                                                store: Store) -> None:
    class Broken(ReplayFeed):
        kind = "broken-test"

        def poll(self):  # type: ignore[no-untyped-def,override]
            raise ConnectionError("source unreachable")

    spec = FeedSpec(id="broken", kind="broken-test")
    runner = FeedRunner(store, [Broken(spec, settings.catalogue)])
    assert runner.run_once(runner.feeds[0]) == 0
    health = store.feeds_health()["broken"]
    assert health["state"] == "down" and "source unreachable" in health["last_error"]


def test_observed_at_is_the_publication_date_not_the_replay_clock(settings: WallSettings) -> None:
    out = [o for o in _feed(settings, start="2020-12").poll() if isinstance(o, Observation)]
    with SEED.open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["indicator_code"] == "EXPORTS_M"
                   and r["period"] == "2020-06" and r["breakdown_vi"] == "TỔNG SỐ"
                   and r["status"] == "estimate")
    day = row["source_file"].split("datas/")[1][:10]   # e.g. datas/2020-06-29-…
    exports = next(o for o in out if (o.indicator, o.period, o.revision) == ("EXPORTS_M",
                                                                                "2020-06", 0)
                   and not o.dims)
    assert exports.observed_at.startswith(day)
    gdp = next(o for o in out if o.indicator == "NY.GDP.MKTP.KD.ZG" and o.period == "2019")
    assert gdp.observed_at.startswith("2019-12-31")   # no file date: the period's end


def test_replay_says_how_far_it_has_reached_and_rests_at_the_end(settings: WallSettings) -> None:
    feed = _feed(settings, start="2024-05")
    marks = [o for o in feed.poll() if isinstance(o, Observation) and o.indicator == "REPLAY_ASOF"]
    assert [(m.period, m.value) for m in marks] == [("2024-05", 1.0)]
    while feed.position < feed._months[-1]:
        list(feed.poll())
    last = feed.position
    for _ in range(3):   # at rest: the same month, no values again, no loop back to 2012
        out = [o for o in feed.poll() if isinstance(o, Observation)]
        assert [(o.indicator, o.period, o.value) for o in out] == [("REPLAY_ASOF", last, 0.0)]
    assert last >= "2024-06"
