"""Engine.IO heartbeats from one thread: every socket's next ping waits in one timetable.

In threading mode engine.io starts a new thread for every ping it sends: each pong schedules the
next ping as a thread that sleeps `ping_interval` and then queues the PING for the socket's
writer thread. With 500 screens and a 5 s interval that is 100 threads started and ended a
second, and the screens that connected together (after a restart, they all do) are pinged in the
same instant ever after, their pongs arriving together while the relay writes its batches. Here
one thread keeps the timetable and queues each due PING, and a socket's first ping comes at a
random point of the interval, so the pings spread out.

A ping is sent exactly as engine.io sends it (`last_ping` stamped, then PING); the pong, the
client's own timeout and the server's ping-timeout sweep are engine.io's, untouched.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from typing import Any

from engineio import packet as eio_packet
from engineio import socket as eio_socket

__all__ = ["Pinger", "install"]


class Pinger:
    """A timetable of sockets to ping and the one thread that pings them when due."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Any]] = []
        self._order = itertools.count()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, sock: Any, delay: float) -> None:
        """Ping `sock` in `delay` seconds (unless it has closed by then)."""
        with self._cv:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), sock))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="engineio-pings",
                                                daemon=True)
                self._thread.start()
            elif self._due[0][2] is sock:  # sooner than what the thread sleeps towards
                self._cv.notify()

    def _take_due(self) -> list[Any]:
        with self._cv:
            while True:
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    due = []
                    while self._due and self._due[0][0] <= now:
                        due.append(heapq.heappop(self._due)[2])
                    return due
                self._cv.wait(self._due[0][0] - now if self._due else None)

    def _run(self) -> None:
        while True:
            for sock in self._take_due():
                try:
                    ping(sock)
                except Exception:  # noqa: S112 - a socket closing meanwhile: its reader ends it
                    continue


def ping(sock: Any) -> None:
    """Send one engine.io PING to `sock` as engine.io's own `_send_ping` does.

    It goes through the socket's queue, not straight into the websocket: engine.io's writer
    thread closes a websocket whose queue stays empty for `ping_interval + ping_timeout`, and
    the pings are what keep it fed while the relay writes the batches itself.
    """
    if sock.closing or sock.closed:
        return
    sock.last_ping = time.time()
    sock.send(eio_packet.Packet(eio_packet.PING))


PINGER = Pinger()
_installed = False


def install() -> None:
    """Route every engine.io socket's next ping through `PINGER` (idempotent)."""
    global _installed
    if _installed:
        return

    def schedule_ping(self: Any) -> None:
        if self.last_ping:  # as engine.io: only after the previous ping's wait has ended
            self.last_ping = None
            delay = self.server.ping_interval
            if not getattr(self, "wall_pinged", False):  # the first ping falls anywhere in the
                self.wall_pinged = True  # interval: screens that connect together are not
                delay *= random.uniform(0.1, 1.0)  # pinged together ever after
            PINGER.schedule(self, delay)

    eio_socket.Socket.schedule_ping = schedule_ping
    _installed = True
