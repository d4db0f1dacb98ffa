"""Redis stream subscriber: indicator streams that other systems push, read by a consumer group.

Several workers share one group, so each entry is handled once; an entry is acknowledged only
after its observations are stored, and an entry left unacknowledged by a dead worker is claimed
again after `claim_after_ms` — nothing is lost. Each entry carries one observation as JSON in
its `obs` field (or a JSON array of them in `batch`).

The stream is trimmed (`trim`, on by default) below the oldest entry some consumer group of it
still needs: the first pending entry, or the first not yet delivered. Entries every group has
acknowledged go; nothing another reader has not had goes with them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterable
from typing import Any

import redis
from pydantic import BaseModel

from data_feeds.base import Feed, FeedError, Rejected
from wall.observation import Observation, ObservationError, parse_observation
from wall.redis_conn import redis_client, redis_configured

__all__ = ["RedisStreamFeed"]

log = logging.getLogger(__name__)


def _sid(text: bytes | str) -> tuple[int, int]:
    ms, _, seq = (text.decode() if isinstance(text, bytes) else text).partition("-")
    return int(ms), int(seq or 0)


class StreamSettings(BaseModel):
    """Which Redis, stream and consumer group; how much to read per poll."""

    url_env: str = "REDIS_URL"
    stream: str
    group: str = "wall"
    consumer: str = ""
    count: int = 500
    block_ms: int = 1000
    claim_after_ms: int = 30_000
    trim: bool = True  # trim what every group has read and acknowledged
    trim_every_s: float = 10.0


class RedisStreamFeed(Feed):
    """Read observations from a Redis stream through a consumer group."""

    kind = "redis_stream"
    Settings = StreamSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = os.environ.get(self.settings.url_env)
        wall_redis = self.settings.url_env == "REDIS_URL" and redis_configured()  # or sentinels
        if not url and not wall_redis:
            raise FeedError(f"{self.id}: environment variable {self.settings.url_env} is not set")
        self.r = redis_client(url or None, timeout=self.settings.block_ms / 1000 + 5)
        self.consumer = self.settings.consumer or f"{socket.gethostname()}:{os.getpid()}"
        self._to_ack: list[bytes] = []
        self._group_ready = False
        self._trimmed_at = 0.0

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
        if self.settings.trim and time.monotonic() - self._trimmed_at >= self.settings.trim_every_s:
            self._trimmed_at = time.monotonic()
            try:
                self.trim()
            except redis.RedisError as exc:  # acknowledged already; trimming waits for next time
                log.warning("%s: could not trim %s: %s", self.id, self.settings.stream, exc)

    def trim(self) -> int:
        """Delete the entries every consumer group of the stream has acknowledged; return how
        many went."""
        stream = self.settings.stream
        floor: tuple[int, int] | None = None
        for group in self.r.xinfo_groups(stream):
            name = group["name"]
            if group.get("pending"):
                need = _sid(self.r.xpending(stream, name)["min"])
            else:  # everything delivered is acknowledged: keep what comes after
                last = _sid(group["last-delivered-id"])
                need = (last[0], last[1] + 1)
            floor = need if floor is None else min(floor, need)
        if floor is None or floor <= (0, 1):
            return 0
        return int(self.r.xtrim(stream, minid=f"{floor[0]}-{floor[1]}", approximate=False))

    def failed(self) -> None:
        """Not stored: leave the entries pending, to be claimed again after `claim_after_ms`."""
        self._to_ack = []

    def close(self) -> None:
        """Close the connection."""
        self.r.close()
