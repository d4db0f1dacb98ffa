"""Schedule feeds, back off on failure, store what they return and record their health."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence

from data_feeds.base import Feed, Rejected, feed_class
from wall.config import WallSettings, parse_duration
from wall.observation import Observation
from wall.store import Store

__all__ = ["FeedRunner", "build_feeds"]

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 300.0


def build_feeds(settings: WallSettings) -> list[Feed]:
    """Instantiate every configured feed (raises FeedError for an unknown kind)."""
    return [feed_class(spec.kind)(spec, settings.catalogue) for spec in settings.feeds.feeds]


class FeedRunner:
    """Run feeds on one scheduler thread; a failing feed backs off, the others go on."""

    def __init__(self, store: Store, feeds: Sequence[Feed]) -> None:
        self.store = store
        self.feeds = list(feeds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._due = {f.id: 0.0 for f in self.feeds}
        self._failures = {f.id: 0 for f in self.feeds}
        for f in self.feeds:
            store.set_feed_info(f.id, kind=f.kind, owner=f.spec.owner,
                                simulated=str(f.spec.simulated).lower(),
                                interval=f.spec.interval)

    def run_once(self, feed: Feed) -> int:
        """Poll one feed now, store its observations, quarantine its rejects; return stored."""
        try:
            items = list(feed.poll())
        except Exception as exc:  # a source failing must never stop the wall
            self._failures[feed.id] += 1
            self.store.record_health(feed.id, ok=False, error=f"{type(exc).__name__}: {exc}")
            log.warning("feed %s failed: %s", feed.id, exc)
            return 0
        good = [i for i in items if isinstance(i, Observation)]
        bad = [i for i in items if isinstance(i, Rejected)]
        for item in bad:
            self.store.quarantine(feed.id, item.reason, item.raw)
        for start in range(0, len(good), 2000):
            self.store.write(good[start:start + 2000])
        self._failures[feed.id] = 0
        self.store.record_health(feed.id, ok=True, accepted=len(good), rejected=len(bad))
        return len(good)

    def _delay(self, feed: Feed) -> float:
        base = parse_duration(feed.spec.interval).total_seconds()
        n = self._failures[feed.id]
        if n == 0:
            return base
        return min(MAX_BACKOFF_S, base * 2 ** min(n, 8)) * random.uniform(0.5, 1.0)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for feed in self.feeds:
                if self._due[feed.id] <= now:
                    self.run_once(feed)
                    self._due[feed.id] = time.monotonic() + self._delay(feed)
            next_due = min(self._due.values(), default=now + 1.0)
            self._stop.wait(max(0.05, next_due - time.monotonic()))

    def start(self) -> None:
        """Start the scheduler thread (daemon)."""
        self._thread = threading.Thread(target=self._loop, name="feed-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the scheduler and close the feeds."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for f in self.feeds:
            f.close()
