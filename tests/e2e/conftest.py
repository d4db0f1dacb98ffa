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
import redis
import requests

from tests.conftest import REPO, free_port
from tests.helpers import PASSWORD
from wall.accounts import Accounts
from wall.export import CHROMIUM_ARGS, chromium_path
from wall.store import Store

ARTIFACTS = REPO / "test-artifacts"
INGEST_KEY = "wk_e2e-ingest-key-0123456789abcdef"


class WallServer:
    """A `opswall demo` process on a loopback port, restartable on the same port."""

    def __init__(self, redis_url: str, config: Path, prefix: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "REDIS_URL": redis_url, "WALL_PREFIX": prefix,
                    "WALL_ADMIN_PASSWORD": PASSWORD, "WALL_INGEST_KEY": INGEST_KEY,
                    "WALL_SECRET_KEY": f"e2e-secret-{prefix}"}  # sessions outlive a restart
        self.config = config
        self.accounts = Accounts(Store(redis.Redis.from_url(redis_url), prefix=prefix))
        self.api = requests.Session()  # an admin's API token, once the server has made admin
        self.proc: subprocess.Popen[bytes] | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = (ARTIFACTS / f"wall-{self.port}.log").open("ab")

    def start(self) -> None:
        """Start the server and wait until its login page answers."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wall.cli", "--config", str(self.config), "demo",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 240  # a busy 2-core machine: wait for readiness, generously
        while time.time() < deadline:
            try:
                if requests.get(f"{self.url}/login", timeout=1).status_code == 200:
                    token = self.accounts.issue_user_token("admin")
                    self.api.headers["Authorization"] = f"Bearer {token}"
                    return
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("opswall demo exited during start-up")
            time.sleep(0.2)
        raise RuntimeError("opswall demo did not answer /login within 60 s")

    def stop(self) -> None:
        """Kill the server process (its log stays in test-artifacts/)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.flush()

    def post(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """POST observations to the ingest API with the environment's ingest key."""
        resp = requests.post(f"{self.url}/api/v1/observations", json=records, timeout=10,
                             headers={"Authorization": f"Bearer {INGEST_KEY}"})
        return dict(resp.json())

    def api_get(self, path: str, **kw: Any) -> requests.Response:
        """GET an API path as the admin."""
        return self.api.get(self.url + path, timeout=kw.pop("timeout", 30), **kw)

    def api_post(self, path: str, **kw: Any) -> requests.Response:
        """POST to an API path as the admin."""
        return self.api.post(self.url + path, timeout=kw.pop("timeout", 30), **kw)

    def login(self, page: Any, name: str = "admin", password: str = PASSWORD) -> None:
        """Log a browser page in through the login form."""
        page.goto(f"{self.url}/login")
        page.fill("#username", name)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url, timeout=15_000)

    def screen_url(self, screen_id: str, clearance: str = "internal") -> str:
        """Issue a screen token (as `opswall screens token issue` does) and return its URL."""
        token = self.accounts.issue_screen_token(screen_id, clearance)
        return f"{self.url}/s/{screen_id}?token={token}"


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


def recording_page(context: Any) -> Any:
    """A page that records console errors and every request leaving loopback."""
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.external_requests = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else
        pg.external_requests.append(r.url))
    return pg


@pytest.fixture
def page(browser: Any, wall_server: WallServer) -> Iterator[Any]:
    """A 3840×2160 page, logged in as the admin, recording errors and external requests."""
    context = browser.new_context(viewport={"width": 3840, "height": 2160})
    pg = recording_page(context)
    wall_server.login(pg)
    yield pg
    context.close()
