"""Redis stream subscriber on a real Redis: consumer group, ack after store, retry unacked."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from data_feeds.redis_stream import RedisStreamFeed
from data_feeds.runner import FeedRunner
from tests.helpers import record, wait_for
from wall.config import FeedSpec, WallSettings
from wall.observation import Observation
from wall.store import Store


def _feed(settings: WallSettings, stream: str, consumer: str, **extra: object
          ) -> RedisStreamFeed:
    spec = FeedSpec(id=f"stream-{consumer}", kind="redis_stream",
                    settings={"stream": stream, "consumer": consumer, "block_ms": 100, **extra})
    return RedisStreamFeed(spec, settings.catalogue)


@pytest.fixture
def stream(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REDIS_URL", redis_url)
    return f"ingest:{uuid.uuid4().hex[:6]}"


def test_entries_are_stored_then_acknowledged(settings: WallSettings, store: Store,
                                              redis_url: str, stream: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.xadd(stream, {"obs": json.dumps(record(value=1.0))})
    r.xadd(stream, {"batch": json.dumps([record(value=2.0, period="2026-11"),
                                         record(value="x")])})
    r.xadd(stream, {"junk": "1"})
    feed = _feed(settings, stream, "a")
    runner = FeedRunner(store, [feed])
    assert runner.run_once(feed) == 2
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 2.0
    assert store.quarantine_count() == 2
    assert r.xpending(stream, "wall")["pending"] == 0


def test_unacknowledged_entries_go_to_another_consumer(settings: WallSettings,
                                                       redis_url: str, stream: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.xadd(stream, {"obs": json.dumps(record(value=7.0))})
    dead = _feed(settings, stream, "dead", claim_after_ms=50)
    got = list(dead.poll())  # read but never committed: the worker "dies" here
    assert [o.value for o in got if isinstance(o, Observation)] == [7.0]
    assert r.xpending(stream, "wall")["pending"] == 1
    alive = _feed(settings, stream, "alive", claim_after_ms=50)
    import time

    time.sleep(0.1)
    again = [o for o in alive.poll() if isinstance(o, Observation)]
    assert [o.value for o in again] == [7.0]
    alive.committed()
    assert r.xpending(stream, "wall")["pending"] == 0


def test_entries_are_not_acknowledged_when_the_store_refuses_writes(
        settings: WallSettings, store: Store, redis_url: str, stream: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    r = redis.Redis.from_url(redis_url)
    for v in (1.0, 2.0, 3.0):
        r.xadd(stream, {"obs": json.dumps(record(value=v, period=f"2026-0{int(v)}"))})
    feed = _feed(settings, stream, "a", claim_after_ms=200)
    runner = FeedRunner(store, [feed])
    real_write = store.write

    def refuse(*_: object) -> int:
        raise redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(store, "write", refuse)
    assert runner.run_once(feed) == 0  # a Redis refusing writes: the poll failed, said so
    assert store.feeds_health()[feed.id]["state"] == "down"
    r.xadd(stream, {"obs": json.dumps(record(value=4.0, period="2026-04"))})
    monkeypatch.setattr(store, "write", real_write)
    stored = [runner.run_once(feed)]  # the new entry; the refused ones are still pending
    assert stored == [1] and r.xpending(stream, "wall")["pending"] == 3
    wait_for(lambda: stored.append(runner.run_once(feed)) or sum(stored) == 4,
             "the refused entries claimed again and stored", timeout=60)
    assert r.xpending(stream, "wall")["pending"] == 0
    assert sorted(o.period for o in store.series("EXPORTS_M", "VN", {})) == [
        "2026-01", "2026-02", "2026-03", "2026-04"]


def test_the_stream_is_trimmed_below_what_every_group_still_needs(
        settings: WallSettings, store: Store, redis_url: str, stream: str) -> None:
    r = redis.Redis.from_url(redis_url)
    for i in range(30):
        r.xadd(stream, {"obs": json.dumps(record(value=float(i)))})
    r.xgroup_create(stream, "audit-copy", id="0")  # another reader that has not read yet
    feed = _feed(settings, stream, "t", trim_every_s=0, count=100)
    runner = FeedRunner(store, [feed])
    runner.run_once(feed)
    assert r.xlen(stream) == 30, "entries another group has not had were trimmed"
    r.xgroup_destroy(stream, "audit-copy")
    r.xadd(stream, {"obs": json.dumps(record(value=99.0))})
    runner.run_once(feed)
    assert r.xlen(stream) == 0
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 99.0
    left = _feed(settings, stream, "u", trim_every_s=0)
    r.xadd(stream, {"obs": json.dumps(record(value=5.0))})
    list(left.poll())  # read, not yet stored: pending, so it stays
    assert left.trim() == 0 and r.xlen(stream) == 1
