"""`opswall bench screens`: cold load of each panel at 3840×2160, and console switch → all drawn.

Cold load: a fresh browser context, logged in as the admin beforehand (no page loaded, so its
cache is cold), opens `/screen/<panel>` and the clock stops when the panel has its snapshot
applied and every chart has drawn (what a viewer sees as fully drawn); every panel `--rounds`
times (one load each varied by ±0.5 s on this machine), the median over all loads reported.
Switch: N physical screens are open, each a browser context of its own holding its screen
token; the console API (with an admin's API token) switches all of them; the clock stops when
the last one shows the new panel, synced.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.redis_server import free_port, start_redis
from benchmarks.wall_auth import (
    accounts,
    login,
    open_screen,
    post_json,
    running_demo,
    wait_settled,
    wait_until,
)
from wall.export import CHROMIUM_ARGS, chromium_path

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
DRAWN = """(panel) => {
  const root = document.querySelector(`[data-panel='${panel}'][data-synced]`);
  if (!root) return false;
  const graphs = [...root.querySelectorAll('.trend-graph, .map-graph')];
  return graphs.every(g => g.querySelector('svg'));
}"""


def main(argv: list[str]) -> int:
    """Run the screens benchmark and print the figures."""
    p = argparse.ArgumentParser(prog="opswall bench screens")
    p.add_argument("--screens", type=int, default=6)
    p.add_argument("--switches", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3, help="cold loads of each panel")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "screens"])
    work = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    rport, port = free_port(), free_port()
    redis_proc = start_redis(rport, work)
    redis_url = f"redis://127.0.0.1:{rport}/0"
    results: dict[str, Any] = {"cold_load_s": {}, "switch_s": []}
    try:
        with running_demo(work, redis_url, port) as base:
            _measure(args, base, redis_url, results)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
    loads = results["cold_load_s"]
    for pid, secs in loads.items():
        print(f"cold load {pid:<14} {secs:6.2f} s (median of {args.rounds})")
    every = [x for xs in results["cold_loads_s"].values() for x in xs]
    print(f"cold load median {statistics.median(every):.2f} s over {len(every)} loads "
          f"({args.rounds} of each panel), the panels' medians up to {max(loads.values()):.2f} s")
    sw = results["switch_s"]
    print(f"console switch → {args.screens} screens drawn: median {statistics.median(sw):.2f} s,"
          f" max {max(sw):.2f} s ({len(sw)} switches)")
    if args.json:
        print(json.dumps(results))
    return 0


def _measure(args: argparse.Namespace, base: str, redis_url: str,
             results: dict[str, Any]) -> None:
    """Cold loads of every panel, then console switches across the screens."""
    from playwright.sync_api import sync_playwright

    from layouts.registry import panels
    from wall.config import load_settings

    doors = accounts(redis_url)
    api_token = doors.issue_user_token("admin")
    screens = load_settings(os.environ.get("WALL_CONFIG")).wall.screens  # as `opswall demo`
    clearance = {s.id: s.clearance for s in screens}
    settled = wait_settled(int(base.rsplit(":", 1)[1]))  # measured as a running wall is
    print(f"the wall settled {settled:.0f} s after it answered (start-up imports and fits)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        loads: dict[str, list[float]] = {}
        for _ in range(args.rounds):  # rounds, not repeats: a slow minute touches every panel
            for pid in sorted(panels()):
                ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
                login(ctx, base)  # before the clock: a session cookie, nothing cached
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(f"{base}/screen/{pid}")
                wait_until(page, DRAWN, arg=pid, timeout=60)
                loads.setdefault(pid, []).append(round(time.perf_counter() - t0, 3))
                ctx.close()
        results["cold_loads_s"] = loads
        results["cold_load_s"] = {pid: statistics.median(xs) for pid, xs in loads.items()}
        ids = [f"s{i + 1}" for i in range(args.screens)]
        pages = []
        for sid in ids:  # one context each: a screen's device cookie is its own
            ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
            token = doors.issue_screen_token(sid, clearance.get(sid, "internal"))
            pg = open_screen(ctx, base, sid, token)
            pg.wait_for_selector(f"[data-screen='{sid}'][data-synced]", timeout=60_000)
            pages.append(pg)
        targets = ["customs", "overview", "emergency", "group-1", "border-gates"]
        for n in range(args.switches):
            panel = targets[n % len(targets)]
            t0 = time.perf_counter()
            for sid in ids:
                post_json(f"{base}/api/v1/screens/{sid}", {"panel": panel}, api_token)
            for pg, sid in zip(pages, ids, strict=True):
                pg.wait_for_selector(f"[data-screen='{sid}'][data-panel='{panel}']"
                                     "[data-synced]", timeout=30_000)
            results["switch_s"].append(round(time.perf_counter() - t0, 3))
        browser.close()
