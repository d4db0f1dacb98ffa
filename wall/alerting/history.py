"""Recent history of the series the alert engine judges, kept in memory between batches.

The engine sees every stored value on the events channel, so once a series' last points are
read from Redis they are kept current here by noting each new value; an entry older than `ttl_s`
is read again (bounding what a missed message could leave wrong), and at most `cap` series are
kept, least recently used out first. At 1,000 values a second this turns one Redis read and a
few dozen JSON decodes per value into a dictionary lookup.
"""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict

from wall.observation import period_rank

__all__ = ["HistoryCache"]

Points = list[tuple[float, str, float | None]]  # (period rank, period, value), oldest first


class HistoryCache:
    """Last `size` points of up to `cap` series, by series key."""

    def __init__(self, size: int, cap: int = 10_000, ttl_s: float = 120.0) -> None:
        self.size, self.cap, self.ttl_s = size, cap, ttl_s
        self._data: OrderedDict[str, tuple[float, Points]] = OrderedDict()

    def get(self, key: str) -> Points | None:
        """The kept points of a series, or None when not kept (or kept too long)."""
        found = self._data.get(key)
        if found is None or time.monotonic() - found[0] > self.ttl_s:
            return None
        self._data.move_to_end(key)
        return found[1]

    def put(self, key: str, points: list[tuple[str, float | None]]) -> Points:
        """Keep a series' points as read from Redis; return them ranked."""
        ranked = sorted((period_rank(p), p, v) for p, v in points)[-self.size:]
        self._data[key] = (time.monotonic(), ranked)
        self._data.move_to_end(key)
        while len(self._data) > self.cap:
            self._data.popitem(last=False)
        return ranked

    def note(self, key: str, period: str, value: float | None) -> None:
        """A new value of a kept series (a revision replaces its period's value)."""
        found = self._data.get(key)
        if found is None:
            return
        points = found[1]
        rank = period_rank(period)
        i = bisect.bisect_left(points, (rank,))
        if i < len(points) and points[i][0] == rank:
            points[i] = (rank, period, value)
        else:
            points.insert(i, (rank, period, value))
            del points[:-self.size]

    def __len__(self) -> int:
        return len(self._data)
