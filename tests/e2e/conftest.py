"""Browser fixtures: the wall as a real server process and headless Debian Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import REPO, free_port
from wall.export import CHROMIUM_ARGS, chromium_path

ARTIFACTS = REPO / "test-artifacts"


class WallServer:
    """A `wall demo` process on a loopback port, restartable on the same port."""

    def __init__(self, redis_url: str, config: Path, prefix: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "REDIS_URL": redis_url, "WALL_PREFIX": prefix}
        self.config = config
        self.proc: subprocess.Popen[bytes] | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = (ARTIFACTS / f"wall-{self.port}.log").open("ab")

    def start(self) -> None:
        """Start the server and wait until /healthz answers."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wall.cli", "--config", str(self.config), "demo",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("wall demo exited during start-up")
            time.sleep(0.2)
        raise RuntimeError("wall demo did not answer /healthz within 60 s")

    def stop(self) -> None:
        """Kill the server process (its log stays in test-artifacts/)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.flush()

    def post(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """POST observations to the ingest API."""
        resp = requests.post(f"{self.url}/api/v1/observations", json=records, timeout=10)
        return dict(resp.json())


@pytest.fixture
def wall_server(redis_url: str, quiet_config: Path) -> Iterator[WallServer]:
    server = WallServer(redis_url, quiet_config, prefix=f"e2e{free_port()}:")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    exe = chromium_path()
    if not Path(exe).exists():
        pytest.fail("chromium is not installed: run the tests with scripts/test.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A 3840×2160 page that records console errors and every request leaving loopback."""
    context = browser.new_context(viewport={"width": 3840, "height": 2160})
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.external_requests = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else
        pg.external_requests.append(r.url))
    yield pg
    context.close()
