"""Redis stream subscriber: indicator streams that other systems push, read by a consumer group.

Several workers share one group, so each entry is handled once; an entry is acknowledged only
after its observations are stored, and an entry left unacknowledged by a dead worker is claimed
again after `claim_after_ms` — nothing is lost. Each entry carries one observation as JSON in
its `obs` field (or a JSON array of them in `batch`).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from typing import Any

import redis
from pydantic import BaseModel

from data_feeds.base import Feed, FeedError, Rejected
from wall.observation import Observation, ObservationError, parse_observation

__all__ = ["RedisStreamFeed"]


class StreamSettings(BaseModel):
    """Which Redis, stream and consumer group; how much to read per poll."""

    url_env: str = "REDIS_URL"
    stream: str
    group: str = "wall"
    consumer: str = ""
    count: int = 500
    block_ms: int = 1000
    claim_after_ms: int = 30_000


class RedisStreamFeed(Feed):
    """Read observations from a Redis stream through a consumer group."""

    kind = "redis_stream"
    Settings = StreamSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = os.environ.get(self.settings.url_env)
        if not url:
            raise FeedError(f"{self.id}: environment variable {self.settings.url_env} is not set")
        self.r = redis.Redis.from_url(url, socket_timeout=self.settings.block_ms / 1000 + 5)
        self.consumer = self.settings.consumer or f"{socket.gethostname()}:{os.getpid()}"
        self._to_ack: list[bytes] = []
        self._group_ready = False

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.r.xgroup_create(self.settings.stream, self.settings.group, id="0",
                                 mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def poll(self) -> Iterable[Observation | Rejected]:
        """Claim entries abandoned by dead consumers, then read new ones (blocking briefly)."""
        s = self.settings
        try:
            self._ensure_group()
            _, claimed, _ = self.r.xautoclaim(s.stream, s.group, self.consumer,
                                              min_idle_time=s.claim_after_ms, count=s.count)
            fresh = self.r.xreadgroup(s.group, self.consumer, {s.stream: ">"}, count=s.count,
                                      block=None if claimed else s.block_ms) or []
        except redis.RedisError as exc:
            self._group_ready = False
            raise FeedError(f"stream {s.stream}: {exc}") from exc
        entries = list(claimed) + [e for _, batch in fresh for e in batch]
        items: list[Observation | Rejected] = []
        for entry_id, fields in entries:
            self._to_ack.append(entry_id)
            items += self._decode(fields)
        return items

    def _decode(self, fields: dict[bytes, bytes]) -> list[Observation | Rejected]:
        data = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in fields.items()}
        try:
            body = json.loads(data["batch"]) if "batch" in data else [json.loads(data["obs"])]
        except (KeyError, ValueError) as exc:
            return [Rejected(f"entry has no JSON `obs` or `batch` field ({exc})", data)]
        out: list[Observation | Rejected] = []
        for record in body if isinstance(body, list) else [body]:
            try:
                out.append(parse_observation(record).received_now())
            except ObservationError as exc:
                out.append(Rejected(str(exc), record))
        return out

    def committed(self) -> None:
        """Acknowledge the entries whose observations are now stored."""
        if self._to_ack:
            self.r.xack(self.settings.stream, self.settings.group, *self._to_ack)
            self._to_ack = []

    def failed(self) -> None:
        """Not stored: leave the entries pending, to be claimed again after `claim_after_ms`."""
        self._to_ack = []

    def close(self) -> None:
        """Close the connection."""
        self.r.close()
