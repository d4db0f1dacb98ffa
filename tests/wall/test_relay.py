"""Relay: a screen that joins gets a snapshot at once, then coalesced deltas for its panel."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.helpers import bearer, obs
from wall.app import WallApp, create_app
from wall.config import WallSettings
from wall.store import Store


@pytest.fixture
def wall(settings: WallSettings, store: Store) -> Iterator[WallApp]:
    app = create_app(settings, store)
    yield app
    app.relay.stop()


def _values(client, until: float, timeout: float = 60.0) -> list[dict]:  # type: ignore[no-untyped-def]
    """Collect observations pushed to a test client until one has value `until`."""
    deadline = time.time() + timeout
    got: list[dict] = []
    while time.time() < deadline and until not in [o["value"] for o in got]:
        for e in client.get_received():
            if e["name"] == "obs":
                got += [o for batch in e["args"] for o in batch]
        time.sleep(0.05)
    return got


def test_join_returns_snapshot_then_deltas(wall: WallApp, store: Store) -> None:
    store.write([obs(period="2026-09", value=7.0), obs(period="2026-10", value=8.0)])
    client = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    reply = client.emit("join", {"panel": "overview"}, callback=True)
    assert reply["ok"] is True
    snap = reply["snapshot"]
    assert [o["value"] for o in snap["latest"] if o["indicator"] == "EXPORTS_M"] == [8.0]
    assert [o["period"] for o in snap["history"]["EXPORTS_M:VN"]] == ["2026-09", "2026-10"]
    for i in range(20):  # a burst: only the newest per series reaches the screen
        store.write([obs(period="2026-11", value=100.0 + i, revision=i)])
    values = [o["value"] for o in _values(client, 119.0) if o["period"] == "2026-11"]
    assert values and values[-1] == 119.0, "the newest value did not reach the screen"
    assert len(values) < 20, "the burst was not coalesced"


def test_unknown_panel_is_refused(wall: WallApp, store: Store) -> None:
    client = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    assert client.emit("join", {"panel": "nope"}, callback=True)["ok"] is False


def test_indicators_not_on_the_panel_are_not_sent(wall: WallApp, store: Store) -> None:
    client = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    client.emit("join", {"panel": "overview"}, callback=True)
    store.write([obs(indicator="NOT_ON_WALL", value=1.0)])
    store.write([obs(value=3.0)])
    sent = {o["indicator"] for o in _values(client, 3.0)}
    assert sent == {"EXPORTS_M"}


def test_a_retraction_reloads_the_screens_that_show_the_indicator(wall: WallApp,
                                                                 store: Store) -> None:
    from tests.helpers import wait_for
    from wall.corrections import retract

    store.write([obs(period="2026-09", value=7.0), obs(period="2026-10", value=8.0)])
    client = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    assert client.emit("join", {"panel": "overview"}, callback=True)["ok"] is True
    wait_for(lambda: wall.relay.redis_up, "the relay subscribed to Redis")
    client.get_received()
    retract(store, {"indicator": "EXPORTS_M", "area": "VN", "period": "2026-10",
                    "reason": "sent early"}, "op", "test")
    seen: list[dict] = []

    def reloaded() -> bool:
        seen.extend(e["args"][0] for e in client.get_received() if e["name"] == "screen")
        return {"action": "reload"} in seen

    wait_for(reloaded, "a reload sent to the overview's room")
    reply = client.emit("join", {"panel": "overview"}, callback=True)
    assert [o["period"] for o in reply["snapshot"]["latest"]
            if o["indicator"] == "EXPORTS_M"] == ["2026-09"]


def test_flush_timings_cover_the_batches_sent(wall: WallApp, store: Store) -> None:
    client = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    client.emit("join", {"panel": "overview"}, callback=True)
    assert wall.relay.timing()["flushes"] == 0
    store.write([obs(value=5.0)])
    assert 5.0 in [o["value"] for o in _values(client, 5.0)]
    timing = wall.relay.timing()
    assert timing["flushes"] >= 1
    for part in ("held_ms", "sending_ms"):
        assert 0 <= timing[part]["p50"] <= timing[part]["p99"] <= timing[part]["max"]


def test_flushes_widen_under_a_burst_or_a_slow_fan_out(store: Store) -> None:
    from wall.relay import Relay

    relay = Relay(store, None, dict, None, flush_ms=50)  # type: ignore[arg-type]
    assert relay._interval(5, 0.05, sending=0.001) == 0.05  # a few values, a few screens
    assert relay._interval(5, 0.05, sending=0.02) == 0.1  # writing took 40 % of the window
    assert relay._interval(5, 0.05, sending=0.001) == 0.05
    for _ in range(5):  # 2,000 obs/s for a while
        widened = relay._interval(100, 0.05)
    assert widened == 0.1
