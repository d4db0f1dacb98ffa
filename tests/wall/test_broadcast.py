"""The relay's direct websocket writes: frames a standard parser reads, and a socket that cannot
take them (a frozen screen) gets every frame later, whole and in order, mixed with what its own
writer thread sends."""

from __future__ import annotations

import queue
import socket
import threading
from typing import Any

from wsproto.frame_protocol import FrameProtocol, Opcode

from wall.broadcast import Frame, Pipe, text_frame


def _messages(data: bytes) -> list[str]:
    """Parse server→client bytes as a websocket client does; return the text messages."""
    proto = FrameProtocol(client=True, extensions=[])
    proto.receive_bytes(data)
    out = []
    for frame in proto.received_frames():
        assert frame.opcode is Opcode.TEXT and frame.frame_finished
        out.append(frame.payload)
    return out


def test_text_frames_parse_at_every_length_encoding() -> None:
    payloads = ["4" + "x" * 10, "4Hà Nội" * 30, "4" + "Trường Sa, " * 8000]  # 7/16/64-bit
    assert [len(p.encode()) >= 126 for p in payloads] == [False, True, True]
    assert len(payloads[2].encode()) >= 1 << 16
    assert _messages(b"".join(text_frame(p) for p in payloads)) == payloads


class _Writer:
    """Engine.IO's writer thread in miniature: takes packets from a queue, sends them."""

    def __init__(self, sock: socket.socket) -> None:
        self.q: queue.Queue[Any] = queue.Queue()
        self.sock = sock
        self.pipe = Pipe(sock, self._frame_and_send, self.q.put)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> _Writer:
        """Let the writer thread run (a busy process may not schedule it for a while)."""
        self.thread.start()
        return self

    def _frame_and_send(self, text: str) -> None:  # what simple-websocket's send does
        self.sock.sendall(text_frame(text))

    def _run(self) -> None:
        while (pkt := self.q.get()) is not None:
            self.pipe.writer_send(pkt if isinstance(pkt, str | bytes) else pkt.encode())


def test_a_socket_that_cannot_take_frames_gets_them_later_whole_and_in_order() -> None:
    server, client = socket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.setblocking(False)
    writer = _Writer(server)  # not running yet: its queue only fills
    sent: list[str] = []
    received = bytearray()
    direct = 0
    for n in range(600):  # a slow screen: it reads a little now and then, the buffers fill
        text = f"4batch {n} " + "ư" * (n % 97 * 11)
        sent.append(text)
        direct += writer.pipe.offer(text_frame(text))
        if n % 50 == 0:  # the writer thread's own messages (pings, alerts) in between
            sent.append(f"2ping {n}")
            writer.q.put(f"2ping {n}")
        if n % 7 == 6:
            try:
                received += client.recv(1500)
            except BlockingIOError:  # all it was sent so far is read
                pass
    assert 0 < direct < 600, "some frames went straight in, the rest waited their turn"
    assert writer.pipe.backlog > 0
    writer.start()
    client.settimeout(10)
    expected = sum(len(text_frame(t)) for t in sent)
    while len(received) < expected:  # the screen catches up and reads everything
        received += client.recv(65536)
    writer.q.put(None)
    writer.thread.join(timeout=10)
    messages = _messages(bytes(received))
    assert [m for m in messages if m.startswith("4")] == [t for t in sent if t.startswith("4")]
    assert sorted(messages) == sorted(sent)
    assert writer.pipe.backlog == 0 and not writer.pipe.tail
    server.close()
    client.close()


def test_a_closed_socket_is_skipped_without_raising() -> None:
    server, client = socket.socketpair()
    writer = _Writer(server).start()
    client.close()
    results = [writer.pipe.offer(text_frame("4late")) for _ in range(200)]
    assert writer.pipe.closed
    assert not results[-1]
    writer.q.put(None)
    writer.thread.join(timeout=10)
    server.close()


def test_an_empty_frame_only_wakes_the_writer() -> None:
    server, client = socket.socketpair()
    writer = _Writer(server).start()
    writer.pipe.tail = text_frame("4the end of a begun frame")
    with writer.pipe._mu:
        writer.pipe.backlog += 1
    writer.q.put(Frame(b""))
    client.settimeout(10)
    data = b""
    while len(data) < len(text_frame("4the end of a begun frame")):
        data += client.recv(4096)
    assert _messages(data) == ["4the end of a begun frame"]
    writer.q.put(None)
    writer.thread.join(timeout=10)
    assert writer.pipe.backlog == 0
    server.close()
    client.close()
