"""A hung Redis (stopped, connections open, nothing answered): the kiosk says its data is not
arriving, the ingest API answers 503 with Retry-After, and both come back by themselves."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import requests

from benchmarks.redis_server import start_redis
from tests.conftest import free_port
from tests.e2e.conftest import INGEST_KEY, WallServer
from tests.helpers import record


def test_a_hung_redis_shows_on_the_kiosk_and_the_api_answers_503(
        browser: Any, quiet_config: Path, tmp_path: Path) -> None:
    port = free_port()
    redis_proc = start_redis(port, tmp_path)
    server = WallServer(f"redis://127.0.0.1:{port}/0", quiet_config, prefix="hung:")
    server.start()
    page = browser.new_page()
    try:
        page.goto(server.screen_url("s2"))
        page.wait_for_selector("[data-screen='s2'][data-synced]", timeout=90_000)
        os.kill(redis_proc.pid, signal.SIGSTOP)
        page.wait_for_selector("[data-panel][data-store='down']", timeout=90_000)
        assert "conn-down" in page.get_attribute("#conn-status", "class")
        resp = requests.post(f"{server.url}/api/v1/observations", json=[record()], timeout=60,
                             headers={"Authorization": f"Bearer {INGEST_KEY}"})
        assert resp.status_code == 503 and resp.headers["Retry-After"]
        assert "nothing was stored" in resp.json()["error"]
        os.kill(redis_proc.pid, signal.SIGCONT)
        page.wait_for_selector("[data-panel][data-store='up']", timeout=90_000)
        assert server.post([record(period="2026-09", value=5.0)])["accepted"] == 1
    finally:
        os.kill(redis_proc.pid, signal.SIGCONT)
        page.close()
        server.stop()
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
