"""`opswall bench alerts`: what an alert costs, and how fast it reaches an open screen.

1. Evaluation cost: the per-value rules (anomaly against each series' own history, thresholds)
   run on batches of current values for `--series` series with 36 months of history each, in
   this process against a throwaway redis-server: µs per observation, observations per second.
2. Ingest → alert on screen: `opswall demo` (no feeds) with one kiosk screen open in headless
   Chromium, while `--rate` ordinary values a second (revisions within each series' usual range,
   each one evaluated) go through the Store. Every `--every` seconds one extreme value is written
   for a series of its own; the clock stops when the kiosk's ticker shows its alert (a
   MutationObserver in the page, clocks aligned). The probe's alert is then resolved.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from benchmarks.latency import clock_offset, pct
from benchmarks.redis_server import free_port, start_redis
from benchmarks.wall_auth import PREFIX, accounts, open_screen, running_demo, wait_until
from wall.alerting.engine import AlertEngine
from wall.config import load_settings
from wall.export import CHROMIUM_ARGS, chromium_path
from wall.observation import Observation
from wall.store import Store

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
CODE, UNIT = "EXPORTS_M", "million USD"
MONTHS = [f"{y}-{m:02d}" for y in range(2023, 2027) for m in range(1, 13)][:46]  # to 2026-10
WATCH_JS = """() => {
  window.__alerts = [];
  const box = document.getElementById('alert-ticker');
  new MutationObserver(() => { const t = performance.timeOrigin + performance.now();
    for (const el of box.querySelectorAll('.alert-item')) {
      window.__alerts.push([el.textContent, t]); } }).observe(box, {childList: true});
  return true;
}"""


def _history(store: Store, areas: list[str]) -> None:
    """36+ months of ordinary values per series (seasonal wiggle and noise), current to 2026-10."""
    rng = random.Random(7)
    now = datetime.now(UTC).isoformat()
    for area in areas:
        base = rng.uniform(1000, 40000)
        store.write([Observation(CODE, area, p, round(base * (1 + 0.05 * ((i % 12) - 6) / 6)
                                                      * rng.uniform(0.98, 1.02), 1),
                                 UNIT, "bench", now) for i, p in enumerate(MONTHS)])


def _ordinary(last: dict[str, float], areas: list[str], n: int, seq: int) -> list[Observation]:
    """`n` revisions of the latest month, each within its series' usual range (`last`)."""
    now = datetime.now(UTC).isoformat()
    return [Observation(CODE, a, MONTHS[-1], last.get(a, 1.0) * (1 + 0.001 * (i % 3)),
                        UNIT, "bench", now, revision=seq + i)
            for i, a in enumerate(random.choices(areas, k=n))]


def _last(store: Store) -> dict[str, float]:
    """Each series' latest value, by area."""
    return {o.area: float(o.value or 1.0) for o in store.latest(CODE)}


def evaluation_cost(store: Store, settings: Any, areas: list[str], total: int) -> dict[str, Any]:
    """Time the per-value rules on `total` current values, in batches as the events carry them."""
    engine = AlertEngine(store, settings)
    last = _last(store)
    batches = [[o.to_dict() for o in _ordinary(last, areas, 100, k * 100)]
               for k in range(max(1, total // 100))]
    t0 = time.perf_counter()
    for batch in batches:
        engine.evaluate_all(batch)
    spent = time.perf_counter() - t0
    return {"observations": sum(len(b) for b in batches), "evaluated": engine.evaluated,
            "us_per_observation": round(1e6 * spent / max(1, engine.evaluated), 1),
            "observations_per_s": round(engine.evaluated / spent)}


def _load(store: Store, areas: list[str], rate: float, stop: threading.Event) -> None:
    """Write `rate` ordinary values a second in 10 ms batches until stopped."""
    start, done, seq, last = time.perf_counter(), 0, 10_000, _last(store)
    while not stop.is_set():
        due = int(rate * (time.perf_counter() - start)) - done
        if due > 0:
            store.write(_ordinary(last, areas, due, seq))
            done, seq = done + due, seq + due
        stop.wait(0.01)


def on_screen(args: argparse.Namespace, store: Store, base: str, redis_url: str,
              areas: list[str], probes: list[str]) -> dict[str, Any]:
    """Open a kiosk, load the wall, write extreme values; return publish → ticker latencies."""
    from playwright.sync_api import sync_playwright

    doors = accounts(redis_url)
    lat: list[float] = []
    missing = 0
    stop = threading.Event()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
        page = open_screen(ctx, base, "s2", doors.issue_screen_token("s2", "internal"))
        page.wait_for_selector("[data-screen='s2'][data-synced]", timeout=60_000)
        page.evaluate(WATCH_JS)
        offset = clock_offset(page)
        load = threading.Thread(target=_load, args=(store, areas, args.rate, stop), daemon=True)
        load.start()
        try:
            for area in probes:
                time.sleep(args.every)
                normal = store.latest(CODE, area, {})[0].value or 1.0
                t = time.time()
                store.write([Observation(
                    CODE, area, MONTHS[-1], normal * 20, UNIT, "bench",
                    datetime.now(UTC).isoformat(), revision=1)])
                mark = f"({area}, {MONTHS[-1]})"
                try:
                    seen = wait_until(page, "(m) => window.__alerts.find(a => a[0].includes(m))",
                                      mark, timeout=30)
                    lat.append(seen[1] - offset - t * 1000)
                except TimeoutError:
                    missing += 1
                for alert in store.alerts("open"):  # keep the ticker for the next probe
                    if alert.get("area") == area:
                        store.update_alert(alert["id"], state="resolved", resolved_by="bench")
        finally:
            stop.set()
            load.join()
            browser.close()
    return {"rate": args.rate, "probes": len(probes), "missing": missing,
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": max(lat, default=0.0)}


def main(argv: list[str]) -> int:
    """Run the alerts benchmark and print the figures."""
    p = argparse.ArgumentParser(prog="opswall bench alerts", description=__doc__)
    p.add_argument("--series", type=int, default=300, help="series with history (default 300)")
    p.add_argument("--evaluate", type=int, default=5000, help="values timed in part 1")
    p.add_argument("--rate", type=float, default=1000.0, help="ordinary values/s in part 2")
    p.add_argument("--probes", type=int, default=20, help="extreme values timed in part 2")
    p.add_argument("--every", type=float, default=1.5, help="seconds between probes")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "alerts"])
    work = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    rport, port = free_port(), free_port()
    redis_proc = start_redis(rport, work)
    redis_url = f"redis://127.0.0.1:{rport}/0"
    store = Store(redis.Redis.from_url(redis_url), prefix=PREFIX)
    areas = [f"B{i:03d}" for i in range(args.series)]
    probes = [f"P{i:03d}" for i in range(args.probes)]
    _history(store, areas + probes)
    settings = load_settings(os.environ.get("WALL_CONFIG"))
    results: dict[str, Any] = {"evaluation": evaluation_cost(store, settings, areas,
                                                             args.evaluate)}
    config = work / "config"
    shutil.copytree(REPO / "config", config)
    (config / "feeds.yaml").write_text("apiVersion: 1\nfeeds: []\n", encoding="utf-8")
    try:
        with running_demo(work, redis_url, port, config, {"WALL_FORECASTS": "0"}) as base:
            results["on_screen"] = on_screen(args, store, base, redis_url, areas, probes)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
    ev, sc = results["evaluation"], results["on_screen"]
    print(f"evaluation: {ev['us_per_observation']} µs per observation "
          f"({ev['observations_per_s']} obs/s on one thread, {ev['evaluated']} evaluated, "
          f"{args.series} series with history)")
    print(f"ingest → alert on an open kiosk at {sc['rate']:g} obs/s: p50 {sc['p50_ms']:.0f} ms, "
          f"p99 {sc['p99_ms']:.0f} ms, max {sc['max_ms']:.0f} ms "
          f"({sc['probes']} probes, {sc['missing']} not shown within 30 s)")
    if args.json:
        print(json.dumps(results))
    return 0
