"""`opswall serve` on gunicorn: the production server Flask-SocketIO supports in threading mode
(one worker process, a pool of threads, websockets through simple-websocket).

One worker, because the relay, the alert engine and the Socket.IO rooms live in the process:
more capacity is more `opswall serve` processes behind the proxy, all sharing Redis. The wall is
built inside the worker (threads do not survive a fork), and gunicorn handles SIGTERM gracefully,
bounds request lines and headers, and closes idle keep-alive connections.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from wall.child import die_with_parent
from wall.env import env_int

__all__ = ["serve"]

THREADS = 256  # concurrent requests and open websockets of one process (each holds one)


class _Wall(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose WSGI app is built in the worker by `build()`."""

    def __init__(self, build: Callable[[], Any], options: dict[str, Any]) -> None:
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.build()


def _die_with_master(_arbiter: Any, worker: Any) -> None:
    """In the worker: be killed with the master, as a server killed is killed whole.

    Otherwise an orphaned worker winds down for up to the graceful timeout with its listening
    socket still open but accepting nothing: the kernel still completes connections there, so the
    proxy's requests hang instead of failing over, and screens stay on a dying server.
    """
    die_with_parent(worker.ppid)


def serve(build: Callable[[], Any], host: str, port: int) -> None:
    """Serve the Flask app `build()` returns (called once, in the worker) until SIGTERM."""
    threads = env_int("WALL_THREADS", THREADS, minimum=4)
    _Wall(build, {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": threads,
        "timeout": 120, "graceful_timeout": 20, "keepalive": 5,
        "limit_request_line": 8190, "limit_request_fields": 100,
        "limit_request_field_size": 8190, "accesslog": None, "errorlog": "-",
        "loglevel": "warning", "proc_name": "opswall-serve",
        "post_fork": _die_with_master,
    }).run()
