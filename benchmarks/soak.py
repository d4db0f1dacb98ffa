"""`opswall bench soak --minutes N`: the production topology (scripts/cluster-demo.sh) under a
steady ingest through nginx, with one 3840×2160 kiosk open, sampled once a minute.

Each minute: the RSS of each `opswall serve` and `opswall feeds` process, Redis's used memory
against its `maxmemory` cap, the kiosk's JS heap after a forced garbage collection, and how many
observations were acknowledged or refused. The topology's demo feeds run beside the posted load.
`--env PATH` uses a topology already up (its `.cluster/env`) instead of starting one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import requests

from benchmarks.memory import _growth, _heap_mib
from wall.export import CHROMIUM_ARGS, chromium_path

__all__ = ["main", "primary_client", "read_env"]

REPO = Path(__file__).resolve().parent.parent
CODES = ("EXPORTS_M", "IMPORTS_M", "CPI_YOY", "RETAIL_M")


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k: v.strip('"') for k, v in pairs}


class Load(threading.Thread):
    """Posts `rate` obs/s through nginx in batches ten times a second; counts the answers."""

    def __init__(self, url: str, key: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.url, self.key, self.rate = url, key, rate
        self.acknowledged = self.refused = self.seq = 0
        self.stop = threading.Event()
        self.http = requests.Session()

    def run(self) -> None:
        start = time.monotonic()
        while not self.stop.wait(0.1):  # what is due by now, in one request: the rate holds
            now = datetime.now(UTC).isoformat()
            due = int(self.rate * (time.monotonic() - start)) - self.seq
            batch = []
            for _ in range(min(max(due, 0), 5000)):
                self.seq += 1
                batch.append({"indicator": CODES[self.seq % len(CODES)], "area": "VN",
                              "period": "2026-10", "value": float(self.seq % 100_000),
                              "revision": self.seq, "unit": "-", "source": "soak",
                              "observed_at": now, "dims": {"soak": str(self.seq % 500)}})
            if not batch:
                continue
            try:
                resp = self.http.post(f"{self.url}/api/v1/observations", json=batch, timeout=15,
                                      headers={"Authorization": f"Bearer {self.key}"})
                ok = resp.status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.acknowledged += len(batch)
            else:
                self.refused += len(batch)


def _rss(pids: str) -> list[float]:
    """RSS in MiB of each process with its children (gunicorn's worker is a child)."""
    out = []
    for pid in pids.split():
        try:
            proc = psutil.Process(int(pid))
            total = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
            out.append(round(total / 2**20, 1))
        except psutil.Error:
            out.append(0.0)
    return out


def _redis_memory(client: Any) -> tuple[float, float]:
    """(used, maxmemory) of the current primary in MiB."""
    info = client.info("memory")
    return (round(info["used_memory"] / 2**20, 1), round(info["maxmemory"] / 2**20, 1))


def primary_client(env: dict[str, str]) -> Any:
    """A client of the topology's current primary, through its sentinels."""
    from redis.sentinel import Sentinel

    from wall.redis_conn import sentinels

    return Sentinel(sentinels(env["REDIS_SENTINELS"]), socket_timeout=2).master_for(
        env["SENTINEL_SERVICE"], socket_timeout=5)


def main(argv: list[str]) -> int:
    """Run the soak and print one line per minute, then the growth over the run."""
    p = argparse.ArgumentParser(prog="opswall bench soak")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=200.0, help="obs/s posted through nginx")
    p.add_argument("--env", type=Path, help="a running topology's .cluster/env")
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "soak"])
    from playwright.sync_api import sync_playwright

    script = str(REPO / "scripts" / "cluster-demo.sh")
    started = None
    if args.env is None:
        started = {**os.environ, "CLUSTER_DIR": tempfile.mkdtemp(prefix="soak-cluster-")}
        subprocess.run([script, "up"], env=started, check=True, cwd=REPO)
        args.env = Path(started["CLUSTER_DIR"]) / "env"
    env = read_env(args.env)
    rows: list[dict[str, Any]] = []
    load = Load(env["NGINX_URL"], env["WALL_INGEST_KEY"], args.rate)
    primary = primary_client(env)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 3840, "height": 2160})
            page = ctx.new_page()
            page.goto(env["SCREEN_URL_S1"])
            page.wait_for_selector("[data-synced]", timeout=120_000)
            cdp = ctx.new_cdp_session(page)
            load.start()
            t0 = time.monotonic()
            for minute in range(int(args.minutes) + 1):
                if minute:
                    time.sleep(max(0.0, t0 + minute * 60 - time.monotonic()))
                used, cap = _redis_memory(primary)
                row = {"minute": minute, "serve_rss_mib": _rss(env["SERVE_PIDS"]),
                       "feeds_rss_mib": _rss(env["FEEDS_PIDS"]), "redis_used_mib": used,
                       "redis_maxmemory_mib": cap, "screen_heap_mib": round(_heap_mib(cdp), 2),
                       "acknowledged": load.acknowledged, "refused": load.refused}
                rows.append(row)
                print(json.dumps(row), flush=True)
            load.stop.set()
            browser.close()
    finally:
        load.stop.set()
        if started is not None:
            subprocess.run([script, "down"], env=started, cwd=REPO)
    warm = rows[1:] or rows
    summary = {
        "minutes": args.minutes, "rate": args.rate,
        "serve_rss_growth_pct": [round(_growth([r["serve_rss_mib"][i] for r in warm]), 1)
                                 for i in range(len(warm[0]["serve_rss_mib"]))],
        "redis_used_growth_pct": round(_growth([r["redis_used_mib"] for r in warm]), 1),
        "redis_within_cap": all(r["redis_used_mib"] < r["redis_maxmemory_mib"] for r in rows),
        "screen_heap_growth_pct": round(_growth([r["screen_heap_mib"] for r in warm]), 1),
        "acknowledged": load.acknowledged, "refused": load.refused}
    print(json.dumps(summary) if args.json else
          "soak: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0
