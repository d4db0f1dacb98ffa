"""The topology of scripts/cluster-demo.sh: a kiosk through nginx, observations posted through
nginx at a steady rate, then the Redis primary killed and one `opswall serve` killed. Every
acknowledged observation reads back, and the kiosk shows new values after each fault without a
reload."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from benchmarks.soak import primary_client, read_env
from tests.conftest import REPO
from tests.helpers import wait_for

TILE = '[data-indicator="EXPORTS_M"][data-area="VN"] .tile-value'
OFFSETS = (0, 1, 2, 10, 11, 20, 21, 22)  # the ports cluster-demo.sh takes from its base


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _base_port() -> int:
    """A base whose every port binds now, below the kernel's ephemeral range (32768 up): a port
    from that range can be taken any moment by some client's outgoing connection."""
    for _ in range(200):
        base = random.randrange(20000, 32700, 100)
        if all(_bindable(base + k) for k in OFFSETS):
            return base
    raise RuntimeError("no free run of ports for the cluster between 20000 and 32767")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, str]]:
    where = tmp_path / "cluster"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "WALL_"))}
    env.update(CLUSTER_DIR=str(where), CLUSTER_BASE_PORT=str(_base_port()))
    script = str(REPO / "scripts" / "cluster-demo.sh")
    up = subprocess.run([script, "up"], env=env, cwd=REPO, capture_output=True, text=True,
                        timeout=600)
    try:
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
        yield read_env(where / "env")
    finally:
        subprocess.run([script, "down"], env=env, cwd=REPO, capture_output=True, timeout=120)


class Poster(threading.Thread):
    """Posts one headline value (next revision) and one numbered series per request, through
    nginx, keeping the numbers the server acknowledged."""

    def __init__(self, url: str, key: str) -> None:
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.acknowledged: list[int] = []
        self.refused = 0
        self.n = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.n += 1
            now = datetime.now(UTC).isoformat()
            base = {"indicator": "EXPORTS_M", "area": "VN", "period": "2026-10",
                    "unit": "million USD", "source": "e2e", "observed_at": now}
            body = [{**base, "value": 50_000.0 + self.n, "revision": self.n},
                    {**base, "value": float(self.n), "dims": {"seq": str(self.n)}}]
            try:
                resp = requests.post(f"{self.url}/api/v1/observations", json=body, timeout=15,
                                     headers={"Authorization": f"Bearer {self.key}"})
                if resp.status_code == 200 and resp.json()["accepted"] == 2:
                    self.acknowledged.append(self.n)
                else:
                    self.refused += 1
            except requests.RequestException:
                self.refused += 1


def _shows_value_after(page: Any, floor: int) -> bool:
    value = page.get_attribute(TILE, "data-value")
    return value is not None and float(value) > 50_000.0 + floor


def _feeds_move_when_a_worker_dies(cluster: dict[str, str]) -> None:
    """Kill one feed worker: every feed it held is taken over by the other within a lease."""
    from wall.config import load_settings
    from wall.store import Store

    store = Store(primary_client(cluster), prefix=cluster["WALL_PREFIX"])
    feeds = [f.id for f in load_settings().feeds.feeds]
    workers = cluster["FEEDS_PIDS"].split()

    def held_by(pid: str) -> list[str]:
        return [f for f in feeds if (store.lease_holder(f) or "").endswith(f":{pid}")]

    wait_for(lambda: any(held_by(w) for w in workers), "a worker holding a feed")
    dying = next(w for w in workers if held_by(w))
    other = next(w for w in workers if w != dying)
    mine = held_by(dying)
    os.kill(int(dying), signal.SIGKILL)
    wait_for(lambda: set(held_by(other)) >= set(mine), "its feeds taken over by the other worker",
             timeout=180)


def test_a_primary_and_a_server_killed_lose_nothing_acknowledged(
        browser: Any, cluster: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(cluster["SCREEN_URL_S1"])
    page.wait_for_selector("[data-screen='s1'][data-synced]", timeout=120_000)
    page.evaluate("() => { window.notReloaded = true; }")  # gone if the page ever reloads
    poster = Poster(cluster["NGINX_URL"], cluster["WALL_INGEST_KEY"])
    poster.start()
    try:
        wait_for(lambda: len(poster.acknowledged) >= 20, "ingest through nginx")
        wait_for(lambda: _shows_value_after(page, 10), "the kiosk showing posted values")
        os.kill(int(cluster["PRIMARY_PID"]), signal.SIGKILL)
        killed_at = poster.n
        wait_for(lambda: poster.acknowledged and poster.acknowledged[-1] > killed_at + 5,
                 "ingest resuming after the failover", timeout=180)
        wait_for(lambda: _shows_value_after(page, killed_at), "new values on the kiosk after "
                 "the failover, without a reload", timeout=180)
        os.kill(int(cluster["SERVE_PIDS"].split()[0]), signal.SIGKILL)
        killed_at = poster.n
        wait_for(lambda: _shows_value_after(page, killed_at + 5), "new values on the kiosk after "
                 "a server died, without a reload", timeout=180)
        _feeds_move_when_a_worker_dies(cluster)
    finally:
        poster.stop.set()
        poster.join(timeout=30)
    assert page.evaluate("() => window.notReloaded === true")
    latest = requests.get(f"{cluster['NGINX_URL']}/api/v1/observations/latest",
                          params={"indicator": "EXPORTS_M", "area": "VN"}, timeout=30,
                          headers={"Authorization": f"Bearer {cluster['ADMIN_TOKEN']}"})
    stored = {int(o["dims"]["seq"]) for o in latest.json()["observations"]
              if "seq" in o["dims"]}
    lost = sorted(set(poster.acknowledged) - stored)
    assert lost == [], f"{len(lost)} acknowledged observations lost: {lost[:20]}"
    print(f"acknowledged {len(poster.acknowledged)}, refused or failed {poster.refused}")
