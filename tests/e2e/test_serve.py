"""`opswall serve` is gunicorn (threads, websockets): a kiosk syncs live through it, /livez answers
anyone, and SIGTERM ends it gracefully."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import requests

from tests.conftest import REPO, free_port
from tests.e2e.conftest import ARTIFACTS, WallServer
from tests.helpers import wait_for


def test_serve_runs_on_gunicorn_with_websockets(browser: Any, redis_url: str,
                                                wall_server: WallServer) -> None:
    port = free_port()
    env = {**wall_server.env, "REDIS_URL": redis_url}
    with (ARTIFACTS / f"serve-{port}.log").open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "wall.cli", "--config",
                                 str(wall_server.config), "serve", "--port", str(port)],
                                env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            def live() -> bool:
                try:
                    return requests.get(f"{base}/livez", timeout=2).text == "ok\n"
                except requests.RequestException:  # bound, the worker still building
                    return False

            wait_for(live, "opswall serve answering /livez", timeout=120)
            token = wall_server.accounts.issue_screen_token("s2", "internal")
            page = browser.new_page()
            page.goto(f"{base}/s/s2?token={token}")
            page.wait_for_selector("[data-screen='s2'][data-synced]", timeout=60_000)
            assert page.evaluate("() => window.io && document.querySelector('#conn-status')"
                                 ".className.includes('conn-ok')")
            page.close()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Werkzeug" not in (ARTIFACTS / f"serve-{port}.log").read_text(errors="replace")
