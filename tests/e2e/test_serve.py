"""`opswall serve` is gunicorn (threads, websockets): a kiosk syncs live through it, /livez answers
anyone, SIGTERM ends it gracefully and SIGKILL ends it whole."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from tests.conftest import REPO, free_port
from tests.e2e.conftest import ARTIFACTS, WallServer
from tests.helpers import gone, record, wait_for


@contextmanager
def _serving(wall_server: WallServer, redis_url: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """`opswall serve` on a free port, answering /livez; killed if a test left it running."""
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
            yield proc, base
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Werkzeug" not in (ARTIFACTS / f"serve-{port}.log").read_text(errors="replace")


def test_serve_runs_on_gunicorn_with_websockets(browser: Any, redis_url: str,
                                                wall_server: WallServer) -> None:
    with _serving(wall_server, redis_url) as (proc, base):
        token = wall_server.accounts.issue_screen_token("s2", "internal")
        page = browser.new_page()
        page.goto(f"{base}/s/s2?token={token}")
        page.wait_for_selector("[data-screen='s2'][data-synced]", timeout=60_000)
        assert page.evaluate("() => window.io && document.querySelector('#conn-status')"
                             ".className.includes('conn-ok')")
        # a live value reaches the kiosk, written into its websocket by the relay itself
        assert wall_server.post([record(value=43210.9, source="serve-test")])["accepted"]

        def written_directly() -> bool:
            health = requests.get(f"{base}/healthz", headers=wall_server.api.headers,
                                  timeout=5).json()
            return health["relay"]["deliveries"]["direct"] >= 1

        wait_for(written_directly, "a batch written straight into the kiosk's socket")
        page.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_a_killed_serve_takes_its_worker_and_screens_with_it(redis_url: str,
                                                            wall_server: WallServer) -> None:
    """SIGKILL to `opswall serve` ends its worker too: an orphan would keep screens' sockets and
    its listening socket open for its graceful timeout, answering nothing new."""
    import psutil
    import socketio

    with _serving(wall_server, redis_url) as (proc, base):
        [worker] = psutil.Process(proc.pid).children()
        sio = socketio.Client(reconnection=False)
        token = wall_server.accounts.issue_user_token("admin")
        sio.connect(base, transports=["websocket"], headers={"Authorization": f"Bearer {token}"},
                    wait_timeout=30)
        try:
            assert sio.connected
            proc.kill()
            proc.wait()
            wait_for(lambda: gone(worker.pid), "the worker ended with its master", timeout=60)
            wait_for(lambda: not sio.connected, "the screen's socket closed", timeout=60)
        finally:
            sio.disconnect()
            if not gone(worker.pid):
                worker.kill()


def _raw_socket(url: str) -> Any:
    """An engine.io websocket that never sends Socket.IO's CONNECT (never joins a panel)."""
    import websocket

    return websocket.create_connection(
        url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", timeout=5)


def test_sockets_are_capped_per_address_and_unjoined_ones_closed(redis_url: str,
                                                                 quiet_config: Any) -> None:
    import websocket

    server = WallServer(redis_url, quiet_config, prefix=f"cap{free_port()}:")
    server.env["WALL_SOCKETS_PER_ADDRESS"] = "3"
    server.start()
    try:
        held = [_raw_socket(server.url) for _ in range(3)]
        try:
            _raw_socket(server.url)
            raise AssertionError("a fourth socket from one address was let in")
        except websocket.WebSocketBadStatusException as exc:
            assert exc.status_code == 429
        # one that answers every ping but never joins is still closed by the server
        sock = held[0]
        sock.settimeout(1)
        closed = False

        def server_closed() -> bool:
            nonlocal closed
            try:
                frame = sock.recv()
            except websocket.WebSocketTimeoutException:
                return False
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                closed = True
                return True
            if frame == "2":
                sock.send("3")
            closed = frame == "" or closed
            return closed

        wait_for(server_closed, "the server closing a socket that never joined", timeout=90)
        for s in held:
            s.close()

        def admitted() -> bool:  # the closed ones no longer count against the address
            try:
                _raw_socket(server.url).close()
                return True
            except websocket.WebSocketBadStatusException:
                return False

        wait_for(admitted, "a socket admitted again once the others closed", timeout=60)
    finally:
        server.stop()


def test_a_quiet_screen_stays_connected_across_heartbeats(redis_url: str,
                                                         quiet_config: Any) -> None:
    import socketio
    from engineio import packet as eio_packet

    server = WallServer(redis_url, quiet_config, prefix=f"hb{free_port()}:")
    server.env.update({"WALL_PING_INTERVAL_S": "1", "WALL_PING_TIMEOUT_S": "1"})
    server.start()
    sio = socketio.Client(reconnection=False)
    got: list[float] = []
    sio.on("obs", lambda batch: got.extend(o["value"] for o in batch))
    pings = 0
    receive = sio.eio._receive_packet

    def counting(pkt: Any) -> Any:  # the client answers each PING; here they are counted too
        nonlocal pings
        pings += pkt.packet_type == eio_packet.PING
        return receive(pkt)

    sio.eio._receive_packet = counting
    try:
        token = server.accounts.issue_user_token("admin")
        sio.connect(server.url, transports=["websocket"],
                    headers={"Authorization": f"Bearer {token}"}, wait_timeout=30)
        assert sio.call("join", {"panel": "overview"}, timeout=30)["ok"]
        # nothing is sent but heartbeats: a socket idle for ping_interval + ping_timeout (2 s)
        # is closed, by the server's writer thread or by the client's own read timeout
        wait_for(lambda: not sio.connected or pings >= 6, "six heartbeats", timeout=60)
        assert sio.connected, "the screen was dropped while it was only quiet"
        assert server.post([record(value=24680.5, source="hb-test")])["accepted"]
        wait_for(lambda: 24680.5 in got, "a value reaching the screen after the quiet spell")
    finally:
        sio.disconnect()
        server.stop()
