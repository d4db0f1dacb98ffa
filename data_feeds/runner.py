"""Run feeds: one thread each, back-off with jitter, health, and Redis leases across workers."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from data_feeds.base import Feed, feed_class
from wall.config import WallSettings, parse_duration
from wall.ingest import deliver
from wall.observation import parse_observation
from wall.store import Store

__all__ = ["FeedRunner", "build_feeds"]

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 300.0


def build_feeds(settings: WallSettings) -> list[Feed]:
    """Instantiate every configured feed (raises FeedError for an unknown kind)."""
    return [feed_class(spec.kind)(spec, settings.catalogue, settings)
            for spec in settings.feeds.feeds]


class FeedRunner:
    """Run each feed on its own thread; a failing feed backs off, the others go on.

    With `lease_s`, several workers may share one Redis: a feed runs only in the worker that
    holds its lease, renewed on every cycle; a dead worker's feeds move within one lease period.
    """

    def __init__(self, store: Store, feeds: Sequence[Feed], *, lease_s: float | None = None,
                 worker: str | None = None) -> None:
        self.store = store
        self.feeds = list(feeds)
        self.lease_s = lease_s
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failures = {f.id: 0 for f in self.feeds}
        for f in self.feeds:
            store.set_feed_info(f.id, kind=f.kind, owner=f.spec.owner,
                                simulated=str(f.spec.simulated).lower(),
                                interval=f.spec.interval, name_vi=f.spec.name_vi)

    def run_once(self, feed: Feed) -> int:
        """Poll one feed now, store its observations, quarantine its rejects; return stored."""
        try:
            done = deliver(self.store, feed.id, feed.poll(), settings=feed.wall)
            feed.committed()
        except Exception as exc:  # a source (or Redis) failing must never stop the wall
            feed.failed()  # nothing of this poll is acknowledged: the source offers it again
            self._failures[feed.id] += 1
            log.warning("feed %s failed: %s", feed.id, exc)
            try:
                self.store.record_health(feed.id, ok=False,
                                         error=f"{type(exc).__name__}: {exc}")
            except Exception:  # Redis itself is down: the next cycle records it
                pass
            self._status(feed, 0.0)
            return 0
        self._failures[feed.id] = 0
        self._status(feed, 2.0)
        return done.accepted

    def _status(self, feed: Feed, value: float) -> None:
        """Push the feed's own state as an observation, so screens show systems live."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            self.store.write([parse_observation({
                "indicator": "FEED_STATUS", "area": "VN", "period": now, "value": value,
                "unit": "status code", "source": feed.id, "observed_at": now,
                "dims": {"feed": feed.id}})])
        except Exception:  # Redis down: health says so on the next cycle
            pass

    def delay(self, feed: Feed) -> float:
        """Seconds until the feed's next poll: its interval, or back-off with jitter."""
        base = parse_duration(feed.spec.interval).total_seconds()
        n = self._failures[feed.id]
        if n == 0:
            return base
        return min(MAX_BACKOFF_S, base * 2 ** min(n, 8)) * random.uniform(0.5, 1.0)

    def _holds_lease(self, feed: Feed) -> bool:
        if self.lease_s is None:
            return True
        try:
            return self.store.hold_lease(feed.id, self.worker, self.lease_s)
        except Exception as exc:
            log.warning("lease check for %s failed: %s", feed.id, exc)
            return False

    def _loop(self, feed: Feed) -> None:
        while not self._stop.is_set():
            if self._holds_lease(feed):
                self.run_once(feed)
                wait = self.delay(feed)
            else:
                wait = (self.lease_s or 1.0) / 3
            self._stop.wait(wait)
        if self.lease_s is not None:
            try:
                self.store.release_lease(feed.id, self.worker)
            except Exception:
                pass

    def start(self) -> None:
        """Start one daemon thread per feed."""
        for feed in self.feeds:
            t = threading.Thread(target=self._loop, args=(feed,), name=f"feed-{feed.id}",
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        """Stop the feed threads and close the feeds."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        for f in self.feeds:
            f.close()

    def wait(self) -> None:
        """Block until stopped (for `opswall feeds`)."""
        while not self._stop.wait(3600):
            time.sleep(0)
