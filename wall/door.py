"""The front door of the WSGI app: the client address behind trusted proxies, and a cap on the
Socket.IO connections one address may hold open.

A websocket holds a server thread for as long as it is open; without a cap one client could hold
them all. The cap counts open `/socket.io/` requests per client address (a websocket is one, a
long-poll one at a time), so it also bounds polling clients. Sockets that connect but never join a
panel are closed by the relay (`wall.relay.JOIN_S`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from wall.env import env_int

__all__ = ["SOCKETS_PER_ADDRESS", "SocketCap", "door_settings", "install_front_door"]

SOCKETS_PER_ADDRESS = 64  # a meeting room behind one NAT address still fits

Environ = dict[str, Any]
App = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]


class SocketCap:
    """WSGI middleware: at most `limit` open Socket.IO requests per client address; 429 beyond."""

    def __init__(self, app: App, limit: int, path: str = "/socket.io") -> None:
        self.app = app
        self.limit = limit
        self.path = path
        self.open: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return self.app(environ, start_response)
        addr = environ.get("REMOTE_ADDR") or "?"
        with self._lock:
            if self.open.get(addr, 0) >= self.limit:
                start_response("429 Too Many Requests",
                               [("Content-Type", "text/plain"), ("Retry-After", "10")])
                return [b"too many connections from this address\n"]
            self.open[addr] = self.open.get(addr, 0) + 1
        try:  # a websocket runs inside this call until it closes (threading mode)
            return self.app(environ, start_response)
        finally:
            with self._lock:
                left = self.open[addr] - 1
                if left:
                    self.open[addr] = left
                else:
                    del self.open[addr]


def door_settings() -> tuple[int, int]:
    """The trusted proxies and the socket cap from the environment (EnvError when unusable)."""
    return (env_int("WALL_TRUSTED_PROXIES", 0),
            env_int("WALL_SOCKETS_PER_ADDRESS", SOCKETS_PER_ADDRESS, minimum=1))


def install_front_door(server: Flask) -> None:
    """Wrap `server` (after Socket.IO has wrapped it): proxies outermost, then the socket cap.

    `WALL_TRUSTED_PROXIES=N`: behind N proxies (nginx for TLS) the client is in X-Forwarded-For;
    `WALL_SOCKETS_PER_ADDRESS`: the cap (default 64).
    """
    proxies, cap = door_settings()
    app: Any = SocketCap(server.wsgi_app, cap)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app = ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=0)
    server.wsgi_app = app  # type: ignore[method-assign]
