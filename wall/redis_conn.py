"""Where Redis is: `REDIS_URL` (one server), or `REDIS_SENTINELS` with `SENTINEL_SERVICE` (a
primary watched by sentinels, re-resolved after a failover), or nothing (the demo's in-process
Redis). `REDIS_PASSWORD` and `REDIS_DB` apply to the Sentinel-managed primary.
"""

from __future__ import annotations

import os
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from wall.env import EnvError, env_int

__all__ = ["REDIS_TIMEOUT_S", "describe", "redis_client", "redis_configured", "sentinels"]

REDIS_TIMEOUT_S = 5.0  # a hung Redis is an error after this, never a request held for ever


def redis_configured() -> bool:
    """Whether a shared Redis is configured (a URL or sentinels), not the embedded one."""
    return bool(os.environ.get("REDIS_URL") or os.environ.get("REDIS_SENTINELS"))


def sentinels(raw: str | None = None) -> list[tuple[str, int]]:
    """The `host:port` pairs of `raw`, else of `REDIS_SENTINELS` (comma separated); EnvError
    when malformed."""
    raw = (os.environ.get("REDIS_SENTINELS", "") if raw is None else raw).strip()
    out: list[tuple[str, int]] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise EnvError(f"REDIS_SENTINELS: {part!r} is not host:port")
        out.append((host.strip("[]"), int(port)))
    return out


def describe() -> str:
    """Where this process looks for Redis, for messages (no password)."""
    if os.environ.get("REDIS_SENTINELS"):
        return (f"sentinels {os.environ['REDIS_SENTINELS']} "
                f"(service {os.environ.get('SENTINEL_SERVICE', 'mymaster')})")
    url = os.environ.get("REDIS_URL", "")
    return url.split("@")[-1] if "@" in url else url or "the embedded Redis"


def redis_client(url: str | None = None, timeout: float = REDIS_TIMEOUT_S) -> Any:
    """A client of the configured Redis: `url`, else the sentinels' primary, else `REDIS_URL`,
    else the in-process one. Reads time out after `timeout` seconds."""
    opts: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": 3,
                            "socket_keepalive": True, "health_check_interval": 15}
    if not url and os.environ.get("REDIS_SENTINELS"):
        watch = Sentinel(sentinels(), socket_timeout=1.0, socket_connect_timeout=1.0)
        retry = Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=3)  # a failover's blip
        return watch.master_for(
            os.environ.get("SENTINEL_SERVICE", "mymaster"), retry=retry,
            retry_on_error=[redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError],
            password=os.environ.get("REDIS_PASSWORD") or None,
            db=env_int("REDIS_DB", 0), **opts)
    url = url or os.environ.get("REDIS_URL")
    if url:
        return redis.Redis.from_url(url, **opts)
    import fakeredis  # embedded default only: the demo without a Redis server

    return fakeredis.FakeRedis(server=_embedded_server())


_EMBEDDED: Any = None


def _embedded_server() -> Any:
    global _EMBEDDED
    if _EMBEDDED is None:
        import fakeredis

        _EMBEDDED = fakeredis.FakeServer()
    return _EMBEDDED
