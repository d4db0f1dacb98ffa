"""`opswall bench memory`: server memory over a million observations, a screen's heap over time.

A `opswall serve` process runs on a throwaway redis-server with one 3840×2160 kiosk screen open on
the overview (a screen token, as a real kiosk). Server: observations are written through the
Store in batches, so each goes Redis → pub/sub → relay → socket → screen; the server's RSS is
sampled after the first tenth (warm) and every tenth after; DESIGN's budget is flat within 5 %.
Browser: updates then arrive at `--rate` obs/s for `--minutes`, and the screen's JS heap is read
once a minute after a forced garbage collection (Chrome DevTools Protocol); the budget is flat
within 10 % over an hour (the default run is shorter; the slope says where an hour would go).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
import redis

from benchmarks.baseline_interval_app import TILES
from benchmarks.latency import Publisher, spawn
from benchmarks.redis_server import free_port, start_redis
from benchmarks.wall_auth import PREFIX, accounts, open_screen, server_env, wait_login, wait_until
from wall.config import load_settings
from wall.export import CHROMIUM_ARGS, chromium_path
from wall.store import Store

__all__ = ["main"]

BATCH = 1000


def _growth(samples: list[float]) -> float:
    """Growth of the last sample over the first, in %."""
    return (samples[-1] / samples[0] - 1) * 100 if samples and samples[0] else 0.0


def _server_rss(proc: psutil.Process, pub: Publisher, total: int) -> list[float]:
    """Write `total` observations; return the server's RSS (MiB) at every tenth after the first."""
    samples: list[float] = []
    tenth = max(total // 10, BATCH)
    for done in range(0, total, BATCH):
        pub.write(min(BATCH, total - done))
        if (done + BATCH) % tenth == 0:
            time.sleep(0.5)  # let the relay drain what it holds
            samples.append(proc.memory_info().rss / 2**20)
    return samples


def _heap_mib(cdp: Any) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return float(cdp.send("Runtime.getHeapUsage")["usedSize"]) / 2**20


def main(argv: list[str]) -> int:
    """Run the memory benchmark and print the figures."""
    p = argparse.ArgumentParser(prog="opswall bench memory")
    p.add_argument("--observations", type=int, default=1_000_000)
    p.add_argument("--minutes", type=float, default=10.0, help="browser heap run length")
    p.add_argument("--rate", type=float, default=100.0, help="obs/s during the heap run")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "memory"])
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    rport, port = free_port(), free_port()
    url, base = f"redis://127.0.0.1:{rport}/0", f"http://127.0.0.1:{port}"
    units = {c: load_settings().catalogue.get(c).unit for c in TILES}  # type: ignore[union-attr]
    out: dict[str, Any] = {}
    with ExitStack() as stack:
        redis_proc = start_redis(rport, work)
        stack.callback(redis_proc.terminate)
        server = spawn(stack, [sys.executable, "-m", "wall.cli", "serve", "--port", str(port)],
                       env=server_env(dict(os.environ), url), log=work / "wall.log")
        wait_login(base, server)
        pub = Publisher(Store(redis.Redis.from_url(url), prefix=PREFIX), units)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
            page = open_screen(ctx, base, "s1", accounts(url).issue_screen_token("s1",
                                                                                 "internal"))
            wait_until(page, "() => !!document.querySelector('[data-synced]')")
            rss = _server_rss(psutil.Process(server.pid), pub, args.observations)
            out["server_rss_mib"] = [round(x, 1) for x in rss]
            out["server_growth_pct"] = round(_growth(rss[1:]), 2)  # from warm (after 2/10)
            cdp = ctx.new_cdp_session(page)
            heap = [_heap_mib(cdp)]
            for _ in range(max(1, round(args.minutes))):
                pub.run(args.rate, args.minutes * 60 / max(1, round(args.minutes)))
                heap.append(_heap_mib(cdp))
            out["browser_heap_mib"] = [round(x, 2) for x in heap]
            out["browser_growth_pct"] = round(_growth(heap), 2)
            browser.close()
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"server RSS over {args.observations:,} observations (MiB, every tenth): "
          f"{out['server_rss_mib']}  growth from warm: {out['server_growth_pct']} % "
          "(budget: flat within 5 %)")
    print(f"screen JS heap over {args.minutes:g} min at {args.rate:g} obs/s (MiB, each minute, "
          f"after GC): {out['browser_heap_mib']}  growth: {out['browser_growth_pct']} % "
          "(budget: flat within 10 % over 1 h)")
    return 0
