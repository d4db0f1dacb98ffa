"""`opswall bench ingest`: observations/s through adapter + store into a real Redis.

Printed beside redis-py's own pipelined SET rate and `redis-benchmark -P 16 -t set` measured on
the same Redis in the same run, with 1, 2 and 4 writer processes, and the time to import the
largest published indicator file.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from benchmarks.redis_server import free_port, start_redis
from wall.config import load_settings
from wall.observation import parse_observation
from wall.store import Store

__all__ = ["main"]

BATCH = 500


def _start_redis() -> tuple[subprocess.Popen[bytes], str, int]:
    port = free_port()
    proc = start_redis(port, Path(tempfile.mkdtemp(prefix="bench-redis-")))
    return proc, f"redis://127.0.0.1:{port}/0", port


def redis_py_set_rate(url: str, n: int) -> float:
    """Pipelined SETs per second with redis-py (batches of BATCH)."""
    r = redis.Redis.from_url(url)
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        pipe = r.pipeline(transaction=False)
        for i in range(start, min(n, start + BATCH)):
            pipe.set(f"bench:set:{i}", "x" * 64)
        pipe.execute()
    return n / (time.perf_counter() - t0)


def redis_benchmark_rate(port: int, n: int) -> float | None:
    """`redis-benchmark -P 16 -t set` requests per second, if the tool is installed."""
    exe = shutil.which("redis-benchmark")
    if exe is None:
        return None
    out = subprocess.run([exe, "-p", str(port), "-P", "16", "-t", "set", "-n", str(n), "-q"],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"SET: ([\d.]+) requests per second", out)
    return float(m[1]) if m else None


def _writer(args: tuple[str, int, int, str]) -> float:
    """One writer process: raw records → parse (the adapter's job) → store, in batches."""
    url, n, worker, prefix = args
    store = Store(redis.Redis.from_url(url), prefix=prefix)
    now = datetime.now(UTC).isoformat()
    t0 = time.perf_counter()
    batches = ([parse_observation({
        "indicator": "EXPORTS_M", "area": f"{i % 34:02d}", "period": f"{2000 + i // 400}-"
        f"{i // 34 % 12 + 1:02d}", "value": float(i), "unit": "million USD",
        "source": f"bench-{worker}", "observed_at": now,
        "dims": {"writer": str(worker), "lane": str(i % 7)}})
        for i in range(start, min(n, start + BATCH))] for start in range(0, n, BATCH))
    store.write_many(batches)  # each batch parsed while Redis stores the one before
    return time.perf_counter() - t0


def store_rate(url: str, n: int, writers: int) -> float:
    """Observations per second through parse + Store.write with `writers` processes."""
    prefix = f"bench{writers}:{time.time_ns()}:"
    per = n // writers
    with mp.get_context("spawn").Pool(writers) as pool:
        # each worker imports the wall and connects first: a spawned process's start-up is
        # not ingest time
        pool.map(_writer, [(url, BATCH, w, prefix + "warm:") for w in range(writers)])
        t0 = time.perf_counter()
        pool.map(_writer, [(url, per, w, prefix) for w in range(writers)])
        elapsed = time.perf_counter() - t0
    return per * writers / elapsed


def largest_file_import(url: str, folder: Path) -> dict[str, Any] | None:
    """Import the largest CSV of the shared indicators into Redis; return rows and seconds."""
    from data_feeds.report_file import ingest_file

    files = sorted(folder.glob("*.csv"), key=lambda p: p.stat().st_size) if folder.is_dir() \
        else []
    if not files:
        return None
    path = files[-1]
    store = Store(redis.Redis.from_url(url), prefix="benchimport:")
    t0 = time.perf_counter()
    result = ingest_file(store, load_settings(), path, "bench-import")
    return {"file": path.name, "mb": round(path.stat().st_size / 1e6, 1),
            "rows": result.accepted, "quarantined": result.quarantined,
            "seconds": round(time.perf_counter() - t0, 2)}


def main(argv: list[str]) -> int:
    """Run the ingest benchmark and print the table (and JSON with --json)."""
    p = argparse.ArgumentParser(prog="opswall bench ingest")
    p.add_argument("--observations", type=int, default=100_000)
    p.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared" /
                                           "data" / "indicators"))
    p.add_argument("--json", action="store_true")
    args = p.parse_args([a for a in argv if a != "ingest"])
    proc, url, port = _start_redis()
    try:
        n = args.observations
        base = redis_py_set_rate(url, n)
        rb = redis_benchmark_rate(port, 500_000)
        rows = {w: store_rate(url, n, w) for w in (1, 2, 4)}
        imported = largest_file_import(url, Path(args.shared))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"redis-py pipelined SET          {base:>10,.0f} /s")
    if rb:
        print(f"redis-benchmark -P 16 -t set    {rb:>10,.0f} /s")
    for w, rate in rows.items():
        line = f"adapter+store, {w} writer(s)      {rate:>10,.0f} obs/s  = {rate / base:5.0%} " \
               f"of redis-py SET"
        print(line + (f", {rate / rb:5.1%} of redis-benchmark" if rb else ""))
    if imported:
        print(f"import {imported['file']} ({imported['mb']} MB, {imported['rows']:,} rows): "
              f"{imported['seconds']} s")
    if args.json:
        print(json.dumps({"redis_py_set": base, "redis_benchmark": rb, "store": rows,
                          "import": imported}))
    return 0
