"""The store against a real redis-server: latest, history, revisions, events, quarantine, health."""

from __future__ import annotations

import json

from tests.helpers import obs, record, wait_for
from wall.ingest import ingest_records
from wall.store import Store


def test_latest_keeps_the_newest_period(store: Store) -> None:
    store.write([obs(period="2026-09", value=1.0), obs(period="2026-10", value=2.0)])
    store.write([obs(period="2026-08", value=3.0)])  # a late older period
    (latest,) = store.latest("EXPORTS_M", "VN", {})
    assert (latest.period, latest.value) == ("2026-10", 2.0)
    assert [o.period for o in store.series("EXPORTS_M", "VN")] == ["2026-08", "2026-09",
                                                                    "2026-10"]


def test_revision_supersedes_estimate_and_is_stored_once(store: Store) -> None:
    store.write([obs(value=10.0, status="provisional")])
    store.write([obs(value=11.0, status="revised", revision=1)])
    store.write([obs(value=9.0, status="provisional")])  # stale estimate arriving late
    points = store.series("EXPORTS_M", "VN")
    assert [(p.value, p.revision) for p in points] == [(11.0, 1)]
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 11.0


def test_dims_are_part_of_the_series_key(store: Store) -> None:
    store.write([obs(value=1.0), obs(value=2.0, dims={"sector": "FDI"})])
    assert {o.value for o in store.latest("EXPORTS_M", "VN")} == {1.0, 2.0}
    assert store.latest("EXPORTS_M", "VN", {"sector": "FDI"})[0].value == 2.0
    assert store.series("EXPORTS_M", "VN", {"sector": "FDI"})[0].dims == {"sector": "FDI"}


def test_a_batch_of_many_series_with_vietnamese_text_reads_back_whole(store: Store) -> None:
    # byte lengths, not characters, frame each record inside the batch's one argument
    dims = [{"breakdown": "Doanh nghiệp đăng ký thành lập mới (DN)"}, {"cửa khẩu": "Móng Cái"},
            {"sector": "FDI: vốn ngoài"}, {}]
    batch = [obs(period=f"2026-{m:02d}", value=float(m * 10 + n), area=f"{n:02d}", dims=d,
                 source="customs-vn", unit="triệu USD", revision=m)
             for m in range(1, 11) for n, d in enumerate(dims)]
    assert store.write(batch) == len(batch)
    for n, d in enumerate(dims):
        points = store.series("EXPORTS_M", f"{n:02d}", d)
        assert [(p.period, p.value, p.revision) for p in points] == \
            [(f"2026-{m:02d}", float(m * 10 + n), m) for m in range(1, 11)]
        assert points[-1].unit == "triệu USD" and points[-1].dims == d
        (latest,) = store.latest("EXPORTS_M", f"{n:02d}", d)
        assert (latest.period, latest.value) == ("2026-10", float(100 + n))


def test_write_many_stores_batches_in_order_with_one_in_flight(store: Store) -> None:
    batches = [[obs(period=f"2026-{m:02d}", value=float(m), revision=r) for m in (1, 2, 3)]
               for r in range(4)]  # each batch revises the one before
    batches.insert(2, [])
    assert store.write_many(iter(batches)) == 12
    assert [(o.value, o.revision) for o in store.series("EXPORTS_M", "VN")] == \
        [(1.0, 3), (2.0, 3), (3.0, 3)]
    assert store.write_many([[obs(period="2026-03", value=0.5, revision=1)]]) == 0  # older
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 3.0
    assert store.write_many([]) == 0


def test_one_batch_of_revisions_and_late_periods_keeps_one_point_per_period(
        store: Store) -> None:
    store.write([obs(period="2026-01", value=1.0)])
    changed = store.write([
        obs(period="2026-03", value=3.0), obs(period="2026-03", value=3.5, revision=1),
        obs(period="2026-02", value=2.0),  # late, older than the latest
        obs(period="2026-03", value=3.1),  # a stale estimate after its revision
        obs(period="2026-04", value=4.0, revision=2), obs(period="2026-04", value=4.4,
                                                          revision=1)])
    assert changed == 4  # the stale estimate and the older revision change nothing
    assert [(o.period, o.value, o.revision) for o in store.series("EXPORTS_M", "VN")] == [
        ("2026-01", 1.0, 0), ("2026-02", 2.0, 0), ("2026-03", 3.5, 1), ("2026-04", 4.0, 2)]
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 4.0


def test_history_is_capped(store: Store) -> None:
    store.history_cap = 5
    store.write([obs(period=f"20{y:02d}", value=float(y)) for y in range(10, 22)])
    assert [o.period for o in store.series("EXPORTS_M", "VN")] == [f"20{y}" for y in range(17, 22)]


def test_one_batch_publishes_one_event(store: Store) -> None:
    pubsub = store.pubsub()
    wait_for(lambda: store.r.pubsub_numsub(store.events_channel)[0][1] >= 1, "subscribed")
    store.write([obs(value=1.0), obs(area="01", value=2.0)])
    msg = None
    for _ in range(50):
        msg = pubsub.get_message(timeout=0.1)
        if msg:
            break
    assert msg is not None
    batch = json.loads(msg["data"])
    assert {(o["area"], o["value"]) for o in batch} == {("VN", 1.0), ("01", 2.0)}


def test_ingest_quarantines_bad_records_with_reason_and_raw(store: Store) -> None:
    result = ingest_records(store, "feed-x", [record(), record(value="n/a"), {"nonsense": True}])
    assert (result["accepted"], result["quarantined"]) == (1, 2)
    assert result["rejected"][0]["field"] == "value"
    held = store.quarantined()
    assert len(held) == 2 and store.quarantine_count() == 2
    assert all(h["source"] == "feed-x" and h["reason"] and h["raw"] for h in held)
    assert '"n/a"' in held[1]["raw"]
    health = store.feeds_health()["feed-x"]
    assert (health["records_in"], health["records_rejected"]) == ("1", "2")


def test_feed_health_counts_failures(store: Store) -> None:
    store.record_health("f", ok=False, error="ConnectionError: refused")
    store.record_health("f", ok=False, error="ConnectionError: refused")
    h = store.feeds_health()["f"]
    assert (h["state"], h["consecutive_failures"]) == ("down", "2")
    store.record_health("f", ok=True, accepted=3)
    h = store.feeds_health()["f"]
    assert (h["state"], h["consecutive_failures"], h["records_in"]) == ("up", "0", "3")


def test_a_feed_that_misses_its_cadence_is_marked_stale(store: Store) -> None:
    store.set_feed_info("slow", interval="1s")
    store.record_health("slow", ok=True, accepted=1)
    assert store.feeds_health()["slow"]["state"] == "up"
    long_ago = "2020-01-01T00:00:00+00:00"
    store.r.hset(f"{store.prefix}feed:slow", "last_success", long_ago)
    assert store.feeds_health()["slow"]["state"] == "stale"


def test_a_flood_from_one_source_evicts_only_its_own_quarantine(store: Store) -> None:
    small = Store(store.r, prefix=store.prefix, quarantine_cap=200)
    small.quarantine("customs", "bad unit", {"value": "x"})  # the record a flood must not evict
    for _ in range(5):  # a flood, as in 7 requests of 10,000 bad records
        ingest_records(small, "flood-key", [{"junk": i} for i in range(1000)])
    by_source = small.quarantine_counts()
    assert by_source["customs"] == 1
    assert 200 <= by_source["flood-key"] < 1000  # bounded (approximately, as Redis trims)
    kept = [e for e in small.quarantined_all() if e["source"] == "customs"]
    assert [e["reason"] for e in kept] == ["bad unit"]
    entry = small.quarantined_entry(kept[0]["id"])
    assert entry is not None and json.loads(entry["raw"]) == {"value": "x"}
    small.release(kept[0]["id"])
    assert "customs" not in small.quarantine_counts()
    assert small.quarantined_entry("not-an-id/customs") is None


def test_quarantine_keeps_big_payloads_cut_and_reads_the_earlier_single_stream(
        store: Store) -> None:
    store.quarantine("api", "too big", "x" * 300_000)
    store.r.xadd(store.prefix + "quarantine", {"source": "old", "reason": "from before",
                                               "raw": "{}", "kind": "record", "at": "2025"})
    newest = store.quarantined(10)
    assert {e["reason"] for e in newest} == {"too big", "from before"}
    big = next(e for e in newest if e["reason"] == "too big")
    assert len(big["raw"]) < 270_000 and "300,000 characters" in big["raw"]
    legacy = next(e for e in newest if e["reason"] == "from before")
    assert "/" not in legacy["id"] and store.quarantined_entry(legacy["id"]) is not None
    assert store.quarantine_count() == 2
    store.quarantine("bad source name\n", "odd", {})
    assert store.quarantine_counts()["other"] == 1
