"""Engine.IO heartbeats come from one thread's timetable: due order, closed sockets skipped, and
engine.io's own sockets routed through it with their first ping anywhere in the interval."""

from __future__ import annotations

from typing import Any

import engineio
from engineio import packet as eio_packet
from engineio import socket as eio_socket

from tests.helpers import wait_for
from wall import pings


class _Sock:
    """The part of an engine.io socket a ping touches."""

    def __init__(self, name: str, sent: list[str], closed: bool = False) -> None:
        self.name, self.sent = name, sent
        self.closing, self.closed, self.last_ping = False, closed, None

    def send(self, pkt: Any) -> None:
        assert pkt.packet_type == eio_packet.PING
        self.sent.append(self.name)


def test_sockets_are_pinged_when_due_in_order_and_closed_ones_skipped() -> None:
    sent: list[str] = []
    pinger = pings.Pinger()
    late, gone, early = _Sock("late", sent), _Sock("gone", sent, closed=True), _Sock("early", sent)
    pinger.schedule(late, 0.3)
    pinger.schedule(gone, 0.0)
    pinger.schedule(early, 0.05)  # sooner than the one the thread already waits for
    wait_for(lambda: len(sent) == 2, "both open sockets pinged", timeout=30)
    assert sent == ["early", "late"]
    assert early.last_ping is not None and gone.last_ping is None


def test_engineio_sockets_are_pinged_through_the_timetable() -> None:
    pings.install()
    server = engineio.Server(async_mode="threading", ping_interval=1)
    sock = eio_socket.Socket(server, "sid-1")
    sock.schedule_ping()  # as engine.io does when the socket connects
    assert sock.last_ping is None, "the wait for the next ping has begun"
    first = sock.queue.get(timeout=30)  # queued by the timetable's thread, within the interval
    assert first.packet_type == eio_packet.PING and sock.last_ping is not None
    assert sock.wall_pinged
    sock.receive(eio_packet.Packet(eio_packet.PONG))  # the pong schedules the next one
    assert sock.queue.get(timeout=30).packet_type == eio_packet.PING
