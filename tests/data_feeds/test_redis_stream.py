"""Redis stream subscriber on a real Redis: consumer group, ack after store, retry unacked."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from data_feeds.redis_stream import RedisStreamFeed
from data_feeds.runner import FeedRunner
from tests.helpers import record
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
