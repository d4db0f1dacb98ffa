"""`opswall bench fanout`: many lightweight Socket.IO clients (python-socketio, not browsers)
joined to one panel's room, on one `opswall serve` and on two sharing Redis, while observations
are written at 100 / 1,000 / 5,000 obs/s.

For each case: publish→received latency p50/p99 over every delivered value (the observation's
`observed_at` is its publish time), messages received per second over all clients, and the
servers' CPU (user + system seconds per second) per 1,000 clients, and the clients' own CPU
(on a small machine they share the cores with the server, and can be what saturates first).
Clients run in worker processes (`--procs`), each connecting its share in parallel. Budget: 500
clients on one server at 1,000 obs/s with p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import itertools
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import redis

from benchmarks.baseline_interval_app import TILES
from benchmarks.latency import PERIOD, spawn
from benchmarks.redis_server import free_port, start_redis
from benchmarks.wall_auth import PREFIX, accounts, server_env, wait_http
from wall.config import load_settings
from wall.observation import Observation
from wall.store import Store

__all__ = ["main"]

FRESHNESS_EVERY = 10  # every tenth client's arrivals are kept for the freshness figure


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _clients(urls: list[str], token: str, count: int, first: int, ready: Any, go: Any,
             done: Any, out: Any) -> None:
    """One worker process: `count` asyncio clients on one event loop (threads per client
    would measure the GIL, not the server), on uvloop where installed (the `bench` extra)."""
    main = _async_clients(urls, token, count, first, ready, go, done, out)
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _light_client() -> type:
    """python-socketio's AsyncClient, decoding as it always does but handling each message
    where it is read, not in a task of its own, and with the standard library's JSON decoder
    (engine.io's own checks every integer in Python): on one small machine the clients' CPU is
    what bounds the tail (the clients' CPU went from 0.78-0.90 to 0.65-0.73 s/s with both)."""
    import engineio
    import socketio

    class InlineEngineIO(engineio.AsyncClient):  # type: ignore[misc]
        async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
            if event == "message":
                kwargs["run_async"] = False
            return await super()._trigger_event(event, *args, **kwargs)

    class LightClient(socketio.AsyncClient):  # type: ignore[misc]
        def _engineio_client_class(self) -> type:
            return InlineEngineIO

    return LightClient


async def _async_clients(urls: list[str], token: str, count: int, first: int, ready: Any,
                         go: Any, done: Any, out: Any) -> None:
    """Connect `count` clients round-robin over `urls` (numbered from `first`), join the
    overview, then note what each receives until `done` is set."""

    seen: list[tuple[int, float, list[tuple[str, str, int]]]] = []
    gate = asyncio.Semaphore(16)

    counting = False  # set once `go` is: asking the shared Event per message costs a lock
    light = _light_client()

    async def client(i: int) -> Any:
        sio = light(reconnection=False, json=json)

        @sio.on("obs")
        def _obs(batch: list[dict[str, Any]]) -> None:
            if counting:  # only the arrival is noted here; the rest is worked out after
                seen.append((i, time.time(), [(o["observed_at"], o["indicator"], o["revision"])
                                              for o in batch if o.get("source") == "fanout"]))

        async with gate:
            await sio.connect(urls[i % len(urls)], transports=["websocket"],
                              headers={"Authorization": f"Bearer {token}"}, wait_timeout=60)
            reply = await sio.call("join", {"panel": "overview"}, timeout=60)
        if not reply or not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")
        return sio

    clients = await asyncio.gather(*(client(first + i) for i in range(count)))
    gc.disable()  # what a client notes piles up: a collector sweeping it stalls the clients
    ready.release()
    while not go.is_set():
        await asyncio.sleep(0.002)
    counting = True
    while not done.is_set():
        await asyncio.sleep(0.05)
    stamps: dict[str, float] = {}
    lat = [(now - stamps.setdefault(s, datetime.fromisoformat(s).timestamp())) * 1000
           for _, now, batch in seen for s, _, _ in batch]
    sampled = [(i, now, [(code, rev) for _, code, rev in batch])
               for i, now, batch in seen if i % FRESHNESS_EVERY == 0]
    out.put({"latencies": lat, "messages": len(seen), "sampled": sampled})
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def _freshness(published: list[tuple[int, float]], sampled: list[Any]) -> list[float]:
    """For each value published and each sampled client: ms until that client had received
    this value or a newer revision of its series (a superseded value counts too, until the
    value that replaced it arrived; a value never covered is left out and counted apart)."""
    arrivals: dict[tuple[int, str], list[tuple[float, int]]] = {}
    for i, now, batch in sampled:
        for code, rev in batch:
            arrivals.setdefault((i, code), []).append((now, rev))
    by_code: dict[str, list[tuple[int, float]]] = {}  # each series' publishes, grouped once
    for rev, t in published:
        by_code.setdefault(TILES[rev % len(TILES)], []).append((rev, t))
    lags: list[float] = []
    for (_, code), got in arrivals.items():
        got.sort()
        times = [now for now, _ in got]
        best = list(itertools.accumulate((rev for _, rev in got), max))  # newest so far
        for rev, t in by_code.get(code, []):
            k = bisect.bisect_left(best, rev)
            if k < len(best):
                lags.append((times[k] - t) * 1000)
    return lags


def _publish(store: Store, rate: float, seconds: float, units: dict[str, str],
             first: int) -> list[tuple[int, float]]:
    """Write `rate` obs/s for `seconds` in 10 ms batches, `observed_at` the write time, the
    revisions counting on from `first` (an older revision would not replace the shown one);
    return each revision written with its publish time."""
    seq, start, tick = first, time.perf_counter(), 0
    published: list[tuple[int, float]] = []
    while (now := time.perf_counter()) - start < seconds:
        due = int(rate * (now - start)) - (seq - first)
        if due > 0:
            at = datetime.now(UTC)
            stamp, epoch = at.isoformat(), at.timestamp()
            batch = []
            for _ in range(due):
                seq += 1
                code = TILES[seq % len(TILES)]
                batch.append(Observation(code, "VN", PERIOD, float(seq), units[code], "fanout",
                                         stamp, revision=seq))
                published.append((seq, epoch))
            store.write(batch)
        tick += 1
        time.sleep(max(0.0, start + tick * 0.01 - time.perf_counter()))
    return published


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        for q in [p, *p.children(recursive=True)]:
            t = q.cpu_times()
            total += t.user + t.system
    return total


def _relay_timing(base: str, token: str, seconds: float) -> dict[str, Any]:
    """The server's own flush timings over the case (its `/healthz`, as an operator sees it)."""
    req = urllib.request.Request(f"{base}/healthz?timing_s={seconds:.0f}",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return dict(json.load(resp)["relay"]["timing"])


def _case(servers: list[str], server_procs: list[psutil.Process], token: str, store: Store,
          args: argparse.Namespace, rate: float, units: dict[str, str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, go, done, out = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
    share = [args.clients // args.procs + (i < args.clients % args.procs)
             for i in range(args.procs)]
    workers = [ctx.Process(target=_clients, args=(servers, token, n, sum(share[:k]), ready, go,
                                                  done, out))
               for k, n in enumerate(share) if n]
    for w in workers:
        w.start()
    for _ in workers:
        if not ready.acquire(timeout=600):
            raise RuntimeError("clients did not connect within 10 minutes")
    go.set()
    client_procs = [psutil.Process(w.pid) for w in workers]
    cpu0, t0 = _cpu(server_procs), time.perf_counter()
    ccpu0 = _cpu(client_procs)
    first = int(store.r.incrby(f"{PREFIX}bench:fanout:revision", 10_000_000)) - 10_000_000
    published = _publish(store, rate, args.seconds, units, first)
    time.sleep(1.0)  # the last flush reaches the clients
    elapsed, cpu = time.perf_counter() - t0, _cpu(server_procs) - cpu0
    client_cpu = _cpu(client_procs) - ccpu0
    timing = [_relay_timing(b, token, elapsed) for b in servers]
    done.set()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    lat = [x for r in results for x in r["latencies"]]
    fresh = _freshness(published, [x for r in results for x in r["sampled"]])
    clients_sampled = len(range(0, args.clients, FRESHNESS_EVERY))
    return {"servers": len(servers), "clients": args.clients, "rate": rate, "sent": len(published),
            "p50_ms": round(_percentile(lat, 0.5), 1), "p99_ms": round(_percentile(lat, 0.99), 1),
            "fresh_p50_ms": round(_percentile(fresh, 0.5), 1),
            "fresh_p99_ms": round(_percentile(fresh, 0.99), 1),
            "never_covered": len(published) * clients_sampled - len(fresh),
            "messages_per_s": round(sum(r["messages"] for r in results) / elapsed),
            "server_cpu_per_1000_clients": round(cpu / elapsed / args.clients * 1000, 2),
            "client_cpu": round(client_cpu / elapsed, 2),
            "relay_held_p99_ms": max(t["held_ms"].get("p99", 0) for t in timing),
            "relay_sending_p99_ms": max(t["sending_ms"].get("p99", 0) for t in timing)}


def main(argv: list[str]) -> int:
    """Run the fan-out cases and print one line each (or JSON)."""
    p = argparse.ArgumentParser(prog="opswall bench fanout")
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--rates", default="100,1000,5000")
    p.add_argument("--servers", default="1,2", help="server counts to measure")
    p.add_argument("--seconds", type=float, default=15.0, help="publishing time per case")
    p.add_argument("--procs", type=int, default=4, help="client worker processes")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "fanout"])
    work = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    rport = free_port()
    url = f"redis://127.0.0.1:{rport}/0"
    units = {c: load_settings().catalogue.get(c).unit for c in TILES}  # type: ignore[union-attr]
    rows = []
    with ExitStack() as stack:
        redis_proc = start_redis(rport, work)
        stack.callback(redis_proc.terminate)
        env = {**server_env(dict(os.environ), url), "WALL_THREADS": str(args.clients + 64),
               "WALL_SOCKETS_PER_ADDRESS": str(args.clients + 64)}
        bases, procs = [], []
        for n in range(max(int(s) for s in args.servers.split(","))):
            port = free_port()
            proc = spawn(stack, [sys.executable, "-m", "wall.cli", "serve", "--port", str(port)],
                         env=env, log=work / f"serve-{n}.log")
            wait_http(f"http://127.0.0.1:{port}/livez", proc, timeout=300)
            bases.append(f"http://127.0.0.1:{port}")
            procs.append(psutil.Process(proc.pid))
        token = accounts(url).issue_user_token("admin")
        store = Store(redis.Redis.from_url(url), prefix=PREFIX)
        for count in (int(s) for s in args.servers.split(",")):
            for rate in (float(r) for r in args.rates.split(",")):
                row = _case(bases[:count], procs[:count], token, store, args, rate, units)
                rows.append(row)
                if not args.json:
                    print(f"{row['servers']} server(s), {row['clients']} clients, "
                          f"{row['rate']:g} obs/s: p50 {row['p50_ms']} ms, p99 {row['p99_ms']} "
                          f"ms (a value or a newer one shown: p50 {row['fresh_p50_ms']} ms, "
                          f"p99 {row['fresh_p99_ms']} ms), "
                          f"{row['messages_per_s']:,} messages/s, server CPU "
                          f"{row['server_cpu_per_1000_clients']} s/s per 1,000 clients, "
                          f"the clients' own CPU {row['client_cpu']} s/s; in the server, "
                          f"values wait for their flush p99 {row['relay_held_p99_ms']} ms and "
                          f"writing one batch into every socket takes p99 "
                          f"{row['relay_sending_p99_ms']} ms",
                          flush=True)
    if args.json:
        print(json.dumps(rows))
    return 0
