"""Getting a benchmark through the wall's doors: credentials, login, tokens, and page polling.

The wall answers nothing anonymous but `/login` and the files it is drawn with, so a benchmark
starts `opswall demo` with a known admin password, ingest key and session secret (`server_env`),
waits for `/login`, and then uses an admin API token for the API, a screen token for each kiosk
page `/s/<id>` and a logged-in session for `/screen/<panel>` pages — all set up before anything
is timed. The Content-Security-Policy forbids 'unsafe-eval', so Playwright's
`wait_for_function` (which evaluates its predicate with eval) cannot run in the wall's pages:
`wait_until` polls with `page.evaluate` instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from wall.accounts import Accounts
from wall.store import Store

__all__ = ["ADMIN", "ADMIN_PASSWORD", "INGEST_KEY", "PREFIX", "SECRET_KEY", "accounts", "login",
           "open_screen", "post_json", "running_demo", "server_env", "wait_http", "wait_login",
           "wait_settled", "wait_until"]

ADMIN = "admin"
ADMIN_PASSWORD = "bench-admin-password-0123"
INGEST_KEY = "wk_bench-ingest-key-0123456789abcdef"
SECRET_KEY = "bench-session-secret-0123456789abcdef0123456789"
PREFIX = "wall:"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def server_env(env: dict[str, str], redis_url: str) -> dict[str, str]:
    """Return `env` plus what a benchmark's `opswall demo` needs: Redis, prefix and credentials."""
    return {**env, "REDIS_URL": redis_url, "WALL_PREFIX": PREFIX,
            "WALL_ADMIN_PASSWORD": ADMIN_PASSWORD, "WALL_INGEST_KEY": INGEST_KEY,
            "WALL_SECRET_KEY": SECRET_KEY}


@contextmanager
def running_demo(work: Path, redis_url: str, port: int, config: Path | None = None,
                 env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `opswall demo` on `port` against `redis_url` (log in `work`) until the block ends;
    yield its base URL once its login page answers."""
    argv = [sys.executable, "-m", "wall.cli", *(["--config", str(config)] if config else []),
            "demo", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with (work / "wall.log").open("ab") as log:
        server = subprocess.Popen(argv, cwd=Path(__file__).resolve().parents[1], stdout=log,
                                  stderr=subprocess.STDOUT,
                                  env={**server_env(dict(os.environ), redis_url), **(env or {})})
        try:
            wait_login(base, server)
            yield base
        finally:
            server.kill()
            server.wait()


def wait_settled(port: int, quiet: float = 0.5, window: float = 3.0,
                 timeout: float = 240.0) -> float:
    """Wait until the `opswall demo` serving `port` is past its start-up work; return the wait.

    At start the demo imports years of published history, evaluates every alert rule and fits
    the first forecasts: a minute or more of a full core on a small machine, in the process that
    also answers the screens. A wall is measured as it runs: from the first `window` seconds in
    which that process used under `quiet` of a core (forecasts are refitted later at a quarter
    of a core, so a running wall is never idle). Raises if it never settles within `timeout`.
    """
    import psutil

    server = next((p for p in psutil.Process().children(recursive=True)
                   if str(port) in p.cmdline() and "demo" in p.cmdline()), None)
    if server is None:
        raise RuntimeError(f"no `opswall demo` on port {port} among this process's children")
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        used = server.cpu_times()
        time.sleep(window)
        now = server.cpu_times()
        if (now.user + now.system - used.user - used.system) / window < quiet:
            return time.monotonic() - start
    raise RuntimeError(f"the wall on port {port} was still busy after {timeout:.0f} s")


def accounts(redis_url: str) -> Accounts:
    """The wall's accounts in the Redis at `redis_url` (to issue tokens as `wall` CLI does)."""
    return Accounts(Store(redis.Redis.from_url(redis_url), prefix=PREFIX))


def wait_http(url: str, proc: subprocess.Popen[bytes] | None = None,
              timeout: float = 60) -> None:
    """Wait until `url` answers 200 anonymously (raise if `proc` exits or time runs out)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def wait_login(base: str, proc: subprocess.Popen[bytes] | None = None,
               timeout: float = 60) -> None:
    """Wait until the wall at `base` serves its login page, the one page open to anyone.

    `opswall demo` creates the admin and the demo's screen tokens before it starts serving, so
    tokens issued after this returns are not replaced by the demo's own.
    """
    wait_http(f"{base}/login", proc, timeout)


def post_json(url: str, body: Any, token: str, timeout: float = 10) -> Any:
    """POST `body` as JSON with `Authorization: Bearer <token>`; return the decoded answer."""
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"POST {url}: {err.code} {err.read()[:200]!r}") from err


def login(context: Any, base: str, name: str = ADMIN, password: str = ADMIN_PASSWORD) -> None:
    """Log a Playwright browser context in (its session cookie then goes with every page).

    Done through the context's request API, as the login form would post it, so no page is
    loaded and the context's HTTP cache stays cold for whatever is measured next.
    """
    form = context.request.get(f"{base}/login")
    found = _CSRF.search(form.text())
    if not form.ok or not found:
        raise RuntimeError(f"{base}/login: {form.status}, no login form")
    resp = context.request.post(f"{base}/login", max_redirects=0, form={
        "csrf_token": found[1], "next": "/", "username": name, "password": password})
    if resp.status != 302:
        raise RuntimeError(f"login as {name!r} refused: {resp.status}")


def open_screen(context: Any, base: str, screen_id: str, token: str) -> Any:
    """Open kiosk screen `screen_id` with its token (kept as the device cookie); return the page.

    The device cookie is one per browser context, so each screen needs a context of its own,
    as each physical screen is a browser of its own.
    """
    page = context.new_page()
    page.goto(f"{base}/s/{screen_id}?token={token}")
    if not page.url.endswith(f"/s/{screen_id}"):
        raise RuntimeError(f"screen {screen_id} did not open: {page.url}")
    return page


def wait_until(page: Any, js: str, arg: Any = None, timeout: float = 60,
               interval: float = 0.02) -> Any:
    """Poll the JS function `js` (called with `arg`) in `page` until it returns a truthy value.

    Replaces `page.wait_for_function`, which the wall's CSP blocks; `interval` matches the
    `polling=20` (ms) the benchmarks used with it.
    """
    from playwright.sync_api import Error

    deadline = time.perf_counter() + timeout
    while True:
        try:
            value = page.evaluate(js, arg)
        except Error as err:  # a navigation replaced the page's context: poll the new one
            if "context was destroyed" not in str(err) and "navigat" not in str(err):
                raise
            value = None
        if value:
            return value
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not true within {timeout:.0f} s: {js[:120]}")
        time.sleep(interval)
