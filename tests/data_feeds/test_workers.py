"""Several `opswall feeds` workers on one Redis: leases move feeds; a Redis restart loses none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from data_feeds.replay import SEED
from tests.conftest import REPO, free_port, start_redis
from tests.helpers import record
from wall.store import Store


def _worker(config: Path, redis_url: str, prefix: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url, "WALL_PREFIX": prefix,
           "WALL_LEASE_SECONDS": "2"}
    return subprocess.Popen([sys.executable, "-m", "wall.cli", "--config", str(config), "feeds"],
                            env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _until(check, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _config(quiet_config: Path, feeds_yaml: str) -> Path:
    (quiet_config / "feeds.yaml").write_text(feeds_yaml, encoding="utf-8")
    return quiet_config


def test_a_dead_workers_feed_moves_to_another(quiet_config: Path, redis_url: str,
                                              store: Store) -> None:
    seed = quiet_config / "exports.csv"   # one series: a first poll well inside a 2 s lease
    with SEED.open(encoding="utf-8") as src:
        lines = src.readlines()
    seed.write_text(lines[0] + "".join(x for x in lines[1:] if x.startswith("EXPORTS_M,")),
                    encoding="utf-8")
    config = _config(quiet_config, "apiVersion: 1\nfeeds:\n  - {id: rp, kind: replay, "
                                   f"interval: 1s, settings: {{start: '2015-01', "
                                   f"path: '{seed}'}}}}\n")
    a = _worker(config, redis_url, store.prefix)
    b = None
    try:
        assert _until(lambda: store.lease_holder("rp") == f"{os.uname().nodename}:{a.pid}", 30)
        b = _worker(config, redis_url, store.prefix)
        time.sleep(3)
        assert store.lease_holder("rp").endswith(f":{a.pid}")  # exactly one worker runs it
        a.send_signal(signal.SIGKILL)
        a.wait()
        assert _until(lambda: (store.lease_holder("rp") or "").endswith(f":{b.pid}"), 10)
        before = int(store.feeds_health()["rp"]["records_in"])
        assert _until(lambda: int(store.feeds_health()["rp"]["records_in"]) > before, 10)
    finally:
        for p in (a, b):
            if p and p.poll() is None:
                p.kill()
                p.wait()


def test_redis_restart_with_aof_loses_nothing_acknowledged(quiet_config: Path, tmp_path: Path
                                                           ) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    server = start_redis(port, tmp_path, args)
    config = _config(quiet_config, "apiVersion: 1\nfeeds:\n  - {id: st, kind: redis_stream, "
                                   "interval: 1s, settings: {stream: 'ingest:test', "
                                   "block_ms: 200, claim_after_ms: 1000}}\n")
    worker = _worker(config, url, "w:")
    client = redis.Redis.from_url(url, socket_timeout=2)
    sent = 0
    try:
        assert _until(lambda: Store(client, prefix="w:").feeds_health().get("st", {}).get(
            "state") == "up", 120)   # the worker is reading before Redis is killed
        def send(n: int) -> None:
            for i in range(n):
                client.xadd("ingest:test", {"obs": json.dumps(record(
                    period=f"{2000 + (sent + i) // 12}-{(sent + i) % 12 + 1:02d}",
                    value=float(sent + i)))})

        send(30)
        sent = 30
        time.sleep(1.5)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        time.sleep(2)  # the worker sees Redis down and backs off
        server = start_redis(port, tmp_path, args)
        send(30)
        sent = 60
        store = Store(redis.Redis.from_url(url), prefix="w:")
        assert _until(lambda: len(store.series("EXPORTS_M", "VN", {})) == sent, 120), \
            len(store.series("EXPORTS_M", "VN", {}))
        assert [o.value for o in store.series("EXPORTS_M", "VN", {})] == [float(i) for i in
                                                                         range(sent)]
        assert _until(lambda: store.feeds_health()["st"]["state"] == "up", 10)
        assert client.xpending("ingest:test", "wall")["pending"] == 0
    finally:
        worker.kill()
        worker.wait()
        server.terminate()
        server.wait(timeout=10)


def test_a_worker_started_before_redis_begins_when_it_comes_up_and_sigterm_frees_leases(
        quiet_config: Path, tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    config = _config(quiet_config, "apiVersion: 1\nfeeds:\n  - {id: st, kind: redis_stream, "
                                   "interval: 1s, settings: {stream: 'ingest:test', "
                                   "block_ms: 200}}\n")
    worker = _worker(config, url, "w:")  # no Redis on that port yet
    server = None
    try:
        assert not _until(lambda: worker.poll() is not None, 3)  # waits, does not crash
        server = start_redis(port, tmp_path)
        store = Store(redis.Redis.from_url(url), prefix="w:")
        assert _until(lambda: store.lease_holder("st") == f"{os.uname().nodename}:{worker.pid}",
                      60)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert store.lease_holder("st") is None  # released at once, not left to expire
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_stray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
