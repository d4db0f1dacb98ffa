"""`wall bench screens`: cold load of each panel at 3840×2160, and console switch → all drawn.

Cold load: a fresh browser context opens `/screen/<panel>` and the clock stops when the panel
has its snapshot applied and every chart has drawn (what a viewer sees as fully drawn). Switch:
N physical screens are open; the console API switches all of them; the clock stops when the
last one shows the new panel, synced.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.redis_server import free_port, start_redis
from wall.export import CHROMIUM_ARGS, chromium_path

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
DRAWN = """(panel) => {
  const root = document.querySelector(`[data-panel='${panel}'][data-synced]`);
  if (!root) return false;
  const graphs = [...root.querySelectorAll('.trend-graph, .map-graph')];
  return graphs.every(g => g.querySelector('.main-svg'));
}"""


def _post(url: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def main(argv: list[str]) -> int:
    """Run the screens benchmark and print the figures."""
    p = argparse.ArgumentParser(prog="wall bench screens")
    p.add_argument("--screens", type=int, default=6)
    p.add_argument("--switches", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "screens"])
    from playwright.sync_api import sync_playwright

    from layouts.registry import panels

    work = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    rport, port = free_port(), free_port()
    redis_proc = start_redis(rport, work)
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{rport}/0"}
    server = subprocess.Popen([sys.executable, "-m", "wall.cli", "demo", "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {"cold_load_s": {}, "switch_s": []}
    try:
        _wait(f"{base}/healthz")
        time.sleep(8)  # let the feeds fill Redis, as on a running wall
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            for pid in sorted(panels()):
                ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(f"{base}/screen/{pid}")
                page.wait_for_function(DRAWN, arg=pid, timeout=60_000, polling=20)
                results["cold_load_s"][pid] = round(time.perf_counter() - t0, 3)
                ctx.close()
            ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
            ids = [f"s{i + 1}" for i in range(args.screens)]
            pages = []
            for sid in ids:
                pg = ctx.new_page()
                pg.goto(f"{base}/s/{sid}")
                pg.wait_for_selector(f"[data-screen='{sid}'][data-synced]", timeout=60_000)
                pages.append(pg)
            targets = ["customs", "overview", "emergency", "group-1", "border-gates"]
            for n in range(args.switches):
                panel = targets[n % len(targets)]
                t0 = time.perf_counter()
                for sid in ids:
                    _post(f"{base}/api/v1/screens/{sid}", {"panel": panel})
                for pg, sid in zip(pages, ids, strict=True):
                    pg.wait_for_selector(f"[data-screen='{sid}'][data-panel='{panel}']"
                                         "[data-synced]", timeout=30_000)
                results["switch_s"].append(round(time.perf_counter() - t0, 3))
            browser.close()
    finally:
        server.kill()
        server.wait()
        redis_proc.terminate()
        redis_proc.wait()
    loads = results["cold_load_s"]
    for pid, secs in loads.items():
        print(f"cold load {pid:<14} {secs:6.2f} s")
    print(f"cold load median {statistics.median(loads.values()):.2f} s, max "
          f"{max(loads.values()):.2f} s")
    sw = results["switch_s"]
    print(f"console switch → {args.screens} screens drawn: median {statistics.median(sw):.2f} s,"
          f" max {max(sw):.2f} s ({len(sw)} switches)")
    if args.json:
        print(json.dumps(results))
    return 0
