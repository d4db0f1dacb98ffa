"""Command line: demo, serve, feeds [list], import, quarantine, forecast, users, screens, keys,
audit, check, bench."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from typing import Any

from wall.accounts import AccountError
from wall.accounts_cli import add_parsers, run
from wall.config import ConfigError, WallSettings, load_settings
from wall.env import EnvError, env_float
from wall.redis_conn import describe, redis_configured

__all__ = ["main"]


def _store(prefix: str | None = None):  # noqa: ANN202 - keep redis import lazy for --help
    from wall.store import Store, connect

    return Store(connect(), prefix=prefix or os.environ.get("WALL_PREFIX", "wall:"))


def _await_redis(store: object, what: str) -> None:
    """Wait until the configured Redis answers (a process started before Redis, or while it
    restarts, begins its work when Redis comes up instead of failing)."""
    import redis

    said = False
    while True:
        try:
            store.ping()  # type: ignore[attr-defined]
            if said:
                print(f"{what}: Redis answers, starting", flush=True)
            return
        except redis.RedisError as exc:
            if not said:
                print(f"{what}: waiting for Redis at {describe()} ({exc}); "
                      "will start when it answers", file=sys.stderr, flush=True)
                said = True
            time.sleep(2.0)


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop) ends the process as Ctrl-C does: leases released."""
    import signal

    def _raise(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)


def _start_simulator(settings: WallSettings) -> None:
    """Serve the SIMULATED stand-ins on loopback when configured feeds point at them."""
    if os.environ.get("WALL_SIMULATOR") or not any(
            "${WALL_SIMULATOR}" in str(f.settings) for f in settings.feeds.feeds):
        return
    from data_feeds.simulator import Simulator

    os.environ["WALL_SIMULATOR"] = Simulator().start().url
    print(f"Mô phỏng / simulated systems: {os.environ['WALL_SIMULATOR']}", flush=True)


def _open_doors(store: Any, settings: WallSettings, base: str, demo: bool) -> None:
    """Set up who may come in: the admin, the environment's ingest key, the demo's screens."""
    import secrets

    from wall.accounts import Accounts

    accounts = Accounts(store)
    password = os.environ.get("WALL_ADMIN_PASSWORD") or (secrets.token_urlsafe(12) if demo
                                                        else "")
    if password:
        accounts.ensure_admin(password)
        store.audit("system", "users.admin_password", {"user": "admin", "from_env": bool(
            os.environ.get("WALL_ADMIN_PASSWORD"))}, "start")
        shown = "(WALL_ADMIN_PASSWORD)" if os.environ.get("WALL_ADMIN_PASSWORD") else password
        print(f"Đăng nhập / login: {base}/login  người dùng / user: admin  "
              f"mật khẩu / password: {shown}", flush=True)
        if demo and not redis_configured():  # the embedded Redis: no CLI reaches it
            print(f"Mã API / API token (admin): {accounts.issue_user_token('admin')}",
                  flush=True)
    elif not accounts.users():
        print("chưa có tài khoản / no users yet: `opswall users add NAME --role admin`", flush=True)
    if os.environ.get("WALL_INGEST_KEY"):
        accounts.issue_feed_key("api", ["*"], ["*"], raw=os.environ["WALL_INGEST_KEY"])
        print("Khóa nhập liệu / ingest key: WALL_INGEST_KEY (mọi chỉ tiêu / all indicators)",
              flush=True)
    print(f"Bàn điều khiển / console: {base}/control", flush=True)
    if demo:
        print("Màn hình (mở không cần đăng nhập) / screens, no login needed:", flush=True)
        for spec in settings.wall.screens:
            token = accounts.issue_screen_token(spec.id, spec.clearance)
            store.audit("system", "screens.token_issue", {"screen": spec.id,
                                                          "clearance": spec.clearance}, "start")
            print(f"  {spec.id}: {base}/s/{spec.id}?token={token}", flush=True)


def _config_args(args: argparse.Namespace) -> list[str]:
    return ["--config", str(args.config)] if args.config else []


def _cmd_demo(args: argparse.Namespace, with_feeds: bool = True) -> int:
    settings = load_settings(args.config)
    if with_feeds:
        _start_simulator(settings)
    if not with_feeds and os.environ.get("WALL_DEV_SERVER") != "1":  # production: gunicorn
        from wall.door import door_settings
        from wall.production import serve

        door_settings()  # a bad value is a sentence here, not a worker that fails to boot

        running: list[_Running] = []

        def build() -> Any:  # in gunicorn's worker: threads do not survive its fork
            running.append(_start(args, settings, with_feeds=False))
            return running[0].wall.server

        serve(build, args.host, args.port)
        for r in running:
            r.stop()
        return 0
    started = _start(args, settings, with_feeds)
    try:
        started.wall.run(args.host, args.port)
    finally:
        started.stop()
    return 0


class _Running:
    """The pieces of a started wall process, stopped together."""

    def __init__(self, wall: Any, pieces: list[Any]) -> None:
        self.wall = wall
        self.pieces = pieces

    def stop(self) -> None:
        """Stop the relay, the feeds, the workers."""
        self.wall.relay.stop()
        for piece in self.pieces:
            piece.stop()


def _start(args: argparse.Namespace, settings: WallSettings, with_feeds: bool) -> _Running:
    """Connect to Redis, build the app, start the feeds (demo), alerts and forecasts, let the
    first people in; return what runs."""
    from data_feeds.runner import FeedRunner, build_feeds
    from wall.alerting.engine import AlertEngine
    from wall.app import create_app

    store = _store()
    if redis_configured():
        _await_redis(store, "opswall " + ("demo" if with_feeds else "serve"))
    where = describe() if redis_configured() else "Redis trong tiến trình (embedded, không lưu)"
    runner = FeedRunner(store, build_feeds(settings)) if with_feeds else None
    wall = create_app(settings, store)
    pieces: list[Any] = [AlertEngine(store, settings).start()]  # every server: de-duplicated
    if runner:  # after the app is built: the first polls store years of history at once
        from wall.analysis.worker import ForecastWorker, shown_series

        runner.start()
        pieces.append(runner)
        forecasts = os.environ.get("WALL_FORECASTS", "1") != "0"  # 0: no forecast worker here
        if forecasts and redis_configured():  # fits in a niced process, off the screens' GIL
            from wall.child import ChildProcess

            pieces.append(ChildProcess([*_config_args(args), "forecast", "worker"],
                                       {"WALL_FORECAST_DUTY": "0.25"}))
        elif forecasts:  # the embedded store lives in this process: so must the worker
            pieces.append(ForecastWorker(store, settings.catalogue, also=shown_series(settings),
                                         duty=0.25).start())
    base = f"http://{args.host}:{args.port}"
    print(f"Bức tường hiển thị / display wall: {base}/  (Redis: {where})", flush=True)
    _open_doors(store, settings, base, demo=with_feeds)
    gc.collect()  # what start-up built (layouts, geometry, catalogue) lives as long as the
    gc.freeze()  # process: full collections need not walk it (150-290 ms each, 100-140 frozen)
    return _Running(wall, pieces)


def _cmd_feeds(args: argparse.Namespace) -> int:
    from data_feeds.runner import FeedRunner, build_feeds

    if not redis_configured():
        print("opswall feeds needs REDIS_URL or REDIS_SENTINELS (a shared Redis); for one process "
              "use `opswall demo`",
              file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    _start_simulator(settings)
    _stop_on_sigterm()
    store = _store()
    try:
        _await_redis(store, "opswall feeds")
    except KeyboardInterrupt:
        return 0
    runner = FeedRunner(store, build_feeds(settings),
                        lease_s=env_float("WALL_LEASE_SECONDS", 15.0, minimum=1.0))
    runner.start()
    print(f"feed worker {runner.worker}: {len(runner.feeds)} feeds configured", flush=True)
    try:
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from wall.config_check import problems

    settings = load_settings(args.config)
    found = problems(settings)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} problems in the configuration", file=sys.stderr)
        return 1
    print(f"ok: {len(settings.catalogue.indicators)} indicators, "
          f"{len(settings.feeds.feeds)} feeds, {len(settings.wall.screens)} screens")
    return 0


def _needs_redis() -> bool:
    if redis_configured():
        return True
    print("this command works on the configured Redis: set REDIS_URL (or REDIS_SENTINELS)",
          file=sys.stderr)
    return False


def _cmd_operator(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wall import operator_cli
    from wall.accounts import Accounts
    from wall.accounts_cli import cli_principal, where

    if not _needs_redis():
        return 2
    settings, store = load_settings(args.config), _store()
    p = cli_principal(Accounts(store), args.cmd)
    if p is None:
        return 3
    if args.cmd != "feeds-list":
        store.audit(p.who, args.cmd, {k: v for k, v in vars(args).items()
                                      if k in ("path", "action", "ids", "regime")}, where())
    if args.cmd == "import":
        return operator_cli.cmd_import(store, settings, Path(args.path), args.regime,
                                       p.clearance)
    if args.cmd == "feeds-list":
        return operator_cli.cmd_feeds_list(store, settings, args.json)
    return operator_cli.cmd_quarantine(store, settings, args.action, args.ids, args.count,
                                       p.clearance)


def _cmd_forecast(args: argparse.Namespace) -> int:
    from wall.access import Guard
    from wall.accounts import Accounts
    from wall.accounts_cli import cli_principal
    from wall.analysis import cli as forecast_cli

    settings = load_settings(args.config)
    if args.action == "worker":
        return forecast_cli.run_worker(_store(), settings) if _needs_redis() else 2
    cleared: Any = lambda _code: True  # noqa: E731 - the seed is public data
    if redis_configured():
        store = _store()
        p = cli_principal(Accounts(store), "forecast")
        if p is None:
            return 3
        guard = Guard(settings.catalogue)
        cleared = lambda code: guard.permits(p.clearance, code)  # noqa: E731
    else:
        store = forecast_cli.seed_store(settings)
    codes = args.indicator or forecast_cli.default_codes(store, settings, args.area)
    rows = forecast_cli.backtest_rows(store, settings, codes, args.area, cleared)
    return 0 if forecast_cli.print_table(rows, args.json) else 1


# each is benchmarks/<name>.py's main
BENCHES = ("latency", "ingest", "screens", "memory", "alerts", "focus", "soak", "fanout")


def _cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    which = args.bench_args[0] if args.bench_args else ""
    if which in BENCHES:
        return int(importlib.import_module(f"benchmarks.{which}").main(args.bench_args))
    print(f"usage: opswall bench {{{','.join(BENCHES)}}} [options]", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the `opswall` command."""
    from wall.child import adopt

    adopt()  # a helper process of another wall process ends with it
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # model fits stay on one core: the wall keeps the other
    parser = argparse.ArgumentParser(prog="opswall", description=__doc__)
    parser.add_argument("--config", default=os.environ.get("WALL_CONFIG"),
                        help="config folder (default: the repository's config/)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, text in (("demo", "feeds and web server in one process (embedded Redis "
                                "unless REDIS_URL is set)"),
                       ("run", "same as demo"),
                       ("serve", "web server and relay only (needs REDIS_URL)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--host", default=os.environ.get("WALL_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=os.environ.get("WALL_PORT") or 8050)
    feeds = sub.add_parser("feeds", help="run the feeds against REDIS_URL; `feeds list` lists")
    feeds.add_argument("action", nargs="?", choices=["run", "list"], default="run")
    feeds.add_argument("--json", action="store_true", help="with `list`: JSON output")
    imp = sub.add_parser("import", help="import a report file (CSV, XLSX, SDMX) into REDIS_URL")
    imp.add_argument("path")
    imp.add_argument("--regime", help="reporting regime id (config/regimes.yaml)")
    quar = sub.add_parser("quarantine", help="list, show or replay quarantined records")
    quar.add_argument("action", choices=["list", "show", "replay"])
    quar.add_argument("ids", nargs="*", help="entry ids (or `all` with replay)")
    quar.add_argument("--count", type=int, default=100)
    sub.add_parser("check", help="validate config/*.yaml and exit")
    from wall.analysis.cli import add_parser as add_forecast_parser

    add_forecast_parser(sub)
    add_parsers(sub)
    bench = sub.add_parser("bench", help="benchmarks: `opswall bench NAME --help`, NAME one of "
                                         + ", ".join(BENCHES))
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        if args.cmd in ("demo", "run"):
            return _cmd_demo(args)
        if args.cmd == "serve":
            return _cmd_demo(args, with_feeds=False)
        if args.cmd == "feeds" and args.action == "list":
            args.cmd = "feeds-list"
            return _cmd_operator(args)
        if args.cmd == "feeds":
            return _cmd_feeds(args)
        if args.cmd in ("import", "quarantine"):
            return _cmd_operator(args)
        if args.cmd == "check":
            return _cmd_check(args)
        if args.cmd == "forecast":
            return _cmd_forecast(args)
        if args.cmd in ("users", "screens", "keys", "audit"):
            return run(args, _store(), load_settings(args.config)) if _needs_redis() else 2
        return _cmd_bench(args)
    except ConfigError as exc:
        print(f"config error:\n{exc}", file=sys.stderr)
        return 2
    except (AccountError, EnvError) as exc:  # a bad environment value: a sentence, no traceback
        print(f"opswall: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
