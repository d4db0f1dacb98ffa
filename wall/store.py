"""The one module that knows Redis key names: latest values, history, events, health, quarantine."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from wall.config import parse_duration
from wall.env import env_int
from wall.observation import Observation, period_rank, series_key
from wall.redis_conn import redis_client

__all__ = ["NotReplicated", "Store", "connect", "field_for"]


class NotReplicated(redis.RedisError):
    """A write the primary took but its replicas did not confirm in time: not acknowledged."""

REPLICA_WAIT_MS = 2000  # how long a write waits for its replicas (WALL_REDIS_REPLICAS)
QUARANTINE_RAW_MAX = 256 * 1024  # characters of one rejected payload kept
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}\Z", re.ASCII)

# One script per batch: keep the newest observation per series as "latest" (period, then
# revision), keep one history member per period (the highest revision), cap history, and
# publish what changed on the events channel. One round trip, atomic per batch. Every key it
# touches is declared (each observation's history, then each area index, ranks and latest hash
# once), so with a hash-tagged prefix such as "{wall}:" it also runs on Redis Cluster. An
# observation travels as two arguments, its body and "index key#, ranks key#, rank, revision,
# field" joined by NUL (the field last: it may hold anything), which halves the packing work.
_WRITE_BATCH = """
local cap, hp, n = tonumber(ARGV[1]), #ARGV[3], tonumber(ARGV[4])
local changed, m = {}, 0
local ranks_now = {}           -- ranks key .. NUL .. field -> 'rank|rev' as of this batch
local sets, hsets = {}, {}     -- key -> members / field-value pairs, written once at the end
local grown = {}               -- histories added to: trimmed to the cap once, at the end
local function add(tbl, key, a, b)
  local t = tbl[key]
  if not t then t = {}; tbl[key] = t end
  t[#t + 1] = a
  if b then t[#t + 1] = b end
end
for j = 1, n do
  local hist, meta, body = KEYS[j], ARGV[3 + 2 * j], ARGV[4 + 2 * j]
  local ix, rx, srank, srev, field = string.match(meta, '^(%d+)%z(%d+)%z([^%z]+)%z(%d+)%z(.*)$')
  local ranks, latest = KEYS[tonumber(rx)], KEYS[tonumber(rx) + 1]
  add(sets, KEYS[tonumber(ix)], string.sub(hist, hp + 1))
  local rank, rev = tonumber(srank), tonumber(srev)
  local slot = ranks .. '\0' .. field
  local cur = ranks_now[slot]
  if cur == nil then cur = redis.call('HGET', ranks, field) end
  local newest, later = true, false
  if cur then
    local sep = string.find(cur, '|', 1, true)
    local crank = tonumber(string.sub(cur, 1, sep - 1))
    local crev = tonumber(string.sub(cur, sep + 1))
    if rank < crank or (rank == crank and rev < crev) then newest = false end
    later = rank > crank  -- past the latest period: history holds nothing at this rank
  end
  if newest then
    ranks_now[slot] = srank .. '|' .. srev
    add(hsets, latest, field, body)
    add(hsets, ranks, field, ranks_now[slot])
  end
  local keep, replaced = true, false
  if not later then
    for _, old in ipairs(redis.call('ZRANGEBYSCORE', hist, srank, srank)) do
      local orev = tonumber(string.match(old, '"revision":(%d+)') or '0')
      if orev > rev then keep = false else redis.call('ZREM', hist, old); replaced = true end
    end
  end
  if keep then
    redis.call('ZADD', hist, srank, body)
    if not replaced then grown[hist] = true end
  end
  if keep or newest then
    m = m + 1
    changed[m] = body
  end
end
for hist in pairs(grown) do redis.call('ZREMRANGEBYRANK', hist, 0, -(cap + 1)) end
for key, members in pairs(sets) do
  for i = 1, #members, 4000 do
    redis.call('SADD', key, unpack(members, i, math.min(i + 3999, #members)))
  end
end
for key, pairs_ in pairs(hsets) do  -- later pairs of a field win, as they would one by one
  for i = 1, #pairs_, 4000 do
    redis.call('HSET', key, unpack(pairs_, i, math.min(i + 3999, #pairs_)))
  end
end
if m > 0 then
  redis.call('PUBLISH', ARGV[2], '[' .. table.concat(changed, ',') .. ']')
end
return m
"""

# Take one period out of a series (a retraction): drop it from history and, when it was the
# latest, make the newest remaining period the latest again (or none). Returns what was removed.
_RETRACT = """
local hist, latest, ranks = KEYS[1], KEYS[2], KEYS[3]
local field, srank = ARGV[1], ARGV[2]
local gone = redis.call('ZRANGEBYSCORE', hist, srank, srank)
if #gone == 0 then return false end
redis.call('ZREMRANGEBYSCORE', hist, srank, srank)
local cur = redis.call('HGET', ranks, field)
if cur and tonumber(string.sub(cur, 1, string.find(cur, '|', 1, true) - 1)) == tonumber(srank) then
  local rest = redis.call('ZRANGE', hist, -1, -1, 'WITHSCORES')
  if #rest == 0 then
    redis.call('HDEL', latest, field)
    redis.call('HDEL', ranks, field)
  else
    local rev = string.match(rest[1], '"revision":(%d+)') or '0'
    redis.call('HSET', latest, field, rest[1])
    redis.call('HSET', ranks, field, rest[2] .. '|' .. rev)
  end
end
return gone[1]
"""


# Admit new series of a source up to a cap: those already known always pass; returns the
# series refused. Atomic, so concurrent requests of one key cannot overshoot together.
_ADMIT_SERIES = """
local cap = tonumber(ARGV[1])
local size = redis.call('SCARD', KEYS[1])
local refused = {}
for i = 2, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then
    if size < cap then
      redis.call('SADD', KEYS[1], ARGV[i])
      size = size + 1
    else
      refused[#refused + 1] = ARGV[i]
    end
  end
end
return refused
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_LEASE = """
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


def field_for(area: str, dims: dict[str, str] | None = None) -> str:
    """Return the latest-hash field of a series: area plus sorted dims."""
    return series_key("", area, dims)[1:]


def connect(url: str | None = None) -> redis.Redis:
    """Return a client of `url`, or of the configured Redis (wall.redis_conn)."""
    return redis_client(url)  # type: ignore[no-any-return]


def _storable(text: str) -> str:
    """`text` as Redis can keep it: a lone surrogate becomes its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _kept_raw(raw: Any) -> str:
    """A rejected payload as kept in quarantine: text, at most QUARANTINE_RAW_MAX characters."""
    try:
        payload = raw if isinstance(raw, str | bytes) else json.dumps(
            raw, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        payload = "(nested too deep to keep as JSON)"
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "backslashreplace")
    payload = _storable(payload)
    if len(payload) > QUARANTINE_RAW_MAX:
        payload = (payload[:QUARANTINE_RAW_MAX]
                   + f"…(cắt / cut: {len(payload):,} characters in all)")
    return payload


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Read and write the wall's data in Redis under one key prefix."""

    def __init__(self, client: redis.Redis, prefix: str = "wall:", history_cap: int = 600,
                 quarantine_cap: int = 20_000, alerts_cap: int = 100_000,
                 quarantine_days: int = 90, replicas: int | None = None) -> None:
        self.r = client
        self.alerts_cap = alerts_cap
        self.prefix = prefix
        self.history_cap = history_cap
        self.quarantine_cap = quarantine_cap  # per source
        self.quarantine_days = quarantine_days
        self.replicas = env_int("WALL_REDIS_REPLICAS", 0) if replicas is None else replicas
        self._write = client.register_script(_WRITE_BATCH)
        self._retract = client.register_script(_RETRACT)
        self._admit = client.register_script(_ADMIT_SERIES)
        self._lease = client.register_script(_LEASE)
        self._release = client.register_script(_RELEASE)

    # -- keys -------------------------------------------------------------------------------
    @property
    def events_channel(self) -> str:
        """Name of the pub/sub channel that carries Observation batches."""
        return f"{self.prefix}events"

    @property
    def alerts_channel(self) -> str:
        """Pub/sub channel of alert changes (raised, acknowledged, resolved) for the relay."""
        return f"{self.prefix}alerts"

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # -- observations -----------------------------------------------------------------------
    def write(self, observations: Sequence[Observation]) -> int:
        """Store a batch in one round trip; return how many changed latest or history."""
        if not observations:
            return 0
        keys, args = self._pack(observations)
        if not self.replicas:
            return int(self._write(keys=keys, args=args))
        pipe = self.r.pipeline(transaction=False)
        self._write(keys=keys, args=args, client=pipe)
        (changed,) = self._execute_replicated(pipe)
        return int(changed)

    def write_many(self, batches: Iterable[Sequence[Observation]]) -> int:
        """Store batches in order, each as `write` does, with one in flight: the next batch is
        packed (and parsed, when `batches` is lazy) while Redis runs the one before. Return how
        many changed. A failure part-way raises, the batches before it stored (each is atomic;
        writing one again changes nothing)."""
        sha = self.r.script_load(_WRITE_BATCH)
        pool = self.r.connection_pool
        conn = pool.get_connection()
        changed, inflight = 0, False
        try:
            for batch in batches:
                if not batch:
                    continue
                keys, args = self._pack(batch)
                conn.send_command("EVALSHA", sha, len(keys), *keys, *args)
                if inflight:
                    changed += int(conn.read_response())
                inflight = True
            if inflight:
                changed += int(conn.read_response())
            if self.replicas and inflight:
                conn.send_command("WAIT", self.replicas, REPLICA_WAIT_MS)
                self._check_replicated(int(conn.read_response()))
        except BaseException:
            conn.disconnect()  # a reply may still be on its way: never reuse this connection
            raise
        finally:
            pool.release(conn)
        return changed

    def _pack(self, observations: Sequence[Observation]) -> tuple[list[str], list[Any]]:
        """KEYS and ARGV of the write script for one batch."""
        hist_prefix = self._k("obs", "hist", "")
        hists: list[str] = []
        shared: dict[str, int] = {}  # area index, ranks and latest keys -> position in KEYS
        places: dict[tuple[str, str], str] = {}  # (indicator, area) -> "index#\0ranks#"
        ranks: dict[str, str] = {}  # period -> its rank as the script reads it
        args: list[Any] = [self.history_cap, self.events_channel, hist_prefix,
                           len(observations)]
        first = len(observations) + 1
        for o in observations:
            field = field_for(o.area, o.dims)
            hists.append(f"{hist_prefix}{o.indicator}:{field}")  # the series key
            place = places.get((o.indicator, o.area))
            if place is None:
                index = self._k("obs", "index", o.indicator, o.area)
                rank_key = self._k("obs", "rank", o.indicator)
                if index not in shared:
                    shared[index] = first + len(shared)
                if rank_key not in shared:
                    shared[rank_key] = first + len(shared)
                    shared[self._k("obs", "latest", o.indicator)] = first + len(shared)
                place = places[(o.indicator, o.area)] = f"{shared[index]}\0{shared[rank_key]}"
            rank = ranks.get(o.period)
            if rank is None:
                rank = ranks[o.period] = repr(period_rank(o.period))
            args += [f"{place}\0{rank}\0{o.revision}\0{field}", o.to_json()]
        return hists + list(shared), args

    def attached_replicas(self) -> int:
        """How many replicas the primary has connected now."""
        return int(self.r.info("replication").get("connected_slaves", 0))

    def _execute_replicated(self, pipe: Any) -> list[Any]:
        """Run `pipe`, with `replicas` set ending in a WAIT on the same connection; return the
        replies of its own commands (NotReplicated when too few replicas confirm them)."""
        if not self.replicas:
            return list(pipe.execute())
        pipe.wait(self.replicas, REPLICA_WAIT_MS)
        *replies, confirmed = pipe.execute()
        self._check_replicated(int(confirmed))
        return replies

    def _check_replicated(self, confirmed: int) -> None:
        """Raise NotReplicated unless `confirmed` replicas (a WAIT's answer) are enough.

        WAIT counts the writes of the connection it is sent on: it goes on the connection
        that wrote. A primary with fewer replicas attached (after a failover, before the old
        primary is back as a replica) waits only for those it has: ingest goes on, and
        `/healthz` says the store runs without a copy.
        """
        if confirmed >= self.replicas:
            return
        attached = self.attached_replicas()
        if confirmed < min(attached, self.replicas):
            raise NotReplicated(f"{confirmed} of {attached} replicas confirmed the write within "
                                f"{REPLICA_WAIT_MS} ms: it is not acknowledged; send it again")

    def admit_series(self, source: str, keys: Iterable[str], cap: int) -> set[str]:
        """Record the series `source` writes, at most `cap` in all; return the keys refused."""
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        refused = self._admit(keys=[self._k("series-of", source)], args=[cap, *wanted])
        return {_s(k) for k in refused}

    def retract(self, indicator: str, area: str, dims: dict[str, str] | None,
                period: str) -> Observation | None:
        """Take one period out of a series (history, and latest when it was the latest); return
        the observation removed, or None when the series has no such period."""
        key = series_key(indicator, area, dims)
        gone = self._retract(keys=[self._k("obs", "hist", key),
                                   self._k("obs", "latest", indicator),
                                   self._k("obs", "rank", indicator)],
                             args=[field_for(area, dims), repr(period_rank(period))])
        return Observation.from_json(gone) if gone else None

    def at_period(self, indicator: str, area: str, dims: dict[str, str] | None,
                  period: str) -> Observation | None:
        """The stored observation of one series for one period, if any."""
        rank = repr(period_rank(period))
        rows = self.r.zrangebyscore(self._k("obs", "hist", series_key(indicator, area, dims)),
                                    rank, rank)
        return Observation.from_json(rows[-1]) if rows else None

    def latest(self, indicator: str, area: str | None = None,
               dims: dict[str, str] | None = None) -> list[Observation]:
        """Return the latest observation of each series of an indicator (filtered by area/dims)."""
        key = self._k("obs", "latest", indicator)
        if area is not None and dims is not None:
            raw = self.r.hget(key, field_for(area, dims))
            return [Observation.from_json(raw)] if raw else []
        out = [Observation.from_json(v) for v in self.r.hgetall(key).values()]
        if area is not None:
            out = [o for o in out if o.area == area]
        return sorted(out, key=lambda o: o.key)

    def latest_many(self, indicators: Iterable[str]) -> list[Observation]:
        """Return the latest observations of several indicators in one round trip."""
        return [Observation.from_json(v) for v in self.latest_raw(indicators)]

    def latest_raw(self, indicators: Iterable[str]) -> list[bytes]:
        """The stored JSON of the latest observations of several indicators, one round trip
        (for a screen's snapshot: `stored_dict` decodes it without validating it again)."""
        pipe = self.r.pipeline(transaction=False)
        for code in indicators:
            pipe.hvals(self._k("obs", "latest", code))
        return [v for vals in pipe.execute() for v in vals]

    def headline_periods(self, indicators: Sequence[str], area: str = "VN") -> dict[str, str]:
        """The latest period of each indicator's headline series in `area` (no dims), one round
        trip, read lean: for checks that run over the whole catalogue."""
        pipe = self.r.pipeline(transaction=False)
        for code in indicators:
            pipe.hget(self._k("obs", "latest", code), field_for(area, {}))
        return {code: json.loads(raw)["period"] for code, raw in zip(
            indicators, pipe.execute(), strict=True) if raw}

    def series(self, indicator: str, area: str, dims: dict[str, str] | None = None,
               limit: int | None = None) -> list[Observation]:
        """Return a series' history, oldest period first; `dims=None` merges every series."""
        start = -limit if limit else 0
        if dims is None:
            names = sorted(_s(n) for n in self.r.smembers(self._k("obs", "index", indicator,
                                                                    area)))
        else:
            names = [series_key(indicator, area, dims)]
        pipe = self.r.pipeline(transaction=False)
        for name in names:
            pipe.zrange(self._k("obs", "hist", name), start, -1)
        points = [Observation.from_json(v) for vals in pipe.execute() for v in vals]
        return sorted(points, key=lambda o: (o.rank, o.key))

    def series_many(self, keys: Sequence[tuple[str, str, dict[str, str] | None]],
                    limit: int) -> dict[str, list[Observation]]:
        """Return the last `limit` points of several series in one round trip, by series key."""
        return {name: [Observation.from_json(v) for v in vals]
                for name, vals in self.series_raw(keys, limit).items()}

    def series_raw(self, keys: Sequence[tuple[str, str, dict[str, str] | None]],
                   limit: int) -> dict[str, list[bytes]]:
        """The stored JSON of the last `limit` points of several series, oldest first, one
        round trip, by series key."""
        pipe = self.r.pipeline(transaction=False)
        names = [series_key(i, a, d) for i, a, d in keys]
        for name in names:
            pipe.zrange(self._k("obs", "hist", name), -limit, -1)
        return dict(zip(names, pipe.execute(), strict=True))

    def history_points(self, keys: Sequence[str], limit: int
                       ) -> dict[str, list[tuple[str, float | None]]]:
        """(period, value) of the last `limit` points of several series, one round trip; read
        lean (the store wrote them validated) for the rules that run on every value."""
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.zrange(self._k("obs", "hist", key), -limit, -1)
        out: dict[str, list[tuple[str, float | None]]] = {}
        for key, rows in zip(keys, pipe.execute(), strict=True):
            points = [json.loads(r) for r in rows]
            out[key] = [(p["period"], p.get("value")) for p in points]
        return out

    # -- quarantine -------------------------------------------------------------------------
    # One stream per source, each bounded by count and age: a flood from one source evicts only
    # that source's oldest records, never another's. An entry's id is "<stream id>/<source>";
    # a plain stream id is an entry of the single stream of earlier versions, still read.
    def _quarantine_key(self, source: str) -> str:
        return self._k(f"quarantine:{source}")

    def _quarantine_sources(self) -> list[str]:
        return sorted(_s(m) for m in self.r.smembers(self._k("quarantine:sources")))

    def _quarantine_streams(self) -> list[tuple[str, str]]:
        """(source, key) of every quarantine stream, the earlier single stream as source ""."""
        return [("", self._k("quarantine"))] + [(src, self._quarantine_key(src))
                                                 for src in self._quarantine_sources()]

    def _locate(self, entry_id: str) -> tuple[str, str]:
        stream_id, _, source = entry_id.partition("/")
        return stream_id, self._quarantine_key(source) if source else self._k("quarantine")

    def quarantine(self, source: str, reason: str, raw: Any, kind: str = "record",
                   scope: str = "") -> None:
        """Keep a rejected record with its source, reason, raw payload, kind and time."""
        self.quarantine_many(source, [(reason, raw, kind)], scope)

    def quarantine_many(self, source: str, rejects: Sequence[tuple[str, Any, str]],
                        scope: str = "") -> None:
        """Keep rejected records, each (reason, raw payload, kind), in one round trip.

        `scope` is the sending key's scope: a replay stores the record only within it. Each
        source keeps its newest `quarantine_cap` records of the last `quarantine_days`; a raw
        payload over `QUARANTINE_RAW_MAX` characters is kept cut, and says so.
        """
        if not rejects:
            return
        source = source if _SOURCE_NAME.match(source or "") else "other"
        key = self._quarantine_key(source)
        pipe = self.r.pipeline(transaction=False)
        pipe.sadd(self._k("quarantine:sources"), source)
        for reason, raw, kind in rejects:
            fields = {"source": source, "reason": _storable(reason), "raw": _kept_raw(raw),
                      "kind": kind, "at": _now_iso()}
            if scope:
                fields["scope"] = scope
            pipe.xadd(key, fields, maxlen=self.quarantine_cap,  # type: ignore[arg-type]
                      approximate=True)
        oldest = int(time.time() * 1000) - self.quarantine_days * 86_400_000
        pipe.xtrim(key, minid=str(oldest), approximate=True)
        self._execute_replicated(pipe)

    def quarantined_entry(self, entry_id: str) -> dict[str, str] | None:
        """Return one quarantined record by its id."""
        stream_id, key = self._locate(entry_id)
        try:
            rows = self.r.xrange(key, stream_id, stream_id)
        except redis.ResponseError:  # not a stream id at all
            return None
        return {"id": entry_id, **{_s(k): _s(v) for k, v in rows[0][1].items()}} if rows else None

    def release(self, entry_id: str) -> None:
        """Remove a record from quarantine (after it was replayed and stored)."""
        stream_id, key = self._locate(entry_id)
        self.r.xdel(key, stream_id)

    def quarantined(self, count: int = 100) -> list[dict[str, str]]:
        """Return the newest quarantined records of every source, newest first."""
        rows: list[tuple[tuple[int, int], dict[str, str]]] = []
        for source, key in self._quarantine_streams():
            for i, f in self.r.xrevrange(key, count=count):
                sid = _s(i)
                ms, _, seq = sid.partition("-")
                rows.append(((int(ms), int(seq or 0)),
                             {"id": f"{sid}/{source}" if source else sid,
                              **{_s(k): _s(v) for k, v in f.items()}}))
        rows.sort(key=lambda r: r[0], reverse=True)
        return [entry for _, entry in rows[:count]]

    def quarantined_all(self, page: int = 1000) -> Iterator[dict[str, str]]:
        """Every quarantined record, source by source, oldest first, read a page at a time."""
        for source, key in self._quarantine_streams():
            start = "-"
            while True:
                rows = self.r.xrange(key, start, "+", count=page)
                for i, f in rows:
                    sid = _s(i)
                    yield {"id": f"{sid}/{source}" if source else sid,
                           **{_s(k): _s(v) for k, v in f.items()}}
                if len(rows) < page:
                    break
                start = "(" + _s(rows[-1][0])

    def quarantine_count(self) -> int:
        """Return how many records are held in quarantine."""
        return sum(self.quarantine_counts().values())

    def quarantine_counts(self) -> dict[str, int]:
        """How many records each source has in quarantine (the earlier single stream as "")."""
        streams = self._quarantine_streams()
        pipe = self.r.pipeline(transaction=False)
        for _, key in streams:
            pipe.xlen(key)
        return {src: int(n) for (src, _), n in zip(streams, pipe.execute(), strict=True) if n}

    # -- feed health ------------------------------------------------------------------------
    def record_health(self, feed_id: str, *, ok: bool, accepted: int = 0, rejected: int = 0,
                      error: str = "") -> None:
        """Update a feed's health hash after a poll or an ingest."""
        key = self._k("feed", feed_id)
        pipe = self.r.pipeline(transaction=False)
        pipe.sadd(self._k("feeds"), feed_id)
        pipe.hincrby(key, "records_in", accepted)
        pipe.hincrby(key, "records_rejected", rejected)
        if ok:
            pipe.hset(key, mapping={"last_success": _now_iso(), "consecutive_failures": 0,
                                    "state": "up"})
        else:
            pipe.hset(key, mapping={"last_error": error[:500], "last_error_at": _now_iso(),
                                    "state": "down"})
            pipe.hincrby(key, "consecutive_failures", 1)
        pipe.execute()

    def set_feed_info(self, feed_id: str, **info: str) -> None:
        """Set descriptive fields of a feed's health hash (kind, owner, simulated)."""
        self.r.sadd(self._k("feeds"), feed_id)
        self.r.hset(self._k("feed", feed_id), mapping=info)

    def feeds_health(self) -> dict[str, dict[str, str]]:
        """Return every known feed's health hash; `state` is `stale` past 3 missed cadences."""
        ids = sorted(_s(i) for i in self.r.smembers(self._k("feeds")))
        pipe = self.r.pipeline(transaction=False)
        for feed_id in ids:
            pipe.hgetall(self._k("feed", feed_id))
        out = {fid: {_s(k): _s(v) for k, v in h.items()}
               for fid, h in zip(ids, pipe.execute(), strict=True)}
        now = datetime.now(UTC)
        for h in out.values():
            if h.get("state") == "up" and h.get("interval") and h.get("last_success"):
                quiet = now - datetime.fromisoformat(h["last_success"])
                if quiet > 3 * parse_duration(h["interval"]) + timedelta(seconds=5):
                    h["state"] = "stale"
        return out

    # -- report submissions (compliance) ----------------------------------------------------
    def record_submission(self, receipt: Any) -> None:
        """Record that a unit submitted a report for a regime and period (latest wins)."""
        info = {"file": receipt.file, "accepted": receipt.accepted,
                "rejected": receipt.rejected, "received_at": _now_iso()}
        self.r.hset(self._k("report", receipt.regime, receipt.period), receipt.unit,
                    json.dumps(info, ensure_ascii=False))

    def submissions(self, regime: str, period: str) -> dict[str, dict[str, Any]]:
        """Return what each unit submitted for a regime and period."""
        raw = self.r.hgetall(self._k("report", regime, period))
        return {_s(k): json.loads(v) for k, v in raw.items()}

    # -- camera snapshots ---------------------------------------------------------------------
    def save_snapshot(self, camera: str, content_type: str, data: bytes, at: str) -> None:
        """Keep a camera's latest snapshot."""
        self.r.hset(self._k("camera", camera), mapping={"content_type": content_type,
                                                         "snapshot": data, "at": at})

    def snapshot(self, camera: str) -> tuple[str, bytes, str] | None:
        """Return (content type, bytes, time) of a camera's latest snapshot, if any."""
        h = self.r.hgetall(self._k("camera", camera))
        if not h or b"snapshot" not in h:
            return None
        return _s(h[b"content_type"]), bytes(h[b"snapshot"]), _s(h[b"at"])

    # -- screens registry -----------------------------------------------------------------------
    @property
    def screens_channel(self) -> str:
        """Pub/sub channel of console commands to screens."""
        return f"{self.prefix}screens"

    def screen_state(self, screen_id: str) -> dict[str, str]:
        """Return a screen's registry hash (panel, params, lang, playlist, last seen…)."""
        return {_s(k): _s(v) for k, v in self.r.hgetall(self._k("screen", screen_id)).items()}

    def set_screen(self, screen_id: str, command: dict[str, Any], **fields: str) -> None:
        """Update a screen's registry hash and tell the screens (one pipeline)."""
        pipe = self.r.pipeline(transaction=True)
        if fields:
            pipe.hset(self._k("screen", screen_id), mapping=fields)
        pipe.publish(self.screens_channel, json.dumps(command, ensure_ascii=False))
        pipe.execute()

    def tell_screens(self, command: dict[str, Any]) -> None:
        """Publish a command for the relay on the screens channel."""
        self.r.publish(self.screens_channel, json.dumps(command, ensure_ascii=False))

    def screen_note(self, screen_id: str, **fields: str) -> None:
        """Keep fields in a screen's registry hash without telling the screens."""
        self.r.hset(self._k("screen", screen_id), mapping=fields)

    def screen_seen(self, screen_id: str) -> None:
        """Record a screen's heartbeat."""
        self.r.hset(self._k("screen", screen_id), "last_seen", _now_iso())

    def audit(self, who: str, action: str, detail: dict[str, Any], where: str = "") -> None:
        """Append to the audit stream: who did what, when and from where."""
        self.r.xadd(self._k("audit"), {"who": who, "action": action, "where": where,
                                       "detail": json.dumps(detail, ensure_ascii=False),
                                       "at": _now_iso()}, maxlen=1_000_000, approximate=True)

    def audit_log(self, count: int = 100) -> list[dict[str, str]]:
        """Return the newest audit entries, newest first."""
        rows = self.r.xrevrange(self._k("audit"), count=count)
        return [{"id": _s(i), **{_s(k): _s(v) for k, v in f.items()}} for i, f in rows]

    # -- credentials (users, tokens, keys) and throttles ------------------------------------
    def cred_put(self, kind: str, ident: str, fields: dict[str, str],
                 ttl_s: int | None = None) -> None:
        """Write a credential record (a user, or a token by its hash); listed unless it expires."""
        key = self._k("auth", kind, ident)
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        if ttl_s:
            pipe.expire(key, ttl_s)
        else:
            pipe.sadd(self._k("auth", kind), ident)
        pipe.execute()

    def cred_get(self, kind: str, ident: str) -> dict[str, str]:
        """Return a credential record ({} when there is none)."""
        return {_s(k): _s(v) for k, v in self.r.hgetall(self._k("auth", kind, ident)).items()}

    def cred_delete(self, kind: str, ident: str) -> bool:
        """Delete a credential record; return whether it existed."""
        pipe = self.r.pipeline(transaction=True)
        pipe.delete(self._k("auth", kind, ident))
        pipe.srem(self._k("auth", kind), ident)
        return bool(pipe.execute()[0])

    def cred_ids(self, kind: str) -> list[str]:
        """Return the ids of every listed credential of a kind, sorted."""
        return sorted(_s(v) for v in self.r.smembers(self._k("auth", kind)))

    def throttle_hit(self, name: str, window_s: int) -> int:
        """Count one failure under `name` in a window that starts at the first; return the count."""
        key = self._k("throttle", name)
        pipe = self.r.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        return int(pipe.execute()[0])

    def throttle_state(self, name: str) -> tuple[int, int]:
        """Return (failures, seconds until the window ends) for `name`."""
        key = self._k("throttle", name)
        count, ttl = self.r.get(key), self.r.ttl(key)
        return int(count or 0), max(int(ttl), 0)

    def throttle_undo(self, name: str) -> None:
        """Take back one count under `name` (a success that was counted before it was known)."""
        self.r.decr(self._k("throttle", name))

    def throttle_clear(self, name: str) -> None:
        """Forget the failures counted under `name`."""
        self.r.delete(self._k("throttle", name))

    # -- leases (which worker runs a feed) ---------------------------------------------------
    def hold_lease(self, feed_id: str, worker: str, ttl_s: float) -> bool:
        """Take or renew a feed's lease for `worker`; return whether the worker holds it."""
        return bool(self._lease(keys=[self._k("lease", "feed", feed_id)],
                                args=[worker, int(ttl_s * 1000)]))

    def release_lease(self, feed_id: str, worker: str) -> None:
        """Give a lease up if this worker holds it."""
        self._release(keys=[self._k("lease", "feed", feed_id)], args=[worker])  # atomically

    def lease_holder(self, feed_id: str) -> str | None:
        """Return the worker holding a feed's lease, if any."""
        v = self.r.get(self._k("lease", "feed", feed_id))
        return _s(v) if v else None

    # -- alerts -------------------------------------------------------------------------------
    def open_alert(self, dedupe: str, body: dict[str, Any]) -> tuple[str, bool]:
        """Open an alert unless one is open for `dedupe` (rule and series); return (id, new)."""
        new_id = f"a{int(time.time() * 1000):x}{os.urandom(3).hex()}"
        if not self.r.hsetnx(self._k("alerts", "open"), dedupe, new_id):
            return _s(self.r.hget(self._k("alerts", "open"), dedupe) or b""), False
        alert = {**body, "id": new_id, "dedupe": dedupe, "state": "open",
                 "raised_at": _now_iso()}
        self._put_alert(alert)
        return new_id, True

    def _put_alert(self, alert: dict[str, Any]) -> None:
        pipe = self.r.pipeline()
        pipe.hset(self._k("alerts", "active"), alert["id"], json.dumps(alert,
                                                                        ensure_ascii=False))
        pipe.xadd(self._k("alerts"), {"id": alert["id"], "state": alert["state"],
                                      "body": json.dumps(alert, ensure_ascii=False)},
                  maxlen=self.alerts_cap, approximate=True)
        pipe.publish(self.alerts_channel, json.dumps(alert, ensure_ascii=False))
        pipe.execute()

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One alert that is open or acknowledged, by id."""
        raw = self.r.hget(self._k("alerts", "active"), alert_id)
        return json.loads(raw) if raw else None

    def update_alert(self, alert_id: str, **fields: Any) -> dict[str, Any] | None:
        """Change an alert's fields (state, note, assignee…); a resolved one leaves the active
        set and frees its rule and series for a new alert. History keeps every change."""
        alert = self.alert(alert_id)
        if alert is None:
            return None
        alert.update(fields)
        self._put_alert(alert)
        if alert["state"] == "resolved":
            pipe = self.r.pipeline()
            pipe.hdel(self._k("alerts", "active"), alert_id)
            pipe.hdel(self._k("alerts", "open"), alert["dedupe"])
            pipe.execute()
        return alert

    def open_alert_for(self, dedupe: str) -> dict[str, Any] | None:
        """The alert open for a rule and series, if any."""
        alert_id = self.r.hget(self._k("alerts", "open"), dedupe)
        return self.alert(_s(alert_id)) if alert_id else None

    def open_alert_ids(self, dedupes: Sequence[str]) -> dict[str, str | None]:
        """The ids of the alerts open for several rules and series, one round trip."""
        if not dedupes:
            return {}
        raw = self.r.hmget(self._k("alerts", "open"), list(dedupes))
        return {d: _s(v) if v else None for d, v in zip(dedupes, raw, strict=True)}

    def alerts(self, state: str | None = None, count: int = 500) -> list[dict[str, Any]]:
        """Open and acknowledged alerts (newest first), or the resolved ones from history."""
        if state == "resolved":
            rows = self.r.xrevrange(self._k("alerts"), count=count * 4)
            seen: dict[str, dict[str, Any]] = {}
            for _, f in rows:
                body = json.loads(f[b"body"])
                seen.setdefault(body["id"], body)
            return [a for a in seen.values() if a["state"] == "resolved"][:count]
        out = [json.loads(v) for v in self.r.hvals(self._k("alerts", "active"))]
        out = [a for a in out if state is None or a["state"] == state]
        return sorted(out, key=lambda a: a["raised_at"], reverse=True)[:count]

    # -- direction tasks ----------------------------------------------------------------------
    def put_task(self, task: dict[str, Any]) -> None:
        """Keep a direction task by its number (a later record of the same number replaces it)."""
        self.r.hset(self._k("tasks"), task["number"], json.dumps(task, ensure_ascii=False))

    def tasks(self) -> list[dict[str, Any]]:
        """Every kept direction task, by number."""
        rows = [json.loads(v) for v in self.r.hvals(self._k("tasks"))]
        return sorted(rows, key=lambda t: t["number"])

    # -- analysis results (forecasts) --------------------------------------------------------
    def put_result(self, kind: str, key: str, body: dict[str, Any]) -> None:
        """Keep an analysis result (`kind` e.g. forecast) for a series key."""
        self.r.hset(self._k("analysis", kind), key, json.dumps(body, ensure_ascii=False))

    def result(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return a kept analysis result for a series key, if any."""
        raw = self.r.hget(self._k("analysis", kind), key)
        return json.loads(raw) if raw else None

    def results(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """Kept results of several series keys, one round trip (None where none is kept)."""
        if not keys:
            return {}
        raw = self.r.hmget(self._k("analysis", kind), list(keys))
        return {k: json.loads(v) if v else None for k, v in zip(keys, raw, strict=True)}

    def result_keys(self, kind: str) -> list[str]:
        """Series keys that have a kept result of this kind."""
        return sorted(_s(k) for k in self.r.hkeys(self._k("analysis", kind)))

    # -- misc -------------------------------------------------------------------------------
    def ping(self) -> float:
        """Return the Redis round-trip time in milliseconds (raises if Redis is down)."""
        t0 = time.perf_counter()
        self.r.ping()
        return (time.perf_counter() - t0) * 1000

    def pubsub(self) -> Any:
        """Return a pub/sub object subscribed to the events, screens and alerts channels."""
        ps = self.r.pubsub(ignore_subscribe_messages=True)
        ps.subscribe(self.events_channel, self.screens_channel, self.alerts_channel)
        return ps


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)
