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
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
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


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _clients(urls: list[str], token: str, count: int, ready: Any, go: Any, done: Any,
             out: Any) -> None:
    """One worker process: `count` asyncio clients on one event loop (threads per client
    would measure the GIL, not the server)."""
    asyncio.run(_async_clients(urls, token, count, ready, go, done, out))


async def _async_clients(urls: list[str], token: str, count: int, ready: Any, go: Any,
                         done: Any, out: Any) -> None:
    """Connect `count` clients round-robin over `urls`, join the overview, then record each
    received value's latency until `done` is set."""
    import socketio

    lat: list[float] = []
    received = 0
    gate = asyncio.Semaphore(16)

    async def client(i: int) -> Any:
        sio = socketio.AsyncClient(reconnection=False)

        @sio.on("obs")
        async def _obs(batch: list[dict[str, Any]]) -> None:
            nonlocal received
            if not go.is_set():
                return
            now = time.time()
            received += 1
            lat.extend((now - datetime.fromisoformat(o["observed_at"]).timestamp()) * 1000
                       for o in batch if o.get("source") == "fanout")

        async with gate:
            await sio.connect(urls[i % len(urls)], transports=["websocket"],
                              headers={"Authorization": f"Bearer {token}"}, wait_timeout=60)
            reply = await sio.call("join", {"panel": "overview"}, timeout=60)
        if not reply or not reply.get("ok"):
            raise RuntimeError(f"join refused: {reply}")
        return sio

    clients = await asyncio.gather(*(client(i) for i in range(count)))
    ready.release()
    while not done.is_set():
        await asyncio.sleep(0.05)
    out.put({"latencies": lat, "messages": received})
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def _publish(store: Store, rate: float, seconds: float, units: dict[str, str],
             first: int) -> int:
    """Write `rate` obs/s for `seconds` in 10 ms batches, `observed_at` the write time, the
    revisions counting on from `first` (an older revision would not replace the shown one);
    return the last revision written."""
    seq, start, tick = first, time.perf_counter(), 0
    while (now := time.perf_counter()) - start < seconds:
        due = int(rate * (now - start)) - (seq - first)
        if due > 0:
            stamp = datetime.now(UTC).isoformat()
            batch = []
            for _ in range(due):
                seq += 1
                code = TILES[seq % len(TILES)]
                batch.append(Observation(code, "VN", PERIOD, float(seq), units[code], "fanout",
                                         stamp, revision=seq))
            store.write(batch)
        tick += 1
        time.sleep(max(0.0, start + tick * 0.01 - time.perf_counter()))
    return seq


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        for q in [p, *p.children(recursive=True)]:
            t = q.cpu_times()
            total += t.user + t.system
    return total


def _case(servers: list[str], server_procs: list[psutil.Process], token: str, store: Store,
          args: argparse.Namespace, rate: float, units: dict[str, str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, go, done, out = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
    share = [args.clients // args.procs + (i < args.clients % args.procs)
             for i in range(args.procs)]
    workers = [ctx.Process(target=_clients, args=(servers, token, n, ready, go, done, out))
               for n in share if n]
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
    sent = _publish(store, rate, args.seconds, units, first) - first
    time.sleep(1.0)  # the last flush reaches the clients
    elapsed, cpu = time.perf_counter() - t0, _cpu(server_procs) - cpu0
    client_cpu = _cpu(client_procs) - ccpu0
    done.set()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    lat = [x for r in results for x in r["latencies"]]
    return {"servers": len(servers), "clients": args.clients, "rate": rate, "sent": sent,
            "p50_ms": round(_percentile(lat, 0.5), 1), "p99_ms": round(_percentile(lat, 0.99), 1),
            "messages_per_s": round(sum(r["messages"] for r in results) / elapsed),
            "server_cpu_per_1000_clients": round(cpu / elapsed / args.clients * 1000, 2),
            "client_cpu": round(client_cpu / elapsed, 2)}


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
                          f"ms, {row['messages_per_s']:,} messages/s, server CPU "
                          f"{row['server_cpu_per_1000_clients']} s/s per 1,000 clients, "
                          f"the clients' own CPU {row['client_cpu']} s/s",
                          flush=True)
    if args.json:
        print(json.dumps(rows))
    return 0
