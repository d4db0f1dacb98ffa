"""`opswall bench focus`: a meeting's question answered on the six-screen wall, and its pack.

Six kiosk screens (each a browser context of its own holding its screen token, 3840×2160) are
open on `opswall demo`. `POST /api/v1/focus` puts an indicator on all of them; the clock stops
when the last one shows the focus panel with its charts drawn. `POST /api/v1/focus/clear`; the
clock stops when every screen is back on its earlier panel. Then the meeting pack's PDF is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.redis_server import free_port, start_redis
from benchmarks.wall_auth import (
    accounts,
    open_screen,
    post_json,
    running_demo,
    wait_settled,
    wait_until,
)
from wall.export import CHROMIUM_ARGS, chromium_path

__all__ = ["main"]

DRAWN = """([sid, panel]) => { const r = document.querySelector(
  `[data-screen='${sid}'][data-panel='${panel}'][data-synced]`);
  return !!r && r.getAttribute('data-charts-drawn') === '1'; }"""
INDICATORS = ("EXPORTS_M", "CPI_M_YOY_IDX", "IMPORTS_M", "NGDP_R_PA_XDC")


def _measure(args: argparse.Namespace, base: str, redis_url: str) -> dict[str, Any]:
    import urllib.request

    from playwright.sync_api import sync_playwright

    from wall.config import load_settings

    doors = accounts(redis_url)
    token = doors.issue_user_token("admin")
    screens = load_settings().wall.screens[:args.screens]
    out: dict[str, Any] = {"focus_s": [], "clear_s": [], "pack_s": []}
    settled = wait_settled(int(base.rsplit(":", 1)[1]))  # measured as a running wall is
    print(f"the wall settled {settled:.0f} s after it answered (start-up imports and fits)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pages = []
        for s in screens:
            ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
            page = open_screen(ctx, base, s.id, doors.issue_screen_token(s.id, s.clearance))
            page.wait_for_selector(f"[data-screen='{s.id}'][data-synced]", timeout=60_000)
            pages.append((page, s.id, page.get_attribute("#screen-root", "data-panel")))
        for n in range(args.rounds):
            code = INDICATORS[n % len(INDICATORS)]
            t0 = time.perf_counter()
            post_json(f"{base}/api/v1/focus", {"indicator": code}, token)
            for page, sid, _ in pages:
                wait_until(page, DRAWN, [sid, "focus"], timeout=60)
            out["focus_s"].append(round(time.perf_counter() - t0, 3))
            t0 = time.perf_counter()
            post_json(f"{base}/api/v1/focus/clear", {}, token)
            for page, sid, before in pages:
                wait_until(page, DRAWN, [sid, before], timeout=60)
            out["clear_s"].append(round(time.perf_counter() - t0, 3))
        browser.close()
    post_json(f"{base}/api/v1/focus", {"indicator": INDICATORS[0], "screens": ["s1"]}, token)
    for _ in range(args.packs):
        req = urllib.request.Request(f"{base}/api/v1/export?target=meeting&format=pdf",
                                     headers={"Authorization": f"Bearer {token}"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=300) as resp:
            size = len(resp.read())
        out["pack_s"].append(round(time.perf_counter() - t0, 2))
        out["pack_bytes"] = size
    return out


def main(argv: list[str]) -> int:
    """Run the focus benchmark and print the figures."""
    p = argparse.ArgumentParser(prog="opswall bench focus", description=__doc__)
    p.add_argument("--screens", type=int, default=6)
    p.add_argument("--rounds", type=int, default=4, help="focus / clear rounds")
    p.add_argument("--packs", type=int, default=2, help="meeting packs rendered")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "focus"])
    work = Path(tempfile.mkdtemp(prefix="bench-focus-"))
    rport, port = free_port(), free_port()
    redis_proc = start_redis(rport, work)
    redis_url = f"redis://127.0.0.1:{rport}/0"
    try:
        with running_demo(work, redis_url, port) as base:
            out = _measure(args, base, redis_url)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
    for name, label in (("focus_s", f"focus → {args.screens} screens drawn"),
                        ("clear_s", f"clear → {args.screens} screens back, drawn"),
                        ("pack_s", "meeting pack PDF")):
        xs = out[name]
        print(f"{label}: median {statistics.median(xs):.2f} s, max {max(xs):.2f} s "
              f"({len(xs)} runs)")
    if args.json:
        print(json.dumps(out))
    return 0
