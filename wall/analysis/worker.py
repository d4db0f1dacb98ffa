"""The forecast worker: off the hot path, it refits a series' forecast when a new period arrives.

It listens on the events channel, keeps a set of series waiting (a burst of months for one series
is one job), and works through them one at a time, paced, in whichever process holds the
`forecast` lease (one worker computes however many `opswall feeds` processes run).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from wall.analysis.service import Forecaster, InsufficientData, UnknownSeries
from wall.background import Background
from wall.config import Catalogue, WallSettings
from wall.observation import series_key
from wall.store import Store

__all__ = ["ForecastWorker", "shown_series"]

log = logging.getLogger(__name__)
FORECAST_FREQUENCIES = ("M", "Q", "S", "A")
LEASE = "forecast"
BUSY_WINDOW_S, BUSY_OBSERVATIONS = 10.0, 200  # more than this in 10 s: the wall is busy


class ForecastWorker(Background):
    """Keep every national headline series' forecast current, one series at a time."""

    thread_name = "forecast-worker"

    def __init__(self, store: Store, catalogue: Catalogue, *, also: Iterable[
            tuple[str, str, dict[str, str]]] = (), pace_s: float = 0.2,
                 lease_s: float = 60.0, duty: float = 1.0) -> None:
        self.store = store
        self.forecaster = Forecaster(store, catalogue)
        self.wanted = {i.code for i in catalogue.indicators
                       if i.frequency in FORECAST_FREQUENCIES}
        self.also = {series_key(i, a, d): (i, a, d) for i, a, d in also}
        self.pace_s = pace_s
        self.lease_s = lease_s
        # share of the time spent fitting: below 1 where the worker shares a process (and its
        # GIL) with feeds or the web server, so they keep their pace
        self.duty = max(0.05, min(1.0, duty))
        self._window_at, self._window_n = 0.0, 0
        self.worker = f"{os.uname().nodename}:{os.getpid()}:forecast"
        self._dirty: dict[str, tuple[str, str, dict[str, str]]] = {}
        self._urgent: dict[str, tuple[str, str, dict[str, str]]] = {}  # shown on screens
        super().__init__()
        self.done = 0
        self.failed = 0

    def wants(self, indicator: str, area: str, dims: dict[str, str]) -> bool:
        """Whether a series is forecast: national headline series, and the ones asked for."""
        if series_key(indicator, area, dims) in self.also:
            return True
        return indicator in self.wanted and area == "VN" and not dims

    def mark(self, observations: Iterable[dict[str, Any]]) -> None:
        """Queue the series of these observations (as JSON-ready dicts) for a refit."""
        for o in observations:
            try:
                ind, area, dims = o["indicator"], o["area"], dict(o.get("dims") or {})
            except (KeyError, TypeError):
                continue
            key = series_key(ind, area, dims)
            if key in self.also:
                self._urgent[key] = (ind, area, dims)
            elif self.wants(ind, area, dims):
                self._dirty[key] = (ind, area, dims)

    def mark_present(self) -> None:
        """Queue every wanted series that already has values (at start-up)."""
        for o in self.store.latest_many(sorted(self.wanted)):
            self.mark([o.to_dict()])
        self._urgent.update(self.also)

    def _heard(self, n: int) -> None:
        now = time.monotonic()
        if now - self._window_at > BUSY_WINDOW_S:
            self._window_at, self._window_n = now, 0
        self._window_n += n

    def current_duty(self) -> float:
        """The duty now: the configured one while data pours in (a replay, a bulk import),
        three times it (at most all the time) when the wall is quiet."""
        busy = (time.monotonic() - self._window_at <= BUSY_WINDOW_S
                and self._window_n >= BUSY_OBSERVATIONS)
        return self.duty if busy else min(1.0, self.duty * 3)

    @property
    def waiting(self) -> int:
        """How many series wait for a refit."""
        return len(self._urgent) + len(self._dirty)

    def step(self) -> bool:
        """Forecast one waiting series; return whether there was one."""
        queue = self._urgent or self._dirty
        if not queue:
            return False
        key = next(iter(queue))
        ind, area, dims = queue.pop(key)
        try:
            self.forecaster.get(ind, area, dims)
            self.done += 1
            if self.done % 100 == 0:
                log.info("forecast worker: %d forecasts made, %d waiting", self.done,
                         self.waiting)
        except (InsufficientData, UnknownSeries) as exc:
            log.debug("no forecast for %s: %s", key, exc)
        except Exception:  # a model that fails on one series must not stop the others
            self.failed += 1
            log.exception("forecast of %s failed", key)
        return True

    def drain(self) -> None:
        """Forecast every waiting series now (tests and the backtest command)."""
        while self.step():
            pass

    def _listen(self, pubsub: Any) -> None:
        while True:
            msg = pubsub.get_message(timeout=0.0 if self.waiting else 1.0)
            if msg is None:
                return
            if msg.get("type") == "message":
                try:
                    batch = json.loads(msg["data"])
                except (ValueError, TypeError):
                    continue
                batch = batch if isinstance(batch, list) else [batch]
                self._heard(len(batch))
                self.mark(batch)

    def run(self) -> None:
        """Listen and work until stopped (holding the `forecast` lease while it computes)."""
        try:  # the OS runs feeds and the server before this thread (Linux: per-thread nice)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        pubsub = self.store.r.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.store.events_channel)
        self.mark_present()
        try:
            while not self._stop.is_set():
                try:
                    self._listen(pubsub)
                    if self.waiting and self.store.hold_lease(LEASE, self.worker, self.lease_s):
                        started = time.monotonic()
                        self.step()
                        spent = time.monotonic() - started
                        duty = self.current_duty()
                        self._stop.wait(max(self.pace_s, spent * (1 / duty - 1)))
                except Exception as exc:  # Redis away: wait, then carry on where it was
                    log.warning("forecast worker: %s", exc)
                    self._stop.wait(2.0)
        finally:
            pubsub.close()
            self.store.release_lease(LEASE, self.worker)


def shown_series(settings: WallSettings) -> list[tuple[str, str, dict[str, str]]]:
    """The series the wall shows a forecast for, targets' first: the worker fits them before
    the rest of the catalogue."""
    from layouts.registry import subscriptions

    targets = sorted({(c, t.measure.area, tuple(sorted(t.measure.dims.items())))
                      for t in settings.targets.targets if t.measure
                      for c in (t.measure.series, t.measure.of) if c})
    trends = sorted({(i, a, d) for sub in subscriptions(settings).values()
                     for i, a, d, n in sub.history if n > 14})
    return [(i, a, dict(d)) for i, a, d in targets + [s for s in trends if s not in targets]]
