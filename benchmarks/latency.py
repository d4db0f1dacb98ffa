"""`opswall bench latency`: publish → pixels latency on N 3840×2160 screens, wall vs a polling app.

Publishes at a steady rate through the wall's Store into a throwaway redis-server, opens N
headless Chromium screens (each logged in to the wall as its admin before anything is timed),
and for every published update measures the time until its tile shows that value or a newer
one. Then the same against benchmarks/baseline_interval_app.py (which has no login).
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import shutil
import subprocess
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
from benchmarks.redis_server import free_port
from benchmarks.wall_auth import PREFIX, login, server_env, wait_http, wait_until
from wall.config import load_settings
from wall.export import CHROMIUM_ARGS, chromium_path
from wall.observation import Observation
from wall.store import Store

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2030-12"
WARMUP_S, DRAIN_S = 3.0, 3.0
OBSERVE_JS = """() => {
  window.__lat = [];
  const obs = new MutationObserver(ms => { const t = performance.timeOrigin + performance.now();
    for (const m of ms) { const v = m.target.getAttribute('data-value'); if (v === '') continue;
      const tile = m.target.closest('[data-key]');
      window.__lat.push([tile.getAttribute('data-key'), Number(v), t]); } });
  document.querySelectorAll('.tile-value').forEach(
    el => obs.observe(el, {attributes: true, attributeFilter: ['data-value']}));
  return Array.from(new Set([...document.querySelectorAll('.tile-value')].map(
    el => el.closest('[data-key]').getAttribute('data-key'))));
}"""


def spawn(stack: ExitStack, cmd: list[str], env: dict[str, str] | None = None,
          log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a subprocess that is killed when `stack` closes."""
    out = log.open("ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

    def _stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]

    stack.callback(_stop)
    return proc


class Publisher:
    """Writes increasing values to the 11 tiles at a steady rate through the wall's Store."""

    def __init__(self, store: Store, units: dict[str, str]) -> None:
        self.store, self.units, self.seq = store, units, 0

    def write(self, n: int) -> list[tuple[str, float, float]]:
        """Publish `n` observations in one batch; return (series key, value, publish time)."""
        now = datetime.now(UTC).isoformat()
        batch = []
        for _ in range(n):
            self.seq += 1
            code = TILES[self.seq % len(TILES)]
            batch.append(Observation(code, "VN", PERIOD, float(self.seq), self.units[code],
                                     "bench", now, revision=self.seq))
        t = time.time()
        self.store.write(batch)
        return [(f"{o.indicator}:VN", float(o.value or 0), t) for o in batch]

    def run(self, rate: float, seconds: float) -> list[tuple[str, float, float]]:
        """Publish at `rate` obs/s for `seconds` in 10 ms batches; return what was published."""
        sent: list[tuple[str, float, float]] = []
        start, done, tick = time.perf_counter(), 0, 0
        while (now := time.perf_counter()) - start < seconds:
            due = int(rate * (now - start)) - done
            if due > 0:
                sent += self.write(due)
                done += due
            tick += 1
            time.sleep(max(0.0, start + tick * 0.01 - time.perf_counter()))
        return sent


def clock_offset(page: Any) -> float:
    """Browser clock minus Python time.time() in ms (best of a few round trips)."""
    best = (float("inf"), 0.0)
    for _ in range(5):
        t0 = time.time()
        b = page.evaluate("() => performance.timeOrigin + performance.now()")
        t1 = time.time()
        best = min(best, ((t1 - t0) * 1000, b - (t0 + t1) * 500))
    return best[1]


def latencies(sent: list[tuple[str, float, float]], seen: list[list[Any]],
              offset_ms: float) -> tuple[list[float], int]:
    """Return ms from publish until the tile showed that value or newer, and the missing count."""
    per: dict[str, tuple[list[float], list[float]]] = {}
    for key, value, t in sorted(seen, key=lambda r: r[2]):
        peaks, times = per.setdefault(key, ([], []))
        peaks.append(max(value, peaks[-1]) if peaks else value)
        times.append(t - offset_ms)
    out, missing = [], 0
    for key, value, t in sent:
        peaks, times = per.get(key, ([], []))
        i = bisect.bisect_left(peaks, value)
        if i == len(peaks):
            missing += 1
        else:
            out.append(times[i] - t * 1000)
    return out, missing


def pct(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (NaN when empty)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def measure(target: str, url: str, ready_js: str, pid: int, store: Store, units: dict[str, str],
            args: argparse.Namespace, browser: Any, base: str | None = None) -> dict[str, Any]:
    """Open the screens at `url`, publish, and return the latency summary of one target.

    With `base`, each screen's browser context first logs in to the wall there as its admin.
    """
    pub = Publisher(store, units)
    pub.write(len(TILES))  # every tile has a value before the screens open
    pages = []
    for _ in range(args.screens):
        ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
        if base is not None:
            login(ctx, base)
        page = ctx.new_page()
        page.goto(url)
        wait_until(page, ready_js, timeout=60)
        missing = {f"{code}:VN" for code in TILES} - set(page.evaluate(OBSERVE_JS))
        if missing:
            raise RuntimeError(f"{target} screen has no tile for {sorted(missing)}")
        pages.append(page)
    offsets = [clock_offset(p) for p in pages]
    pub.run(args.rate, WARMUP_S)
    proc = psutil.Process(pid)
    cpu0, t0 = sum(proc.cpu_times()[:2]), time.perf_counter()
    sent = pub.run(args.rate, args.seconds)
    cpu = 100 * (sum(proc.cpu_times()[:2]) - cpu0) / (time.perf_counter() - t0)
    time.sleep(DRAIN_S)
    lat: list[float] = []
    missing = 0
    for page, off in zip(pages, offsets, strict=True):
        got, miss = latencies(sent, page.evaluate("() => window.__lat"), off)
        lat += got
        missing += miss
        page.context.close()
    return {"target": target, "screens": args.screens, "rate": args.rate,
            "published": len(sent), "seen": len(lat), "missing": missing,
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99),
            "max_ms": max(lat, default=float("nan")), "server_cpu_pct": cpu}


def run_target(target: str, args: argparse.Namespace, browser: Any, workdir: Path,
               units: dict[str, str]) -> dict[str, Any]:
    """Start a fresh redis-server and the target server, measure, and stop both."""
    with ExitStack() as stack:
        rport, port = free_port(), free_port()
        url = f"redis://127.0.0.1:{rport}/0"
        rproc = spawn(stack, [shutil.which("redis-server") or "/usr/bin/redis-server", "--port",
                      str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                      "--dir", str(workdir)])
        client = redis.Redis.from_url(url)
        stack.callback(client.close)
        for _ in range(200):
            try:  # our own server, not another one that already had the port
                if client.info("server")["process_id"] == rproc.pid:
                    break
            except redis.ConnectionError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError(f"redis-server did not start on port {rport}")
        env = {**os.environ, "REDIS_URL": url, "WALL_CONFIG": str(workdir / "config"),
               "WALL_PREFIX": PREFIX}
        log = workdir / f"{target}.log"
        base = f"http://127.0.0.1:{port}"
        if target == "wall":
            cmd = [sys.executable, "-m", "wall.cli", "demo", "--host", "127.0.0.1", "--port",
                   str(port)]
            env = server_env(env, url)  # its admin, ingest key and session secret
            if getattr(args, "forecast_load", False):
                _load_seed(Store(client, prefix=PREFIX), workdir)
                env["WALL_FORECASTS"] = "0"  # the worker runs as its own process
                spawn(stack, [sys.executable, "-m", "wall.cli", "forecast", "worker"], env,
                      workdir / "forecast-worker.log")
            health, page = "/login", "/screen/overview"  # /login: the one page open to anyone
            ready = "() => document.querySelector('[data-panel][data-synced]') !== null"
        else:
            cmd = [sys.executable, "-m", "benchmarks.baseline_interval_app", "--port", str(port),
                   "--redis", url]
            health, page = "/", "/"
            ready = ("() => { const v = [...document.querySelectorAll('.tile-value')];"
                     f" return v.length === {len(TILES)} && v.every(e => e.dataset.value); }}")
        proc = spawn(stack, cmd, env, log)
        wait_http(f"{base}{health}", proc)
        return measure(target, f"{base}{page}", ready, proc.pid, Store(client, prefix=PREFIX),
                       units, args, browser, base if target == "wall" else None)


def _load_seed(store: Store, workdir: Path) -> None:
    """Store the repository's published series (what the forecast worker then fits)."""
    from data_feeds.replay import SEED
    from data_feeds.report_file import ingest_file

    result = ingest_file(store, load_settings(workdir / "config"), SEED, "seed", None,
                         allow=lambda _i, _a: True)
    print(f"forecast load: {result.accepted} published values stored", file=sys.stderr)


def report(results: list[dict[str, Any]]) -> str:
    """Return the results as a text table, with baseline/wall ratios when both ran."""
    head = (f"{'target':<9}{'screens':>8}{'rate/s':>8}{'published':>10}{'seen':>8}{'missing':>8}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU %':>8}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r['target']:<9}{r['screens']:>8}{r['rate']:>8g}{r['published']:>10}"
                     f"{r['seen']:>8}{r['missing']:>8}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                     f"{r['p99_ms']:>9.1f}{r['max_ms']:>9.1f}{r['server_cpu_pct']:>8.1f}")
    if len(results) == 2:
        w, b = results
        lines.append(f"baseline/wall: p50 ×{b['p50_ms'] / w['p50_ms']:.1f}, "
                     f"p99 ×{b['p99_ms'] / w['p99_ms']:.1f}")
    lines.append("seen = published updates × screens whose value (or a newer one) was shown; "
                 "CPU = server process, % of one core")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the latency benchmark (`opswall bench latency --help`)."""
    argv = argv[1:] if argv and argv[0] == "latency" else argv
    parser = argparse.ArgumentParser(prog="opswall bench latency", description=__doc__)
    parser.add_argument("--screens", type=int, default=1, help="headless screens (default 1)")
    parser.add_argument("--rate", type=float, default=100.0, help="observations/s (default 100)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window (default 20)")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the dcc.Interval(1000) baseline app (default on)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.add_argument("--forecast-load", action="store_true",
                        help="store the published seed series first and run `opswall forecast "
                             "worker` beside the server (as in production), fitting every "
                             "headline series while latency is measured")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="wall-bench-") as tmp, sync_playwright() as pw:
        workdir = Path(tmp)
        shutil.copytree(REPO / "config", workdir / "config")
        (workdir / "config" / "feeds.yaml").write_text("apiVersion: 1\nfeeds: []\n",
                                                       encoding="utf-8")
        catalogue = load_settings(workdir / "config").catalogue
        units = {code: catalogue.get(code).unit for code in TILES}  # type: ignore[union-attr]
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            results = [run_target(t, args, browser, workdir, units)
                       for t in (["wall", "baseline"] if args.baseline else ["wall"])]
        finally:
            browser.close()
    if args.json:
        out: dict[str, Any] = {"results": results}
        if len(results) == 2:
            out["ratio_p50"] = results[1]["p50_ms"] / results[0]["p50_ms"]
            out["ratio_p99"] = results[1]["p99_ms"] / results[0]["p99_ms"]
        print(json.dumps(out, indent=2))
    else:
        print(report(results))
    return 0
